"""The SQLite file: where it is, its pragmas, its schema version and its sessions.

The schema version check reads `alembic_version` with the standard `sqlite3` module (SQLCipher's
when the database is encrypted, see rvneet.encryption) and lists the
revisions from the migration file names, so that Alembic is imported only when an upgrade is due.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rvneet.domain.errors import DatabaseError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

DB_ENV = "RVNEET_DB"
INIT_HINT = "rvneet init --municipality NAME"


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


def migrations_dir() -> Path:
    """The Alembic scripts: inside the installed wheel, or at the top of a source checkout."""
    packaged = Path(__file__).parent / "_migrations"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "migrations"


def known_revisions() -> list[str]:
    """Revision ids, oldest first: migration files are named `NNNN_description.py`, id `NNNN`."""
    versions = migrations_dir() / "versions"
    return sorted(p.name.split("_", 1)[0] for p in versions.glob("[0-9][0-9][0-9][0-9]_*.py"))


def head_revision() -> str:
    """The newest schema revision this version of rvneet knows."""
    return known_revisions()[-1]


def _stored_revision(path: Path, key: str | None = None) -> str | None:
    """The schema revision recorded in the file; None for an empty file (no tables)."""
    from rvneet.encryption import connect, driver_errors

    con = connect(path, key, read_only=True)
    errors = driver_errors()
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            return None
        if "alembic_version" not in tables:
            raise DatabaseError(f"{path} is not an rvneet database")
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else ""
    except errors as exc:
        raise DatabaseError(f"{path} is not an rvneet database ({exc})") from None
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

    def check_folder(self) -> None:
        """Refuse a path whose folder does not exist (we never create folders the user named)."""
        folder = self.path.parent
        if not folder.is_dir():
            raise DatabaseError(f"folder {folder} does not exist")

    def ensure_ready(self) -> None:
        """Make sure the file exists and its schema is at head, upgrading an older one.

        Prints a one-line notice on stderr when it upgrades.
        """
        if self.path != default_path():
            # Our default folder is created by `init`: before that, point to `init`, not the folder.
            self.check_folder()
        if not self.path.exists():
            raise DatabaseError(f"no database at {self.path}; create it with: {INIT_HINT}")
        stored = _stored_revision(self.path, self.key)
        known = known_revisions()
        if stored == known[-1]:
            return
        if stored is None:
            raise DatabaseError(f"{self.path} is empty; create the database with: {INIT_HINT}")
        if stored and stored not in known:
            raise DatabaseError(
                f"database {self.path} has schema {stored}, newer than this rvneet knows "
                f"({known[-1]}); upgrade rvneet"
            )
        self.upgrade()
        print(
            f"rvneet: upgraded database {self.path} from schema {stored or 'none'} to {known[-1]}",
            file=sys.stderr,
        )

    def create(self) -> bool:
        """Create the file (mode 0600) and run every migration. False if it was already at head."""
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
                f"database {self.path} has schema {stored}, newer than this rvneet knows; "
                "upgrade rvneet"
            )
        self.upgrade()
        return True

    def upgrade(self) -> None:
        """Run the Alembic migrations up to head in one transaction."""
        from alembic import command
        from alembic.config import Config
        from sqlalchemy.exc import SQLAlchemyError

        config = Config()
        config.set_main_option("script_location", str(migrations_dir()))
        # SQLite alters a table by copying and dropping it, which foreign keys would block; they are
        # off during the migration and checked as a whole before it commits.
        engine = self.engine(write=True, foreign_keys=False)
        try:
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise DatabaseError(
                        f"migrating {self.path} broke a foreign key; nothing changed"
                    )
        except SQLAlchemyError as exc:
            # The transaction was rolled back: say so, in one line, instead of "unexpected".
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
            raise DatabaseError(
                f"upgrading {self.path} to schema {head_revision()} failed ({reason}); "
                "nothing changed"
            ) from None
        finally:
            engine.dispose()

    def engine(self, *, write: bool, foreign_keys: bool = True) -> Engine:
        """An engine whose every connection has our pragmas; writes begin with BEGIN IMMEDIATE."""
        from sqlalchemy import URL, create_engine, event

        options: dict[str, Any] = {}
        if self.key is not None:
            from rvneet.encryption import connect, driver

            path, key = self.path, self.key
            # SQLCipher's module, so SQLAlchemy knows its errors; our creator gives the key first.
            options = {"module": driver(), "creator": lambda: connect(path, key)}
        # A URL object, not a string: "?" or "#" in the path must not be read as URL syntax.
        engine = create_engine(URL.create("sqlite", database=str(self.path)), **options)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let us issue BEGIN ourselves (pysqlite's own transaction handling is unreliable).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        begin = "BEGIN IMMEDIATE" if write else "BEGIN"

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql(begin)

        return engine

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A session in one transaction: committed when the block ends, rolled back on error."""
        from rvneet.services.audit import AuditedSession

        self.ensure_ready()
        engine = self.engine(write=write)
        try:
            with AuditedSession(engine, user=self.user) as session, session.begin():
                yield session
        finally:
            engine.dispose()
