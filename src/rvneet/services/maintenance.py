"""Backing up, checking and restoring the database file.

Copies are made with SQLite's online backup API (`sqlite3.Connection.backup`): it reads one
consistent snapshot of the database (WAL included) while others keep working, and it writes into a
live database through SQLite's own locking, so other connections see the old content or the new one,
never a mixture. Checks open the file read-only (`rvneet.db.read_only_uri`) and take no write lock.

Only the standard `sqlite3` module is used here (SQLCipher's for an encrypted database, with the
same key for its backups), except for the audit row of a restore.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rvneet.db import Database, default_path, head_revision, known_revisions, read_only_uri
from rvneet.domain.errors import Conflict, DatabaseError, InvalidInput
from rvneet.encryption import connect, driver_errors

if TYPE_CHECKING:
    from sqlmodel import Session

SAFETY_COPY_INFIX = ".before-restore-"
UPGRADE_COPY_INFIX = ".bak-"
# A check lists at most this many problems; a badly damaged file can have thousands.
MAX_PROBLEMS = 20
DETAIL_PROBLEMS = 3  # in the one-line detail
BUSY_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class BackupInfo:
    """A backup that was written: where from, where to, its size and schema revision."""

    database: Path
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
class CheckResult:
    """One check of a database file: passed or not, and the problems found."""

    check: str
    ok: bool
    detail: str
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """A row of `rvneet db check`; the keys are stable for scripts."""
        return {
            "check": self.check,
            "ok": self.ok,
            "result": "ok" if self.ok else "problem",
            "detail": self.detail,
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class RestorePlan:
    """What a restore will do, known before anything is changed (for the confirmation)."""

    database: Path
    source: Path
    source_revision: str
    replaces_existing: bool


@dataclass(frozen=True)
class RestoreInfo:
    """A restore that was done: from which file, the schema before and after, the safety copy."""

    database: Path
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


def _ro_uri(path: Path) -> str:
    """A read-only SQLite URI for `path` (see `rvneet.db.read_only_uri`)."""
    return read_only_uri(path)


@contextlib.contextmanager
def _connect(path: Path, *, read_only: bool, key: str | None = None) -> Iterator[Any]:
    """A DB-API connection that is always closed: SQLCipher's keyed with `key`, else `sqlite3`'s."""
    con = connect(path, key, read_only=read_only, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        yield con
    finally:
        con.close()


def _copy(source: Path, target: Path, *, standalone: bool, key: str | None = None) -> None:
    """Copy the database `source` into `target` with the backup API, in one step (one snapshot).

    A `standalone` copy (a backup, a safety copy) is left in rollback-journal mode: one file, with no
    `-wal` beside it, that can be moved and opened read-only as it is. A restore keeps the target's
    own mode (WAL), which the backup API respects. With a `key`, both are encrypted with it.
    """
    with (
        _connect(source, read_only=True, key=key) as src,
        _connect(target, read_only=False, key=key) as dst,
    ):
        src.backup(dst)
        if standalone:
            dst.execute("PRAGMA journal_mode=DELETE")


def _create_private(path: Path) -> None:
    """Create `path` empty, readable and writable by its owner only; FileExistsError if it exists."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def _revision(con: Any, path: Path) -> str:
    """The schema revision recorded in an open rvneet database; refuses any other file."""
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables:
            what = (
                "an empty SQLite database" if not tables else "an SQLite database of another kind"
            )
            raise DatabaseError(f"{path} is not an rvneet database ({what})")
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except driver_errors() as exc:
        raise DatabaseError(f"{path} is not an rvneet database ({exc})") from None
    if not row or not row[0]:
        raise DatabaseError(f"{path} is not an rvneet database (no schema revision recorded)")
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
        raise InvalidInput(f"folder {folder} does not exist")
    if target.is_dir():
        raise InvalidInput(f"{target} is a folder; name the backup file")
    if target.exists() and os.path.samefile(target, db.path):
        raise InvalidInput(f"{target} is the database itself; name another file")
    if not force and target.exists():
        raise Conflict(f"{target} already exists; give --force to overwrite it")
    wal = Path(f"{target}-wal")
    if force and wal.exists() and wal.stat().st_size > 0:
        # SQLite would apply that journal to the new copy when it is next opened.
        raise Conflict(
            f"{wal} is not empty: {target} is in use or was not closed; name another file"
        )

    if force:
        # Write beside the target and rename, so that a failed backup leaves the old file as it was.
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        os.fchmod(fd, 0o600)
        os.close(fd)
        written = Path(name)
    else:
        try:
            _create_private(target)
        except FileExistsError:
            raise Conflict(f"{target} already exists; give --force to overwrite it") from None
        except OSError as exc:
            raise InvalidInput(f"cannot write {target}: {exc.strerror}") from None
        written = target
    try:
        _copy(db.path, written, standalone=True, key=db.key)
        if written != target:
            os.replace(written, target)
    except driver_errors(OSError) as exc:
        written.unlink(missing_ok=True)
        raise DatabaseError(f"backing up {db.path} to {target} failed: {exc}") from None
    except BaseException:
        written.unlink(missing_ok=True)
        raise
    with _connect(target, read_only=True, key=db.key) as con:
        revision = _revision(con, target)
    return BackupInfo(database=db.path, backup=target, size=_size(target), revision=revision)


