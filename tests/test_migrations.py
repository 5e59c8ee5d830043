"""Upgrading older databases to the newest schema, and the models agreeing with the migrations.

A book made at each earlier revision (filled with that revision's data, `FILL`) is upgraded to head
with its data kept and a copy of it saved beside it first. On both engines (tests/pg.py), one book
walks up every migration with each revision's data, a book goes down every migration and up again,
and the models and the migrations agree. Migration 0002 back-fills what the case work adds for
older cases: the first stage of every case, the move to follow-up and the follow-up itself of
closed ones, and an implementation support request for cases opened with "support requested". A
failed upgrade leaves the file as it was.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import books
import pytest
from books import process_env
from conftest import CODE_F_2010, CODE_M_2010, MUNICIPALITY, Run, dump
from pg import PgBook, PgServer, connect, pg_query

from rvneet.db import head_revision, known_revisions, server_label

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


def database_at(path: Path, revision: str) -> None:
    """An empty database at `revision`, made by Alembic as the rvneet of that revision made it."""
    books.database_at(path, revision)
    path.chmod(0o600)  # as `rvneet init` makes it: no warning about a file others can read


def database_at_0001(path: Path) -> None:
    """An empty database at revision 0001, made by Alembic as rvneet 0.1 made it."""
    database_at(path, "0001")


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
    assert (
        query(old_book, "SELECT id, ref, name, id_code, birth_date, sex FROM youths ORDER BY id")
        == YOUTHS
    )
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
    # The copy made before the upgrade went with it (`Database.upgrade` removes it on failure).
    assert sorted(p.name for p in old_book.parent.glob("*.bak-*")) == []
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
    books.database_at(db_path, "0003")
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


# The copy made before an upgrade.


def test_a_new_database_and_one_at_head_get_no_copy(tmp_path: Path, run: Run, ok: Ok) -> None:
    path = tmp_path / "new" / "rvneet.db"
    path.parent.mkdir()
    ok("--db", str(path), "init", "--municipality", MUNICIPALITY)
    result = run("--db", str(path), "case", "list")
    assert (result.exit_code, result.stderr) == (0, "")
    # Would fail if `Database.create` backed up the empty file it has just made.
    assert list(path.parent.glob("*.bak*")) == []


def test_an_earlier_copy_is_never_replaced(old_book: Path, run: Run) -> None:
    earlier = old_book.with_name("rvneet.db.bak-0001")
    earlier.write_text("an earlier copy")
    result = run("case", "list")
    assert result.exit_code == 0, result.stderr
    copy = old_book.with_name("rvneet.db.bak-0001-2")
    assert result.stderr.strip().endswith(f"the previous version is saved as {copy}")
    # Would fail if `save_upgrade_backup` (storage/copies.py) overwrote an existing copy.
    assert earlier.read_text() == "an earlier copy"
    assert query(copy, "SELECT version_num FROM alembic_version") == [("0001",)]
    assert query(copy, "SELECT * FROM youths ORDER BY id") == YOUTHS


def test_two_commands_that_find_an_old_book_at_once_upgrade_it_once(old_book: Path) -> None:
    env = process_env()
    commands = [
        subprocess.Popen(
            [sys.executable, "-m", "rvneet", "--db", str(old_book), "case", "list"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    notices = []
    for command in commands:
        _, stderr = command.communicate(timeout=60)
        assert command.returncode == 0, stderr
        notices += stderr.splitlines()
    # Both find schema 0001 (they start together; if one happened to finish before the other
    # looked, the test passes without testing much). The second waits for the first's lock, then
    # finds the book at head: `Database.upgrade` reads the revision again once it holds the lock;
    # without that, two notices and a second copy.
    assert len(notices) == 1 and "upgraded" in notices[0], notices
    assert sorted(p.name for p in old_book.parent.glob("*.bak-*")) == ["rvneet.db.bak-0001"]
    assert query(old_book, "SELECT version_num FROM alembic_version") == [(head_revision(),)]


# Every earlier revision, upgraded to head with its data.
#
# FILL[revision] is what a book kept at that revision holds, as raw SQL for that revision's schema
# (with the audit entries rvneet writes for youths and cases, so that `db check --full` passes). A
# revision without its own entry uses the newest earlier one; the statements name their columns,
# so they keep working while migrations only add columns. A migration that changes a filled table
# otherwise needs its own entry here. The same statements fill a book on PostgreSQL (`fill_book`).

Fill = list[tuple[str, list[tuple[Any, ...]]]]
AT = "2025-01-01T00:00:00.000000Z"


def _audit_rows(entity: str, rows: list[tuple[Any, ...]]) -> tuple[str, list[tuple[Any, ...]]]:
    """The audit entries of the creation of `rows` (id, ref, ...), without their content."""
    return (
        "INSERT INTO audit_log (at, user, entity, entity_id, entity_ref, action, changes)"
        " VALUES (?, 'tester', ?, ?, ?, 'insert', '{}')",
        [(AT, entity, r[0], r[1]) for r in rows],
    )


CASE_COLUMNS = (
    "id, ref, youth_id, model, seq, start_date, end_date, close_reason, neet_group, manager,"
    " ineligible_reason"
)
FILL_0001: Fill = [
    ("INSERT INTO settings (key, value) VALUES (?, ?)", [("municipality", MUNICIPALITY)]),
    (
        "INSERT INTO youths (id, ref, name, id_code, birth_date, sex) VALUES (?, ?, ?, ?, ?, ?)",
        YOUTHS,
    ),
    (f"INSERT INTO cases VALUES ({', '.join('?' * 12)})", CASES),
    (
        "INSERT INTO assessments (id, case_id, date, risk, light) VALUES (?, ?, ?, ?, ?)",
        ASSESSMENTS,
    ),
    _audit_rows("youths", YOUTHS),
    _audit_rows("cases", CASES),
]
# From 0002 on: cases without `support_requested`, the case work (stages, contacts, plan, network,
# consents, support, follow-up) and the case's outcome.
CASES_0002: list[tuple[Any, ...]] = [
    (*c[:10], c[11], None, None, None, None, None, None) for c in CASES
]
CASES_0002[0] = (*CASES_0002[0][:11], 1, 0, 4, 7, 5, 4)  # RV-2024-001 closed with its outcome
FILL_0002: Fill = [
    *FILL_0001[:2],
    (
        f"INSERT INTO cases ({CASE_COLUMNS}, in_education, in_employment, wellbeing_start,"
        f" wellbeing_end, satisfaction_manager, satisfaction_overall)"
        f" VALUES ({', '.join('?' * 17)})",
        CASES_0002,
    ),
    (
        "INSERT INTO assessments (id, case_id, date, risk, light, instrument)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(*a, "YLS/CMI" if a[3] else None) for a in ASSESSMENTS],
    ),
    (
        "INSERT INTO stage_changes (id, case_id, stage, date, note) VALUES (?, ?, ?, ?, ?)",
        [
            (1, 1, "referral", "2024-09-02", None),
            (2, 1, "follow-up", "2025-08-31", "goals met"),
            (3, 3, "referral", "2025-01-10", None),
            (4, 4, "contact", "2025-03-03", None),
        ],
    ),
    (
        "INSERT INTO contacts (id, case_id, date, channel, place, with_roles, network_meeting,"
        " note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(1, 3, "2025-01-15", "meeting", "kool", "parent,school", 1, "first meeting")],
    ),
    (
        "INSERT INTO network_members (id, ref, name, role, org, tier, email, phone, retired_on)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(1, "N-001", "Anne Sepp", "social-worker", "Viljandi linn", "core", "a@x.ee", None, None)],
    ),
    (
        "INSERT INTO case_members (id, case_id, member_id, trusted_person, added_on, removed_on,"
        " no_consent_reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(1, 3, 1, 1, "2025-01-15", None, None)],
    ),
    (
        "INSERT INTO consents (id, youth_id, date, scope, given_by, withdrawn)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(1, 1, "2025-01-10", "participation", "guardian", 0)],
    ),
    (
        "INSERT INTO needs_assessments (id, case_id, date, neet_months, motivation, note)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(1, 4, "2025-03-10", 7, 3, None)],
    ),
    (
        "INSERT INTO needs (id, assessment_id, category) VALUES (?, ?, ?)",
        [(1, 1, "education"), (2, 1, "health")],
    ),
    (
        "INSERT INTO welfare_scores (id, assessment_id, domain, score) VALUES (?, ?, ?, ?)",
        [(1, 1, "health", 3)],
    ),
    (
        "INSERT INTO goals (id, case_id, number, text, added_on, due, state, state_date, reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(1, 3, 1, "goes to school every day", "2025-01-20", "2025-06-01", "open", None, None)],
    ),
    (
        "INSERT INTO support_activities (id, case_id, number, member_id, kind, start_date,"
        " planned_end, status, ended_on, feedback, satisfaction)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(1, 3, 1, 1, "counselling", "2025-02-01", None, "ongoing", None, None, None)],
    ),
    (
        "INSERT INTO support_requests (id, case_id, number, date, kind, justification, answer,"
        " answered_on, answer_note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(1, 3, 1, "2025-01-10", "implementation", None, "granted", "2025-01-20", None)],
    ),
    (
        "INSERT INTO reopenings (id, case_id, date, reason, previous_end, previous_reason)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(1, 2, "2024-05-01", "came back", "2024-04-01", "moved")],
    ),
    (
        "INSERT INTO followups (id, case_id, due, status, done_on, reached, in_education,"
        " in_employment, note, skip_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (1, 1, "2026-02-28", "due", None, None, None, None, None, None),
            (2, 2, "2025-02-28", "done", "2025-03-01", 1, 0, 1, None, None),
        ],
    ),
    *FILL_0001[4:],
]
FILL_0003: Fill = [
    *FILL_0002,
    (
        "INSERT INTO ngts_entries (id, youth_id, list_date, phone, email, address, guardian,"
        " guardian_contact, last_education, last_employment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(1, 3, "2025-03-01", "5550000", None, "Tallinna 1", None, None, "põhiharidus", None)],
    ),
]
FILL_0004: Fill = [*FILL_0003, ("UPDATE cases SET channel = 'ngts-list' WHERE id = 4", [()])]


def _chained(fill: Fill) -> Fill:
    """`fill` with its audit entries hash-chained, as a book at 0006 or later holds them."""
    from rvneet.storage.audit import GENESIS, entry_hash

    prev, chained = GENESIS, []
    for sql, rows in fill:
        if not sql.startswith("INSERT INTO audit_log"):
            chained.append((sql, rows))
            continue
        linked = []
        for at, entity, entity_id, ref in rows:
            digest = entry_hash(prev, (at, "tester", entity, entity_id, ref, "insert", "{}"))
            linked.append((at, entity, entity_id, ref, prev, digest))
            prev = digest
        chained.append(
            (
                "INSERT INTO audit_log (at, user, entity, entity_id, entity_ref, action, changes,"
                " prev_hash, hash) VALUES (?, 'tester', ?, ?, ?, 'insert', '{}', ?, ?)",
                linked,
            )
        )
    return chained


# From 0006 on the audit log is a hash chain.
FILL_0006: Fill = _chained(FILL_0004)
# From 0007 on case managers are staff: "Anne" is S-0001; RV-2025-001 was handed to S-0002.
FILL_0007: Fill = [
    *FILL_0006,
    (
        "INSERT INTO staff (id, ref, name, user, role, email, retired_on, retire_reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (1, "S-0001", "Anne", None, "case-manager", None, None, None),
            (2, "S-0002", "Toomas Org", "toomas", "case-manager", "t@example.ee", None, None),
        ],
    ),
    ("UPDATE cases SET manager_id = 1 WHERE manager = 'Anne'", [()]),
    (
        "INSERT INTO manager_changes (id, case_id, from_id, to_id, date, reason)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(1, 3, 1, 2, "2025-02-01", "Anne on leave")],
    ),
    ("UPDATE cases SET manager_id = 2, manager = 'Toomas Org' WHERE id = 3", [()]),
]
# From 0008 on a record typed wrong is corrected or withdrawn, and the correction kept.
FILL_0008: Fill = [
    *FILL_0007,
    (
        "UPDATE assessments SET withdrawn_at = '2025-03-02', withdrawn_by = 'tester',"
        " withdrawn_reason = 'typed twice' WHERE id = 2",
        [()],
    ),
    (
        "INSERT INTO corrections (id, at, user, entity, entity_id, case_id, youth_id, record,"
        " action, changes, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                1,
                "2025-03-02T10:00:00+00:00",
                "tester",
                "assessments",
                2,
                1,
                None,
                "A-2",
                "withdraw",
                "{}",
                "typed twice",
            ),
        ],
    ),
]
# From 0009 on the RV agreement is in the book, with an amendment, its deadlines and a submission.
FILL_0009: Fill = [
    *FILL_0008,
    (
        "INSERT INTO agreements (id, ref, signed, start_date, end_date, case_limit, ska_contact,"
        " kov_contact, note, ended_on, end_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                1,
                "2-10/29628-1",
                "2024-08-26",
                "2024-09-01",
                "2025-12-31",
                5,
                "SKA",
                "Maria Lepp",
                None,
                None,
                None,
            )
        ],
    ),
    (
        "INSERT INTO agreement_amendments (id, agreement_id, date, reason, changes)"
        " VALUES (?, ?, ?, ?, ?)",
        [(1, 1, "2025-01-15", "more cases", '{"case_limit": [4, 5]}')],
    ),
    (
        "INSERT INTO agreement_deadlines (id, agreement_id, period, due) VALUES (?, ?, ?, ?)",
        [(1, 1, "2025H1", "2025-07-15"), (2, 1, "2025H2", "2026-01-15")],
    ),
    (
        "INSERT INTO submissions (id, period, start_date, end_date, submitted_on, user, sha256,"
        " summary, suppressed_below, early, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                1,
                "2025H1",
                "2025-01-01",
                "2025-06-30",
                "2025-07-10",
                "tester",
                "0" * 64,
                "{}",
                None,
                0,
                None,
            )
        ],
    ),
]
# From 0010 on network members rate each other and the process (360° feedback).
FILL_0010: Fill = [
    *FILL_0009,
    (
        "INSERT INTO feedback (id, ref, period, start_date, end_date, rater_id, about_id,"
        " about_role, aspect, score, recorded_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                1,
                "FB-0001",
                "2025",
                "2025-01-01",
                "2025-12-31",
                1,
                None,
                "network-lead",
                "planning",
                4,
                "2025-12-01",
            )
        ],
    ),
]
# From 0011 on an NGTS list entry may have outreach attempts without a case.
FILL_0011: Fill = [
    *FILL_0010,
    (
        "INSERT INTO outreach_attempts (id, entry_id, date, channel, result, note)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(1, 1, "2025-03-20", "phone", "no-answer", "rang twice")],
    ),
]
# From 0014 a case may be shared with another staff member until a date.
FILL_0014: Fill = [
    *FILL_0011,
    (
        "INSERT INTO case_shares (id, case_id, staff_id, shared_on, until, reason, ended_on)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(1, 3, 1, "2025-02-02", "2025-03-31", "Toomas on a course", None)],
    ),
]
FILL: dict[str, Fill] = {
    "0001": FILL_0001,
    "0002": FILL_0002,
    "0003": FILL_0003,
    "0004": FILL_0004,
    "0006": FILL_0006,
    "0007": FILL_0007,
    "0008": FILL_0008,
    "0009": FILL_0009,
    "0010": FILL_0010,
    "0011": FILL_0011,
    "0014": FILL_0014,
}

# Columns a migration drops on purpose, with where their data went (checked by the test named).
DROPPED = {
    ("cases", "support_requested"): "0002 made them support requests "
    "(test_an_old_book_is_upgraded_with_everything_back_filled)",
}


def fill_of(revision: str) -> Fill:
    """The data of a book at `revision`: its own FILL entry or the newest earlier one."""
    return FILL[max(r for r in FILL if r <= revision)]


# The books of these tests on either engine: the file at the test's path, or (the `engine`
# parameter, tests/pg.py) a database of its own on the test process's PostgreSQL server.

Book = Path  # a file's path, or a PgBook (a server database's URL) standing where the path goes


@pytest.fixture
def blank(
    engine: str, db_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], Book]]:
    """`blank(revision)`: a book of this test, empty at `revision` as the rvneet of that revision
    made it, at RVNEET_DB: the file at the test's path, or a new database on the server (dropped
    afterwards; one per call). Skips the test, saying why, when it is on PostgreSQL and there is
    no server."""
    server: PgServer | None = None
    if engine == "postgresql":
        server = request.getfixturevalue("pg_server")
        if server is None:
            from pg import _WHY_NOT

            pytest.skip(f"PostgreSQL: {_WHY_NOT[0]}")
    made: list[str] = []

    def at(revision: str) -> Book:
        if server is None:
            database_at(db_path, revision)
            return db_path
        made.append(server.new_database())
        url = PgBook(server.url(made[-1]))
        books.database_at(url, revision)
        monkeypatch.setenv("RVNEET_DB", url)
        return url  # type: ignore[return-value]

    yield at
    for name in made:
        assert server is not None
        server.drop(name)


@contextlib.contextmanager
def stepping(book: Book) -> Iterator[Callable[[str], None]]:
    """`step(revision)`: the book taken up or down to `revision` by Alembic in one transaction,
    as `books.database_at`/`downgrade_to` do, for a test that moves one book through every
    revision: the migration scripts are read once, not at each step (a third of the time)."""
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    from rvneet.db import Database, migrations_dir

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    script = ScriptDirectory.from_config(config)
    order = known_revisions()
    engine = Database(book, "tester").engine(write=True, foreign_keys=False)

    def step(revision: str) -> None:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            (stored,) = connection.exec_driver_sql("SELECT version_num FROM alembic_version").one()
            down = order.index(revision) < order.index(stored)

            def revisions(rev: Any, _context: Any) -> Any:
                if down:
                    return script._downgrade_revs(revision, rev)
                return script._upgrade_revs(revision, rev)

            with EnvironmentContext(config, script, fn=revisions, destination_rev=revision):
                script.run_env()

    try:
        yield step
    finally:
        engine.dispose()


def _untyped(con: Any) -> None:
    """Python ints sent to the server without a type, which it takes from the column, as SQLite's
    loose typing does: FILL's 0/1 go into boolean columns as they went into SQLite's."""
    from psycopg.adapt import Dumper

    class Untyped(Dumper):
        oid = 0  # "unknown": the server infers the column's type

        def dump(self, obj: Any) -> bytes:
            return str(obj).encode()

    con.adapters.register_dumper(int, Untyped)


def fill_book(book: Book, fill: Fill) -> None:
    """Put `fill` into the book in one transaction. On PostgreSQL the id sequences are then moved
    past the ids given, as the rows' own inserts would have moved them in a book in use."""
    if not isinstance(book, PgBook):
        for sql, values in fill:
            execute(book, sql, values)
        return
    import psycopg

    with psycopg.connect(book) as con:  # one transaction, committed at the end
        _untyped(con)
        for sql, values in fill:
            sql = re.sub(r"\buser\b(?=[,)])", '"user"', sql).replace("?", "%s")
            with con.cursor() as cursor:
                cursor.executemany(sql, values)
        for table, sequence in _pg_sequences(con):
            con.execute(
                f"SELECT setval('{sequence}', max(id)) FROM \"{table}\" HAVING max(id) IS NOT NULL"
            )


