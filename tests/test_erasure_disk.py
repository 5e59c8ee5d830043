"""Erased data leave the disk; personal codes are masked in every form; crash reports and XLSX files
hold no value they cannot. docs/security.md, "Erasure on disk, masking and crash reports".

The erasure tests read the bytes of the database file and of its `-wal`, where SQLite keeps old page
images until a checkpoint copies the new ones over them. `make soak` (RVNEET_SOAK=1) erases many
youths while readers come and go; `make test` a few.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from books import SOAK, process_env
from conftest import CODE_F_2010, CODE_M_2010, Ok, Run, refused
from hypothesis import given
from hypothesis import strategies as st

from rvneet.db import Database
from rvneet.domain.errors import InvalidInput
from rvneet.domain.personal_code import parse_personal_code, redact_codes
from rvneet.domain.tables import Youth
from rvneet.error_report import format_report
from rvneet.services.erasure import clean_reason


@pytest.fixture(autouse=True)
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader that blocks a checkpoint is waited for half a second, not SQLite's 5 s: these
    tests hold their readers on purpose, so waiting longer only makes the suite slower."""
    monkeypatch.setattr("rvneet.db.BUSY_TIMEOUT_MS", 500)
    monkeypatch.setattr("rvneet.services.erasure.BUSY_TIMEOUT_MS", 500)


SEED = int(os.environ.get("RVNEET_CRASH_SEED", "7"))
NAME = "Salme Saladuslik"
REASON = "request of the youth"


