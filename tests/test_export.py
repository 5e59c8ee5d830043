"""rvneet export / rvneet import export: the whole book to one file and back, exactly.

The book is examples/load.sh plus a few values a spreadsheet would take for formulas, built once for
the module; each test works on a copy (`book`) and loads exports into new databases (`fresh`).
"""

from __future__ import annotations

import itertools
import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from books import cli, copy_book, once_per_run
from conftest import MUNICIPALITY, Ok, Run, dump, query, recorded, refused
from pg import connect_book

from rvneet.domain.tables import metadata
from rvneet.files.write import neutralise, restore
from rvneet.services.audit import REDACTED_FIELDS
from rvneet.services.export import (
    EXCLUDED_TABLES,
    KEPT_TEXT,
    PSEUDONYMIZED,
    export_tables,
    left_out,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HYPERLINK = '=HYPERLINK("http://x")'
# Values a spreadsheet would run, as they must come back; the CLI strips spaces, so some are set in
# the file directly.
FORMULA_NOTES = {"+1+1", "  @SUM(A1)", "-2", "\t=cmd|' /C calc'!A0"}


def build_book(path: Path, demo_book: Path) -> None:
    """examples/load.sh, run as `make demo` does, and values a spreadsheet would run."""
    copy_book(demo_book, path)
    ok = cli(path)

    ok("youth", "add", "--name", HYPERLINK, "--birth-date", "2010-02-03", "--sex", "F")
    ok(
        "network", "add", "--name", "Mari Maasikas", "--role", "police", "--org", "Politsei",
        "--email", "mari.maasikas@example.ee", "--phone", "+372 5555 1234",
    )  # fmt: skip
    ok("case", "contact", "RV-2025-001", "--date", "2025-08-01", "--channel", "phone",
       "--note", "+1+1")  # fmt: skip
    ok("case", "contact", "RV-2025-001", "--date", "2025-08-02", "--channel", "sms",
       "--note", "called Mari Maasikas at 5555 1234")  # fmt: skip
    con = sqlite3.connect(path)
    with con:  # the CLI strips spaces: these are set in the file
        con.execute("UPDATE contacts SET note = '  @SUM(A1)' WHERE id = 1")
        con.execute("UPDATE contacts SET note = '-2' WHERE id = 2")
        con.execute("UPDATE stage_changes SET note = ? WHERE id = 1", ("\t=cmd|' /C calc'!A0",))
    con.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, demo_book: Path) -> Path:
    """The book, built once per test run and shared by the xdist workers (it takes seconds)."""
    return once_per_run(tmp_path_factory, "export-book", lambda path: build_book(path, demo_book))


@pytest.fixture
def fresh(template_db: Path, tmp_path: Path) -> Path:
    """A new database, as `rvneet init --municipality 'Viljandi linn'` leaves it."""
    path = tmp_path / "fresh.db"
    shutil.copyfile(template_db, path)
    path.chmod(0o600)
    return path


def on(db: Path, *args: str) -> tuple[str, ...]:
    return ("--db", str(db), *args)