def _pg_sequences(con: Any) -> list[tuple[str, str]]:
    """(table, the sequence that hands out its ids) for every table with a serial id."""
    return [
        (str(t), str(s))
        for t, s in con.execute(
            "SELECT table_name, pg_get_serial_sequence(quote_ident(table_name), 'id')"
            " FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND column_name = 'id' ORDER BY table_name"
        )
        if s is not None
    ]


def sequences_behind(url: str) -> list[str]:
    """The tables whose id sequence would hand out an id a row already has (a migration that
    copied rows with their ids and did not move the sequence past them)."""
    with connect(url) as con:
        behind = []
        for table, sequence in _pg_sequences(con):
            last, called = con.execute(f"SELECT last_value, is_called FROM {sequence}").fetchone()
            top = con.execute(f'SELECT max(id) FROM "{table}"').fetchone()[0]
            if top is not None and last + (1 if called else 0) <= top:
                behind.append(f"{table} (next id {last + (1 if called else 0)}, max {top})")
        return behind


def query_book(book: Book, sql: str) -> list[tuple[Any, ...]]:
    """`query` on a book of either engine (values as SQLite gives them)."""
    return pg_query(book, sql) if isinstance(book, PgBook) else query(book, sql)


def rows_by_key(book: Book) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """Every row of every table, by primary key, as {column: value}."""
    if isinstance(book, PgBook):
        return _pg_rows_by_key(book)
    con = sqlite3.connect(book)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name <> 'alembic_version'"
            )
        ]
        result: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
        for name in names:
            info = con.execute(f'PRAGMA table_info("{name}")').fetchall()
            columns = [c[1] for c in info]
            key = [columns.index(c[1]) for c in sorted(info, key=lambda c: c[5]) if c[5]]
            result[name] = {
                tuple(row[i] for i in key): dict(zip(columns, row, strict=True))
                for row in con.execute(f'SELECT * FROM "{name}"')
            }
        return result
    finally:
        con.close()


