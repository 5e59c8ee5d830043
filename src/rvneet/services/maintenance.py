"""Backing up, checking and restoring the database file.

Copies are made with SQLite's online backup API (`sqlite3.Connection.backup`): it reads one
consistent snapshot of the database (WAL included) while others keep working, and it writes into a
live database through SQLite's own locking, so other connections see the old content or the new one,
never a mixture. Checks open the file read-only (`rvneet.encryption.read_only_uri`) and take no write lock.

Only the standard `sqlite3` module is used here (SQLCipher's for an encrypted database, with the
same key for its backups), except for the upgrade and the audit row of a restored copy, and the
audit chain check of `--full`.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rvneet.db import Database, default_path, head_revision, known_revisions, no_room
from rvneet.domain.errors import Conflict, DatabaseError, InvalidInput
from rvneet.encryption import driver_errors
from rvneet.files.output import check_output, disk_full, written_whole
from rvneet.i18n import N_, _, message_language, translate
from rvneet.storage.copies import (
    copy_beside,
    copy_database,
    create_private,
    open_connection,
)

if TYPE_CHECKING:
    from sqlmodel import Session

SAFETY_COPY_INFIX = ".before-restore-"
# A check lists at most this many problems; a badly damaged file can have thousands.
MAX_PROBLEMS = 20
DETAIL_PROBLEMS = 3  # in the one-line detail


@dataclass(frozen=True)
class BackupInfo:
    """A backup that was written: where from, where to, its size and schema revision."""

    database: Path | str
    backup: Path
    size: int
    revision: str

    def as_dict(self) -> dict[str, Any]:
        """The record `rvneet db backup --format json` prints."""
        return {
            "database": str(self.database),
            "backup": str(self.backup),
            "bytes": self.size,
            "schema": self.revision,
        }


@dataclass(frozen=True)
class Note:
    """A text of a check's result, kept in English (marked N_) with its named fields, so that JSON
    gets it in English and a table in the user's language."""

    text: str
    fields: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def verbatim(cls, text: str) -> Note:
        """A text that is not ours (SQLite's integrity_check line), shown as it is in any language."""
        return cls("{text}", {"text": text})

    def shown(self, lang: str = "en") -> str:
        """The text in `lang` ("en": as written in the code), its fields filled in (a field that
        is a Note itself in the same language)."""
        fields = {k: v.shown(lang) if isinstance(v, Note) else v for k, v in self.fields.items()}
        return translate(self.text, lang).format(**fields)


@dataclass(frozen=True)
class CheckResult:
    """One check of a database file: passed (`found` says what passed) or the problems `found`."""

    check: str
    ok: bool
    found: list[Note]

    def detail(self, lang: str = "en") -> str:
        """One line: what passed, or the first few problems and how many more there are."""
        if self.ok:
            return self.found[0].shown(lang)
        lines = [note.shown(lang) for note in self.found[:DETAIL_PROBLEMS]]
        if len(self.found) > DETAIL_PROBLEMS:
            more = len(self.found) - DETAIL_PROBLEMS
            lines.append(translate(N_("and {n} more"), lang).format(n=more))
        return "; ".join(lines)

    def problems(self, lang: str = "en") -> list[str]:
        """The problems found (at most MAX_PROBLEMS, then how many more); none when it passed."""
        if self.ok:
            return []
        lines = [note.shown(lang) for note in self.found[:MAX_PROBLEMS]]
        if len(self.found) > MAX_PROBLEMS:
            more = len(self.found) - MAX_PROBLEMS
            lines.append(translate(N_("... and {n} more"), lang).format(n=more))
        return lines

    def as_dict(self, lang: str = "en") -> dict[str, Any]:
        """A row of `rvneet db check`; the keys and the codes are stable for scripts, and the texts
        English unless `lang` is given (a table for people)."""
        return {
            "check": self.check,
            "ok": self.ok,
            "result": "ok" if self.ok else "problem",
            "detail": self.detail(lang),
            "problems": self.problems(lang),
        }


