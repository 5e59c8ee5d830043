"""The audit log is append-only and a hash chain.

SQLite triggers refuse UPDATE and DELETE (tried here with raw SQL); each entry carries the previous
entry's hash and its own, and `rvneet audit verify` finds an entry edited, deleted, inserted or
moved — tried by tampering with the file itself, triggers dropped first, as someone holding the
file could. Migration 0006 chains an existing log and cuts the birth dates in it to year-month.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from books import database_at
from conftest import (
    CODE_F_2010,
    CODE_M_2010,
    MUNICIPALITY,
    Ok,
    Run,
    audit_log,
    build_template,
    dump,
    query,
)
from pg import connect_book

from rvneet.db import Database, head_revision

GENESIS = "0" * 64
APPEND_ONLY = "audit log is append-only"
CONTENT = ("at", "user", "entity", "entity_id", "entity_ref", "action", "changes")


def spec_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    """The entry hash as documented (services.audit.entry_hash), written out again here so that a
    change to the formula, or a writer that stops following it, fails these tests."""
    head = [prev_hash, *(entry[f] for f in CONTENT[:-1])]
    text = json.dumps(head, ensure_ascii=False, separators=(",", ":")) + "\n" + entry["changes"]
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A history written by the flush hook (commands) and by audit_bulk (an import), and a read."""

    def history(ok: Ok) -> None:
        ok("init", "--municipality", MUNICIPALITY)
        ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
        opening = ("--youth", "Y-0001", "--model", "rv", "--start", "2025-01-15", "--risk", "high")
        ok("--user", "alice", "case", "open", *opening)
        ok("case", "assess", "RV-2025-001", "--date", "2025-03-01", "--risk", "medium")
        ok("case", "close", "RV-2025-001", "--end", "2025-06-30", "--reason", "goals-met")
        source = tmp_path_factory.mktemp("import") / "noored.csv"
        source.write_text(
            "nimi;isikukood;sünniaeg;sugu\n"
            f"Jaan Tamm;{CODE_M_2010};;\n"
            "Kati Kask;;2009-07-14;N\n"
            "Ülle Õun;;2008-02-29;N\n",
            encoding="utf-8",
        )
        ok("import", "youths", str(source))
        ok("youth", "show", "Y-0002")

    return build_template(tmp_path_factory, "chain", history)


def test_every_entry_carries_the_previous_hash_and_its_own(book: Path) -> None:
    rows = audit_log(book)
    # Both writers are in the chain: the flush hook (one entry per record) and audit_bulk (the
    # import's three youths share one timestamp), and the audited read.
    kinds = {(r["entity"], r["action"]) for r in rows}
    assert {("youths", "insert"), ("cases", "update"), ("youths", "read")} <= kinds
    assert len({r["at"] for r in rows if r["entity"] == "youths" and r["action"] == "insert"}) == 2
    # Breaks if services.audit._append stops linking entries (prev = digest) or starts elsewhere.
    assert rows[0]["prev_hash"] == GENESIS
    for before, after in pairwise(rows):
        assert after["prev_hash"] == before["hash"], after["id"]
    # Breaks if entry_hash leaves a field out or stops following the documented formula.
    for row in rows:
        assert row["hash"] == spec_hash(row["prev_hash"], row), row["id"]


def test_verify_reports_an_intact_log(book: Path, ok: Ok) -> None:
    rows = audit_log(book)
    assert ok("audit", "verify") == (
        f"audit log intact: {len(rows)} entries; newest hash {rows[-1]['hash']}"
    )


def test_verify_of_an_empty_log(initialised: Path, ok: Ok) -> None:
    assert ok("audit", "verify") == f"audit log intact: 0 entries; newest hash {GENESIS}"


def test_triggers_refuse_update_and_delete(book: Path) -> None:
    before = dump(book)
    con = connect_book(book)
    try:
        # Breaks if migration 0006 stops creating audit_log_no_update / audit_log_no_delete.
        for sql in (
            "UPDATE audit_log SET user = 'mallory' WHERE id = 2",
            "UPDATE audit_log SET changes = '{}'",
            "DELETE FROM audit_log WHERE id = 2",
            "DELETE FROM audit_log",
        ):
            with pytest.raises(sqlite3.IntegrityError, match=APPEND_ONLY):
                con.execute(sql)
        con.commit()
    finally:
        con.close()
    assert dump(book) == before