# Check


def check_database(path: Path, *, full: bool = False, key: str | None = None) -> list[CheckResult]:
    """Check a database file without changing it or taking a write lock.

    The checks: SQLite's `quick_check` (`integrity_check` when `full`), `foreign_key_check`, and the
    schema revision against the newest one this rvneet knows; when `full`, also that the records
    and the audit log agree (`_audit`). Each result says ok or lists problems. An encrypted
    database is opened with `key`.
    """
    if not path.exists():
        raise DatabaseError(f"no database at {path}")
    if not path.is_file():
        raise DatabaseError(f"{path} is not a file")
    with _connect(path, read_only=True, key=key) as con:
        results = [_integrity(con, full), _foreign_keys(con), _schema(con, path)]
        if full:
            results.append(_audit(con))
        return results


def _problem(check: str, problems: list[str]) -> CheckResult:
    shown = problems[:MAX_PROBLEMS]
    if len(problems) > MAX_PROBLEMS:
        shown.append(f"... and {len(problems) - MAX_PROBLEMS} more")
    detail = "; ".join(problems[:DETAIL_PROBLEMS])
    if len(problems) > DETAIL_PROBLEMS:
        detail += f"; and {len(problems) - DETAIL_PROBLEMS} more"
    return CheckResult(check, False, detail, shown)


def _failed(check: str, exc: Exception) -> CheckResult:
    return _problem(check, [f"could not check: {exc}"])


def _integrity(con: Any, full: bool) -> CheckResult:
    check = "integrity" if full else "quick"
    pragma = "integrity_check" if full else "quick_check"
    try:
        rows = [str(r[0]) for r in con.execute(f"PRAGMA {pragma}")]
    except driver_errors() as exc:
        return _failed(check, exc)
    if rows == ["ok"]:
        return CheckResult(check, True, f"{pragma}: ok")
    lines = (line.strip() for row in rows for line in row.splitlines())
    problems = [line for line in lines if line and not line.startswith("***")]
    return _problem(check, problems)


