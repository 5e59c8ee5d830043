"""The whole case book in one file (JSON or XLSX), and such a file loaded into a new database.

The file's shape is documented in docs/export.md: a header (`format`, `version`, `schema`,
`municipality`, `pseudonymized`) and every table of the book except the audit log, in foreign-key
order, rows by primary key. Both directions stream: rows are read and written a batch at a time,
so the size of the book does not decide the memory used.

A pseudonymized export (`pseudonymize=True`) keeps only what statistics need: every text column is
left out (null) unless it holds a code (a model, a stage, a role, ...), birth dates are cut to the
month, and references become stable pseudonyms (an HMAC keyed with a secret of this database, which
never leaves it). Such a file cannot be loaded again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from sqlalchemy import Table, TypeDecorator, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from rvneet.db import known_revisions
from rvneet.domain.errors import InvalidInput
from rvneet.domain.tables import AUDITED, metadata
from rvneet.files.output import check_output, written_whole
from rvneet.files.write import restore
from rvneet.i18n import N_, _, translate
from rvneet.services.audit import REDACTED_FIELDS, audit_bulk
from rvneet.services.settings import (
    MUNICIPALITY,
    PSEUDONYM_KEY,
    create_pseudonym_key,
    municipality,
    pseudonym_key,
)
from rvneet.storage.dialect import ids_given, is_server

if TYPE_CHECKING:
    from rvneet.db import Database

FORMAT = "rvneet-export"
VERSION = 1
HEADER_KEYS = ("format", "version", "schema", "municipality", "pseudonymized")
FORMATS = ("json", "xlsx")
# The audit trail stays with the database (a copy of the database file keeps it); Alembic's own
# table is the schema revision, given in the header.
EXCLUDED_TABLES = frozenset({"audit_log", "alembic_version"})
META_SHEET = "export"
XLSX_MAX_ROWS = 1_048_575  # a sheet's rows, less the header

# Called with the number of rows handled so far, so the command line can show progress.
Progress = Callable[[int], None]

# What a pseudonymized export keeps of text columns: only codes (values from a fixed list, and the
# network's organisations). Every other text column is left out, so a text column added later is
# left out too until it is listed here.
KEPT_TEXT: dict[str, frozenset[str]] = {
    "settings": frozenset({"key", "value"}),
    "youths": frozenset({"sex"}),
    "cases": frozenset({"model", "close_reason", "neet_group", "channel"}),
    "assessments": frozenset({"risk", "light"}),
    "stage_changes": frozenset({"stage"}),
    "contacts": frozenset({"channel", "with_roles"}),
    "needs_assessments": frozenset({"assessed_by"}),
    "needs": frozenset({"category"}),
    "welfare_scores": frozenset({"domain"}),
    "goals": frozenset({"state", "extent"}),
    "network_members": frozenset({"role", "org", "tier"}),
    "support_activities": frozenset({"status"}),
    "consents": frozenset({"scope", "given_by"}),
    "support_requests": frozenset({"kind", "answer"}),
    "reopenings": frozenset({"previous_reason"}),
    "followups": frozenset({"status", "source"}),
    "outreach_attempts": frozenset({"channel", "result"}),
    "staff": frozenset({"role"}),
    "feedback": frozenset({"ref", "period", "about_role", "aspect"}),
}
# Replaced by a pseudonym: the references, and the case manager's name (still groups cases by manager).
PSEUDONYMIZED: dict[str, frozenset[str]] = {
    "youths": frozenset({"ref"}),
    "cases": frozenset({"ref", "manager"}),
    "network_members": frozenset({"ref"}),
    "staff": frozenset({"ref"}),
}
# Dates kept to the month only, under a new column name.
MONTH_ONLY: dict[tuple[str, str], str] = {("youths", "birth_date"): "birth_month"}

_BATCH = 1000
_CHUNK = 1 << 20
_AUDITED = {model.__tablename__: model for model in AUDITED}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def export_tables() -> list[Table]:
    """The tables an export holds, parents before children (ties by name, so always in one order)."""
    tables = [t for t in metadata.sorted_tables if t.name not in EXCLUDED_TABLES]
    return sorted(tables, key=lambda t: t.name != "settings")  # stable: settings, then the book


def export_format(path: Path, given: str | None = None) -> str:
    """`json` or `xlsx`: the one asked for, else the file name's extension."""
    if given:
        return given
    suffix = path.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise InvalidInput(
        _("cannot tell the format of {name} from its extension; give --format json or xlsx").format(
            name=path.name
        )
    )