# The append-only triggers as migration 0006 creates them, written out again.
TRIGGERS = {
    name: f"CREATE TRIGGER {name} BEFORE {event} ON audit_log"
    " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
    for name, event in (("audit_log_no_update", "UPDATE"), ("audit_log_no_delete", "DELETE"))
}


def tamper(
    path: Path, change: Callable[[sqlite3.Connection], object], *, recreate: bool = False
) -> None:
    """Change the file directly, as someone holding it could: triggers dropped first, and with
    `recreate` created again exactly as they were, which leaves no trace in the schema."""
    con = connect_book(path)
    file = isinstance(con, sqlite3.Connection)
    try:
        if not file:
            # On PostgreSQL a superuser turns the triggers off for the session: no trace either.
            con.execute("SET session_replication_role = replica")
        for name in TRIGGERS if file else ():
            con.execute(f"DROP TRIGGER {name}")
        change(con)
        if recreate and file:
            for sql in TRIGGERS.values():
                con.execute(sql)
        con.commit()
    finally:
        con.close()


def _swap(con: sqlite3.Connection, first: int, second: int) -> None:
    columns = ", ".join(f"{c} = ?" for c in (*CONTENT, "prev_hash", "hash"))
    select = f"SELECT {', '.join((*CONTENT, 'prev_hash', 'hash'))} FROM audit_log WHERE id = ?"
    a, b = (con.execute(select, (i,)).fetchone() for i in (first, second))
    con.execute(f"UPDATE audit_log SET {columns} WHERE id = ?", (*b, first))
    con.execute(f"UPDATE audit_log SET {columns} WHERE id = ?", (*a, second))


def _rehashed_edit(con: sqlite3.Connection) -> None:
    """Edit entry 3 and give it a hash that fits its new content: the next entry no longer follows."""
    con.execute("UPDATE audit_log SET user = 'mallory' WHERE id = 3")
    con.row_factory = sqlite3.Row
    row = dict(con.execute("SELECT * FROM audit_log WHERE id = 3").fetchone())
    con.execute("UPDATE audit_log SET hash = ? WHERE id = 3", (spec_hash(row["prev_hash"], row),))


def _appended(con: sqlite3.Connection) -> None:
    """An entry added by hand at the end, with a made-up link."""
    con.execute(
        "INSERT INTO audit_log (at, user, entity, entity_id, entity_ref, action, changes,"
        " prev_hash, hash) VALUES ('2025-01-01T00:00:00.000000Z', 'mallory', 'youths', 1,"
        " 'Y-0001', 'delete', '{}', ?, ?)",
        ("1" * 64, "2" * 64),
    )


TAMPERING = [
    pytest.param(
        lambda con: con.execute("UPDATE audit_log SET user = 'mallory' WHERE id = 3"),
        3,
        "its content does not match its hash (edited)",
        id="edited-user",
    ),
    pytest.param(
        lambda con: con.execute(
            "UPDATE audit_log SET changes = replace(changes, 'high', 'medium') WHERE id = 3"
        ),
        3,
        "its content does not match its hash (edited)",
        id="edited-changes",
    ),
    pytest.param(
        lambda con: con.execute("UPDATE audit_log SET at = '2024-01-01T00:00:00.000000Z'"),
        1,
        "its content does not match its hash (edited)",
        id="edited-every-timestamp",
    ),
    pytest.param(_rehashed_edit, 4, "it does not follow entry 3", id="edited-and-rehashed"),
    pytest.param(
        lambda con: con.execute("DELETE FROM audit_log WHERE id = 3"),
        4,
        "it does not follow entry 2",
        id="deleted",
    ),
    pytest.param(
        lambda con: con.execute("DELETE FROM audit_log WHERE id = 1"),
        2,
        "it does not follow the start of the log",
        id="first-deleted",
    ),
    pytest.param(lambda con: _swap(con, 3, 4), 3, "it does not follow entry 2", id="reordered"),
    pytest.param(_appended, None, "it does not follow entry", id="appended"),
]


