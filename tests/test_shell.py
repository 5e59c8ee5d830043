"""`rvneet shell` (issue 15): the same commands in one process, the book opened once."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
import typer.main
from conftest import CODE_F_2010, Run, build_template, query, recorded
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rvneet.cli import app
from rvneet.cli.shell import Session, save_history
from rvneet.db import Database, engines_kept

Ok = Callable[..., str]
CONTACT = "case contact RV-2025-001 --date 2025-03-10 --channel phone"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    def build(ok: Ok) -> None:
        ok("init", "--municipality", "Viljandi linn")
        ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
        ok("case", "open", "--youth", "Y-0001", "--model", "rv", "--start", "2025-03-03",
           "--risk", "high")  # fmt: skip
        ok("network", "add", "--name", "Kati Kask", "--role", "youth-worker", "--org", "Noortek")

    return build_template(tmp_path_factory, "shell", build)


def audit_count(db: Path) -> int:
    return int(query(db, "SELECT count(*) FROM audit_log")[0][0])


def test_commands_run_line_by_line_and_a_bad_line_does_not_end_the_session(
    run: Run, book: Path
) -> None:
    before = audit_count(book)
    lines = [
        CONTACT,
        "case show NOPE-1",
        "",
        "# a comment",
        "rvneet " + CONTACT,
        "case list -f csv",
    ]
    result = run("shell", input="\n".join(lines) + "\n")
    assert result.exit_code == 1  # one line failed; the others ran
    assert result.stderr.strip().splitlines() == ["Error: no case 'NOPE-1'"]
    out = result.stdout
    assert "case,youth,model" in out and "RV-2025-001" in out
    assert query(book, "SELECT count(*) FROM contacts") == [(2,)]
    # Each write is its own transaction with its own audit entry, and the chain stays valid.
    assert audit_count(book) == before + 2
    assert run("audit", "verify").exit_code == 0


def test_a_session_of_good_lines_ends_with_exit_0_and_exit_leaves(run: Run, book: Path) -> None:
    result = run("shell", input=f"{CONTACT}\nexit\n{CONTACT}\n")
    assert result.exit_code == 0, result.stderr
    assert query(book, "SELECT count(*) FROM contacts") == [(1,)]


def test_the_user_and_language_of_the_session_apply_inside(run: Run, book: Path) -> None:
    result = run("--user", "kadri", "--lang", "et", "shell", input=f"{CONTACT}\ncase show X-1\n")
    assert result.exit_code == 1
    assert result.stderr.startswith("Viga: ")
    users = query(book, "SELECT user FROM audit_log ORDER BY id DESC LIMIT 1")
    assert users == [(recorded("kadri", book),)]


def test_a_refused_write_inside_writes_nothing_and_the_next_one_works(run: Run, book: Path) -> None:
    before = audit_count(book)
    lines = ["case contact RV-2025-001 --date 2024-01-01 --channel phone", CONTACT]
    result = run("shell", input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert query(book, "SELECT count(*) FROM contacts") == [(1,)]
    assert audit_count(book) == before + 1


def test_lines_the_shell_refuses_itself(run: Run, book: Path) -> None:
    result = run("shell", input="shell\n--lang en shell\ncase show 'RV-2025-001\n")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: already in rvneet shell",
        "Error: already in rvneet shell",
        "Error: the line has an unclosed quote",
    ]


def test_tab_completes_commands_options_and_references(book: Path) -> None:
    session = Session(typer.main.get_command(app), ["--db", str(book)], {})
    assert session.completions("case sho") == ["show"]
    assert session.completions("case show ") == ["RV-2025-001"]
    assert session.completions("rvneet youth show Y") == ["Y-0001"]
    assert session.completions("network show M") == ["M-001"]
    assert "--channel" in session.completions("case contact RV-2025-001 --ch")
    assert session.completions("case show 'RV") == []  # an open quote completes nothing


@pytest.mark.sqlite_only  # the file replaced under the shell
def test_kept_engines_see_a_replaced_file_and_leave_no_transaction_open(
    book: Path, tmp_path: Path
) -> None:
    db = Database(book, "tester")
    copy = tmp_path / "copy.db"
    with engines_kept():
        with db.session() as session:
            before = session.connection().exec_driver_sql("SELECT count(*) FROM youths").scalar()
        shutil.copyfile(book, copy)
        with db.session(write=True) as session:  # committed: another process sees it at once
            session.connection().exec_driver_sql("DELETE FROM network_members")
        assert query(book, "SELECT count(*) FROM network_members") == [(0,)]
        query(book, "PRAGMA wal_checkpoint(TRUNCATE)")  # as a restore leaves no -wal behind
        os.replace(copy, book)  # as `db restore` does: a new file at the same path
        with db.session() as session:
            count = session.connection().exec_driver_sql("SELECT count(*) FROM network_members")
            assert count.scalar() == 1
    assert before == 1


def test_the_history_is_private_and_hides_personal_codes(tmp_path: Path) -> None:
    readline = pytest.importorskip("readline")
    readline.clear_history()
    readline.add_history(f"youth show {CODE_F_2010}")
    readline.add_history("case list")
    path = tmp_path / "shell_history"
    path.write_text("old\n")
    path.chmod(0o644)
    save_history(readline, path)
    readline.clear_history()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert CODE_F_2010 not in text and "case list" in text


def test_at_a_terminal_tab_completes_ctrl_c_cancels_and_ctrl_d_leaves(
    book: Path, tmp_path: Path
) -> None:
    pty = pytest.importorskip("pty")
    import select
    import sys
    import time

    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "COLUMNS": "100"}

    def start() -> tuple[int, int]:
        pid, fd = pty.fork()
        if pid == 0:  # the child: rvneet shell on the terminal (never back into pytest)
            try:
                # A test worker may ignore SIGINT and the child inherits that: the shell must make
                # Ctrl-C work itself, so the child starts it ignoring SIGINT, as such a worker would.
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                os.execve(sys.executable, [sys.executable, "-m", "rvneet", "shell"], env)
            finally:
                os._exit(127)
        return pid, fd

    def first_prompt(fd: int, timeout: float = 60) -> bytes:
        got, end = b"", time.monotonic() + timeout
        while b"rvneet> " not in got and time.monotonic() < end:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    got += os.read(fd, 4096)
                except OSError:
                    break
        return got

    # Once, under a fully loaded run of the whole suite from a fresh clone, the shell's terminal
    # gave nothing at all before its first prompt (not reproduced alone, 2 December 2026): such a
    # start is tried once more, and the test fails if the second gives no prompt either.
    pid, fd = start()
    opened = first_prompt(fd)
    if b"rvneet> " not in opened:
        os.close(fd)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)  # a shell hung before its prompt must not hang the test
        _, status = os.waitpid(pid, 0)
        print(f"the shell gave {opened!r} and ended with {status}; starting it again")
        pid, fd = start()
        opened = first_prompt(fd)
    assert "Tab completes" in opened.decode(errors="replace")
    seen = b""

    def until(text: str, timeout: float = 60) -> str:
        nonlocal seen
        end = time.monotonic() + timeout
        while text.encode() not in seen and time.monotonic() < end:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    seen += os.read(fd, 4096)
                except OSError:
                    break
        alive = os.waitpid(pid, os.WNOHANG) == (0, 0)
        assert text.encode() in seen, f"{seen!r}; the shell is {'running' if alive else 'gone'}"
        got, seen = seen.decode(errors="replace"), b""
        return got

    os.write(fd, b"case sho\t")
    until("case show ")
    os.write(fd, b"RV\t")
    until("RV-2025-001 ")
    os.write(fd, b"\n")
    assert "RV-2025-001" in until("rvneet> ")  # the case, shown
    # Ctrl-C drops the line. It is sent once the line is echoed: a Ctrl-C the terminal reads
    # together with the text before it may discard that text first (seen once under load).
    os.write(fd, b"youth show Y-0001 and more")
    until("and more")
    # A SIGINT that lands while readline is still handling the echoed keys, not waiting in its
    # select(), is only acted on at the next key (CPython's readline checks signals there): under
    # load that window is wide, and a person would press Ctrl-C again, as the test then does.
    # A person also waits a moment after typing, and presses again after a second or two.
    time.sleep(0.3)
    for _ in range(6):
        os.write(fd, b"\x03")
        end = time.monotonic() + 2
        while b"rvneet> " not in seen and time.monotonic() < end:
            if select.select([fd], [], [], 0.1)[0]:
                seen += os.read(fd, 4096)
        if b"rvneet> " in seen:
            break
    until("rvneet> ")
    os.write(fd, b"\x04")  # Ctrl-D leaves
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    history = tmp_path / "state" / "rvneet" / "shell_history"
    assert history.read_text() == "case show RV-2025-001 \n"
    assert stat.S_IMODE(history.stat().st_mode) == 0o600


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(line=st.text(max_size=40))
def test_any_line_ends_in_an_exit_code_never_a_traceback(
    book: Path, line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    session = Session(typer.main.get_command(app), ["--db", str(book)], {})
    code = session.run(line)
    assert code is None or isinstance(code, int)
    err = capsys.readouterr().err
    assert "Traceback" not in err and "unexpected" not in err


def test_an_encrypted_book_is_opened_with_the_key_given_once(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("sqlcipher3.dbapi2", reason="the encrypted extra is not installed")
    key = "a key typed once"
    with monkeypatch.context() as patch:
        patch.setenv("RVNEET_KEY", key)

        def build(ok: Ok) -> None:
            ok("init", "--municipality", "Viljandi linn")
            ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)

        path = build_template(tmp_path_factory, "encrypted-shell", build)
    path.chmod(0o600)
    # What `rvneet shell` keeps after asking once: every command and every Tab uses it.
    session = Session(
        typer.main.get_command(app), ["--db", str(path)], {"rvneet.keys": {path: key}}
    )
    assert session.run("youth list -f csv") == 0
    assert session.run("case open --youth Y-0001 --model rv --start 2025-03-03 --risk high") == 0
    assert session.completions("case show ") == ["RV-2025-001"]
    # Without the key Tab offers nothing, and says nothing.
    assert (
        Session(typer.main.get_command(app), ["--db", str(path)], {}).completions("youth show ")
        == []
    )
