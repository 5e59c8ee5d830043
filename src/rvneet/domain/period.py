"""Report periods: `2025H1`, `2025Q3`, `2025-03`, `2025`, `2025-01-01..2025-06-30` (inclusive)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from rvneet.domain.dates import FIRST_DAY, LAST_DAY
from rvneet.i18n import N_, _, translate

_YEAR = re.compile(r"(\d{4})", re.ASCII)
_HALF = re.compile(r"(\d{4})H([12])", re.IGNORECASE | re.ASCII)
_QUARTER = re.compile(r"(\d{4})Q([1-4])", re.IGNORECASE | re.ASCII)
_MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", re.ASCII)

# Marked N_: help texts embed it in English (their own translations say it in Estonian); an error
# message translates it.
PERIOD_HELP = N_(
    "2025H1, 2025H2, 2025Q1 (to Q4), 2025-03, 2025, or 2025-01-01..2025-06-30 (both days included)"
)


@dataclass(frozen=True)
class Period:
    """An inclusive range of calendar days with the label the user wrote."""

    label: str
    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def _outside(label: str) -> ValueError:
    """A period reaching outside the years rvneet takes (`domain.dates`)."""
    return ValueError(
        _("invalid period {period}: the years must be {first} to {last}").format(
            period=repr(label), first=FIRST_DAY.year, last=LAST_DAY.year
        )
    )


def _months(label: str, year: int, first: int, last: int) -> Period:
    if not FIRST_DAY.year <= year <= LAST_DAY.year:
        raise _outside(label)
    end_day = calendar.monthrange(year, last)[1]
    return Period(label, date(year, first, 1), date(year, last, end_day))


def parse_period(text: str) -> Period:
    """Parse a period as users write it; raise ValueError with a message naming the accepted forms."""
    raw = text.strip()
    if m := _YEAR.fullmatch(raw):
        return _months(raw, int(m[1]), 1, 12)
    if m := _HALF.fullmatch(raw):
        half = int(m[2])
        return _months(raw.upper(), int(m[1]), 6 * half - 5, 6 * half)
    if m := _QUARTER.fullmatch(raw):
        quarter = int(m[2])
        return _months(raw.upper(), int(m[1]), 3 * quarter - 2, 3 * quarter)
    if m := _MONTH.fullmatch(raw):
        month = int(m[2])
        if not 1 <= month <= 12:
            raise ValueError(
                _("invalid period {period}: month must be 01..12").format(period=repr(raw))
            )
        return _months(raw, int(m[1]), month, month)
    if m := _RANGE.fullmatch(raw):
        try:
            start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
        except ValueError:
            raise ValueError(
                _("invalid period {period}: not a real calendar day").format(period=repr(raw))
            ) from None
        if end < start:
            raise ValueError(
                _("invalid period {period}: the end is before the start").format(period=repr(raw))
            )
        if start < FIRST_DAY or end > LAST_DAY:
            raise _outside(raw)
        return Period(raw, start, end)
    raise ValueError(
        _("invalid period {period}: use {forms}").format(
            period=repr(raw), forms=translate(PERIOD_HELP)
        )
    )
