"""`rvneet case close` with its outcome (the NEET model's Table 1), the 6-month follow-up it
schedules, and `rvneet case reopen` (issue 3)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    CODE_F_1999_LEAP,
    CODE_M_1995,
    MUNICIPALITY,
    Run,
    build_template,
    events,
    query,
    refused,
    show,
)

Ok = Callable[..., str]

NEET = "NEET-2025-001"  # Y-0001, adult, from 2025-02-01
RV = "RV-2025-001"  # Y-0002, born 2010-01-01, from 2025-01-10
TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()

NO_OUTCOME = {
    "in_education": None,
    "in_employment": None,
    "wellbeing_start": None,
    "wellbeing_end": None,
    "satisfaction_manager": None,
    "satisfaction_overall": None,
    "resolution_youth": None,
    "resolution_manager": None,
    "goals_met": 0,
    "goals_partial": 0,
    "goals_total": 0,
    "goals_dropped": 0,
}


def build_book(ok: Ok) -> None:
    ok("init", "--municipality", MUNICIPALITY)
    ok("youth", "add", "--name", "Kati Kask", "--id-code", CODE_F_1999_LEAP)
    ok("youth", "add", "--name", "Mart Tamm", "--birth-date", "2010-01-01", "--sex", "M")
    ok("youth", "add", "--name", "Jaan Saar", "--id-code", CODE_M_1995)
    ok("staff", "add", "--name", "Anne Allik")
    ok(
        "case", "open", "--youth", "Y-0001", "--model", "neet", "--start", "2025-02-01",
        "--light", "red", "--group", "neet", "--manager", "Anne Allik",
    )  # fmt: skip
    ok(
        "case", "open", "--youth", "Y-0002", "--model", "rv", "--start", "2025-01-10",
        "--risk", "high",
    )  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The book, built once through the CLI for the whole module (each test gets a copy)."""
    return build_template(tmp_path_factory, "closing", build_book)


def close(ok: Ok, ref: str, end: str, reason: str = "goals-met", *more: str) -> str:
    return ok("case", "close", ref, "--end", end, "--reason", reason, *more)