def check_target(target: Path, *, force: bool, database: Path | None = None) -> Path:
    """The file to write: refuses one that exists without `force`, the database or its files, a
    folder, a device, and a symbolic link without `force` (`files.output.check_output`)."""
    target = check_output(target, database=database, force=force)
    if target.exists() and not force:
        raise InvalidInput(_("{target} exists; add --force to overwrite it").format(target=target))
    if not os.access(target.parent, os.W_OK):
        raise InvalidInput(
            _("cannot write {target}: folder {folder} is not writable").format(
                target=target, folder=target.parent
            )
        )
    return target


def ensure_pseudonym_key(db: Database) -> None:
    """Create this database's pseudonym secret if it has none: the only write an export makes."""
    with db.session() as session:
        if pseudonym_key(session) is not None:
            return
    with db.session(write=True) as session:
        create_pseudonym_key(session)


# ---------------------------------------------------------------------------------------------
# Export


class _Pseudonyms:
    """Stable pseudonyms: `P-` and 12 hex digits of HMAC-SHA256(secret of the database, value)."""

    def __init__(self, key: str) -> None:
        self._key = bytes.fromhex(key)

    def of(self, value: str) -> str:
        return "P-" + hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:12]


def left_out(table: Table) -> frozenset[str]:
    """The columns of `table` a pseudonymized export leaves empty (null)."""
    model = _AUDITED.get(table.name)
    personal = REDACTED_FIELDS | getattr(model, "__audit_redact__", frozenset())
    kept = KEPT_TEXT.get(table.name, frozenset()) | PSEUDONYMIZED.get(table.name, frozenset())
    return frozenset(
        c.name
        for c in table.columns
        if c.name in personal or (_kind(table, c.name) == "str" and c.name not in kept)
    )


@dataclass
class _Sheet:
    """One table as written: its name, the column names in the file, and a function per row."""

    table: Table
    columns: list[str]
    convert: Callable[[Mapping[str, Any]], list[Any]]


def _sheet(table: Table, pseudonyms: _Pseudonyms | None) -> _Sheet:
    names = [c.name for c in table.columns]
    if pseudonyms is None:
        return _Sheet(table, names, lambda row: [row[n] for n in names])
    blank = left_out(table)
    hidden = PSEUDONYMIZED.get(table.name, frozenset())
    months = {n for n in names if (table.name, n) in MONTH_ONLY}
    # A table may keep the month itself (an erased youth's `birth_month`): one column gives both.
    stored = {
        n: MONTH_ONLY[(table.name, n)] for n in months if MONTH_ONLY[(table.name, n)] in table.c
    }
    names = [n for n in names if n not in stored.values()]

    def convert(row: Mapping[str, Any]) -> list[Any]:
        values: list[Any] = []
        for name in names:
            value = row[name]
            if name in months:
                month = f"{value:%Y-%m}" if value is not None else None
                values.append(row[stored[name]] if name in stored and month is None else month)
            elif value is None or name in blank:
                values.append(None)
            elif name in hidden:
                values.append(pseudonyms.of(str(value)))
            else:
                values.append(value)
        return values

    columns = [MONTH_ONLY.get((table.name, n), n) for n in names]
    return _Sheet(table, columns, convert)


@dataclass
class _Counter:
    progress: Progress | None
    total: int = 0
    by_table: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def tick(self, table: str) -> None:
        self.total += 1
        self.by_table[table] = self.by_table.get(table, 0) + 1
        if self.progress is not None and self.total % _BATCH == 0:
            self.progress(self.total)


