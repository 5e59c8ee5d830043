"""Lisa 4 submissions (issue 16): `report lisa4 --submit`, `report submissions`, and the `check`
rules of the agreement: RV case outside any agreement, limit exceeded, a deadline passed without a
submission, and a submitted period whose report changed since (with the figures that changed)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Ok, Run, build_template, dump, refused

SUBMIT = ("report", "lisa4", "--period", "2025H1", "--format", "json", "--no-timestamp", "--submit")


def _build(ok: Ok) -> None:
    """Agreement A-1 (2025-01-01 … 2025-12-31, limit 2, Lisa 4 of 2025H1 due 2025-07-15, of 2025H2
    due 2026-01-15); RV cases started 2025-01-10, 2025-02-01 and 2025-03-01 (the third beyond the
    limit), and 2024-12-01 (before the agreement)."""
    ok("init", "--municipality", "Viljandi linn")
    ok(
        "agreement", "add", "--number", "A-1", "--signed", "2024-12-01", "--start", "2025-01-01",
        "--end", "2025-12-31", "--case-limit", "2", "--deadline", "2025H1=2025-07-15",
        "--deadline", "2025H2=2026-01-15",
    )  # fmt: skip
    for i, start in enumerate(("2025-01-10", "2025-02-01", "2025-03-01", "2024-12-01"), 1):
        ok("youth", "add", "--name", "Noor", "--birth-date", f"2010-0{i}-01", "--sex", "F")
        ok("case", "open", "--youth", f"Y-000{i}", "--model", "rv", "--start", start,
           "--risk", "high")  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory, "submissions", _build)


def checked(run: Run, *args: str) -> dict[str, dict[str, Any]]:
    result = run("check", "--format", "json", *args)
    return {row["rule"]: row for row in json.loads(result.stdout)}


def test_submit_records_the_hash_of_the_exact_json(book: Path, run: Run, ok: Ok) -> None:
    result = run(*SUBMIT, "--date", "2025-07-10")
    assert result.exit_code == 0, result.stderr
    digest = hashlib.sha256(result.stdout.encode("utf-8")).hexdigest()
    assert f"SHA-256 of its JSON: {digest}" in result.stderr
    # The same JSON written again (no timestamp in it) gives the same hash.
    again = ok("report", "lisa4", "--period", "2025H1", "--format", "json", "--no-timestamp")
    assert hashlib.sha256((again + "\n").encode()).hexdigest() == digest
    rows = json.loads(ok("report", "submissions", "--format", "json"))
    assert rows == [
        {
            "period": "2025H1",
            "start": "2025-01-01",
            "end": "2025-06-30",
            "submitted_on": "2025-07-10",
            "user": "tester",
            "sha256": digest,
            "early": False,
            "reason": None,
        }
    ]
    assert "submissions" in {r[0] for r in _entities(book)}
    ok("audit", "verify")
    # Submitted: the deadline of 2025H1 no longer counts, that of 2025H2 does after 2026-01-15.
    shown = json.loads(ok("agreement", "show", "A-1", "--format", "json"))
    assert shown["not_submitted"] == ["2025H2"]
    rules = checked(run)
    assert rules["lisa4-deadline-missed"]["refs"] == ["2025H2 (2026-01-15)"]
    assert rules["lisa4-changed-since-submitted"]["count"] == 0


def _entities(book: Path) -> list[tuple[Any, ...]]:
    from conftest import query

    return query(book, "SELECT DISTINCT entity FROM audit_log")


def test_a_late_case_changes_a_submitted_period_and_check_says_how(
    book: Path, run: Run, ok: Ok
) -> None:
    run(*SUBMIT, "--date", "2025-07-10")
    ok("youth", "add", "--name", "Hiline", "--birth-date", "2011-05-05", "--sex", "M")
    ok("case", "open", "--youth", "Y-0005", "--model", "rv", "--start", "2025-06-01",
       "--risk", "medium")  # fmt: skip
    result = run("check", "--format", "json")
    assert result.exit_code == 1
    row = checked(run)["lisa4-changed-since-submitted"]
    assert row["level"] == "error"
    [finding] = row["refs"]
    assert finding.startswith("2025H1: youths 4→5, cases_active 4→5, cases_started 3→4")
    assert "by_risk.medium 0→1" in finding and "by_sex.M 0→1" in finding
    # Sent again with the change: the finding is gone.
    ok(*SUBMIT, "--date", "2025-07-20", "--resubmit", "--reason", "late case")
    assert checked(run)["lisa4-changed-since-submitted"]["count"] == 0
    assert [r["reason"] for r in json.loads(ok("report", "submissions", "-f", "json"))] == [
        None,
        "late case",
    ]


def test_an_assessment_that_changes_only_the_listing_is_found(book: Path, run: Run) -> None:
    run(*SUBMIT, "--date", "2025-07-10")
    # A reassessment dated in the period, entered late: counts change (high → medium).
    run("case", "assess", "RV-2025-001", "--date", "2025-06-01", "--risk", "medium")
    [finding] = checked(run)["lisa4-changed-since-submitted"]["refs"]
    assert "by_risk.high 4→3" in finding and "by_risk.medium 0→1" in finding


def test_agreement_rules(book: Path, run: Run) -> None:
    rules = checked(run)
    assert rules["rv-outside-agreement"]["refs"] == ["RV-2024-001"]
    assert rules["agreement-limit-exceeded"]["refs"] == ["RV-2025-003"]
    assert rules["rv-outside-agreement"]["level"] == "warning"
    assert rules["lisa4-deadline-missed"]["refs"] == ["2025H1 (2025-07-15)", "2025H2 (2026-01-15)"]
    # As of the end of 2025H1 no deadline had passed.
    assert checked(run, "--period", "2025H1")["lisa4-deadline-missed"]["count"] == 0


SUBMIT_REFUSALS = [
    (("--date", "2025-06-30"), "has not ended by 2025-06-30", "ei ole 30.06.2025 seisuga lõppenud"),
    (("--date", "2099-01-01"), "is in the future", "on tulevikus"),
]


@pytest.mark.parametrize(("more", "english", "estonian"), SUBMIT_REFUSALS)
def test_bad_submissions_are_refused(
    book: Path, run: Run, more: tuple[str, ...], english: str, estonian: str
) -> None:
    assert english in refused(run, book, *SUBMIT, *more)
    before = dump(book)
    result = run("--lang", "et", *SUBMIT, *more)
    assert result.exit_code == 1 and result.stdout == "" and dump(book) == before
    assert result.stderr.startswith("Viga: ") and estonian in result.stderr


def test_early_and_second_submissions(book: Path, run: Run, ok: Ok) -> None:
    assert run(*SUBMIT, "--date", "2025-06-30", "--early").exit_code == 0
    line = refused(run, book, *SUBMIT, "--date", "2025-07-10")
    assert "2025H1 was already submitted on 2025-06-30; to send it again give --resubmit" in line
    before = dump(book)
    estonian = run("--lang", "et", *SUBMIT, "--date", "2025-07-10")
    assert estonian.exit_code == 1 and dump(book) == before
    assert estonian.stderr.startswith("Viga: periood 2025H1 on juba esitatud 30.06.2025")
    assert "--resubmit needs --reason" in refused(
        run, book, *SUBMIT, "--date", "2025-07-10", "--resubmit"
    )
    assert "--submit" in refused(
        run, book, "report", "lisa4", "--period", "2025H1", "--early", code=2
    )
    assert json.loads(ok("report", "submissions", "-f", "json"))[0]["early"] is True


def test_an_unwritable_output_records_no_submission(book: Path, run: Run, tmp_path: Path) -> None:
    target = tmp_path / "lisa4.json"
    target.write_text("old")
    refused(run, book, *SUBMIT, "--date", "2025-07-10", "--output", str(target), code=2)
    assert target.read_text() == "old"


def test_check_shows_the_next_deadline_and_agreement_show_the_periods(book: Path, ok: Ok) -> None:
    # As of the end of 2025H1: both deadlines are ahead, neither period submitted.
    result = ok("--lang", "et", "check", "--period", "2025H1", "--warn-only")
    assert (
        "Järgmine Lisa 4 tähtaeg: 2025H1 hiljemalt 15.07.2025; veel esitamata: 2025H1, 2025H2"
        in result
    )
    shown = json.loads(ok("agreement", "show", "A-1", "--format", "json"))
    assert shown["not_submitted"] == ["2025H1", "2025H2"]
    assert [(d["period"], d["overdue"]) for d in shown["deadlines"]] == [
        ("2025H1", True),
        ("2025H2", True),
    ]


def test_next_deadlines_for_today(book: Path) -> None:
    import datetime as dt

    from rvneet.db import Database
    from rvneet.services.agreements import next_deadlines

    with Database(book, "tester").session() as session:
        rows = next_deadlines(session, dt.date(2025, 7, 16))
    assert rows == [
        {"agreement": "A-1", "period": "2025H1", "due": "2025-07-15", "submitted": False,
         "overdue": True},
        {"agreement": "A-1", "period": "2025H2", "due": "2026-01-15", "submitted": False,
         "overdue": False},
    ]  # fmt: skip
