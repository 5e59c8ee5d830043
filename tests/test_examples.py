"""The demo data in examples/ load cleanly and give the numbers the README shows."""

import json
from pathlib import Path

from books import copy_book
from conftest import Run


def test_the_examples_load_and_report(db_path: Path, run: Run, demo_book: Path) -> None:
    # demo_book is examples/load.sh loaded as `make demo` does, once per test run.
    copy_book(demo_book, db_path)
    result = run("report", "lisa4", "--period", "2025H1", "--format", "json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)["summary"]
    assert (summary["youths"], summary["cases_active"], summary["cases_ended"]) == (4, 4, 1)
    assert summary["by_support_requested"] == {"no": 2, "yes": 2}
    followups = json.loads(
        run("followup", "due", "--as-of", "2026-11-23", "--format", "json").stdout
    )
    assert [f["case"] for f in followups] == ["NEET-2025-001"]
    shown = json.loads(run("case", "show", "RV-2025-001", "--format", "json").stdout)
    assert shown["stage"] == "implementation"
    assert shown["outcome"]["goals_met"] == 2
    # The NGTS list of March 2025: three youths new to the book, Y-0007 reached in their open case.
    listed = json.loads(run("outreach", "list", "--format", "json").stdout)
    assert [(r["youth"], r["status"], r["first_contact"]) for r in listed] == [
        ("Y-0003", "closed case", None),
        ("Y-0006", "closed case", None),
        ("Y-0007", "open case", "2025-03-20"),
        ("Y-0009", "no case", None),
        ("Y-0010", "no case", None),
        ("Y-0011", "no case", None),
    ]
    # Two of them were phoned without a case (outreach attempt).
    assert [
        (r["youth"], r["last_attempt"], r["last_result"]) for r in listed if r["last_result"]
    ] == [
        ("Y-0009", "2025-03-25", "no-answer"),
        ("Y-0010", "2025-03-26", "not-neet"),
    ]
    # README, "Workload and follow-up reports" and "Data-quality check".
    workload = run("report", "workload", "--as-of", "2025-06-30", "--format", "csv").stdout
    assert workload.splitlines()[1:] == [
        # Merike: red 3 + yellow 2 + yellow 2 = 7 against a capacity of 6; one light 90+ days old.
        "Kadri Põld,S-0001,2,0,1,1,0,0,0,0,2,0,0,0,12,no",
        "Merike Vaher,S-0003,0,3,0,0,1,2,0,0,3,0,1,7,6,yes",
        "Tiit Org,S-0002,1,0,1,0,0,0,0,0,1,0,0,0,10,no",
    ]
    followups = run("report", "followups", "--period", "2026", "--format", "csv").stdout
    assert followups.splitlines()[1:] == [
        "RV-2024-001,rv,2026-03-30,done,2026-04-02,yes,yes,",
        "NEET-2025-001,neet,2026-04-30,overdue,,,,",
    ]
    checked = run("check", "--period", "2025H1", "--format", "json")
    assert checked.exit_code == 1
    assert {r["rule"]: r["refs"] for r in json.loads(checked.stdout) if r["count"]} == {
        "no-recent-contact": ["NEET-2025-001", "NEET-2025-002", "RV-2024-001", "RV-2025-002"],
        "ngts-not-contacted": ["Y-0003", "Y-0006", "Y-0011"],
    }
    # README, "The NEET evaluation report": four NEET cases in 2025, one closed, whose follow-up
    # falls due in 2026.
    neet = json.loads(run("report", "neet", "--period", "2025", "--format", "json").stdout)
    summary = neet["summary"]
    assert (summary["cases_active"], summary["cases_closed"]) == (4, 1)
    assert summary["reached_by_channel"] == {
        "mobile-youth-work": 1,
        "referral": 1,
        "self": 1,
        "school": 1,
    }
    assert (summary["ngts_to_contact_days_median"], summary["ngts_to_contact_n"]) == (5, 1)
    assert summary["neet_months_at_contact_median"] == 11.5
    assert summary["closed_by_reason"] == {"goals-met": 1}
    assert summary["light_at_end"] == {"yellow": 3, "green": 1}
    later = json.loads(run("report", "neet", "--period", "2026H1", "--format", "json").stdout)
    assert [later["summary"][k] for k in ("followups_due", "followups_done")] == [1, 0]
    # README, "360° feedback": six members rated the network lead and the youth case manager.
    feedback = json.loads(run("report", "feedback", "--period", "2025", "-f", "json").stdout)
    assert [(r["rated"], r["raters"], r["mean"]) for r in feedback["means"]] == [
        ("network-lead", 3, 4.17),
        ("youth-case-manager", 6, 4.5),
        ("overall", 3, 4.33),
        ("planning", 3, 4.0),
        ("information-flow", 3, 4.33),
        ("keeping-agreements", 3, 4.67),
    ]
