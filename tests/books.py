"""Books the test modules build and share, and what a test needs to run a real `rvneet` process.

- `cli(path)`: run commands on one database in-process, failing the test at the first refusal.
- `load_demo(path)`: the demo book, examples/load.sh loaded as `make demo` does (about 5 s);
  `demo(factory)` loads it once per test run for every module that starts from it.
- `once_per_run(factory, name, build)`: a book built once per test run and shared by the xdist
  workers, for a book that takes seconds (the demo and more); the tests copy it (`copy_book`).
- `process_env()`: the environment of a `python -m rvneet` (or `python -c`) child process;
  `start_rvneet`, `watch` and `kill_after` for the crash tests, which kill one at random moments.
- `database_at(path, revision)`, `downgrade_to(path, revision)`: a book at an earlier schema
  revision, to test its upgrade.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rvneet.cli import app

ROOT = Path(__file__).resolve().parents[1]
# `make soak` (RVNEET_SOAK=1): the crash and concurrency tests at full strength.
SOAK = bool(os.environ.get("RVNEET_SOAK"))
# The seed of the crash tests' random kill moments; a failure names the delay that caused it.
CRASH_SEED = int(os.environ.get("RVNEET_CRASH_SEED", "7"))
EXAMPLES = ROOT / "examples"
# bench/ sits beside src/, outside the installed package: the tests import bench.generate from the
# repository's folder (conftest imports this module before any test module).
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

Ok = Callable[..., str]


def cli(path: Path, user: str = "tester") -> Ok:
    """`ok(*args)`: run `rvneet --db PATH --user USER ARGS...` in-process; it must succeed.

    Returns its stdout stripped."""
    runner = CliRunner()

    def ok(*args: str) -> str:
        result = runner.invoke(app, ["--db", str(path), "--user", user, *args], prog_name="rvneet")
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result.stdout.strip()

    return ok


def import_rows(ok: Ok, folder: Path, kind: str, rows: list[dict[str, str]]) -> None:
    """`rvneet import KIND` of `rows` written as a JSON file: one command instead of one per record."""
    path = folder / f"{kind}.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    ok("import", kind, str(path))


def next_youths(run: Callable[..., Any], *books: str | Path) -> list[str]:
    """The reference `youth add` gives a new youth in each of `books` (a file or a server address):
    equal references show that ids and sequences moved past every copied or imported row."""
    added = []
    for book in books:
        result = run("--db", str(book), "youth", "add", "--name", "Uus Noor",
                     "--birth-date", "2010-01-01", "--sex", "F")  # fmt: skip
        assert result.exit_code == 0, result.stderr
        added.append(result.stdout)
    return added


def run_on_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal; returns the exit code and what the terminal showed."""
    import pty

    master, slave = pty.openpty()
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed: the process has ended
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    return process.wait(timeout=120), shown.decode("utf-8", "replace")


def copy_book(source: Path, target: Path) -> Path:
    """`target` made a copy of the book `source` (SQLite's backup: whole even if `source` has a
    write-ahead log), private as `rvneet init` makes it, so rvneet does not warn about it."""
    into, frm = sqlite3.connect(target), sqlite3.connect(source)
    try:
        frm.backup(into)
    finally:
        frm.close()
        into.close()
    target.chmod(0o600)
    return target


def load_demo(path: Path) -> None:
    """Load examples/load.sh into the new book `path`, as `make demo` does: by user `tester`, in
    English, from the repository's folder (the script's file names are relative to it)."""
    import runpy

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        patch.setenv("RVNEET_DB", str(path))
        patch.setenv("RVNEET_USER", "tester")
        for name in ("RVNEET_LANG", "LC_ALL", "LC_MESSAGES", "RVNEET_KEY"):
            patch.delenv(name, raising=False)
        runpy.run_path(str(EXAMPLES / "load.py"))["main"](EXAMPLES / "load.sh")


def demo(factory: pytest.TempPathFactory) -> Path:
    """The demo book, loaded once per test run (`once_per_run`): copy it, never write it."""
    return once_per_run(factory, "demo", load_demo)


def once_per_run(
    factory: pytest.TempPathFactory,
    name: str,
    build: Callable[[Path], object],
    suffix: str = ".db",
) -> Path:
    """The book `name`, built by `build(path)` once per test run and shared by the xdist workers
    (the first worker to ask builds it, the others wait for it). Tests must not write it: copy it.

    With `suffix=""` it may be a folder of files that `build` makes at `path`."""
    root = factory.getbasetemp()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "master")
    if worker != "master":
        root = root.parent  # this run's folder, common to the workers
    path = root / f"{name}{suffix}"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            building = root / f"{name}.{worker}{suffix}"
            if building.is_dir():  # what a build that failed before left
                shutil.rmtree(building)
            building.unlink(missing_ok=True)
            build(building)
            building.replace(path)
    return path


def process_env(**extra: str) -> dict[str, str]:
    """The environment of a child Python process running this checkout's rvneet (src/ first on its
    path), with `extra` variables set."""
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        **extra,
    }


def start_rvneet(db: Path, *args: str) -> subprocess.Popen[bytes]:
    """`rvneet --db DB ARGS...` started in a process of its own (its stderr kept, for a failure)."""
    return subprocess.Popen(
        [sys.executable, "-m", "rvneet", "--db", str(db), *args],
        env=process_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def watch(process: subprocess.Popen[bytes], db: Path, every: float) -> tuple[float, float | None]:
    """Wait for `process` to finish; returns how long it took and when it began writing `db` (its
    -wal grew), None if it never did. It must succeed."""
    started = time.monotonic()
    wal = Path(f"{db}-wal")
    writing = None
    while process.poll() is None:
        if writing is None and wal.exists() and wal.stat().st_size > 0:
            writing = time.monotonic() - started
        time.sleep(every)
    assert process.returncode == 0, process.stderr.read().decode() if process.stderr else ""
    return time.monotonic() - started, writing


def kill_after(process: subprocess.Popen[bytes], delay: float) -> None:
    """SIGKILL `process` (no clean-up of any kind) after `delay` seconds unless it ended before."""
    try:
        process.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()


def database_at(path: Path | str, revision: str) -> None:
    """The book `path` (a new, empty one if it does not exist) upgraded to `revision` by Alembic,
    as the rvneet of that revision made it."""
    _migrate(path, revision, down=False)


def downgrade_to(path: Path | str, revision: str) -> None:
    """The book `path` taken down to the earlier `revision` by Alembic, as an older book."""
    _migrate(path, revision, down=True)


def _migrate(path: Path | str, revision: str, *, down: bool) -> None:
    from alembic import command
    from alembic.config import Config

    from rvneet.db import Database, migrations_dir

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    engine = Database.at(path, "tester").engine(write=True, foreign_keys=False)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, revision)
    finally:
        engine.dispose()
