"""The audit log under attack by someone who can write the database file (issue 14, point 5).

A value of a type rvneet never writes (binary data, text that is not UTF-8, a number where a hash
belongs) is a broken entry, not a crash; the append-only triggers dropped, replaced or joined by
another trigger are found by `rvneet audit verify` and by `rvneet db check --full`, which also
verifies the hash chain. Every tampering here is done with the standard `sqlite3` module, as any
program could; where the chain is the point, the triggers are created again exactly as they were.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CODE_F_2010, MUNICIPALITY, Ok, Run, build_template, execute, query
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXIT_DATABASE = 4
ENTRIES = 5  # in the template's log
# The triggers as migration 0006 writes them, written out again (the service keeps its own copy).
TRIGGERS = {
    "audit_log_no_update": "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
    " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    "audit_log_no_delete": "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
    " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
}
COLUMNS = (
    "at",
    "user",
    "entity",
    "entity_id",
    "entity_ref",
    "action",
    "changes",
    "prev_hash",
    "hash",
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short history: a youth, a case opened and assessed (ENTRIES entries)."""

    def history(ok: Ok) -> None:
        ok("init", "--municipality", MUNICIPALITY)
        ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
        opening = ("--youth", "Y-0001", "--model", "rv", "--start", "2025-01-15", "--risk", "high")
        ok("case", "open", *opening)
        ok("case", "assess", "RV-2025-001", "--date", "2025-03-01", "--risk", "medium")

    return build_template(tmp_path_factory, "attacks", history)


def tamper(path: Path, change: Callable[[sqlite3.Connection], object]) -> None:
    """Drop the triggers, change the file, and create the triggers again exactly as they were:
    what is left to find is the change itself."""
    con = sqlite3.connect(path)
    try:
        for name in TRIGGERS:
            con.execute(f"DROP TRIGGER {name}")
        change(con)
        for sql in TRIGGERS.values():
            con.execute(sql)
        con.commit()
    finally:
        con.close()


def verify_refused(run: Run) -> str:
    """`rvneet audit verify` refused in one `Error:` line with exit 1 (not 70, not a traceback)."""
    result = run("audit", "verify")
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "unexpected" not in lines[0]
    return lines[0]


def full_check(run: Run) -> tuple[int, dict[str, dict[str, Any]], str]:
    result = run("db", "check", "--full", "--format", "json")
    rows = {row["check"]: row for row in json.loads(result.stdout)} if result.stdout else {}
    return result.exit_code, rows, result.stderr


# The triggers


@pytest.mark.sqlite_only  # SQLite keeps the triggers' text; tests/test_postgres.py checks the server's
def test_the_service_knows_the_triggers_the_migrations_create(initialised: Path) -> None:
    from rvneet.services.audit import APPEND_ONLY_TRIGGERS

    found = query(
        initialised, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    )
    # Breaks when a migration creates the triggers differently from services.audit's definition
    # (then every book would be reported as tampered with), or creates another trigger.
    assert dict(found) == APPEND_ONLY_TRIGGERS == TRIGGERS


def test_an_intact_book_passes_verify_and_the_full_check(book: Path, run: Run) -> None:
    assert run("audit", "verify").exit_code == 0
    code, rows, _ = full_check(run)
    assert code == 0
    assert rows["audit_chain"]["ok"] and rows["audit_triggers"]["ok"]
    # `db check --full` says that it ran the chain check of `audit verify`.
    assert "as rvneet audit verify checks" in rows["audit_chain"]["detail"]
    assert rows["audit_chain"]["detail"].startswith(f"{ENTRIES} entries fit the chain")


@pytest.mark.parametrize("name", list(TRIGGERS))
def test_a_dropped_trigger_is_found(book: Path, run: Run, name: str) -> None:
    execute(book, f"DROP TRIGGER {name}")
    # Breaks if verify_chain stops reading the triggers (services.audit.trigger_problems).
    assert verify_refused(run) == (
        f"Error: audit log not protected from changes: the append-only trigger {name} is "
        f"missing; its {ENTRIES} entries fit the chain"
    )
    code, rows, stderr = full_check(run)
    # Breaks if check_database --full stops running _audit_chain.
    assert code == EXIT_DATABASE
    assert rows["audit_triggers"]["problems"] == [f"the append-only trigger {name} is missing"]
    assert rows["audit_chain"]["ok"]
    assert "audit_triggers" in stderr


REPLACED = [
    pytest.param(
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT 1; END",
        id="does-nothing",
    ),
    pytest.param(
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE OF hash ON audit_log"
        " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
        id="one-column-only",
    ),
    pytest.param(
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log WHEN 0"
        " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
        id="never-fires",
    ),
    pytest.param(
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
        " BEGIN SELECT RAISE(ABORT, 'audit log is append-only');  END",
        id="one-space-more",
    ),
]


