"""`import youths` on PostgreSQL writes its rows and their audit entries with COPY
(`rvneet.storage.dialect.insert_rows`), on SQLite with executemany: the same file gives the same book
on both, a second import changes nothing on both, and a file with bad rows is refused whole on both,
every bad row listed and nothing written. Skipped, saying why, where no PostgreSQL server can be had.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from books import next_youths
from conftest import Run, dump
from pg import PgBook, PgServer, connect, pg_dump
from stdnum.ee import ik

import rvneet.storage.dialect

ROWS = 250
# Rows SQLite's executemany takes at once in these tests: several batches with few rows (the
# server's COPY takes every row in one stream, whatever the batch).
BATCH = 100


# `initialised` is the SQLite book here, whatever --engine says; the server's book is `server_book`.
pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def server_book(pg_server: PgServer | None, pg_template: str | None) -> Iterator[PgBook]:
    """A new PostgreSQL book as `rvneet init` leaves it: its URL."""
    if pg_server is None or pg_template is None:
        from pg import _WHY_NOT

        pytest.skip(f"PostgreSQL: {_WHY_NOT[0]}")
    name = pg_server.new_database(template=pg_template)
    yield PgBook(pg_server.url(name))
    pg_server.drop(name)


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rvneet.storage.dialect, "_BATCH", BATCH)


def code(number: int) -> str:
    """A valid personal code: a boy or a girl born in 2008, different for each number."""
    first_ten = f"{5 + number % 2}0801{1 + number // 100:02d}{number % 100:03d}"
    return first_ten + ik.calc_check_digit(first_ten + "0")


def youths_file(folder: Path, bad: bool = False) -> Path:
    """ROWS youths, most with a personal code, every seventh with birth date and sex instead;
    with `bad`, rows 5 and 120 (file rows 7 and 122: the header is row 1) are invalid."""
    path = folder / ("bad.csv" if bad else "youths.csv")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "id_code", "birth_date", "sex"])
        for n in range(ROWS):
            name = f"Noor Õunapuu-{n}"
            if bad and n == 5:
                writer.writerow([name, "12345678901", "", ""])  # not a personal code
            elif bad and n == 120:
                writer.writerow([name, "", "2099-01-01", "F"])  # born in the future
            elif n % 7 == 0:
                writer.writerow([name, "", f"2009-{1 + n % 12:02d}-15", "MF"[n % 2]])
            else:
                writer.writerow([name, code(n), "", ""])
    return path


def contents(db: Path | PgBook) -> list[tuple[str, list[tuple[object, ...]]]]:
    """Every row of every table of the file or the server's book."""
    return pg_dump(db) if isinstance(db, PgBook) else dump(db)


def book_content(run: Run, db: str | Path, folder: Path) -> dict[str, object]:
    """What the book holds after an import, as the user reads it: the export's tables (the export's
    time left out) and the youth list."""
    out = folder / f"export-{'pg' if str(db).startswith('postgresql') else 'file'}.json"
    result = run("--db", str(db), "export", str(out), "--force")
    assert result.exit_code == 0, result.stderr
    exported = json.loads(out.read_text(encoding="utf-8"))
    listed = run("--db", str(db), "youth", "list", "--format", "json")
    assert listed.exit_code == 0, listed.stderr
    return {"tables": exported["tables"], "youths": json.loads(listed.stdout)}


def test_the_same_file_gives_the_same_book_on_both_engines(
    run: Run, initialised: Path, server_book: PgBook, tmp_path: Path
) -> None:
    source = youths_file(tmp_path)
    for db in (initialised, server_book):
        result = run("--db", str(db), "import", "youths", str(source), "--output", "json")
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["new"] == ROWS
    on_file = book_content(run, initialised, tmp_path)
    assert on_file["youths"]  # the books hold the youths, not nothing on both
    assert book_content(run, server_book, tmp_path) == on_file
    # One audit entry for each youth, with the same content; the chain holds on the server.
    with connect(server_book) as con:
        entries = con.execute(
            "SELECT entity, entity_id, entity_ref, action, changes FROM audit_log"
            " WHERE entity = 'youths' ORDER BY id"
        ).fetchall()
    with sqlite3.connect(initialised) as con_file:
        on_file_entries = con_file.execute(
            "SELECT entity, entity_id, entity_ref, action, changes FROM audit_log"
            " WHERE entity = 'youths' ORDER BY id"
        ).fetchall()
    assert len(entries) == ROWS and entries == on_file_entries
    verified = run("--db", server_book, "audit", "verify")
    assert verified.exit_code == 0, verified.stderr
    # The next youth added by hand takes the next reference on both: the sequence moved on.
    added = next_youths(run, initialised, server_book)
    assert added == [f"Y-{ROWS + 1:04d}\n"] * 2


def test_a_second_import_changes_nothing_on_the_server(
    run: Run, server_book: PgBook, tmp_path: Path
) -> None:
    source = youths_file(tmp_path)
    first = run("--db", server_book, "import", "youths", str(source))
    assert first.exit_code == 0, first.stderr
    before = pg_dump(server_book)
    again = run("--db", server_book, "import", "youths", str(source), "--output", "json")
    assert again.exit_code == 0, again.stderr
    summary = json.loads(again.stdout)
    assert (summary["new"], summary["unchanged"]) == (0, ROWS)
    assert pg_dump(server_book) == before


def test_bad_rows_refuse_the_whole_file_on_both_engines(
    run: Run, initialised: Path, server_book: PgBook, tmp_path: Path
) -> None:
    source = youths_file(tmp_path, bad=True)
    messages = []
    for db in (initialised, server_book):
        before = contents(db)
        result = run("--db", str(db), "import", "youths", str(source))
        assert result.exit_code != 0
        assert "Traceback" not in result.stderr
        messages.append(result.stderr)
        assert contents(db) == before
    # Both bad rows are named, and the same way on both engines.
    assert "row 7," in messages[0] and "row 122:" in messages[0], messages[0]
    assert messages[1] == messages[0]
