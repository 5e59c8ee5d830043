"""Columns of an import file: their names in English and Estonian, and how a cell becomes a value.

A file may name a column by its English name (`birth_date`), its Estonian header (`sünniaeg`) or a
documented alias; case, spaces, hyphens and a trailing `*` do not matter. Dates may be written
`2025-03-01` or `01.03.2025`; yes/no as `yes`/`no`, `jah`/`ei`, `true`/`false` or `1`/`0`; a choice
as its English value or its Estonian form (`kõrge`), as on the command line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from rvneet.domain import enums
from rvneet.domain.dates import check_day
from rvneet.i18n import _, message_language, ngettext, translate

E = TypeVar("E", bound=StrEnum)

# A rejected cell: the reason is what the user reads beside the row number and the column.
CellError = ValueError

_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", re.ASCII)
_YES = frozenset({"yes", "y", "jah", "j", "true", "1", "x"})
_NO = frozenset({"no", "n", "ei", "false", "0"})


def parse_day(value: Any) -> dt.date:
    """A calendar day from `2025-03-01`, `01.03.2025`, or a spreadsheet date cell, in the years
    rvneet takes (`domain.dates`: 1900 to 2099)."""
    if isinstance(value, dt.datetime):
        return check_day(value.date())
    if isinstance(value, dt.date):
        return check_day(value)
    text = str(value).strip()
    if match := _DOTTED.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
        try:
            parsed = dt.date(year, month, day)
        except ValueError:
            raise CellError(
                _("{value} is not a date (no such day)").format(value=repr(text))
            ) from None
        return check_day(parsed)
    try:
        iso = dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        iso = None
    if iso is not None:
        return check_day(iso)
    raise CellError(
        _("{value} is not a date; write 2025-03-01 or 01.03.2025").format(value=repr(text))
    )


def parse_flag(value: Any) -> bool:
    """yes/no in English or Estonian (jah/ei), true/false, 1/0."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellError(_("{value} is not yes or no").format(value=repr(value)))


def parse_count(value: Any) -> int:
    """A whole number."""
    if isinstance(value, bool):
        raise CellError(_("{value} is not a whole number").format(value=repr(value)))
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if re.fullmatch(r"[+-]?\d+", text, re.ASCII):
        return int(text)
    raise CellError(_("{value} is not a whole number").format(value=repr(value)))


def parse_text(value: Any) -> str:
    """Text as written; numbers a spreadsheet stored as numbers come back as their digits."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def parse_list(value: Any) -> tuple[str, ...]:
    """A comma- or semicolon-separated list."""
    return tuple(p.strip() for p in re.split(r"[,;]", str(value)) if p.strip())


def parse_choice(value: Any, choices: type[E]) -> E:
    """One of an enumeration's values or its Estonian form (`kõrge` for high), as the command line
    takes them; case and diacritics do not matter."""
    return enums.parse_choice(choices, str(value))  # its ValueError is the CellError


_SEXES = {"m": "M", "mees": "M", "male": "M", "f": "F", "n": "F", "naine": "F", "female": "F"}


def parse_sex(value: Any) -> str:
    """M or F; also mees/naine and M/N as an Estonian form writes them."""
    text = str(value).strip().casefold()
    if text in _SEXES:
        return _SEXES[text]
    raise CellError(_("{value} is not a sex; write M or F (mees/naine)").format(value=repr(value)))


PARSERS = {
    "text": parse_text,
    "date": parse_day,
    "flag": parse_flag,
    "count": parse_count,
    "list": parse_list,
    "sex": parse_sex,
}


@dataclass(frozen=True)
class Column:
    """One column of an import file.

    `field` is the English header and the JSON key; `et` the Estonian header; `kind` one of
    text, date, flag, count, list; `example` is the template's example value; `help` says what it
    holds, in English marked N_ (see `description`).
    """

    field: str
    et: str
    kind: str = "text"
    required: bool = False
    aliases: tuple[str, ...] = ()
    example: str = ""
    help: str = ""
    choices: type[StrEnum] | None = None

    def parse(self, value: Any) -> Any:
        """The cell's value, or CellError with the reason."""
        if self.choices is not None:
            return parse_choice(value, self.choices)
        return PARSERS[self.kind](value)

    def description(self, lang: str | None = None) -> str:
        """The column's `help` (marked N_) in `lang`, else the language of messages, with `{choices}`
        filled in by the values it takes (in Estonian, their Estonian forms, as typed)."""
        text = translate(self.help, lang) if self.help else ""
        if self.choices is None or "{choices}" not in text:
            return text
        chosen = ", ".join(enums.typed(member, lang) for member in self.choices)
        return text.format(choices=chosen)

    def names(self) -> tuple[str, ...]:
        """Every header that names this column, normalised."""
        return tuple(normalise(n) for n in (self.field, self.et, *self.aliases))


def normalise(header: str) -> str:
    """A header as it is matched: case, spaces, hyphens, dots and a trailing `*` ignored."""
    text = header.strip().rstrip("*").strip().casefold()
    return re.sub(r"[\s\-_.]+", "_", text)


# The columns an `--errors` file adds, so that the fixed file imports as it is.
IGNORED = frozenset({"row", "error"})


@dataclass(frozen=True)
class HeaderMap:
    """Which file column feeds which field; built by `match_header`."""

    by_field: dict[str, str]  # field -> the header as written in the file


def _shown(column: Column) -> str:
    """A column's name in a message: its Estonian header in Estonian, else its English name."""
    return column.et if message_language() == "et" else column.field


def match_header(header: Sequence[str], columns: Sequence[Column], what: str) -> HeaderMap:
    """Match a file's header to the columns; InvalidInput naming unknown or missing columns.

    `what` names the file in messages, marked N_ ("the youths file"), translated here.
    """
    from rvneet.domain.errors import InvalidInput

    lookup: dict[str, Column] = {}
    for column in columns:
        for name in column.names():
            lookup[name] = column
    by_field: dict[str, str] = {}
    unknown: list[str] = []
    for name in header:
        if not name or normalise(name) in IGNORED:
            continue
        found = lookup.get(normalise(name))
        if found is None:
            unknown.append(name)
        elif found.field in by_field:
            raise InvalidInput(
                _("columns {first} and {second} both give {field}").format(
                    first=repr(by_field[found.field]), second=repr(name), field=_shown(found)
                )
            )
        else:
            by_field[found.field] = name
    if unknown:
        raise InvalidInput(
            ngettext(
                "unknown column {names} in {what} (columns: {known}; "
                "see docs/import.md or rvneet import template)",
                "unknown columns {names} in {what} (columns: {known}; "
                "see docs/import.md or rvneet import template)",
                len(unknown),
            ).format(
                names=", ".join(repr(u) for u in unknown),
                what=translate(what),
                known=", ".join(_shown(c) for c in columns),
            )
        )
    missing = [_shown(c) for c in columns if c.required and c.field not in by_field]
    if missing:
        raise InvalidInput(
            _("{what} has no column {names}").format(what=translate(what), names=", ".join(missing))
        )
    return HeaderMap(by_field)
