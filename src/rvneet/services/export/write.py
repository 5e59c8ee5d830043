"""`rvneet export`: the whole book written to one JSON or XLSX file, streamed a batch at a time."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Table, select
from sqlmodel import Session

from rvneet.domain.access import Capability
from rvneet.domain.errors import InvalidInput
from rvneet.files.output import written_whole
from rvneet.i18n import _
from rvneet.services.export.pseudonymise import Pseudonyms, TableSheet, table_sheet
from rvneet.services.export.shape import (
    BATCH,
    FORMAT,
    FORMATS,
    HEADER_KEYS,
    META_SHEET,
    VERSION,
    XLSX_MAX_ROWS,
    Progress,
    check_target,
    export_tables,
)
from rvneet.services.permissions import require
from rvneet.services.settings import MUNICIPALITY, PSEUDONYM_KEY, municipality, pseudonym_key


@dataclass
class _Counter:
    progress: Progress | None
    total: int = 0
    by_table: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def tick(self, table: str) -> None:
        self.total += 1
        self.by_table[table] = self.by_table.get(table, 0) + 1
        if self.progress is not None and self.total % BATCH == 0:
            self.progress(self.total)


def _select_rows(session: Session, table: Table, pseudonymize: bool) -> Iterator[Any]:
    statement = select(table).order_by(*table.primary_key.columns)
    if table.name == "settings":
        # The pseudonym secret never leaves the database; a pseudonymized export names only the KOV.
        statement = statement.where(table.c.key != PSEUDONYM_KEY)
        if pseudonymize:
            statement = statement.where(table.c.key == MUNICIPALITY)
    result = session.connection().execution_options(yield_per=BATCH).execute(statement)
    yield from result.mappings()


def _schema(session: Session) -> str:
    return str(
        session.connection().exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
    )


def export_book(
    session: Session,
    target: Path,
    fmt: str,
    pseudonymize: bool,
    progress: Progress | None = None,
    *,
    force: bool = False,
) -> dict[str, Any]:
    """Write the whole book to `target` (created 0600) as JSON or XLSX; returns a summary.

    The file is written next to `target` and moved into place when complete, so a failed export
    leaves no half-written file. With `pseudonymize` the database must have its pseudonym secret
    (`ensure_pseudonym_key`).
    """
    require(session, Capability.EXPORT)
    if fmt not in FORMATS:
        raise InvalidInput(
            _("unknown export format {format}; use json or xlsx").format(format=repr(fmt))
        )
    bind = session.get_bind()
    database = getattr(getattr(bind, "url", None), "database", None)
    target = check_target(target, force=force, database=Path(database) if database else None)
    pseudonyms = None
    if pseudonymize:
        key = pseudonym_key(session)
        if key is None:
            raise InvalidInput(_("this database has no pseudonym secret yet; nothing was exported"))
        pseudonyms = Pseudonyms(key)
    header = {
        "format": FORMAT,
        "version": VERSION,
        "schema": _schema(session),
        "municipality": municipality(session),
        "pseudonymized": pseudonymize,
    }
    sheets = [table_sheet(table, pseudonyms) for table in export_tables()]
    counter = _Counter(progress)

    def rows(sheet: TableSheet) -> Iterator[list[Any]]:
        name = sheet.table.name
        for row in _select_rows(session, sheet.table, pseudonymize):
            counter.tick(name)
            yield sheet.convert(row)

    # Written beside the target and renamed onto it when whole (files.output.written_whole).
    try:
        with written_whole(target, replace=force) as partial:
            if fmt == "json":
                with partial.open("w", encoding="utf-8", newline="") as handle:
                    _write_json(handle, header, ((s, rows(s)) for s in sheets))
            else:
                _write_xlsx(partial, header, ((s, rows(s)) for s in sheets), counter)
    except FileExistsError:
        raise InvalidInput(
            _("{target} exists; add --force to overwrite it").format(target=target)
        ) from None
    return {
        "file": str(target),
        "format": fmt,
        "pseudonymized": pseudonymize,
        "tables": len(sheets),
        "rows": counter.total,
        "by_table": {s.table.name: counter.by_table.get(s.table.name, 0) for s in sheets},
        "warnings": counter.warnings,
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _write_json(
    handle: IO[str],
    header: dict[str, Any],
    tables: Iterator[tuple[TableSheet, Iterator[list[Any]]]],
) -> None:
    """One key a line in the header, one row a line in the tables: streamed, and easy to diff."""
    handle.write("{\n")
    for key in HEADER_KEYS:
        handle.write(f"  {json.dumps(key)}: {json.dumps(header[key], ensure_ascii=False)},\n")
    handle.write('  "tables": {')
    first_table = True
    for sheet, rows in tables:
        handle.write("\n" if first_table else ",\n")
        first_table = False
        handle.write(f"    {json.dumps(sheet.table.name)}: [")
        count = 0
        for values in rows:
            record = {c: _json_value(v) for c, v in zip(sheet.columns, values, strict=True)}
            handle.write("\n      " if count == 0 else ",\n      ")
            handle.write(json.dumps(record, ensure_ascii=False))
            count += 1
        handle.write("\n    ]" if count else "]")
    handle.write("}\n}\n" if first_table else "\n  }\n}\n")


def _write_xlsx(
    path: Path,
    header: dict[str, Any],
    tables: Iterator[tuple[TableSheet, Iterator[list[Any]]]],
    counter: _Counter,
) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from rvneet.files.write import Sheet, write_xlsx

    lossy = {"carriage return": 0, "empty text": 0}
    # A value XLSX cannot hold is noted and written empty, so openpyxl finishes its file (an
    # exception inside its streams leaves them half-open); the file is then thrown away.
    problems: list[str] = []

    def checked(sheet: TableSheet, rows: Iterator[list[Any]]) -> Iterator[list[Any]]:
        name = sheet.table.name
        for number, values in enumerate(rows, 1):
            if number > XLSX_MAX_ROWS:
                problems.append(
                    _("table {table} has more rows than an XLSX sheet holds").format(table=name)
                )
                return
            for i, (column, value) in enumerate(zip(sheet.columns, values, strict=True)):
                if not isinstance(value, str):
                    continue
                if ILLEGAL_CHARACTERS_RE.search(value):
                    problems.append(
                        _(
                            "table {table}, {key} {id}: {column} holds a control character an "
                            "XLSX cell cannot hold"
                        ).format(table=name, key=sheet.columns[0], id=values[0], column=column)
                    )
                    values[i] = None
                elif "\r" in value:
                    lossy["carriage return"] += 1
                elif not value:
                    lossy["empty text"] += 1
            yield values

    meta = [[key, header[key]] for key in HEADER_KEYS]
    write_xlsx(
        path,
        [
            Sheet(META_SHEET, ["key", "value"], meta, listing=False),
            *((s.table.name, s.columns, checked(s, rows)) for s, rows in tables),
        ],
    )
    if problems:
        refused = (
            _("{problem} (and {n} more); export to JSON instead, which holds any text")
            if len(problems) > 1
            else _("{problem}; export to JSON instead, which holds any text")
        )
        raise InvalidInput(refused.format(problem=problems[0], n=len(problems) - 1))
    if lossy["carriage return"]:
        counter.warnings.append(
            _(
                "{n} texts hold carriage returns, which XLSX keeps as line feeds; "
                "export to JSON for an exact copy"
            ).format(n=lossy["carriage return"])
        )
    if lossy["empty text"]:
        counter.warnings.append(
            _(
                "{n} texts are empty, which XLSX keeps as empty cells (null); "
                "export to JSON for an exact copy"
            ).format(n=lossy["empty text"])
        )


# ---------------------------------------------------------------------------------------------
# Load
