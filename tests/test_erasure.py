"""`rvneet youth erase` and `rvneet retention`: personal data removed, statistics kept.

The book is the demo (examples/load.sh) plus three RV youths whose cases test what erasure must keep:
two cases that started in the youth's birth month (one before the birthday, one after), so an age
computed from the year-month alone is off by one either way, and a case opened outside the model's
ages with a recorded reason, which `rvneet check` counts. Built once per module; each test works on
a copy (`book`).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from books import cli, copy_book, once_per_run
from conftest import CODE_F_1999_LEAP, CODE_M_1995, Ok, Run, dump, query, refused
from pg import connect_book
from sqlalchemy import String, TypeDecorator
from typer.testing import CliRunner

from rvneet.cli import app
from rvneet.domain.tables import metadata
from rvneet.services.erasure import CLEARED, KEPT, NOT_A_YOUTHS, OVERWRITTEN

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
# The youths erased in the report test: RV and NEET cases closed, with follow-ups done or skipped,
# NGTS list entries with contacts and a guardian, a youth only on the NGTS list, and the three below.
ERASED = ["Y-0003", "Y-0004", "Y-0006", "Y-0009", "Y-0019", "Y-0020", "Y-0021"]
MART = "Y-0019"  # born 2010-03-20; RV-2024-003 started 2024-03-05: 13, not 14
MARIA = "Y-0020"  # born 2010-03-02; RV-2024-004 started 2024-03-20: 14, not 13
VILLEM = "Y-0021"  # born 2005-05-10; RV-2024-005 opened at 19 with a reason


def _extras(ok: Any) -> None:
    ok("youth", "add", "--name", "Mart Märtsikas", "--birth-date", "2010-03-20", "--sex", "M")
    ok("case", "open", "--youth", MART, "--model", "rv", "--start", "2024-03-05", "--risk",
       "medium", "--instrument", "YLS/CMI by Mart's school", "--manager", "Kadri Põld")  # fmt: skip
    ok("case", "contact", "RV-2024-003", "--date", "2024-03-07", "--channel", "meeting",
       "--place", "Märtsikate kodu, Pikk 5", "--note", "Mart spoke of his brother Jüri")  # fmt: skip
    ok("case", "reassign", "RV-2024-003", "--manager", "S-0002", "--date", "2024-03-08",
       "--reason", "Mart asked for Tiit")  # fmt: skip
    ok("case", "stage", "RV-2024-003", "risk-assessment", "--date", "2024-03-10",
       "--note", "Mart's mother present")  # fmt: skip
    ok(
        "case",
        "goal",
        "add",
        "RV-2024-003",
        "Mart back at Paalalinna school",
        "--date",
        "2024-03-12",
    )
    ok("case", "goal", "drop", "RV-2024-003", "1", "--date", "2024-05-02",
       "--reason", "Mart changed school")  # fmt: skip
    ok("case", "support-request", "RV-2024-003", "--date", "2024-03-20", "--kind",
       "implementation", "--justification", "Mart needs a psychologist")  # fmt: skip
    ok("case", "support-answer", "RV-2024-003", "1", "--date", "2024-04-01", "--granted",
       "--note", "granted for Mart Märtsikas")  # fmt: skip
    ok("case", "close", "RV-2024-003", "--end", "2024-12-20", "--reason", "goals-met")
    ok("case", "reopen", "RV-2024-003", "--date", "2025-01-10", "--reason", "Mart relapsed")
    ok("case", "close", "RV-2024-003", "--end", "2025-02-28", "--reason", "goals-met")
    ok("followup", "record", "RV-2024-003", "--date", "2025-09-01", "--reached", "yes",
       "--note", "Mart works at Viljandi Konsum")  # fmt: skip

    ok("youth", "add", "--name", "Maria Märts", "--birth-date", "2010-03-02", "--sex", "F")
    ok("case", "open", "--youth", MARIA, "--model", "rv", "--start", "2024-03-20", "--risk", "high")
    ok("case", "close", "RV-2024-004", "--end", "2024-10-01", "--reason", "moved")
    ok("followup", "skip", "RV-2024-004", "--reason", "Maria moved to Tartu")

    ok("youth", "add", "--name", "Villem Vanem", "--birth-date", "2005-05-10", "--sex", "M")
    ok("case", "open", "--youth", VILLEM, "--model", "rv", "--start", "2024-06-03", "--risk",
       "medium", "--allow-ineligible", "Villem's brother is in the same network")  # fmt: skip
    ok("case", "close", "RV-2024-005", "--end", "2024-12-01", "--reason", "goals-met")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, demo_book: Path) -> Path:
    """The demo book and the three youths above, built once per test run and shared by the xdist
    workers (it takes seconds)."""

    def build(path: Path) -> None:
        copy_book(demo_book, path)
        _extras(cli(path))

    return once_per_run(tmp_path_factory, "erasure-book", build)


def erase(ok: Ok, *refs: str) -> None:
    for ref in refs:
        assert ok("youth", "erase", ref, "--reason", "request of the youth", "--yes").startswith(
            f"Erased {ref} on "
        )


def reports(ok: Ok) -> dict[str, Any]:
    """Every report's JSON for the periods and days the book covers."""
    out: dict[str, Any] = {}

    def get(*args: str) -> Any:
        return json.loads(ok(*args, "--format", "json"))

    for period in ("2024", "2024-03", "2025", "2026"):
        out[f"lisa4 {period}"] = get("report", "lisa4", "--period", period, "--no-timestamp")
        out[f"neet {period}"] = get("report", "neet", "--period", period, "--no-timestamp")
        out[f"followups {period}"] = get(
            "report", "followups", "--period", period, "--no-timestamp"
        )
        out[f"check {period}"] = get("check", "--period", period, "--warn-only")
    for day in ("2024-06-30", "2025-06-30"):
        out[f"workload {day}"] = get("report", "workload", "--as-of", day, "--no-timestamp")
    # The outreach list's numbers: who was reached, and their age on the list date.
    out["outreach"] = [
        {k: row[k] for k in ("youth", "list_date", "age", "sex", "status", "case", "first_contact")}
        for row in get("outreach", "list", "--list-date", "2025-03-15")
    ]
    return out