def _pg_rows_by_key(url: str) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    keys = primary_keys(PgBook(url))  # type: ignore[arg-type]
    keys.pop("alembic_version", None)
    with connect(url) as con:
        result: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
        for name, key_columns in keys.items():
            cursor = con.execute(f'SELECT * FROM "{name}"')
            columns = [d.name for d in cursor.description or ()]
            key = [columns.index(c) for c in key_columns]
            result[name] = {
                tuple(row[i] for i in key): dict(zip(columns, row, strict=True))
                for row in cursor.fetchall()
            }
        return result


def as_sqlite(
    rows: dict[str, dict[tuple[Any, ...], dict[str, Any]]],
) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """`rows_by_key` of a server book with its values as SQLite gives them (dates as ISO text,
    booleans as 0/1), to compare with a file's."""
    from pg import _as_sqlite

    return {
        table: {
            tuple(_as_sqlite(k) for k in key): {c: _as_sqlite(v) for c, v in row.items()}
            for key, row in found.items()
        }
        for table, found in rows.items()
    }


def kept(
    before: dict[str, dict[tuple[Any, ...], dict[str, Any]]],
    after: dict[str, dict[tuple[Any, ...], dict[str, Any]]],
    tables: set[str] | None = None,
    where: str = "",
) -> None:
    """Every row of `before` (of `tables`, or of every table) is in `after` with the values it
    had; only the columns in DROPPED may go (any column `after` lacks, with `tables`). `where`
    names the migration in the messages."""
    for table, rows in before.items():
        if tables is not None and table not in tables:
            continue
        assert table in after, f"{table} is gone {where}"
        for key, row in rows.items():
            assert key in after[table], f"{table} {key} is gone {where}"
            now = after[table][key]
            dropped = {c for c in row if c not in now}
            assert tables is not None or all((table, c) in DROPPED for c in dropped), (
                where,
                table,
                dropped,
            )
            assert {c: now[c] for c in row if c in now} == {
                c: v for c, v in row.items() if c in now
            }, (where, table, key)