@pytest.mark.parametrize(("change", "broken", "problem"), TAMPERING)
def test_verify_finds_tampering(
    book: Path,
    run: Run,
    change: Callable[[sqlite3.Connection], object],
    broken: int | None,
    problem: str,
) -> None:
    tamper(book, change)
    if broken is None:  # the appended entry: the last one
        [(broken,)] = query(book, "SELECT max(id) FROM audit_log")
    result = run("audit", "verify")
    # Breaks if services.audit_trail.verify_chain stops checking the link or the content.
    assert result.exit_code == 1, result.stdout
    assert result.stdout == ""
    line = result.stderr.strip()
    assert line.startswith(f"Error: audit log broken at entry {broken}: {problem}"), line
    assert "\n" not in line


def _rewrite_chain(con: sqlite3.Connection) -> None:
    """Recompute every hash after entry 3 was edited: what someone who knows the formula could do."""
    con.execute("UPDATE audit_log SET user = 'mallory' WHERE id = 3")
    con.row_factory = sqlite3.Row
    prev = GENESIS
    for row in [dict(r) for r in con.execute("SELECT * FROM audit_log ORDER BY id")]:
        digest = spec_hash(prev, row)
        con.execute(
            "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, row["id"])
        )
        prev = digest


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda con: con.execute(
                "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)"
            ),
            id="cut-end",
        ),
        pytest.param(_rewrite_chain, id="rewritten"),
    ],
)
def test_a_noted_hash_finds_a_cut_or_rewritten_log(
    book: Path, run: Run, ok: Ok, change: Callable[[sqlite3.Connection], object]
) -> None:
    rows = audit_log(book)
    noted = rows[-1]["hash"]
    assert ok("audit", "verify", "--expect", noted).splitlines()[1] == (
        f"the expected hash is entry {rows[-1]['id']}: the log up to it is unchanged"
    )
    tamper(book, change, recreate=True)
    # The chain alone cannot tell: a consistent chain is what it checks.
    assert run("audit", "verify").exit_code == 0
    # Breaks if verify_chain stops looking for the expected hash.
    result = run("audit", "verify", "--expect", noted)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: no entry of the audit log has the hash {noted}")


def test_writers_at_the_same_time_keep_one_chain(initialised: Path) -> None:
    """Four writers on one file: each appends after the entry the previous writer wrote last
    (BEGIN IMMEDIATE makes them take turns), so the chain has no fork."""
    from rvneet.domain.enums import Sex
    from rvneet.services.youths import add_youth

    errors: list[BaseException] = []

    def writer(n: int) -> None:
        db = Database(initialised, f"worker{n}")
        try:
            for i in range(10):
                with db.session(write=True) as session:
                    add_youth(
                        session,
                        name=f"Noor {n}-{i}",
                        id_code=None,
                        birth_date=dt.date(2010, 1, 1 + i),
                        sex=Sex.F,
                    )
        except BaseException as exc:  # reported below, with the thread's error
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = audit_log(initialised)
    assert len(rows) == 40
    # Breaks if the chain's end were read outside the write transaction (two entries, one parent).
    assert len({r["prev_hash"] for r in rows}) == 40
    for before, after in pairwise(rows):
        assert after["prev_hash"] == before["hash"]


# Migration 0006 on a log kept before it.


OLD_ENTRIES = 10_501  # more than one of the migration's batches (10 000)


def old_log() -> list[tuple[Any, ...]]:
    """Entries as rvneet wrote them before 0006: full birth dates, managers' names in clear."""
    rows: list[tuple[Any, ...]] = []
    for i in range(1, OLD_ENTRIES + 1):
        at = f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00.{i % 1_000_000:06d}Z"
        if i % 3 == 1:
            changes = {
                "birth_date": [None, f"2009-{1 + i % 12:02d}-{1 + i % 28:02d}"],
                "id": [None, i],
                "name": [None, "[redacted]"],
                "ref": [None, f"Y-{i:05d}"],
                "sex": [None, "F"],
            }
            rows.append((i, at, "tester", "youths", i, f"Y-{i:05d}", "insert", changes))
        elif i % 3 == 2:
            changes = {"birth_date": ["2009-04-15", "2009-05-16"]}
            rows.append((i, at, "õie", "youths", i - 1, f"Y-{i - 1:05d}", "update", changes))
        else:
            changes = {"manager": [None, "Kadri Põld"], "model": [None, "rv"]}
            rows.append((i, at, "alice", "cases", i, None, "insert", changes))
    return [(*r[:-1], json.dumps(r[-1], ensure_ascii=False, sort_keys=True)) for r in rows]