def sheets(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every cell value of every sheet of an XLSX file, by sheet."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in workbook.worksheets}
    finally:
        workbook.close()


def test_json_round_trip_is_byte_identical(book: Path, fresh: Path, tmp_path: Path, ok: Ok) -> None:
    first, second = tmp_path / "book.json", tmp_path / "again.json"
    tables = len(export_tables())
    assert ok("export", str(first)).startswith(f"Exported {tables} tables, ")
    assert first.stat().st_mode & 0o777 == 0o600
    data = json.loads(first.read_text(encoding="utf-8"))
    assert {k: data[k] for k in ("format", "version", "municipality", "pseudonymized")} == {
        "format": "rvneet-export",
        "version": 1,
        "municipality": MUNICIPALITY,
        "pseudonymized": False,
    }
    assert list(data["tables"]) == [t.name for t in export_tables()]
    assert "audit_log" not in data["tables"]
    assert [r["ref"] for r in data["tables"]["youths"]][:2] == ["Y-0001", "Y-0002"]
    assert data["tables"]["cases"][0]["start_date"] == "2024-09-16"

    summary = ok(*on(fresh, "import", "export", str(first)))
    assert summary.startswith(f"Imported {tables} tables, ")
    ok(*on(fresh, "export", str(second)))
    assert second.read_bytes() == first.read_bytes()
    assert dump_book(fresh) == dump_book(book)
    # One audit entry per inserted record, personal fields redacted.
    audited = query(fresh, "SELECT entity, changes FROM audit_log WHERE action <> 'export'")
    records = sum(len(rows) for name, rows in data["tables"].items() if name != "settings")
    assert len(audited) == records
    assert not [c for _, c in audited if "Karl Tamm" in c or "50911180124" in c]
    # The entries written in bulk form an intact hash chain (services.audit._append).
    # ... and the second export's own entry after them.
    assert ok(*on(fresh, "audit", "verify")).startswith(f"audit log intact: {records + 1} entries")


def dump_book(db: Path) -> list[tuple[str, list[tuple[object, ...]]]]:
    return [(t, rows) for t, rows in dump(db) if t not in EXCLUDED_TABLES]


def test_xlsx_round_trip_keeps_every_cell_and_formulas_stay_text(
    book: Path, fresh: Path, tmp_path: Path, ok: Ok
) -> None:
    first, second = tmp_path / "book.xlsx", tmp_path / "again.xlsx"
    ok("export", str(first))
    assert first.stat().st_mode & 0o777 == 0o600
    cells = sheets(first)
    assert list(cells) == ["export", *(t.name for t in export_tables())]
    assert ("pseudonymized", "no") in cells["export"]
    names = [row[2] for row in cells["youths"][1:]]
    assert f"'{HYPERLINK}" in names
    notes = {row[-1] for row in cells["contacts"][1:]} | {row[-1] for row in cells["stage_changes"]}
    assert {"'+1+1", "'  @SUM(A1)", "'-2", "'\t=cmd|' /C calc'!A0"} <= notes
    texts = [v for rows in cells.values() for row in rows for v in row if isinstance(v, str)]
    assert "'+372 5555 1234" in texts  # a phone number looks like a formula too
    assert [v for v in texts if neutralise(restore(v)) != v] == []  # every text cell is safe

    ok(*on(fresh, "import", "export", str(first)))
    ok(*on(fresh, "export", str(second)))
    assert sheets(second) == cells
    assert dump_book(fresh) == dump_book(book)
    assert (HYPERLINK,) in query(fresh, "SELECT name FROM youths")
    stored = {
        r[0] for r in query(fresh, "SELECT note FROM contacts UNION SELECT note FROM stage_changes")
    }
    assert stored >= FORMULA_NOTES


def personal_values(db: Path) -> set[str]:
    """Every name, code, contact, free text, full birth date and reference in the database."""
    found: set[str] = set()
    con = connect_book(db)
    try:
        for table in export_tables():
            kept = KEPT_TEXT.get(table.name, frozenset())
            for column in table.columns:
                if column.name in kept and column.name not in REDACTED_FIELDS:
                    continue
                if column.name in left_out(table) | PSEUDONYMIZED.get(table.name, frozenset()) or (
                    column.name == "birth_date"
                ):
                    found |= {
                        str(v)
                        for (v,) in con.execute(f'SELECT "{column.name}" FROM "{table.name}"')
                        if v is not None
                    }
        # The same words may be an organisation, which is kept (a contact's place "Viljandi
        # noortekeskus" is the network's organisation of that name).
        kept_values = {str(v) for (v,) in con.execute("SELECT org FROM network_members")}
    finally:
        con.close()
    return {v for v in found - kept_values - {MUNICIPALITY} if len(v) >= 3}


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_a_pseudonymized_export_holds_no_personal_data(
    book: Path, fresh: Path, tmp_path: Path, ok: Ok, run: Run, fmt: str
) -> None:
    target = tmp_path / f"pseudo.{fmt}"
    assert ok("export", str(target), "--pseudonymize").endswith("(pseudonymized)")
    assert target.stat().st_mode & 0o777 == 0o600
    if fmt == "json":
        text = target.read_text(encoding="utf-8")
        data = json.loads(text)
        assert data["pseudonymized"] is True
        youth = data["tables"]["youths"][0]
    else:
        cells = sheets(target)
        text = "\n".join(str(v) for rows in cells.values() for row in rows for v in row)
        assert ("pseudonymized", "yes") in cells["export"]
        header, first = cells["youths"][:2]
        # A sheet's row ends at its last value (the erasure columns are empty here).
        youth = dict(itertools.zip_longest(header, first))
    secret = query(book, "SELECT value FROM settings WHERE key = 'pseudonym_key'")[0][0]
    values = personal_values(book)
    assert {"Karl Tamm", "50911180124", "mari.maasikas@example.ee", "+372 5555 1234"} <= values
    assert {"Y-0001", "RV-2025-001", "M-001", "2009-11-18", "Kadri Põld", "SAVRY"} <= values
    assert {"called Mari Maasikas at 5555 1234", "weekly youth club"} <= values
    leaked = sorted(v for v in values | {secret} if v in text)
    assert leaked == []
    assert youth["birth_month"] == "2009-11" and youth["sex"] == "M"
    assert str(youth["ref"]).startswith("P-") and youth["name"] is None

    # The same database gives the same pseudonyms; its secret was made once.
    again = tmp_path / f"again.{fmt}"
    ok("export", str(again), "--pseudonymize")
    if fmt == "json":
        assert again.read_bytes() == target.read_bytes()
    else:
        assert sheets(again) == sheets(target)
    assert query(book, "SELECT value FROM settings WHERE key = 'pseudonym_key'")[0][0] == secret

    message = refused(run, fresh, *on(fresh, "import", "export", str(target)))
    assert "pseudonymized" in message


def test_another_database_gives_other_pseudonyms(
    book: Path, fresh: Path, tmp_path: Path, ok: Ok
) -> None:
    plain = tmp_path / "book.json"
    ok("export", str(plain))
    ok(*on(fresh, "import", "export", str(plain)))  # the same records, references and all
    ours, theirs = tmp_path / "ours.json", tmp_path / "theirs.json"
    ok("export", str(ours), "--pseudonymize")
    ok(*on(fresh, "export", str(theirs), "--pseudonymize"))

    def refs(path: Path) -> list[str]:
        return [y["ref"] for y in json.loads(path.read_text())["tables"]["youths"]]

    assert len(set(refs(ours))) == len(refs(ours))
    assert not set(refs(ours)) & set(refs(theirs))
    assert "pseudonym_key" not in plain.read_text()


def test_every_text_column_is_classified() -> None:
    """A text column is either a kept code, a pseudonym, or left out; personal ones never kept."""
    for table in export_tables():
        kept = KEPT_TEXT.get(table.name, frozenset())
        assert not kept & REDACTED_FIELDS, table.name
        assert set(kept) <= {c.name for c in table.columns}, table.name
        assert set(PSEUDONYMIZED.get(table.name, frozenset())) <= {c.name for c in table.columns}
    assert {t.name for t in export_tables()} == set(metadata.tables) - EXCLUDED_TABLES
    assert "instrument" in left_out(metadata.tables["assessments"])
    assert "kind" in left_out(metadata.tables["support_activities"])
    assert "kind" not in left_out(metadata.tables["support_requests"])


def test_import_into_a_database_with_records_is_refused(
    book: Path, tmp_path: Path, ok: Ok, run: Run
) -> None:
    target = tmp_path / "book.json"
    ok("export", str(target))
    message = refused(run, book, "import", "export", str(target))
    # The demo book has an RV agreement (issue 16) and staff: the tables come by name.
    assert "already holds records (agreements, network_members, staff, ..." in message


def _cases_first(text: str) -> str:
    data = json.loads(text)
    data["tables"] = {"cases": data["tables"].pop("cases"), **data["tables"]}
    return json.dumps(data)


def _edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


BROKEN: dict[str, tuple[Callable[[str], str], str]] = {
    "truncated": (lambda t: t[: len(t) // 2], "ends too early"),
    "cut in a row": (lambda t: t[: t.index('"Karl Tamm"') + 5], "ends too early"),
    "garbage": (lambda t: "not json at all", "not an rvneet export"),
    "array": (lambda t: "[]", "not an rvneet export"),
    "empty": (lambda t: "", "not an rvneet export (it is empty)"),
    "other format": (lambda t: _edit(t, "rvneet-export", "csv"), "not an rvneet export"),
    "version 2": (lambda t: _edit(t, '"version": 1', '"version": 2'), "version 2"),
    "newer schema": (lambda t: _edit(t, '"schema": "0', '"schema": "9'), "newer than this rvneet"),
    "unknown table": (lambda t: _edit(t, '"youths": [', '"kids": ['), "unknown table 'kids'"),
    "unknown column": (lambda t: _edit(t, '"sex": "M"', '"gender": "M"'), "no column 'gender'"),
    "bad date": (lambda t: _edit(t, '"2009-11-18"', '"18.11.2009"'), "expected a date"),
    "bad boolean": (lambda t: _edit(t, '"withdrawn": false', '"withdrawn": "no"'), "true or false"),
    "duplicate id": (
        lambda t: _edit(t, '{"id": 2, "ref": "Y-0002"', '{"id": 1, "ref": "Y-0002"'),
        "UNIQUE constraint failed: youths.id",
    ),
    "missing parent": (
        lambda t: _edit(t, '"youth_id": 3,', '"youth_id": 99,'),
        "refers to a row of youths",
    ),
    "order": (lambda t: _cases_first(t), "must come before cases"),
    "trailing data": (lambda t: t + "{}", "the end of the file expected"),
    "nul in a name": (
        lambda t: _edit(t, '"Karl Tamm"', '"Karl\\u0000 Tamm"'),
        "table youths, row 1, name: holds a NUL character (\\x00), which is not text",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_json_export_is_refused_and_nothing_written(
    book: Path, fresh: Path, tmp_path: Path, ok: Ok, run: Run, case: str
) -> None:
    good = tmp_path / "book.json"
    ok("export", str(good))
    edit, expected = BROKEN[case]
    bad = tmp_path / "bad.json"
    bad.write_text(edit(good.read_text(encoding="utf-8")), encoding="utf-8")
    message = refused(run, fresh, *on(fresh, "import", "export", str(bad)))
    assert expected in message


def test_a_damaged_xlsx_export_is_refused(
    book: Path, fresh: Path, tmp_path: Path, ok: Ok, run: Run
) -> None:
    good = tmp_path / "book.xlsx"
    ok("export", str(good))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert "not an XLSX workbook" in refused(run, fresh, *on(fresh, "import", "export", str(bad)))
    other = EXAMPLES / "noored.xlsx"
    assert "not an rvneet export" in refused(run, fresh, *on(fresh, "import", "export", str(other)))


@pytest.mark.parametrize("pseudonymize", [False, True], ids=["whole", "pseudonymized"])
def test_an_export_is_recorded_in_the_audit_log_and_a_refused_one_is_not(
    book: Path, tmp_path: Path, ok: Ok, run: Run, pseudonymize: bool
) -> None:
    # The book's personal data leaving in a file is the largest read there is: one entry, with
    # the format and rows but never the file's name.
    more = ["--pseudonymize"] if pseudonymize else []
    last = "SELECT user, entity, action, changes FROM audit_log ORDER BY id DESC LIMIT 1"
    before = query(book, last)
    ok("--user", "kadri", "export", str(tmp_path / "kov-2025.json"), *more)
    entry = query(book, last)
    assert entry != before
    user, entity, action, changes = entry[0]
    rows = json.loads((tmp_path / "kov-2025.json").read_text(encoding="utf-8"))["tables"]
    assert (user, entity, action) == (recorded("kadri", book), "database", "export")
    assert json.loads(changes) == {
        "file_format": [None, "json"],
        "pseudonymized": [None, pseudonymize],
        "rows_exported": [None, sum(len(r) for r in rows.values())],
    }
    assert "kov-2025" not in changes
    refused(run, book, "export", str(tmp_path / "kov-2025.json"), *more)  # exists: no entry
    assert query(book, last) == entry
    ok("audit", "verify")


def test_export_never_overwrites_without_force(
    book: Path, tmp_path: Path, ok: Ok, run: Run
) -> None:
    target = tmp_path / "book.json"
    target.write_text("mine")
    target.chmod(0o644)
    message = refused(run, book, "export", str(target))
    assert "exists; add --force" in message
    assert target.read_text() == "mine"
    ok("export", str(target), "--force")
    assert target.stat().st_mode & 0o777 == 0o600
    assert json.loads(target.read_text())["format"] == "rvneet-export"
    assert "the database itself" in refused(
        run, book, "export", str(book), "--force", "--format", "json"
    )
    assert "format of book.txt" in refused(run, book, "export", str(tmp_path / "book.txt"))
    ok("export", str(tmp_path / "book.txt"), "--format", "json")
    assert "does not exist" in refused(run, book, "export", str(tmp_path / "no" / "b.json"))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_text_xlsx_cannot_hold_is_refused_and_no_file_is_left(
    book: Path, tmp_path: Path, run: Run
) -> None:
    con = connect_book(book)
    with con:
        con.execute("UPDATE goals SET text = 'bell \x07' WHERE id = 1")
    con.close()
    target = tmp_path / "book.xlsx"
    message = refused(run, book, "export", str(target))
    assert "control character" in message and "JSON" in message
    assert list(tmp_path.glob("*book.xlsx*")) == []


def test_docs_export_names_every_header_key_and_what_is_left_out() -> None:
    from rvneet.services.export import HEADER_KEYS

    text = (Path(__file__).parents[1] / "docs" / "export.md").read_text(encoding="utf-8")
    for name in (*HEADER_KEYS, *EXCLUDED_TABLES, "pseudonym_key", "birth_month"):
        assert f"`{name}`" in text, name