@pytest.mark.parametrize("sql", REPLACED)
def test_a_trigger_replaced_with_another_body_is_found(book: Path, run: Run, sql: str) -> None:
    execute(book, "DROP TRIGGER audit_log_no_update", sql)
    # Breaks if trigger_problems compares names only, not the definitions.
    assert verify_refused(run) == (
        "Error: audit log not protected from changes: the append-only trigger "
        f"audit_log_no_update is not as rvneet created it; its {ENTRIES} entries fit the chain"
    )
    code, rows, _ = full_check(run)
    assert code == EXIT_DATABASE
    assert rows["audit_triggers"]["problems"] == [
        "the append-only trigger audit_log_no_update is not as rvneet created it"
    ]


def test_another_trigger_on_the_audit_log_is_found(book: Path, run: Run, ok: Ok) -> None:
    # Would make every new entry vanish without a word: the chain itself stays consistent.
    execute(
        book,
        "CREATE TRIGGER swallow BEFORE INSERT ON audit_log BEGIN SELECT RAISE(IGNORE); END",
        'CREATE TRIGGER "x\x1b[2Jy" AFTER INSERT ON Audit_Log BEGIN SELECT 1; END',
    )
    ok("youth", "add", "--name", "Jaan Tamm", "--birth-date", "2010-02-03", "--sex", "M")
    assert query(book, "SELECT count(*) FROM audit_log") == [(ENTRIES,)]
    line = verify_refused(run)
    # Breaks if trigger_problems looks at our two triggers only.
    assert "an unknown trigger 'swallow' is on the audit log" in line
    # A name chosen by someone else is shown escaped: no terminal control character gets out.
    assert "an unknown trigger 'x\\x1b[2Jy' is on the audit log" in line
    assert "\x1b" not in line
    code, rows, _ = full_check(run)
    assert code == EXIT_DATABASE
    assert len(rows["audit_triggers"]["problems"]) == 2


def test_a_broken_chain_is_named_before_the_triggers(book: Path, run: Run) -> None:
    execute(
        book,
        "DROP TRIGGER audit_log_no_update",
        "UPDATE audit_log SET user = 'mallory' WHERE id = 3",
    )
    assert verify_refused(run).startswith(
        "Error: audit log broken at entry 3: its content does not match its hash (edited)"
    )
    code, rows, _ = full_check(run)
    assert code == EXIT_DATABASE
    assert not rows["audit_chain"]["ok"] and not rows["audit_triggers"]["ok"]


# The chain in `db check --full`


def test_the_full_check_finds_an_edited_entry(book: Path, run: Run) -> None:
    tamper(book, lambda con: con.execute("UPDATE audit_log SET user = 'mallory' WHERE id = 3"))
    assert run("db", "check").exit_code == 0  # the quick check does not read the log
    code, rows, stderr = full_check(run)
    # Breaks if check_database --full leaves the chain to `audit verify`.
    assert code == EXIT_DATABASE
    assert rows["audit_chain"]["problems"] == [
        "broken at entry 3: its content does not match its hash (edited); "
        "the 2 entries before it are intact"
    ]
    assert rows["audit_triggers"]["ok"] and rows["audit"]["ok"]
    assert "audit_chain" in stderr


def test_the_full_check_says_why_in_estonian(book: Path) -> None:
    from rvneet.services.maintenance import check_database

    tamper(book, lambda con: con.execute("UPDATE audit_log SET user = x'00ff' WHERE id = 2"))
    chain = {r.check: r for r in check_database(book, full=True)}["audit_chain"]
    # Breaks if the nested problem (a Note in a Note) is not shown in the table's language.
    assert chain.detail("et") == (
        "katki sissekandest 2: selle veerus user on väärtus tüübist, mida rvneet sinna kunagi ei "
        "kirjuta (muudetud); sellele eelnevad sissekanded (1) on terved"
    )


