"""`rvneet report model`: the NEET model's evaluation as a whole (stage 4), on one hand-computed book.

Period 2025 unless said otherwise. Staff: S-0001 Kadri Põld, S-0002 Tiit Org. Network: M-001 youth
worker (core), M-002 Töötukassa (wider), M-003 psychologist (wider), M-004 police (core, in no
case), M-005 probation (core, retired 2024-12-01: not counted). Every name is made up.

| case | youth | start | channel | manager | closed (reason) | outcome at closing |
|---|---|---|---|---|---|---|
| NEET-2024-001 | Y-0007 | 2024-10-01 | mobile-youth-work | S-0002 | 2025-03-01 goals-met | cleared: reopened 2026-01-10 (then S-0001) |
| NEET-2025-001 | Y-0001 | 2025-01-10 | ngts-list | S-0001 | 2025-05-01 goals-met | education; manager 5, overall 4, youth 4, manager 5 |
| NEET-2025-002 | Y-0002 | 2025-01-20 | ngts-list | S-0001 | 2025-06-01 declined | manager 3, overall 2, youth 2 |
| NEET-2025-003 | Y-0003 | 2025-02-01 | referral | S-0001 | 2025-07-01 goals-met | employment; manager 4, case manager 4 |
| NEET-2025-004 | Y-0004 | 2025-03-01 | self | S-0002 | 2025-08-01 moved | manager 1 |
| NEET-2025-005 | Y-0005 | 2025-03-10 | school | "Mari Vanamets" (typed) | 2025-09-01 lost-contact | |
| NEET-2025-006 | Y-0006 | 2025-04-01 | ngts-list | S-0002 | open | |
| RV-2025-001 | Y-0008 | 2025-02-01 | | | open | never counted |

Goals: NEET-2025-001 one met in full, one partly; NEET-2025-002 one done to no extent, one open, one
dropped; NEET-2025-003 one met in full.

Support activities (provider, start → end, status, satisfaction): NEET-2025-001 M-001 01-15 → 03-01
completed 5, M-002 02-01 → 04-01 completed 4; NEET-2025-002 M-001 02-01 → 03-15 dropped 2;
NEET-2025-003 M-003 02-10 → 05-10 completed 4; NEET-2025-004 M-002 from 03-05, ongoing;
NEET-2025-006 M-001 04-05 → 12-20 completed 3; NEET-2024-001 M-003 2024-10-05 → 2024-12-01
completed 1 (brokered before the period); RV-2025-001 M-001 02-05 → 03-01 completed 1 (RV).

360° feedback 2025: M-001, M-002, M-003 about M-004 (police) 4, 5, 3; M-004 about the role youth
worker, planning, 2.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import Ok, Run, build_template, refused

YOUTH_NAMES = [
    "Anette Kuusemets",
    "Siim Lepalind",
    "Mirjam Tammiste",
    "Oskar Pärnaste",
    "Liisi Metsaots",
    "Ragnar Kivimets",
    "Kärt Seppmaa",
    "Rene Rebane",
]


def build(ok: Ok) -> None:
    ok("init", "--municipality", "Viljandi linn")
    ok("staff", "add", "--name", "Kadri Põld", "--user", "kadri")
    ok("staff", "add", "--name", "Tiit Org", "--user", "tiit")
    for name, role, tier in (
        ("Kati Kask", "youth-worker", ()),
        ("Urmas Lill", "tootukassa", ("--wider",)),
        ("Helen Mets", "psychologist", ("--wider",)),
        ("Priit Raud", "police", ()),
        ("Olev Vana", "probation", ()),
    ):
        ok("network", "add", "--name", name, "--role", role, "--org", "Org", *tier)
    ok("network", "retire", "M-005", "--date", "2024-12-01")
    for number, name in enumerate(YOUTH_NAMES, 1):
        born = "2010-05-05" if number == 8 else "2003-03-03"
        ok("youth", "add", "--name", name, "--birth-date", born, "--sex", "F")
    numbers: dict[str, int] = {}

    def activity(ref: str, member: str, start: str, *end: str) -> None:
        ok("case", "activity", "add", ref, "--member", member, "--kind", "support", "--start",
           start, "--no-consent-reason", "test book")  # fmt: skip
        numbers[ref] = numbers.get(ref, 0) + 1
        if end:
            ok("case", "activity", "end", ref, str(numbers[ref]), "--date", *end)

    def neet(youth: str, start: str, channel: str, manager: str) -> str:
        return ok("case", "open", "--youth", youth, "--model", "neet", "--group", "neet",
                  "--start", start, "--light", "yellow", "--channel", channel,
                  "--manager", manager)  # fmt: skip

    assert neet("Y-0007", "2024-10-01", "mobile-youth-work", "S-0002") == "NEET-2024-001"
    activity("NEET-2024-001", "M-003", "2024-10-05", "2024-12-01", "--status", "completed",
             "--satisfaction", "1")  # fmt: skip
    ok("case", "close", "NEET-2024-001", "--end", "2025-03-01", "--reason", "goals-met",
       "--education", "yes", "--satisfaction-manager", "5", "--satisfaction-overall", "5")  # fmt: skip
    ok("case", "reopen", "NEET-2024-001", "--date", "2026-01-10", "--reason", "came back")
    ok("case", "reassign", "NEET-2024-001", "--manager", "S-0001", "--date", "2026-01-15")

    assert neet("Y-0001", "2025-01-10", "ngts-list", "S-0001") == "NEET-2025-001"
    activity("NEET-2025-001", "M-001", "2025-01-15", "2025-03-01", "--status", "completed",
             "--satisfaction", "5")  # fmt: skip
    activity("NEET-2025-001", "M-002", "2025-02-01", "2025-04-01", "--status", "completed",
             "--satisfaction", "4")  # fmt: skip
    for goal in ("Enrol in a course", "Get a driving licence"):
        ok("case", "goal", "add", "NEET-2025-001", goal, "--date", "2025-01-20")
    ok("case", "goal", "done", "NEET-2025-001", "1", "--date", "2025-04-01")
    ok("case", "goal", "done", "NEET-2025-001", "2", "--date", "2025-04-20", "--extent", "partial")
    ok("case", "close", "NEET-2025-001", "--end", "2025-05-01", "--reason", "goals-met",
       "--education", "yes", "--satisfaction-manager", "5", "--satisfaction-overall", "4",
       "--resolution-youth", "4", "--resolution-manager", "5")  # fmt: skip

    neet("Y-0002", "2025-01-20", "ngts-list", "S-0001")
    activity("NEET-2025-002", "M-001", "2025-02-01", "2025-03-15", "--status", "dropped",
             "--satisfaction", "2")  # fmt: skip
    for goal in ("Find a job", "Move out", "Learn to drive"):
        ok("case", "goal", "add", "NEET-2025-002", goal, "--date", "2025-02-01")
    ok("case", "goal", "done", "NEET-2025-002", "1", "--date", "2025-05-01", "--extent", "none")
    ok("case", "goal", "drop", "NEET-2025-002", "3", "--date", "2025-05-02", "--reason", "later")
    ok("case", "close", "NEET-2025-002", "--end", "2025-06-01", "--reason", "declined",
       "--satisfaction-manager", "3", "--satisfaction-overall", "2",
       "--resolution-youth", "2")  # fmt: skip

    neet("Y-0003", "2025-02-01", "referral", "S-0001")
    activity("NEET-2025-003", "M-003", "2025-02-10", "2025-05-10", "--status", "completed",
             "--satisfaction", "4")  # fmt: skip
    ok("case", "goal", "add", "NEET-2025-003", "Find a job", "--date", "2025-02-10")
    ok("case", "goal", "done", "NEET-2025-003", "1", "--date", "2025-06-01")
    ok("case", "close", "NEET-2025-003", "--end", "2025-07-01", "--reason", "goals-met",
       "--employment", "yes", "--satisfaction-manager", "4",
       "--resolution-manager", "4")  # fmt: skip

    neet("Y-0004", "2025-03-01", "self", "S-0002")
    activity("NEET-2025-004", "M-002", "2025-03-05")
    ok("case", "close", "NEET-2025-004", "--end", "2025-08-01", "--reason", "moved",
       "--satisfaction-manager", "1")  # fmt: skip

    neet("Y-0005", "2025-03-10", "school", "S-0002")
    ok("case", "close", "NEET-2025-005", "--end", "2025-09-01", "--reason", "lost-contact")

    neet("Y-0006", "2025-04-01", "ngts-list", "S-0002")
    activity("NEET-2025-006", "M-001", "2025-04-05", "2025-12-20", "--status", "completed",
             "--satisfaction", "3")  # fmt: skip

    ok("case", "open", "--youth", "Y-0008", "--model", "rv", "--start", "2025-02-01",
       "--risk", "high", "--manager", "S-0001")  # fmt: skip
    activity("RV-2025-001", "M-001", "2025-02-05", "2025-03-01", "--status", "completed",
             "--satisfaction", "1")  # fmt: skip

    for rater, score in (("M-001", "4"), ("M-002", "5"), ("M-003", "3")):
        ok("feedback", "add", "--period", "2025", "--from", rater, "--about", "M-004",
           "--score", score)  # fmt: skip
    ok("feedback", "add", "--period", "2025", "--from", "M-004", "--about-role", "youth-worker",
       "--aspect", "planning", "--score", "2")  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_template(tmp_path_factory, "model", build)
    # A case from before the staff register: its manager is only the name typed on it.
    con = sqlite3.connect(path)
    try:
        con.execute(
            "UPDATE cases SET manager_id = NULL, manager = 'Mari Vanamets'"
            " WHERE ref = 'NEET-2025-005'"
        )
        con.commit()
    finally:
        con.close()
    return path


pytestmark = pytest.mark.usefixtures("book")


def report(ok: Ok, *args: str, period: str = "2025") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        ok("report", "model", "--period", period, "--format", "json", *args)
    )
    return data


SUMMARY = {
    "cases_closed": 6,
    "closed_goals_met": 3,
    "closed_in_education_or_employment": 2,
    "cases_started": 6,
    "members": 4,
    "members_core": 2,
    "members_wider": 2,
    "members_without_case": 1,
    "activities_brokered": 6,
    "activities_completed": 4,
    "activity_satisfaction_mean": 3.6,
    "activity_satisfaction_n": 5,
    "feedback_raters": 4,
    "feedback_scores": 4,
    "started_by_channel": {"ngts-list": 3, "referral": 1, "self": 1, "school": 1},
    "closed_by_channel": {
        "ngts-list": 2,
        "mobile-youth-work": 1,
        "referral": 1,
        "self": 1,
        "school": 1,
    },
    "goals_met_by_channel": {"ngts-list": 1, "mobile-youth-work": 1, "referral": 1},
    "education_or_employment_by_channel": {"ngts-list": 1, "referral": 1},
    "activities_by_role": {"youth-worker": 3, "tootukassa": 2, "psychologist": 1},
    "activities_completed_by_role": {"youth-worker": 2, "tootukassa": 1, "psychologist": 1},
    "activity_satisfaction_n_by_role": {"youth-worker": 3, "tootukassa": 1, "psychologist": 1},
    "activity_satisfaction_mean_by_role": {
        "youth-worker": 3.33,
        "tootukassa": 4.0,
        "psychologist": 4.0,
    },
}


def manager(name: str, staff: str | None, cases: int | str, **values: Any) -> dict[str, Any]:
    """A row of the managers' listing: zeros and no means unless given."""
    row: dict[str, Any] = {"manager": name, "staff": staff, "cases_closed": cases}
    for what in ("satisfaction_manager", "satisfaction_overall", "resolution_youth"):
        row.update({f"{what}_mean": None, f"{what}_n": 0})
    row.update(resolution_manager_mean=None, resolution_manager_n=0)
    row.update(goals_full=0, goals_partial=0, goals_none=0)
    row.update(values)
    return row


