"""The staff register, case managers as staff, `case reassign`, `case list --mine/--manager` and the
workload report by staff record as of a day. One book built once:

| staff | name | login | role |
|---|---|---|---|
| S-0001 | Kadri Põld | kadri | case-manager |
| S-0002 | Tiit Org | tiit | case-manager |
| S-0003 | Kadri Tamm | — | case-manager |
| S-0004 | Mari Mets | mari | coordinator |
| S-0005 | Olev Vana | — | case-manager, retired 2025-01-31 |

| case | youth | manager |
|---|---|---|
| RV-2025-001 | Y-0001 | S-0001 from 02-03 (by reference), S-0002 from 03-10 (reassigned by login) |
| RV-2025-002 | Y-0002 | S-0001 (opened by kadri without --manager) |
| NEET-2025-001 | Y-0003 | S-0003 (by name, "kadri tamm"), closed 2025-06-30 |
| NEET-2025-002 | Y-0004 | none (opened by the book's owner, who has no staff record) |
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    CODE_F_2010,
    CODE_M_2010,
    Ok,
    Run,
    build_template,
    query,
    refused,
)


def build(ok: Ok) -> None:
    ok("init", "--municipality", "Viljandi linn")
    ok("staff", "add", "--name", "Kadri Põld", "--user", "kadri", "--email", "kadri@example.ee")
    ok("staff", "add", "--name", "Tiit Org", "--user", "tiit")
    ok("staff", "add", "--name", "Kadri Tamm")
    ok("staff", "add", "--name", "Mari Mets", "--user", "mari", "--role", "coordinator")
    ok("staff", "add", "--name", "Olev Vana")
    ok("staff", "retire", "S-0005", "--date", "2025-01-31", "--reason", "moved away")
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    ok("youth", "add", "--name", "Jaan Tamm", "--id-code", CODE_M_2010)
    ok("youth", "add", "--name", "Kati Kask", "--birth-date", "2001-07-14", "--sex", "F")
    ok("youth", "add", "--name", "Eva Ees", "--birth-date", "2002-02-02", "--sex", "F")
    ok("case", "open", "--youth", "Y-0001", "--model", "rv", "--start", "2025-02-03",
       "--risk", "high", "--manager", "s-0001")  # fmt: skip
    ok("case", "reassign", "RV-2025-001", "--manager", "tiit", "--date", "2025-03-10",
       "--reason", "Kadri on holiday")  # fmt: skip
    ok("--user", "kadri", "case", "open", "--youth", "Y-0002", "--model", "rv",
       "--start", "2025-02-01", "--risk", "medium")  # fmt: skip
    ok("case", "open", "--youth", "Y-0003", "--model", "neet", "--group", "neet",
       "--start", "2025-01-20", "--light", "red", "--manager", "kadri tamm")  # fmt: skip
    ok("case", "close", "NEET-2025-001", "--end", "2025-06-30", "--reason", "goals-met")
    # The book's owner (no staff record) opens it: the case has no manager.
    ok("case", "open", "--youth", "Y-0004", "--model", "neet", "--group",
       "neet", "--start", "2025-02-10", "--light", "green")  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory, "staff", build)


pytestmark = pytest.mark.usefixtures("book")


def listed(ok: Ok, *args: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(ok(*args, "--format", "json"))
    return rows


def cases_of(ok: Ok, *args: str) -> list[str]:
    return [c["case"] for c in listed(ok, *args)]


# --- the register ----------------------------------------------------------------------------


def test_staff_list_hides_the_retired_unless_all(ok: Ok) -> None:
    rows = listed(ok, "staff", "list")
    assert [(r["staff"], r["name"], r["user"], r["role"], r["open_cases"]) for r in rows] == [
        ("S-0001", "Kadri Põld", "kadri", "case-manager", 1),
        ("S-0003", "Kadri Tamm", None, "case-manager", 0),
        ("S-0004", "Mari Mets", "mari", "coordinator", 0),
        ("S-0002", "Tiit Org", "tiit", "case-manager", 1),
    ]
    every = listed(ok, "staff", "list", "--all")
    retired = [r for r in every if r["retired_on"]]
    assert [(r["staff"], r["retired_on"], r["retire_reason"]) for r in retired] == [
        ("S-0005", "2025-01-31", "moved away")
    ]
    header = ok("staff", "list", "--format", "csv").splitlines()[0]
    assert header == "staff,name,user,role,email,retired_on,retire_reason,open_cases,capacity"
    table = ok("--lang", "et", "staff", "list")
    assert "juhtumikorraldaja" in table and "koordinaator" in table


def test_staff_show_counts_the_open_cases(ok: Ok) -> None:
    record = json.loads(ok("staff", "show", "s-0001", "--format", "json"))
    assert (record["name"], record["email"], record["open_cases"]) == (
        "Kadri Põld",
        "kadri@example.ee",
        1,
    )
    assert record["cases"] == ["RV-2025-002"]
    shown = " ".join(ok("staff", "show", "S-0002").split())
    assert "Tiit Org" in shown and "RV-2025-001" in shown


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (("staff", "add", "--name", "  "), 1, "the name is empty"),
        (("staff", "add", "--name", "Uus", "--user", "kadri"), 1, "already S-0001 Kadri Põld's"),
        (("staff", "add", "--name", "Uus", "--user", "a b"), 1, "may not contain spaces"),
        (("staff", "add", "--name", "Uus", "--role", "boss"), 2, "boss"),
        (("staff", "add", "--name", "Uus", "--email", "no-at-sign"), 1, "e-mail"),
        (("staff", "show", "S-0099"), 3, "no staff member 'S-0099'"),
        (("staff", "retire", "S-0005", "--reason", "again"), 1, "already retired on 2025-01-31"),
        (("staff", "retire", "S-0002", "--reason", " "), 1, "the reason is empty"),
        (("staff", "retire", "S-0002", "--reason", "x", "--date", "2090-01-01"), 1, "future"),
    ],
)
def test_staff_refusals_write_nothing(
    run: Run, book: Path, args: tuple[str, ...], code: int, text: str
) -> None:
    assert text in refused(run, book, *args, code=code)


def test_staff_changes_are_audited_and_the_chain_holds(ok: Ok, book: Path) -> None:
    rows = query(book, "SELECT entity, entity_ref, action FROM audit_log WHERE entity = 'staff'")
    assert rows[:2] == [("staff", "S-0001", "insert"), ("staff", "S-0002", "insert")]
    assert ("staff", "S-0005", "update") in rows
    changes = query(book, "SELECT changes FROM audit_log WHERE entity = 'manager_changes'")
    assert len(changes) == 1 and "holiday" not in changes[0][0]  # the reason is free text
    assert ok("audit", "verify").startswith("audit log intact")


def test_retiring_a_manager_warns_about_their_open_cases(run: Run) -> None:
    result = run("staff", "retire", "S-0002", "--date", "2025-06-30", "--reason", "left")
    assert result.exit_code == 0 and result.stdout.strip() == "S-0002"
    assert "S-0002 still manages RV-2025-001; hand it over with: rvneet case reassign" in (
        result.stderr
    )


# --- case open --manager ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("manager", "staff"),
    [("S-0002", "S-0002"), ("tiit", "S-0002"), ("pold", "S-0001"), ("KADRI  POLD", "S-0001")],
)
def test_case_open_finds_the_manager_by_reference_login_or_folded_name(
    ok: Ok, manager: str, staff: str
) -> None:
    ref = ok("case", "open", "--youth", "Y-0003", "--model", "rv", "--start", "2025-03-01",
             "--risk", "high", "--allow-ineligible", "test", "--manager", manager)  # fmt: skip
    record = json.loads(ok("case", "show", ref, "--format", "json"))
    assert record["manager_ref"] == staff


@pytest.mark.parametrize(
    ("manager", "code", "text"),
    [
        ("kadri", 1, "'kadri' matches"),  # the login of S-0001 wins over the name part: see below
        ("Kadri", 1, "'Kadri' matches more than one staff member: S-0001 Kadri Põld, S-0003"),
        ("Zorro", 3, "no staff member matches 'Zorro'; staff: S-0001 Kadri Põld, S-0002 Tiit Org"),
        ("S-0005", 1, "S-0005 Olev Vana retired on 2025-01-31 and cannot get new cases"),
        ("olev", 1, "retired on 2025-01-31"),
        ("S-0042", 3, "no staff member 'S-0042'"),
    ],
)
def test_case_open_refuses_an_unknown_ambiguous_or_retired_manager(
    run: Run, book: Path, manager: str, code: int, text: str
) -> None:
    args = ("case", "open", "--youth", "Y-0003", "--model", "rv", "--start", "2025-03-01",
            "--risk", "high", "--allow-ineligible", "test", "--manager", manager)  # fmt: skip
    if manager == "kadri":  # a login is exact: it names S-0001, and the case opens
        result = run(*args)
        assert result.exit_code == 0
        assert (
            json.loads(run("case", "show", "RV-2025-003", "--format", "json").stdout)["manager_ref"]
            == "S-0001"
        )
        return
    assert text in refused(run, book, *args, code=code)


def test_without_manager_the_case_manager_at_the_keyboard_manages_it(ok: Ok) -> None:
    assert json.loads(ok("case", "show", "RV-2025-002", "--format", "json"))["manager_ref"] == (
        "S-0001"
    )
    # The book's owner has no staff record, so no case manager: the case has none.
    record = json.loads(ok("case", "show", "NEET-2025-002", "--format", "json"))
    assert (record["manager"], record["manager_ref"]) == (None, None)


# --- case reassign ---------------------------------------------------------------------------


def test_a_reassignment_is_in_the_timeline_and_the_case_has_the_new_manager(ok: Ok) -> None:
    record = json.loads(ok("case", "show", "RV-2025-001", "--format", "json"))
    assert (record["manager"], record["manager_ref"]) == ("Tiit Org", "S-0002")
    events = [e for e in record["timeline"] if e["event"] == "reassigned"]
    assert events == [
        {
            "date": "2025-03-10",
            "event": "reassigned",
            "detail": "S-0001 Kadri Põld → S-0002 Tiit Org (Kadri on holiday)",
        }
    ]
    assert "ümber määratud" in ok("--lang", "et", "case", "show", "RV-2025-001")


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (
            ("RV-2025-001", "--manager", "S-0001", "--date", "2025-02-01"),
            1,
            "before the case start",
        ),
        (("NEET-2025-001", "--manager", "S-0001", "--date", "2025-07-01"), 1, "after the case end"),
        (("RV-2025-001", "--manager", "tiit", "--date", "2025-04-01"), 1, "already manages"),
        (("RV-2025-001", "--manager", "S-0005", "--date", "2025-04-01"), 1, "retired"),
        (("RV-2025-001", "--manager", "S-0001", "--date", "2025-03-01"), 1, "last reassignment"),
        (("RV-2025-001", "--manager", "Kadri", "--date", "2025-04-01"), 1, "more than one"),
        (("RV-2025-099", "--manager", "S-0001", "--date", "2025-04-01"), 3, "no case"),
        (("RV-2025-001", "--manager", "S-0001", "--date", "31.02.2025"), 2, "31.02.2025"),
    ],
)
def test_reassign_refusals_write_nothing(
    run: Run, book: Path, args: tuple[str, ...], code: int, text: str
) -> None:
    assert text in refused(run, book, "case", "reassign", *args, code=code)


def workload(ok: Ok, day: str) -> list[tuple[Any, ...]]:
    data = json.loads(ok("report", "workload", "--as-of", day, "--format", "json"))
    return [(r["staff"], r["manager"], r["open_rv"], r["open_neet"]) for r in data["managers"]]


def test_workload_counts_a_case_for_the_manager_it_had_on_the_day(ok: Ok) -> None:
    assert workload(ok, "2025-03-09") == [
        ("S-0001", "Kadri Põld", 2, 0),
        ("S-0003", "Kadri Tamm", 0, 1),
        (None, "(none)", 0, 1),
    ]
    on_the_day = [
        ("S-0001", "Kadri Põld", 1, 0),
        ("S-0003", "Kadri Tamm", 0, 1),
        ("S-0002", "Tiit Org", 1, 0),
        (None, "(none)", 0, 1),
    ]
    assert workload(ok, "2025-03-10") == on_the_day
    assert workload(ok, "2025-03-11") == on_the_day
    rows = list(csv.reader(io.StringIO(ok("report", "workload", "--as-of", "2025-03-11",
                                          "--format", "csv"))))  # fmt: skip
    assert rows[0][:2] == ["manager", "staff"]
    assert rows[-1][:2] == ["(none)", ""]


# --- case list --mine / --manager --------------------------------------------------------------


def test_case_list_mine_and_manager_combine_with_the_other_filters(ok: Ok) -> None:
    assert cases_of(ok, "--user", "kadri", "case", "list", "--mine") == ["RV-2025-002"]
    assert cases_of(ok, "--user", "tiit", "case", "list", "--mine", "--model", "rv") == [
        "RV-2025-001"
    ]
    assert cases_of(ok, "case", "list", "--manager", "tamm") == ["NEET-2025-001"]
    assert cases_of(ok, "case", "list", "--manager", "S-0003", "--open") == []
    assert cases_of(ok, "case", "list", "--manager", "S-0003", "--closed") == ["NEET-2025-001"]


def test_case_list_mine_without_a_staff_record_says_how_to_make_one(run: Run, book: Path) -> None:
    message = refused(run, book, "case", "list", "--mine", code=3)
    assert "no staff member has the login tester" in message
    assert "rvneet staff add --name ... --user tester" in message
    assert "--mine or --manager" in refused(
        run, book, "--user", "kadri", "case", "list", "--mine", "--manager", "S-0002"
    )


# --- imports ---------------------------------------------------------------------------------


def test_an_import_adds_a_manager_the_register_lacks_and_finds_the_others(
    run: Run, ok: Ok, tmp_path: Path
) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(
        "youth,model,start,risk,light,group,manager\n"
        "Y-0003,neet,2025-08-01,,yellow,neet,Kadri POLD\n"
        "Y-0001,neet,2025-08-01,,yellow,risk,Malle Uus\n",
        encoding="utf-8",
    )
    result = run("import", "cases", str(path))
    assert result.exit_code == 0, result.stderr
    assert "S-0006 Malle Uus" in result.stdout + result.stderr
    managers = {c["youth"]: c["manager_ref"] for c in listed(ok, "case", "list", "--open")}
    assert managers["Y-0003"] == "S-0001"
    assert "S-0006" in managers.values()


# --- migration 0007 ----------------------------------------------------------------------------


def test_the_migration_merges_spellings_of_one_manager_and_nothing_else(
    tmp_path: Path, run: Run
) -> None:
    from test_migrations import database_at, execute

    db_path = tmp_path / "old.db"

    database_at(db_path, "0006")
    execute(db_path, "INSERT INTO settings (key, value) VALUES ('municipality', 'Viljandi linn')")
    managers = ["Kadri Põld", " kadri  pold ", "Kadri Põld", "Kadri Pold", "Tiit Org", "—", None]
    execute(
        db_path,
        "INSERT INTO youths (id, ref, name, birth_date, sex) VALUES (?, ?, 'Noor', '2001-01-01', 'F')",
        [(n, f"Y-{n:04d}") for n in range(1, len(managers) + 1)],
    )
    execute(
        db_path,
        "INSERT INTO cases (id, ref, youth_id, model, seq, start_date, neet_group, manager)"
        " VALUES (?, ?, ?, 'neet', ?, '2025-01-10', 'neet', ?)",
        [(n, f"NEET-2025-{n:03d}", n, n, m) for n, m in enumerate(managers, start=1)],
    )
    result = run("--db", str(db_path), "case", "list", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert (
        'rvneet: case managers merged into staff S-0001 "Kadri Põld": "Kadri Pold" (1), '
        '"Kadri Põld" (2), "kadri pold" (1)'
    ) in result.stderr.splitlines()
    assert "Tiit" not in result.stderr  # nothing merged: not printed
    assert query(db_path, "SELECT ref, name, user, role FROM staff ORDER BY id") == [
        ("S-0001", "Kadri Põld", None, "case-manager"),
        ("S-0002", "Tiit Org", None, "case-manager"),
    ]
    cases = {c["case"]: (c["manager_ref"], c["manager"]) for c in json.loads(result.stdout)}
    assert [cases[f"NEET-2025-{n:03d}"] for n in range(1, 8)] == [
        *[("S-0001", "Kadri Põld")] * 4,
        ("S-0002", "Tiit Org"),
        (None, "—"),
        (None, None),
    ]


# --- rvneet today ------------------------------------------------------------------------------


def test_today_shows_my_cases_quiet_ones_and_follow_ups_each_with_the_next_command(ok: Ok) -> None:
    sheet = json.loads(ok("--user", "tiit", "today", "--date", "2025-04-20", "--format", "json"))
    assert (sheet["staff"], sheet["name"], sheet["date"]) == ("S-0002", "Tiit Org", "2025-04-20")
    assert sheet["open_cases"] == [
        {
            "case": "RV-2025-001",
            "youth": "Y-0001",
            "model": "rv",
            "stage": "referral",
            "level": "high",
            "next": "rvneet case show RV-2025-001",
        }
    ]
    assert [(q["case"], q["last_contact"], q["days"]) for q in sheet["no_contact"]] == [
        ("RV-2025-001", None, 76)
    ]
    assert sheet["followups_due"] == [] and sheet["goals_overdue"] == []
    other = json.loads(
        ok("today", "--manager", "S-0003", "--date", "2025-12-20", "--format", "json")
    )
    assert other["open_cases"] == []
    assert other["followups_due"] == [
        {
            "case": "NEET-2025-001",
            "due": "2025-12-30",
            "days": 10,
            "next": "rvneet followup record NEET-2025-001 --date ...",
        }
    ]
    screen = " ".join(ok("--user", "tiit", "today", "--date", "2025-04-20").split())
    assert "Follow-ups due within 14 days or overdue: nothing" in screen
    assert "rvneet case contact RV-2025-001" in screen


def test_today_without_a_staff_record_is_refused(run: Run, book: Path) -> None:
    assert "no staff member has the login tester" in refused(run, book, "today", code=3)
    assert "today prints table or json" in refused(run, book, "today", "--format", "csv", code=2)


def test_staff_edit_gives_a_login_and_renames_on_the_cases(ok: Ok, run: Run, book: Path) -> None:
    assert ok("staff", "edit", "S-0003", "--user", "ktamm", "--name", "Kadri Tamm-Org") == "S-0003"
    assert cases_of(ok, "--user", "ktamm", "case", "list", "--mine") == ["NEET-2025-001"]
    record = json.loads(ok("case", "show", "NEET-2025-001", "--format", "json"))
    assert record["manager"] == "Kadri Tamm-Org"
    assert "already S-0001 Kadri Põld's" in refused(
        run, book, "staff", "edit", "S-0002", "--user", "kadri"
    )
    assert "at least one" in refused(run, book, "staff", "edit", "S-0002", code=2)
    assert ok("audit", "verify").startswith("audit log intact")


# --- case correct --manager ----------------------------------------------------------------------


def test_a_manager_typed_wrong_at_opening_is_corrected_and_kept_in_the_history(
    ok: Ok, book: Path
) -> None:
    ok("case", "correct", "RV-2025-002", "--manager", "org", "--reason", "wrong Kadri")
    record = json.loads(ok("case", "show", "RV-2025-002", "--format", "json", "--history"))
    assert (record["manager"], record["manager_ref"]) == ("Tiit Org", "S-0002")
    assert "reassigned" not in [event["event"] for event in record["timeline"]]
    (correction,) = [h for h in record["history"] if h["action"] == "correct"]
    assert correction["reason"] == "wrong Kadri"
    assert query(book, "SELECT count(*) FROM manager_changes WHERE case_id = 2") == [(0,)]
    assert ok("audit", "verify").startswith("audit log intact")


@pytest.mark.parametrize(
    ("case", "manager", "message"),
    [
        ("RV-2025-001", "S-0003", "RV-2025-001 was handed over on 2025-03-10"),
        ("RV-2025-002", "kadri", "already manages RV-2025-002"),
        ("RV-2025-002", "S-0005", "retired on 2025-01-31"),
    ],
)
def test_case_correct_manager_refusals_write_nothing(
    run: Run, book: Path, case: str, manager: str, message: str
) -> None:
    line = refused(run, book, "case", "correct", case, "--manager", manager, "--reason", "x")
    assert message in line


def test_today_shows_the_lisa4_deadlines_near_or_passed_until_submitted(ok: Ok) -> None:
    ok("agreement", "add", "--number", "2-10/1", "--signed", "2024-12-01", "--start", "2025-01-01",
       "--end", "2025-12-31", "--case-limit", "5", "--deadline", "2025H1=2025-07-15",
       "--deadline", "2025H2=2026-01-15")  # fmt: skip

    def deadlines(day: str) -> list[tuple[str, str, int]]:
        sheet = json.loads(ok("--user", "tiit", "today", "--date", day, "--format", "json"))
        return [(d["period"], d["due"], d["days"]) for d in sheet["lisa4_deadlines"]]

    assert deadlines("2025-06-01") == []  # 44 days ahead: not yet
    assert deadlines("2025-07-01") == [("2025H1", "2025-07-15", 14)]
    assert deadlines("2025-08-01") == [("2025H1", "2025-07-15", -17)]  # passed, not sent
    screen = " ".join(ok("--user", "tiit", "today", "--date", "2025-08-01").split())
    assert "rvneet report lisa4 --period 2025H1 --submit" in screen
    ok("report", "lisa4", "--period", "2025H1", "--submit", "--date", "2025-08-02")
    assert deadlines("2025-08-03") == []