def personal_values(db: Path, refs: list[str]) -> set[str]:
    """What erasure removes of the youths `refs`: every cleared or overwritten value, in clear.

    Values the other youths' records hold too ("keskharidus", a birth date) prove nothing and are
    left out, as are words shorter than 5 characters.
    """
    con = connect_book(db)
    try:
        ids = ",".join(
            str(con.execute("SELECT id FROM youths WHERE ref = ?", (ref,)).fetchone()[0])
            for ref in refs
        )
        others = f"SELECT id FROM youths WHERE id NOT IN ({ids})"
        found: set[str] = set()
        shared: set[str] = set()
        for table, column in [*_erased_columns(), ("youths", "birth_date")]:
            for who, values in ((ids, found), (others, shared)):
                select = f'SELECT "{column}" FROM "{table}" WHERE {_of_youths(table, who)}'
                values |= {str(v) for (v,) in con.execute(select) if v is not None}
    finally:
        con.close()
    return {v for v in found - shared if len(v) >= 5}


def _erased_columns() -> list[tuple[str, str]]:
    return sorted(
        (table, column)
        for mapping in (CLEARED, OVERWRITTEN)
        for table, columns in mapping.items()
        for column in columns
        if column != "birth_date"
    )


def _of_youths(table: str, ids: str) -> str:
    """SQL: the rows of `table` that belong to the youths with ids `ids`."""
    columns = set(metadata.tables[table].c.keys())
    cases = f"SELECT id FROM cases WHERE youth_id IN ({ids})"
    if table == "youths":
        return f"id IN ({ids})"
    if "youth_id" in columns:
        return f"youth_id IN ({ids})"
    if "case_id" in columns:
        return f"case_id IN ({cases})"
    if "entry_id" in columns:  # an outreach attempt, on a youth's NGTS list entry
        return f"entry_id IN (SELECT id FROM ngts_entries WHERE youth_id IN ({ids}))"
    if "assessment_id" in columns:
        return f"assessment_id IN (SELECT id FROM needs_assessments WHERE case_id IN ({cases}))"
    raise AssertionError(f"{table} is not linked to a youth")


def _text_columns(table: str) -> set[str]:
    """The text columns of `table` (SQLModel's text type wraps SQLAlchemy's String)."""
    found = set()
    for column in metadata.tables[table].columns:
        kind = column.type
        if isinstance(kind, TypeDecorator):
            kind = kind.impl_instance
        if isinstance(kind, String):
            found.add(column.name)
    return found


