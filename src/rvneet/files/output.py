"""Where rvneet may write a file, and writing it whole or not at all.

Every command that writes a file (a report's `--output`, an import's `--errors`, `import template
--output`, `export`, `db backup`) first asks `check_output`, which refuses a path that is the
database or one of its files (`-wal`, `-shm`, `-journal`, a backup beside it), the file being
imported, anything that is not a regular file (a folder, a device such as /dev/full, a pipe), and a
symbolic link (unless the command has `--force` and it is given; then the file it points to is
written). Paths are compared after resolving symbolic links, and by device and inode when both exist
(a hard link or another mount of the same file).

The file is then written under a temporary name in the same folder (`.NAME.rvneet-tmp-PID-RANDOM`,
0600), flushed to disk and renamed onto NAME, so that NAME is either the old file or the whole new
one: a killed command or a full disk never leaves half a file under the final name. A temporary
left by a killed run is removed by the next run that writes NAME, once its process is gone.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from rvneet.domain.errors import DiskFull, InvalidInput
from rvneet.i18n import N_, _, translate

# The operating system's reasons a file cannot be opened, as the C library writes them in English
# (exc.strerror), so that they can be said in the user's language.
_OS_REASONS = {
    errno.EACCES: N_("Permission denied"),
    errno.EPERM: N_("Operation not permitted"),
    errno.EISDIR: N_("Is a directory"),
    errno.ENOTDIR: N_("Not a directory"),
    errno.ENOENT: N_("No such file or directory"),
    errno.EROFS: N_("Read-only file system"),
    errno.ENOSPC: N_("No space left on device"),
    errno.ENAMETOOLONG: N_("File name too long"),
}


def os_reason(exc: OSError) -> str:
    """Why the operating system refused a file, in the user's language (the C library's words
    for an errno it has no translation of)."""
    known = _OS_REASONS.get(exc.errno or 0)
    return translate(known) if known else str(exc.strerror or exc)


TEMP_MARK = ".rvneet-tmp-"
# A temporary whose process still runs is never removed; one older than this is, whatever its
# process (a process id can be reused after a reboot).
STALE_SECONDS = 3600
# The errors that mean "no room": a full disk, a quota, a file size limit (RLIMIT_FSIZE).
FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})
# The database's own files beside it, and the copies rvneet makes of it there.
DATABASE_SUFFIXES = ("", "-wal", "-shm", "-journal")
BACKUP_INFIXES = (".bak-", ".before-restore-")


def is_full(exc: BaseException) -> bool:
    """Whether `exc` is the operating system saying there is no room for what was written."""
    return isinstance(exc, OSError) and exc.errno in FULL_ERRNOS


def disk_full(path: Path) -> DiskFull:
    """The one-line error (exit 4) for a file that could not be written for want of room."""
    return DiskFull(
        _(
            "cannot write {path}: the disk is full or the file is too large; nothing was written"
        ).format(path=path)
    )


def no_room_message(exc: BaseException) -> str | None:
    """The one-line error when `exc`, or an error that led to it, says there was no room to write;
    else None. For the unexpected errors no command turned into one of its own."""
    seen: BaseException | None = exc
    while seen is not None:
        if is_full(seen):
            name = getattr(seen, "filename", None)
            if name:
                return _("cannot write {path}: the disk is full or the file is too large").format(
                    path=name
                )
            return _("the disk is full or a file is too large")
        seen = seen.__cause__ or seen.__context__
    return None


def check_output(
    path: Path,
    *,
    database: Path | None = None,
    inputs: Sequence[Path] = (),
    force: bool | None = None,
) -> Path:
    """Refuse (InvalidInput, one line) a path rvneet must not write; return the file to write.

    `force` is None for a command without `--force`: a symbolic link is then always refused.
    With `force`, a symbolic link is followed and the file it points to is returned. Left-over
    temporaries of an earlier, killed run for the same file are removed.
    """
    path = path.expanduser()
    try:
        return _checked(path, database, inputs, force)
    except OSError as exc:  # a name too long, a folder we may not look into, ...
        raise InvalidInput(
            _("cannot write {path}: {reason}").format(path=path, reason=os_reason(exc))
        ) from None


def _checked(path: Path, database: Path | None, inputs: Sequence[Path], force: bool | None) -> Path:
    try:
        real = path.resolve()
    except (OSError, RuntimeError):  # a loop of links: the link itself (refused without --force)
        real = path.absolute()
    target = real if path.is_symlink() else path
    if database is not None:
        _refuse_database_files(path, real, database)
    for source in inputs:
        if _same(real, source):
            raise InvalidInput(
                _("{target} is the file being imported; name another file").format(target=path)
            )
    if path.is_symlink() and not force:
        raise InvalidInput(
            _("{target} is a symbolic link; name the file itself").format(target=path)
            if force is None
            else _(
                "{target} is a symbolic link; name the file itself, or add --force to "
                "write the file it points to"
            ).format(target=path)
        )
    try:
        mode = os.stat(real).st_mode
    except OSError:
        mode = None  # missing (or unreachable: writing it then fails with the reason)
    if mode is not None and stat.S_ISDIR(mode):
        raise InvalidInput(_("{target} is a folder; name the file to write").format(target=path))
    if mode is not None and not stat.S_ISREG(mode):
        raise InvalidInput(
            _("{target} is not a regular file (a device or a pipe); name a file").format(
                target=path
            )
        )
    if not real.parent.is_dir():
        raise InvalidInput(
            _("cannot write {target}: folder {folder} does not exist").format(
                target=path, folder=path.parent
            )
        )
    remove_leftovers(target)
    return target


def _refuse_database_files(path: Path, real: Path, database: Path) -> None:
    """Refuse the database, its -wal/-shm/-journal (even before SQLite makes them) and a backup."""
    db = database.expanduser().resolve()
    for suffix in DATABASE_SUFFIXES:
        own = db.with_name(db.name + suffix)
        if real == own or _same(real, own):
            raise InvalidInput(
                _("{target} is the database itself; name another file").format(target=path)
            )
    backup = any(real.name.startswith(db.name + infix) for infix in BACKUP_INFIXES)
    if backup and real.exists() and _same(real.parent, db.parent):
        raise InvalidInput(
            _("{target} is a backup of the database; name another file").format(target=path)
        )


def _same(a: Path, b: Path) -> bool:
    """Whether both exist and are one file (same device and inode)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _temp_pattern(name: str) -> re.Pattern[str]:
    # Ours: .NAME.rvneet-tmp-PID-TOKEN (and SQLite's -journal/-wal/-shm beside it); older rvneet:
    # export's .NAME.PID.part and db backup's .NAME.XXXXXXXX.tmp (mkstemp).
    # A temporary's own temporary (an XLSX export written through `open_private`) starts "..".
    quoted = re.escape(name)
    mark = re.escape(TEMP_MARK)
    return re.compile(
        rf"\.+{quoted}(?:(?:{mark}(?P<pid>\d+)-[0-9a-f]+)+(?:-journal|-wal|-shm)?"
        rf"|\.(?P<part>\d+)\.part|\.[a-z0-9_]{{8}}\.tmp)"
    )


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, but is another user's
    return True