# The checks and their results as people read them in a table (JSON keeps the codes).
CHECK_NAMES = {
    "quick": N_("quick check"),
    "integrity": N_("integrity check"),
    "foreign_keys": N_("references"),
    "audit": N_("audit log"),
    "audit_chain": N_("audit log hash chain"),
    "audit_triggers": N_("append-only triggers"),
    "schema": N_("schema version"),
    "tables": N_("tables"),
    "constraints": N_("constraints"),
    "indexes": N_("indexes"),
    "amcheck": N_("index pages (amcheck)"),
}
CHECK_RESULTS = {"ok": N_("ok"), "problem": N_("problem")}


def check_name(check: str, lang: str) -> str:
    """A check's name as people read it in `lang`: its code in English (`quick`)."""
    if lang == "en" or check not in CHECK_NAMES:
        return check
    return translate(CHECK_NAMES[check], lang)


def check_result(result: str, lang: str) -> str:
    """A check's result (`ok`, `problem`) as people read it in `lang`."""
    if lang == "en" or result not in CHECK_RESULTS:
        return result
    return translate(CHECK_RESULTS[result], lang)


@dataclass(frozen=True)
class RestorePlan:
    """What a restore will do, known before anything is changed (for the confirmation)."""

    database: Path | str
    source: Path
    source_revision: str
    replaces_existing: bool
    # What the copy saved before the restore is called, up to its UTC time.
    safety_name: str = ""


@dataclass(frozen=True)
class RestoreInfo:
    """A restore that was done: from which file, the schema before and after, the safety copy."""

    database: Path | str
    source: Path
    restored_revision: str
    revision: str
    safety_copy: Path | None

    def as_dict(self) -> dict[str, Any]:
        """The record `rvneet db restore --format json` prints."""
        return {
            "database": str(self.database),
            "restored_from": str(self.source),
            "restored_schema": self.restored_revision,
            "schema": self.revision,
            "safety_copy": str(self.safety_copy) if self.safety_copy else None,
        }


def _revision(con: Any, path: Path) -> str:
    """The schema revision recorded in an open rvneet database; refuses any other file."""
    found = _read_revision(con, path)
    if isinstance(found, Note):
        raise DatabaseError(found.shown(message_language()))
    return found


def _read_revision(con: Any, path: Path) -> str | Note:
    """The schema revision recorded in an open database, or why it is not an rvneet database."""
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables:
            if not tables:
                return Note(
                    N_("{path} is not an rvneet database (an empty SQLite database)"),
                    {"path": path},
                )
            return Note(
                N_("{path} is not an rvneet database (an SQLite database of another kind)"),
                {"path": path},
            )
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except driver_errors() as exc:
        return Note(
            N_("{path} is not an rvneet database ({reason})"), {"path": path, "reason": exc}
        )
    if not row or not row[0]:
        return Note(
            N_("{path} is not an rvneet database (no schema revision recorded)"), {"path": path}
        )
    return str(row[0])


def _size(path: Path) -> int:
    return path.stat().st_size


# Backup


def backup_database(db: Database, target: Path, *, force: bool = False) -> BackupInfo:
    """Copy the database into `target`, a new file readable by its owner only (0600).

    Safe while other processes write: the copy is one consistent snapshot. Refuses an existing
    `target` unless `force` (then it is replaced only once the new copy is complete), a missing
    folder, and the database file itself.
    """
    db.ensure_ready()
    target = target.expanduser()
    folder = target.parent
    if not folder.is_dir():
        raise InvalidInput(_("folder {folder} does not exist").format(folder=folder))
    if target.is_dir():
        raise InvalidInput(_("{target} is a folder; name the backup file").format(target=target))
    # The database, its files and backups, a device, a link without --force: refused.
    target = check_output(target, database=db.path, force=force)
    if not force and target.exists():
        raise Conflict(_exists(target))
    wal = Path(f"{target}-wal")
    if force and wal.exists() and wal.stat().st_size > 0:
        # SQLite would apply that journal to the new copy when it is next opened.
        raise Conflict(
            _("{wal} is not empty: {target} is in use or was not closed; name another file").format(
                wal=wal, target=target
            )
        )
    if db.url:
        return _backup_server(db, target, force)
    # Written beside the target and renamed onto it when complete: a failed or killed backup
    # leaves no partial copy under the target's name, and an old file as it was.
    try:
        with written_whole(target, replace=force) as written:
            copy_database(db.path, written, standalone=True, key=db.key)
    except FileExistsError:
        raise Conflict(_exists(target)) from None
    except driver_errors(OSError) as exc:
        if no_room(exc, target.parent):
            raise disk_full(target) from None
        raise DatabaseError(
            _("backing up {path} to {target} failed: {reason}").format(
                path=db.path, target=target, reason=exc
            )
        ) from None
    with open_connection(target, read_only=True, key=db.key) as con:
        revision = _revision(con, target)
    return BackupInfo(database=db.path, backup=target, size=_size(target), revision=revision)


