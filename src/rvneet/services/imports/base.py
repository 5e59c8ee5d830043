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
        where = f"row {self.row}, {self.column}" if self.column else f"row {self.row}"
        return f"{where}: {self.reason}"


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
        super().__init__(
            f"{bad} of {result.rows} row{'s' if result.rows != 1 else ''} in {result.file} "
            f"{'are' if bad != 1 else 'is'} bad; nothing was imported"
        )
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
    by_field = {c.field: c for c in columns}
    for row in table.rows:
        result.rows += 1
        if progress is not None and result.rows % 1000 == 0:
            progress(result.rows)
        values, ok = _parse_cells(row, header, by_field, result)
        if ok:
            yield ParsedRow(row, values)


def _parse_cells(
    row: Row, header: HeaderMap, columns: dict[str, Column], result: ImportResult
) -> tuple[dict[str, Any], bool]:
    values: dict[str, Any] = {}
    ok = True
    if extra := row.cells.get("(no column)"):
        result.refuse(row, WHOLE_ROW, f"more cells than columns ({extra})")
        ok = False
    for name, column in columns.items():
        source = header.by_field.get(name)
        raw = row.cells.get(source) if source else None
        if raw is None:
            if column.required:
                result.refuse(row, source or name, "is empty")
                ok = False
            values[name] = None
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
        message = str(item["msg"]).removeprefix("Value error, ")
        loc = [str(p) for p in item["loc"]]
        column = columns_by_field.get(loc[0], loc[0]) if loc else WHOLE_ROW
        result.refuse(row, column, message)


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