KADRI = manager(
    "Kadri Põld",
    "S-0001",
    3,
    satisfaction_manager_mean=4.0,
    satisfaction_manager_n=3,
    satisfaction_overall_mean=3.0,
    satisfaction_overall_n=2,
    resolution_youth_mean=3.0,
    resolution_youth_n=2,
    resolution_manager_mean=4.5,
    resolution_manager_n=2,
    goals_full=2,
    goals_partial=1,
    goals_none=2,
)
# NEET-2025-004 (1) and NEET-2024-001, whose outcome its reopening after the period cleared.
TIIT = manager("Tiit Org", "S-0002", 2, satisfaction_manager_mean=1.0, satisfaction_manager_n=1)
MARI = manager("Mari Vanamets", None, 1)
NETWORK = [
    {"role": "youth-worker", "members": 1, "core": 1, "wider": 0, "without_case": 0},
    {"role": "police", "members": 1, "core": 1, "wider": 0, "without_case": 1},
    {"role": "tootukassa", "members": 1, "core": 0, "wider": 1, "without_case": 0},
    {"role": "psychologist", "members": 1, "core": 0, "wider": 1, "without_case": 0},
]


def test_the_year_by_hand_unsuppressed(ok: Ok) -> None:
    """Every figure of 2025 with nothing hidden, worked out from the tables above.

    Closed: six cases (NEET-2024-001 counts under Tiit Org, its manager at closing, without its
    outcome). Activities brokered in 2025: six of the NEET cases (NEET-2024-001's was brokered in
    2024, RV's never count), four completed, five rated: 5, 4, 2, 4, 3.
    """
    data = report(ok, "--no-suppress")
    assert list(data) == [
        "report",
        "municipality",
        "period",
        "summary",
        "managers",
        "network",
        "feedback",
        "registers",
    ]
    assert data["report"] == "model"
    assert data["summary"] == SUMMARY
    assert list(data["summary"]) == list(SUMMARY)
    assert data["managers"] == [KADRI, TIIT, MARI]
    # Stable keys, in the columns' order: scripts read them.
    assert [list(row) for row in data["managers"]] == [list(KADRI)] * 3
    assert list(data["network"][0]) == ["role", "members", "core", "wider", "without_case"]
    assert list(data["feedback"][0]) == ["by", "rated", "raters", "scores", "mean"]
    assert data["network"] == NETWORK
    assert [r["indicator"] for r in data["registers"]] == [
        "education-status",
        "employment-status",
        "unemployment-services",
        "offences",
        "neet-status",
    ]
    assert data["registers"][0] == {
        "indicator": "education-status",
        "register": "ehis",
        "book_holds": "education-status",
    }


