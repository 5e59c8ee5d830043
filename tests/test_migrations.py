"""Upgrading a database made under revision 0001 (the first slice) to the case-work schema (0002).

Migration 0002 back-fills what the case work adds for older cases: the first stage of every case,
the move to follow-up and the follow-up itself of closed ones, and an implementation support request
for cases opened with "support requested". A failed upgrade leaves the file as it was.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CODE_F_2010, CODE_M_2010, MUNICIPALITY, Run, dump

from rvneet.db import Database, head_revision, migrations_dir

Ok = Callable[..., str]

EXIT_DATABASE = 4

# The data of a book kept under revision 0001, in that revision's schema.
YOUTHS = [
    (1, "Y-0001", "Mari Maasikas", CODE_F_2010, "2010-01-01", "F"),
    (2, "Y-0002", "Jaan Tamm", CODE_M_2010, "2010-05-05", "M"),
    (3, "Y-0003", "Kati Kask", None, "2001-07-14", "F"),
]
# id, ref, youth_id, model, seq, start_date, end_date, close_reason, neet_group, manager,
# support_requested, ineligible_reason
CASES = [
    (1, "RV-2024-001", 2, "rv", 1, "2024-09-02", "2025-08-31", "goals-met", None, "Anne", 0, None),
    (2, "NEET-2024-001", 3, "neet", 1, "2024-02-01", "2024-08-29", "moved", "neet", None, 0, None),
    (3, "RV-2025-001", 1, "rv", 1, "2025-01-10", None, None, None, "Anne", 1, None),
    (4, "NEET-2025-001", 3, "neet", 1, "2025-03-03", None, None, "neet", None, 0, None),
]
ASSESSMENTS = [
    (1, 1, "2024-09-02", "medium", None),
    (2, 1, "2025-03-01", "high", None),
    (3, 2, "2024-02-01", None, "red"),
    (4, 3, "2025-01-10", "high", None),
    (5, 4, "2025-03-03", None, "yellow"),
]


def database_at_0001(path: Path) -> None:
    """An empty database at revision 0001, made by Alembic as rvneet 0.1 made it."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    engine = Database(path, "tester").engine(write=True, foreign_keys=False)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
    finally:
        engine.dispose()


def execute(path: Path, sql: str, rows: list[tuple[Any, ...]] | None = None) -> None:
    con = sqlite3.connect(path)
    try:
        if rows is None:
            con.execute(sql)
        else:
            con.executemany(sql, rows)
        con.commit()
    finally:
        con.close()


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def old_book(db_path: Path) -> Path:
    """A book kept under revision 0001, at this test's database path."""
    database_at_0001(db_path)
    execute(
        db_path, "INSERT INTO settings (key, value) VALUES (?, ?)", [("municipality", MUNICIPALITY)]
    )
    execute(db_path, "INSERT INTO youths VALUES (?, ?, ?, ?, ?, ?)", YOUTHS)
    execute(db_path, f"INSERT INTO cases VALUES ({', '.join('?' * 12)})", CASES)
    execute(db_path, "INSERT INTO assessments VALUES (?, ?, ?, ?, ?)", ASSESSMENTS)
    assert query(db_path, "SELECT version_num FROM alembic_version") == [("0001",)]
    db_path.chmod(0o600)  # rvneet warns about a database others can read
    return db_path


def by_case(path: Path, table: str, columns: str, order: str = "t.id") -> list[tuple[Any, ...]]:
    """`columns` of `table` (as `t`) with the case reference first."""
    return query(
        path,
        f"SELECT c.ref, {columns} FROM {table} t JOIN cases c ON c.id = t.case_id ORDER BY {order}",
    )


