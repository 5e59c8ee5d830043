"""The demo data in examples/ load cleanly and give the numbers the README shows."""

import json
import runpy
from pathlib import Path

from conftest import Run

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_the_examples_load_and_report(db_path: Path, run: Run) -> None:
    loader = runpy.run_path(str(EXAMPLES / "load.py"))
    loader["main"](EXAMPLES / "load.sh")
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