# ---------------------------------------------------------------------------------------------
# What is erased


def test_every_text_column_of_a_youths_tables_is_erased_or_kept_on_purpose() -> None:
    # Fails when a text column (or a table) is added without saying whether erasure removes it:
    # add it to CLEARED or OVERWRITTEN in services/erasure.py, or to KEPT with a reason.
    youths_tables = set(metadata.tables) - NOT_A_YOUTHS
    assert youths_tables == set(KEPT), "a table is missing from services.erasure.KEPT"
    for table in youths_tables:
        _of_youths(table, "1")  # every such table is reachable from the youth
        erased = CLEARED.get(table, frozenset()) | OVERWRITTEN.get(table, frozenset())
        assert not erased & KEPT[table], table
        assert erased <= set(metadata.tables[table].c.keys()), table
        text = _text_columns(table)
        assert text - erased - KEPT[table] == set(), f"{table}: text columns not classified"
        assert KEPT[table] <= text, f"{table}: KEPT names a column that is not text"
    assert {"note", "place"} <= OVERWRITTEN["contacts"]
    assert {"phone", "email", "address"} <= CLEARED["ngts_entries"]


@pytest.mark.sqlite_only  # the bytes of the file
def test_every_free_text_value_of_the_youth_is_gone_from_the_file(
    book: Path, ok: Ok, tmp_path: Path
) -> None:
    # A marker in every text column the keep-list does not name, in every table of the youth:
    # a column erasure forgets (services/erasure.py OVERWRITTEN / CLEARED) leaves its marker.
    con = sqlite3.connect(book)
    with con:
        youth_id, case_id = con.execute(
            "SELECT y.id, c.id FROM youths y JOIN cases c ON c.youth_id = y.id"
            " WHERE c.ref = 'NEET-2025-001'"
        ).fetchone()
        # The rows the demo's NEET-2025-001 lacks, so that every table has one.
        con.execute(
            "INSERT INTO support_requests (case_id, number, date, kind) "
            "VALUES (?, 1, '2025-02-01', 'implementation')",
            (case_id,),
        )
        con.execute(
            "INSERT INTO reopenings (case_id, date, reason, previous_end, previous_reason) "
            "VALUES (?, '2025-01-21', 'x', '2025-01-20', 'moved')",
            (case_id,),
        )
        con.execute(
            "INSERT INTO manager_changes (case_id, from_id, to_id, date, reason) "
            "VALUES (?, NULL, 1, '2025-01-22', 'x')",
            (case_id,),
        )
        con.execute(
            "INSERT INTO case_shares (case_id, staff_id, shared_on, until, reason) "
            "VALUES (?, 1, '2025-01-22', '2025-02-22', 'x')",
            (case_id,),
        )
        con.execute(
            "INSERT INTO welfare_scores (assessment_id, domain, score) "
            "SELECT id, 'social', 2 FROM needs_assessments WHERE case_id = ?",
            (case_id,),
        )
        con.execute(
            "INSERT INTO corrections (at, user, entity, entity_id, case_id, youth_id, record,"
            " action, changes, reason) VALUES ('2025-02-02T00:00:00Z', 'x', 'cases', ?, ?, ?,"
            " 'closing', 'correct', '{}', 'x')",
            (case_id, case_id, youth_id),
        )
        con.execute(
            "INSERT INTO outreach_attempts (entry_id, date, channel, result, note) "
            "SELECT id, '2025-03-20', 'phone', 'no-answer', 'x' FROM ngts_entries WHERE youth_id = ?",
            (youth_id,),
        )
        marked = 0
        for table in sorted(set(metadata.tables) - NOT_A_YOUTHS):
            where = _of_youths(table, str(youth_id))
            rows = con.execute(f'SELECT count(*) FROM "{table}" WHERE {where}').fetchone()[0]
            assert rows, f"the youth has no row in {table}: the test would prove nothing there"
            for column in sorted(_text_columns(table) - KEPT[table]):
                con.execute(
                    f'UPDATE "{table}" SET "{column}" = ? || id WHERE {where}',
                    (f"SECRET-{table}-{column}-",),
                )
                marked += 1
    con.close()
    assert marked >= 20
    erase(ok, "Y-0006")
    text = "\n".join(sqlite3.connect(book).iterdump())
    assert "SECRET-" not in text
    # Nor in the bytes of the file (secure_delete overwrites the freed space), nor in an export.
    raw = (
        book.read_bytes() + (book.parent / (book.name + "-wal")).read_bytes()
        if (book.parent / (book.name + "-wal")).exists()
        else book.read_bytes()
    )
    assert b"SECRET-" not in raw
    ok("export", str(tmp_path / "book.json"))
    assert "SECRET-" not in (tmp_path / "book.json").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# What stays