def test_an_old_book_is_upgraded_with_everything_back_filled(
    old_book: Path, run: Run, ok: Ok
) -> None:
    result = run("case", "list", "--format", "json")
    assert result.exit_code == 0, result.stderr
    notice = result.stderr.strip().splitlines()
    assert len(notice) == 1 and "upgraded" in notice[0], result.stderr
    assert f"from schema 0001 to {head_revision()}" in notice[0]
    assert query(old_book, "SELECT version_num FROM alembic_version") == [(head_revision(),)]

    cases = {r["case"]: r for r in json.loads(result.stdout)}
    assert {ref: (r["status"], r["stage"], r["support_requested"]) for ref, r in cases.items()} == {
        "NEET-2024-001": ("closed", "follow-up", False),
        "RV-2024-001": ("closed", "follow-up", False),
        "RV-2025-001": ("open", "referral", True),
        "NEET-2025-001": ("open", "contact", False),
    }
    assert cases["RV-2024-001"]["level"] == "high"  # the later assessment

    # Every case has its first stage on its start; closed ones moved to follow-up on their end.
    assert by_case(old_book, "stage_changes", "t.stage, t.date") == [
        ("RV-2024-001", "referral", "2024-09-02"),
        ("NEET-2024-001", "contact", "2024-02-01"),
        ("RV-2025-001", "referral", "2025-01-10"),
        ("NEET-2025-001", "contact", "2025-03-03"),
        ("RV-2024-001", "follow-up", "2025-08-31"),
        ("NEET-2024-001", "follow-up", "2024-08-29"),
    ]
    assert by_case(old_book, "followups", "t.due, t.status", order="c.ref") == [
        ("NEET-2024-001", "2025-02-28", "due"),
        ("RV-2024-001", "2026-02-28", "due"),
    ]
    due = json.loads(ok("followup", "due", "--as-of", "2026-02-28", "--format", "json"))
    assert [(r["case"], r["due"], r["days_overdue"]) for r in due] == [
        ("NEET-2024-001", "2025-02-28", 365),
        ("RV-2024-001", "2026-02-28", 0),
    ]

    # "Support requested" became an implementation request dated on the case start.
    assert by_case(old_book, "support_requests", "t.number, t.date, t.kind, t.justification") == [
        ("RV-2025-001", 1, "2025-01-10", "implementation", None)
    ]
    report = json.loads(ok("report", "lisa4", "--period", "2025H1", "--format", "json"))
    assert report["municipality"] == MUNICIPALITY
    assert {c["case"]: c["support_requested"] for c in report["cases"]} == {
        "RV-2024-001": False,
        "RV-2025-001": True,
    }
    assert report["summary"]["by_support_requested"] == {"no": 1, "yes": 1}
    assert report["summary"]["by_risk"] == {"high": 2}

    # Nothing was lost, and the file is sound.
    assert query(old_book, "SELECT * FROM youths ORDER BY id") == YOUTHS
    assert query(
        old_book,
        "SELECT id, ref, youth_id, model, seq, start_date, end_date, close_reason, neet_group,"
        " manager, ineligible_reason FROM cases ORDER BY id",
    ) == [c[:10] + c[11:] for c in CASES]
    assert query(old_book, "SELECT id, case_id, date, risk, light FROM assessments") == ASSESSMENTS
    assert query(old_book, "SELECT value FROM settings") == [(MUNICIPALITY,)]
    assert query(old_book, "PRAGMA foreign_key_check") == []
    assert query(old_book, "PRAGMA integrity_check") == [("ok",)]

    # Once upgraded, no notice; the old cases take the new case work.
    again = run("case", "list", "--format", "json")
    assert (again.exit_code, again.stderr) == (0, "")
    ok("case", "stage", "RV-2025-001", "network", "--date", "2025-02-03")
    ok("followup", "record", "NEET-2024-001", "--date", "2025-03-02", "--reached", "no")
    ok("case", "reopen", "RV-2024-001", "--date", "2025-09-15", "--reason", "came back")
    shown = json.loads(ok("case", "show", "RV-2024-001", "--format", "json"))
    assert (shown["status"], shown["stage"]) == ("open", "implementation")


