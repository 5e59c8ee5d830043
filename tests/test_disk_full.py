"""A full disk (issue 14, "Output paths"): every file rvneet writes, and the database, fail with one
line `Error: … the disk is full …` and exit 4, leaving no partial file and nothing changed.

A full disk is made with the file size limit (RLIMIT_FSIZE) of the command's process: a write past
it fails with EFBIG, as a write to a full disk fails with ENOSPC (SIGXFSZ, which would kill the
process, is ignored). Where the machine allows mounting (root), a real small file system is used
too."""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from books import process_env
from conftest import Run, dump

from bench.generate import generate, plan_youths, write_youths_csv

EXIT_DATABASE = 4
# Small enough that every file below outgrows it.
SMALL = 32


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("full") / "rvneet.db"
    generate(path, 100, seed=5)
    return path


@pytest.fixture
def book(template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "book" / "rvneet.db"
    path.parent.mkdir()
    shutil.copyfile(template, path)
    path.chmod(0o600)
    return path


@pytest.fixture(scope="module")
def many_youths(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("youths") / "noored.csv"
    write_youths_csv(path, plan_youths(3000, seed=2))
    return path


def rvneet(db: Path, *args: str, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    """Run rvneet in a process whose files may grow to `limit` bytes at most."""

    def limited() -> None:
        if limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    # No bytecode cut short by the limit.
    env = process_env(RVNEET_DB=str(db), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, "-m", "rvneet", *args],
        env=env,
        preexec_fn=limited,
        capture_output=True,
        text=True,
        timeout=300,
    )


@contextlib.contextmanager
def shared_memory_kept(db: Path) -> Iterator[None]:
    """Keep the database open here, so that its -shm (32 KiB) exists and the limited process does
    not have to write it: the limit then hits only the file the command writes."""
    con = sqlite3.connect(db)
    try:
        con.execute("SELECT count(*) FROM youths").fetchall()
        yield
    finally:
        con.close()


def one_full_disk_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == EXIT_DATABASE, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "disk is full" in lines[0] and "unexpected" not in lines[0], lines[0]
    return lines[0]


def _bad_youths(folder: Path) -> Path:
    source = folder / "bad.csv"
    rows = "".join(f"Noor {n},,2010-13-45,X\n" for n in range(200))
    source.write_text("name,id_code,birth_date,sex\n" + rows, encoding="utf-8")
    return source


WRITERS: dict[str, Callable[[Path, Path], list[str]]] = {
    "report-csv": lambda t, d: ["report", "workload", "-f", "csv", "--output", str(t)],
    "report-html": lambda t, d: ["report", "lisa4", "--period", "2025", "-f", "html", "-o", str(t)],
    "report-xlsx": lambda t, d: ["report", "lisa4", "--period", "2025", "-f", "xlsx", "-o", str(t)],
    "import-errors": lambda t, d: ["import", "youths", str(_bad_youths(d)), "--errors", str(t)],
    "import-template": lambda t, d: [
        "import",
        "template",
        "youths",
        "-o",
        str(t),
        "--format",
        "csv",
    ],
    "export-json": lambda t, d: ["export", str(t), "--format", "json"],
    "export-xlsx": lambda t, d: ["export", str(t), "--format", "xlsx"],
    "backup": lambda t, d: ["db", "backup", str(t)],
}


@pytest.mark.parametrize("writer", WRITERS)
def test_a_full_disk_is_one_line_and_leaves_no_file(
    book: Path, tmp_path: Path, writer: str
) -> None:
    # Issue 14: exit 70 "unexpected OSError" and a 0-byte file. Breaks without
    # files.output.written_whole (DiskFull, the temporary removed) or, for XLSX, write._discard.
    out = tmp_path / "out"
    out.mkdir()
    target = out / "file.out"
    args = WRITERS[writer](target, tmp_path)
    with shared_memory_kept(book):
        line = one_full_disk_line(rvneet(book, *args, limit=SMALL))
    assert str(target) in line
    assert list(out.iterdir()) == [], "a partial file or a temporary was left"


@pytest.mark.parametrize("writer", ["export-json", "backup"])
def test_a_full_disk_leaves_the_file_being_replaced_as_it_was(
    book: Path, tmp_path: Path, writer: str
) -> None:
    target = tmp_path / "old.out"
    target.write_bytes(b"the old file")
    with shared_memory_kept(book):
        one_full_disk_line(rvneet(book, *WRITERS[writer](target, tmp_path), "--force", limit=SMALL))
    assert target.read_bytes() == b"the old file"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_full_disk_under_the_database_changes_nothing(book: Path, many_youths: Path) -> None:
    # Issue 14: "unexpected OperationalError". The import's journal outgrows the limit; SQLite
    # says only "disk I/O error" for that. Breaks without Database.session's no_room mapping.
    before = dump(book)
    line = one_full_disk_line(
        # Half the book: the import's journal must outgrow it whatever size the schema makes the
        # book (the whole size was borderline once the staff tables came).
        rvneet(book, "import", "youths", str(many_youths), limit=book.stat().st_size // 2)
    )
    assert "database" in line
    assert dump(book) == before


# A real full disk: a small tmpfs, where the machine lets us mount one.


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small file system needs root")
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1536k,mode=0700", "tmpfs", str(mount)],
        capture_output=True,
    )
    if made.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_really_full_disk(book: Path, small_disk: Path, many_youths: Path) -> None:
    # A database that cannot grow: SQLite's "database or disk is full"; nothing changed.
    db = small_disk / "rvneet.db"
    result = rvneet(db, "init", "--municipality", "Viljandi linn")
    assert result.returncode == 0, result.stderr
    # Fill the disk but for room to read the database (its -shm) and start writing.
    space = os.statvfs(small_disk)
    (small_disk / "filler").write_bytes(b"\0" * (space.f_bavail * space.f_frsize - 96 * 1024))
    before = dump(db)
    line = one_full_disk_line(rvneet(db, "import", "youths", str(many_youths)))
    assert "database" in line
    assert dump(db) == before
    # An export that does not fit: ENOSPC, no file left.
    line = one_full_disk_line(rvneet(book, "export", str(small_disk / "book.json")))
    assert "book.json" in line
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "rvneet.db"]


def test_no_room_anywhere_else_is_one_line_too(
    run: Run, initialised: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A write no command turned into its own error (here: rendering a report, as if its working
    # files filled the disk) is still one line and exit 4, not "unexpected". Breaks without
    # cli._no_room.
    from rvneet.reports import render

    def full(*_args: object, **_kwargs: object) -> str:
        raise OSError(errno.ENOSPC, "No space left on device", "/tmp/scratch")

    monkeypatch.setattr(render, "render_html", full)
    result = run("report", "lisa4", "--period", "2025", "--format", "html")
    assert result.exit_code == EXIT_DATABASE, result.stderr
    assert result.stderr == (
        "Error: cannot write /tmp/scratch: the disk is full or the file is too large\n"
    )