def test_reports_give_the_same_numbers_after_erasure(book: Path, ok: Ok) -> None:
    before = reports(ok)
    # The book has what the comparison must see: the birth-month cases, the age exception.
    lisa4 = {c["case"]: c["age"] for c in before["lisa4 2024"]["cases"]}
    assert lisa4["RV-2024-003"] == 13 and lisa4["RV-2024-004"] == 14
    assert "RV-2024-005" in json.dumps(before["check 2024"])
    erase(ok, *ERASED)
    # Would break if the reports took the age from the birth month (reports/lisa4.py, known_age),
    # if erasure emptied ineligible_reason (check's age exception), or dropped a row or a date.
    assert reports(ok) == before
    assert query(book, "SELECT count(*) FROM youths WHERE erased_on IS NOT NULL") == [(7,)]


def test_the_youth_keeps_birth_month_and_sex_and_shows_as_erased(book: Path, ok: Ok) -> None:
    erase(ok, MART)
    shown = json.loads(ok("youth", "show", MART, "--format", "json"))
    assert shown["status"] == "erased" and shown["erased_on"] == dt.date.today().isoformat()
    assert shown["birth_month"] == "2010-03" and shown["sex"] == "M"
    assert shown["birth_date"] is None and shown["id_code"] is None and shown["age"] is None
    assert shown["name"] == "(erased)"
    assert [c["case"] for c in shown["cases"]] == ["RV-2024-003"]
    assert shown["erasure_reason"] == "request of the youth"
    table = ok("youth", "show", MART)
    assert "erased on" in table and "2010-03 (month only)" in table
    listed = {r["youth"]: r for r in json.loads(ok("youth", "list", "--format", "json"))}
    assert listed[MART]["status"] == "erased" and listed["Y-0001"]["status"] == "active"
    assert query(book, "SELECT age_at_start FROM cases WHERE ref = 'RV-2024-003'") == [(13,)]
    case = json.loads(ok("case", "show", "RV-2024-003", "--format", "json"))
    assert case["age_at_start"] == 13 and case["age_today"] is None
    assert "Mart" not in json.dumps(case)


# ---------------------------------------------------------------------------------------------
# The audit log and the export


def test_the_audit_keeps_the_fact_but_no_erased_value(book: Path, ok: Ok) -> None:
    secrets = personal_values(book, ERASED)
    assert {"Mart Märtsikas", "Markus Saar", "Tiina Saar", "Mart relapsed"} <= secrets
    assert {"39908150564", "Jakobsoni 3-8, Viljandi", "Maria moved to Tartu"} <= secrets
    audited = query(book, "SELECT max(id) FROM audit_log")[0][0]
    erase(ok, *ERASED)
    rows = query(book, "SELECT entity, entity_ref, action, changes FROM audit_log")
    text = "\n".join(" ".join(str(v) for v in row) for row in rows)
    # Would break if a table's __audit_redact__ (domain/tables.py) or the audit's list missed a
    # column erasure writes, or if the reason were written in clear.
    leaked = sorted(v for v in secrets - IMPORTED_BIRTH_DATES if v in text)
    assert leaked == []
    assert "2010-03-20" in secrets  # a birth date entered with `youth add`
    assert "request of the youth" not in text
    (fact,) = query(
        book,
        f"SELECT user, action, changes FROM audit_log WHERE id > {audited}"
        f" AND entity = 'youths' AND entity_ref = '{MART}'",
    )
    changes = json.loads(fact[2])
    assert fact[:2] == ("tester", "update")
    assert changes["erased_on"] == [None, dt.date.today().isoformat()]
    assert changes["erasure_reason"] == [None, "[redacted]"]
    assert changes["birth_month"] == [None, "2010-03"]


# Youths registered by an import (here the NGTS list): their birth dates are in the audit.
IMPORTED_BIRTH_DATES = {"2005-03-15"}