def test_the_feedback_is_report_feedbacks(ok: Ok) -> None:
    for args, below in (((), "3"), (("--no-suppress",), "1")):
        args_feedback = ("--period", "2025", "--format", "json", "--suppress-below", below)
        theirs = json.loads(ok("report", "feedback", *args_feedback))
        assert report(ok, *args)["feedback"] == theirs["means"]
    rows = report(ok, "--no-suppress")["feedback"]
    assert {"by": "role", "rated": "police", "raters": 3, "scores": 3, "mean": 4.0} in rows


def test_suppressed_by_default(ok: Ok) -> None:
    """Below 3: Kadri Põld's means over 2 answers are left out; Tiit Org (2) and Mari Vanamets (1)
    are hidden, 3 cases together. The summary is hidden as every report's is."""
    data = report(ok)
    assert data["suppression"] == {"below": 3, "method": "primary+complementary"}
    assert data["managers"] == _expected_suppressed_managers()
    summary = data["summary"]
    assert summary["cases_closed"] == 6 and summary["cases_started"] == 6
    # Staff of the network are never hidden.
    assert (summary["members"], summary["members_without_case"]) == (4, 1)
    # The psychologist's and Töötukassa's one rating each are small; so their means are left
    # out, and the youth worker's 3 goes with them (3 + 1 + 1 = 5 would give them away).
    counts = summary["activity_satisfaction_n_by_role"]
    means = summary["activity_satisfaction_mean_by_role"]
    assert (counts["psychologist"], counts["tootukassa"], counts["youth-worker"]) == ("x",) * 3
    assert (means["psychologist"], means["tootukassa"], means["youth-worker"]) == (None,) * 3
    # Every role of the network in 2025 (not probation: retired before it), 0 or not.
    assert list(counts) == list(means) == ["youth-worker", "police", "tootukassa", "psychologist"]
    assert means["police"] is None
    # Every channel is listed; the single cases are hidden.
    assert summary["started_by_channel"]["ngts-list"] == 3
    assert summary["started_by_channel"]["referral"] == "x"
    assert list(summary["closed_by_channel"]) == [
        "ngts-list",
        "mobile-youth-work",
        "referral",
        "self",
        "school",
        "other",
    ]
    assert summary["closed_by_channel"]["mobile-youth-work"] == "x"
    assert data["network"] == NETWORK