def _backup_server(db: Database, target: Path, force: bool) -> BackupInfo:
    """`backup_database` of a PostgreSQL book: `pg_dump --format=custom` (one consistent snapshot
    while others work) into a private file renamed onto `target` once complete."""
    from rvneet.storage.pgtools import dump_revision, run_tool

    assert db.url is not None
    options = _dump_options(db)
    try:
        with written_whole(target, replace=force) as written:
            run_tool(
                "pg_dump",
                ["--format=custom", "--no-password", *options, f"--file={written}"],
                db.url,
            )
            revision = dump_revision(written)
    except FileExistsError:
        raise Conflict(_exists(target)) from None
    return BackupInfo(database=db.where, backup=target, size=_size(target), revision=revision)


def _dump_options(db: Database) -> list[str]:
    """pg_dump's options that give this login every row of the book.

    pg_dump reads with row-level security off, which PostgreSQL allows only a superuser or a
    BYPASSRLS login: the tables' owner got "query would be affected by row-level security" (rvneet
    forces it on the owner too). Anyone else reads with it on, through the owner's or the admins'
    policies, which show them every row: `db backup` is an admin's, and a login that sees less
    with no staff record is refused before (`permissions.actor`)."""
    from rvneet.storage.access_pg import row_visibility

    with db.session() as session:
        seen = row_visibility(session.connection())
    return [] if seen.bypasses else ["--enable-row-security"]


def _exists(target: Path) -> str:
    return _("{target} already exists; give --force to overwrite it").format(target=target)


# Check


def check_database(path: Path, *, full: bool = False, key: str | None = None) -> list[CheckResult]:
    """Check a database file without changing it or taking a write lock.

    The checks: SQLite's `quick_check` (`integrity_check` when `full`), `foreign_key_check`, and the
    schema revision against the newest one this rvneet knows; when `full`, also that the records
    and the audit log agree (`_audit`), the audit log's hash chain as `rvneet audit verify` checks
    it, and its append-only triggers (`_audit_chain`). Each result says ok or lists problems. An
    encrypted database is opened with `key`.
    """
    if not path.exists():
        raise DatabaseError(_("no database at {path}").format(path=path))
    if not path.is_file():
        raise DatabaseError(_("{path} is not a file").format(path=path))
    with open_connection(path, read_only=True, key=key) as con:
        results = [_integrity(con, full), _foreign_keys(con), _schema(con, path)]
        if full:
            results += [_audit(con), *_audit_chain(con)]
        return results


def _passed(check: str, text: str, **fields: Any) -> CheckResult:
    return CheckResult(check, True, [Note(text, fields)])


def _problem(check: str, problems: list[Note]) -> CheckResult:
    return CheckResult(check, False, problems)


def _failed(check: str, exc: Exception) -> CheckResult:
    return _problem(check, [Note(N_("could not check: {reason}"), {"reason": exc})])


def _integrity(con: Any, full: bool) -> CheckResult:
    check = "integrity" if full else "quick"
    pragma = "integrity_check" if full else "quick_check"
    try:
        rows = [str(r[0]) for r in con.execute(f"PRAGMA {pragma}")]
    except driver_errors() as exc:
        return _failed(check, exc)
    if rows == ["ok"]:
        # The pragma's name is code; each has its own text, so Estonian can say it in words.
        passed = N_("integrity_check: ok") if full else N_("quick_check: ok")
        return _passed(check, passed)
    lines = (line.strip() for row in rows for line in row.splitlines())
    problems = [Note.verbatim(line) for line in lines if line and not line.startswith("***")]
    return _problem(check, problems)


def _foreign_keys(con: Any) -> CheckResult:
    check = "foreign_keys"
    try:
        rows = con.execute("PRAGMA foreign_key_check").fetchall()
    except driver_errors() as exc:
        return _failed(check, exc)
    if not rows:
        return _passed(check, N_("every reference points to an existing record"))
    problems = [
        Note(
            N_("{table} row {rowid} refers to a missing {parent}"),
            {"table": table, "rowid": rowid, "parent": parent},
        )
        for table, rowid, parent, _fkid in rows
    ]
    return _problem(check, problems)


