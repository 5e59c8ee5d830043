"""Reading commands never take a write lock and work on a database file the user may not write.

Reading sessions open the file read-only (`rvneet.encryption.read_only_uri`): `mode=ro`, or `immutable=1`
when the file or its folder is read-only to us and no writer has it open. The commands run in a
subprocess that may not write the files: an ordinary user may not write a 0400 file, but root may,
so as root the subprocess first drops the capabilities that let it ignore file modes.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CODE_F_2010, CODE_M_2010, MUNICIPALITY, Ok, Run, build_template, query
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from rvneet.db import Database, head_revision

ROOT = Path(__file__).resolve().parents[1]
EXIT_DATABASE = 4

# The commands that only read (reports, lists, checks, export); `youth show` and `case show` are not
# among them: reading a youth's record is audited, which writes.
READ_COMMANDS: list[list[str]] = [
    ["report", "lisa4", "--period", "2025H1", "--format", "json"],
    ["report", "neet", "--period", "2025", "--format", "json"],
    ["report", "workload", "--as-of", "2025-06-30", "--format", "json"],
    ["report", "followups", "--period", "2025", "--format", "json"],
    ["case", "list", "--format", "json"],
    ["youth", "list", "--format", "json"],
    ["followup", "due", "--as-of", "2026-02-28", "--format", "json"],
    ["outreach", "list", "--format", "json"],
    ["network", "list", "--format", "json"],
    # `find` by a name (not by a personal code, which is an audited read)
    ["find", "a", "--format", "json"],
    ["check", "--format", "json"],
    ["db", "check", "--full", "--format", "json"],
]

# PR_CAPBSET_DROP and the capabilities that let root read and write any file (linux/capability.h).
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE = 1
CAP_DAC_READ_SEARCH = 2

# Runs commands in one process (a process start costs most of a second): reads a JSON list of
# [database, args] and prints a JSON list of [exit code, stdout, stderr].
DRIVER = """
import json, sys
from typer.testing import CliRunner
from rvneet.cli import app
runner = CliRunner()
out = []
for db, args in json.load(open(sys.argv[1])):
    r = runner.invoke(app, ["--db", db, *args], prog_name="rvneet")
    out.append([r.exit_code, r.stdout, r.stderr])
print(json.dumps(out))
"""


def _drop_file_override() -> None:
    """In the child before exec: as root, give up overriding file modes (for good)."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }


