"""`rvneet report workload` and `rvneet report followups`: hand-computed on one book built once.

The book (as-of day 2025-06-30, period 2025Q2 = 2025-04-01..2025-06-30):

| case | manager | youth | what happens |
|---|---|---|---|
| RV-2025-001 | Kadri Tamm | Mari | high 01-10, medium 05-01, high 07-15 (after the day) |
| RV-2025-002 | Mart Kask | Jaan | opened 02-01, closed on the day 06-30 |
| RV-2024-001 | Kadri Tamm | Liis | high 2024-09-01, medium 07-01 (the day after) |
| NEET-2025-001 | Kadri Tamm | Toomas | red 01-15, yellow on the day |
| NEET-2025-002 | — (none) | Kati | green 03-01 |
| NEET-2025-003 | Mart Kask | Peeter | risk group, red, opened 07-01 (the day after) |
| RV-2025-003 | Mart Kask | Anu | medium 02-10, closed 04-30, reopened 07-05 |
| NEET-2024-001 | "—" | Eva | closed 2024-11-30: follow-up due 05-30, never done |
| RV-2024-002 | Mart Kask | Madis | closed 2024-12-15: due 06-15, done 06-20 (reached, education) |
| NEET-2024-002 | Kadri Tamm | Kersti | closed 2024-12-31: due 06-30 (the day), never done |
| RV-2024-003 | Kadri Tamm | Rasmus | closed 2024-12-01: due 06-01, done 07-10 (after), not reached |
| NEET-2024-003 | Mart Kask | Laura | closed 2024-10-31: due 04-30, skipped |
| NEET-2024-004 | Mart Kask | Andres | closed 2024-10-01: due 04-01 (first day), done 04-03 (employment) |
| RV-2024-004 | none | Kai | closed 2024-09-30: due 03-30 (before the period), done 04-02 |
| RV-2024-005 | Mart Kask | Siim | closed 2025-01-01: due 07-01 (after the period), never done |
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from books import import_rows
from conftest import (
    CODE_F_1999_LEAP,
    CODE_F_2010,
    CODE_M_2010,
    MUNICIPALITY,
    Ok,
    Run,
    build_template,
    query,
    refused,
)
from pg import connect_book

from rvneet.db import Database
from rvneet.domain.period import parse_period
from rvneet.reports.followups import build_followups
from rvneet.reports.model import Report
from rvneet.reports.workload import build_workload

pytestmark = pytest.mark.usefixtures("book")

KADRI, MART = "Kadri Tamm", "Mart Kask"
# (name, birth date or personal code); refs Y-0001.. in this order.
YOUTHS = [
    ("Mari Maasikas", CODE_F_2010),
    ("Jaan Kõivupuu", CODE_M_2010),
    ("Liis Lepapuu", "2011-03-03"),
    ("Toomas Tammsaare", "2001-04-04"),
    ("Kati Karusmari", "2003-08-08"),
    ("Peeter Pihlakas", "2009-09-09"),
    ("Anu Ahomägi", "2011-11-11"),
    ("Eva Ellermaa", CODE_F_1999_LEAP),
    ("Madis Mustikas", "2009-02-02"),
    ("Kersti Kadakas", "2000-10-10"),
    ("Rasmus Rabarber", "2010-10-10"),
    ("Laura Lumikelluke", "2002-02-02"),
    ("Andres Angervaks", "2001-01-01"),
    ("Kai Kaerahelbes", "2009-03-03"),
    ("Siim Sinilill", "2010-07-07"),
]
SECRETS = [
    *(part for name, _ in YOUTHS for part in name.split()),
    *(code for _, code in YOUTHS if "-" not in code),
]


def build(ok: Ok, folder: Path) -> None:
    ok("init", "--municipality", MUNICIPALITY)
    import_rows(
        ok,
        folder,
        "youths",
        [
            {"name": name, "birth_date": born, "sex": "F"} if "-" in born
            else {"name": name, "id_code": born}
            for name, born in YOUTHS
        ],
    )  # fmt: skip

    def rv(youth: int, start: str, risk: str, manager: str, end: str = "") -> dict[str, str]:
        return {"youth": f"Y-{youth:04d}", "model": "rv", "start": start, "risk": risk,
                "manager": manager, "end": end, "close_reason": "goals-met" if end else ""}  # fmt: skip

    def neet(youth: int, start: str, light: str, manager: str, end: str = "") -> dict[str, str]:
        group = "risk" if youth == 6 else "neet"
        return {"youth": f"Y-{youth:04d}", "model": "neet", "start": start, "light": light,
                "group": group, "manager": manager, "end": end,
                "close_reason": "goals-met" if end else ""}  # fmt: skip

    import_rows(
        ok,
        folder,
        "cases",
        [
            rv(1, "2025-01-10", "high", KADRI),  # RV-2025-001
            rv(2, "2025-02-01", "medium", MART, "2025-06-30"),  # RV-2025-002
            rv(3, "2024-09-01", "high", KADRI),  # RV-2024-001
            neet(4, "2025-01-15", "red", KADRI),  # NEET-2025-001
            neet(5, "2025-03-01", "green", ""),  # NEET-2025-002
            neet(6, "2025-07-01", "red", MART),  # NEET-2025-003
            rv(7, "2025-02-10", "medium", MART, "2025-04-30"),  # RV-2025-003
            neet(8, "2024-05-01", "red", "—", "2024-11-30"),  # NEET-2024-001
            rv(9, "2024-03-01", "high", MART, "2024-12-15"),  # RV-2024-002
            neet(10, "2024-06-01", "yellow", KADRI, "2024-12-31"),  # NEET-2024-002
            rv(11, "2024-04-01", "high", KADRI, "2024-12-01"),  # RV-2024-003
            neet(12, "2024-02-01", "green", MART, "2024-10-31"),  # NEET-2024-003
            neet(13, "2024-03-01", "green", MART, "2024-10-01"),  # NEET-2024-004
            rv(14, "2024-02-01", "medium", "", "2024-09-30"),  # RV-2024-004
            rv(15, "2024-08-01", "high", MART, "2025-01-01"),  # RV-2024-005
        ],
    )
    import_rows(
        ok,
        folder,
        "assessments",
        [
            {"case": "RV-2025-001", "date": "2025-05-01", "risk": "medium"},
            {"case": "RV-2025-001", "date": "2025-07-15", "risk": "high"},
            {"case": "RV-2024-001", "date": "2025-07-01", "risk": "medium"},
            {"case": "NEET-2025-001", "date": "2025-06-30", "light": "yellow"},
        ],
    )
    ok("case", "reopen", "RV-2025-003", "--date", "2025-07-05", "--reason", "back in town")
    ok("followup", "record", "RV-2024-002", "--date", "2025-06-20", "--reached", "yes",
       "--education", "yes", "--employment", "no")  # fmt: skip
    ok("followup", "record", "RV-2024-003", "--date", "2025-07-10", "--reached", "no")
    ok("followup", "skip", "NEET-2024-003", "--reason", "moved abroad")
    ok("followup", "record", "NEET-2024-004", "--date", "2025-04-03", "--reached", "yes",
       "--education", "no", "--employment", "yes")  # fmt: skip
    ok("followup", "record", "RV-2024-004", "--date", "2025-04-02", "--reached", "yes")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("files")
    return build_template(tmp_path_factory, "report_ops", lambda ok: build(ok, folder))


def report(ok: Ok, *args: str) -> dict[str, Any]:
    data = json.loads(ok("report", *args, "--format", "json"))
    assert isinstance(data, dict)
    return data


def built(db_path: Path, build_report: Any, *args: Any) -> Report:
    """The report built by the service on the book at `db_path` (a file, or a URL: tests/pg.py)."""
    with Database(db_path, "tester").session() as session:
        result: Report = build_report(session, *args)
    return result


def assert_totals(result: Report) -> None:
    """Every breakdown with total_of adds up to its figure."""
    with_total = [b for b in result.breakdowns if b.total_of]
    assert with_total
    for breakdown in with_total:
        counts = breakdown.counts.values()
        assert all(isinstance(c, int) for c in counts)
        total = sum(c for c in counts if isinstance(c, int))
        assert total == result.figure(breakdown.total_of).value, breakdown.key  # type: ignore[arg-type]


# The staff records the cases import added for the managers it names.
STAFF = {KADRI: "S-0001", MART: "S-0002"}


def manager(name: str, capacity: int | None = None, **counts: int) -> dict[str, Any]:
    row: dict[str, Any] = {"manager": name, "staff": STAFF.get(name)}
    for key in MANAGER_COUNTS:
        row[key] = counts.get(key, 0)
    row["capacity"] = capacity
    row["over_capacity"] = capacity is not None and row["weighted_load"] > capacity
    return row


MANAGER_COUNTS = [
    "open_rv",
    "open_neet",
    "rv_high",
    "rv_medium",
    "neet_red",
    "neet_yellow",
    "neet_green",
    "followups_overdue",
    "open_total",
    "followups_due_30",
    "stale_lights",
    "weighted_load",
]
MANAGER_FIELDS = ["manager", "staff", *MANAGER_COUNTS, "capacity", "over_capacity"]


# --- workload -------------------------------------------------------------------------------


def test_workload_on_the_day(ok: Ok) -> None:
    # Not open on the day: RV-2025-002 (closed on it), RV-2025-003 (closed, reopened later),
    # NEET-2025-003 (opened the day after). Overdue: NEET-2024-001 (due 05-30, manager "—") and
    # RV-2024-003 (due 06-01, done only on 07-10); NEET-2024-002 is due on the day: not yet overdue
    # but due in 30 days, as is RV-2024-005 (due 07-01, Mart, who has no open case on the day).
    # NEET-2025-002's green light (03-01) is 121 days old: stale. Weighted load: Kadri's yellow 2,
    # the unmanaged green 1; RV cases weigh nothing.
    data = report(ok, "workload", "--as-of", "2025-06-30")
    assert data == {
        "report": "workload",
        "municipality": MUNICIPALITY,
        "as_of": "2025-06-30",
        "summary": {
            "open_cases": 4,
            "open_rv": 2,
            "open_neet": 2,
            "followups_overdue": 2,
            "followups_due_30": 2,
            "stale_lights": 1,
            "weighted_load": 3,
            "over_capacity": 0,
            "by_model": {"rv": 2, "neet": 2},
            "by_light": {"red": 0, "yellow": 1, "green": 1},
            "by_risk": {"high": 1, "medium": 1},
        },
        "managers": [
            manager(
                KADRI,
                open_rv=2,
                open_neet=1,
                rv_high=1,
                rv_medium=1,
                neet_yellow=1,
                followups_overdue=1,
                open_total=3,
                followups_due_30=1,
                weighted_load=2,
            ),
            manager(MART, followups_due_30=1),
            manager(
                "(none)",
                open_neet=1,
                neet_green=1,
                followups_overdue=1,
                open_total=1,
                stale_lights=1,
                weighted_load=1,
            ),
        ],
    }
    assert [list(row) for row in data["managers"]] == [MANAGER_FIELDS] * 3


def test_workload_ten_days_later(ok: Ok) -> None:
    # RV-2025-003 is open again (reopened 07-05), NEET-2025-003 has started; RV-2024-001 is medium
    # from 07-01, RV-2025-001 still medium (high only from 07-15). RV-2024-003's follow-up was done
    # on 07-10; NEET-2024-002 (due 06-30) and RV-2024-005 (due 07-01) are now overdue.
    data = report(ok, "workload", "--as-of", "2025-07-10")
    assert data["summary"] == {
        "open_cases": 6,
        "open_rv": 3,
        "open_neet": 3,
        "followups_overdue": 3,
        "followups_due_30": 0,
        "stale_lights": 1,
        "weighted_load": 6,
        "over_capacity": 0,
        "by_model": {"rv": 3, "neet": 3},
        "by_light": {"red": 1, "yellow": 1, "green": 1},
        "by_risk": {"high": 0, "medium": 3},
    }
    assert data["managers"] == [
        manager(
            KADRI,
            open_rv=2,
            open_neet=1,
            rv_medium=2,
            neet_yellow=1,
            followups_overdue=1,
            open_total=3,
            weighted_load=2,
        ),
        manager(
            MART,
            open_rv=1,
            open_neet=1,
            rv_medium=1,
            neet_red=1,
            followups_overdue=1,
            open_total=2,
            weighted_load=3,
        ),
        manager(
            "(none)",
            open_neet=1,
            neet_green=1,
            followups_overdue=1,
            open_total=1,
            stale_lights=1,
            weighted_load=1,
        ),
    ]


def test_workload_before_anything(ok: Ok) -> None:
    data = report(ok, "workload", "--as-of", "2023-12-31")
    assert data["summary"] == {
        "open_cases": 0,
        "open_rv": 0,
        "open_neet": 0,
        "followups_overdue": 0,
        "followups_due_30": 0,
        "stale_lights": 0,
        "weighted_load": 0,
        "over_capacity": 0,
        "by_model": {"rv": 0, "neet": 0},
        "by_light": {"red": 0, "yellow": 0, "green": 0},
        "by_risk": {"high": 0, "medium": 0},
    }
    assert data["managers"] == []


def test_workload_as_of_defaults_to_today(ok: Ok) -> None:
    data = report(ok, "workload")
    assert data["as_of"] == dt.date.today().isoformat()
    # Today every follow-up due and not done nor skipped is overdue; RV-2025-003 was reopened.
    assert data["summary"]["followups_overdue"] == 4
    assert data["summary"]["open_cases"] == 6


@pytest.mark.parametrize("day", ["2025-06-30", "2025-07-10", "2026-01-01"])
def test_workload_breakdowns_add_up(book: Path, day: str) -> None:
    result = built(book, build_workload, dt.date.fromisoformat(day))
    assert_totals(result)
    rows = result.listings[0].rows
    assert sum(r["open_total"] for r in rows) == result.figure("open_cases").value
    assert sum(r["followups_overdue"] for r in rows) == result.figure("followups_overdue").value
    for row in rows:
        assert row["open_total"] == row["open_rv"] + row["open_neet"]
        assert row["open_rv"] == row["rv_high"] + row["rv_medium"]
        assert row["open_neet"] == row["neet_red"] + row["neet_yellow"] + row["neet_green"]


def test_workload_csv_is_the_managers(ok: Ok) -> None:
    out = ok("report", "workload", "--as-of", "2025-06-30", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows == [
        MANAGER_FIELDS,
        [KADRI, "S-0001", "2", "1", "1", "1", "0", "1", "0", "1", "3", "1", "0", "2", "", "no"],
        [MART, "S-0002", "0", "0", "0", "0", "0", "0", "0", "0", "0", "1", "0", "0", "", "no"],
        ["(none)", "", "0", "1", "0", "0", "0", "0", "1", "1", "1", "0", "1", "1", "", "no"],
    ]


def test_workload_table_in_estonian(ok: Ok) -> None:
    out = " ".join(
        ok("report", "workload", "--as-of", "2025-06-30", "--lang", "et", "--no-timestamp").split()
    )
    assert "Juhtumikorraldajate koormus" in out
    assert (
        "seisuga 30.06.2025" in out
    )  # an Estonian table writes dates as people do (render.heading)
    assert KADRI in out
    assert "(määramata)" in out  # JSON and CSV keep "(none)"
    assert "Avatud NEET-juhtumid valgusfoori järgi: kollane olukord" in out


def test_followups_table_in_estonian(ok: Ok) -> None:
    out = " ".join(
        ok("report", "followups", "--period", "2025Q2", "--lang", "et", "--no-timestamp").split()
    )
    assert "Järelkontaktid 6 kuud pärast juhtumi lõpetamist" in out
    assert "tehtud" in out and "ära jäetud" in out and "tähtaja ületanud" in out
    assert "overdue" not in out


def test_a_case_without_an_assessment_by_the_day_is_counted_as_not_assessed(
    book: Path, ok: Ok
) -> None:
    con = connect_book(book)
    with con:
        con.execute(
            "DELETE FROM assessments WHERE case_id = (SELECT id FROM cases WHERE ref = 'NEET-2025-002')"
        )
    con.close()
    summary = report(ok, "workload", "--as-of", "2025-06-30")["summary"]
    assert summary["by_light"] == {"red": 0, "yellow": 1, "green": 0, "none": 1}
    assert_totals(built(book, build_workload, dt.date(2025, 6, 30)))


def test_workload_capacity_flags_the_manager_over_it(ok: Ok) -> None:
    # On 07-10 Mart carries a red situation (3) against a capacity of 2; Kadri a yellow one (2)
    # against 2: at capacity is not over it.
    ok("staff", "edit", "S-0002", "--capacity", "2")
    ok("staff", "edit", "S-0001", "--capacity", "2")
    data = report(ok, "workload", "--as-of", "2025-07-10")
    assert data["summary"]["over_capacity"] == 1
    rows = {row["manager"]: row for row in data["managers"]}
    assert (rows[MART]["weighted_load"], rows[MART]["capacity"], rows[MART]["over_capacity"]) == (
        3,
        2,
        True,
    )
    assert (rows[KADRI]["weighted_load"], rows[KADRI]["over_capacity"]) == (2, False)
    assert rows["(none)"]["capacity"] is None and rows["(none)"]["over_capacity"] is False
    assert json.loads(ok("staff", "show", "S-0002", "--format", "json"))["capacity"] == 2
    ok("staff", "edit", "S-0002", "--capacity", "0")  # 0 removes it
    assert report(ok, "workload", "--as-of", "2025-07-10")["summary"]["over_capacity"] == 0


def test_workload_weights_are_a_setting(ok: Ok, db_path: Path) -> None:
    assert ok("settings", "workload-weights").strip() == (
        "workload-weights: red 3, yellow 2, green 1"
    )
    ok("settings", "workload-weights", "--red", "5", "--green", "0")
    data = report(ok, "workload", "--as-of", "2025-07-10")
    loads = {row["manager"]: row["weighted_load"] for row in data["managers"]}
    assert loads == {KADRI: 2, MART: 5, "(none)": 0}
    assert data["summary"]["weighted_load"] == 7
    logged = query(db_path, "SELECT changes FROM audit_log WHERE entity_ref = 'workload-weights'")
    assert [json.loads(c) for (c,) in logged] == [{"red": [3, 5], "green": [1, 0]}]
    assert "audit log intact" in ok("audit", "verify")


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("staff", "edit", "S-0001", "--capacity", "-1"), "--capacity"),
        (("staff", "edit", "S-0001", "--capacity", "1001"), "--capacity"),
        (("staff", "add", "--name", "Uus Inimene", "--capacity", "0"), "--capacity"),
        (("settings", "workload-weights", "--red", "101"), "--red"),
        (("settings", "workload-weights", "--yellow", "-1"), "--yellow"),
    ],
)
def test_bad_capacity_or_weight_is_refused(
    run: Run, db_path: Path, args: tuple[str, ...], text: str
) -> None:
    assert text in refused(run, db_path, *args)


def test_workload_table_in_estonian_says_situation(ok: Ok) -> None:
    ok("staff", "edit", "S-0002", "--capacity", "2")
    out = " ".join(
        ok("report", "workload", "--as-of", "2025-07-10", "--lang", "et", "--no-timestamp").split()
    )
    assert "valgusfoori järgi: punane olukord" in out  # the light is the situation's
    assert "Kaalutud koormus │ 6" in out
    assert "Koormuse piiri ületanud juhtumikorraldajad │ 1" in out
    assert "Üle 90 päeva tagasi hinnatud olukorrad │ 1" in out
    assert "│ 3 │ 2 │ jah │" in out  # Mart: weighted load 3, capacity 2, over it


# --- follow-ups -----------------------------------------------------------------------------


def followup(
    case: str,
    model: str,
    due: str,
    status: str,
    done_on: str | None = None,
    reached: bool | None = None,
    in_education: bool | None = None,
    in_employment: bool | None = None,
) -> dict[str, Any]:
    return {
        "case": case,
        "model": model,
        "due": due,
        "status": status,
        "done_on": done_on,
        "reached": reached,
        "in_education": in_education,
        "in_employment": in_employment,
    }


def test_followups_of_a_quarter(ok: Ok) -> None:
    # Due in 2025Q2: 04-01 (first day, done), 04-30 skipped, 05-30 overdue, 06-01 done only after
    # the period (overdue then, no outcome shown), 06-15 done, 06-30 (last day, not done: overdue).
    # RV-2024-004 (due 03-30, done in the period) and RV-2024-005 (due 07-01) are outside.
    data = report(ok, "followups", "--period", "2025Q2")
    assert data == {
        "report": "followups",
        "municipality": MUNICIPALITY,
        "period": {"label": "2025Q2", "start": "2025-04-01", "end": "2025-06-30"},
        "summary": {
            "followups_due": 6,
            "done": 2,
            "skipped": 1,
            "overdue": 3,
            "reached": 2,
            "in_education": 1,
            "in_employment": 1,
            "by_status": {"done": 2, "skipped": 1, "overdue": 3},
            "by_model": {"rv": 2, "neet": 4},
            "done_by_model": {"rv": 1, "neet": 1},
            "skipped_by_model": {"rv": 0, "neet": 1},
            "overdue_by_model": {"rv": 1, "neet": 2},
            "reached_by_model": {"rv": 1, "neet": 1},
            "in_education_by_model": {"rv": 1, "neet": 0},
            "in_employment_by_model": {"rv": 0, "neet": 1},
        },
        "followups": [
            followup(
                "NEET-2024-004", "neet", "2025-04-01", "done", "2025-04-03", True, False, True
            ),
            followup("NEET-2024-003", "neet", "2025-04-30", "skipped"),
            followup("NEET-2024-001", "neet", "2025-05-30", "overdue"),
            followup("RV-2024-003", "rv", "2025-06-01", "overdue"),
            followup("RV-2024-002", "rv", "2025-06-15", "done", "2025-06-20", True, True, False),
            followup("NEET-2024-002", "neet", "2025-06-30", "overdue"),
        ],
    }


def test_followups_period_edges_are_inclusive(ok: Ok) -> None:
    inner = report(ok, "followups", "--period", "2025-04-02..2025-06-29")
    assert [f["case"] for f in inner["followups"]] == [
        "NEET-2024-003",
        "NEET-2024-001",
        "RV-2024-003",
        "RV-2024-002",
    ]
    # RV-2024-004, due 03-30, was done on 04-02: overdue at the end of March, done by 04-02.
    march = report(ok, "followups", "--period", "2025-03")
    assert march["followups"] == [followup("RV-2024-004", "rv", "2025-03-30", "overdue")]
    assert march["summary"]["reached"] == 0
    later = report(ok, "followups", "--period", "2025-03-30..2025-04-02")
    assert later["followups"] == [
        followup("RV-2024-004", "rv", "2025-03-30", "done", "2025-04-02", True, None, None),
        followup("NEET-2024-004", "neet", "2025-04-01", "overdue"),  # done only on 04-03
    ]
    assert later["summary"]["reached"] == 1
    assert later["summary"]["in_education"] == 0


def test_followups_later_period_sees_later_records(ok: Ok) -> None:
    # The whole of 2025: RV-2024-003 done on 07-10 is done now; RV-2024-005 (07-01) is overdue;
    # RV-2025-002 (closed 06-30) is due 12-30; RV-2025-003's follow-up (due 10-30) was skipped by
    # its reopening.
    data = report(ok, "followups", "--period", "2025")
    by_case = {f["case"]: f for f in data["followups"]}
    assert by_case["RV-2024-003"] == followup(
        "RV-2024-003", "rv", "2025-06-01", "done", "2025-07-10", False, None, None
    )
    assert by_case["RV-2024-005"]["status"] == "overdue"
    assert by_case["RV-2025-002"]["due"] == "2025-12-30"
    assert by_case["RV-2025-003"]["status"] == "skipped"
    assert data["summary"]["by_status"] == {"done": 4, "skipped": 2, "overdue": 4}


@pytest.mark.parametrize("period", ["2025Q2", "2025", "2024", "2025-03"])
def test_followups_breakdowns_add_up(book: Path, period: str) -> None:
    assert_totals(built(book, build_followups, parse_period(period)))


def test_followups_csv_is_the_listing(ok: Ok) -> None:
    out = ok("report", "followups", "--period", "2025Q2", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == [
        "case",
        "model",
        "due",
        "status",
        "done_on",
        "reached",
        "in_education",
        "in_employment",
    ]
    assert rows[1] == [
        "NEET-2024-004",
        "neet",
        "2025-04-01",
        "done",
        "2025-04-03",
        "yes",
        "no",
        "yes",
    ]
    assert rows[2] == ["NEET-2024-003", "neet", "2025-04-30", "skipped", "", "", "", ""]
    assert len(rows) == 7


def test_followups_need_a_period(run: Run) -> None:
    result = run("report", "followups")
    assert result.exit_code == 2
    assert "--period" in result.stderr


# --- privacy --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("workload", "--as-of", "2025-07-10"),
        ("followups", "--period", "2025"),
    ],
    ids=["workload", "followups"],
)
def test_no_youth_name_code_or_reference_in_any_format(
    run: Run, tmp_path: Path, args: tuple[str, ...]
) -> None:
    for fmt in ("table", "json", "csv", "html"):
        result = run("report", *args, "--format", fmt, "--lang", "et")
        assert result.exit_code == 0, result.stderr
        text = result.output
        assert text.strip()
        for secret in SECRETS:
            assert secret not in text, (fmt, secret)
        assert "Y-0" not in text