def test_the_migration_chains_an_existing_log_and_cuts_birth_dates(db_path: Path, run: Run) -> None:
    database_at(db_path, "0004")
    con = connect_book(db_path)
    try:
        con.execute("INSERT INTO settings (key, value) VALUES ('municipality', ?)", (MUNICIPALITY,))
        con.executemany("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)", old_log())
        con.commit()
    finally:
        con.close()

    result = run("audit", "verify")
    assert result.exit_code == 0, result.stderr
    assert f"from schema 0004 to {head_revision()}" in result.stderr
    assert result.stdout.startswith(f"audit log intact: {OLD_ENTRIES} entries")

    rows = audit_log(db_path)
    assert [r["id"] for r in rows] == list(range(1, OLD_ENTRIES + 1))
    expected = old_log()
    for row, old in zip(rows, expected, strict=True):
        assert tuple(row[c] for c in ("id", *CONTENT[:-1])) == old[:-1]
        before, after = json.loads(old[-1]), json.loads(row["changes"])
        # Breaks if 0006 stops cutting birth dates (an erased youth must keep only year-month).
        if "birth_date" in before:
            assert after["birth_date"] == [v and v[:7] for v in before["birth_date"]]
            before["birth_date"] = after["birth_date"]
        if "manager" in before:
            assert after["manager"] == [None, "[redacted]"]
            before["manager"] = after["manager"]
        assert after == before
    text = "\n".join(r["changes"] for r in rows)
    assert "2009-04-15" not in text and "Kadri" not in text
    assert rows[0]["prev_hash"] == GENESIS
    assert all(r["hash"] == spec_hash(r["prev_hash"], r) for r in rows[:100])

    # New entries continue the migrated chain; the log is append-only from now on.
    add = run("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    assert add.exit_code == 0, add.stderr
    newest = audit_log(db_path)[-1]
    assert newest["prev_hash"] == rows[-1]["hash"]
    assert run("audit", "verify").stdout.startswith(f"audit log intact: {OLD_ENTRIES + 1} ")
    con = connect_book(db_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match=APPEND_ONLY):
            con.execute("DELETE FROM audit_log WHERE id = 1")
    finally:
        con.close()


def test_entries_are_encoded_as_json_dumps_does_for_any_value() -> None:
    """The log's JSON encoders are made once (storage.audit._encoder) for speed: an entry's
    `changes` and its hashed head must still be what json.dumps writes, for text of any kind."""
    from rvneet.storage.audit import dump_changes, entry_hash

    changes = {
        "place": [None, 'Õismäe "kool"\n\t\\ \u2028 \x00 😀'],
        "id": [None, 7],
        "hours": [1.5, 2.25],
        "agreed": [False, True],
        "list": [[1, {"b": None, "a": "ä"}], []],
    }
    text = dump_changes(changes)
    assert text == json.dumps(changes, ensure_ascii=False, sort_keys=True)
    entry: dict[str, Any] = {
        "at": "2026-12-02T10:00:00.000001Z",
        "user": 'Mari "M" Õun',
        "entity": "cases",
        "entity_id": 7,
        "entity_ref": None,
        "action": "update",
        "changes": text,
    }
    content = tuple(entry[f] for f in CONTENT)
    assert entry_hash(GENESIS, content) == spec_hash(GENESIS, entry)
    entry["entity_ref"] = "RV-2025-001"
    content = tuple(entry[f] for f in CONTENT)
    assert entry_hash("f" * 64, content) == spec_hash("f" * 64, entry)