def _select_rows(session: Session, table: Table, pseudonymize: bool) -> Iterator[Any]:
    statement = select(table).order_by(*table.primary_key.columns)
    if table.name == "settings":
        # The pseudonym secret never leaves the database; a pseudonymized export names only the KOV.
        statement = statement.where(table.c.key != PSEUDONYM_KEY)
        if pseudonymize:
            statement = statement.where(table.c.key == MUNICIPALITY)
    result = session.connection().execution_options(yield_per=_BATCH).execute(statement)
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
        pseudonyms = _Pseudonyms(key)
    header = {
        "format": FORMAT,
        "version": VERSION,
        "schema": _schema(session),
        "municipality": municipality(session),
        "pseudonymized": pseudonymize,
    }
    sheets = [_sheet(table, pseudonyms) for table in export_tables()]
    counter = _Counter(progress)

    def rows(sheet: _Sheet) -> Iterator[list[Any]]:
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
    handle: IO[str], header: dict[str, Any], tables: Iterator[tuple[_Sheet, Iterator[list[Any]]]]
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
    tables: Iterator[tuple[_Sheet, Iterator[list[Any]]]],
    counter: _Counter,
) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from rvneet.files.write import Sheet, write_xlsx

    lossy = {"carriage return": 0, "empty text": 0}
    # A value XLSX cannot hold is noted and written empty, so openpyxl finishes its file (an
    # exception inside its streams leaves them half-open); the file is then thrown away.
    problems: list[str] = []

    def checked(sheet: _Sheet, rows: Iterator[list[Any]]) -> Iterator[list[Any]]:
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


class _Reader(Protocol):
    def header(self) -> dict[str, Any]: ...

    def tables(self) -> Iterator[tuple[str, Iterator[dict[str, Any]]]]: ...


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
    kind = export_format(source, fmt)
    if not source.is_file():
        raise InvalidInput(_("no file {source}").format(source=source))
    with _open_export(source, kind) as reader:
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


def _kind(table: Table, column: str) -> str:
    """The kind of value a column holds: str, int, bool or date (SQLModel's text is AutoString)."""
    kinds = {bool: "bool", int: "int", str: "str", dt.date: "date"}
    kind = table.c[column].type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    try:
        return kinds[kind.python_type]
    except (KeyError, NotImplementedError):
        raise TypeError(f"{table.name}.{column}: no export conversion for its type") from None


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
        kinds = {c.name: _kind(table, c.name) for c in table.columns}
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
                record[column] = value
            batch.append(record)
            if len(batch) == _BATCH:
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
        model = _AUDITED.get(table.name)
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