def test_an_imported_birth_date_is_not_in_the_audit(book: Path) -> None:
    # Would break without redact=Youth.__audit_redact__ in services/imports/youths.insert_youths.
    text = "\n".join(str(r[0]) for r in query(book, "SELECT changes FROM audit_log"))
    assert "2005-03-15" not in text  # Y-0009, registered by the NGTS list


def test_the_export_after_erasure_holds_no_erased_value(book: Path, ok: Ok, tmp_path: Path) -> None:
    secrets = personal_values(book, ERASED)
    erase(ok, *ERASED)
    for name, extra in (("book.json", ()), ("book.xlsx", ()), ("pseudo.json", ("--pseudonymize",))):
        target = tmp_path / name
        ok("export", str(target), *extra)
        if name.endswith("xlsx"):
            from openpyxl import load_workbook

            workbook = load_workbook(target, read_only=True)
            text = "\n".join(
                str(v) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True)
                for v in row
            )  # fmt: skip
            workbook.close()
        else:
            text = target.read_text(encoding="utf-8")
        leaked = sorted(v for v in secrets if v in text)
        assert leaked == [], name
    pseudo = json.loads((tmp_path / "pseudo.json").read_text(encoding="utf-8"))
    months = [y["birth_month"] for y in pseudo["tables"]["youths"]]
    assert "2010-03" in months and None not in months  # the erased youths' months, from the column


@pytest.mark.sqlite_only  # the bytes of the file
def test_the_file_itself_no_longer_holds_the_erased_values(book: Path, ok: Ok) -> None:
    secrets = personal_values(book, [MART, "Y-0006"])
    raw = book.read_bytes()
    assert any(v.encode() in raw for v in secrets)  # the test can see them before
    erase(ok, MART, "Y-0006")
    wal = book.parent / (book.name + "-wal")
    raw = book.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    # Would break if SQLite kept freed and rewritten cells: services/erasure.py _secure_delete
    # turns secure_delete on (this Python's SQLite has it on by default; other builds do not).
    assert sorted(v for v in secrets if v.encode() in raw) == []


# ---------------------------------------------------------------------------------------------
# The command


def test_erase_asks_first_and_shows_only_references(book: Path, run: Run) -> None:
    before = dump(book)
    result = run("youth", "erase", MART, "--reason", "request of the youth", input="n\n")
    assert result.exit_code == 1 and "Error: aborted" in result.stderr
    assert dump(book) == before
    preview = result.stderr
    assert "RV-2024-003" in preview and "contacts: note 1, place 1" in preview
    assert "born 2010-03" in preview
    assert "Mart" not in preview and "Pikk 5" not in preview and "2010-03-20" not in preview
    result = run("youth", "erase", MART, "--reason", "request of the youth", input="y\n")
    assert result.exit_code == 0, result.stderr
    assert f"Erased {MART} on " in result.stdout


def test_erase_json_for_scripts(ok: Ok, book: Path) -> None:
    done = json.loads(
        ok("youth", "erase", MARIA, "--reason", "retention", "--yes", "--format", "json")
    )
    assert done["youth"] == MARIA and done["status"] == "erased"
    assert done["kept"] == {"birth_month": "2010-03", "sex": "F"}
    assert done["cases"] == ["RV-2024-004"] and done["fields"]["followups.skip_reason"] == 1
    assert done["fields"]["youths.name"] == 1


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        pytest.param(("Y-0001", "--reason", "x"), 1, "open case (RV-2025-001)", id="open-case"),
        pytest.param(("Y-0099", "--reason", "x"), 3, "no youth", id="unknown"),
        pytest.param((MART, "--reason", "  "), 1, "give the reason", id="empty-reason"),
        pytest.param((MART, "--reason", "Märtsikas asked"), 1, "name", id="reason-names"),
        pytest.param((MART, "--reason", "x" * 501), 1, "longer than 500", id="long-reason"),
    ],
)
def test_erase_refusals_change_nothing(
    run: Run, book: Path, args: tuple[str, ...], code: int, says: str
) -> None:
    for confirm in ("--yes", None):  # refused before the question too
        message = refused(
            run, book, "youth", "erase", *args, *([confirm] if confirm else []), code=code
        )
        assert says in message
        assert "Mart Märtsikas" not in message


