"""Copies of the database file with SQLite's online backup API, and the copy saved before an upgrade.

The backup API reads one consistent snapshot of the database (WAL included) while others keep
working, and writes into a live database through SQLite's own locking. Used by `Database.upgrade`
(the `.bak-<revision>` copy) and by `services.maintenance` (backups, safety copies, restores).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rvneet.domain.errors import DatabaseError
from rvneet.encryption import connect, driver_errors
from rvneet.i18n import N_, _, translate

UPGRADE_COPY_INFIX = ".bak-"
BUSY_TIMEOUT_SECONDS = 10.0


@contextlib.contextmanager
def open_connection(path: Path, *, read_only: bool, key: str | None = None) -> Iterator[Any]:
    """A DB-API connection that is always closed: SQLCipher's keyed with `key`, else `sqlite3`'s."""
    con = connect(path, key, read_only=read_only, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        yield con
    finally:
        con.close()


def copy_database(source: Path, target: Path, *, standalone: bool, key: str | None = None) -> None:
    """Copy the database `source` into `target` with the backup API, in one step (one snapshot).

    A `standalone` copy (a backup, a safety copy) is left in rollback-journal mode: one file, with no
    `-wal` beside it, that can be moved and opened read-only as it is. A restore keeps the target's
    own mode (WAL), which the backup API respects. With a `key`, both are encrypted with it.
    """
    with (
        open_connection(source, read_only=True, key=key) as src,
        open_connection(target, read_only=False, key=key) as dst,
    ):
        src.backup(dst)
        if standalone:
            dst.execute("PRAGMA journal_mode=DELETE")


def create_private(path: Path) -> None:
    """Create `path` empty, readable and writable by its owner only; FileExistsError if it exists."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


# Why a copy beside the database could not be written: its file not created, or the copy failed;
# before a restore or before an upgrade (whole sentences, so each translates as one).
COPY_FAILED = {
    False: (
        N_(
            "cannot save a copy of {database} to {path} before restoring ({reason}); nothing changed"
        ),
        N_("cannot save a copy of {database} before restoring ({reason}); nothing changed"),
    ),
    True: (
        N_(
            "cannot save a copy of {database} to {path} before upgrading it ({reason}); "
            "nothing changed"
        ),
        N_("cannot save a copy of {database} before upgrading it ({reason}); nothing changed"),
    ),
}


def copy_beside(database: Path, first: Path, key: str | None, *, upgrading: bool) -> Path:
    """A consistent copy of `database` at `first` (0600), or at the next free `first-N`: an
    existing copy is never replaced, as it may be the only one of an older state. Raises
    DatabaseError, saying whether it was `upgrading` or restoring, when no copy can be written."""
    not_created, not_copied = COPY_FAILED[upgrading]
    for n in range(1, 100):
        path = first if n == 1 else first.with_name(f"{first.name}-{n}")
        try:
            create_private(path)
        except FileExistsError:
            continue
        except OSError as exc:
            raise DatabaseError(
                translate(not_created).format(database=database, path=path, reason=exc.strerror)
            ) from None
        try:
            copy_database(database, path, standalone=True, key=key)
        except driver_errors(DatabaseError) as exc:
            path.unlink(missing_ok=True)
            raise DatabaseError(
                translate(not_copied).format(database=database, reason=exc)
            ) from None
        return path
    raise DatabaseError(
        _("too many copies named {name}-N; nothing changed").format(name=first.name)
    )


def save_upgrade_backup(database: Path, revision: str, key: str | None = None) -> Path:
    """Copy the database beside itself as `<name>.bak-<revision>` (0600) before an upgrade.

    Called by `Database.upgrade` while it holds the write lock, so the copy is the content that is
    about to be upgraded. An existing copy is never replaced: the next free
    `<name>.bak-<revision>-N` is taken instead. Raises DatabaseError (and the upgrade does not
    happen) when no copy can be written.
    """
    first = database.with_name(f"{database.name}{UPGRADE_COPY_INFIX}{revision}")
    return copy_beside(database, first, key, upgrading=True)