# Records whose creation every rvneet has audited. The other audited tables also hold rows that
# migration 0002 back-filled for older books (first stages, follow-ups, support requests), which
# have no audit entry of their own.
CREATION_AUDITED = ("youths", "cases")


def _audit(con: Any) -> CheckResult:
    """The records and the audit log agree, as they do when every write commits both or neither.

    Every youth and case has the audit entry of its creation, and every record the audit log says
    was created (and not deleted) exists. Set operations (EXCEPT), so a large book takes a few
    sorts rather than a lookup per row. Problems name tables and ids only, never personal data.
    """
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return _audit_of(lambda sql, params: con.execute(sql, params).fetchall(), tables, "?")
    except driver_errors() as exc:
        return _failed("audit", exc)


def _audit_of(fetch: Any, tables: set[str], mark: str) -> CheckResult:
    """`_audit` through `fetch(sql, params)`, given the database's tables and the driver's
    placeholder (`?` for SQLite, `%s` for psycopg)."""
    from rvneet.domain.tables import AUDITED

    check = "audit"
    if "audit_log" not in tables:
        return _problem(check, [Note(N_("there is no audit log"))])
    audited = [m.__tablename__ for m in AUDITED if m.__tablename__ in tables]
    limit = MAX_PROBLEMS + 1
    problems = []
    for table in (t for t in CREATION_AUDITED if t in tables):
        missing = fetch(
            f'SELECT id FROM "{table}" EXCEPT SELECT entity_id FROM audit_log '
            f"WHERE entity = {mark} AND action = 'insert' ORDER BY 1 LIMIT {limit}",
            (table,),
        )
        problems += [
            Note(
                N_("{table} record {id} has no audit entry of its creation"),
                {"table": table, "id": r[0]},
            )
            for r in missing
        ]
    marks = ", ".join([mark] * len(audited))
    existing = " ".join(f"EXCEPT SELECT '{t}', id FROM \"{t}\"" for t in audited)
    lost = fetch(
        "SELECT entity, entity_id FROM audit_log "
        f"WHERE action = 'insert' AND entity IN ({marks}) "
        "EXCEPT SELECT entity, entity_id FROM audit_log WHERE action = 'delete' "
        f"{existing} ORDER BY 1, 2 LIMIT {limit}",
        tuple(audited),
    )
    problems += [
        Note(N_("{table} record {id} is in the audit log but missing"), {"table": t, "id": i})
        for t, i in lost
    ]
    if problems:
        return _problem(check, problems)
    return _passed(check, N_("every record and its audit entries agree"))


def _audit_chain(con: Any) -> list[CheckResult]:
    """The audit log's hash chain and its append-only triggers, checked as `rvneet audit verify`
    checks them (`services.audit_trail.verify_rows`)."""
    checks = ("audit_chain", "audit_triggers")
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "audit_log" not in tables:
            return [_problem(check, [Note(N_("there is no audit log"))]) for check in checks]
    except driver_errors() as exc:
        return [_failed(check, exc) for check in checks]
    return _audit_chain_of(lambda sql, params: con.execute(sql, params).fetchall())


def _audit_chain_of(fetch: Any, *, server: bool = False) -> list[CheckResult]:
    """`_audit_chain` through `fetch(sql, params)`; `server`: a PostgreSQL book's."""
    from sqlalchemy.exc import SQLAlchemyError

    from rvneet.db import driver_reason
    from rvneet.services.audit_trail import verify_rows

    checks = ("audit_chain", "audit_triggers")
    try:
        chain = verify_rows(fetch, server=server)
    except SQLAlchemyError as exc:  # a table or column renamed or dropped by hand
        return [_failed(check, RuntimeError(driver_reason(exc))) for check in checks]
    except driver_errors() as exc:
        return [_failed(check, exc) for check in checks]
    if chain.broken_id is None:
        linked = _passed(
            "audit_chain",
            N_("{n} entries fit the chain (as rvneet audit verify checks); newest hash {hash}"),
            n=chain.entries,
            hash=chain.last_hash,
        )
    else:
        assert chain.problem is not None  # a broken entry always says why
        why = Note(chain.problem, chain.problem_fields)
        linked = _problem(
            "audit_chain",
            [
                Note(
                    N_("broken at entry {id}: {problem}; the {n} entries before it are intact"),
                    {"id": chain.broken_id, "problem": why, "n": chain.entries},
                )
            ],
        )
    if chain.trigger_problems:
        triggers = _problem(
            "audit_triggers", [Note(text, fields) for text, fields in chain.trigger_problems]
        )
    else:
        triggers = _passed(
            "audit_triggers", N_("the audit log's append-only triggers are as rvneet created them")
        )
    return [linked, triggers]