EARLIER = known_revisions()[:-1]


def upgraded_by_a_command(book: Book, revision: str, run: Run) -> None:
    """`book`, filled at `revision`, upgraded to head by the first command that opens it, as a
    user's book is: the notice, every row kept, the book sound; on SQLite the copy made first."""
    before = rows_by_key(book)
    result = run("case", "list", "--format", "json")
    assert result.exit_code == 0, result.stderr
    backup = book.with_name(f"rvneet.db.bak-{revision}") if isinstance(book, Path) else None
    assert result.stderr.strip().splitlines() == [
        f"rvneet: upgraded database {book if backup else server_label(str(book))} from schema"
        f" {revision} to {head_revision()}"
        + (f"; the previous version is saved as {backup}" if backup else "")
    ]
    assert query_book(book, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
    assert sorted(c["case"] for c in json.loads(result.stdout)) == sorted(c[1] for c in CASES)

    # Every row is still there with the values it had; only the columns in DROPPED may go. Fails
    # when a migration loses or alters data (a batch copy that leaves out a column, say).
    kept(before, rows_by_key(book))

    # The book is sound and the records agree with the audit log.
    checked = run("db", "check", "--full", "--format", "json")
    assert checked.exit_code == 0, checked.stdout
    if backup is None:
        # The next row of every table gets a new id (a migration that copies rows with their
        # ids must move the sequence on).
        assert sequences_behind(str(book)) == []
        return
    # The copy made before the upgrade is the book as it was, readable by its owner only.
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert query(backup, "SELECT version_num FROM alembic_version") == [(revision,)]
    assert rows_by_key(backup) == before
    assert query(backup, "PRAGMA journal_mode") == [("delete",)]  # one file, no -wal beside it


def no_empty_tables(rows: dict[str, dict[Any, Any]], revision: str) -> None:
    """Every table of a book at `revision` (`rows_by_key`) holds rows, so that every migration
    moves data."""
    empty = sorted(t for t, found in rows.items() if not found)
    assert not empty, f"tables of {revision} without rows: give FILL[{revision!r}] their data"


# On PostgreSQL one book per earlier revision upgraded by a command takes 20 s (a database made and
# migrated to the revision, then to head, for each): `make test-pg` (--engine postgresql) runs it.
# `make test` runs it on SQLite and on both engines walks one book up every migration instead
# (test_a_book_takes_every_migration_with_the_data_of_each_revision).
@pytest.mark.postgresql_on_request
@pytest.mark.parametrize("revision", EARLIER)
def test_a_book_at_each_earlier_revision_is_upgraded_with_its_data(
    revision: str, blank: Callable[[str], Book], run: Run
) -> None:
    book = blank(revision)
    fill_book(book, fill_of(revision))
    assert query_book(book, "SELECT version_num FROM alembic_version") == [(revision,)]
    no_empty_tables(rows_by_key(book), revision)
    upgraded_by_a_command(book, revision, run)


_INSERT = re.compile(r"INSERT INTO (\w+) \(([^)]*)\) VALUES")


def topped_up(book: Book, fill: Fill) -> Fill:
    """`fill` as statements that add its rows to a book already holding some of them: a row whose
    key is there takes the fill's values. The audit entries are left out: the book has those of
    its youths and cases already, the only ones FILL has (from 0006 on chained by the migration)."""
    keys = primary_keys(book)
    statements: Fill = []
    for sql, values in fill:
        if sql.startswith("INSERT INTO audit_log"):
            continue
        if match := _INSERT.match(sql):
            table, columns = match.group(1), [c.strip() for c in match.group(2).split(",")]
            key = keys[table]
            others = [c for c in columns if c not in key]
            sql += f" ON CONFLICT ({', '.join(key)}) DO " + (
                "UPDATE SET " + ", ".join(f'"{c}" = excluded."{c}"' for c in others)
                if others
                else "NOTHING"
            )
        statements.append((sql, values))
    return statements


def primary_keys(book: Book) -> dict[str, list[str]]:
    """The primary key's columns of every table."""
    if isinstance(book, PgBook):
        with connect(book) as con:
            return {
                str(t): list(c)
                for t, c in con.execute(
                    "SELECT c.relname, array_agg(a.attname ORDER BY a.attnum) FROM pg_index i"
                    " JOIN pg_class c ON c.oid = i.indrelid JOIN pg_attribute a"
                    " ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
                    " WHERE i.indisprimary AND c.relnamespace = CAST(current_schema() AS"
                    " regnamespace) GROUP BY c.relname"
                )
            }
    con = sqlite3.connect(book)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            t: [
                c[1]
                for c in sorted(con.execute(f'PRAGMA table_info("{t}")'), key=lambda c: c[5])
                if c[5]
            ]
            for t in tables
        }
    finally:
        con.close()


