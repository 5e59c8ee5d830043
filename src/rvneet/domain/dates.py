"""The days rvneet takes: 1900-01-01 to 2099-12-31, and how a person writes one.

A case of the year 1 would get the reference RV-1-001, and ages and periods computed from such a
day mean nothing. The youths rvneet serves were born after 1900, every record is dated in their
lifetime, and nothing is planned past 2099, so a day outside these years is a typing error.
"""

from __future__ import annotations

import datetime as dt
import re

from rvneet.i18n import _

FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)


def check_day(day: dt.date) -> dt.date:
    """`day` itself; ValueError (one line, in the message language) when it is outside the years."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(
            _("{day} is outside the years {first} to {last}").format(
                day=day.isoformat(), first=FIRST_DAY.year, last=LAST_DAY.year
            )
        )
    return day


# The written forms a person types. ASCII digits only: `\d` would also take Arabic-Indic digits.
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DOTTED = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
_SHORT_YEAR = re.compile(r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,2}")
# Days named by a word, in English and Estonian, as `fold` compares them (täna = tana = TÄNA).
_DAYS_BACK = {"today": 0, "tana": 0, "yesterday": 1, "eile": 1}


def accepted_forms() -> str:
    """The forms `parse_day` takes, for an error message or a help text, in the message language."""
    return _("15.03.2025, 2025-03-15, today or yesterday (Estonian: täna, eile)")


def parse_day(text: str, today: dt.date | None = None) -> dt.date:
    """The day `text` names: `15.03.2025` (or `5.3.2025`), `2025-03-15`, `today`/`täna` or
    `yesterday`/`eile` in any case, counted from `today` (default: the local date).

    ValueError (one line, in the message language, listing the forms) for anything else, for a
    two-digit year (`15.03.25`: which century is a guess) and for a day outside 1900 to 2099.
    """
    from rvneet.domain.enums import fold

    written = text.strip()
    if (back := _DAYS_BACK.get(fold(written))) is not None:
        return check_day((today or dt.date.today()) - dt.timedelta(days=back))
    if match := _ISO.fullmatch(written):
        year, month, day = (int(group) for group in match.groups())
    elif match := _DOTTED.fullmatch(written):
        day, month, year = (int(group) for group in match.groups())
    elif _SHORT_YEAR.fullmatch(written):
        raise ValueError(
            _("{value!r} has a two-digit year; write the year in full: {forms}").format(
                value=written, forms=accepted_forms()
            )
        )
    else:
        raise ValueError(
            _("{value!r} is not a date; write {forms}").format(
                value=written, forms=accepted_forms()
            )
        )
    try:
        parsed = dt.date(year, month, day)
    except ValueError:
        raise ValueError(
            _("{value!r} is not a date (no such day); write {forms}").format(
                value=written, forms=accepted_forms()
            )
        ) from None
    return check_day(parsed)