def _expected_suppressed_managers() -> list[dict[str, Any]]:
    kadri = {
        **KADRI,
        "satisfaction_overall_mean": None,
        "satisfaction_overall_n": "<3",
        "resolution_youth_mean": None,
        "resolution_youth_n": "<3",
        "resolution_manager_mean": None,
        "resolution_manager_n": "<3",
    }
    hidden = {key: None for key in KADRI}
    return [
        kadri,
        {**hidden, "manager": "Tiit Org", "staff": "S-0002", "cases_closed": "<3"},
        {**hidden, "manager": "Mari Vanamets", "cases_closed": "<3"},
    ]


def test_a_hidden_manager_is_not_worked_out_from_the_total(ok: Ok) -> None:
    """Below 2: Mari Vanamets's one case is hidden, and Tiit Org's 2 beside it (the fewest), or
    6 - 3 - 2 would give it away."""
    managers = report(ok, "--suppress-below", "2")["managers"]
    assert [(m["manager"], m["cases_closed"]) for m in managers] == [
        ("Kadri Põld", 3),
        ("Tiit Org", "x"),
        ("Mari Vanamets", "<2"),
    ]
    assert managers[1]["satisfaction_manager_mean"] is None
    assert managers[0]["satisfaction_overall_mean"] == 3.0  # 2 answers, not below 2


