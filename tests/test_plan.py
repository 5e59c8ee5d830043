"""`rvneet case goal|activity|plan`: the case plan, its goals and support activities."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CODE_F_2010, CODE_M_1995, Run, query, refused

Ok = Callable[..., str]

YOUTH_NAME = "Mari Maasikas"
CASE = "RV-2025-001"


@pytest.fixture
def case(ok: Ok, initialised: Path) -> str:
    """An RV case opened 2025-01-10, and two network members: M-001 (youth worker), M-002 (police)."""
    ok("youth", "add", "--name", YOUTH_NAME, "--id-code", CODE_F_2010)
    ok(
        "network",
        "add",
        "--name",
        "Kati Kask",
        "--role",
        "youth-worker",
        "--org",
        "Viljandi noortekeskus",
    )
    ok("network", "add", "--name", "Peeter Puu", "--role", "police", "--org", "PPA", "--wider")
    # Activities go to providers outside the case: the youth agreed to share their data.
    ok("youth", "consent", "Y-0001", "--date", "2025-01-05", "--scope", "data-sharing",
       "--given-by", "guardian")  # fmt: skip
    return ok(
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


def plan(ok: Ok, ref: str = CASE) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(ok("case", "plan", ref, "--format", "json"))
    return result


def add_activity(ok: Ok, *extra: str, member: str = "M-001", start: str = "2025-01-20") -> str:
    return ok(
        "case",
        "activity",
        "add",
        CASE,
        "--member",
        member,
        "--kind",
        "mentoring",
        "--start",
        start,
        *extra,
    )


# --- goals -------------------------------------------------------------------------------------


def test_goals_are_numbered_within_their_case(ok: Ok, initialised: Path, case: str) -> None:
    assert ok("case", "goal", "add", case, "Attend school daily", "--date", "2025-01-15") == "1"
    assert (
        ok(
            "case",
            "goal",
            "add",
            case,
            "Join a club",
            "--date",
            "2025-01-15",
            "--due",
            "2025-06-01",
        )
        == "2"
    )
    assert (
        ok("case", "goal", "add", "rv-2025-001", "Find a summer job", "--date", "2025-02-01") == "3"
    )
    ok("youth", "add", "--name", "Jüri Õunapuu", "--id-code", CODE_M_1995)
    other = ok(
        "case",
        "open",
        "--youth",
        "Y-0002",
        "--model",
        "neet",
        "--start",
        "2024-09-02",
        "--light",
        "yellow",
        "--group",
        "neet",
    )
    assert ok("case", "goal", "add", other, "Register at Töötukassa", "--date", "2024-09-10") == "1"
    goals = plan(ok)["goals"]
    assert goals[1] == {
        "goal": 2,
        "record": "G-2",
        "text": "Join a club",
        "added": "2025-01-15",
        "due": "2025-06-01",
        "state": "open",
        "state_date": None,
        "reason": None,
        "extent": None,
    }
    assert [g["goal"] for g in goals] == [1, 2, 3]


def test_goal_date_defaults_to_today(ok: Ok, initialised: Path, case: str) -> None:
    ok("case", "goal", "add", case, "Attend school daily")
    assert plan(ok)["goals"][0]["added"] == dt.date.today().isoformat()


def test_goals_done_and_dropped_give_goals_met(ok: Ok, initialised: Path, case: str) -> None:
    for text in ("Attend school daily", "Join a club", "Find a summer job"):
        ok("case", "goal", "add", case, text, "--date", "2025-01-15")
    assert ok("case", "goal", "done", case, "1", "--date", "2025-05-20") == "1"
    assert (
        ok("case", "goal", "drop", case, "2", "--date", "2025-03-01", "--reason", "no club nearby")
        == "2"
    )
    record = plan(ok)
    assert [(g["state"], g["state_date"], g["reason"]) for g in record["goals"]] == [
        ("done", "2025-05-20", None),
        ("dropped", "2025-03-01", "no club nearby"),
        ("open", None, None),
    ]
    # Derived, never typed: dropped goals leave the total.
    assert (record["goals_met"], record["goals_total"], record["goals_dropped"]) == (1, 2, 1)
    text = ok("case", "plan", case)
    assert "Goals met: 1 of 2 (1 dropped, not counted)" in text
    assert "no club nearby" in text and "done 2025-05-20" in text
    outcome = json.loads(ok("case", "show", case, "--format", "json"))["outcome"]
    assert (outcome["goals_met"], outcome["goals_total"]) == (1, 2)


def test_a_goal_partly_reached_is_counted_apart(ok: Ok, initialised: Path, case: str) -> None:
    """Table 1 row 2: "mil määral"; only a goal reached in full counts as met."""
    for text in ("Attend school daily", "Join a club", "Find a summer job"):
        ok("case", "goal", "add", case, text, "--date", "2025-01-15")
    ok("case", "goal", "done", case, "1", "--date", "2025-05-20", "--extent", "partial")
    ok("case", "goal", "done", case, "2", "--date", "2025-05-21", "--extent", "none")
    ok("case", "goal", "done", case, "3", "--date", "2025-05-22")
    record = plan(ok)
    assert [g["extent"] for g in record["goals"]] == ["partial", "none", "full"]
    assert (record["goals_met"], record["goals_total"], record["goals_partial"]) == (1, 3, 1)
    timeline = json.loads(ok("case", "show", case, "--format", "json"))["timeline"]
    assert "1: Attend school daily (partial)" in [e["detail"] for e in timeline]
    assert "(osaliselt)" in ok("--lang", "et", "case", "show", case)


def test_goal_extent_refused(run: Run, initialised: Path, case: str) -> None:
    run("case", "goal", "add", case, "A goal", "--date", "2025-01-15")
    message = refused(
        run, initialised, "case", "goal", "done", case, "1", "--date", "2025-05-20",
        "--extent", "half", code=2,
    )  # fmt: skip
    assert "--extent" in message


def test_empty_plan(ok: Ok, initialised: Path, case: str) -> None:
    text = ok("case", "plan", case)
    assert "No goals yet." in text and "No support activities yet." in text
    assert "Goals met: 0 of 0" in text
    assert plan(ok) == {
        "case": CASE,
        "status": "open",
        "goals": [],
        "activities": [],
        "goals_met": 0,
        "goals_total": 0,
        "goals_dropped": 0,
        "goals_partial": 0,
    }


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["RV-2025-009", "A goal", "--date", "2025-01-15"], 3, "no case 'RV-2025-009'"),
        ([CASE, " ", "--date", "2025-01-15"], 1, "the goal text is empty"),
        ([CASE, "A goal", "--date", "2025-01-09"], 1, "before the case start 2025-01-10"),
        ([CASE, "A goal", "--date", "2099-01-01"], 1, "in the future"),
        (
            [CASE, "A goal", "--date", "2025-02-01", "--due", "2025-01-31"],
            1,
            "the due date 2025-01-31 is before the day the goal was agreed (2025-02-01)",
        ),
        ([CASE, "A goal", "--due", "soon"], 2, "is not a date"),
    ],
)
def test_goal_add_refusals(
    run: Run, initialised: Path, case: str, args: list[str], code: int, message: str
) -> None:
    assert message in refused(run, initialised, "case", "goal", "add", *args, code=code)


def test_goal_done_and_drop_refusals(ok: Ok, run: Run, initialised: Path, case: str) -> None:
    ok("case", "goal", "add", case, "Attend school daily", "--date", "2025-02-01")
    done = ["case", "goal", "done", case]
    drop = ["case", "goal", "drop", case]
    assert "RV-2025-001 has no goal 2" in refused(
        run, initialised, *done, "2", "--date", "2025-03-01", code=3
    )
    assert "no case" in refused(
        run, initialised, "case", "goal", "done", "RV-2024-001", "1", "--date", "2025-03-01", code=3
    )
    assert "before the goal was agreed (2025-02-01)" in refused(
        run, initialised, *done, "1", "--date", "2025-01-31"
    )
    assert "in the future" in refused(run, initialised, *done, "1", "--date", "2099-01-01")
    refused(run, initialised, *done, "one", "--date", "2025-03-01", code=2)
    refused(run, initialised, *drop, "1", "--date", "2025-03-01", code=2)  # --reason is required
    assert "the reason for dropping the goal (--reason) is empty" in refused(
        run, initialised, *drop, "1", "--date", "2025-03-01", "--reason", ""
    )
    ok(*done, "1", "--date", "2025-03-01")
    assert refused(run, initialised, *done, "1", "--date", "2025-03-02") == (
        "Error: goal 1 of RV-2025-001 is already done (2025-03-01)"
    )
    assert "already done" in refused(
        run, initialised, *drop, "1", "--date", "2025-03-02", "--reason", "x"
    )


# --- support activities ------------------------------------------------------------------------


def test_activities_with_provider_and_state(ok: Ok, initialised: Path, case: str) -> None:
    assert add_activity(ok, "--end", "2025-06-30") == "1"
    assert (
        ok(
            "case",
            "activity",
            "add",
            case,
            "--member",
            "m-002",
            "--kind",
            "conversation about the offence",
            "--start",
            "2025-02-03",
        )
        == "2"
    )
    assert (
        ok(
            "case",
            "activity",
            "end",
            case,
            "1",
            "--date",
            "2025-06-20",
            "--status",
            "completed",
            "--feedback",
            "helpful",
            "--satisfaction",
            "5",
            "--provider-note",
            "came to every meeting",
        )
        == "1"
    )
    assert (
        ok("case", "activity", "end", case, "2", "--date", "2025-03-01", "--status", "not-suitable")
        == "2"
    )
    activities = plan(ok)["activities"]
    assert activities[0] == {
        "activity": 1,
        "record": "P-1",
        "kind": "mentoring",
        "member": "M-001",
        "provider": "Kati Kask",
        "role": "youth-worker",
        "org": "Viljandi noortekeskus",
        "start": "2025-01-20",
        "planned_end": "2025-06-30",
        "status": "completed",
        "ended": "2025-06-20",
        "feedback": "helpful",
        "satisfaction": 5,
        "provider_note": "came to every meeting",
    }
    assert (activities[1]["member"], activities[1]["status"], activities[1]["satisfaction"]) == (
        "M-002",
        "not-suitable",
        None,
    )
    text = ok("case", "plan", case)
    assert "Kati Kask (M-001, youth-worker, Viljandi noortekeskus)" in text
    assert "completed 2025-06-20" in text and "not-suitable 2025-03-01" in text


def test_an_empty_provider_note_is_refused_and_writes_nothing(
    ok: Ok, run: Run, initialised: Path, case: str
) -> None:
    add_activity(ok)
    message = refused(
        run, initialised, "case", "activity", "end", case, "1", "--date", "2025-06-20",
        "--status", "completed", "--provider-note", "  ",
    )  # fmt: skip
    assert message.startswith("Error: ") and "support provider's note" in message


def test_an_ongoing_activity_shows_its_planned_end(ok: Ok, initialised: Path, case: str) -> None:
    add_activity(ok, "--end", "2025-06-30")
    assert "ongoing, until 2025-06-30" in ok("case", "plan", case)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["--member", "M-009", "--kind", "x", "--start", "2025-02-01"],
            3,
            "no network member 'M-009'",
        ),
        (
            ["--member", "M-001", "--kind", " ", "--start", "2025-02-01"],
            1,
            "the kind of activity (--kind) is empty",
        ),
        (["--member", "M-001", "--kind", "x", "--start", "2025-01-09"], 1, "before the case start"),
        (["--member", "M-001", "--kind", "x", "--start", "2099-01-01"], 1, "in the future"),
        (
            ["--member", "M-001", "--kind", "x", "--start", "2025-02-01", "--end", "2025-01-31"],
            1,
            "the planned end 2025-01-31 is before the start 2025-02-01",
        ),
        (["--member", "M-001", "--kind", "x"], 2, "--start"),
    ],
)
def test_activity_add_refusals(
    run: Run, initialised: Path, case: str, args: list[str], code: int, message: str
) -> None:
    assert message in refused(run, initialised, "case", "activity", "add", case, *args, code=code)


def test_activity_add_to_an_unknown_case(run: Run, initialised: Path, case: str) -> None:
    line = refused(
        run,
        initialised,
        "case",
        "activity",
        "add",
        "NEET-2025-001",
        "--member",
        "M-001",
        "--kind",
        "x",
        "--start",
        "2025-02-01",
        code=3,
    )
    assert "no case 'NEET-2025-001'" in line


def test_a_retired_member_gets_no_activity(ok: Ok, run: Run, initialised: Path, case: str) -> None:
    ok("network", "retire", "M-002", "--date", "2025-01-05")
    line = refused(
        run,
        initialised,
        "case",
        "activity",
        "add",
        case,
        "--member",
        "M-002",
        "--kind",
        "x",
        "--start",
        "2025-02-01",
    )
    assert "M-002 retired from the network on 2025-01-05" in line


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["2", "--date", "2025-03-01", "--status", "completed"],
            3,
            "RV-2025-001 has no activity 2",
        ),
        (
            ["1", "--date", "2025-01-19", "--status", "completed"],
            1,
            "before the activity started (2025-01-20)",
        ),
        (["1", "--date", "2099-01-01", "--status", "completed"], 1, "in the future"),
        (
            ["1", "--date", "2025-03-01", "--status", "ongoing"],
            1,
            "ends as completed, dropped or not-suitable",
        ),
        (["1", "--date", "2025-03-01", "--status", "finished"], 2, "finished"),
        (
            ["1", "--date", "2025-03-01", "--status", "completed", "--satisfaction", "0"],
            1,
            "satisfaction must be 1–5, not 0",
        ),
        (
            ["1", "--date", "2025-03-01", "--status", "completed", "--satisfaction", "6"],
            1,
            "satisfaction must be 1–5, not 6",
        ),
        (
            ["1", "--date", "2025-03-01", "--status", "completed", "--satisfaction", "good"],
            2,
            "--satisfaction",
        ),
    ],
)
def test_activity_end_refusals(
    ok: Ok, run: Run, initialised: Path, case: str, args: list[str], code: int, message: str
) -> None:
    add_activity(ok)
    assert message in refused(run, initialised, "case", "activity", "end", case, *args, code=code)


def test_an_activity_ends_once(ok: Ok, run: Run, initialised: Path, case: str) -> None:
    add_activity(ok)
    ok("case", "activity", "end", case, "1", "--date", "2025-03-01", "--status", "dropped")
    line = refused(
        run,
        initialised,
        "case",
        "activity",
        "end",
        case,
        "1",
        "--date",
        "2025-03-02",
        "--status",
        "completed",
    )
    assert line == "Error: activity 1 of RV-2025-001 has already ended (dropped, 2025-03-01)"


# --- a closed case, the timeline, privacy ------------------------------------------------------


def test_the_plan_of_a_closed_case_is_not_changed(
    ok: Ok, run: Run, initialised: Path, case: str
) -> None:
    ok("case", "goal", "add", case, "Attend school daily", "--date", "2025-01-15")
    add_activity(ok)
    ok("case", "close", case, "--end", "2025-06-30", "--reason", "goals-met")
    for args in (
        ["goal", "add", case, "Another goal", "--date", "2025-02-01"],
        ["goal", "done", case, "1", "--date", "2025-06-01"],
        ["goal", "drop", case, "1", "--date", "2025-06-01", "--reason", "late"],
        ["activity", "add", case, "--member", "M-002", "--kind", "x", "--start", "2025-02-01"],
        ["activity", "end", case, "1", "--date", "2025-06-01", "--status", "completed"],
    ):
        line = refused(run, initialised, "case", *args)
        assert "RV-2025-001 is closed (on 2025-06-30)" in line, args
    # Reading the plan still works.
    assert plan(ok)["status"] == "closed"


def test_plan_refusals(run: Run, initialised: Path, case: str) -> None:
    assert "no case" in refused(run, initialised, "case", "plan", "RV-2030-001", code=3)
    refused(run, initialised, "case", "plan", case, "--format", "csv", code=2)


def test_timeline_for_case_show(ok: Ok, initialised: Path, case: str) -> None:
    ok("case", "goal", "add", case, "Attend school daily", "--date", "2025-01-15")
    ok("case", "goal", "add", case, "Join a club", "--date", "2025-01-15")
    ok("case", "goal", "done", case, "1", "--date", "2025-05-20")
    ok("case", "goal", "drop", case, "2", "--date", "2025-03-01", "--reason", "no club nearby")
    add_activity(ok)
    ok("case", "activity", "end", case, "1", "--date", "2025-06-20", "--status", "completed")
    timeline = json.loads(ok("case", "show", case, "--format", "json"))["timeline"]
    events = [
        (e["date"], e["event"], e["detail"])
        for e in timeline
        if e["event"].startswith(("goal", "activity"))
    ]
    assert events == [
        ("2025-01-15", "goal added", "1: Attend school daily"),
        ("2025-01-15", "goal added", "2: Join a club"),
        ("2025-01-20", "activity started", "1: mentoring by M-001 (youth-worker)"),
        ("2025-03-01", "goal dropped", "2: Join a club (no club nearby)"),
        ("2025-05-20", "goal done", "1: Attend school daily"),
        ("2025-06-20", "activity ended", "1: mentoring, completed"),
    ]


def test_long_goal_texts_are_shortened_in_the_timeline(
    ok: Ok, initialised: Path, case: str
) -> None:
    text = "Attend school every day and catch up in mathematics, Estonian and English by June"
    ok("case", "goal", "add", case, text, "--date", "2025-01-15")
    timeline = json.loads(ok("case", "show", case, "--format", "json"))["timeline"]
    detail = next(e["detail"] for e in timeline if e["event"] == "goal added")
    assert detail.startswith("1: Attend school every day") and detail.endswith("…")
    assert len(detail) == len("1: ") + 60
    assert plan(ok)["goals"][0]["text"] == text  # the plan keeps it whole


def test_the_plan_never_names_the_youth(ok: Ok, initialised: Path, case: str) -> None:
    ok("case", "goal", "add", case, "Attend school daily", "--date", "2025-01-15")
    add_activity(ok)
    for output in (ok("case", "plan", case), ok("case", "plan", case, "--format", "json")):
        assert YOUTH_NAME not in output and CODE_F_2010 not in output


def test_plan_changes_are_audited(ok: Ok, initialised: Path, case: str) -> None:
    ok("case", "goal", "add", case, "Attend school daily", "--date", "2025-01-15")
    ok("case", "goal", "done", case, "1", "--date", "2025-05-20")
    add_activity(ok)
    rows = query(
        initialised,
        "SELECT entity, action FROM audit_log WHERE entity IN ('goals', 'support_activities')"
        " ORDER BY id",
    )
    assert rows == [
        ("goals", "insert"),
        ("goals", "update"),
        ("support_activities", "insert"),
    ]
