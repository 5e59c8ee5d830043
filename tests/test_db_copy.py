"""`rvneet db copy SOURCE TARGET`: a whole book moved from a SQLite file to a PostgreSQL database
and back, in one transaction on the target, verified (rows, audit chain, Lisa 4 and NEET) before
it is committed; a non-empty target refused and a failed copy leaving the target empty. Runs
against the throwaway server of tests/pg.py; the PostgreSQL tests skip, saying why, where there is
none."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from books import copy_book, next_youths, run_on_terminal
from conftest import CODE_F_2010, MUNICIPALITY, Run, dump
from pg import PgServer, connect, pg_dump

from rvneet.db import head_revision

# The reports compared on every side of a copy (all --format json --no-timestamp).
REPORTS = [
    ("report", "lisa4", "--period", "2025H1"),
    ("report", "lisa4", "--period", "2025H2"),
    ("report", "neet", "--period", "2025H1"),
    ("report", "neet", "--period", "2025"),
]


@pytest.fixture(scope="module")
def server(pg_server: PgServer | None) -> PgServer:
    """The test process's server; the PostgreSQL tests skip, saying why, without one."""
    if pg_server is None:
        from pg import _WHY_NOT

        pytest.skip(f"PostgreSQL: {_WHY_NOT[0]}")
    return pg_server


@pytest.fixture
def empty(server: PgServer) -> Iterator[str]:
    """An empty PostgreSQL database: its URL."""
    name = server.new_database()
    yield server.url(name)
    server.drop(name)


@pytest.fixture
def demo(demo_book: Path, tmp_path: Path) -> Path:
    """A copy of the demo book (examples/load.sh) in this test's folder."""
    return copy_book(demo_book, tmp_path / "demo.db")


def _reports(run: Run, db: str) -> list[str]:
    outputs = []
    for command in REPORTS:
        result = run("--db", db, *command, "--format", "json", "--no-timestamp")
        assert result.exit_code == 0, (command, result.stderr)
        outputs.append(result.stdout)
    return outputs