def test_a_failed_upgrade_leaves_the_file_at_revision_0001(old_book: Path, run: Run) -> None:
    # A table of the new schema is already there: CREATE TABLE stage_changes fails half-way
    # through migration 0002, after it has created other tables.
    execute(old_book, "CREATE TABLE stage_changes (id INTEGER PRIMARY KEY, note TEXT)")
    execute(old_book, "INSERT INTO stage_changes VALUES (1, 'left by hand')")
    before = dump(old_book)

    result = run("case", "list", "--format", "json")
    assert result.exit_code == EXIT_DATABASE, (result.stdout, result.stderr)
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "table stage_changes already exists" in lines[0]
    assert lines[0].endswith("nothing changed")
    assert "Traceback" not in result.output
    assert result.stdout == ""

    assert query(old_book, "SELECT version_num FROM alembic_version") == [("0001",)]
    assert dump(old_book) == before  # no new table, no back-filled row, no dropped column
    assert "support_requested" in [r[1] for r in query(old_book, "PRAGMA table_info(cases)")]
    assert query(old_book, "PRAGMA integrity_check") == [("ok",)]

    # It fails the same way again, and succeeds once the stray table is gone.
    assert run("case", "list").exit_code == EXIT_DATABASE
    assert dump(old_book) == before
    execute(old_book, "DROP TABLE stage_changes")
    upgraded = run("case", "list", "--format", "json")
    assert upgraded.exit_code == 0, upgraded.stderr
    assert "upgraded" in upgraded.stderr
    assert len(json.loads(upgraded.stdout)) == len(CASES)


def test_a_book_at_0003_is_upgraded_and_its_cases_were_reached_through_other(
    db_path: Path, run: Run, ok: Ok
) -> None:
    """Migration 0004 adds how a youth was reached (`cases.channel`); cases kept before read other."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    engine = Database(db_path, "tester").engine(write=True, foreign_keys=False)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0003")
    finally:
        engine.dispose()
    execute(
        db_path, "INSERT INTO settings (key, value) VALUES (?, ?)", [("municipality", MUNICIPALITY)]
    )
    execute(db_path, "INSERT INTO youths VALUES (?, ?, ?, ?, ?, ?)", YOUTHS)
    columns = (
        "id, ref, youth_id, model, seq, start_date, end_date, close_reason, neet_group, manager"
    )
    execute(
        db_path,
        f"INSERT INTO cases ({columns}) VALUES ({', '.join('?' * 10)})",
        [c[:10] for c in CASES],
    )
    before = query(db_path, f"SELECT {columns} FROM cases ORDER BY id")

    result = run("case", "list", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert f"from schema 0003 to {head_revision()}" in result.stderr
    assert {r["case"]: r["channel"] for r in json.loads(result.stdout)} == {
        "RV-2024-001": "other",
        "NEET-2024-001": "other",
        "RV-2025-001": "other",
        "NEET-2025-001": "other",
    }
    assert query(db_path, f"SELECT {columns} FROM cases ORDER BY id") == before
    assert query(db_path, "PRAGMA integrity_check") == [("ok",)]
    # The column is checked by the database too, and new cases take a channel.
    with pytest.raises(sqlite3.IntegrityError, match="ck_cases_channel"):
        execute(db_path, "UPDATE cases SET channel = 'rumour' WHERE id = 1")
    ok("youth", "add", "--name", "Uus Noor", "--birth-date", "2004-04-04", "--sex", "M")
    ok(
        "case", "open", "--youth", "Y-0004", "--model", "neet", "--group", "neet",
        "--light", "red", "--start", "2025-04-01", "--channel", "ngts-list",
    )  # fmt: skip
    assert query(db_path, "SELECT ref, channel FROM cases WHERE id = 5") == [
        ("NEET-2025-002", "ngts-list")
    ]
