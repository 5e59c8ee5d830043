"""Where rvneet writes a file (issue 14, "Output paths"): never over the database, its files, a
backup of it or the file being imported, never into a device, a pipe or through a symbolic link
(unless --force), and whole or not at all: a killed export or backup leaves nothing under the
final name, and the next run removes what it left."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from books import process_env
from conftest import Ok, Run, refused
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.generate import generate

BAD_YOUTHS = "name,id_code,birth_date,sex\nKarl Tamm,,2010-13-45,X\n"


def _bad_input(folder: Path) -> Path:
    source = folder / "in.csv"
    if not source.exists():
        source.write_text(BAD_YOUTHS, encoding="utf-8")
    return source


# Every command that writes a file: its arguments for a target, and its exit code for a refused
# target (a bad option value is 2; `export FILE` and `db backup FILE` refuse with 1, as before).
WRITERS: dict[str, tuple[Callable[[Path, Path], list[str]], int]] = {
    "report-csv": (
        lambda t, d: ["report", "lisa4", "--period", "2025", "-f", "csv", "--output", str(t)],
        2,
    ),
    "report-xlsx": (
        lambda t, d: ["report", "lisa4", "--period", "2025", "-f", "xlsx", "--output", str(t)],
        2,
    ),
    "import-errors": (
        lambda t, d: ["import", "youths", str(_bad_input(d)), "--errors", str(t)],
        2,
    ),
    "import-template": (lambda t, d: ["import", "template", "youths", "--output", str(t)], 2),
    "export": (lambda t, d: ["export", str(t), "--format", "json", "--force"], 1),
    "backup": (lambda t, d: ["db", "backup", str(t), "--force"], 1),
}


def _args(writer: str, target: Path, folder: Path) -> tuple[list[str], int]:
    make, code = WRITERS[writer]
    return make(target, folder), code


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


# The database and its files, by name (even before SQLite makes them), by inode, through a link.
DATABASE_FILES: dict[str, Callable[[Path, Path], Path]] = {
    "database": lambda db, other: db,
    "wal": lambda db, other: db.with_name(db.name + "-wal"),
    "shm": lambda db, other: db.with_name(db.name + "-shm"),
    "journal": lambda db, other: db.with_name(db.name + "-journal"),
    "upgrade-backup": lambda db, other: Path(shutil.copyfile(db, f"{db}.bak-0005")),
    "restore-copy": lambda db, other: Path(
        shutil.copyfile(db, f"{db}.before-restore-20260101T000000Z")
    ),
    "hard-link": lambda db, other: _linked(db, other / "same.db", hard=True),
    "symbolic-link": lambda db, other: _linked(db, other / "link.db", hard=False),
}


def _linked(db: Path, link: Path, *, hard: bool) -> Path:
    if hard:
        os.link(db, link)
    else:
        link.symlink_to(db)
    return link


def _folder(path: Path) -> dict[str, bytes]:
    """The files of a folder (without SQLite's -wal and -shm, which a reader may make) and their
    bytes; for a folder that must not change."""
    return {
        p.name: p.read_bytes()
        for p in sorted(path.iterdir())
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


@pytest.mark.parametrize("which", DATABASE_FILES)
@pytest.mark.parametrize("writer", WRITERS)
def test_no_command_writes_over_the_database_or_its_files(
    run: Run, initialised: Path, elsewhere: Path, writer: str, which: str
) -> None:
    # Issue 14: `report --output rvneet.db` replaced the book; `--errors` and `import template
    # --output` too. Breaks without files.output.check_output's database checks.
    target = DATABASE_FILES[which](initialised, elsewhere)
    existed = os.path.lexists(target)
    before = _folder(initialised.parent)
    args, code = _args(writer, target, elsewhere)
    message = refused(run, initialised, *args, code=code)
    assert "database" in message, message
    assert _folder(initialised.parent) == before
    if not existed:
        assert not os.path.lexists(target)


@pytest.mark.parametrize("how", ["same", "hard-link", "symbolic-link"])
def test_errors_never_overwrite_the_file_being_imported(
    run: Run, initialised: Path, elsewhere: Path, how: str
) -> None:
    # Issue 14: `--errors in.csv` overwrote the input. Breaks without check_output's `inputs`.
    source = _bad_input(elsewhere)
    target = (
        source if how == "same" else _linked(source, elsewhere / "e.csv", hard=how == "hard-link")
    )
    message = refused(
        run, initialised, "import", "youths", str(source), "--errors", str(target), code=2
    )
    assert "file being imported" in message, message
    assert source.read_text(encoding="utf-8") == BAD_YOUTHS


@pytest.fixture
def fifo(elsewhere: Path) -> Iterator[Path]:
    path = elsewhere / "pipe"
    os.mkfifo(path)
    # A reader, so that a writer that (wrongly) opened the pipe would not wait for one forever.
    reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    yield path
    os.close(reader)


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("kind", ["device", "pipe", "folder"])
def test_a_device_a_pipe_or_a_folder_is_refused_and_stays_what_it_was(
    run: Run,
    initialised: Path,
    elsewhere: Path,
    request: pytest.FixtureRequest,
    writer: str,
    kind: str,
) -> None:
    # Issue 14: `db backup /dev/full --force` as root replaced the device node. Breaks without
    # check_output's regular-file check.
    if kind == "device":
        if os.geteuid() != 0:
            pytest.skip("making a device node needs root")
        target = elsewhere / "null"
        os.mknod(target, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # like /dev/null
        is_kind = stat.S_ISCHR
    elif kind == "pipe":
        target = request.getfixturevalue("fifo")
        is_kind = stat.S_ISFIFO
    else:
        target = elsewhere / "folder"
        target.mkdir()
        is_kind = stat.S_ISDIR
    args, code = _args(writer, target, elsewhere)
    refused(run, initialised, *args, code=code)
    assert is_kind(os.lstat(target).st_mode)
    assert sorted(p.name for p in elsewhere.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize("writer", WRITERS)
def test_a_symbolic_link_is_refused_and_the_file_it_points_to_is_untouched(
    run: Run, initialised: Path, elsewhere: Path, writer: str
) -> None:
    # Issue 14: `--output` through a link silently made the linked file 0600 (and replaced it).
    mine = elsewhere / "mine.txt"
    mine.write_text("mine")
    mine.chmod(0o644)
    link = _linked(mine, elsewhere / "out.file", hard=False)
    args, code = _args(writer, link, elsewhere)
    args = [a for a in args if a != "--force"]
    message = refused(run, initialised, *args, code=code)
    assert "symbolic link" in message
    assert mine.read_text() == "mine"
    assert stat.S_IMODE(mine.stat().st_mode) == 0o644
    assert link.is_symlink()


@pytest.mark.parametrize("writer", ["export", "backup"])
def test_force_writes_the_file_a_link_points_to(
    ok: Ok, initialised: Path, elsewhere: Path, writer: str
) -> None:
    mine = elsewhere / "mine.out"
    mine.write_text("mine")
    link = _linked(mine, elsewhere / "link.out", hard=False)
    args, _code = _args(writer, link, elsewhere)
    ok(*args)
    assert link.is_symlink() and link.resolve() == mine
    assert mine.read_bytes() != b"mine"
    assert stat.S_IMODE(mine.stat().st_mode) == 0o600


def test_a_new_backup_beside_the_database_may_be_named_like_a_backup(
    ok: Ok, initialised: Path
) -> None:
    # Only an existing backup is protected: a new file of that name is a backup being made.
    target = initialised.with_name(initialised.name + ".bak-mine")
    ok("db", "backup", str(target))
    assert target.stat().st_size == initialised.stat().st_size


# A killed export or backup


@pytest.fixture(scope="module")
def big_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A book large enough that writing its export or backup takes a moment."""
    path = tmp_path_factory.mktemp("big") / "rvneet.db"
    generate(path, 600, seed=3)
    return path


KILLED = {
    "export-json": ["export", "{target}", "--format", "json"],
    "export-xlsx": ["export", "{target}", "--format", "xlsx"],
    "backup": ["db", "backup", "{target}"],
}


@pytest.mark.parametrize("command", KILLED)
def test_a_killed_export_or_backup_leaves_no_file_and_the_next_run_cleans_up(
    big_book: Path, disk_path: Path, run: Run, command: str
) -> None:
    # Issue 14: a killed `export` left its .part file for ever, and a killed `db backup` a
    # partial copy under the final name. Breaks without files.output.written_whole (the rename)
    # or remove_leftovers (the clean-up).
    db = disk_path / "book.db"
    shutil.copyfile(big_book, db)
    db.chmod(0o600)
    out = disk_path / "out"
    out.mkdir()
    target = out / "copy.out"
    args = [a.format(target=target) for a in KILLED[command]]
    for attempt in range(10):
        process = subprocess.Popen(
            [sys.executable, "-m", "rvneet", *args],
            env=process_env(RVNEET_DB=str(db)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while not any(out.iterdir()) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.001)
        # Into the writing: sooner at each try, as a fast machine finishes a backup in 20 ms.
        time.sleep(0.02 / 2**attempt if attempt < 5 else 0)
        process.send_signal(signal.SIGKILL)
        process.wait()
        # Killed after its rename, the command had finished the file: that is no test either.
        if process.returncode == -signal.SIGKILL and not _whole(target, command):
            break
        for leftover in out.iterdir():  # it finished first: try again
            leftover.unlink()
    else:
        pytest.fail("the command always finished before it could be killed")
    assert not target.exists(), "a killed command left a file under the final name"
    assert list(out.iterdir()), "the command was killed before it wrote anything"
    result = run("--db", str(db), *args)
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in out.iterdir()] == [target.name]


def _whole(target: Path, command: str) -> bool:
    """Whether `target` is a whole export or backup (what a command that finished leaves)."""
    if not target.exists():
        return False
    try:
        if command == "export-json":
            json.loads(target.read_text(encoding="utf-8"))
        elif command == "export-xlsx":
            with zipfile.ZipFile(target) as archive:
                return archive.testzip() is None
        else:
            con = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
            try:
                return bool(con.execute("PRAGMA integrity_check").fetchall() == [("ok",)])
            finally:
                con.close()
    except (ValueError, zipfile.BadZipFile, sqlite3.DatabaseError):
        return False
    return True


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


NAMES = st.text(alphabet="abcx.-_ ", min_size=1, max_size=16).filter(
    lambda n: n not in (".", "..") and "/" not in n
)


@settings(max_examples=40, deadline=None)
@given(target_name=NAMES, others=st.lists(NAMES, max_size=8, unique=True))
def test_only_rvneet_s_own_left_over_temporaries_are_removed(
    tmp_path_factory: pytest.TempPathFactory, target_name: str, others: list[str]
) -> None:
    # Breaks when remove_leftovers' pattern takes a name it did not make, or ignores whose
    # process is alive.
    from rvneet.files.output import TEMP_MARK, remove_leftovers

    folder = tmp_path_factory.mktemp("leftovers")
    target = folder / target_name
    dead = folder / f".{target_name}{TEMP_MARK}{_dead_pid()}-0a1b2c3d"
    journal = Path(f"{dead}-journal")
    alive = folder / f".{target_name}{TEMP_MARK}{os.getppid()}-0a1b2c3d"
    kept = [folder / name for name in others if name != target_name] + [alive]
    for path in [dead, journal, *kept]:
        path.write_text("x")
    removed = remove_leftovers(target)
    assert sorted(removed) == sorted([dead, journal])
    assert all(path.exists() for path in kept)