# Values of a type rvneet never writes


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("user", "x'00ff'", "its user holds a value of a type rvneet never writes there"),
        ("changes", "x'7b7d'", "its changes holds a value of a type rvneet never writes there"),
        ("hash", "x'00'", "its hash holds a value of a type rvneet never writes there"),
        ("prev_hash", "zeroblob(32)", "its prev_hash holds a value of a type rvneet never"),
        ("entity_id", "x'01'", "its entity_id holds a value of a type rvneet never writes"),
        ("entity_id", "'Y-0001'", "its entity_id holds a value of a type rvneet never writes"),
        ("entity_id", "1.5", "its entity_id holds a value of a type rvneet never writes"),
        ("at", "CAST(x'c3ff' AS TEXT)", "its at is not valid UTF-8 text"),
        ("entity_ref", "CAST(x'ff' AS TEXT)", "its entity_ref is not valid UTF-8 text"),
    ],
    ids=[
        "blob-user",
        "blob-changes-same-bytes",
        "blob-hash",
        "blob-prev-hash",
        "blob-entity-id",
        "text-entity-id",
        "real-entity-id",
        "not-utf8-at",
        "not-utf8-ref",
    ],
)
def test_a_value_of_the_wrong_type_is_a_broken_entry(
    book: Path, run: Run, column: str, value: str, problem: str
) -> None:
    tamper(book, lambda con: con.execute(f"UPDATE audit_log SET {column} = {value} WHERE id = 2"))
    # Breaks (exit 70, an unexpected TypeError or a decoding error) if verify_rows stops checking
    # the types and decoding the text itself.
    line = verify_refused(run)
    assert line.startswith(f"Error: audit log broken at entry 2: {problem}"), line
    code, rows, _ = full_check(run)
    assert code == EXIT_DATABASE
    assert rows["audit_chain"]["problems"][0].startswith(f"broken at entry 2: {problem}")


SQLITE_VALUES = st.one_of(
    st.binary(max_size=40),
    st.text(max_size=40),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.none(),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    entry=st.integers(min_value=1, max_value=ENTRIES),
    column=st.sampled_from(COLUMNS),
    value=SQLITE_VALUES,
)
def test_any_value_put_into_an_entry_is_found_and_never_crashes(
    template: Path, db_path: Path, run: Run, entry: int, column: str, value: object
) -> None:
    shutil.copyfile(template, db_path)
    db_path.chmod(0o600)
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    select = (
        f"SELECT typeof({column}), hex(CAST({column} AS BLOB)) FROM audit_log WHERE id = {entry}"
    )
    before = query(db_path, select)

    def change(con: sqlite3.Connection) -> None:
        # NOT NULL refuses None: the file keeps its old value.
        with contextlib.suppress(sqlite3.IntegrityError):
            con.execute(f"UPDATE audit_log SET {column} = ? WHERE id = ?", (value, entry))

    tamper(db_path, change)
    result = run("audit", "verify")
    # Exit 0 only when the stored value is what it was (SQLite may convert, e.g. 5.0 to 5).
    unchanged = query(db_path, select) == before
    assert result.exit_code == (0 if unchanged else 1), (result.stdout, result.stderr)
    if not unchanged:
        assert result.stderr.startswith(f"Error: audit log broken at entry {entry}: ")


# A log changed so that it cannot even be read as rvneet wrote it


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("ALTER TABLE audit_log RENAME COLUMN hash TO h", "no such column: hash"),
        ("ALTER TABLE audit_log RENAME TO gone", "no such table: audit_log"),
    ],
    ids=["column-renamed", "table-renamed"],
)
def test_a_log_whose_table_was_changed_is_refused_in_one_line(
    book: Path, run: Run, change: str, reason: str
) -> None:
    execute(book, change)
    # Breaks (exit 70, an unexpected OperationalError) if verify_chain lets the driver's error out.
    assert verify_refused(run) == f"Error: cannot read the audit log to check it ({reason})"
    assert full_check(run)[0] == EXIT_DATABASE


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_the_listing_of_a_changed_log_shows_what_it_can(book: Path, run: Run, fmt: str) -> None:
    def change(con: sqlite3.Connection) -> None:
        con.execute("UPDATE audit_log SET user = x'00ff', entity_id = x'01' WHERE id = 1")
        con.execute("UPDATE audit_log SET user = CAST(x'c3ff' AS TEXT) WHERE id = 2")
        con.execute("UPDATE audit_log SET changes = 'not json' WHERE id = 3")
        con.execute("UPDATE audit_log SET changes = '[1, 2]', entity_ref = 5 WHERE id = 4")

    tamper(book, change)
    result = run("audit", "--limit", "0", "--format", fmt)
    # Breaks (exit 70: a TypeError, or a decoding error of the driver) if audit_entries reads the
    # columns as text and the changes as rvneet's JSON without looking.
    assert result.exit_code == 0, result.stderr
    assert "not json" in result.stdout
    if fmt == "json":
        listed = json.loads(result.stdout)
        assert listed[1]["user"] == "\ufffd\ufffd"
        assert listed[2]["changes"] == {"(unreadable)": {"old": None, "new": "not json"}}
        assert listed[3]["changes"] == {"(unreadable)": {"old": None, "new": "[1, 2]"}}


def test_the_listing_of_changes_nested_too_deeply(book: Path, run: Run) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    tamper(book, lambda con: con.execute("UPDATE audit_log SET changes = ? WHERE id = 5", (deep,)))
    result = run("audit", "--limit", "1", "--format", "json")
    # Breaks (exit 70, a RecursionError) if audit_trail._changes catches ValueError only.
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[0]["changes"] == {"(unreadable)": {"old": None, "new": deep}}
