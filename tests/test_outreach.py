"""NGTS outreach without a case: `rvneet outreach attempt`, its place in `outreach list` and in
`check`'s ngts-not-contacted rule, on a real SQLite file.

The book: the six youths of examples/ngts-2025-03.csv on the list of 2025-03-15 (Y-0001..Y-0006),
and Y-0001..Y-0003 again on a list of 2025-04-15. Y-0007 is on no list.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import MUNICIPALITY, Ok, Run, build_template, query, refused
from pg import connect_book

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ngts-2025-03.csv"
MARCH, APRIL = "2025-03-15", "2025-04-15"


def build(ok: Ok) -> None:
    ok("init", "--municipality", MUNICIPALITY)
    ok("import", "ngts", str(EXAMPLE), "--list-date", MARCH)
    ok("youth", "add", "--name", "Mart Mets", "--birth-date", "2004-05-05", "--sex", "M")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory, "outreach", build)


def attempt(ok: Ok, youth: str, date: str, result: str = "no-answer", *more: str) -> str:
    return ok(
        "outreach",
        "attempt",
        youth,
        "--date",
        date,
        "--channel",
        "phone",
        "--result",
        result,
        *more,
    )


def listing(ok: Ok, *more: str) -> dict[str, dict[str, object]]:
    rows = json.loads(ok("outreach", "list", "--format", "json", *more))
    return {row["youth"]: row for row in rows}


def not_contacted(run: Run, period: str) -> list[str]:
    """The youths `check` finds not contacted, as of the period's last day."""
    result = run("check", "--period", period, "--format", "json")
    rows = {row["rule"]: row for row in json.loads(result.stdout)}
    refs = rows["ngts-not-contacted"]["refs"]
    return list(refs)


def test_an_attempt_is_recorded_on_the_entry_audited_and_listed(ok: Ok, book: Path) -> None:
    out = attempt(ok, "Y-0003", "2025-03-20", "no-answer", "--note", "ei vasta")
    assert out == "Y-0003: outreach attempt of 2025-03-20 recorded (no-answer)"
    record = json.loads(attempt(ok, "y-0003", "2025-03-25", "reached", "--format", "json"))
    assert record == {
        "youth": "Y-0003",
        "list_date": MARCH,
        "date": "2025-03-25",
        "channel": "phone",
        "result": "reached",
        "note": None,
    }
    rows = listing(ok)
    assert (rows["Y-0003"]["last_attempt"], rows["Y-0003"]["last_result"]) == (
        "2025-03-25",
        "reached",
    )
    assert rows["Y-0004"]["last_attempt"] is None and rows["Y-0004"]["last_result"] is None
    assert "Y-0003" not in listing(ok, "--not-contacted")
    assert "Y-0004" in listing(ok, "--not-contacted")
    # The note is personal: the audit log records that it was given, never its text.
    audit = query(book, "SELECT changes FROM audit_log WHERE entity = 'outreach_attempts'")
    assert len(audit) == 2 and all("ei vasta" not in str(row) for row in audit)
    assert "intact" in ok("audit", "verify")


def test_estonian_forms_are_taken_and_shown(ok: Ok, book: Path) -> None:
    out = ok(
        "--lang", "et", "outreach", "attempt", "Y-0002", "--date", "2025-03-20",
        "--channel", "telefon", "--result", "ei-ole-neet",
    )  # fmt: skip
    assert (
        out == "Y-0002: noorteni jõudmise katse 20.03.2025 on kirja pandud (ei ole NEET-olukorras)"
    )
    assert query(book, "SELECT channel, result FROM outreach_attempts") == [("phone", "not-neet")]
    table = ok("--lang", "et", "outreach", "list")
    assert "Viimane katse" in table


