"""What every import shares: row errors, the result summary, and turning cells into fields.

An import is all-or-nothing: every row is checked first, every problem is collected with its row
number, column and reason, and if there is any, `ImportRefused` is raised inside the write
transaction so that nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from rvneet.domain.errors import InvalidInput
from rvneet.files.columns import CellError, Column, HeaderMap, match_header
from rvneet.files.read import Row, Table
from rvneet.i18n import N_, _, message_language, ngettext, translate

# Called with the number of rows handled so far, so the command line can show progress.
Progress = Callable[[int], None]
WHOLE_ROW = ""


@dataclass(frozen=True)
class RowError:
    """One problem of one row: the row number in the file, the column as the file names it, why."""

    row: int
    column: str
    reason: str

    def line(self) -> str:
        """`row 7, isikukood: the check digit is wrong` — the form users read."""
        if self.column:
            return _("row {row}, {column}: {reason}").format(
                row=self.row, column=self.column, reason=self.reason
            )
        return _("row {row}: {reason}").format(row=self.row, reason=self.reason)


@dataclass
class ImportResult:
    """What an import did (or, refused or dry run, would have done)."""

    kind: str
    file: str
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    bad_rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    dry_run: bool = False
    header: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    delimiter: str = ","  # the CSV file's own, so that an --errors file opens the same way

    @property
    def refused(self) -> int:
        """Rows with at least one problem."""
        return len({e.row for e in self.errors})

    def summary(self) -> dict[str, Any]:
        """The counts with stable keys, for `--format json` and the one-line summary."""
        return {
            "kind": self.kind,
            "file": self.file,
            "rows": self.rows,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "refused": self.refused,
            "dry_run": self.dry_run,
            "written": not self.dry_run and not self.errors,
            "notes": list(self.notes),
            "errors": [{"row": e.row, "column": e.column, "reason": e.reason} for e in self.errors],
        }

    def refuse(self, row: Row, column: str, reason: str) -> None:
        """Record a problem of `row`; the row is kept for the `--errors` file."""
        self.errors.append(RowError(row.number, column, reason))
        self.bad_rows.setdefault(row.number, row.cells)


class ImportRefused(InvalidInput):
    """At least one row is bad: nothing is written. Carries the result with every problem."""

    def __init__(self, result: ImportResult) -> None:
        bad = result.refused
        if result.rows == 1:
            message = _("{bad} of {rows} row in {file} is bad; nothing was imported")
        else:
            message = ngettext(
                "{bad} of {rows} rows in {file} is bad; nothing was imported",
                "{bad} of {rows} rows in {file} are bad; nothing was imported",
                bad,
            )
        super().__init__(message.format(bad=bad, rows=result.rows, file=result.file))
        self.result = result


class DryRun(Exception):
    """Raised at the end of a dry run so the transaction rolls back; carries the result."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__("dry run")
        self.result = result


@dataclass(frozen=True)
class ParsedRow:
    """A row whose cells were all parsed: its fields by English name (absent or empty: None)."""

    row: Row
    values: dict[str, Any]


def parse_rows(
    table: Table,
    columns: Sequence[Column],
    what: str,
    result: ImportResult,
    progress: Progress | None = None,
) -> Iterator[ParsedRow]:
    """Match the header, then yield every row whose cells parse; the others go to `result`."""
    header = match_header(table.header, columns, what)
    result.header = list(table.header)
    result.delimiter = table.delimiter or ","
    # Each field's column in this file, found once rather than for every row.
    plan = [(c.field, header.by_field.get(c.field), c) for c in columns]
    for row in table.rows:
        result.rows += 1
        if progress is not None and result.rows % 1000 == 0:
            progress(result.rows)
        values, ok = _parse_cells(row, plan, result)
        if ok:
            yield ParsedRow(row, values)