def test_a_book_takes_every_migration_with_the_data_of_each_revision(
    blank: Callable[[str], Book], run: Run, tmp_path: Path
) -> None:
    """One book from the first revision to head, one migration at a time. At each revision it
    gets the rows FILL has for that revision (`topped_up`), so that every table holds rows; each
    migration keeps every row with its values (only the columns in DROPPED may go) and, on
    PostgreSQL, leaves every id sequence past the ids there. Then the book is sound at head.

    On PostgreSQL a book of the first revision with its data is also upgraded at once by a
    command, every migration in one transaction (on SQLite the test above does it from every
    revision), and holds the same rows as a SQLite file upgraded from the same data."""
    revisions = known_revisions()
    book = blank(revisions[0])
    fill_book(book, FILL[revisions[0]])
    now = rows_by_key(book)
    with stepping(book) as step:
        for revision, after in itertools.pairwise(revisions):
            if revision in FILL and revision != revisions[0]:
                fill_book(book, topped_up(book, FILL[revision]))
                now = rows_by_key(book)
            before = now
            no_empty_tables(before, revision)
            step(after)
            assert query_book(book, "SELECT version_num FROM alembic_version") == [(after,)]
            now = rows_by_key(book)
            kept(before, now, where=f"by migration {after}")
            if isinstance(book, PgBook):
                assert sequences_behind(book) == [], f"by migration {after}"
    listed = run("case", "list", "--format", "json")
    assert (listed.exit_code, listed.stderr) == (0, "")
    assert sorted(c["case"] for c in json.loads(listed.stdout)) == sorted(c[1] for c in CASES)
    checked = run("db", "check", "--full", "--format", "json")
    assert checked.exit_code == 0, checked.stdout

    if isinstance(book, PgBook):
        oldest = blank(revisions[0])
        fill_book(oldest, FILL[revisions[0]])
        upgraded_by_a_command(oldest, revisions[0], run)
        # The migrations leave the same rows on both engines: the back-filled stages, follow-ups
        # and support requests (0002), the hash chain (0006), the staff made of managers (0007).
        file = tmp_path / "same.db"
        database_at(file, revisions[0])
        fill_book(file, FILL[revisions[0]])
        books.database_at(file, revisions[-1])
        assert as_sqlite(rows_by_key(oldest)) == rows_by_key(file)


