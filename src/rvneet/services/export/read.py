"""`rvneet import export`: an export loaded into a new database, all or nothing, with its audit
entries; every value is checked against its column's kind."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from rvneet.db import known_revisions
from rvneet.domain.access import Capability
from rvneet.domain.errors import InvalidInput
from rvneet.files.write import restore
from rvneet.i18n import N_, _, translate
from rvneet.services.audit import audit_bulk
from rvneet.services.export.readers import open_export
from rvneet.services.export.shape import (
    AUDITED_TABLES,
    BATCH,
    FORMAT,
    HEADER_KEYS,
    VERSION,
    Progress,
    column_kind,
    export_format,
    export_tables,
)
from rvneet.services.permissions import require
from rvneet.services.settings import MUNICIPALITY, PSEUDONYM_KEY
from rvneet.storage.dialect import ids_given, is_server

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def load_book(
    session: Session,
    source: Path,
    progress: Progress | None = None,
    *,
    fmt: str | None = None,
) -> dict[str, Any]:
    """Load an export (not pseudonymized) into this database, which must hold no records yet.

    Every table is inserted with bulk Core statements in the session's one transaction, keeping
    ids and references; every inserted row of an audited table gets its audit entry. The export's
    settings (the municipality) are taken only where this database has none. All or nothing: any
    problem raises InvalidInput and the caller's transaction rolls back.
    """
    require(session, Capability.IMPORT)
    kind = export_format(source, fmt)
    if not source.is_file():
        raise InvalidInput(_("no file {source}").format(source=source))
    with open_export(source, kind) as reader:
        _check_header(source.name, reader.header())
        _check_empty(session)
        loader = _Loader(session, source.name, kind, progress)
        for name, rows in reader.tables():
            loader.table(name, rows)
        loader.finish()
    return {
        "file": str(source),
        "format": kind,
        "tables": len(loader.by_table),
        "rows": loader.total,
        "by_table": loader.by_table,
        "notes": loader.notes,
    }


def _check_header(name: str, header: dict[str, Any]) -> None:
    if header.get("format") != FORMAT:
        raise InvalidInput(
            _("{file} is not an rvneet export (made by rvneet export)").format(file=name)
        )
    if missing := [k for k in HEADER_KEYS if k not in header]:
        raise InvalidInput(
            _("{file}: the header lacks {keys} (the header comes before the tables)").format(
                file=name, keys=", ".join(missing)
            )
        )
    version = header["version"]
    if version != VERSION or isinstance(version, bool):
        raise InvalidInput(
            _(
                "{file} is an rvneet export of version {version}; this rvneet reads version {known}"
            ).format(file=name, version=version, known=VERSION)
        )
    if header["pseudonymized"] is True:
        raise InvalidInput(
            _(
                "{file} is a pseudonymized export: names, personal codes and notes are not in it, "
                "so it cannot be imported"
            ).format(file=name)
        )
    if header["pseudonymized"] is not False:
        raise InvalidInput(_("{file}: pseudonymized must be true or false").format(file=name))
    schema, known = header["schema"], known_revisions()
    if not isinstance(schema, str) or schema not in known:
        if isinstance(schema, str) and schema > known[-1]:
            raise InvalidInput(
                _(
                    "{file} was exported from schema {schema}, newer than this rvneet knows "
                    "({head}); upgrade rvneet"
                ).format(file=name, schema=schema, head=known[-1])
            )
        raise InvalidInput(
            _("{file} names an unknown schema {schema}").format(file=name, schema=repr(schema))
        )
    if not isinstance(header["municipality"], str):
        raise InvalidInput(_("{file}: municipality must be text").format(file=name))


def _check_empty(session: Session) -> None:
    connection = session.connection()
    holding = [
        t.name
        for t in export_tables()
        if t.name != "settings" and connection.execute(select(1).select_from(t).limit(1)).first()
    ]
    if holding:
        tables = ", ".join(holding[:3]) + (", ..." if len(holding) > 3 else "")
        raise InvalidInput(
            _(
                "this database already holds records ({tables}); an export is loaded only into a "
                "new database: rvneet --db NEW.db init --municipality NAME, then rvneet --db "
                "NEW.db import export FILE"
            ).format(tables=tables)
        )


def _from_json(kind: str, value: Any) -> Any:
    if kind == "str" and isinstance(value, str):
        return value
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "date" and isinstance(value, str) and _DATE.fullmatch(value):
        return dt.date.fromisoformat(value)
    raise ValueError


def _from_xlsx(kind: str, value: Any) -> Any:
    if kind == "str":
        if isinstance(value, str):
            return restore(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)  # a code a spreadsheet program took for a number
    elif kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
    elif kind == "bool":
        if isinstance(value, bool):
            return value
        if value in ("yes", "no"):
            return value == "yes"
    elif kind == "date":
        if isinstance(value, dt.datetime) and value.time() == dt.time():
            return value.date()
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str) and _DATE.fullmatch(value):
            return dt.date.fromisoformat(value)
    raise ValueError


_EXPECTED = {
    "str": N_("text"),
    "int": N_("a whole number"),
    "bool": N_("true or false (yes or no in XLSX)"),
    "date": N_("a date (YYYY-MM-DD)"),
}


def _shown(value: Any) -> str:
    """A refused value for an error message: text is not repeated (it may be a name or a code)."""
    if isinstance(value, str):
        return _("text of {n} characters").format(n=len(value))
    return repr(value)


class _Loader:
    """Inserts the tables of one export, in batches, with their audit entries."""

    def __init__(self, session: Session, name: str, kind: str, progress: Progress | None) -> None:
        self.session = session
        self.connection = session.connection()
        self.name = name
        self.convert = _from_json if kind == "json" else _from_xlsx
        self.progress = progress
        self.total = 0
        self.by_table: dict[str, int] = {}
        self.notes: list[str] = []
        self.tables = {t.name: t for t in export_tables()}
        self.case_refs: dict[int, str] = {}
        # Foreign keys are checked once, at the end, so that a bad file is reported by table and id
        # (SQLite; PostgreSQL checks each batch, and a bad one is refused as a broken rule).
        self.server = is_server(self.connection)
        if not self.server:
            self.connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")

    def table(self, name: str, rows: Iterator[dict[str, Any]]) -> None:
        table = self.tables.get(name)
        if table is None:
            raise InvalidInput(
                _("{file}: unknown table {table}").format(file=self.name, table=repr(name))
            )
        if name in self.by_table:
            raise InvalidInput(
                _("{file}: table {table} appears twice").format(file=self.name, table=name)
            )
        for child in self.by_table:
            if any(fk.column.table is table for fk in self.tables[child].foreign_keys):
                raise InvalidInput(
                    _("{file}: table {table} must come before {child}").format(
                        file=self.name, table=name, child=child
                    )
                )
        self.by_table[name] = 0
        kinds = {c.name: column_kind(table, c.name) for c in table.columns}
        defaults = {
            c.name: getattr(c.default, "arg", None)
            if c.default is not None and c.default.is_scalar
            else None
            for c in table.columns
        }
        batch: list[dict[str, Any]] = []
        for number, raw in enumerate(rows, 1):
            if unknown := [k for k in raw if k not in kinds]:
                raise InvalidInput(
                    _("{file}: table {table} has no column {column}").format(
                        file=self.name, table=name, column=repr(unknown[0])
                    )
                )
            record = {}
            for column, kind in kinds.items():
                value = raw.get(column, defaults[column])
                if value is not None:
                    try:
                        value = self.convert(kind, value)
                    except ValueError:
                        raise InvalidInput(
                            _(
                                "{file}: table {table}, row {row}, {column}: expected {expected}, "
                                "not {value}"
                            ).format(
                                file=self.name,
                                table=name,
                                row=number,
                                column=column,
                                expected=translate(_EXPECTED[kind]),
                                value=_shown(value),
                            )
                        ) from None
                    if isinstance(value, str) and "\x00" in value:
                        # PostgreSQL refuses it outright; a file would keep what no one sees.
                        raise InvalidInput(
                            _(
                                "{file}: table {table}, row {row}, {column}: holds a NUL "
                                "character (\\x00), which is not text"
                            ).format(file=self.name, table=name, row=number, column=column)
                        )
                record[column] = value
            batch.append(record)
            if len(batch) == BATCH:
                self._insert(table, batch)
                batch = []
        if batch:
            self._insert(table, batch)

    def _insert(self, table: Table, batch: list[dict[str, Any]]) -> None:
        if table.name == "settings":
            self._settings(table, batch)
        else:
            try:
                self.connection.execute(table.insert(), batch)
            except IntegrityError as exc:
                reason = " ".join(str(exc.orig).split())
                raise InvalidInput(
                    _(
                        "{file}: table {table}: the rows break a rule of the database "
                        "({reason}); nothing was imported"
                    ).format(file=self.name, table=table.name, reason=reason)
                ) from None
            self._audit(table, batch)
        self.by_table[table.name] += len(batch)
        self.total += len(batch)
        if self.progress is not None:
            self.progress(self.total)

    def _settings(self, table: Table, batch: list[dict[str, Any]]) -> None:
        """Settings the database has already (its municipality, from `init`) are kept."""
        current = {key: value for key, value in self.connection.execute(select(table))}
        new = []
        for record in batch:
            key, value = record["key"], record["value"]
            if key == PSEUDONYM_KEY:
                continue  # each database keeps its own secret
            if key not in current:
                new.append(record)
                current[key] = value
            elif current[key] != value:
                self.notes.append(
                    _("kept this database's {key} {current}; the export has {value}").format(
                        key=_("municipality") if key == MUNICIPALITY else key,
                        current=repr(current[key]),
                        value=repr(value),
                    )
                )
        if new:
            self.connection.execute(table.insert(), new)

    def _audit(self, table: Table, batch: list[dict[str, Any]]) -> None:
        if table.name == "cases":
            self.case_refs.update((r["id"], r["ref"]) for r in batch)
        model = AUDITED_TABLES.get(table.name)
        if model is None:
            return
        audit_bulk(
            self.session,
            table.name,
            "insert",
            (
                (
                    r["id"],
                    r.get("ref") or self.case_refs.get(r.get("case_id", -1)),
                    {k: [None, v] for k, v in r.items() if v is not None},
                )
                for r in batch
            ),
            redact=getattr(model, "__audit_redact__", frozenset()),
        )

    def finish(self) -> None:
        if self.server:
            # The rows came with their ids: PostgreSQL's id sequences move past them.
            for name in self.by_table:
                if "id" in self.tables[name].columns:
                    ids_given(self.connection, name)
            return
        problem = self.connection.exec_driver_sql("PRAGMA foreign_key_check").first()
        if problem is not None:
            table, rowid, parent, _fkid = problem
            raise InvalidInput(
                _(
                    "{file}: table {table}, id {id} refers to a row of {parent} that is not in "
                    "the file; nothing was imported"
                ).format(file=self.name, table=table, id=rowid, parent=parent)
            )


# Readers: each gives the header, then (table name, rows as {column: value}) in file order.
