"""Encryption at rest: opening the database file with SQLCipher when a key is given.

With the optional extra (`pip install 'rvneet[encrypted]'`, the `sqlcipher3-binary` package) and a key
(`RVNEET_KEY`, or typed at a prompt), every connection to the database — the SQLAlchemy engine's, the
schema check's and the backup's — is a SQLCipher connection whose first statement is `PRAGMA key`.
Without a key, the standard `sqlite3` module opens the file as before.

Fail closed: an encrypted file without a key, a wrong key, or a key without the extra installed is
refused with one line (a DatabaseError, exit 4), never opened as something else. SQLCipher logs
decryption failures to stderr itself; its log is switched off before the key is given.

Every connection to the file is made here, so how a file is opened for reading only
(`read_only_uri`) is here too; `rvneet.db` uses it for its reading engines.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from types import ModuleType
from typing import Any

from rvneet.domain.errors import DatabaseError
from rvneet.i18n import _

KEY_ENV = "RVNEET_KEY"
EXTRA_HINT = "pip install 'rvneet[encrypted]'"
# Every plain SQLite file begins with these 16 bytes; an SQLCipher file begins with a random salt.
SQLITE_HEADER = b"SQLite format 3\x00"
# SQLCipher writes whole pages: an encrypted file's size is a multiple of the smallest page size.
_MIN_PAGE = 512
BUSY_TIMEOUT_SECONDS = 5.0


def key_from_env() -> str | None:
    """The key in `RVNEET_KEY`; None when it is unset or empty."""
    return os.environ.get(KEY_ENV) or None


def driver() -> ModuleType:
    """The SQLCipher DB-API module; a DatabaseError saying how to install it when it is missing."""
    try:
        from sqlcipher3 import dbapi2
    except ImportError:
        raise DatabaseError(
            _(
                "{env} is set, but encryption is not installed; install it with: {command} "
                "(or unset {env})"
            ).format(env=KEY_ENV, command=EXTRA_HINT)
        ) from None
    return dbapi2


def available() -> bool:
    """Whether the encryption extra can be imported here."""
    try:
        driver()
    except DatabaseError:
        return False
    return True


def _readable(con: sqlite3.Connection) -> bool:
    """Whether SQLite reads the file of `con` as a plain database: False only when it says the file
    is not one (SQLITE_NOTADB), as an encrypted file is; any other error is left to the caller's
    own first statement, as before this check.

    Asked through SQLite rather than by reading the file's header here: closing a descriptor of
    the file drops every POSIX lock this process holds on it, among them the shared lock by which
    an idle connection in WAL mode (`rvneet shell` keeps them) tells a writer closing its last one
    that the -wal and -shm are still in use."""
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        return getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_NOTADB
    return True


def looks_encrypted(path: Path) -> bool:
    """Whether `path` holds pages that are not plain SQLite: an SQLCipher database.

    An empty or missing file is not encrypted (SQLCipher encrypts it when it is first written).
    """
    try:
        size = path.stat().st_size
        if size == 0 or size % _MIN_PAGE:
            return False
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER
    except OSError:
        return False


def read_only_uri(path: Path) -> str:
    """The SQLite URI that opens `path` for reading only, never taking a write lock.

    Normally `mode=ro`: a reader that shares the `-wal` and `-shm` files of writers and sees what
    they committed. SQLite (3.22 and later) then reads a WAL database it cannot write, but it
    creates the `-shm` and `-wal` files when they are missing: in a folder we cannot write that
    fails, and beside a file we cannot write they would be left with the file's read-only mode,
    where they stop its owner's next write. So when we could not write the file in any case (the
    file or its folder is read-only to us) and no `-wal`, `-shm` or `-journal` shows that a writer
    has it open, the file is opened `immutable=1`: read as it is, with no lock and no side file.
    A URI, so that "?" or "#" in a folder name is part of the path, not a parameter.
    """
    uri = path.absolute().as_uri()
    read_only = not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK)
    in_use = any(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-shm", "-journal"))
    return uri + ("?immutable=1" if read_only and not in_use else "?mode=ro")


def _is_plain_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def _quoted(key: str) -> str:
    """The key as an SQL string literal (PRAGMA takes no bound parameters)."""
    return "'" + key.replace("'", "''") + "'"


def connect(
    path: Path, key: str | None, *, read_only: bool = False, timeout: float = BUSY_TIMEOUT_SECONDS
) -> Any:
    """A DB-API connection to `path`: plain `sqlite3` without a key, SQLCipher with one.

    `read_only` opens with `mode=ro` (no file is created, no write lock is taken). Refuses, with a
    DatabaseError, an encrypted file without a key and a key that does not open the file.
    """
    target: str = str(path)
    uri = False
    if read_only:
        target, uri = read_only_uri(path), True
    if key is None:
        try:
            con = sqlite3.connect(target, uri=uri, timeout=timeout)
        except sqlite3.Error as exc:
            raise DatabaseError(
                _("cannot open database {path}: {reason}").format(path=path, reason=exc)
            ) from None
        # A file SQLite does not read as a database holds no lock of this process: only then is
        # its header read here (see `_readable`).
        if _readable(con) or not looks_encrypted(path):
            return con
        con.close()
        message = (
            _(
                "{path} is encrypted (or is no database at all); set {env} to its key, or "
                "run rvneet on a terminal to type it"
            )
            if available()
            else _(
                "{path} is encrypted (or is no database at all); set {env} to its key, or "
                "run rvneet on a terminal to type it (encryption needs: {command})"
            )
        )
        raise DatabaseError(message.format(path=path, env=KEY_ENV, command=EXTRA_HINT))
    dbapi = driver()
    try:
        con = dbapi.connect(target, uri=uri, timeout=timeout)
    except dbapi.Error as exc:
        raise DatabaseError(
            _("cannot open database {path}: {reason}").format(path=path, reason=exc)
        ) from None
    try:
        # Before the key: SQLCipher would otherwise print "ERROR CORE ..." lines for a wrong key.
        con.execute("PRAGMA cipher_log_level = NONE")
        con.execute(f"PRAGMA key = {_quoted(key)}")
        # The key is only tried when a page is read: read one now, so a wrong key fails here.
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except dbapi.DatabaseError:
        con.close()
        if _is_plain_sqlite(path):
            raise DatabaseError(
                _("{path} is not encrypted, but {env} is set; unset {env} to open it").format(
                    path=path, env=KEY_ENV
                )
            ) from None
        raise DatabaseError(
            _(
                "cannot open {path}: the key is wrong (from {env} or the prompt), "
                "or the file is not an rvneet database"
            ).format(path=path, env=KEY_ENV)
        ) from None
    return con


def operational_errors() -> tuple[type[Exception], ...]:
    """The OperationalError classes (locked, cannot open) of `sqlite3` and, when installed, of
    SQLCipher."""
    try:
        from sqlcipher3 import dbapi2
    except ImportError:
        return (sqlite3.OperationalError,)
    return (sqlite3.OperationalError, dbapi2.OperationalError)


def driver_errors(*also: type[Exception]) -> tuple[type[Exception], ...]:
    """The base error classes of `sqlite3` and, when installed, of SQLCipher, then `also`."""
    try:
        from sqlcipher3 import dbapi2
    except ImportError:
        return (sqlite3.Error, *also)
    return (sqlite3.Error, dbapi2.Error, *also)