def _tables(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    finally:
        con.close()


def _copy(run: Run, source: str, target: str, *more: str) -> dict[str, Any]:
    result = run("db", "copy", source, target, "--format", "json", *more)
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_a_book_goes_to_the_server_and_back_unchanged(
    demo: Path, empty: str, server: PgServer, tmp_path: Path, run: Run
) -> None:
    before = _reports(run, str(demo))
    to_server = _copy(run, str(demo), empty)
    assert to_server["periods_checked"] == ["2024H2", "2025H1", "2025H2"]
    assert _reports(run, empty) == before
    verified = run("--db", empty, "audit", "verify")
    assert verified.exit_code == 0 and verified.stdout.startswith("audit log intact:")
    # From one server database to another.
    name = server.new_database()
    try:
        _copy(run, empty, server.url(name))
        assert _reports(run, server.url(name)) == before
    finally:
        server.drop(name)
    back = tmp_path / "back.db"
    from_server = _copy(run, empty, str(back))
    # The server's book held one audit entry more: the first copy's.
    expected = {**to_server["tables"], "audit_log": to_server["tables"]["audit_log"] + 1}
    assert from_server["tables"] == expected
    assert back.stat().st_mode & 0o777 == 0o600
    assert _reports(run, str(back)) == before
    assert run("--db", str(back), "audit", "verify").exit_code == 0
    # Every row as it was, ids included; the audit log has the two copies' entries at its end.
    original = dict(dump(demo))
    returned = dict(dump(back))
    for table, rows in original.items():
        if table != "audit_log":
            assert returned[table] == rows, table
    log = returned["audit_log"]
    assert log[: len(original["audit_log"])] == original["audit_log"]
    copies = [row for row in log[len(original["audit_log"]) :]]
    assert [(r[3], r[6]) for r in copies] == [("database", "copy"), ("database", "copy")]
    # The server's sequences moved past the copied ids: the next youth is numbered as on the file.
    added = next_youths(run, str(demo), empty)
    assert added[0] == added[1] and added[0].startswith("Y-")


def test_a_file_copies_to_a_new_file_with_a_summary(demo: Path, tmp_path: Path, run: Run) -> None:
    target = tmp_path / "copy.db"
    result = run("db", "copy", str(demo), str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""  # no progress display when stderr is not a terminal
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Copied {demo} to {target}: ")
    assert lines[1].startswith("Audit log intact on the target: ")
    assert lines[2] == "Lisa 4 and NEET reports the same on both sides for 2024H2, 2025H1, 2025H2"
    with sqlite3.connect(target) as con:
        row = con.execute("SELECT user, action, changes FROM audit_log ORDER BY id DESC").fetchone()
    assert row[:2] == ("tester", "copy")
    assert json.loads(row[2])["copied_from"] == [None, "demo.db"]


def test_a_target_just_made_by_init_takes_the_copy(demo: Path, empty: str, run: Run) -> None:
    assert run("--db", empty, "init", "--municipality", MUNICIPALITY).exit_code == 0
    _copy(run, str(demo), empty)
    assert _reports(run, empty) == _reports(run, str(demo))
    assert run("--db", empty, "audit", "verify").exit_code == 0


def test_a_target_made_for_another_municipality_is_refused(
    demo: Path, empty: str, run: Run
) -> None:
    assert run("--db", empty, "init", "--municipality", "Tartu linn").exit_code == 0
    before = pg_dump(empty)
    result = run("db", "copy", str(demo), empty)
    assert result.exit_code == 4
    assert result.stderr.splitlines() == [
        f"Error: {empty} was made for 'Tartu linn', but {demo} belongs to 'Viljandi linn'; copy "
        "into an empty database"
    ]
    assert pg_dump(empty) == before


def test_a_target_that_holds_a_book_is_refused(demo: Path, empty: str, run: Run) -> None:
    assert run("--db", empty, "init", "--municipality", MUNICIPALITY).exit_code == 0
    added = run("--db", empty, "youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    assert added.exit_code == 0, added.stderr
    before = pg_dump(empty)
    result = run("db", "copy", str(demo), empty)
    assert result.exit_code == 4
    assert result.stderr.splitlines() == [
        f"Error: {empty} is not empty: it holds rows in audit_log (1), settings (1), youths (1); "
        "copy only into an empty database (or a new file)"
    ]
    assert result.stdout == ""
    assert pg_dump(empty) == before


def test_a_target_of_another_program_is_refused(demo: Path, empty: str, run: Run) -> None:
    with connect(empty) as con:
        con.execute("CREATE TABLE invoices (id integer)")
    result = run("db", "copy", str(demo), empty)
    assert result.exit_code == 4
    assert result.stderr.splitlines() == [
        f"Error: {empty} holds tables of another program (invoices); copy only into an empty "
        "database"
    ]


def test_a_file_target_that_holds_a_book_is_refused(
    demo: Path, template_db: Path, tmp_path: Path, run: Run
) -> None:
    target = copy_book(template_db, tmp_path / "target.db")
    added = run(
        "--db", str(target), "youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010
    )
    assert added.exit_code == 0, added.stderr
    before = dump(target)
    result = run("db", "copy", str(demo), str(target))
    assert result.exit_code == 4
    assert (
        "is not empty: it holds rows in audit_log (1), settings (1), youths (1);" in result.stderr
    )
    assert dump(target) == before


def test_a_copy_that_fails_midway_leaves_the_target_empty(
    demo: Path, empty: str, tmp_path: Path, run: Run
) -> None:
    # A contact pointing at a case that does not exist: SQLite stored it (foreign keys off), the
    # server refuses it, after every table before `contacts` was copied.
    with sqlite3.connect(demo) as con:
        con.execute("UPDATE contacts SET case_id = 9999 WHERE id = (SELECT MAX(id) FROM contacts)")
    result = run("db", "copy", str(demo), empty)
    assert result.exit_code == 4
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"Error: copying table contacts into {empty} failed (")
    assert lines[0].endswith("); nothing was written to it")
    assert pg_dump(empty) == []  # not even the schema
    # Into a file: the broken reference is found before the commit, and the new file is removed.
    target = tmp_path / "copy.db"
    result = run("db", "copy", str(demo), str(target))
    assert result.exit_code == 4
    assert result.stderr.splitlines() == [
        "Error: the copy differs from its source: table contacts row "
        f"{_last_contact(demo)} refers to a missing cases; nothing was written to {target}"
    ]
    assert not target.exists()


def _last_contact(path: Path) -> int:
    with sqlite3.connect(path) as con:
        return int(con.execute("SELECT MAX(id) FROM contacts").fetchone()[0])


def test_a_source_not_at_this_schema_is_refused(demo: Path, tmp_path: Path, run: Run) -> None:
    with sqlite3.connect(demo) as con:
        con.execute("UPDATE alembic_version SET version_num = '0013'")
    target = tmp_path / "copy.db"
    result = run("db", "copy", str(demo), str(target))
    assert result.exit_code == 4
    assert result.stderr.splitlines() == [
        f"Error: {demo} has schema 0013, older than this rvneet's {head_revision()}; upgrade it "
        "first (any command on it does, e.g. rvneet --db SOURCE audit verify)"
    ]
    assert not target.exists()


def test_the_same_book_twice_is_refused(demo: Path, run: Run) -> None:
    result = run("db", "copy", str(demo), str(demo))
    assert result.exit_code == 4
    assert result.stderr.splitlines() == [
        f"Error: {demo} and {demo} are the same database; name another target"
    ]


def test_an_empty_source_has_nothing_to_copy(tmp_path: Path, run: Run) -> None:
    source = tmp_path / "nothing.db"
    source.touch()
    result = run("db", "copy", str(source), str(tmp_path / "copy.db"))
    assert result.exit_code == 4
    assert result.stderr.splitlines() == [f"Error: {source} is empty; there is nothing to copy"]
    assert not (tmp_path / "copy.db").exists()


def test_a_password_in_an_address_is_never_printed(
    demo: Path, server: PgServer, empty: str, run: Run
) -> None:
    # The throwaway server trusts its socket: the password is given, and ignored.
    secret = empty.replace("postgresql://postgres@", "postgresql://postgres:Salajane99@")
    result = run("db", "copy", str(demo), secret)
    assert result.exit_code == 0, result.stderr
    assert "Salajane99" not in result.stdout + result.stderr
    assert "postgres:***@" in result.stdout
    again = run("db", "copy", str(demo), secret)
    assert again.exit_code == 4
    assert "Salajane99" not in again.stdout + again.stderr
    assert "postgres:***@" in again.stderr
    with connect(empty) as con:
        changes = con.execute("SELECT changes FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    assert changes is not None and "Salajane99" not in changes[0]


def test_an_unreachable_target_is_one_line_without_its_password(
    demo: Path, tmp_path: Path, run: Run
) -> None:
    target = f"postgresql://kadri:Salajane99@/rvneet?host={tmp_path}"
    result = run("db", "copy", str(demo), target)
    assert result.exit_code == 4
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        f"Error: copying into postgresql://kadri:***@/rvneet?host={tmp_path}"
    )
    assert "Salajane99" not in result.stdout + result.stderr


def test_a_terminal_shows_the_rows_copied(demo: Path, tmp_path: Path) -> None:
    """The progress display is on stderr when it is a terminal (in a pipe, nothing: the tests
    above see an empty stderr)."""
    env = {**os.environ, "RVNEET_PROGRESS_DELAY": "0"}
    rvneet = Path(sys.executable).with_name("rvneet")
    code, shown = run_on_terminal(
        [str(rvneet), "db", "copy", str(demo), str(tmp_path / "copy.db")], env
    )
    assert code == 0, shown
    assert "Copying rows:" in shown


def test_a_report_that_differs_is_named_with_its_period(
    demo: Path, demo_book: Path, tmp_path: Path
) -> None:
    """The check the copy makes before its commit, on two books that differ in one youth's sex:
    the first half-year whose Lisa 4 differs is named."""
    from rvneet.db import Database
    from rvneet.domain.errors import DatabaseError
    from rvneet.services.book_copy import _same_reports

    with sqlite3.connect(demo) as con:
        con.execute(
            "UPDATE youths SET sex = 'F'"
            " WHERE id = (SELECT youth_id FROM cases ORDER BY id LIMIT 1)"
        )
    books = [Database(demo, "tester"), Database(demo_book, "tester")]
    engines = [book.engine(write=False) for book in books]
    try:
        with (
            engines[0].connect() as one,
            one.begin(),
            engines[1].connect() as other,
            other.begin(),
            pytest.raises(DatabaseError) as refused,
        ):
            _same_reports(other, one, books[0])
    finally:
        for engine in engines:
            engine.dispose()
    assert str(refused.value) == (
        "the copy differs from its source: report Lisa 4 for 2024H2 is not the same; nothing "
        f"was written to {demo}"
    )


def test_a_source_whose_audit_chain_is_broken_is_not_copied(
    demo: Path, tmp_path: Path, run: Run
) -> None:
    with sqlite3.connect(demo) as con:
        con.execute("DROP TRIGGER audit_log_no_update")
        con.execute("UPDATE audit_log SET action = 'x' WHERE id = 5")
    target = tmp_path / "copy.db"
    result = run("db", "copy", str(demo), str(target))
    assert result.exit_code == 4
    assert result.stderr.splitlines() == [
        "Error: the copy differs from its source: the audit log does not verify (broken at entry "
        "5: its content does not match its hash (edited)); nothing was written to "
        f"{target}"
    ]
    assert not target.exists()