@pytest.fixture(scope="module")
def unprivileged(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Skip unless a subprocess can be made to respect file modes (root without CAP_SETPCAP can't)."""
    probe = tmp_path_factory.mktemp("probe") / "read-only"
    probe.write_text("")
    probe.chmod(0o444)
    try:
        done = subprocess.run(
            [sys.executable, "-c", f"open({str(probe)!r}, 'a')"],
            preexec_fn=_drop_file_override,
            capture_output=True,
        )
    except subprocess.SubprocessError as exc:
        pytest.skip(f"cannot run a process that respects file modes here: {exc}")
    if done.returncode == 0:
        pytest.skip("this user writes read-only files; nothing to test")


def run_unprivileged(commands: list[tuple[Path, list[str]]], spec: Path) -> list[list[Any]]:
    """Run rvneet `commands` ([database, args]) in one subprocess that respects file modes."""
    spec.write_text(json.dumps([[str(db), args] for db, args in commands]))
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(spec)],
        env=_env(),
        preexec_fn=_drop_file_override,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    results: list[list[Any]] = json.loads(done.stdout)
    return results


def _build(ok: Callable[..., str]) -> None:
    ok("init", "--municipality", MUNICIPALITY)
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    ok("youth", "add", "--name", "Jaan Tamm", "--id-code", CODE_M_2010)
    ok("youth", "add", "--name", "Kati Kask", "--birth-date", "2001-07-14", "--sex", "F")
    ok("network", "add", "--name", "Kadri Põld", "--role", "police", "--org", "Prefektuur")
    ok("staff", "add", "--name", "Anne")
    ok("case", "open", "--youth", "Y-0001", "--model", "rv", "--start", "2025-01-10",
       "--risk", "high", "--manager", "Anne")  # fmt: skip
    ok("case", "assess", "RV-2025-001", "--date", "2025-03-01", "--risk", "medium")
    ok("case", "open", "--youth", "Y-0002", "--model", "rv", "--start", "2024-09-02",
       "--risk", "medium", "--manager", "Anne")  # fmt: skip
    ok("case", "close", "RV-2024-001", "--end", "2025-02-28", "--reason", "goals-met")
    ok("case", "open", "--youth", "Y-0003", "--model", "neet", "--group", "neet",
       "--light", "red", "--start", "2025-03-03", "--channel", "ngts-list")  # fmt: skip
    ok("case", "contact", "NEET-2025-001", "--date", "2025-03-05", "--channel", "phone")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small book in which every report and list has something to show, made once."""
    return build_template(tmp_path_factory, "read-only", _build)


def copy_book(template: Path, folder: Path) -> Path:
    folder.mkdir()
    path = folder / "rvneet.db"
    shutil.copyfile(template, path)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def read_only_folders(tmp_path: Path) -> Iterator[list[Path]]:
    """Folders a test makes read-only; made writable again afterwards so pytest can remove them."""
    folders: list[Path] = []
    yield folders
    for folder in folders:
        folder.chmod(0o700)


def test_read_commands_work_on_a_read_only_file_and_folder(
    unprivileged: None,
    template: Path,
    tmp_path: Path,
    run: Run,
    ok: Ok,
    read_only_folders: list[Path],
) -> None:
    # What each command prints on the writable book.
    expected = []
    for args in READ_COMMANDS:
        result = run("--db", str(template), *args)
        expected.append((result.exit_code, result.stdout))
    for args, (code, _) in zip(READ_COMMANDS, expected, strict=True):
        assert code == 0 or (args[0] == "check" and code == 1), args  # `check` may find problems
    assert json.loads(expected[0][1])["cases"], "the report has cases"

    # (a) the file is read-only, its folder writable; (b) both read-only.
    file_only = copy_book(template, tmp_path / "file")
    both = copy_book(template, tmp_path / "both")
    for path in (file_only, both):
        path.chmod(0o400)
    both.parent.chmod(0o555)
    read_only_folders.append(both.parent)
    before = {p: (digest(p), sorted(os.listdir(p.parent))) for p in (file_only, both)}
    add = ["youth", "add", "--name", "Uus Noor", "--birth-date", "2008-08-08", "--sex", "F"]

    # Commands that read the book and write a file elsewhere.
    out = tmp_path / "out"
    out.mkdir()
    copies = {
        p: [
            ["export", str(out / f"{p.parent.name}.json")],
            ["db", "backup", str(out / p.parent.name)],
        ]
        for p in (file_only, both)
    }

    commands = [(p, args) for p in (file_only, both) for args in [*READ_COMMANDS, *copies[p], add]]
    results = run_unprivileged(commands, tmp_path / "spec.json")

    for (path, args), (code, stdout, stderr) in zip(commands, results, strict=True):
        if args in copies[path]:
            assert code == 0, (path, args, stderr)
            assert Path(args[-1]).stat().st_size > 0
            continue
        if args is add:
            # A write is refused in one line (not "unexpected"), before SQLite touches anything.
            assert code == EXIT_DATABASE, (path, stderr)
            assert stderr.strip().splitlines() == [
                f"Error: database {path} is read-only; nothing changed"
            ]
            continue
        # Would fail if reading sessions opened the file for writing or changed its journal mode
        # (rvneet.db: `Database.engine`, `read_only_uri`), or the schema check wrote (db.py
        # `_stored_revision`): "attempt to write a readonly database" / "unable to open".
        wanted_code, wanted_stdout = expected[READ_COMMANDS.index(args)]
        assert (code, stdout) == (wanted_code, wanted_stdout), (path, args, stderr)
        assert "unexpected" not in stderr and "Traceback" not in stderr

    for path, (sha, files) in before.items():
        assert digest(path) == sha
        # No -wal or -shm was left: made with the file's read-only mode they would block its owner's
        # next write (`read_only_uri` chooses immutable=1 here for that reason).
        assert sorted(os.listdir(path.parent)) == files

    # Writable again, the book takes writes: nothing left behind stands in the way.
    file_only.chmod(0o600)
    assert ok("--db", str(file_only), *add) == "Y-0004"


def test_a_read_only_file_in_use_is_read_with_what_the_writer_committed(
    unprivileged: None, template: Path, tmp_path: Path, ok: Ok
) -> None:
    path = copy_book(template, tmp_path / "shared")
    # Another program has the book open: the youth added next stays in the -wal (no checkpoint
    # while a connection is open), and the file itself does not have it yet.
    keeper = sqlite3.connect(path)
    try:
        keeper.execute("SELECT count(*) FROM youths").fetchall()
        new = ok(
            "--db", str(path), "youth", "add", "--name", "Uus Noor",
            "--birth-date", "2008-08-08", "--sex", "F",
        )  # fmt: skip
        assert Path(f"{path}-wal").stat().st_size > 0
        path.chmod(0o400)
        [(code, stdout, stderr)] = run_unprivileged(
            [(path, ["youth", "list", "--format", "json"])], tmp_path / "spec.json"
        )
    finally:
        keeper.close()
    assert code == 0, stderr
    # Would fail if a read-only file were always opened immutable=1, which ignores the -wal.
    assert new in [row["youth"] for row in json.loads(stdout)]


def test_a_read_only_file_of_an_older_schema_is_not_upgraded(
    unprivileged: None, tmp_path: Path
) -> None:
    from test_migrations import database_at

    path = tmp_path / "old" / "rvneet.db"
    path.parent.mkdir()
    database_at(path, "0003")
    path.chmod(0o400)
    [(code, stdout, stderr)] = run_unprivileged([(path, ["case", "list"])], tmp_path / "s.json")
    assert code == EXIT_DATABASE
    assert stderr.strip().splitlines() == [
        f"Error: database {path} has schema 0003 and must be upgraded to {head_revision()}, "
        "but it is read-only; upgrade a writable copy with: rvneet --db COPY init"
    ]
    assert stdout == ""
    assert sorted(os.listdir(path.parent)) == ["rvneet.db"]  # no backup, no side file


# Holds the write lock (BEGIN IMMEDIATE, a row written, not committed) until its stdin closes.
HOLDER = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN IMMEDIATE")
con.execute("INSERT INTO settings (key, value) VALUES ('held', 'yes')")
print("held", flush=True)
sys.stdin.read()
con.execute("COMMIT")
"""


@pytest.fixture
def held(initialised: Path) -> Iterator[Path]:
    """The test's database, its write lock held by another process for the test's duration."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(initialised)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "held"
    yield initialised
    holder.stdin.close()
    assert holder.wait(timeout=10) == 0


def test_reports_run_while_another_process_holds_the_write_lock(
    held: Path, run: Run, ok: Ok
) -> None:
    for args in READ_COMMANDS:
        started = time.monotonic()
        result = run(*args)
        # Would fail (busy, after the 5 s timeout) if reading sessions opened the file for writing
        # (rvneet.db `Database.engine`: a mode=ro connection cannot take the write lock at all)
        # and began with BEGIN IMMEDIATE (`_on_begin`).
        assert result.exit_code in (0, 1), (args, result.stderr)  # `check` exits 1 on findings
        assert "unexpected" not in result.stderr and "busy" not in result.stderr, result.stderr
        assert time.monotonic() - started < 3, args
    # They read the last committed state, not the holder's pending row.
    assert query(held, "SELECT count(*) FROM settings WHERE key = 'held'") == [(0,)]
    assert json.loads(ok("report", "lisa4", "--period", "2025H1", "--format", "json"))


def test_a_reading_session_cannot_write(initialised: Path) -> None:
    db = Database(initialised, "tester")
    # Would fail if reading sessions were not opened read-only (`Database.engine`, mode=ro).
    with pytest.raises(OperationalError, match="readonly"), db.session() as session:
        session.execute(text("INSERT INTO settings (key, value) VALUES ('x', 'y')"))
    assert query(initialised, "SELECT count(*) FROM settings WHERE key = 'x'") == [(0,)]