def _foreign_keys(con: Any) -> CheckResult:
    check = "foreign_keys"
    try:
        rows = con.execute("PRAGMA foreign_key_check").fetchall()
    except driver_errors() as exc:
        return _failed(check, exc)
    if not rows:
        return CheckResult(check, True, "every reference points to an existing record")
    problems = [
        f"{table} row {rowid} refers to a missing {parent}" for table, rowid, parent, _ in rows
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
    from rvneet.domain.tables import AUDITED

    check = "audit"
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "audit_log" not in tables:
            return _problem(check, ["there is no audit log"])
        audited = [m.__tablename__ for m in AUDITED if m.__tablename__ in tables]
        limit = MAX_PROBLEMS + 1
        problems = []
        for table in (t for t in CREATION_AUDITED if t in tables):
            missing = con.execute(
                f'SELECT id FROM "{table}" EXCEPT SELECT entity_id FROM audit_log '
                f"WHERE entity = ? AND action = 'insert' ORDER BY 1 LIMIT {limit}",
                (table,),
            ).fetchall()
            problems += [
                f"{table} record {r[0]} has no audit entry of its creation" for r in missing
            ]
        marks = ", ".join("?" * len(audited))
        existing = " ".join(f"EXCEPT SELECT '{t}', id FROM \"{t}\"" for t in audited)
        lost = con.execute(
            "SELECT entity, entity_id FROM audit_log "
            f"WHERE action = 'insert' AND entity IN ({marks}) "
            "EXCEPT SELECT entity, entity_id FROM audit_log WHERE action = 'delete' "
            f"{existing} ORDER BY 1, 2 LIMIT {limit}",
            audited,
        ).fetchall()
        problems += [f"{t} record {i} is in the audit log but missing" for t, i in lost]
    except driver_errors() as exc:
        return _failed(check, exc)
    if problems:
        return _problem(check, problems)
    return CheckResult(check, True, "every record and its audit entries agree")


def _schema(con: Any, path: Path) -> CheckResult:
    check = "schema"
    head = head_revision()
    try:
        stored = _revision(con, path)
    except DatabaseError as exc:
        return _problem(check, [str(exc)])
    if stored == head:
        return CheckResult(check, True, f"{stored}, the newest this rvneet knows")
    if stored in known_revisions():
        # Not damage: the next rvneet command upgrades it.
        return CheckResult(
            check, True, f"{stored}, older than {head}; the next command upgrades it"
        )
    return _problem(check, [f"{stored} is newer than this rvneet knows ({head}); upgrade rvneet"])


# Restore


def plan_restore(db: Database, source: Path) -> RestorePlan:
    """Check that `source` can be restored into `db` and say what a restore would do.

    Refuses a missing file, a file that is not an undamaged rvneet database, one whose schema is
    newer than this rvneet knows, and the database file itself. Changes nothing.
    """
    source = source.expanduser()
    if not source.exists():
        raise DatabaseError(f"no file {source}")
    if not source.is_file():
        raise DatabaseError(f"{source} is not a file")
    if db.path.exists() and os.path.samefile(source, db.path):
        raise DatabaseError(f"{source} is the database itself; name a backup file")
    with _connect(source, read_only=True, key=db.key) as con:
        revision = _revision(con, source)
        known = known_revisions()
        if revision not in known:
            raise DatabaseError(
                f"{source} has schema {revision}, newer than this rvneet knows ({known[-1]}); "
                "upgrade rvneet to restore it"
            )
        integrity = _integrity(con, full=False)
        if not integrity.ok:
            raise DatabaseError(f"{source} is damaged ({integrity.problems[0]})")
    if db.path != default_path():
        db.check_folder()
    return RestorePlan(db.path, source, revision, db.path.exists() and _size(db.path) > 0)


def safety_copy_path(database: Path, now: dt.datetime | None = None) -> Path:
    """`<database>.before-restore-<UTC time>`, beside the database."""
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return database.with_name(f"{database.name}{SAFETY_COPY_INFIX}{stamp}")


def _save_safety_copy(database: Path, key: str | None) -> Path:
    """Copy the current database beside it (0600) before it is replaced; returns the copy."""
    return _copy_beside(database, safety_copy_path(database), key, "before restoring")


def _copy_beside(database: Path, first: Path, key: str | None, doing: str) -> Path:
    """A consistent copy of `database` at `first` (0600), or at the next free `first-N`: an
    existing copy is never replaced, as it may be the only one of an older state. Raises
    DatabaseError, naming what it was `doing`, when no copy can be written."""
    for n in range(1, 100):
        path = first if n == 1 else first.with_name(f"{first.name}-{n}")
        try:
            _create_private(path)
        except FileExistsError:
            continue
        except OSError as exc:
            raise DatabaseError(
                f"cannot save a copy of {database} to {path} {doing} ({exc.strerror}); "
                "nothing changed"
            ) from None
        try:
            _copy(database, path, standalone=True, key=key)
        except driver_errors(DatabaseError) as exc:
            path.unlink(missing_ok=True)
            raise DatabaseError(
                f"cannot save a copy of {database} {doing} ({exc}); nothing changed"
            ) from None
        return path
    raise DatabaseError(f"too many copies named {first.name}-N; nothing changed")


def save_upgrade_backup(database: Path, revision: str, key: str | None = None) -> Path:
    """Copy the database beside itself as `<name>.bak-<revision>` (0600) before an upgrade.

    Called by `Database.upgrade` while it holds the write lock, so the copy is the content that is
    about to be upgraded. An existing copy is never replaced: the next free
    `<name>.bak-<revision>-N` is taken instead. Raises DatabaseError (and the upgrade does not
    happen) when no copy can be written.
    """
    first = database.with_name(f"{database.name}{UPGRADE_COPY_INFIX}{revision}")
    return _copy_beside(database, first, key, "before upgrading it")


def restore_database(db: Database, source: Path) -> RestoreInfo:
    """Replace the content of the database with that of the backup `source`.

    The current content is first saved beside it as `<name>.before-restore-<UTC time>` (0600). The
    copy goes through the backup API into the database file, so other connections and the WAL stay
    consistent. An older schema is then upgraded, and the restore is written to the audit log.
    """
    plan = plan_restore(db, source)
    source = plan.source
    if db.path == default_path():
        db.path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    safety: Path | None = None
    created = False
    if plan.replaces_existing:
        safety = _save_safety_copy(db.path, db.key)
    elif not db.path.exists():
        try:
            _create_private(db.path)
        except OSError as exc:
            raise DatabaseError(f"cannot create {db.path}: {exc.strerror}") from None
        created = True
    try:
        _copy(source, db.path, standalone=False, key=db.key)
    except driver_errors(DatabaseError) as exc:
        if safety is not None:
            safety.unlink(missing_ok=True)
        if created:
            db.path.unlink(missing_ok=True)
        raise DatabaseError(
            f"restoring {source} into {db.path} failed ({exc}); nothing changed"
        ) from None
    kept = f"; the previous database is in {safety}" if safety else ""
    try:
        db.ensure_ready()  # upgrades an older schema, with its notice
        with db.session(write=True) as session:
            record_restore(session, source.name, safety.name if safety else None)
    except DatabaseError as exc:
        raise DatabaseError(f"restored {source} into {db.path}, but then: {exc}{kept}") from None
    return RestoreInfo(db.path, source, plan.source_revision, head_revision(), safety)


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