def test_fill_data_is_there_for_every_earlier_revision() -> None:
    # A revision added later needs the data of the one before it: at least the oldest is filled.
    assert min(FILL) == known_revisions()[0]
    assert set(FILL) <= set(known_revisions())


def test_a_book_goes_down_step_by_step_and_up_again(blank: Callable[[str], Book], run: Run) -> None:
    """Every migration's downgrade, on a book with data: from head down to the first revision one
    step at a time, each keeping the rows of the tables it keeps, then up again one step at a
    time, the schema at each revision the same as on the way down, the first revision's rows kept.
    """
    revisions = known_revisions()
    book = blank(revisions[-1])
    fill_book(book, fill_of(revisions[-1]))
    before = rows_by_key(book)
    shapes = {revisions[-1]: schema_shape(book)}
    with stepping(book) as step:
        for revision in reversed(revisions[:-1]):
            step(revision)
            assert query_book(book, "SELECT version_num FROM alembic_version") == [(revision,)]
            now = rows_by_key(book)
            kept(before, now, tables=set(now), where=f"by the downgrade to {revision}")
            before = now
            shapes[revision] = schema_shape(book)
        bottom = before
        for revision in revisions[1:]:
            step(revision)
            assert query_book(book, "SELECT version_num FROM alembic_version") == [(revision,)]
            # Fails when a downgrade leaves something behind (an index, a CHECK constraint, a
            # trigger, a policy, a grant) or does not undo all its upgrade did.
            assert schema_shape(book) == shapes[revision], revision
    kept(bottom, rows_by_key(book))
    checked = run("db", "check", "--full", "--format", "json")
    assert checked.exit_code == 0, checked.stdout