def remove_leftovers(target: Path) -> list[Path]:
    """Remove temporaries of `target` that earlier, killed runs left beside it; returns them.

    Only names of rvneet's own making are touched, only regular files, and only when the process
    that made them is gone (or the file has not changed for an hour; an old-style name without a
    process id only then).
    """
    pattern = _temp_pattern(target.name)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):
            continue
        pid = match.group("pid") or match.group("part")
        old = now - info.st_mtime > STALE_SECONDS
        if old or (pid is not None and int(pid) != os.getpid() and not _running(int(pid))):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def temporary_name(target: Path) -> Path:
    """A new temporary name beside `target`, of rvneet's own recognisable making."""
    token = secrets.token_hex(4)
    return target.with_name(f".{target.name}{TEMP_MARK}{os.getpid()}-{token}")


@contextlib.contextmanager
def written_whole(target: Path, *, replace: bool = True) -> Iterator[Path]:
    """A temporary file (created empty, 0600) to write; renamed onto `target` when the block ends.

    When the block fails, or there is no room, the temporary is removed and `target` is left as it
    was. Without `replace`, an existing `target` is never replaced (FileExistsError). No room (a
    full disk, a quota, a file size limit) becomes `DiskFull` (exit 4); a temporary that cannot be
    created, InvalidInput.
    """
    temp = temporary_name(target)
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        if is_full(exc):
            raise disk_full(target) from None
        raise InvalidInput(
            _("cannot write {path}: {reason}").format(path=target, reason=os_reason(exc))
        ) from None
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
    finally:
        os.close(fd)
    try:
        yield temp
        _sync(temp)
        _publish(temp, target, replace=replace)
        _sync_folder(target.parent)
    except BaseException as exc:
        _remove_temporary(temp)
        if is_full(exc) or isinstance(exc, DiskFull):  # the latter: a temporary's own temporary
            raise disk_full(target) from None
        raise


@contextlib.contextmanager
def open_output(
    target: Path, *, binary: bool = False, encoding: str = "utf-8", replace: bool = True
) -> Iterator[IO[Any]]:
    """`written_whole`, opened for writing text (or bytes)."""
    with written_whole(target, replace=replace) as temp:
        handle: IO[Any]
        with _opened(temp, binary, encoding) as handle:
            yield handle


def _opened(path: Path, binary: bool, encoding: str) -> IO[Any]:
    if binary:
        return path.open("wb")
    return path.open("w", encoding=encoding, newline="")


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    # The rename itself reaches the disk; not every file system lets a folder be synced.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _publish(temp: Path, target: Path, *, replace: bool) -> None:
    """Move the complete `temp` onto `target`; without `replace`, never over an existing file."""
    if replace:
        os.replace(temp, target)
        return
    try:
        os.link(temp, target)  # fails if target exists, atomically
    except FileExistsError:
        raise
    except OSError:
        # A file system without hard links: check, then rename (a small window, but no loss).
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target)) from None
        os.replace(temp, target)
        return
    os.unlink(temp)


def _remove_temporary(temp: Path) -> None:
    for suffix in DATABASE_SUFFIXES:
        with contextlib.suppress(OSError):
            os.unlink(f"{temp}{suffix}")