def test_the_first_half_year(ok: Ok) -> None:
    """2025H1: closed NEET-2024-001 (Tiit Org), NEET-2025-001 and -002 (Kadri Põld); NEET-2025-006's
    activity is still running, NEET-2025-003's ended in May."""
    data = report(ok, "--no-suppress", period="2025H1")
    assert [(m["manager"], m["cases_closed"]) for m in data["managers"]] == [
        ("Kadri Põld", 2),
        ("Tiit Org", 1),
    ]
    summary = data["summary"]
    assert (summary["activities_brokered"], summary["activities_completed"]) == (6, 3)
    assert summary["activity_satisfaction_n_by_role"] == {
        "youth-worker": 2,
        "tootukassa": 1,
        "psychologist": 1,
    }


def test_no_suppress_and_suppress_below_do_not_go_together(run: Run, db_path: Path) -> None:
    message = refused(
        run, db_path, "report", "model", "--period", "2025", "--no-suppress",
        "--suppress-below", "4", code=2,
    )  # fmt: skip
    assert "--no-suppress" in message


@pytest.mark.parametrize("lang", ["en", "et"])
@pytest.mark.parametrize("fmt", ["table", "csv", "xlsx", "html"])
def test_every_format_without_youth_names(run: Run, tmp_path: Path, fmt: str, lang: str) -> None:
    target = tmp_path / f"model.{fmt}"
    result = run(
        "report", "model", "--period", "2025", "--format", fmt, "--output", str(target),
        "--lang", lang, "--no-suppress",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    if fmt == "xlsx":
        workbook = openpyxl.load_workbook(target)
        assert len(workbook.sheetnames) == 5
        text = "\n".join(
            str(v) for s in workbook for row in s.iter_rows(values_only=True) for v in row
        )
    else:
        text = target.read_text(encoding="utf-8")
    if fmt != "csv":
        title = "koostöömudeli hindamine" if lang == "et" else "evaluation of the model"
        assert title in text
        assert ("EHIS" in text) and ("Kadri Põld" in text)
    else:
        assert text.splitlines()[0].startswith(
            "manager,staff,cases_closed" if lang == "en" else "Juhtumikorraldaja,Töötaja"
        )
    for secret in (*YOUTH_NAMES, "Y-00", "NEET-20", "RV-20"):
        assert secret not in text, secret


def test_the_table_in_estonian(run: Run) -> None:
    result = run("report", "model", "--period", "2025", "--lang", "et", "--no-timestamp")
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "Koostöömudeli hindamine" in text or "koostöömudeli hindamine" in text
    assert "Tabel 1" in text
    assert "Kadri Põld" in text


def test_help_names_the_report(run: Run) -> None:
    result = run("report", "model", "--help")
    assert result.exit_code == 0
    assert "Example: rvneet report model --period 2025" in " ".join(result.stdout.split())


def test_every_manager_is_hidden_when_their_total_is(book: Path) -> None:
    """Should suppression hide `cases_closed` (to protect another count), the managers' rows,
    which add up to it, would give it away: then every row is hidden."""
    from rvneet.db import Database
    from rvneet.reports import evaluation, neet

    params = {"start": "2025-01-01", "end": "2025-12-31"}
    with Database(book, "tester").session() as session:
        neet.make_active(session, params)
        closed = list(session.execute(evaluation._CLOSED, params))
        goals = {row.case_id: row for row in session.execute(evaluation._GOALS, params)}
    shown = evaluation._managers(closed, goals, 3)
    assert [row["cases_closed"] for row in shown] == [3, "<3", "<3"]
    hidden = evaluation._managers(closed, goals, 3, hide_all=True)
    assert [row["cases_closed"] for row in hidden] == ["x", "<3", "<3"]
    assert hidden[0]["satisfaction_manager_mean"] is None