def _parse_cells(
    row: Row, plan: list[tuple[str, str | None, Column]], result: ImportResult
) -> tuple[dict[str, Any], bool]:
    values: dict[str, Any] = {}
    ok = True
    cells = row.cells
    if extra := cells.get("(no column)"):
        result.refuse(row, WHOLE_ROW, _("more cells than columns ({cells})").format(cells=extra))
        ok = False
    for name, source, column in plan:
        raw = cells.get(source) if source else None
        if raw is None:
            if column.required:
                result.refuse(row, source or name, _("is empty"))
                ok = False
            values[name] = None
            continue
        if isinstance(raw, str) and "\x00" in raw:
            # Not text: PostgreSQL refuses it outright, and a file would keep a value no one sees.
            result.refuse(
                row, source or name, _("holds a NUL character (\\x00), which is not text")
            )
            ok = False
            continue
        try:
            values[name] = column.parse(raw)
        except CellError as exc:
            result.refuse(row, source or name, str(exc))
            ok = False
    return values, ok


def column_of(header: HeaderMap, field_name: str) -> str:
    """The file's header for `field_name` (its English name when the file has no such column)."""
    return header.by_field.get(field_name, field_name)


def refuse_validation(
    result: ImportResult,
    row: Row,
    exc: ValidationError,
    columns_by_field: dict[str, str],
) -> None:
    """Record each problem pydantic found, against the column of the field it concerns."""
    for item in exc.errors():
        message = pydantic_reason(item)
        loc = [str(p) for p in item["loc"]]
        column = columns_by_field.get(loc[0], loc[0]) if loc else WHOLE_ROW
        result.refuse(row, column, message)


# pydantic's own checks (a type, a length, a required field) by its error type, in our words for a
# language other than English; English keeps pydantic's message as it is.
_PYDANTIC_REASONS = {
    "missing": N_("a value is required"),
    "extra_forbidden": N_("not a field of this file"),
    "string_type": N_("should be text"),
    "int_type": N_("should be a whole number"),
    "int_parsing": N_("should be a whole number"),
    "int_from_float": N_("should be a whole number"),
    "float_type": N_("should be a number"),
    "float_parsing": N_("should be a number"),
    "bool_type": N_("should be yes or no"),
    "bool_parsing": N_("should be yes or no"),
    "date_type": N_("should be a date, e.g. 2025-03-01 or 01.03.2025"),
    "date_parsing": N_("should be a date, e.g. 2025-03-01 or 01.03.2025"),
    "date_from_datetime_parsing": N_("should be a date, e.g. 2025-03-01 or 01.03.2025"),
    "date_from_datetime_inexact": N_("should be a date without a time of day"),
    "date_future": N_("should be a date in the future"),
    "date_past": N_("should be a date in the past"),
    "list_type": N_("should be a list"),
    "string_too_short": N_("should have at least {min_length} characters"),
    "string_too_long": N_("should have at most {max_length} characters"),
    "too_short": N_("should have at least {min_length} items"),
    "too_long": N_("should have at most {max_length} items"),
    "greater_than": N_("should be greater than {gt}"),
    "greater_than_equal": N_("should be at least {ge}"),
    "less_than": N_("should be less than {lt}"),
    "less_than_equal": N_("should be at most {le}"),
    "enum": N_("should be one of {expected}"),
    "literal_error": N_("should be one of {expected}"),
}
# A rule of ours raised ValueError with a message already in the user's language.
_OWN_PREFIX = "Value error, "


def pydantic_reason(item: Any) -> str:
    """One problem pydantic found (an item of `ValidationError.errors()`), as the reason users read.

    A validator's own message (already translated) is kept; pydantic's own messages ("Input should
    be a valid integer") are said in the user's language by the error's type.
    """
    message = str(item["msg"])
    if message.startswith(_OWN_PREFIX):
        return message.removeprefix(_OWN_PREFIX)
    if message_language() == "en":
        return message
    template = _PYDANTIC_REASONS.get(str(item.get("type")))
    if template is None:
        return _("not a valid value")
    ctx = {key: str(value) for key, value in (item.get("ctx") or {}).items()}
    if "expected" in ctx:  # "'a', 'b' or 'c'": pydantic's English "or" between the last two
        ctx["expected"] = ctx["expected"].replace("' or '", "', '")
    try:
        return translate(template).format(**ctx)
    except (KeyError, IndexError):
        return _("not a valid value")


def refuse_error(
    result: ImportResult, row: Row, exc: InvalidInput, column: str = WHOLE_ROW
) -> None:
    """Record a rule the domain refused (an RvneetError's one-line message) for the whole row."""
    result.refuse(row, column, str(exc))


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """`items` in lists of at most `size`."""
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
