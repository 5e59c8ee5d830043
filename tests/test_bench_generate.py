"""The benchmark's synthetic book (bench/generate.py): deterministic for a seed, and a valid book."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from conftest import Run, query

from bench.generate import generate

YOUTHS = 200
UNREPEATABLE = frozenset({"at", "prev_hash", "hash"})


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in id order; the audit log without its timestamps and the hashes
    that cover them."""
    con = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        tables = {}
        for name in names:
            columns = [
                r[1]
                for r in con.execute(f'PRAGMA table_info("{name}")')
                if r[1] not in UNREPEATABLE
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            tables[name] = con.execute(f'SELECT {select} FROM "{name}" ORDER BY rowid').fetchall()
        return tables
    finally:
        con.close()


def test_same_seed_same_book_other_seed_other_book(tmp_path: Path) -> None:
    first, again, other = (tmp_path / f"{n}.db" for n in ("first", "again", "other"))
    counts = generate(first, YOUTHS, seed=7)
    generate(again, YOUTHS, seed=7)
    generate(other, YOUTHS, seed=8)

    assert counts["youths"] == YOUTHS
    assert YOUTHS * 1.2 < counts["cases"] < YOUTHS * 1.8
    books = dump(first)
    assert all(books[t] for t in ("cases", "assessments", "stage_changes", "followups", "goals"))
    assert books == dump(again)
    assert books["youths"] != dump(other)["youths"]
    assert books["cases"] != dump(other)["cases"]


def test_generated_book_is_valid_and_reported(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "book.db"
    generate(path, YOUTHS, seed=7)

    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        # Every record written in bulk is in the audit log, as if rvneet's services had made it.
        audited = dict(
            con.execute(
                "SELECT entity, count(*) FROM audit_log WHERE action = 'insert' GROUP BY entity"
            ).fetchall()
        )
        for table in ("youths", "cases", "assessments", "contacts", "followups"):
            assert audited[table] == con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()

    # The bulk-written audit entries form a valid chain (services.audit._append chains them).
    verified = run("--db", str(path), "audit", "verify")
    assert verified.exit_code == 0, verified.stderr
    [(entries,)] = query(path, "SELECT count(*) FROM audit_log")
    assert verified.stdout.startswith(f"audit log intact: {entries} entries")

    result = run("--db", str(path), "report", "lisa4", "--period", "2025H1", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["cases_active"] > 0