def test_the_entry_is_the_newest_list_on_or_before_the_attempt(ok: Ok, book: Path) -> None:
    # A second list: the three first youths again, a month later.
    con = connect_book(book)
    with con:
        ids = [r[0] for r in con.execute("SELECT youth_id FROM ngts_entries WHERE youth_id <= 3")]
        con.executemany(
            "INSERT INTO ngts_entries (youth_id, list_date) VALUES (?, ?)",
            [(i, APRIL) for i in ids],
        )
    con.close()
    assert (
        json.loads(attempt(ok, "Y-0001", "2025-04-01", "moved", "-f", "json"))["list_date"] == MARCH
    )
    assert (
        json.loads(attempt(ok, "Y-0001", "2025-04-20", "moved", "-f", "json"))["list_date"] == APRIL
    )
    chosen = attempt(ok, "Y-0001", "2025-04-21", "declined", "--list-date", MARCH, "-f", "json")
    assert json.loads(chosen)["list_date"] == MARCH
    assert listing(ok, "--list-date", MARCH)["Y-0001"]["last_result"] == "declined"
    assert listing(ok, "--list-date", APRIL)["Y-0001"]["last_result"] == "moved"


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("Y-0003", "--date", "2025-03-14"), 1, "before the NGTS list's date 2025-03-15"),
        (("Y-0003", "--date", "2099-01-01"), 1, "in the future"),
        (("Y-0099", "--date", "2025-03-20"), 3, "no youth 'Y-0099'"),
        (("Y-0007", "--date", "2025-03-20"), 3, "Y-0007 is on no NGTS list"),
        (
            ("Y-0003", "--date", "2025-03-20", "--list-date", "2025-10-15"),
            3,
            "not on the NGTS list of 2025-10-15 (their lists: 2025-03-15)",
        ),
    ],
)
def test_refusals_write_nothing(
    run: Run, book: Path, args: tuple[str, ...], code: int, says: str
) -> None:
    line = refused(
        run,
        book,
        "outreach",
        "attempt",
        *args,
        "--channel",
        "phone",
        "--result",
        "moved",
        code=code,
    )
    assert says in line


def test_an_unknown_result_or_channel_is_refused(run: Run, book: Path) -> None:
    base = ("outreach", "attempt", "Y-0003", "--date", "2025-03-20")
    line = refused(run, book, *base, "--channel", "phone", "--result", "maybe", code=2)
    assert "no-answer, declined, not-neet, moved, reached" in line
    refused(run, book, *base, "--channel", "pigeon", "--result", "moved", code=2)


def test_check_counts_an_attempt_as_contact(ok: Ok, run: Run, book: Path) -> None:
    assert not_contacted(run, "2025-04") == [f"Y-000{i}" for i in range(1, 7)]
    attempt(ok, "Y-0005", "2025-03-30", "no-answer")
    assert "Y-0005" not in not_contacted(run, "2025-04")
    # An attempt after the day checked (2025-04-30) is not seen on that day.
    attempt(ok, "Y-0006", "2025-05-02", "reached")
    assert "Y-0006" in not_contacted(run, "2025-04")
    assert "Y-0006" not in not_contacted(run, "2025-05")


# `outreach compare`: March (Y-0001..Y-0006) against an October list of Y-0001, Y-0002 and a new
# youth (Y-0008). Y-0005 left with a case; Y-0003 left after an attempt; Y-0002 stayed with an
# attempt on each list.
OCTOBER = "2025-10-15"
NEW_CODE = "50001010006"


def october(ok: Ok, tmp_path: Path) -> None:
    path = tmp_path / "october.csv"
    path.write_text(
        f"isikukood;nimi\n60304020670;Anete Kuusk\n39908150564;Sander Lepik\n{NEW_CODE};Uus Noor\n",
        encoding="utf-8",
    )
    ok("import", "ngts", str(path), "--list-date", OCTOBER)