def due(ok: Ok, as_of: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(
        ok("followup", "due", "--as-of", as_of, "--format", "json")
    )
    return rows


def lisa4(ok: Ok, period: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(ok("report", "lisa4", "--period", period, "-f", "json"))
    return report


# --- the outcome at closing ----------------------------------------------------------------------


def test_close_records_the_outcome(book: Path, ok: Ok) -> None:
    assert close(
        ok, NEET, "2025-08-29", "goals-met", "--education", "yes", "--employment", "no",
        "--wellbeing-start", "3", "--wellbeing-end", "8", "--satisfaction-manager", "5",
        "--satisfaction-overall", "4",
    ) == NEET  # fmt: skip
    record = show(ok, NEET)
    assert (record["status"], record["end"], record["close_reason"], record["stage"]) == (
        "closed",
        "2025-08-29",
        "goals-met",
        "follow-up",
    )
    assert record["outcome"] == {
        **NO_OUTCOME,
        "in_education": True,
        "in_employment": False,
        "wellbeing_start": 3,
        "wellbeing_end": 8,
        "satisfaction_manager": 5,
        "satisfaction_overall": 4,
    }


def test_the_outcome_is_optional_and_takes_its_bounds(book: Path, ok: Ok) -> None:
    close(ok, RV, "2025-06-30", "moved")
    assert show(ok, RV)["outcome"] == NO_OUTCOME
    close(
        ok, NEET, "2025-06-30", "declined", "--education", "no", "--wellbeing-start", "1",
        "--wellbeing-end", "10", "--satisfaction-manager", "1", "--satisfaction-overall", "5",
    )  # fmt: skip
    assert show(ok, NEET)["outcome"] == {
        **NO_OUTCOME,
        "in_education": False,
        "wellbeing_start": 1,
        "wellbeing_end": 10,
        "satisfaction_manager": 1,
        "satisfaction_overall": 5,
    }


def test_goals_met_are_derived_from_the_plan(book: Path, ok: Ok) -> None:
    for text in ("Enrol in a vocational school", "Find a flat", "Debt plan", "Driving licence"):
        ok("case", "goal", "add", NEET, text, "--date", "2025-02-10")
    assert show(ok, NEET)["outcome"]["goals_total"] == 4
    ok("case", "goal", "done", NEET, "1", "--date", "2025-05-02")
    ok("case", "goal", "done", NEET, "3", "--date", "2025-06-02")
    ok("case", "goal", "drop", NEET, "2", "--date", "2025-06-03", "--reason", "lives with family")
    close(ok, NEET, "2025-06-30", "goals-met", "--wellbeing-start", "4", "--wellbeing-end", "7")
    outcome = show(ok, NEET)["outcome"]
    assert (outcome["goals_met"], outcome["goals_total"], outcome["goals_dropped"]) == (2, 3, 1)
    assert (outcome["wellbeing_start"], outcome["wellbeing_end"]) == (4, 7)
    table = ok("case", "show", NEET)
    assert "Goals met" in table and "2 of 3" in table


def test_the_resolution_is_assessed_three_ways(book: Path, ok: Ok) -> None:
    """Table 1 row 2: by the youth, by the case manager, and jointly against the plan."""
    ok("case", "goal", "add", NEET, "Enrol in a vocational school", "--date", "2025-02-10")
    ok("case", "goal", "done", NEET, "1", "--date", "2025-05-02")
    close(
        ok, NEET, "2025-06-30", "goals-met", "--resolution-youth", "4", "--resolution-manager", "3"
    )
    outcome = show(ok, NEET)["outcome"]
    assert (outcome["resolution_youth"], outcome["resolution_manager"]) == (4, 3)
    assert (outcome["goals_met"], outcome["goals_total"]) == (1, 1)
    table = ok("case", "show", NEET)
    assert "resolved by the youth's assessment 4/5" in table
    assert "resolved by the case manager's assessment 3/5" in table


def test_closing_uses_the_wellbeing_baseline_recorded_earlier(book: Path, ok: Ok) -> None:
    """Table 1 row 2: the baseline given at the needs assessment wins over --wellbeing-start."""
    ok("case", "needs", NEET, "--date", "2025-02-10", "--by", "youth", "--wellbeing", "3")
    ok("case", "needs", NEET, "--date", "2025-03-10", "--wellbeing", "5")  # later: not the baseline
    close(ok, NEET, "2025-06-30", "goals-met", "--wellbeing-start", "6", "--wellbeing-end", "8")
    outcome = show(ok, NEET)["outcome"]
    assert (outcome["wellbeing_start"], outcome["wellbeing_end"]) == (3, 8)


def test_without_a_baseline_closing_takes_wellbeing_start(book: Path, ok: Ok) -> None:
    close(ok, NEET, "2025-06-30", "goals-met", "--wellbeing-start", "6", "--wellbeing-end", "8")
    assert show(ok, NEET)["outcome"]["wellbeing_start"] == 6


CLOSE_REFUSALS = {
    "wellbeing-start 0": (1, ["--wellbeing-start", "0"], "wellbeing-start"),
    "wellbeing-start 11": (1, ["--wellbeing-start", "11"], "wellbeing-start"),
    "wellbeing-end 0": (1, ["--wellbeing-end", "0"], "wellbeing-end"),
    "wellbeing-end 11": (1, ["--wellbeing-end", "11"], "wellbeing-end"),
    "satisfaction-manager 0": (1, ["--satisfaction-manager", "0"], "satisfaction-manager"),
    "satisfaction-manager 6": (1, ["--satisfaction-manager", "6"], "satisfaction-manager"),
    "satisfaction-overall 0": (1, ["--satisfaction-overall", "0"], "satisfaction-overall"),
    "satisfaction-overall 6": (1, ["--satisfaction-overall", "6"], "satisfaction-overall"),
    "satisfaction-overall -1": (1, ["--satisfaction-overall", "-1"], "satisfaction-overall"),
    "wellbeing not a number": (2, ["--wellbeing-end", "good"], "--wellbeing-end"),
    "education maybe": (2, ["--education", "maybe"], "--education"),
    "employment as a number": (2, ["--employment", "1"], "--employment"),
    "end before the last stage change": (1, ["--end", "2025-03-31"], "before the last stage change (2025-04-01)"),
    "end in the future": (1, ["--end", TOMORROW], "in the future"),
    "resolution-youth 0": (1, ["--resolution-youth", "0"], "resolution-youth"),
    "resolution-manager 6": (1, ["--resolution-manager", "6"], "resolution-manager"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("code", "args", "message"), CLOSE_REFUSALS.values(), ids=CLOSE_REFUSALS.keys()
)
def test_close_refused(
    book: Path, ok: Ok, run: Run, code: int, args: list[str], message: str
) -> None:
    ok("case", "stage", NEET, "support", "--date", "2025-04-01")
    good = ["--end", "2025-06-30", "--reason", "goals-met", "--wellbeing-start", "5"]
    line = refused(run, book, "case", "close", NEET, *good, *args, code=code)
    # A pydantic field name (wellbeing_start) or the option's name (--wellbeing-start).
    assert message in line.replace("_", "-"), line
    assert show(ok, NEET)["status"] == "open"
    assert due(ok, "2027-01-01") == []


def test_closing_an_already_closed_case_is_refused(book: Path, ok: Ok, run: Run) -> None:
    close(ok, NEET, "2025-06-30", "goals-met", "--wellbeing-end", "9")
    message = refused(run, book, "case", "close", NEET, "--end", "2025-07-31", "--reason", "moved")
    assert message == f"Error: {NEET} is already closed (on 2025-06-30)"
    assert show(ok, NEET)["outcome"]["wellbeing_end"] == 9


# --- the follow-up it schedules ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        ("2025-08-31", "2026-02-28"),  # clamped to the end of a short February
        ("2024-08-29", "2025-02-28"),
        ("2023-08-29", "2024-02-29"),  # a leap year keeps the day
        ("2023-08-31", "2024-02-29"),
        ("2024-03-31", "2024-09-30"),
        ("2024-12-31", "2025-06-30"),
        ("2025-07-31", "2026-01-31"),  # across the new year
        ("2025-05-15", "2025-11-15"),
        ("2023-08-01", "2024-02-01"),  # closed on the start day
    ],
)
def test_closing_schedules_the_follow_up_six_months_later(
    book: Path, ok: Ok, end: str, expected: str
) -> None:
    ref = ok(
        "case", "open", "--youth", "Y-0003", "--model", "neet", "--start", "2023-08-01",
        "--light", "yellow", "--group", "neet",
    )  # fmt: skip
    close(ok, ref, end)
    day_before = (dt.date.fromisoformat(expected) - dt.timedelta(days=1)).isoformat()
    assert due(ok, day_before) == []
    rows = due(ok, expected)
    assert [(r["case"], r["end"], r["due"], r["days_overdue"]) for r in rows] == [
        (ref, end, expected, 0)
    ]
    assert (expected, "follow-up due", "due") in events(ok, ref)


def test_the_follow_up_is_listed_with_the_case_manager(book: Path, ok: Ok) -> None:
    close(ok, NEET, "2025-05-15")
    assert due(ok, "2025-11-20") == [
        {
            "case": NEET,
            "youth": "Y-0001",
            "model": "neet",
            "manager": "Anne Allik",
            "end": "2025-05-15",
            "due": "2025-11-15",
            "days_overdue": 5,
            "days_to_go": 0,
        }
    ]


# --- reopening -----------------------------------------------------------------------------------


def reopen(ok: Ok, ref: str, date: str, reason: str = "returned to the municipality") -> str:
    return ok("case", "reopen", ref, "--date", date, "--reason", reason)


def test_reopen_makes_the_case_open_and_cancels_its_follow_up(book: Path, ok: Ok) -> None:
    close(ok, RV, "2025-05-30", "moved", "--education", "yes")
    assert lisa4(ok, "2025")["cases"][0]["end"] == "2025-05-30"
    assert reopen(ok, RV, "2025-06-10") == RV
    record = show(ok, RV)
    assert (record["status"], record["end"], record["close_reason"], record["stage"]) == (
        "open",
        None,
        None,
        "implementation",
    )
    assert record["outcome"] == NO_OUTCOME
    assert events(ok, RV, "stage", "closed", "reopened", "follow-up due") == [
        ("2025-01-10", "stage", "referral"),
        ("2025-05-30", "closed", "moved"),
        ("2025-05-30", "stage", "follow-up"),
        ("2025-06-10", "reopened", ""),
        ("2025-06-10", "stage", "implementation"),
        ("2025-11-30", "follow-up due", "skipped"),
    ]
    assert due(ok, "2026-11-01") == []
    assert query(book, "SELECT date, reason, previous_end, previous_reason FROM reopenings") == [
        ("2025-06-10", "returned to the municipality", "2025-05-30", "moved")
    ]
    assert query(book, "SELECT due, status, skip_reason FROM followups") == [
        ("2025-11-30", "skipped", "case reopened")
    ]


def test_lisa4_shows_a_reopened_case_as_ongoing(book: Path, ok: Ok) -> None:
    close(ok, RV, "2025-05-30", "moved")
    before = lisa4(ok, "2025H1")["summary"]
    assert (before["cases_ended"], before["cases_ongoing_at_end"]) == (1, 0)
    reopen(ok, RV, "2025-06-10")
    both = [{"start": "2025-01-10", "end": "2025-05-30"}, {"start": "2025-06-10", "end": None}]
    for period, periods in (("2025H1", both), ("2025", both), ("2025-06", both[1:])):
        report = lisa4(ok, period)
        assert report["cases"] == [
            {
                "case": RV,
                "sex": "M",
                "age": 15,
                "risk": "high",
                "start": "2025-01-10",
                "end": None,
                "support_requested": False,
                "risk_at_start": "high",
                # The gap of the reopening shows (issue 16); June sees the second period only.
                "periods": periods,
            }
        ]
        summary = report["summary"]
        assert (summary["cases_ended"], summary["cases_ongoing_at_end"]) == (0, 1)


def test_a_reopened_case_can_be_closed_again(book: Path, ok: Ok) -> None:
    close(ok, NEET, "2025-04-30", "lost-contact")
    reopen(ok, NEET, "2025-05-12", "the youth got in touch")
    assert show(ok, NEET)["stage"] == "support"
    ok("case", "contact", NEET, "--date", "2025-05-12", "--channel", "phone")
    close(ok, NEET, "2025-08-31", "goals-met", "--employment", "yes")
    record = show(ok, NEET)
    assert (record["status"], record["end"], record["stage"]) == (
        "closed",
        "2025-08-31",
        "follow-up",
    )
    assert record["outcome"]["in_employment"] is True
    assert events(ok, NEET, "closed", "reopened", "follow-up due") == [
        ("2025-04-30", "closed", "lost-contact"),
        ("2025-05-12", "reopened", ""),
        ("2025-08-31", "closed", "goals-met"),
        ("2025-10-30", "follow-up due", "skipped"),
        ("2026-02-28", "follow-up due", "due"),
    ]
    assert [(r["case"], r["due"]) for r in due(ok, "2026-11-01")] == [(NEET, "2026-02-28")]


def test_reopen_on_the_day_the_case_closed(book: Path, ok: Ok) -> None:
    close(ok, RV, "2025-05-30", "other")
    reopen(ok, RV, "2025-05-30", "closed by mistake")
    assert show(ok, RV)["status"] == "open"
    close(ok, RV, "2025-05-30", "moved")
    assert [r["due"] for r in due(ok, "2025-12-01")] == ["2025-11-30"]


def test_reopen_is_refused_when_the_youth_has_another_open_case_of_the_model(
    book: Path, ok: Ok, run: Run
) -> None:
    close(ok, RV, "2025-05-30", "moved")
    second = ok(
        "case", "open", "--youth", "Y-0002", "--model", "rv", "--start", "2025-06-02",
        "--risk", "medium",
    )  # fmt: skip
    message = refused(run, book, "case", "reopen", RV, "--date", "2025-06-10", "--reason", "back")
    assert message == f"Error: the youth already has another open RV case {second}"
    # An open case of the other model is no obstacle.
    close(ok, second, "2025-07-01", "transferred")
    ok(
        "case", "open", "--youth", "Y-0002", "--model", "neet", "--start", "2025-07-02",
        "--light", "green", "--group", "risk",
    )  # fmt: skip
    assert reopen(ok, RV, "2025-07-10") == RV


REOPEN_REFUSALS = {
    "an open case": (1, [NEET, "--date", "2025-07-01", "--reason", "x"], f"{NEET} is open; only a closed case can be reopened"),
    "before the end": (1, [RV, "--date", "2025-05-29", "--reason", "x"], "the reopening date 2025-05-29 is before the case end 2025-05-30"),
    "empty reason": (1, [RV, "--date", "2025-06-10", "--reason", ""], "give the reason for reopening (--reason)"),
    "blank reason": (1, [RV, "--date", "2025-06-10", "--reason", "   "], "give the reason for reopening (--reason)"),
    "in the future": (1, [RV, "--date", TOMORROW, "--reason", "x"], "in the future"),
    "no reason": (2, [RV, "--date", "2025-06-10"], "--reason"),
    "no date": (2, [RV, "--reason", "x"], "--date"),
    "unknown case": (3, ["RV-2025-099", "--date", "2025-06-10", "--reason", "x"], "no case 'RV-2025-099'"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("code", "args", "message"), REOPEN_REFUSALS.values(), ids=REOPEN_REFUSALS.keys()
)
def test_reopen_refused(
    book: Path, ok: Ok, run: Run, code: int, args: list[str], message: str
) -> None:
    close(ok, RV, "2025-05-30", "moved")
    assert message in refused(run, book, "case", "reopen", *args, code=code)
    assert show(ok, RV)["status"] == "closed"
