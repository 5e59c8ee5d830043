"""Encryption at rest with SQLCipher (issue 7, docs/security.md "Access and secrets").

The tests that encrypt need the `encrypted` extra (sqlcipher3-binary; `make test` installs it where a
wheel exists) and are skipped without it. The refusal of a key without the extra runs everywhere.
Failures are checked in a real process too: SQLCipher writes its own log lines straight to the
process's stderr, which an in-process runner would not see.
"""

from __future__ import annotations

import os
import pty
import select
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CODE_F_2010, MUNICIPALITY, Ok, Run, build_template, dump

import rvneet
from rvneet.encryption import SQLITE_HEADER

KEY = "õige võti 'quoted' \"both\""
SRC = str(Path(rvneet.__file__).resolve().parents[1])
EXIT_DATABASE = 4


def one_error(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    return lines[0]


def rvneet_process(db: Path, *args: str, key: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "RVNEET_KEY"}
    env.update({"PYTHONPATH": SRC, "RVNEET_DB": str(db), "RVNEET_USER": "tester"})
    if key is not None:
        env["RVNEET_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "rvneet", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


# --- without the extra: a key is refused, never ignored -------------------------------------------


def test_a_key_without_the_extra_is_refused(
    run: Run, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # None in sys.modules makes `import sqlcipher3` raise ImportError, as when it is not installed.
    monkeypatch.setitem(sys.modules, "sqlcipher3", None)
    monkeypatch.setenv("RVNEET_KEY", KEY)
    result = run("init", "--municipality", MUNICIPALITY)
    assert result.exit_code == EXIT_DATABASE
    line = one_error(result.stderr)
    # Breaks if encryption.driver() stops turning the ImportError into this message, or if rvneet
    # falls back to an unencrypted file when the key cannot be used.
    assert "rvneet[encrypted]" in line and "RVNEET_KEY" in line
    assert not db_path.exists()  # cli/common.database_key refuses before Database.create


def test_without_a_key_a_plain_database_is_as_before(ok: Ok, initialised: Path) -> None:
    ok("youth", "list")
    assert initialised.read_bytes()[:16] == SQLITE_HEADER


# --- with the extra --------------------------------------------------------------------------------


@pytest.fixture
def sqlcipher() -> Any:
    return pytest.importorskip("sqlcipher3.dbapi2", reason="the encrypted extra is not installed")


@pytest.fixture(scope="module")
def encrypted_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Made once by `rvneet init` with RVNEET_KEY set, holding one youth (migrations are slow)."""
    pytest.importorskip("sqlcipher3.dbapi2", reason="the encrypted extra is not installed")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RVNEET_KEY", KEY)

        def build(ok: Callable[..., str]) -> None:
            assert "Created" in ok("init", "--municipality", MUNICIPALITY)
            ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)

        return build_template(tmp_path_factory, "encrypted", build)


@pytest.fixture
def encrypted(sqlcipher: Any, encrypted_template: Path, db_path: Path) -> Path:
    """A copy of the encrypted template (the same bytes open with the same key)."""
    shutil.copyfile(encrypted_template, db_path)
    db_path.chmod(0o600)
    return db_path


def read_with_key(sqlcipher: Any, path: Path, sql: str) -> list[tuple[Any, ...]]:
    con = sqlcipher.connect(str(path))
    try:
        con.execute("PRAGMA key = '" + KEY.replace("'", "''") + "'")
        return list(con.execute(sql).fetchall())
    finally:
        con.close()


def test_init_with_a_key_creates_an_encrypted_database(
    sqlcipher: Any, encrypted: Path, tmp_path: Path
) -> None:
    raw = encrypted.read_bytes()
    # Breaks if Database.engine (src/rvneet/db.py) stops using the SQLCipher creator for a key.
    assert raw[:16] != SQLITE_HEADER
    assert b"Maasikas" not in raw and CODE_F_2010.encode() not in raw
    with pytest.raises(sqlite3.DatabaseError):
        con = sqlite3.connect(encrypted)
        try:
            con.execute("SELECT count(*) FROM youths").fetchall()
        finally:
            con.close()
    assert read_with_key(sqlcipher, encrypted, "SELECT name FROM youths") == [("Mari Maasikas",)]


def test_commands_work_with_the_key(
    encrypted: Path, ok: Ok, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RVNEET_KEY", KEY)
    assert "Mari Maasikas" in ok("youth", "list")
    assert ok("case", "open", "--youth", "Y-0001", "--model", "neet", "--start", "2025-02-03",
              "--light", "red", "--group", "neet")  # fmt: skip
    assert "NEET-2025-001" in ok("case", "list")
    result = run("report", "lisa4", "--period", "2025")
    assert result.exit_code == 0, result.stderr
    assert "nothing to do" in ok("init", "--municipality", MUNICIPALITY)


@pytest.mark.parametrize("key", [None, "wrong key", ""], ids=["no-key", "wrong-key", "empty-key"])
def test_an_encrypted_database_without_its_key_fails_closed(
    encrypted: Path, key: str | None
) -> None:
    before = encrypted.read_bytes()
    result = rvneet_process(encrypted, "youth", "list", key=key)
    assert result.returncode == EXIT_DATABASE, (result.stdout, result.stderr)
    # One line and nothing else: breaks if encryption.connect stops setting cipher_log_level NONE
    # before the key (SQLCipher then prints "ERROR CORE ..." lines), or lets a wrong key through.
    line = one_error(result.stderr)
    assert result.stdout == ""
    assert "RVNEET_KEY" in line or "key is wrong" in line
    assert "Maasikas" not in result.stderr
    assert encrypted.read_bytes() == before


def test_a_key_on_a_plain_database_is_refused(sqlcipher: Any, initialised: Path) -> None:
    before = dump(initialised)
    result = rvneet_process(initialised, "youth", "list", key=KEY)
    assert result.returncode == EXIT_DATABASE, result.stderr
    # Breaks if a key set for encryption silently opened a file that is not encrypted.
    assert "not encrypted" in one_error(result.stderr)
    assert dump(initialised) == before


def test_backup_and_check_of_an_encrypted_database(
    sqlcipher: Any, encrypted: Path, ok: Ok, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RVNEET_KEY", KEY)
    target = tmp_path / "backup.db"
    ok("db", "backup", str(target))
    # Breaks if maintenance._copy opens the copy without the key: it would be a plain file.
    assert target.read_bytes()[:16] != SQLITE_HEADER
    assert read_with_key(sqlcipher, target, "SELECT name FROM youths") == [("Mari Maasikas",)]
    assert "ok" in ok("db", "check", "--full")
    assert "ok" in ok("--db", str(target), "db", "check")


def test_the_key_is_asked_for_on_a_terminal(encrypted: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "RVNEET_KEY"}
    env.update({"PYTHONPATH": SRC, "RVNEET_DB": str(encrypted), "RVNEET_USER": "tester"})
    pid, master = pty.fork()
    if pid == 0:  # the child: rvneet on the pseudo-terminal; never back into pytest
        try:
            os.execve(sys.executable, [sys.executable, "-m", "rvneet", "youth", "list"], env)
        finally:
            os._exit(127)
    shown = b""
    deadline = time.monotonic() + 60
    answered = False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1)
        if not ready:
            continue
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed: rvneet has ended
            break
        if not chunk:
            break
        shown += chunk
        if not answered and b"Key for" in shown:
            os.write(master, KEY.encode() + b"\n")
            answered = True
    os.close(master)
    _, status = os.waitpid(pid, 0)
    text = shown.decode("utf-8", "replace")
    # Breaks if cli/common.database_key stops prompting when the file is encrypted.
    assert answered, text
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "Mari Maasikas" in text
    assert KEY not in text  # getpass does not echo the key