def test_compare_says_who_is_new_who_left_and_who_stayed(
    ok: Ok, book: Path, tmp_path: Path
) -> None:
    october(ok, tmp_path)
    attempt(ok, "Y-0003", "2025-03-20", "moved")
    attempt(ok, "Y-0002", "2025-03-20", "no-answer")
    attempt(ok, "Y-0002", "2025-10-20", "reached")
    by = ("--given-by", "youth")
    ok("youth", "consent", "Y-0005", "--date", "2025-04-01", "--scope", "participation", *by)
    ok("youth", "consent", "Y-0005", "--date", "2025-04-01", "--scope", "data-sharing", *by)
    neet = ("--model", "neet", "--group", "neet", "--light", "yellow")
    case = ok("case", "open", "--youth", "Y-0005", "--start", "2025-04-01", *neet)
    rows = json.loads(
        ok("outreach", "compare", "--from", "2025-03", "--to", "2025-10", "-f", "json")
    )
    assert [(r["youth"], r["change"], r["case"], r["attempts"]) for r in rows] == [
        ("Y-0008", "new", None, 0),
        ("Y-0003", "left", None, 1),
        ("Y-0004", "left", None, 0),
        ("Y-0005", "left", case, 0),
        ("Y-0006", "left", None, 0),
        ("Y-0001", "stayed", None, 0),
        ("Y-0002", "stayed", None, 2),
    ]
    assert {(r["from_list"], r["to_list"]) for r in rows} == {(MARCH, OCTOBER)}
    assert rows[3]["status"] == "open case"
    # The defaults are the newest list and the one before it; a day names a list too.
    assert json.loads(ok("outreach", "compare", "-f", "json")) == rows
    assert json.loads(ok("outreach", "compare", "--from", MARCH, "-f", "json")) == rows
    csv_text = ok("outreach", "compare", "--format", "csv")
    assert csv_text.splitlines()[0] == "youth,change,from_list,to_list,status,case,attempts"
    table = ok("outreach", "compare")
    assert "1 new, 4 left, 2 on both" in table
    shown = csv_text + table + ok("--lang", "et", "outreach", "compare")
    # References only: no name or personal code of the lists.
    assert not [v for v in ("Anete", "Kuusk", "Sander", "Uus Noor", NEW_CODE) if v in shown]
    assert "jäi nimekirjast välja" in shown


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("--from", "2025-10", "--to", "2025-03"), 1, "must be older than the second"),
        (("--from", "2025-04"), 3, "no NGTS list of 2025-04 (lists: 2025-10-15, 2025-03-15)"),
        (("--to", "2025-3x"), 1, "'2025-3x' is not a list date"),
        (("--to", MARCH), 3, "no NGTS list before 2025-03-15 to compare it with"),
    ],
)
def test_compare_refusals(
    ok: Ok, run: Run, book: Path, tmp_path: Path, args: tuple[str, ...], code: int, says: str
) -> None:
    october(ok, tmp_path)
    assert says in refused(run, book, "outreach", "compare", *args, code=code)


def test_compare_needs_two_lists_and_one_list_a_month(run: Run, book: Path) -> None:
    assert "no NGTS list before" in refused(run, book, "outreach", "compare", code=3)
    con = connect_book(book)
    with con:
        ids = [r[0] for r in con.execute("SELECT youth_id FROM ngts_entries")]
        con.executemany(
            "INSERT INTO ngts_entries (youth_id, list_date) VALUES (?, ?)",
            [(i, "2025-03-01") for i in ids],
        )
    con.close()
    line = refused(run, book, "outreach", "compare", "--from", "2025-03", "--to", MARCH)
    assert "2025-03 has 2 NGTS lists: give the day (2025-03-15, 2025-03-01)" in line


# Lists come twice a year: March and October.


def test_a_list_of_another_month_is_imported_with_a_note(
    ok: Ok, book: Path, tmp_path: Path
) -> None:
    path = tmp_path / "june.csv"
    path.write_text("isikukood;nimi\n60304020670;Anete Kuusk\n", encoding="utf-8")
    out = ok("import", "ngts", str(path), "--list-date", "2025-06-02")
    note = "the list is dated 2025-06-02: NGTS lists usually come in March and October"
    assert [line.strip() for line in out.splitlines()].count(note) == 1
    assert query(book, "SELECT count(*) FROM ngts_entries WHERE list_date = '2025-06-02'") == [(1,)]
    october(ok, tmp_path)  # October: no note
    assert "usually come" not in ok("outreach", "list")


def late(run: Run, last_day: str) -> tuple[list[str], str]:
    """ngts-list-late's references as of `last_day`, and the table's line on the next list."""
    period = f"2025-03-01..{last_day}"
    rows = json.loads(run("check", "--period", period, "--format", "json").stdout)
    table = run("check", "--period", period, "--warn-only").stdout
    line = next(x for x in table.splitlines() if x.startswith("Newest NGTS list"))
    return next(r["refs"] for r in rows if r["rule"] == "ngts-list-late"), line