def _schema(con: Any, path: Path) -> CheckResult:
    return _schema_of(_read_revision(con, path))


def _schema_of(stored: str | Note) -> CheckResult:
    check = "schema"
    head = head_revision()
    if isinstance(stored, Note):
        return _problem(check, [stored])
    if stored == head:
        return _passed(check, N_("{schema}, the newest this rvneet knows"), schema=stored)
    if stored in known_revisions():
        # Not damage: the next rvneet command upgrades it.
        return _passed(
            check,
            N_("{schema}, older than {head}; the next command upgrades it"),
            schema=stored,
            head=head,
        )
    newer = N_("{schema} is newer than this rvneet knows ({head}); upgrade rvneet")
    return _problem(check, [Note(newer, {"schema": stored, "head": head})])


# The server's catalog, read in the book's own schema (current_schema()).
_INVALID_CONSTRAINTS = (
    "SELECT c.conrelid::regclass::text, c.conname FROM pg_constraint c"
    " WHERE c.connamespace = current_schema()::regnamespace AND NOT c.convalidated"
    " ORDER BY 1, 2"
)
_INVALID_INDEXES = (
    "SELECT i.indexrelid::regclass::text FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid"
    " WHERE t.relnamespace = current_schema()::regnamespace AND NOT (i.indisvalid AND i.indisready)"
    " ORDER BY 1"
)
_BTREE_INDEXES = (
    "SELECT c.oid, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
    " JOIN pg_am a ON a.oid = c.relam"
    " WHERE c.relnamespace = current_schema()::regnamespace AND a.amname = 'btree'"
    " AND i.indisvalid AND c.relpersistence = 'p' ORDER BY c.relname"
)