def test_erase_twice_is_refused(run: Run, ok: Ok, book: Path) -> None:
    erase(ok, MART)
    message = refused(run, book, "youth", "erase", MART, "--reason", "again", "--yes")
    assert message == (
        f"Error: {MART} was already erased on {dt.date.today().isoformat()}; nothing changed"
    )


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(
            (
                "case",
                "open",
                "--youth",
                MART,
                "--model",
                "rv",
                "--start",
                "2025-06-02",
                "--risk",
                "high",
            ),
            id="new-case",
        ),
        pytest.param(
            ("case", "reopen", "RV-2024-003", "--date", "2025-06-02", "--reason", "r"), id="reopen"
        ),
        pytest.param(
            (
                "case",
                "contact",
                "RV-2024-003",
                "--date",
                "2025-02-01",
                "--channel",
                "phone",
                "--note",
                "n",
            ),
            id="contact",
        ),
        pytest.param(
            ("case", "assess", "RV-2024-003", "--date", "2025-02-01", "--risk", "high"), id="assess"
        ),
        pytest.param(
            (
                "youth",
                "consent",
                MART,
                "--date",
                "2025-02-01",
                "--scope",
                "participation",
                "--given-by",
                "guardian",
            ),
            id="consent",
        ),
        pytest.param(("followup", "skip", "RV-2024-004", "--reason", "r"), id="followup"),
    ],
)
def test_nothing_new_is_recorded_about_an_erased_youth(
    run: Run, ok: Ok, book: Path, args: tuple[str, ...]
) -> None:
    # Would break without the checks in services/lookups.py check_not_erased and its callers.
    con = connect_book(book)
    with con:  # Maria's follow-up, skipped in the template, is due again for the follow-up case
        con.execute("UPDATE followups SET status = 'due', skip_reason = NULL "
                    "WHERE case_id = (SELECT id FROM cases WHERE ref = 'RV-2024-004')")  # fmt: skip
    con.close()
    erase(ok, MART, MARIA)
    message = refused(run, book, *args)
    assert "was erased on" in message


@pytest.mark.parametrize("with_birth_date", [True, False])
def test_an_import_naming_an_erased_youth_is_refused(
    run: Run, ok: Ok, book: Path, tmp_path: Path, with_birth_date: bool
) -> None:
    # Would break (an IntegrityError, exit 70, or an update) without the erased checks in
    # services/imports/youths.py.
    erase(ok, MART)
    source = tmp_path / "noored.csv"
    birth = "2009-01-01" if with_birth_date else ""
    source.write_text(f"ref,name,birth_date,sex\n{MART},Uus Nimi,{birth},{'M' if birth else ''}\n")
    before = dump(book)
    result = run("import", "youths", str(source))
    assert result.exit_code == 1, result.stderr
    assert f"{MART} was erased" in result.stderr
    assert "Uus Nimi" not in result.stderr
    assert dump(book) == before


# ---------------------------------------------------------------------------------------------
# Retention


def _years_ago(years: int, days: int = 0) -> str:
    today = dt.date.today()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:
        day = today.replace(year=today.year - years, day=28)
    return (day - dt.timedelta(days=days)).isoformat()