def test_check_warns_when_the_newest_list_is_older_than_7_months(run: Run, book: Path) -> None:
    # The list of 2025-03-15 is 7 months old on 2025-10-15: late from the day after.
    assert late(run, "2025-09-30") == (
        [],
        "Newest NGTS list: 2025-03-15; the next is expected in 2025-10",
    )
    assert late(run, "2025-10-15")[0] == []
    assert late(run, "2025-10-16") == (
        ["2025-03-15"],
        "Newest NGTS list: 2025-03-15, older than 7 months; the next was expected in 2025-10",
    )
    result = run("check", "--period", "2025-03-01..2025-11-01", "--format", "json")
    rule = next(r for r in json.loads(result.stdout) if r["rule"] == "ngts-list-late")
    assert rule["level"] == "warning"


def test_the_next_list_month_and_seven_months() -> None:
    from rvneet.services.outreach import add_months, list_is_late, next_list_month

    assert next_list_month(dt.date(2025, 3, 15)) == dt.date(2025, 10, 1)
    assert next_list_month(dt.date(2025, 10, 15)) == dt.date(2026, 3, 1)
    assert next_list_month(dt.date(2025, 12, 1)) == dt.date(2026, 3, 1)
    assert next_list_month(dt.date(2025, 6, 2)) == dt.date(2025, 10, 1)
    assert add_months(dt.date(2025, 7, 31), 7) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2025, 10, 15), 7) == dt.date(2026, 5, 15)
    assert not list_is_late(dt.date(2025, 7, 31), dt.date(2026, 2, 28))
    assert list_is_late(dt.date(2025, 7, 31), dt.date(2026, 3, 1))


def test_erasing_a_youth_overwrites_their_attempt_notes(ok: Ok, run: Run, book: Path) -> None:
    attempt(ok, "Y-0004", "2025-03-20", "declined", "--note", "ema ütles, et kolis Tartusse")
    ok("youth", "erase", "Y-0004", "--reason", "request of the youth", "--yes")
    assert query(book, "SELECT note, result FROM outreach_attempts") == [("(erased)", "declined")]
    # An erased youth gets no new attempt.
    line = refused(
        run, book, "outreach", "attempt", "Y-0004", "--date", "2025-03-21",
        "--channel", "phone", "--result", "reached",
    )  # fmt: skip
    assert "was erased on" in line


def test_today_names_the_newest_list_and_the_next(
    ok: Ok, run: Run, book: Path, tmp_path: Path
) -> None:
    ok("staff", "add", "--name", "Kadri Põld", "--user", "kadri")
    day = ("--manager", "S-0001", "--date")
    sheet = json.loads(ok("today", *day, "2025-09-30", "--format", "json"))
    assert sheet["ngts_list"] == {"newest": MARCH, "next_expected": "2025-10", "late": False}
    assert json.loads(ok("today", *day, "2025-10-16", "-f", "json"))["ngts_list"]["late"] is True
    shown = ok("--lang", "et", "today", *day, "2025-09-30")
    assert shown.splitlines()[-1] == (
        "Uusim NGTS-i seirenimekiri: 15.03.2025; järgmist oodatakse kuus 2025-10"
    )
    # A list dated off schedule (June): the next is October's; in November it was expected.
    path = tmp_path / "june.csv"
    path.write_text("isikukood;nimi\n60304020670;Anete Kuusk\n", encoding="utf-8")
    ok("import", "ngts", str(path), "--list-date", "2025-06-02")
    assert ok("today", *day, "2025-11-20").splitlines()[-1] == (
        "Newest NGTS list: 2025-06-02; the next was expected in 2025-10"
    )


def test_a_book_at_0009_with_data_takes_outreach_attempts_after_the_upgrade(
    db_path: Path, run: Run
) -> None:
    """Migration 0010 on a book of 0009 with its data (tests/test_migrations.py FILL): the list's
    youth gets an attempt, the listing shows it, the audit chain stays whole."""
    from test_migrations import FILL_0009, database_at, execute

    database_at(db_path, "0009")
    for sql, values in FILL_0009:
        execute(db_path, sql, values)
    youth = query(db_path, "SELECT y.ref FROM youths y JOIN ngts_entries n ON n.youth_id = y.id")
    [(ref,)] = youth
    args = ("--date", "2025-03-05", "--channel", "sms", "--result", "reached")
    added = run("outreach", "attempt", ref, *args)
    assert added.exit_code == 0, added.stderr
    rows = json.loads(run("outreach", "list", "--format", "json").stdout)
    assert [(r["youth"], r["last_attempt"], r["last_result"]) for r in rows] == [
        (ref, "2025-03-05", "reached")
    ]
    assert run("audit", "verify").exit_code == 0
