"""The SQLite file: where it is, its pragmas, its schema version and its sessions.

The schema version check reads `alembic_version` with the standard `sqlite3` module (SQLCipher's
when the database is encrypted, see rvneet.encryption) and lists the
revisions from the migration file names, so that Alembic is imported only when an upgrade is due.

Reading sessions open the file read-only (`mode=ro`): they cannot take a write lock or change the
file, and they work on a file or folder the user may not write (see
`rvneet.encryption.read_only_uri`). Writing sessions begin with `BEGIN IMMEDIATE`, retried with
backoff while another process holds the lock. The session's hooks (the audit log, withdrawn records
hidden) and the copy saved before an upgrade are in `rvneet.storage`, below this module.
"""

from __future__ import annotations

import functools
import os
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rvneet.domain.errors import AccessRefused, DatabaseError, DiskFull
from rvneet.encryption import read_only_uri
from rvneet.i18n import _

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

DB_ENV = "RVNEET_DB"
INIT_HINT = "rvneet init --municipality NAME"
# How long SQLite itself waits for another connection's lock before it reports "busy".
BUSY_TIMEOUT_MS = 5000
# A write that still finds the database busy after that is retried this many times, with backoff;
# only BEGIN IMMEDIATE is retried, before anything was written (see `Database.engine`).
WRITE_RETRIES = 4
RETRY_BACKOFF_SECONDS = 0.1
# Engines kept for a session of commands (`rvneet shell`, see `engines_kept`), else None: a
# command of its own makes an engine and disposes of it.
_KEPT_ENGINES: ContextVar[dict[tuple[Any, ...], Engine] | None] = ContextVar(
    "rvneet_kept_engines", default=None
)
_FILES_KEPT: ContextVar[bool] = ContextVar("rvneet_files_kept", default=True)


@contextmanager
def engines_kept(*, servers_only: bool = False) -> Iterator[None]:
    """Within: `Database.session` keeps one engine per file, key and mode, disposed at the end.

    SQLAlchemy caches compiled statements per engine, so the commands of `rvneet shell` after the
    first skip most of their SQL compilation. Every session still has its own transaction (and
    its own audit entries); only the engine, its pooled connections and its caches are shared. A
    file replaced meanwhile (`db restore`) gets a new engine.

    With `servers_only` (each one-shot command), only a server's engines are kept: a command's
    schema check and its session then share one connection, instead of each connecting and asking
    the server's version and settings again. Inside a kept scope already (the shell), nothing
    changes.
    """
    if _KEPT_ENGINES.get() is not None:
        yield
        return
    kept: dict[tuple[Any, ...], Engine] = {}
    token = _KEPT_ENGINES.set(kept)
    files = _FILES_KEPT.set(not servers_only)
    try:
        yield
    finally:
        _FILES_KEPT.reset(files)
        _KEPT_ENGINES.reset(token)
        for engine in kept.values():
            engine.dispose()


def default_path() -> Path:
    """The platform's user data directory, e.g. `~/.local/share/rvneet/rvneet.db` on Linux."""
    from platformdirs import user_data_path

    return user_data_path("rvneet", appauthor=False) / "rvneet.db"


def resolve_path(option: str | None) -> Path:
    """`--db` wins over `RVNEET_DB`, which wins over the platform default."""
    if option:
        return Path(option).expanduser()
    if env := os.environ.get(DB_ENV):
        return Path(env).expanduser()
    return default_path()


# `--db` / `RVNEET_DB` naming a PostgreSQL database rather than a file: a libpq URL
# (`postgresql://user@host/dbname`, `postgresql:///dbname?host=/socket/dir`) or SQLAlchemy's own.
SERVER_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")
SERVER_HINT = "pip install 'rvneet[server]'"


def is_server(text: str | None) -> bool:
    """Whether `text` (a `--db` value) names a PostgreSQL database rather than a file."""
    return bool(text) and str(text).lower().startswith(SERVER_SCHEMES)