def check_server(db: Database, *, full: bool = False) -> list[CheckResult]:
    """`check_database` of a PostgreSQL book, in one read-only snapshot: the schema revision, every
    table of rvneet's schema present, every constraint validated (`pg_constraint.convalidated`),
    every index valid (`pg_index.indisvalid`), the index pages with `amcheck`'s `bt_index_check`
    where that extension is installed (else the check says it was skipped; `full` also checks
    that each index holds every row), and the audit log's chain and append-only triggers as
    `rvneet audit verify` checks them."""
    from sqlalchemy.exc import SQLAlchemyError

    from rvneet.db import _connection_revision, driver_reason

    engine = db.engine(write=False)
    try:
        with engine.connect() as connection, connection.begin():
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")

            def fetch(sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
                return list(connection.exec_driver_sql(sql, params).all())

            stored = _connection_revision(connection)
            if stored is None or stored == "":
                raise DatabaseError(_("{path} is not an rvneet database").format(path=db.where))
            return [
                _schema_of(stored),
                _server_tables(fetch),
                _server_constraints(fetch),
                _server_indexes(fetch),
                *([_audit_of(fetch, _server_table_names(fetch), "%s")] if full else []),
                *_audit_chain_of(fetch, server=True),
                # Last: a damaged index aborts the transaction the other checks read in.
                _amcheck(fetch, full),
            ]
    except SQLAlchemyError as exc:
        raise DatabaseError(
            _("cannot read database {path}: {reason}").format(
                path=db.where, reason=driver_reason(exc)
            )
        ) from None
    finally:
        engine.dispose()


def _server_table_names(fetch: Any) -> set[str]:
    return {
        str(r[0])
        for r in fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    }


def _server_tables(fetch: Any) -> CheckResult:
    from rvneet.domain.tables import metadata

    present = _server_table_names(fetch)
    expected = sorted({*metadata.tables, "alembic_version"})
    missing = [name for name in expected if name not in present]
    if missing:
        return _problem(
            "tables", [Note(N_("table {table} is missing"), {"table": t}) for t in missing]
        )
    return _passed("tables", N_("all {n} tables of rvneet's schema are present"), n=len(expected))


def _server_constraints(fetch: Any) -> CheckResult:
    rows = fetch(_INVALID_CONSTRAINTS)
    if rows:
        return _problem(
            "constraints",
            [
                Note(N_("constraint {name} on {table} is not validated"), {"name": n, "table": t})
                for t, n in rows
            ],
        )
    return _passed("constraints", N_("every constraint is validated"))


def _server_indexes(fetch: Any) -> CheckResult:
    rows = fetch(_INVALID_INDEXES)
    if rows:
        return _problem(
            "indexes",
            [
                Note(N_("index {name} is not valid (rebuild it: REINDEX)"), {"name": r[0]})
                for r in rows
            ],
        )
    return _passed("indexes", N_("every index is valid"))


def _amcheck(fetch: Any, full: bool) -> CheckResult:
    """B-tree index pages checked with the amcheck extension, when the server has it installed in
    the database (an administrator's CREATE EXTENSION amcheck)."""
    from sqlalchemy.exc import SQLAlchemyError

    from rvneet.db import driver_reason

    installed = fetch("SELECT 1 FROM pg_extension WHERE extname = 'amcheck'")
    if not installed:
        return _passed(
            "amcheck",
            N_("skipped: the amcheck extension is not installed (CREATE EXTENSION amcheck)"),
        )
    problems = []
    indexes = fetch(_BTREE_INDEXES)
    for oid, name in indexes:
        try:
            fetch("SELECT bt_index_check(%s, %s)", (oid, full))
        except SQLAlchemyError as exc:  # the server's report of a damaged index
            reason = driver_reason(exc)
            problems.append(Note(N_("index {name}: {reason}"), {"name": name, "reason": reason}))
            break  # the transaction is aborted: the rest cannot be checked in it
    if problems:
        return _problem("amcheck", problems)
    return _passed("amcheck", N_("{n} indexes checked with amcheck"), n=len(indexes))


# Restore


def plan_restore(db: Database, source: Path) -> RestorePlan:
    """Check that `source` can be restored into `db` and say what a restore would do.

    Refuses a missing file, a file that is not an undamaged rvneet database, one whose schema is
    newer than this rvneet knows, and the database file itself. Changes nothing.
    """
    source = source.expanduser()
    if not source.exists():
        raise DatabaseError(_("no file {source}").format(source=source))
    if not source.is_file():
        raise DatabaseError(_("{path} is not a file").format(path=source))
    if db.url:
        return _plan_server_restore(db, source)
    if db.path.exists() and os.path.samefile(source, db.path):
        raise DatabaseError(
            _("{source} is the database itself; name a backup file").format(source=source)
        )
    with open_connection(source, read_only=True, key=db.key) as con:
        revision = _revision(con, source)
        known = known_revisions()
        if revision not in known:
            raise DatabaseError(
                _(
                    "{source} has schema {schema}, newer than this rvneet knows ({head}); "
                    "upgrade rvneet to restore it"
                ).format(source=source, schema=revision, head=known[-1])
            )
        integrity = _integrity(con, full=False)
        if not integrity.ok:
            problem = integrity.problems(message_language())[0]
            raise DatabaseError(
                _("{source} is damaged ({problem})").format(source=source, problem=problem)
            )
    if db.path != default_path():
        db.check_folder()
    return RestorePlan(db.path, source, revision, db.path.exists() and _size(db.path) > 0)


def _plan_server_restore(db: Database, source: Path) -> RestorePlan:
    """`plan_restore` into a PostgreSQL book: `source` must be a pg_dump archive of an rvneet book
    (read by pg_restore, which refuses a damaged one) of a schema this rvneet knows."""
    from rvneet.storage.pgtools import dump_revision

    try:
        revision = dump_revision(source)
    except DatabaseError as exc:
        raise DatabaseError(
            _("{source} is not a backup of a server book ({reason})").format(
                source=source, reason=exc
            )
        ) from None
    known = known_revisions()
    if revision not in known:
        raise DatabaseError(
            _(
                "{source} has schema {schema}, newer than this rvneet knows ({head}); "
                "upgrade rvneet to restore it"
            ).format(source=source, schema=revision, head=known[-1])
        )
    holds = db._server_revision() is not None
    if holds and not db._may_migrate():
        from rvneet.domain.access import NotAllowed

        # pg_restore --clean drops and makes the tables again, which only their owner may: an
        # admin's restore failed halfway through with "must be owner of relation …".
        raise NotAllowed(
            _(
                "{path} is restored by the owner of its tables (the login that ran rvneet init), "
                "as the restore replaces them; nothing changed"
            ).format(path=db.where)
        )
    if holds and revision != head_revision():
        _refuse_leftovers(db, source, revision)
    # Saved in the backup's folder: a server has no folder of its own beside the book.
    first = source.parent / f"{_server_name(db)}{SAFETY_COPY_INFIX}"
    return RestorePlan(db.where, source, revision, holds, str(first))


def _refuse_leftovers(db: Database, source: Path, revision: str) -> None:
    """A backup of an older schema lacks the tables later migrations added; pg_restore --clean
    would leave the book's own ones beside the restored content, and the upgrade after it would
    fail once the restore had committed. Refused instead, before anything changes."""
    from sqlalchemy import inspect

    from rvneet.storage.pgtools import dump_tables

    engine = db.engine(write=False)
    try:
        with engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
    extra = sorted(present - dump_tables(source))
    if extra:
        raise DatabaseError(
            _(
                "{source} has schema {schema}, without the tables {tables} that {path} has; "
                "restore it into an empty database, where it is upgraded"
            ).format(source=source, schema=revision, tables=", ".join(extra), path=db.where)
        )


def _server_name(db: Database) -> str:
    """The database's name on its server (for the names of its safety copies)."""
    from sqlalchemy.engine import make_url

    name = make_url(db.url or "").database or "rvneet"
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def _restore_server(db: Database, plan: RestorePlan) -> RestoreInfo:
    """`restore_database` into a PostgreSQL book: the current content dumped beside the backup
    first (0600), then `pg_restore --clean --if-exists --single-transaction` (the server applies
    all of it or nothing), then the restore's audit entry, which also upgrades an older schema."""
    from rvneet.storage.pgtools import run_tool

    assert db.url is not None
    source = plan.source
    safety: Path | None = None
    if plan.replaces_existing:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        safety = Path(f"{plan.safety_name}{stamp}.dump")
        try:
            create_private(safety)
        except OSError as exc:
            raise DatabaseError(
                _(
                    "cannot save a copy of {database} to {path} before restoring ({reason}); "
                    "nothing changed"
                ).format(database=db.where, path=safety, reason=exc.strerror)
            ) from None
        try:
            run_tool(
                "pg_dump",
                ["--format=custom", "--no-password", *_dump_options(db), f"--file={safety}"],
                db.url,
            )
        except DatabaseError as exc:
            safety.unlink(missing_ok=True)
            raise DatabaseError(
                _(
                    "cannot save a copy of {database} before restoring ({reason}); nothing changed"
                ).format(database=db.where, reason=exc)
            ) from None
    try:
        # An empty --dbname: libpq takes the database from PGDATABASE, as the rest of the address.
        run_tool(
            "pg_restore",
            [
                "--clean",
                "--if-exists",
                "--single-transaction",
                "--exit-on-error",
                "--no-password",
                "--dbname=",
                str(source),
            ],
            db.url,
        )
    except DatabaseError as exc:
        if safety is not None:
            safety.unlink(missing_ok=True)
        raise DatabaseError(
            _("restoring {source} into {path} failed ({reason}); nothing changed").format(
                source=source, path=db.where, reason=exc
            )
        ) from None
    if plan.source_revision != head_revision():
        print(
            _("rvneet: upgraded the backup's content from schema {schema} to {head}").format(
                schema=plan.source_revision, head=head_revision()
            ),
            file=sys.stderr,
        )
    with db.session(write=True) as session:
        record_restore(session, source.name, safety.name if safety else None)
    return RestoreInfo(db.where, source, plan.source_revision, head_revision(), safety)


def safety_copy_path(database: Path, now: dt.datetime | None = None) -> Path:
    """`<database>.before-restore-<UTC time>`, beside the database."""
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return database.with_name(f"{database.name}{SAFETY_COPY_INFIX}{stamp}")


def _save_safety_copy(database: Path, key: str | None) -> Path:
    """Copy the current database beside it (0600) before it is replaced; returns the copy."""
    return copy_beside(database, safety_copy_path(database), key, upgrading=False)


def restore_database(db: Database, source: Path) -> RestoreInfo:
    """Replace the content of the database with that of the backup `source`, in one step.

    The current content is first saved beside it as `<name>.before-restore-<UTC time>` (0600).
    The backup is copied into a private file beside the database (`.<name>.restore-*.tmp`), an
    older schema upgraded there, and the restore written to that copy's audit log; only then does
    the copy go into the database file, through the backup API in one transaction. So other
    connections and the WAL stay consistent, and a restore killed at any moment leaves either
    the previous content or the backup's with the audit entry of its restore, never the backup's
    without it. A restore killed before its end can leave its private copy behind; the next
    restore removes it.
    """
    plan = plan_restore(db, source)
    if db.url:
        return _restore_server(db, plan)
    source = plan.source
    if db.path == default_path():
        from rvneet.files.folders import make_private_dir

        make_private_dir(db.path.parent)
    _remove_stale_copies(db.path)
    safety: Path | None = None
    created = False
    if plan.replaces_existing:
        safety = _save_safety_copy(db.path, db.key)
    elif not db.path.exists():
        try:
            create_private(db.path)
        except OSError as exc:
            raise DatabaseError(
                _("cannot create {path}: {reason}").format(path=db.path, reason=exc.strerror)
            ) from None
        created = True
    staged: Path | None = None
    try:
        staged = _stage_restore(db, source, plan.source_revision, safety)
        copy_database(staged, db.path, standalone=False, key=db.key)
    except driver_errors(DatabaseError, OSError) as exc:
        if safety is not None:
            safety.unlink(missing_ok=True)
        if created:
            db.path.unlink(missing_ok=True)
        raise DatabaseError(
            _("restoring {source} into {path} failed ({reason}); nothing changed").format(
                source=source, path=db.path, reason=exc
            )
        ) from None
    finally:
        if staged is not None:
            _remove_with_side_files(staged)
    return RestoreInfo(db.path, source, plan.source_revision, head_revision(), safety)


# The private copy a restore prepares beside the database: `.<name>.restore-<random>.tmp`.
_STAGED_INFIX = ".restore-"
_STAGED_SUFFIX = ".tmp"


def _stage_restore(db: Database, source: Path, revision: str, safety: Path | None) -> Path:
    """The backup copied beside the database (0600), upgraded to the newest schema, with the audit
    entry of its restore: what the database is to hold, complete before it replaces anything."""
    fd, name = tempfile.mkstemp(
        prefix=f".{db.path.name}{_STAGED_INFIX}", suffix=_STAGED_SUFFIX, dir=db.path.parent
    )
    os.fchmod(fd, 0o600)
    os.close(fd)
    staged = Path(name)
    try:
        copy_database(source, staged, standalone=True, key=db.key)
        copy = Database(staged, db.user, db.key)
        if revision != head_revision():
            copy.upgrade()
            print(
                _("rvneet: upgraded the backup's content from schema {schema} to {head}").format(
                    schema=revision, head=head_revision()
                ),
                file=sys.stderr,
            )
        with copy.session(write=True) as session:
            record_restore(session, source.name, safety.name if safety else None)
        with open_connection(staged, read_only=False, key=db.key) as con:
            # One file again (the session left it in WAL mode), which the backup API reads as is.
            con.execute("PRAGMA journal_mode=DELETE")
    except BaseException:
        _remove_with_side_files(staged)
        raise
    return staged


def _remove_with_side_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _remove_stale_copies(database: Path) -> None:
    """Remove the private copies restores killed before their end left beside the database: each
    holds a backup's personal data, and none is the only copy of anything."""
    for stale in database.parent.glob(f".{database.name}{_STAGED_INFIX}*{_STAGED_SUFFIX}"):
        _remove_with_side_files(stale)


def record_restore(session: Session, source_name: str, safety_copy_name: str | None) -> None:
    """Write the audit row of a restore: the file names only, never their content."""
    from rvneet.services.audit import audit_bulk

    audit_bulk(
        session,
        "database",
        "restore",
        [
            (
                0,
                None,
                {"restored_from": [None, source_name], "safety_copy": [None, safety_copy_name]},
            )
        ],
    )