@contextmanager
def _open_export(path: Path, kind: str) -> Iterator[_Reader]:
    if kind == "json":
        try:
            with path.open(encoding="utf-8") as handle:
                yield _JsonExport(handle, path.name)
        except UnicodeDecodeError:
            raise InvalidInput(_("{file} is not UTF-8 text").format(file=path.name)) from None
        return
    from openpyxl import load_workbook

    from rvneet.files.read import check_xlsx_archive

    try:
        # A file object, not the path: openpyxl would refuse a workbook whose name is not .xlsx.
        stream = path.open("rb")
    except OSError as exc:
        raise InvalidInput(
            _("cannot read {file}: {reason}").format(file=path.name, reason=exc.strerror)
        ) from None
    try:
        check_xlsx_archive(stream, path.name)  # a zip bomb is refused before openpyxl parses it
        try:
            workbook = load_workbook(stream, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl on a damaged file raises whatever its parser hits
            raise InvalidInput(
                _("{file} is not an XLSX workbook ({reason})").format(
                    file=path.name, reason=_reason(exc)
                )
            ) from None
        try:
            yield _XlsxExport(workbook, path.name)
        finally:
            workbook.close()
    finally:
        stream.close()


def _reason(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _sheet_rows(sheet: Any, name: str) -> Iterator[tuple[Any, ...]]:
    """The rows of a worksheet; a damaged sheet (any error of openpyxl's reader) is refused.

    Only openpyxl's own `next()` is guarded, so an error of ours is never taken for damage.
    """
    try:
        sheet.reset_dimensions()  # every row the sheet holds, whatever its <dimension> says
        rows = sheet.iter_rows(values_only=True)
    except Exception as exc:
        raise InvalidInput(_damaged(name, exc)) from None
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except Exception as exc:
            raise InvalidInput(_damaged(name, exc)) from None
        yield cells


def _damaged(name: str, exc: Exception) -> str:
    return _("{file} is damaged ({reason}); nothing was imported").format(
        file=name, reason=_reason(exc)
    )


# What Python's json parser says, as a person reads it (lower case, as the message shows it);
# a text not listed here is shown as json wrote it.
_JSON_PROBLEMS = frozenset(
    {
        N_("expecting value"),
        N_("expecting ',' delimiter"),
        N_("expecting ':' delimiter"),
        N_("expecting property name enclosed in double quotes"),
        N_("invalid control character at"),
        N_("invalid \\escape"),
        N_("invalid \\uxxxx escape"),
    }
)


def _json_problem(message: str) -> str:
    """A json parser's message (lower case) in the user's language, when it is one we know."""
    text = message.lower()
    return translate(text) if text in _JSON_PROBLEMS else text


class _JsonStream:
    """Just enough of a streaming JSON parser for the export's shape: the punctuation of the
    outer objects and arrays is read here, every value (a header value, a row) by `json`."""

    _SPACE = " \t\n\r"

    def __init__(self, handle: IO[str], name: str) -> None:
        self._handle = handle
        self._name = name
        self._buffer = ""
        self._pos = 0
        self._consumed = 0  # characters dropped from the buffer, for positions in messages
        self._eof = False
        self._decoder = json.JSONDecoder()

    def _more(self) -> bool:
        if self._eof:
            return False
        chunk = self._handle.read(_CHUNK)
        if not chunk:
            self._eof = True
            return False
        self._consumed += self._pos
        self._buffer = self._buffer[self._pos :] + chunk
        self._pos = 0
        return True

    def peek(self) -> str:
        """The next character that is not white space; empty at the end of the file."""
        while True:
            buffer, pos, end = self._buffer, self._pos, len(self._buffer)
            while pos < end and buffer[pos] in self._SPACE:
                pos += 1
            self._pos = pos
            if pos < end:
                return buffer[pos]
            if not self._more():
                return ""

    def expect(self, allowed: str) -> str:
        """Consume one of the punctuation characters `allowed`."""
        found = self.peek()
        if not found or found not in allowed:
            if len(allowed) == 1:
                raise self.error(_("{char} expected").format(char=repr(allowed)))
            raise self.error(
                _("{first} or {second} expected").format(
                    first=repr(allowed[0]), second=repr(allowed[1])
                )
            )
        self._pos += 1
        return found

    def value(self) -> Any:
        if not self.peek():
            raise self.error(_("a value expected"))
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError as exc:
                if self._more():
                    continue
                self._pos = exc.pos
                problem = _json_problem(exc.msg)
                raise self.error(problem, cut=exc.msg.startswith("Unterminated")) from None
            except RecursionError:  # json's parser recurses once per level of nesting
                raise self.error(_("a value nested too deeply")) from None
            if end == len(self._buffer) and self._more():
                continue  # a number or literal may go on in the next chunk
            self._pos = end
            return value

    def error(self, what: str, *, cut: bool = False) -> InvalidInput:
        # A file cut inside `true`, `false` or `null` leaves a prefix json does not call unfinished.
        rest = self._buffer[self._pos :].rstrip()
        cut = cut or (bool(rest) and any(w.startswith(rest) for w in ("true", "false", "null")))
        if self._eof and (cut or self._pos >= len(self._buffer.rstrip())):
            return InvalidInput(
                _("{file} ends too early (is the file cut short?)").format(file=self._name)
            )
        where = self._consumed + self._pos
        return InvalidInput(
            _("{file} is not a valid export: {problem} at character {where}").format(
                file=self._name, problem=what, where=where
            )
        )


def _bad_key(name: str, key: Any) -> str:
    return _("{file} is not an rvneet export (key {key})").format(file=name, key=repr(key))


class _JsonExport:
    def __init__(self, handle: IO[str], name: str) -> None:
        self._stream = _JsonStream(handle, name)
        self._name = name
        self._has_tables = False

    def header(self) -> dict[str, Any]:
        """The keys before `tables`; the file is left at the start of the tables."""
        stream = self._stream
        first = stream.peek()
        if first != "{":
            refused = (
                _("{file} is not an rvneet export (it is empty)")
                if not first
                else _("{file} is not an rvneet export (not a JSON object)")
            )
            raise InvalidInput(refused.format(file=self._name))
        stream.expect("{")
        header: dict[str, Any] = {}
        while stream.peek() != "}":
            key = stream.value()
            stream.expect(":")
            if key == "tables":
                self._has_tables = True
                return header
            if key not in HEADER_KEYS or key in header:
                raise InvalidInput(_bad_key(self._name, key))
            header[key] = stream.value()
            if stream.expect(",}") == "}":
                break
        return header  # no tables: refused by the header check, or when the tables are read

    def tables(self) -> Iterator[tuple[str, Iterator[dict[str, Any]]]]:
        if not self._has_tables:
            raise InvalidInput(_('{file} has no "tables"').format(file=self._name))
        stream = self._stream
        stream.expect("{")
        if stream.peek() == "}":
            stream.expect("}")
        else:
            while True:
                name = stream.value()
                if not isinstance(name, str):
                    raise stream.error(_("a table name expected"))
                stream.expect(":")
                stream.expect("[")
                rows = self._rows(name)
                yield name, rows
                for _row in rows:  # the caller may stop early; the file goes on after the table
                    pass
                if stream.expect(",}") == "}":
                    break
        stream.expect("}")
        if stream.peek():
            raise stream.error(_("the end of the file expected"))

    def _rows(self, table: str) -> Iterator[dict[str, Any]]:
        stream = self._stream
        if stream.peek() == "]":
            stream.expect("]")
            return
        number = 0
        while True:
            row = stream.value()
            number += 1
            if not isinstance(row, dict):
                raise InvalidInput(
                    _("{file}: table {table}, row {row} is not an object").format(
                        file=self._name, table=table, row=number
                    )
                )
            yield row
            if stream.expect(",]") == "]":
                return


class _XlsxExport:
    def __init__(self, workbook: Any, name: str) -> None:
        self._workbook = workbook
        self._name = name

    def _sheets(self) -> list[Any]:
        try:
            return list(self._workbook.worksheets)
        except Exception as exc:  # openpyxl reading a damaged workbook part
            raise InvalidInput(_damaged(self._name, exc)) from None

    def header(self) -> dict[str, Any]:
        sheets = self._sheets()
        if not sheets or sheets[0].title != META_SHEET:
            raise InvalidInput(
                _("{file} is not an rvneet export (its first sheet is not {sheet})").format(
                    file=self._name, sheet=repr(META_SHEET)
                )
            )
        rows = _sheet_rows(sheets[0], self._name)
        next(rows, None)  # key, value
        header: dict[str, Any] = {}
        for cells in rows:
            key, value = [*cells, None, None][:2]
            if key is None:
                continue
            key = restore(str(key))
            if key not in HEADER_KEYS or key in header:
                raise InvalidInput(_bad_key(self._name, key))
            if isinstance(value, str):
                value = restore(value)
                if key == "pseudonymized" and value in ("yes", "no"):
                    value = value == "yes"
            elif isinstance(value, float) and value.is_integer():
                value = int(value)
            header[key] = "" if key == "municipality" and value is None else value
        return header

    def tables(self) -> Iterator[tuple[str, Iterator[dict[str, Any]]]]:
        for sheet in self._sheets()[1:]:
            rows = _sheet_rows(sheet, self._name)
            first = next(rows, None) or ()
            columns = [restore(str(c)) if c is not None else "" for c in first]
            while columns and not columns[-1]:
                columns.pop()
            if len(set(columns)) != len(columns):
                raise InvalidInput(
                    _("{file}: sheet {sheet} names a column twice").format(
                        file=self._name, sheet=sheet.title
                    )
                )
            yield sheet.title, self._rows(sheet.title, columns, rows)

    def _rows(
        self, table: str, columns: list[str], rows: Iterator[tuple[Any, ...]]
    ) -> Iterator[dict[str, Any]]:
        width = len(columns)
        for number, cells in enumerate(rows, 1):
            if all(c is None for c in cells):
                continue
            if any(c is not None for c in cells[width:]):
                raise InvalidInput(
                    _("{file}: table {table}, row {row} has more cells than columns").format(
                        file=self._name, table=table, row=number
                    )
                )
            values = list(cells[:width]) + [None] * (width - len(cells))
            yield dict(zip(columns, values, strict=True))
