"""`rvneet audit`: who changed or looked at what, when, old → new; reads of a youth's or a case's
record are audited, lists and reports are not; and a whole realistic workflow leaves no name,
personal code or full birth date in the audit log."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shlex
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from books import copy_book
from conftest import (
    CODE_F_2010,
    CODE_M_1995,
    CODE_M_2010,
    MUNICIPALITY,
    Ok,
    Run,
    build_template,
    dump,
    query,
    recorded,
    refused,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ENTRY_FIELDS = ["id", "at", "user", "action", "entity", "entity_id", "ref", "changes"]
CSV_FIELDS = ["id", "at", "user", "action", "entity", "entity_id", "ref", "field", "old", "new"]
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


def build(ok: Ok) -> None:
    ok("init", "--municipality", MUNICIPALITY)
    ok("staff", "add", "--name", "Kadri Põld")
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    ok("youth", "add", "--name", "Jaan Tamm", "--id-code", CODE_M_2010)
    opening = ("--model", "rv", "--start", "2025-01-15", "--risk", "high")
    ok("--user", "alice", "case", "open", "--youth", "Y-0001", *opening, "--manager", "Kadri Põld")
    ok("--user", "bob", "case", "assess", "RV-2025-001", "--date", "2025-03-01", "--risk", "medium")
    ok(
        "--user",
        "alice",
        "case",
        "close",
        "RV-2025-001",
        "--end",
        "2025-06-30",
        "--reason",
        "moved",
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory, "trail", build)


def listing(ok: Ok, *args: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(ok("audit", *args, "--format", "json"))
    return rows


def summary(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(r["user"], r["action"], r["entity"], r["ref"]) for r in rows]


def test_json_lists_every_entry_oldest_first_with_old_and_new(book: Path, ok: Ok) -> None:
    rows = listing(ok)
    assert summary(rows) == [
        ("tester", "insert", "staff", "S-0001"),
        ("tester", "insert", "youths", "Y-0001"),
        ("tester", "insert", "youths", "Y-0002"),
        ("alice", "insert", "cases", "RV-2025-001"),
        ("alice", "insert", "assessments", "RV-2025-001"),
        ("alice", "insert", "stage_changes", "RV-2025-001"),
        ("bob", "insert", "assessments", "RV-2025-001"),
        ("alice", "insert", "stage_changes", "RV-2025-001"),
        ("alice", "update", "cases", "RV-2025-001"),
        ("alice", "insert", "followups", "RV-2025-001"),
    ]
    assert all(list(r) == ENTRY_FIELDS for r in rows)
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert all(ISO_UTC.match(r["at"]) for r in rows)
    closing = rows[8]
    assert closing["changes"] == {
        "close_reason": {"old": None, "new": "moved"},
        "end_date": {"old": None, "new": "2025-06-30"},
    }
    assert rows[0]["changes"]["name"] == {"old": None, "new": "[redacted]"}
    assert rows[1]["changes"]["name"] == {"old": None, "new": "[redacted]"}
    assert rows[1]["changes"]["birth_date"] == {"old": None, "new": "2010-01"}
    # The case manager is a name too: redacted (services.audit._STAFF_NAMES).
    assert rows[3]["changes"]["manager"] == {"old": None, "new": "[redacted]"}


def test_filters_combine(book: Path, ok: Ok) -> None:
    assert summary(listing(ok, "--ref", "rv-2025-001", "--user", "bob")) == [
        ("bob", "insert", "assessments", "RV-2025-001")
    ]
    assert summary(listing(ok, "--ref", "Y-0002")) == [("tester", "insert", "youths", "Y-0002")]
    assert summary(listing(ok, "--entity", "cases")) == [
        ("alice", "insert", "cases", "RV-2025-001"),
        ("alice", "update", "cases", "RV-2025-001"),
    ]
    # --limit keeps the newest entries, still oldest first.
    assert summary(listing(ok, "--entity", "cases", "--limit", "1")) == [
        ("alice", "update", "cases", "RV-2025-001")
    ]
    today = dt.datetime.now(dt.UTC).date()
    assert len(listing(ok, "--since", today.isoformat())) == 10
    assert listing(ok, "--since", (today + dt.timedelta(days=1)).isoformat()) == []
    assert listing(ok, "--user", "nobody") == []
    assert ok("audit", "--user", "nobody") == "Audit log: none"


def test_csv_has_one_row_per_changed_field(book: Path, ok: Ok) -> None:
    text = ok("audit", "--ref", "RV-2025-001", "--entity", "cases", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == CSV_FIELDS
    update = [(r["field"], r["old"], r["new"]) for r in rows if r["action"] == "update"]
    assert update == [("close_reason", "", "moved"), ("end_date", "", "2025-06-30")]
    assert all(ISO_UTC.match(r["at"]) for r in rows)
    empty = ok("audit", "--user", "nobody", "--format", "csv")
    assert empty.splitlines() == [",".join(CSV_FIELDS)]


def test_table_shows_who_what_when_old_and_new(book: Path, run: Run) -> None:
    result = run("audit", "--ref", "RV-2025-001")
    assert result.exit_code == 0, result.stderr
    assert "end_date: — → 2025-06-30" in result.stdout
    assert "manager: [redacted]" in result.stdout  # markup escaped: not swallowed by rich
    assert "bob" in result.stdout and "alice" in result.stdout
    assert result.stderr == ""
    limited = run("audit", "--limit", "2")
    assert limited.exit_code == 0
    assert "only the newest 2 entries" in limited.stderr
    assert limited.stdout.count("RV-2025-001") == 2
    exactly = run("audit", "--entity", "cases", "--limit", "2")  # two entries: nothing more
    assert exactly.stdout.count("RV-2025-001") == 2
    assert exactly.stderr == ""


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--entity", "pets"), 1, "'pets' is not an audited entity"),
        (("--since", "2025-13-01"), 2, "is not a date"),
        (("--limit", "-1"), 2, "--limit"),
        (("--format", "xml"), 2, "--format"),
    ],
)
def test_bad_options_are_refused(
    book: Path, run: Run, args: tuple[str, ...], code: int, message: str
) -> None:
    line = refused(run, book, "audit", *args, code=code)
    assert message in line


def test_listing_and_verify_write_nothing(book: Path, ok: Ok) -> None:
    before = dump(book)
    ok("audit")
    ok("audit", "--format", "json")
    ok("audit", "verify")
    assert dump(book) == before


# Reads: who looked at whom.


def test_youth_show_and_case_show_are_audited_reads(book: Path, ok: Ok) -> None:
    ok("--user", "carol", "youth", "show", "Y-0001")
    ok("--user", "dave", "case", "show", "RV-2025-001", "--format", "json")
    reads = query(
        book,
        "SELECT user, entity, entity_id, entity_ref, changes FROM audit_log WHERE action = 'read'",
    )
    # Breaks if youth_detail / case_detail stop calling services.audit.audit_read.
    assert reads == [
        (recorded("carol", book), "youths", 1, "Y-0001", "{}"),
        (recorded("dave", book), "cases", 1, "RV-2025-001", "{}"),
    ]
    assert summary(listing(ok, "--user", "carol")) == [
        (recorded("carol", book), "read", "youths", "Y-0001")
    ]
    assert ok("audit", "verify").startswith("audit log intact: 12 entries")


def test_lists_and_reports_are_not_audited(book: Path, ok: Ok) -> None:
    before = dump(book)
    ok("youth", "list")
    ok("case", "list", "--format", "json")
    ok("report", "lisa4", "--period", "2025H1")
    ok("followup", "due")
    assert dump(book) == before


def test_a_refused_show_records_nothing(book: Path, run: Run) -> None:
    refused(run, book, "youth", "show", "Y-0099", code=3)
    refused(run, book, "case", "show", "RV-2025-099", code=3)
    # Breaks if youth show checks --format after youth_detail has recorded the read.
    refused(run, book, "youth", "show", "Y-0001", "--format", "csv", code=2)
    refused(run, book, "case", "show", "RV-2025-001", "--format", "csv", code=2)


# Nothing personal in the log, after everything a municipality does with rvneet.


def secrets_of_the_examples() -> set[str]:
    """Every name (whole, and each part) and personal code typed in examples/load.sh, of the
    youths in examples/noored.xlsx, and every name, code and contact of the NGTS list it imports."""
    from openpyxl import load_workbook

    found: set[str] = set()
    words = shlex.split((EXAMPLES / "load.sh").read_text(encoding="utf-8"), comments=True)
    for option, value in pairwise(words):
        if option == "--name" or (option == "--manager" and not value.startswith("S-")):
            found |= {value, *value.split()}
        elif option == "--id-code":
            found |= {value, value[:10]}
    ngts = (EXAMPLES / "ngts-2025-03.csv").read_bytes().decode("cp1257")
    for row in csv.DictReader(io.StringIO(ngts), delimiter=";"):
        found |= {row["eesnimi"], row["perekonnanimi"], row["isikukood"]}
        found |= {v for k, v in row.items() if v and k in ("telefon", "e-post", "aadress")}
        found |= {v for k, v in row.items() if v and k.startswith(("seaduslik", "esindaja"))}
    for name, code, *_ in load_workbook(EXAMPLES / "noored.xlsx")["Noored"].iter_rows(
        min_row=2, values_only=True
    ):
        found |= {str(name), *str(name).split(), str(code or "")}
    return {s for s in found if s}


def test_a_whole_workflow_leaves_no_name_code_or_birth_date_in_the_log(
    db_path: Path, ok: Ok, tmp_path: Path, demo_book: Path
) -> None:
    # The demo book: youths, consents, a network, cases opened, assessed, contacted, planned,
    # closed and followed up, and the NGTS list of March 2025 imported.
    copy_book(demo_book, db_path)
    # Imports of youths (new and updated), assessments and contacts.
    youths = tmp_path / "noored.csv"
    youths.write_text(
        "nimi;isikukood;sünniaeg;sugu\n"
        f"Tõnis Vahtramäe;{CODE_M_1995};;\n"
        "Ingrid Kõrvits;;2009-11-23;N\n"
        "Karl Tamm Teine;50911180124;;\n",  # an update of Y-0001's name
        encoding="utf-8",
    )
    ok("import", "youths", str(youths))
    assessments = tmp_path / "hindamised.csv"
    assessments.write_text(
        "case,date,risk,light,instrument\nRV-2025-001,2025-10-01,high,,\n", encoding="utf-8"
    )
    ok("import", "assessments", str(assessments))
    contacts = tmp_path / "kontaktid.csv"
    contacts.write_text(
        "case,date,channel,place,with,network_meeting,note\n"
        "RV-2025-001,2025-10-02,meeting,Ingrid Kõrvits kodu,,no,Tõnis Vahtramäe helistas\n",
        encoding="utf-8",
    )
    ok("import", "contacts", str(contacts))
    for ref in ("Y-0001", "Y-0009"):
        ok("youth", "show", ref)
    ok("case", "show", "RV-2025-001")

    secrets = secrets_of_the_examples() | {
        "Tõnis Vahtramäe",
        "Tõnis",
        "Vahtramäe",
        "Ingrid Kõrvits",
        "Ingrid",
        "Kõrvits",
        "Karl Tamm Teine",
        "Teine",
        CODE_M_1995,
        CODE_M_1995[:10],
    }
    assert len(secrets) > 50
    birth_dates = {d for (d,) in query(db_path, "SELECT birth_date FROM youths")}
    assert len(birth_dates) > 10
    rows = query(db_path, "SELECT * FROM audit_log")
    assert len(rows) > 150
    leaks = set()
    for row in rows:
        text = " ".join(str(cell) for cell in row)
        # JSON could escape non-ASCII letters: look in the decoded changes too.
        text += " " + json.dumps(json.loads(row[7]), ensure_ascii=False)
        leaks |= {s for s in secrets | birth_dates if s in text}
    # Breaks if a personal field leaves REDACTED_FIELDS / __audit_redact__, or birth dates stop
    # being cut to year-month (services.audit._shown).
    assert leaks == set()