@pytest.fixture(scope="module")
def aged_template(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Path:
    """Youths whose last activity is dated relative to today, built once per module.

    Y-0001: a NEET case closed 6 years ago (due). Y-0002: closed 4 years ago (due after 3).
    Y-0003: closed 6 years ago, another open (never due). Y-0004: nothing (not judged).
    Y-0005: closed 6 years ago, but on last year's NGTS list (not due). Y-0006: only on an NGTS
    list of 6 years ago (due).
    """

    path = tmp_path_factory.mktemp("aged") / "rvneet.db"
    path.write_bytes(template_db.read_bytes())
    runner = CliRunner()

    def ok(*args: str) -> str:
        result = runner.invoke(app, ["--db", str(path), "--user", "tester", *args])
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result.stdout.strip()

    def neet(youth: str, start: str, end: str | None) -> None:
        ref = ok("case", "open", "--youth", youth, "--model", "neet", "--group", "neet",
                 "--start", start, "--light", "red")  # fmt: skip
        if end:
            ok("case", "close", ref, "--end", end, "--reason", "moved")

    for n in range(1, 5):
        ok("youth", "add", "--name", f"Noor {n}", "--birth-date", "1996-01-01", "--sex", "M")
    ok("youth", "add", "--name", "Noor 5", "--id-code", CODE_F_1999_LEAP)
    neet("Y-0001", _years_ago(8), _years_ago(6, 1))
    neet("Y-0002", _years_ago(8), _years_ago(4, 1))
    neet("Y-0003", _years_ago(8), _years_ago(6, 1))
    neet("Y-0003", _years_ago(1), None)
    neet("Y-0005", _years_ago(8), _years_ago(6, 1))
    listed = path.parent / "ngts.csv"
    listed.write_text(f"isikukood;nimi\n{CODE_M_1995};Loetud Noor\n", encoding="utf-8")
    ok("import", "ngts", str(listed), "--list-date", _years_ago(6, 1))
    listed.write_text(f"isikukood;nimi\n{CODE_F_1999_LEAP};Noor 5\n", encoding="utf-8")
    ok("import", "ngts", str(listed), "--list-date", _years_ago(1))
    return path


@pytest.fixture
def aged(aged_template: Path, db_path: Path) -> Path:
    """A copy of the aged book at this test's database path."""
    db_path.write_bytes(aged_template.read_bytes())
    db_path.chmod(0o600)
    return db_path


def test_retention_dry_run_lists_by_reference(aged: Path, ok: Ok) -> None:
    refs = dict(query(aged, "SELECT ref, name FROM youths"))
    assert refs["Y-0006"] == "Loetud Noor"  # the NGTS-only youth
    before = dump(aged)
    found = json.loads(ok("retention", "--format", "json"))
    assert found["older_than_years"] == 5 and found["applied"] is False
    assert found["cutoff"] == _years_ago(5)
    assert [r["youth"] for r in found["due"]] == ["Y-0001", "Y-0006"]
    assert {r["youth"]: r["basis"] for r in found["due"]} == {
        "Y-0001": "case",
        "Y-0006": "ngts-list",
    }
    assert found["not_judged"] == ["Y-0004"]
    three = json.loads(ok("retention", "--older-than", "3", "--format", "json"))
    assert [r["youth"] for r in three["due"]] == ["Y-0001", "Y-0002", "Y-0006"]
    table = ok("retention")
    assert "Y-0001" in table and "Nothing was erased" in table and "Not judged" in table
    assert "Noor" not in table
    csv = ok("retention", "--format", "csv").splitlines()
    assert csv[0] == "youth,last_activity,basis" and len(csv) == 3
    assert dump(aged) == before


def test_retention_apply_erases_them_in_one_go(aged: Path, ok: Ok, run: Run) -> None:
    before = dump(aged)
    result = run("retention", "--apply", input="n\n")
    assert result.exit_code == 1 and "Y-0001" in result.stderr
    assert dump(aged) == before
    done = json.loads(ok("retention", "--apply", "--yes", "--format", "json"))
    assert done["applied"] is True and [r["youth"] for r in done["due"]] == ["Y-0001", "Y-0006"]
    assert query(aged, "SELECT ref, erasure_reason FROM youths WHERE erased_on IS NOT NULL") == [
        ("Y-0001", "retention period of 5 years passed"),
        ("Y-0006", "retention period of 5 years passed"),
    ]
    assert json.loads(ok("retention", "--format", "json"))["due"] == []


def test_retention_apply_is_all_or_nothing(aged: Path, run: Run) -> None:
    # A failure on the second youth leaves the first as it was: one transaction (cli/retention.py).
    con = sqlite3.connect(aged)
    with con:
        con.execute(
            "CREATE TRIGGER no_second BEFORE UPDATE OF erased_on ON youths "
            "WHEN NEW.ref = 'Y-0006' BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    con.close()
    before = dump(aged)
    result = run("retention", "--apply", "--yes")
    assert result.exit_code != 0
    assert dump(aged) == before


def test_retention_default_is_stored_and_audited(aged: Path, ok: Ok, run: Run) -> None:
    assert ok("retention", "--set-default", "3") == "Retention period: 3 years (was 5)"
    found = json.loads(ok("retention", "--format", "json"))
    assert found["older_than_years"] == 3 and len(found["due"]) == 3
    (entry,) = query(aged, "SELECT entity, entity_ref, changes FROM audit_log "
                     "WHERE entity = 'settings'")  # fmt: skip
    assert entry == ("settings", "retention_years", '{"value": [5, 3]}')
    assert "1–100 years" in refused(run, aged, "retention", "--set-default", "0")
    assert "1–100 years" in refused(run, aged, "retention", "--older-than", "0")
    assert "alone" in refused(run, aged, "retention", "--set-default", "4", "--apply", code=2)


# ---------------------------------------------------------------------------------------------
# The schema


def test_a_book_from_before_erasure_is_upgraded_and_can_erase(
    run: Run, ok: Ok, db_path: Path
) -> None:
    # Migration 0005_erasure: the new columns are empty for youths kept before it.
    from alembic import command
    from alembic.config import Config

    from rvneet.db import Database, migrations_dir

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    engine = Database(db_path, "tester").engine(write=True, foreign_keys=False)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0004")
    finally:
        engine.dispose()
    con = sqlite3.connect(db_path)
    with con:
        con.execute("INSERT INTO settings VALUES ('municipality', 'Viljandi linn')")
        con.execute(
            "INSERT INTO youths VALUES (1, 'Y-0001', 'Mari Maasikas', NULL, '2010-03-20', 'F')"
        )
        con.execute(
            "INSERT INTO cases (id, ref, youth_id, model, seq, start_date, end_date, close_reason,"
            " manager, channel) VALUES (1, 'RV-2024-001', 1, 'rv', 1, '2024-03-05', '2024-09-01',"
            " 'moved', 'Anne', 'other')"
        )
    con.close()
    listed = json.loads(ok("youth", "list", "--format", "json"))
    assert [(r["youth"], r["status"], r["birth_month"]) for r in listed] == [
        ("Y-0001", "active", "2010-03")
    ]
    assert query(db_path, "SELECT birth_month, erased_on, erasure_reason FROM youths") == [
        (None, None, None)
    ]
    before = ok("report", "lisa4", "--period", "2024", "--format", "json", "--no-timestamp")
    erase(ok, "Y-0001")
    assert ok("report", "lisa4", "--period", "2024", "--format", "json", "--no-timestamp") == before
    assert query(db_path, "PRAGMA foreign_key_check") == []
    # Going back to 0004 would need the birth date erasure removed: refused, nothing changed.
    engine = Database(db_path, "tester").engine(write=True, foreign_keys=False)
    try:
        with pytest.raises(RuntimeError, match="erased youths"), engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0004")
    finally:
        engine.dispose()
    assert query(db_path, "SELECT count(*) FROM youths WHERE erased_on IS NOT NULL") == [(1,)]


@pytest.mark.parametrize(
    "sql",
    [
        pytest.param(
            "UPDATE youths SET erased_on = '2025-01-01' WHERE ref = 'Y-0001'", id="date-kept"
        ),
        pytest.param("UPDATE youths SET birth_date = NULL WHERE ref = 'Y-0001'", id="no-date"),
        pytest.param(
            "UPDATE youths SET birth_date = NULL, birth_month = '2010-01', erased_on = '2025-01-01'"
            " WHERE ref = 'Y-0001'",
            id="code-kept",
        ),
        pytest.param("UPDATE cases SET age_at_start = -1", id="negative-age"),
    ],
)
def test_the_database_refuses_a_half_erased_youth(ok: Ok, initialised: Path, sql: str) -> None:
    # Would break without the CHECK constraints of migration 0005 (ck_youths_erasure, ...).
    from conftest import CODE_F_2010

    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    ok(
        "case",
        "open",
        "--youth",
        "Y-0001",
        "--model",
        "rv",
        "--start",
        "2025-01-10",
        "--risk",
        "high",
    )
    con = connect_book(initialised)
    try:
        # SQLite: "CHECK constraint failed"; PostgreSQL: "... violates check constraint ...".
        with pytest.raises(Exception, match=r"(?i)check constraint"):
            con.execute(sql)
    finally:
        con.close()


def test_an_export_with_erased_youths_loads_into_a_new_book(
    book: Path, ok: Ok, tmp_path: Path, template_db: Path
) -> None:
    erase(ok, *ERASED)
    target = tmp_path / "book.json"
    ok("export", str(target))
    fresh = tmp_path / "fresh.db"
    fresh.write_bytes(template_db.read_bytes())
    fresh.chmod(0o600)
    ok("--db", str(fresh), "import", "export", str(target))
    again = tmp_path / "again.json"
    ok("--db", str(fresh), "export", str(again))
    # The same to the byte when exported again: the erased youths loaded as they were.
    assert again.read_bytes() == target.read_bytes()
    assert query(fresh, "SELECT count(*) FROM youths WHERE erased_on IS NOT NULL") == [(7,)]