def resolve_location(option: str | None) -> Path | str:
    """As `resolve_path`, but a PostgreSQL URL is returned as it was given (a string)."""
    chosen = option or os.environ.get(DB_ENV)
    if chosen and is_server(chosen):
        return chosen
    return resolve_path(option)


def server_label(url: str) -> str:
    """A PostgreSQL URL as messages show it: as given, but a password in it as `***`."""
    import re

    # scheme://user:password@… (a password given as `password=` in the query is hidden too).
    shown = re.sub(r"^([A-Za-z][\w+.-]*://[^:/@?#]*):[^@/?#]*@", r"\1:***@", url)
    return re.sub(r"([?&]password=)[^&#]*", r"\1***", shown, flags=re.IGNORECASE)


def migrations_dir() -> Path:
    """The Alembic scripts: inside the installed wheel, or at the top of a source checkout."""
    packaged = Path(__file__).parent / "_migrations"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "migrations"


def known_revisions() -> list[str]:
    """Revision ids, oldest first: migration files are named `NNNN_description.py`, id `NNNN`."""
    return list(_revisions_installed())


@functools.cache
def _revisions_installed() -> tuple[str, ...]:
    # Once per process: every command asks, and the files change only with rvneet itself.
    versions = migrations_dir() / "versions"
    return tuple(
        sorted(p.name.split("_", 1)[0] for p in versions.glob("[0-9][0-9][0-9][0-9]_*.py"))
    )


def head_revision() -> str:
    """The newest schema revision this version of rvneet knows."""
    return known_revisions()[-1]


def _stored_revision(path: Path, key: str | None = None) -> str | None:
    """The schema revision recorded in the file; None for an empty file (no tables)."""
    from rvneet.encryption import connect, driver_errors, operational_errors

    con = connect(path, key, read_only=True, timeout=BUSY_TIMEOUT_MS / 1000)
    errors = driver_errors()
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            return None
        if "alembic_version" not in tables:
            raise DatabaseError(_("{path} is not an rvneet database").format(path=path))
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else ""
    except operational_errors() as exc:
        # Locked, or its -wal/-shm cannot be opened: the file may well be an rvneet database.
        raise DatabaseError(
            _("cannot read database {path}: {reason}").format(path=path, reason=exc)
        ) from None
    except errors as exc:
        raise DatabaseError(
            _("{path} is not an rvneet database ({reason})").format(path=path, reason=exc)
        ) from None
    finally:
        con.close()


