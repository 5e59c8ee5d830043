"""The NGTS monitoring list: `rvneet import ngts` and `rvneet outreach list`, on real SQLite files.

The book below has two of the six youths of examples/ngts-2025-03.csv already: Y-0001 (Anete Kuusk)
in the open case NEET-2025-002 and Y-0002 (Sander Lepik) whose case NEET-2025-001 is closed.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from books import database_at
from conftest import MUNICIPALITY, Ok, Run, build_template, dump, query, refused

from rvneet.db import head_revision
from rvneet.services.outreach import FIELDS

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ngts-2025-03.csv"
MARCH = "2025-03-15"
OCTOBER = "2025-10-15"
ANETE, SANDER = "60304020670", "39908150564"
# The columns of the example whose every value is personal: never in the audit log or a listing.
PERSONAL = (
    "isikukood",
    "eesnimi",
    "perekonnanimi",
    "telefon",
    "e-post",
    "aadress",
    "seaduslik esindaja",
    "esindaja kontakt",
)


def example_rows() -> list[dict[str, str]]:
    with EXAMPLE.open(encoding="cp1257", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def personal_values() -> set[str]:
    values = {row[c] for row in example_rows() for c in PERSONAL if row[c]}
    values |= {f"{row['eesnimi']} {row['perekonnanimi']}" for row in example_rows()}
    return values


def build(ok: Ok) -> None:
    ok("init", "--municipality", MUNICIPALITY)
    ok("youth", "add", "--name", "Anete Kuusk", "--id-code", ANETE)
    ok("youth", "add", "--name", "Sander Lepik", "--id-code", SANDER)
    ok("youth", "add", "--name", "Rasmus Ilves", "--birth-date", "2010-09-30", "--sex", "M")
    by = ("--given-by", "youth")
    for ref in ("Y-0001", "Y-0002"):
        ok("youth", "consent", ref, "--date", "2025-01-20", "--scope", "participation", *by)
        ok("youth", "consent", ref, "--date", "2025-01-20", "--scope", "data-sharing", *by)
    neet = ("--model", "neet", "--group", "neet", "--light", "red")
    ok("case", "open", "--youth", "Y-0002", "--start", "2025-01-20", *neet)
    ok("case", "contact", "NEET-2025-001", "--date", "2025-01-22", "--channel", "sms")
    ok("case", "close", "NEET-2025-001", "--end", "2025-02-28", "--reason", "moved")
    ok("case", "open", "--youth", "Y-0001", "--start", "2025-03-10", *neet)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory, "ngts", build)


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    """A list as Estonian Excel saves it as 'CSV UTF-8': a BOM, ';' and CRLF."""
    text = "\r\n".join(";".join(r) for r in rows) + "\r\n"
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    return path


def imported(ok: Ok, path: Path = EXAMPLE, date: str = MARCH, *more: str) -> str:
    return ok("import", "ngts", str(path), "--list-date", date, *more)


def audit_text(db: Path) -> str:
    return "\n".join(" ".join(str(c) for c in row) for row in query(db, "SELECT * FROM audit_log"))


def test_the_example_list_registers_new_youths_and_records_every_entry(ok: Ok, book: Path) -> None:
    out = imported(ok)
    assert out.splitlines() == [
        "ngts from ngts-2025-03.csv: 6 new, 0 updated, 0 unchanged, 0 refused",
        "  4 youths registered, 2 already in the book",
        "  Y-0001 is already in open case NEET-2025-002",
    ]
    youths = query(book, "SELECT ref, name, id_code, birth_date, sex FROM youths ORDER BY id")
    assert [y[0] for y in youths] == [f"Y-{n:04d}" for n in range(1, 8)]
    listed = {r["isikukood"]: r for r in example_rows()}
    for ref, name, code, _, _ in youths[3:]:
        assert name == f"{listed[code]['eesnimi']} {listed[code]['perekonnanimi']}", ref
    assert youths[3][2:] == ("50806210348", "2008-06-21", "M")
    assert query(book, f"SELECT count(*) FROM youths WHERE id_code = '{ANETE}'") == [(1,)]
    entries = query(
        book,
        "SELECT y.ref, e.list_date, e.phone, e.email, e.address, e.guardian, e.guardian_contact,"
        " e.last_education, e.last_employment FROM ngts_entries e JOIN youths y ON y.id = e.youth_id"
        " ORDER BY y.ref",
    )
    assert len(entries) == 6 and {e[1] for e in entries} == {MARCH}
    assert entries[0] == (
        "Y-0001",
        MARCH,
        "+372 5555 0131",
        "anete.kuusk@example.ee",
        "Riia mnt 12-4, Viljandi",
        None,
        None,
        "põhiharidus",
        "Viljandi Konsum, müüja",
    )
    markus = entries[2]
    assert markus[5:8] == ("Tiina Saar", "+372 5555 0158", "põhiharidus omandamata")
    # The case manager finds the contacts the list gives with `youth show`.
    shown = json.loads(ok("youth", "show", "Y-0004", "--format", "json"))
    assert shown["ngts"] == [
        {
            "list_date": MARCH,
            "phone": None,
            "email": None,
            "address": "Tallinna 41, Viljandi",
            "guardian": "Tiina Saar",
            "guardian_contact": "+372 5555 0158",
            "last_education": "põhiharidus omandamata",
            "last_employment": None,
        }
    ]
    assert "On the NGTS list of 2025-03-15" in ok("youth", "show", "Y-0004")

    # Audited, with nothing personal in clear: names, codes, contacts, addresses, guardians.
    actions = query(
        book,
        "SELECT entity, action, count(*) FROM audit_log WHERE entity IN ('youths', 'ngts_entries')"
        " AND user = 'tester' GROUP BY entity, action ORDER BY entity, action",
    )
    # The two `youth show` above are audited reads (who looked at whom).
    assert actions == [
        ("ngts_entries", "insert", 6),
        ("youths", "insert", 7),
        ("youths", "read", 2),
    ]
    text = audit_text(book)
    leaked = [v for v in personal_values() if v in text]
    assert leaked == []
    entry = json.loads(
        query(
            book,
            "SELECT changes FROM audit_log WHERE entity_ref = 'Y-0004' AND entity = 'ngts_entries'",
        )[0][0]
    )
    assert entry["guardian"] == [None, "[redacted]"]
    assert entry["address"] == [None, "[redacted]"]
    assert entry["list_date"] == [None, MARCH]
    # Free text that may name an employer: erased with the youth, so never in the audit in clear.
    assert entry["last_education"] == [None, "[redacted]"]


def test_the_same_list_again_changes_nothing(ok: Ok, book: Path) -> None:
    imported(ok)
    before = dump(book)
    assert imported(ok).splitlines()[:2] == [
        "ngts from ngts-2025-03.csv: 0 new, 0 updated, 6 unchanged, 0 refused",
        "  0 youths registered, 6 already in the book",
    ]
    assert dump(book) == before


def test_a_changed_name_or_entry_is_an_update_and_the_next_list_is_new(
    ok: Ok, book: Path, tmp_path: Path
) -> None:
    header = ["Isikukood", "Nimi", "Telefon", "Haridustase", "Viimane töö"]
    first = write_csv(
        tmp_path / "a.csv",
        [
            header,
            [ANETE, "Anete Kuusk", "5555 0131", "põhiharidus", ""],
            [SANDER, "Sander Lepik", "", "keskharidus", "ehitus"],
        ],
    )
    assert "2 new" in imported(ok, first)
    audited = len(query(book, "SELECT * FROM audit_log"))
    second = write_csv(
        tmp_path / "b.csv",
        [
            header,
            [ANETE, "Anete Tamm", "5555 0131", "põhiharidus", ""],
            [SANDER, "Sander Lepik", "", "kutseharidus", "ehitus"],
        ],
    )
    assert imported(ok, second).startswith("ngts from b.csv: 0 new, 2 updated, 0 unchanged")
    assert query(book, "SELECT name FROM youths WHERE ref = 'Y-0001'") == [("Anete Tamm",)]
    assert query(book, "SELECT count(*) FROM youths") == [(3,)]
    assert query(book, "SELECT last_education FROM ngts_entries ORDER BY youth_id") == [
        ("põhiharidus",),
        ("kutseharidus",),
    ]
    changes = query(
        book, f"SELECT entity, entity_ref, changes FROM audit_log WHERE id > {audited} ORDER BY id"
    )
    assert [(c[0], c[1], json.loads(c[2])) for c in changes] == [
        ("youths", "Y-0001", {"name": ["[redacted]", "[redacted]"]}),
        ("ngts_entries", "Y-0002", {"last_education": ["[redacted]", "[redacted]"]}),
    ]
    # A file without the contact columns leaves the recorded contacts as they are.
    third = write_csv(tmp_path / "c.csv", [["isikukood", "nimi"], [ANETE, "Anete Tamm"]])
    assert "0 new, 0 updated, 1 unchanged" in imported(ok, third)
    assert query(book, "SELECT phone FROM ngts_entries WHERE youth_id = 1") == [("5555 0131",)]
    # The autumn list is another list: the same youth is new on it.
    assert "1 new, 0 updated, 0 unchanged" in imported(ok, third, OCTOBER)


def test_bad_rows_are_listed_by_row_and_column_and_nothing_is_written(
    run: Run, book: Path, tmp_path: Path
) -> None:
    lines = EXAMPLE.read_bytes().decode("cp1257").splitlines()
    bad = tmp_path / "ngts.csv"
    extra = [
        "50406015270;Robin;Sepp;;;;;;;",  # a wrong check digit
        f"{SANDER};Sander;Lepik;;;;;;;",  # the same code as row 3
        "60611306338;;;;;;;;;",  # no name
        "50308227440;Uku;Ots;55-kala;uku@;;;;;",  # not a phone, not an e-mail
    ]
    bad.write_bytes("\r\n".join([*lines, *extra]).encode("cp1257"))
    before = dump(book)
    result = run(
        "import", "ngts", str(bad), "--list-date", MARCH, "--errors", str(tmp_path / "e.csv")
    )
    assert result.exit_code == 1, result.stdout
    assert result.stdout == ""
    assert dump(book) == before
    errors = [line.strip() for line in result.stderr.strip().splitlines()]
    assert errors[:5] == [
        "row 8, isikukood: invalid personal code: the check digit is wrong",
        "row 9, isikukood: the same personal code as row 3",
        "row 10, eesnimi + perekonnanimi: the name is empty",
        "row 11, telefon: not a phone number (digits, spaces and + - ( ) only)",
        "row 11, e-post: not an e-mail address",
    ]
    assert errors[-1] == "Error: 4 of 10 rows in ngts.csv are bad; nothing was imported"
    for personal in ("Robin", "50406015270", "55-kala", "uku@"):
        assert personal not in result.stderr
    assert (tmp_path / "e.csv").read_text(encoding="utf-8").count("\n") == 5


def test_the_list_date_is_required_and_not_in_the_future(run: Run, book: Path) -> None:
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    line = refused(run, book, "import", "ngts", str(EXAMPLE), "--list-date", tomorrow)
    assert line == f"Error: the list date {tomorrow} is in the future"
    missing = run("import", "ngts", str(EXAMPLE))
    assert missing.exit_code == 2 and "--list-date" in missing.stderr


def test_a_list_without_a_name_column_is_refused(run: Run, book: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [["isikukood", "eesnimi"], [ANETE, "Anete"]])
    line = refused(run, book, "import", "ngts", str(path), "--list-date", MARCH)
    assert "no column name (nimi), nor first_name and last_name" in line


def test_a_dry_run_and_json_sources_work_like_the_rest(ok: Ok, book: Path, tmp_path: Path) -> None:
    before = dump(book)
    out = imported(ok, EXAMPLE, MARCH, "--dry-run")
    assert "6 new" in out and "dry run" in out
    assert dump(book) == before
    rows = [{"id_code": ANETE, "first_name": "Anete", "last_name": "Kuusk", "phone": 55550131}]
    (tmp_path / "l.json").write_text(json.dumps(rows), encoding="utf-8")
    summary = json.loads(imported(ok, tmp_path / "l.json", MARCH, "--output", "json"))
    assert (summary["new"], summary["written"]) == (1, True)
    assert query(book, "SELECT phone FROM ngts_entries") == [("55550131",)]


def test_the_template_has_the_estonian_columns(ok: Ok) -> None:
    header = ok("import", "template", "ngts", "--lang", "et").splitlines()[0]
    assert header.startswith("isikukood,nimi,eesnimi,perekonnanimi,telefon,e-post,aadress")


def outreach(ok: Ok, *args: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(ok("outreach", "list", "--format", "json", *args))
    return rows


def test_outreach_lists_the_newest_list_by_reference_only(
    ok: Ok, run: Run, book: Path, tmp_path: Path
) -> None:
    assert ok("outreach", "list") == "NGTS lists: none"
    imported(ok)
    ok("case", "contact", "NEET-2025-002", "--date", "2025-03-20", "--channel", "phone")
    ok("case", "contact", "NEET-2025-002", "--date", "2025-03-18", "--channel", "sms")
    march = outreach(ok)
    assert [list(r) for r in march] == [list(FIELDS)] * 6
    days = (dt.date.today() - dt.date(2025, 3, 15)).days
    assert march[0] == {
        "youth": "Y-0001",
        "list_date": MARCH,
        "age": 21,
        "sex": "F",
        "last_education": "põhiharidus",
        "last_employment": "Viljandi Konsum, müüja",
        "status": "open case",
        "case": "NEET-2025-002",
        "first_contact": "2025-03-18",
        "days_on_list": days,
        "last_attempt": None,
        "last_result": None,
    }
    assert [(r["youth"], r["age"], r["status"], r["case"], r["first_contact"]) for r in march] == [
        ("Y-0001", 21, "open case", "NEET-2025-002", "2025-03-18"),
        ("Y-0002", 25, "closed case", "NEET-2025-001", None),  # its contact was before the list
        ("Y-0004", 16, "no case", None, None),
        ("Y-0005", 20, "no case", None, None),
        ("Y-0006", 17, "no case", None, None),
        ("Y-0007", 20, "no case", None, None),
    ]
    assert [r["youth"] for r in outreach(ok, "--not-contacted")] == [r["youth"] for r in march[1:]]

    # The October list is the newest: it is the default; March is still there by date.
    autumn = write_csv(tmp_path / "o.csv", [["isikukood", "nimi"], [SANDER, "Sander Lepik"]])
    imported(ok, autumn, OCTOBER)
    assert [(r["youth"], r["list_date"]) for r in outreach(ok)] == [("Y-0002", OCTOBER)]
    assert len(outreach(ok, "--list-date", MARCH)) == 6

    # Nothing personal, in any format.
    shown = ok("outreach", "list", "--list-date", MARCH)
    shown += ok("outreach", "list", "--list-date", MARCH, "--format", "csv")
    shown += json.dumps(march, ensure_ascii=False)
    assert "Y-0007" in shown and "NEET-2025-002" in shown
    assert [v for v in personal_values() if v in shown] == []
    assert ok("outreach", "list", "--format", "csv").splitlines()[0] == ",".join(FIELDS)

    unknown = run("outreach", "list", "--list-date", "2025-03-14")
    assert unknown.exit_code == 3
    assert unknown.stderr.strip() == (
        f"Error: no NGTS list of 2025-03-14 (lists: {OCTOBER}, {MARCH})"
    )


# Migration 0003 on a book kept under 0002.


def test_a_book_at_0002_is_upgraded_and_takes_the_list(run: Run, ok: Ok, db_path: Path) -> None:
    database_at(db_path, "0002")
    con = sqlite3.connect(db_path)
    try:
        con.execute("INSERT INTO settings VALUES ('municipality', ?)", (MUNICIPALITY,))
        con.execute(
            "INSERT INTO youths VALUES (1, 'Y-0001', 'Anete Kuusk', ?, '2003-04-02', 'F')", (ANETE,)
        )
        con.commit()
    finally:
        con.close()
    before = query(db_path, "SELECT id, ref, name, id_code, birth_date, sex FROM youths")

    result = run("outreach", "list")
    assert result.exit_code == 0, result.stderr
    assert f"from schema 0002 to {head_revision()}" in result.stderr
    assert query(db_path, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
    assert query(db_path, "SELECT id, ref, name, id_code, birth_date, sex FROM youths") == before
    assert query(db_path, "SELECT count(*) FROM ngts_entries") == [(0,)]
    assert query(db_path, "PRAGMA foreign_key_check") == []

    assert imported(ok).splitlines()[1] == "  5 youths registered, 1 already in the book"
    assert query(db_path, "SELECT count(*) FROM youths") == [(6,)]
    assert query(db_path, "SELECT count(*) FROM ngts_entries") == [(6,)]