def wide(text: str) -> str:
    """`text` in full-width letters and digits (what NFKC turns back into plain ones)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" for c in text)


def on_disk(path: Path) -> bytes:
    """The bytes of the database file and of its -wal (where old page images wait), read by
    another process: closing a descriptor of the file in this one drops every POSIX lock this
    process holds on it, among them the shared lock of each of the readers' idle connections,
    which tells a writer closing its last connection that the -wal and -shm are still in use
    (a reader then found the book "malformed" in `make soak`)."""
    wal = Path(f"{path}-wal")
    files = [str(path), *([str(wal)] if wal.exists() else [])]
    # Not checked: the -wal may be gone by the time cat reads it (a checkpoint emptied it).
    return subprocess.run(["cat", *files], capture_output=True, check=False).stdout


def left(path: Path, values: list[str]) -> list[str]:
    raw = on_disk(path)
    return [v for v in values if v.encode() in raw]


@pytest.fixture
def reader(initialised: Path) -> Iterator[sqlite3.Connection]:
    """Another program that reads the book: a connection with an open read transaction."""
    con = sqlite3.connect(initialised, isolation_level=None)
    con.execute("BEGIN")
    con.execute("SELECT name FROM youths").fetchall()
    yield con
    con.close()


def _add_secret(ok: Ok) -> list[str]:
    ok("youth", "add", "--name", NAME, "--id-code", CODE_F_2010)
    return [NAME, CODE_F_2010, "2010-01-01"]


# ---------------------------------------------------------------------------------------------
# The erasure reaches the disk, or says that it has not


def test_an_erasure_a_reader_blocks_says_so_and_compact_finishes_it(
    initialised: Path, ok: Ok, run: Run
) -> None:
    secrets = _add_secret(ok)
    con = sqlite3.connect(initialised, isolation_level=None)
    con.execute("BEGIN")
    con.execute("SELECT name FROM youths").fetchall()  # a snapshot from before the erasure
    result = run("youth", "erase", "Y-0001", "--reason", REASON, "--yes", "--format", "json")
    assert result.exit_code == 0, result.stderr
    # Breaks if cli/youth.settle_erasure claimed the disk clean without a completed checkpoint.
    assert json.loads(result.stdout)["erased_on_disk"] is False
    (line,) = result.stderr.splitlines()
    assert line.startswith("Warning: another program has ") and line.endswith(
        "run: rvneet db check --compact"
    )
    assert left(initialised, secrets)  # what the warning says: the old pages are still there
    # Compacting while the reader stays cannot finish either, and says so.
    message = refused(run, initialised, "db", "check", "--compact", code=4)
    assert "another program has it open" in message
    con.close()
    result = run("db", "check", "--compact", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert "Compacted " in result.stderr
    assert {r["result"] for r in json.loads(result.stdout)} == {"ok"}
    assert left(initialised, secrets) == []


def test_an_erasure_nobody_blocks_leaves_nothing_in_the_file_or_its_wal(
    initialised: Path, ok: Ok, run: Run
) -> None:
    secrets = _add_secret(ok)
    # An idle connection (no transaction) keeps the -wal from being removed when rvneet closes.
    idle = sqlite3.connect(initialised, isolation_level=None)
    idle.execute("SELECT 1").fetchall()
    result = run("youth", "erase", "Y-0001", "--reason", REASON, "--yes", "--format", "json")
    assert result.exit_code == 0 and result.stderr == "", result.stderr
    assert json.loads(result.stdout)["erased_on_disk"] is True
    # Breaks without services/erasure.settle_on_disk: the -wal keeps the pages from before.
    assert left(initialised, secrets) == []
    idle.close()


def test_retention_apply_a_reader_blocks_says_so(initialised: Path, ok: Ok, run: Run) -> None:
    ok("youth", "add", "--name", NAME, "--birth-date", "1990-01-01", "--sex", "F")
    ok("case", "open", "--youth", "Y-0001", "--model", "neet", "--group", "neet",
       "--start", "2015-01-05", "--light", "red")  # fmt: skip
    ok("case", "close", "NEET-2015-001", "--end", "2015-06-01", "--reason", "moved")
    con = sqlite3.connect(initialised, isolation_level=None)
    con.execute("BEGIN")
    con.execute("SELECT name FROM youths").fetchall()
    result = run("retention", "--apply", "--yes", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["erased_on_disk"] is False
    assert "rvneet db check --compact" in result.stderr
    con.close()
    ok("db", "check", "--compact")
    assert left(initialised, [NAME]) == []


def _code(n: int) -> str:
    from stdnum.ee import ik

    first = f"6100101{n:03d}"  # born 2010-01-01, serial n
    return first + ik.calc_check_digit(first + "0")


def test_an_erasure_beside_readers_never_claims_a_clean_disk_falsely(
    initialised: Path, ok: Ok, tmp_path: Path
) -> None:
    """Readers come and go (sqlite3 connections, and rvneet's own `db check --full`) while youths
    are erased by real processes: each erasure that says it reached the disk has left no value in
    the file or its -wal, and each that did not says so."""
    count = 40 if SOAK else 2
    rng = random.Random(SEED)
    youths = [(f"Saladus{n:03d} Nimetu{n:03d}", _code(n)) for n in range(count)]
    source = tmp_path / "youths.csv"
    source.write_text(
        "nimi;isikukood\n" + "".join(f"{name};{code}\n" for name, code in youths), encoding="utf-8"
    )
    ok("import", "youths", str(source))
    stop = threading.Event()

    def read(seed: int) -> None:
        # Short reads always; in the soak, now and then one that outlasts the busy timeout (5 s).
        local = random.Random(seed)
        con = sqlite3.connect(initialised, isolation_level=None, timeout=30)
        while not stop.is_set():
            con.execute("BEGIN")
            con.execute("SELECT name, id_code FROM youths").fetchall()
            hold = 6.0 if SOAK and local.random() < 0.05 else local.uniform(0, 0.2)
            stop.wait(hold)
            con.execute("COMMIT")
            stop.wait(local.uniform(0, 0.1))
        con.close()

    def check() -> None:
        while not stop.is_set():
            subprocess.run(
                [sys.executable, "-m", "rvneet", "--db", str(initialised), "db", "check", "--full"],
                env=process_env(),
                capture_output=True,
                check=False,
            )

    threads = [threading.Thread(target=read, args=(SEED + i,)) for i in range(2)]
    threads.append(threading.Thread(target=check))
    for thread in threads:
        thread.start()
    blocked = 0
    try:
        for n, (name, code) in enumerate(youths):
            ref = f"Y-{n + 1:04d}"
            args = ["youth", "erase", ref, "--reason", REASON, "--yes", "--format", "json"]
            done = subprocess.run(
                [sys.executable, "-m", "rvneet", "--db", str(initialised), *args],
                env=process_env(),
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, done.stderr
            if json.loads(done.stdout)["erased_on_disk"]:
                assert left(initialised, [name, code]) == [], (ref, done.stderr)
                assert done.stderr == ""
            else:
                blocked += 1
                assert "rvneet db check --compact" in done.stderr
            stop.wait(rng.uniform(0, 0.2))
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    ok("db", "check", "--compact")
    assert left(initialised, [v for youth in youths for v in youth]) == []
    print(f"erasures beside readers: {count}, blocked by a reader: {blocked}")


# ---------------------------------------------------------------------------------------------
# secure_delete on every writing connection


@pytest.fixture
def secure_delete_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """An SQLite built without secure_delete: every new connection starts with it off."""
    real = sqlite3.dbapi2.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        con = real(*args, **kwargs)
        con.execute("PRAGMA secure_delete=OFF")
        return con

    monkeypatch.setattr(sqlite3.dbapi2, "connect", connect)
    monkeypatch.setattr(sqlite3, "connect", connect)


def test_every_writing_connection_turns_secure_delete_on(
    initialised: Path, secure_delete_off: None
) -> None:
    plain = sqlite3.connect(initialised)
    assert plain.execute("PRAGMA secure_delete").fetchone() == (0,)  # the fixture works
    plain.close()
    engine = Database(initialised, "tester").engine(write=True)
    try:
        with engine.connect() as connection:
            # Breaks if db.Database.engine's _on_connect stops setting secure_delete.
            assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() in (1, 2)
    finally:
        engine.dispose()


def test_a_rename_leaves_no_old_name_in_the_file(
    initialised: Path, ok: Ok, tmp_path: Path, secure_delete_off: None
) -> None:
    source = tmp_path / "youths.csv"
    source.write_text(
        f"nimi;isikukood\nVanaaegne Nimetus;{CODE_M_2010}\nTeine Noor;{CODE_F_2010}\n",
        encoding="utf-8",
    )
    ok("import", "youths", str(source))
    assert left(initialised, ["Vanaaegne Nimetus"])
    # A longer name: the row moves within its page, and its old cell (below the next youth's) is
    # left as free space, which only secure_delete overwrites.
    source.write_text(
        f"nimi;isikukood\nUus Palju Pikem Nimi Kui Varem Oli;{CODE_M_2010}\n", encoding="utf-8"
    )
    assert "1 updated" in ok("import", "youths", str(source))
    con = sqlite3.connect(initialised)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    # Breaks if SQLite's default decides: secure_delete is set in db.Database.engine.
    assert left(initialised, ["Vanaaegne Nimetus"]) == []


# ---------------------------------------------------------------------------------------------
# The erasure reason names nobody, in whatever spelling


@pytest.fixture
def juri(initialised: Path, ok: Ok) -> Path:
    ok("youth", "add", "--name", "Jüri Õunapuu", "--id-code", CODE_M_2010)
    return initialised


@pytest.mark.parametrize(
    "reason",
    [
        "510 0505 0274",
        "5100505027-4",
        "5 1 0 0 5 0 5 0 2 7 4",
        wide("51005050274"),
        "code 510\u00a00505\u20090274 given",
        "Juri asked",
        "JÜRI asked",
        "JüriÕunapuu",
        "juriounapuu",
        wide("JURI OUNAPUU"),
        "J ü r i asked",
        "asked by O-u-n-a-p-u-u",
        "Õunapuu",
        "another youth's code 61001010009",
    ],
)
def test_the_reason_may_not_name_the_youth_in_any_spelling(
    run: Run, juri: Path, reason: str
) -> None:
    # Breaks if services/erasure._names_the_youth compares the text as typed.
    message = refused(run, juri, "youth", "erase", "Y-0001", "--reason", reason, "--yes")
    assert "must not give the youth's name or personal code" in message


@pytest.mark.parametrize(
    "reason", ["request of the youth (GDPR art. 17)", "moved to Tartu in 2025-03", "ära kolinud"]
)
def test_an_ordinary_reason_is_accepted(ok: Ok, juri: Path, reason: str) -> None:
    ok("youth", "erase", "Y-0001", "--reason", reason, "--yes")


# Separators the personal code parser accepts between digits (spaces of any kind), and hyphens.
SEPARATORS = st.sampled_from([" ", "\u00a0", "\u2009", "\u3000", "-", "\u2013", "  "])


@st.composite
def written_code(draw: st.DrawFn, code: str) -> str:
    """`code` as a person may type it: separators between digits, full-width digits."""
    out: list[str] = []
    for digit in code:
        spaced: bool = draw(st.booleans())
        if out and spaced:
            out.append(draw(SEPARATORS))
        out.append(wide(digit) if draw(st.booleans()) else digit)
    return "".join(out)


@given(written=written_code(CODE_M_2010), before=st.sampled_from(["", "code ", "isikukood: "]))
def test_any_spelling_of_the_code_in_a_reason_is_refused(written: str, before: str) -> None:
    youth = Youth(ref="Y-0001", name="Jüri Õunapuu", id_code=CODE_M_2010, sex="M")
    with pytest.raises(InvalidInput, match="must not give"):
        clean_reason(before + written, youth)


# ---------------------------------------------------------------------------------------------
# Masking: every form the parser accepts is hidden in messages


def _digits(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdigit())


@pytest.mark.parametrize(
    "typed",
    [
        "509 1118 0124",
        "5091118012-4",
        "5 0 9 1 1 1 8 0 1 2 4",
        wide("50911180124"),
        " 50911180124 ",
    ],
)
def test_a_code_typed_with_spaces_is_not_echoed(run: Run, initialised: Path, typed: str) -> None:
    message = refused(run, initialised, "youth", "show", typed, code=3)
    # Breaks if domain/personal_code.redact_codes looks for 11 digits in a row only.
    assert "50911180124" not in _digits(message) and "<personal code>" in message


@given(
    written=written_code("50911180124"), text=st.text(st.characters(categories=["L", "P", "Zs"]))
)
def test_every_form_the_parser_accepts_is_hidden(written: str, text: str) -> None:
    with contextlib.suppress(InvalidInput):  # hyphens: refused by the parser, hidden all the same
        parse_personal_code(written)
    out = redact_codes(f"{text} no youth '{written}' {text}")
    assert "50911180124" not in _digits(out)


@pytest.mark.parametrize(
    "text", ["2025-01-01 – 2025-12-31", "Y-0001, Y-0002", "RV-2025-001", "2025H1", "row 12 of 300"]
)
def test_dates_and_references_are_not_masked(text: str) -> None:
    assert redact_codes(text) == text


def test_a_hash_is_not_masked_but_a_code_beside_it_is() -> None:
    # An audit hash whose digits hold a valid code between two letters: `audit verify --expect`
    # printed it cut (seen in a full run, where the hashes' timestamps vary).
    digest = "c21632bbec635b659794aa592d2fca0172290f9bf6db61ff847bf03458953045"
    assert redact_codes(f"no entry has the hash {digest}: cut") == (
        f"no entry has the hash {digest}: cut"
    )
    assert redact_codes(f"{digest} 50911180124") == f"{digest} <personal code>"
    assert redact_codes("ab50911180124") == "ab<personal code>"


# ---------------------------------------------------------------------------------------------
# Crash reports hold no library message


def test_a_crash_report_leaves_a_librarys_message_out(run: Run, initialised: Path) -> None:
    from openpyxl.utils.exceptions import IllegalCharacterError

    import rvneet.services.youths as youths

    leaky = f"Mari Maasikas\x01 ({CODE_F_2010}) cannot be used in worksheets."
    original = youths.list_youths

    def broken(*args: object, **kwargs: object) -> object:
        raise IllegalCharacterError(leaky)

    youths.list_youths = broken  # type: ignore[assignment]
    try:
        result = run("youth", "list")
    finally:
        youths.list_youths = original
    assert result.exit_code == 70
    (report,) = (initialised.parent / "xdg-state").rglob("error-*.txt")
    text = report.read_text(encoding="utf-8")
    # Breaks if error_report._described writes a library's message (scrub hides quoted text only).
    assert "Maasikas" not in text and CODE_F_2010 not in text
    assert "openpyxl.utils.exceptions.IllegalCharacterError (message left out)" in text


def test_a_crash_report_keeps_rvneets_own_message_scrubbed() -> None:
    try:
        raise InvalidInput(f"period {CODE_F_2010} is not known")
    except InvalidInput as exc:
        text = format_report(exc)
    assert "rvneet.domain.errors.InvalidInput: period <personal code> is not known" in text


# ---------------------------------------------------------------------------------------------
# XLSX files rvneet writes hold control characters written out (<U+001B>) instead of failing


def test_the_xlsx_rule_is_the_exports() -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from rvneet.files.write import XLSX_ILLEGAL

    assert XLSX_ILLEGAL.pattern == ILLEGAL_CHARACTERS_RE.pattern


def _cells(path: Path) -> list[object]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    try:
        return [c for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row]
    finally:
        workbook.close()


def test_an_import_errors_file_holds_a_control_character(
    run: Run, initialised: Path, tmp_path: Path
) -> None:
    source = tmp_path / "youths.csv"
    source.write_text("nimi;isikukood;sugu\nMari\x01 Tamm;;X\n", encoding="utf-8")
    errors = tmp_path / "errors.xlsx"
    result = run("import", "youths", str(source), "--errors", str(errors))
    # Breaks if files/write.xlsx_cell passes the control character to openpyxl (it refuses the
    # file with an exception quoting the name, which became a crash report).
    assert result.exit_code == 1, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error: 1 of 1 row")
    assert "Mari<U+0001> Tamm" in _cells(errors)
    assert not list((initialised.parent / "xdg-state").rglob("error-*.txt"))


def test_the_workload_report_holds_a_control_character(
    ok: Ok, initialised: Path, tmp_path: Path
) -> None:
    ok("youth", "add", "--name", "Noor", "--birth-date", "2010-01-01", "--sex", "F")
    ok("staff", "add", "--name", "Kadri\x1bPõld")
    ok("case", "open", "--youth", "Y-0001", "--model", "rv", "--risk", "high",
       "--start", "2025-01-01", "--manager", "Kadri\x1bPõld")  # fmt: skip
    target = tmp_path / "workload.xlsx"
    ok("report", "workload", "--format", "xlsx", "--output", str(target))
    assert "Kadri<U+001B>Põld" in _cells(target)