@dataclass(frozen=True)
class Database:
    """An rvneet database file, who is working on it (for the audit log), and its key if encrypted.

    With a `key`, every connection is an SQLCipher one keyed first (see rvneet.encryption).
    """

    path: Path
    user: str
    key: str | None = field(default=None, repr=False)
    # A PostgreSQL database's URL (`--db postgresql://…`) instead of the file at `path`; then
    # `path` is only its label, and what concerns a file (pragmas, modes, copies) is skipped.
    url: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # A PostgreSQL URL given where a path goes (`Database(url, user)`) is taken as the URL.
        if self.url is None and isinstance(self.path, str) and is_server(self.path):
            object.__setattr__(self, "url", self.path)
            object.__setattr__(self, "path", Path(server_label(self.path)))
            object.__setattr__(self, "key", None)

    @classmethod
    def at(cls, location: Path | str, user: str, key: str | None = None) -> Database:
        """The database at a file path or a PostgreSQL URL (see `resolve_location`)."""
        if isinstance(location, str) and is_server(location):
            return cls(Path(server_label(location)), user, None, url=location)
        return cls(Path(location), user, key)

    @property
    def where(self) -> str:
        """The database as messages name it: the file's path, or the URL without its password."""
        return server_label(self.url) if self.url else str(self.path)

    def check_folder(self) -> None:
        """Refuse a path whose folder does not exist (we never create folders the user named)."""
        folder = self.path.parent
        if not folder.is_dir():
            raise DatabaseError(_("folder {folder} does not exist").format(folder=folder))

    def check_writable(self) -> None:
        """Refuse to write a file we may only read, before SQLite tries (and leaves side files)."""
        if self.url:
            return  # the server decides what this login may write
        if not os.access(self.path, os.W_OK):
            raise DatabaseError(
                _("database {path} is read-only; nothing changed").format(path=self.path)
            )
        folder = self.path.parent
        side_files = [Path(f"{self.path}{suffix}") for suffix in ("-wal", "-shm")]
        if not os.access(folder, os.W_OK) and not all(
            f.exists() and os.access(f, os.W_OK) for f in side_files
        ):
            # A write needs the -wal and -shm files beside the database, or leave to create them.
            raise DatabaseError(
                _(
                    "database {path} cannot be written: its folder is read-only; nothing changed"
                ).format(path=self.path)
            )

    def ensure_ready(self) -> None:
        """Make sure the file exists and its schema is at head, upgrading an older one.

        Prints a one-line notice on stderr when it upgrades.
        """
        if self.url:
            self._server_ready()
            return
        if self.path != default_path():
            # Our default folder is created by `init`: before that, point to `init`, not the folder.
            self.check_folder()
        if not self.path.exists():
            raise DatabaseError(
                _("no database at {path}; create it with: {command}").format(
                    path=self.path, command=INIT_HINT
                )
            )
        stored = _stored_revision(self.path, self.key)
        known = known_revisions()
        if stored == known[-1]:
            return
        if stored is None:
            raise DatabaseError(
                _("{path} is empty; create the database with: {command}").format(
                    path=self.path, command=INIT_HINT
                )
            )
        if stored and stored not in known:
            raise DatabaseError(
                _(
                    "database {path} has schema {schema}, newer than this rvneet knows "
                    "({head}); upgrade rvneet"
                ).format(path=self.path, schema=stored, head=known[-1])
            )
        self._upgrade_existing(stored)

    def _server_ready(self) -> None:
        """`ensure_ready` for a PostgreSQL database: no file to check or copy; the upgrade runs in
        one transaction (PostgreSQL's DDL is transactional), so a failed one changes nothing."""
        stored = self._server_revision()
        known = known_revisions()
        if stored == known[-1]:
            return
        if stored == "":
            raise DatabaseError(_("{path} is not an rvneet database").format(path=self.where))
        if stored is None:
            raise DatabaseError(
                _("{path} is empty; create the database with: {command}").format(
                    path=self.where, command=INIT_HINT
                )
            )
        if stored not in known:
            raise DatabaseError(
                _(
                    "database {path} has schema {schema}, newer than this rvneet knows "
                    "({head}); upgrade rvneet"
                ).format(path=self.where, schema=stored, head=known[-1])
            )
        if not self._may_migrate():
            # Only the login that owns the book's tables may change them: tell everyone else who
            # upgrades it, rather than PostgreSQL's "permission denied" halfway through.
            raise DatabaseError(
                _(
                    "database {path} has schema {schema} and must be upgraded to {head} by the "
                    "owner of its tables (the login that ran rvneet init): they run: rvneet init"
                ).format(path=self.where, schema=stored, head=known[-1])
            )
        self.upgrade()
        print(
            _("rvneet: upgraded database {path} from schema {schema} to {head}").format(
                path=self.where, schema=stored, head=known[-1]
            ),
            file=sys.stderr,
        )

    def _may_migrate(self) -> bool:
        """On a server: whether this login owns the book's tables (or is a superuser)."""
        engine, own = self._session_engine(write=False)
        try:
            with engine.connect() as connection:
                return bool(
                    connection.exec_driver_sql(
                        "SELECT pg_has_role(current_user, c.relowner, 'USAGE')"
                        " OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)"
                        " FROM pg_class c WHERE c.oid = to_regclass('alembic_version')"
                    ).scalar()
                )
        finally:
            if own:
                engine.dispose()

    def _server_revision(self) -> str | None:
        """`_stored_revision` of a PostgreSQL database."""
        from sqlalchemy.exc import SQLAlchemyError

        # The kept reading engine in `rvneet shell`: a new engine per command was a new server
        # connection each time, a third of a command's time under load.
        engine, own = self._session_engine(write=False)
        try:
            with engine.connect() as connection:
                return _connection_revision(connection)
        except SQLAlchemyError as exc:
            raise DatabaseError(
                _("cannot read database {path}: {reason}").format(
                    path=self.where, reason=driver_reason(exc)
                )
            ) from None
        finally:
            if own:
                engine.dispose()

    def _upgrade_existing(self, stored: str) -> None:
        """Upgrade a database that holds data, after saving a copy of it beside it.

        Prints one line on stderr saying so and where the copy is.
        """
        head = head_revision()
        if not os.access(self.path, os.W_OK):
            message = (
                _(
                    "database {path} has schema {schema} and must be upgraded to {head}, but it "
                    "is read-only; upgrade a writable copy with: rvneet --db COPY init"
                )
                if stored
                else _(
                    "database {path} has schema none and must be upgraded to {head}, but it "
                    "is read-only; upgrade a writable copy with: rvneet --db COPY init"
                )
            )
            raise DatabaseError(message.format(path=self.path, schema=stored, head=head))
        backup = self.upgrade(backup=True)
        if backup is None:
            return  # another process upgraded it while we waited for the lock
        notice = (
            _(
                "rvneet: upgraded database {path} from schema {schema} to {head}; "
                "the previous version is saved as {backup}"
            )
            if stored
            else _(
                "rvneet: upgraded database {path} from schema none to {head}; "
                "the previous version is saved as {backup}"
            )
        )
        print(
            notice.format(path=self.path, schema=stored, head=head, backup=backup), file=sys.stderr
        )

    def create(self) -> bool:
        """Create the file (mode 0600) and run every migration. False if it was already at head."""
        if self.url:
            stored = self._server_revision()
            if stored == head_revision():
                return False
            if stored == "":
                # Tables of something else: never migrate into another program's database.
                raise DatabaseError(_("{path} is not an rvneet database").format(path=self.where))
            if stored and stored not in known_revisions():
                raise DatabaseError(
                    _(
                        "database {path} has schema {schema}, newer than this rvneet knows; "
                        "upgrade rvneet"
                    ).format(path=self.where, schema=stored)
                )
            self.upgrade()
            return True
        self.check_folder()
        if not self.path.exists():
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
        elif _stored_revision(self.path, self.key) is None:
            # An empty file the user made is about to hold personal data: owner only.
            os.chmod(self.path, 0o600)
        stored = _stored_revision(self.path, self.key)
        if stored == head_revision():
            return False
        if stored and stored not in known_revisions():
            raise DatabaseError(
                _(
                    "database {path} has schema {schema}, newer than this rvneet knows; "
                    "upgrade rvneet"
                ).format(path=self.path, schema=stored)
            )
        if stored is None:
            self.upgrade()  # a new, empty file: nothing to back up
        else:
            self._upgrade_existing(stored)
        return True

    def upgrade(self, *, backup: bool = False) -> Path | None:
        """Run the Alembic migrations up to head in one transaction.

        With `backup`, the database is first copied beside itself (`<name>.bak-<revision>`, see
        `rvneet.storage.copies.save_upgrade_backup`); returns that copy, or None when the file was
        already at head once we held the write lock. A failed upgrade changes nothing and removes
        its copy.
        """
        from alembic import command
        from alembic.config import Config
        from sqlalchemy.exc import SQLAlchemyError

        from rvneet.storage.copies import save_upgrade_backup

        config = Config()
        config.set_main_option("script_location", str(migrations_dir()))
        # SQLite alters a table by copying and dropping it, which foreign keys would block; they are
        # off during the migration and checked as a whole before it commits.
        engine = self.engine(write=True, foreign_keys=False)
        saved: Path | None = None
        try:
            with engine.begin() as connection:
                # BEGIN IMMEDIATE has run: nobody else writes until we commit, so the revision
                # read now is the one we upgrade from and the copy is of exactly that content.
                stored = _connection_revision(connection)
                if stored == head_revision():
                    return None
                if backup and stored is not None and not self.url:
                    saved = save_upgrade_backup(self.path, stored or "none", self.key)
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if (
                    not self.url
                    and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None
                ):
                    raise DatabaseError(
                        _("migrating {path} broke a foreign key; nothing changed").format(
                            path=self.where
                        )
                    )
        except BaseException as exc:
            if saved is not None:
                saved.unlink(missing_ok=True)  # the file is as it was: the copy is not needed
            if isinstance(exc, SQLAlchemyError):
                # The transaction was rolled back: say so, in one line, instead of "unexpected".
                raise DatabaseError(
                    _(
                        "upgrading {path} to schema {head} failed ({reason}); nothing changed"
                    ).format(path=self.where, head=head_revision(), reason=driver_reason(exc))
                ) from None
            raise
        finally:
            engine.dispose()
        return saved

    def engine(self, *, write: bool, foreign_keys: bool = True) -> Engine:
        """An engine whose every connection has our pragmas.

        A reading engine opens the file read-only (`read_only_uri`). A writing one begins with
        BEGIN IMMEDIATE, which takes the write lock before the first read, so two writers never
        both read the same "next reference"; when another process holds the lock for longer than
        the busy timeout, BEGIN is retried with backoff.
        """
        from sqlalchemy import URL, create_engine, event

        if self.url:
            return server_engine(self.url, write=write)
        options: dict[str, Any] = {}
        if self.key is not None:
            from rvneet.encryption import connect, driver

            path, key = self.path, self.key
            # SQLCipher's module, so SQLAlchemy knows its errors; our creator gives the key first.
            options = {
                "module": driver(),
                "creator": lambda: connect(path, key, read_only=not write),
            }
        # A URL object, not a string: "?" or "#" in the path must not be read as URL syntax.
        if write:
            url = URL.create("sqlite", database=str(self.path))
        else:
            url = URL.create("sqlite", database=read_only_uri(self.path), query={"uri": "true"})
        engine = create_engine(url, **options)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let us issue BEGIN ourselves (pysqlite's own transaction handling is unreliable).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            if write:
                # Changing the journal mode is a write; a reader takes the file as it is.
                cursor.execute("PRAGMA journal_mode=WAL")
                # Freed space is zeroed, so an old name or note leaves the file with its row
                # (SQLite builds differ in the default; docs/security.md, erasure on disk).
                cursor.execute("PRAGMA secure_delete=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            if write:
                _begin_immediate(connection, self.path)
            else:
                connection.exec_driver_sql("BEGIN")

        return engine

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A session in one transaction: committed when the block ends, rolled back on error."""
        from rvneet.storage import withdrawn  # noqa: F401  (its hook hides withdrawn records)
        from rvneet.storage.audit import AuditedSession

        self.ensure_ready()
        if write:
            self.check_writable()
        from sqlalchemy.exc import OperationalError, ProgrammingError

        engine, own = self._session_engine(write)
        login = self.user
        try:
            with AuditedSession(engine, user=self.user) as session, session.begin():
                if self.url:
                    login, real = server_login(session.connection(), self.user)
                    session.info["user"] = login
                    if real != login:
                        session.info["recorded_as"] = f"{login} ({real})"
                yield session
        except ProgrammingError as exc:
            if self.url and getattr(exc.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE:
                # The server's GRANTs or row-level security refused this login: one line, exit 1.
                raise AccessRefused(
                    _(
                        "the server refused this for login {login}: {reason}; nothing changed"
                    ).format(login=login, reason=driver_reason(exc).split(" CONTEXT:")[0])
                ) from None
            raise
        except OperationalError as exc:
            if no_room(exc.orig, self.path.parent):
                # Rolled back: one line and exit 4, not an unexpected error.
                raise DiskFull(
                    _(
                        "cannot write to the database {path}: the disk is full or the file is too "
                        "large; nothing changed"
                    ).format(path=self.path)
                ) from None
            raise
        finally:
            if own:
                engine.dispose()

    def _session_engine(self, write: bool) -> tuple[Engine, bool]:
        """The engine for a session, and whether the session disposes of it (not a kept one)."""
        kept = _KEPT_ENGINES.get()
        if kept is None or not (self.url or _FILES_KEPT.get()):
            return self.engine(write=write), True
        if self.url:
            # One engine for reading and writing: a writing command checks the schema and writes
            # over one connection, not two (each a new server process, and over a network a new
            # TLS handshake and login).
            if (self.url,) not in kept:
                kept[(self.url,)] = self.engine(write=False)
            engine = kept[(self.url,)]
            return (engine.execution_options(**{WRITING: True}) if write else engine), False
        stat = self.path.stat()
        same = (str(self.path.absolute()), self.key, write)
        key = (*same, stat.st_dev, stat.st_ino)
        if key not in kept:
            for old in [k for k in kept if k[:3] == same]:  # the file was replaced
                kept.pop(old).dispose()
            kept[key] = self.engine(write=write)
        return kept[key], False


# Below this much free space, SQLite's "disk I/O error" on a write is taken to mean a full disk.
LOW_SPACE_BYTES = 1 << 20


def no_room(exc: BaseException | None, folder: Path) -> bool:
    """Whether an SQLite error means that there was no room to write the file in `folder`.

    SQLite says SQLITE_FULL when the disk is full, but only SQLITE_IOERR (a write error) when a
    write goes past the process's file size limit (EFBIG) or a quota; then the limit and the free
    space in `folder` decide.
    """
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(code, int):
        return False
    if code & 0xFF == sqlite3.SQLITE_FULL:
        return True
    if code & 0xFF != sqlite3.SQLITE_IOERR:
        return False
    try:
        import resource

        if resource.getrlimit(resource.RLIMIT_FSIZE)[0] != resource.RLIM_INFINITY:
            return True
    except ImportError:  # not on this platform
        pass
    try:
        space = os.statvfs(folder)
    except (OSError, AttributeError):
        return False
    return space.f_bavail * space.f_frsize < LOW_SPACE_BYTES


def _connection_revision(connection: Any) -> str | None:
    """`_stored_revision` on an open SQLAlchemy connection (inside its transaction)."""
    if connection.dialect.name == "postgresql":
        # The catalog, not information_schema: its views cost a millisecond of the server's time
        # on every command, and show only the tables the login has a privilege on.
        any_table, versioned = connection.exec_driver_sql(
            "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'f')),"
            " EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relname = 'alembic_version')"
        ).one()
        if not any_table:
            return None
        if not versioned:
            return ""
        row = connection.exec_driver_sql("SELECT version_num FROM alembic_version").first()
        return str(row[0]) if row else ""
    if connection.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type='table'").first() is None:
        return None
    if (
        connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).first()
        is None
    ):
        return ""
    row = connection.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return str(row[0]) if row else ""


def _begin_immediate(connection: Any, path: Path) -> None:
    """BEGIN IMMEDIATE, retried with backoff while SQLite says the database is busy.

    Only the BEGIN is retried: it either takes the write lock or fails having done nothing, so a
    retry cannot write anything twice. Once the lock is held, nothing else in the transaction
    waits for another writer (in WAL mode a commit does not wait for readers).
    """
    from sqlalchemy.exc import OperationalError

    for attempt in range(WRITE_RETRIES + 1):
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:
            # The extended codes (SQLITE_BUSY_TIMEOUT, ...) keep the primary code in the low byte.
            if getattr(exc.orig, "sqlite_errorcode", 0) & 0xFF != sqlite3.SQLITE_BUSY:
                raise
        if attempt < WRITE_RETRIES:
            # Exponential, with jitter so that waiting writers do not retry in step.
            time.sleep(RETRY_BACKOFF_SECONDS * 2**attempt * (0.5 + random.random()))
    raise DatabaseError(
        _(
            "database {path} is busy: another program kept it locked for writing; "
            "nothing changed, try again"
        ).format(path=path)
    )


# Every writing transaction on PostgreSQL first takes this advisory lock (released at its commit or
# rollback): writers take turns as SQLite's BEGIN IMMEDIATE makes them, so two never read the same
# "next reference" and the audit log stays one chain (each entry names the previous one's hash).
WRITE_LOCK = 0x72766E656574  # "rvneet"


# PostgreSQL's SQLSTATE for "permission denied" and "new row violates row-level security policy".
INSUFFICIENT_PRIVILEGE = "42501"
# The login this connection uses, and whether it may act for another (`--user`): the database's
# owner (a member of its owning role) or a superuser, who can read and change everything anyway.
_LOGIN_QUERY = (
    "SELECT session_user, r.rolsuper OR pg_has_role(session_user, d.datdba, 'MEMBER')"
    " FROM pg_database d, pg_roles r"
    " WHERE d.datname = current_database() AND r.rolname = session_user"
)


def server_login(connection: Any, given: str) -> tuple[str, str]:
    """Who is working on a PostgreSQL book, and the connection's login (`session_user`).
    `--user`/`RVNEET_USER` (`given`) naming someone else is refused, except for the database's
    owner or a superuser, who work under the `given` name (the audit log names both)."""
    row = connection.exec_driver_sql(_LOGIN_QUERY).first()
    login, privileged = (str(row[0]), bool(row[1])) if row else ("", False)
    if not given:
        return login, login
    if given != login and not privileged:
        raise AccessRefused(
            _(
                "--user {user} is not the login {login} this connection uses: on a server the "
                "audit log records the login; leave out --user and RVNEET_USER"
            ).format(user=given, login=login)
        )
    return given, login


def driver_reason(exc: BaseException) -> str:
    """The database driver's own message for `exc`, on one line."""
    return " ".join(str(getattr(exc, "orig", None) or exc).split())


# The execution option that makes a server engine's transactions writing ones (`server_engine`).
WRITING = "rvneet_writing"


def server_engine(url: str, *, write: bool) -> Engine:
    """An engine for the PostgreSQL database at `url` (psycopg 3), or one clear line without it.

    A writing transaction takes `WRITE_LOCK` first; a reading one reads one snapshot (REPEATABLE
    READ). Sessions work in UTC, without JIT compilation.
    """
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise DatabaseError(
            _("a PostgreSQL database needs the psycopg driver: {command}").format(
                command=SERVER_HINT
            )
        ) from None
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(
            _("{url} is not a PostgreSQL address; give postgresql://USER@HOST/DATABASE").format(
                url=server_label(url)
            )
        ) from None
    engine = create_engine(
        parsed.set(drivername="postgresql+psycopg"),
        # No JIT: compiling a report's query took 1.4-2 s of Lisa 4's 2.5 s on the national book
        # (the planner's cost for its per-case subqueries passes jit_above_cost); without it, 0.5 s.
        connect_args={"options": "-c timezone=UTC -c jit=off"},
        pool_pre_ping=False,
        # rvneet has no hstore column: without this, every new engine asks the server for the type.
        use_native_hstore=False,
    )

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # `Database.session` writes through the reading engine given WRITING (one connection
        # for a command's schema check and its writing session).
        if connection.get_execution_options().get(WRITING, write):
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
        else:
            # One snapshot for the whole reading session, as SQLite's read transaction has. Not
            # READ ONLY: a report's temporary tables (reports/neet.py) are writes to PostgreSQL.
            connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")

    return engine