# The models (tables.py) and the migrations agree.


def schema_shape(book: Book) -> dict[str, Any]:
    """What Alembic's comparison does not see: CHECK constraints and partial indexes (on
    PostgreSQL also the triggers and row-level security policies the migrations make).

    Per table: its named CHECK constraints (whitespace-normalised), its columns as a set (ALTER TABLE
    ADD COLUMN appends, the models may list a column elsewhere; rvneet always names its columns),
    and its indexes (SQLite's automatic ones by their columns only, as their numbering follows
    the order of the UNIQUE constraints; named ones with their SQL, WHERE clause included).
    """
    if isinstance(book, PgBook):
        return _pg_schema_shape(book)
    con = sqlite3.connect(book)
    try:
        shape: dict[str, Any] = {}
        for name, sql in con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type='table' AND name <> 'alembic_version'"
        ):
            checks = {
                m.group(1): " ".join(m.group(2).split())
                for m in re.finditer(
                    r"CONSTRAINT (\w+) (CHECK \((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\))", sql
                )
            }
            columns = {
                (c[1], c[2], c[3], c[4], c[5]) for c in con.execute(f'PRAGMA table_info("{name}")')
            }
            automatic = sorted(
                (
                    i[2],
                    tuple(c[2] for c in con.execute(f"PRAGMA index_info('{i[1]}')")),
                )
                for i in con.execute(f'PRAGMA index_list("{name}")')
                if i[1].startswith("sqlite_autoindex_")
            )
            named = {
                n: " ".join(s.split())
                for n, s in con.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name = ?"
                    " AND sql IS NOT NULL",
                    (name,),
                )
            }
            triggers = {
                n: " ".join(s.split())
                for n, s in con.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type='trigger' AND tbl_name = ?",
                    (name,),
                )
            }
            shape[name] = {
                "checks": checks,
                "columns": columns,
                "auto": automatic,
                "named": named,
                "triggers": triggers,
            }
        return shape
    finally:
        con.close()


def _pg_schema_shape(url: str) -> dict[str, Any]:
    """`schema_shape` of a server database, from its catalog."""
    with connect(url) as con:

        def by_table(sql: str) -> dict[str, dict[str, Any]]:
            found: dict[str, dict[str, Any]] = {}
            for table, name, *value in con.execute(sql):
                found.setdefault(str(table), {})[str(name)] = tuple(value)
            return found

        schema = "CAST(current_schema() AS regnamespace)"
        parts = {
            "columns": by_table(
                "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
                " pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a"
                " JOIN pg_class c ON c.oid = a.attrelid"
                " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
                f" WHERE c.relnamespace = {schema} AND c.relkind = 'r' AND a.attnum > 0"
                " AND NOT a.attisdropped"
            ),
            "constraints": by_table(
                "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k"
                f" JOIN pg_class c ON c.oid = k.conrelid WHERE c.relnamespace = {schema}"
            ),
            "indexes": by_table(
                "SELECT tablename, indexname, indexdef FROM pg_indexes"
                " WHERE schemaname = current_schema()"
            ),
            "triggers": by_table(
                "SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t"
                " JOIN pg_class c ON c.oid = t.tgrelid"
                f" WHERE c.relnamespace = {schema} AND NOT t.tgisinternal"
            ),
            "policies": by_table(
                "SELECT tablename, policyname, permissive, roles, cmd, qual, with_check"
                " FROM pg_policies WHERE schemaname = current_schema()"
            ),
            "security": by_table(
                "SELECT relname, 'rls', relrowsecurity, relforcerowsecurity FROM pg_class"
                f" WHERE relnamespace = {schema} AND relkind = 'r'"
            ),
            "grants": by_table(
                "SELECT table_name, grantee || ' ' || privilege_type, 1"
                " FROM information_schema.role_table_grants WHERE table_schema = current_schema()"
            ),
        }
        functions = {
            str(name): str(source)
            for name, source in con.execute(
                f"SELECT proname, prosrc FROM pg_proc WHERE pronamespace = {schema}"
            )
        }
    tables = {t for part in parts.values() for t in part}
    tables.discard("alembic_version")
    shape: dict[str, Any] = {t: {k: part.get(t, {}) for k, part in parts.items()} for t in tables}
    shape[""] = {"functions": functions}
    return shape


# What only the migrations make (0006: the audit log's triggers and, on a server, their function;
# 0015: row-level security, its policies and the roles' grants), which the models do not describe:
# tests/test_postgres.py and tests/test_access_pg.py check them.
MIGRATIONS_ONLY = ("triggers", "policies", "security", "grants")


def models_part(shape: dict[str, Any]) -> dict[str, Any]:
    """`shape` without what only the migrations make."""
    return {
        table: {k: v for k, v in parts.items() if k not in MIGRATIONS_ONLY}
        for table, parts in shape.items()
        if table
    }


def _same_empty(difference: Any) -> bool:
    """Alembic reads SQLite's stored default `('')` as differing from the model's `''`: the one
    default it misreads (audit_log's prev_hash and hash, migration 0006). Only that is skipped."""
    if not isinstance(difference, list) or len(difference) != 1:
        return False
    op, *_, reflected, model = difference[0]
    text = getattr(getattr(reflected, "arg", None), "text", None)
    return op == "modify_default" and text == "('')" and getattr(model, "arg", None) == ""


def test_the_models_and_the_migrations_agree(
    engine: str, template_db: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A database made by the migrations is the one the models describe, on either engine.

    Fails when a model changes without a migration or the other way round: a column, type,
    nullability, default, index or foreign key (Alembic's autogenerate comparison, which ignores
    nothing here), or a CHECK constraint or an index's WHERE clause (compared below, as Alembic
    does not compare those).
    """
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from rvneet.domain.tables import metadata

    migrated: Book = template_db
    from_models: Book = tmp_path / "models.db"
    server: PgServer | None = None
    scratch = ""
    if engine == "postgresql":
        server = request.getfixturevalue("pg_server")
        if server is None:
            from pg import _WHY_NOT

            pytest.skip(f"PostgreSQL: {_WHY_NOT[0]}")
        migrated = PgBook(server.url(request.getfixturevalue("pg_template")))  # type: ignore[assignment]
        scratch = server.new_database()
        from_models = PgBook(server.url(scratch))  # type: ignore[assignment]

    def sqlalchemy_url(book: Book) -> str:
        if isinstance(book, PgBook):
            return str(book).replace("postgresql://", "postgresql+psycopg://", 1)
        return f"sqlite:///{book}"

    connected = create_engine(sqlalchemy_url(migrated))
    try:
        with connected.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            differences = [d for d in compare_metadata(context, metadata) if not _same_empty(d)]
            assert differences == []
    finally:
        connected.dispose()

    made = create_engine(sqlalchemy_url(from_models))
    try:
        metadata.create_all(made)
    finally:
        made.dispose()
    try:
        shape, expected = schema_shape(migrated), schema_shape(from_models)
    finally:
        if server is not None:
            server.drop(scratch)
    assert models_part(shape) == models_part(expected)


def test_a_book_at_0006_with_data_takes_agreements_after_the_upgrade(
    db_path: Path, run: Run
) -> None:
    """Issue 16 (migration 0009): a book of 0006 with its data gets the agreement tables, and an
    agreement, a warning, Lisa 4's new fields and a submission work on it, the audit chain whole."""
    database_at(db_path, "0006")
    for sql, values in FILL_0006:
        execute(db_path, sql, values)
    added = run(
        "agreement", "add", "--number", "2-10/29628-1", "--signed", "2024-01-01",
        "--start", "2024-01-01", "--end", "2025-12-31", "--case-limit", "1",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert query(db_path, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
    report = json.loads(run("report", "lisa4", "--period", "2025H1", "--format", "json").stdout)
    assert report["agreement"]["number"] == "2-10/29628-1"
    assert all("periods" in c and "risk_at_start" in c for c in report["cases"])
    submitted = run("report", "lisa4", "--period", "2025H1", "--submit", "--date", "2025-07-01")
    assert submitted.exit_code == 0, submitted.stderr
    assert run("audit", "verify").exit_code == 0
