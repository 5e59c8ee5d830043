"""`rvneet report lisa4`: the RV monitoring report for SKA, its rules, its formats and its privacy."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CODE_F_2010, CODE_M_2010, MUNICIPALITY, Run

Ok = Callable[..., str]

pytestmark = pytest.mark.usefixtures("initialised")

REPORT_KEYS = ["report", "municipality", "period", "summary", "cases"]
SUMMARY_KEYS = [
    "youths",
    "cases_active",
    "cases_started",
    "cases_ended",
    "cases_ongoing_at_end",
    "without_support_request",
    "by_sex",
    "by_age",
    "by_risk",
    "by_support_requested",
    "by_risk_at_start",
    "process_support_requests",
]
CASE_KEYS = [
    "case", "sex", "age", "risk", "start", "end", "support_requested", "risk_at_start", "periods",
]  # fmt: skip
CSV_HEADER = "case,sex,age,risk,start,end,support_requested,risk_at_start,periods"
NO_REQUESTS = {"granted": 0, "refused": 0, "pending": 0}


def youth(ok: Ok, born: str, sex: str = "M", name: str = "Noor") -> str:
    return ok("youth", "add", "--name", name, "--birth-date", born, "--sex", sex)


def open_rv(ok: Ok, ref: str, start: str, risk: str = "high", *extra: str) -> str:
    return ok(
        "case", "open", "--youth", ref, "--model", "rv", "--start", start, "--risk", risk, *extra
    )


def close(ok: Ok, ref: str, end: str) -> None:
    ok("case", "close", ref, "--end", end, "--reason", "goals-met")


def lisa4(ok: Ok, period: str = "2025H1") -> dict[str, Any]:
    report = json.loads(ok("report", "lisa4", "--period", period, "--format", "json"))
    assert isinstance(report, dict)
    return report


def listed(report: dict[str, Any]) -> list[str]:
    return [c["case"] for c in report["cases"]]


def flat(text: str) -> str:
    """Output with every run of whitespace (table borders' line breaks included) as one space."""
    return " ".join(text.split())


# --- the JSON contract ----------------------------------------------------------------------


def test_json_shape_and_key_order(ok: Ok) -> None:
    a = youth(ok, "2010-03-15", "M")
    b = youth(ok, "2012-08-01", "F")
    open_rv(ok, a, "2024-11-04", "high")
    open_rv(ok, b, "2025-02-10", "medium", "--support-requested")
    close(ok, "RV-2025-001", "2025-05-31")
    report = lisa4(ok)
    assert list(report) == REPORT_KEYS
    assert list(report["summary"]) == SUMMARY_KEYS
    assert report == {
        "report": "lisa4",
        "municipality": MUNICIPALITY,
        "period": {"label": "2025H1", "start": "2025-01-01", "end": "2025-06-30"},
        "summary": {
            "youths": 2,
            "cases_active": 2,
            "cases_started": 1,
            "cases_ended": 1,
            "cases_ongoing_at_end": 1,
            "without_support_request": 1,
            "by_sex": {"F": 1, "M": 1},
            "by_age": {"12": 1, "14": 1},
            "by_risk": {"high": 1, "medium": 1},
            "by_support_requested": {"no": 1, "yes": 1},
            "by_risk_at_start": {"high": 1, "medium": 1},
            "process_support_requests": NO_REQUESTS,
        },
        "cases": [
            {
                "case": "RV-2024-001",
                "sex": "M",
                "age": 14,
                "risk": "high",
                "start": "2024-11-04",
                "end": None,
                "support_requested": False,
                "risk_at_start": "high",
                "periods": [{"start": "2024-11-04", "end": None}],
            },
            {
                "case": "RV-2025-001",
                "sex": "F",
                "age": 12,
                "risk": "medium",
                "start": "2025-02-10",
                "end": "2025-05-31",
                "support_requested": True,
                "risk_at_start": "medium",
                "periods": [{"start": "2025-02-10", "end": "2025-05-31"}],
            },
        ],
    }
    assert [list(c) for c in report["cases"]] == [CASE_KEYS] * 2
    assert list(report["period"]) == ["label", "start", "end"]


def test_empty_period(ok: Ok) -> None:
    report = lisa4(ok)
    assert report["summary"] == {
        "youths": 0,
        "cases_active": 0,
        "cases_started": 0,
        "cases_ended": 0,
        "cases_ongoing_at_end": 0,
        "without_support_request": 0,
        "by_sex": {},
        "by_age": {},
        "by_risk": {},
        "by_support_requested": {},
        "by_risk_at_start": {},
        "process_support_requests": NO_REQUESTS,
    }
    assert report["cases"] == []
    assert ok("report", "lisa4", "--period", "2025H1", "--format", "csv") == CSV_HEADER


def test_breakdown_keys_only_when_non_zero(ok: Ok) -> None:
    for born in ("2010-01-01", "2010-02-01"):
        open_rv(ok, youth(ok, born, "M"), "2025-03-03", "high")
    summary = lisa4(ok)["summary"]
    assert summary["by_sex"] == {"M": 2}
    assert summary["by_age"] == {"15": 2}
    assert summary["by_risk"] == {"high": 2}
    assert summary["by_support_requested"] == {"no": 2}


def test_age_keys_in_numeric_order(ok: Ok) -> None:
    open_rv(ok, youth(ok, "2010-01-01"), "2025-03-03")
    open_rv(ok, youth(ok, "2015-06-01"), "2025-03-03", "high", "--allow-ineligible", "sibling")
    by_age = lisa4(ok)["summary"]["by_age"]
    assert by_age == {"9": 1, "15": 1}
    assert list(by_age) == ["9", "15"]


def test_cases_ordered_by_start_then_reference(ok: Ok) -> None:
    refs = [youth(ok, "2010-01-01") for _ in range(4)]
    open_rv(ok, refs[0], "2025-04-01")  # RV-2025-001
    open_rv(ok, refs[1], "2025-02-01")  # RV-2025-002
    open_rv(ok, refs[2], "2025-02-01")  # RV-2025-003
    open_rv(ok, refs[3], "2024-12-01")  # RV-2024-001
    assert listed(lisa4(ok)) == ["RV-2024-001", "RV-2025-002", "RV-2025-003", "RV-2025-001"]


def test_neet_cases_never_appear(ok: Ok) -> None:
    a = youth(ok, "2008-05-05")
    ok(
        "case", "open", "--youth", a, "--model", "neet", "--start", "2025-02-01",
        "--light", "red", "--group", "neet",
    )  # fmt: skip
    open_rv(ok, a, "2025-03-01")
    report = lisa4(ok)
    assert listed(report) == ["RV-2025-001"]
    assert report["summary"]["cases_active"] == 1
    for fmt in ("table", "csv"):
        assert "NEET" not in ok("report", "lisa4", "--period", "2025H1", "--format", fmt)


# --- the period's edges ---------------------------------------------------------------------


def test_cases_straddling_the_period_edges(ok: Ok) -> None:
    last_day, first_day, day_before, day_after = (youth(ok, "2010-01-01") for _ in range(4))
    open_rv(ok, day_before, "2024-10-01")  # RV-2024-001, closed 2024-12-31
    close(ok, "RV-2024-001", "2024-12-31")
    open_rv(ok, first_day, "2024-10-01")  # RV-2024-002, closed 2025-01-01
    close(ok, "RV-2024-002", "2025-01-01")
    open_rv(ok, last_day, "2025-06-30")  # RV-2025-001
    open_rv(ok, day_after, "2025-07-01")  # RV-2025-002
    report = lisa4(ok)
    assert listed(report) == ["RV-2024-002", "RV-2025-001"]
    by_ref = {c["case"]: c for c in report["cases"]}
    assert by_ref["RV-2024-002"]["end"] == "2025-01-01"
    assert by_ref["RV-2025-001"]["start"] == "2025-06-30"
    assert by_ref["RV-2025-001"]["end"] is None
    summary = report["summary"]
    assert summary["youths"] == 2
    assert summary["cases_active"] == 2
    assert summary["cases_started"] == 1  # opened on the last day
    assert summary["cases_ended"] == 1  # closed on the first day
    assert summary["cases_ongoing_at_end"] == 1


def test_opened_on_the_first_day_and_closed_on_the_last(ok: Ok) -> None:
    open_rv(ok, youth(ok, "2010-01-01"), "2025-01-01")
    close(ok, "RV-2025-001", "2025-06-30")
    report = lisa4(ok)
    assert report["cases"][0]["end"] == "2025-06-30"
    summary = report["summary"]
    assert (summary["cases_started"], summary["cases_ended"]) == (1, 1)
    assert summary["cases_ongoing_at_end"] == 0


def test_a_case_closed_after_the_period_is_ongoing_with_no_end(ok: Ok) -> None:
    open_rv(ok, youth(ok, "2010-01-01"), "2025-03-01")
    close(ok, "RV-2025-001", "2025-07-01")
    report = lisa4(ok)
    assert report["cases"][0]["end"] is None
    assert report["summary"]["cases_ended"] == 0
    assert report["summary"]["cases_ongoing_at_end"] == 1
    later = lisa4(ok, "2025H2")
    assert later["cases"][0]["end"] == "2025-07-01"
    assert (later["summary"]["cases_started"], later["summary"]["cases_ended"]) == (0, 1)


def test_a_case_started_before_and_open_after_is_active_not_started(ok: Ok) -> None:
    open_rv(ok, youth(ok, "2010-01-01"), "2023-09-01")
    summary = lisa4(ok)["summary"]
    assert (summary["cases_active"], summary["cases_started"], summary["cases_ended"]) == (1, 0, 0)
    assert summary["cases_ongoing_at_end"] == 1


# --- risk level, age, youths ----------------------------------------------------------------


def test_risk_is_the_latest_assessment_by_the_period_end(ok: Ok) -> None:
    open_rv(ok, youth(ok, "2010-01-01"), "2025-02-01", "medium")
    ok("case", "assess", "RV-2025-001", "--date", "2025-06-30", "--risk", "high")
    ok("case", "assess", "RV-2025-001", "--date", "2025-07-01", "--risk", "medium")
    assert lisa4(ok, "2025Q1")["cases"][0]["risk"] == "medium"
    h1 = lisa4(ok)
    assert h1["cases"][0]["risk"] == "high"
    assert h1["summary"]["by_risk"] == {"high": 1}
    assert lisa4(ok, "2025")["cases"][0]["risk"] == "medium"
    show = json.loads(ok("case", "show", "RV-2025-001", "--format", "json"))
    assert show["level"] == "medium"  # the case itself shows its level now


def test_age_in_full_years_on_the_start_date(ok: Ok) -> None:
    day_before_birthday = youth(ok, "2012-03-10")
    on_birthday = youth(ok, "2012-03-09")
    open_rv(ok, day_before_birthday, "2025-03-09")  # turns 13 the next day
    open_rv(ok, on_birthday, "2025-03-09")  # turns 13 this day
    report = lisa4(ok, "2025")
    assert [c["age"] for c in report["cases"]] == [12, 13]
    assert report["summary"]["by_age"] == {"12": 1, "13": 1}


def test_youths_counts_distinct_youths(ok: Ok) -> None:
    a = youth(ok, "2010-01-01", "F")
    b = youth(ok, "2011-01-01", "M")
    open_rv(ok, a, "2025-01-10")
    close(ok, "RV-2025-001", "2025-02-10")
    open_rv(ok, a, "2025-03-01", "medium")
    open_rv(ok, b, "2025-04-01")
    summary = lisa4(ok)["summary"]
    assert summary["youths"] == 2
    assert summary["cases_active"] == 3
    assert summary["by_sex"] == {"F": 2, "M": 1}


# --- formats and periods --------------------------------------------------------------------


@pytest.fixture
def two_cases(initialised: Path, ok: Ok) -> None:
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    ok("youth", "add", "--name", "Jaan Kõivupuu", "--id-code", CODE_M_2010)
    open_rv(ok, "Y-0001", "2025-01-20", "high", "--support-requested")
    open_rv(ok, "Y-0002", "2025-03-03", "medium")
    close(ok, "RV-2025-002", "2025-05-15")


@pytest.mark.usefixtures("two_cases")
def test_csv(ok: Ok) -> None:
    out = ok("report", "lisa4", "--period", "2025H1", "--format", "csv")
    assert out.splitlines()[0] == CSV_HEADER
    rows = list(csv.reader(io.StringIO(out)))[1:]
    assert rows == [
        ["RV-2025-001", "F", "15", "high", "2025-01-20", "", "yes", "high", "2025-01-20.."],
        [
            "RV-2025-002",
            "M",
            "14",
            "medium",
            "2025-03-03",
            "2025-05-15",
            "no",
            "medium",
            "2025-03-03..2025-05-15",
        ],
    ]


@pytest.mark.usefixtures("two_cases")
def test_table_shows_municipality_period_summary_and_cases(ok: Ok) -> None:
    out = flat(ok("report", "lisa4", "--period", "2025H1"))
    assert MUNICIPALITY in out
    assert "2025H1" in out
    assert "2025-01-01" in out and "2025-06-30" in out
    assert "RV-2025-001" in out and "RV-2025-002" in out
    assert "Youths" in out


@pytest.mark.usefixtures("two_cases")
def test_table_without_cases(ok: Ok) -> None:
    out = flat(ok("report", "lisa4", "--period", "2023"))
    assert MUNICIPALITY in out
    assert "Cases: none" in out


@pytest.mark.usefixtures("two_cases")
@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_output_file_is_private_and_stdout_stays_empty(
    run: Run, ok: Ok, tmp_path: Path, fmt: str
) -> None:
    target = tmp_path / f"lisa4.{fmt}"
    target.write_text("old content that must go\n")
    target.chmod(0o644)
    args = ("report", "lisa4", "--period", "2025H1", "--format", fmt, "--output", str(target))
    assert run(*args).exit_code == 2  # an existing file is kept without --force
    result = run(*args, "--force")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    written = target.read_text(encoding="utf-8")
    assert "old content" not in written
    assert "RV-2025-002" in written
    if fmt == "json":
        assert json.loads(written) == lisa4(ok)
    elif fmt == "csv":
        assert written == ok("report", "lisa4", "--period", "2025H1", "--format", "csv") + "\n"
    else:
        assert MUNICIPALITY in flat(written)
        assert "\x1b[" not in written  # no colour codes in a file


@pytest.mark.usefixtures("two_cases")
def test_output_to_a_missing_folder_is_refused(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "lisa4.json"
    result = run("report", "lisa4", "--period", "2025H1", "--output", str(target))
    assert result.exit_code != 0
    assert result.stderr.startswith("Error:")
    assert not target.exists()


@pytest.mark.usefixtures("two_cases")
def test_output_to_a_folder_is_refused(run: Run, tmp_path: Path) -> None:
    result = run("report", "lisa4", "--period", "2025H1", "--output", str(tmp_path))
    assert result.exit_code != 0
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"Error: Invalid value for '--output': {tmp_path} is a folder")
    assert "unexpected" not in result.stderr


@pytest.mark.usefixtures("two_cases")
@pytest.mark.parametrize(
    ("period", "label", "start", "end", "cases"),
    [
        ("2025", "2025", "2025-01-01", "2025-12-31", ["RV-2025-001", "RV-2025-002"]),
        ("2025H1", "2025H1", "2025-01-01", "2025-06-30", ["RV-2025-001", "RV-2025-002"]),
        ("2025h2", "2025H2", "2025-07-01", "2025-12-31", ["RV-2025-001"]),
        ("2025Q1", "2025Q1", "2025-01-01", "2025-03-31", ["RV-2025-001", "RV-2025-002"]),
        ("2025Q3", "2025Q3", "2025-07-01", "2025-09-30", ["RV-2025-001"]),
        ("2025-02", "2025-02", "2025-02-01", "2025-02-28", ["RV-2025-001"]),
        (
            "2025-01-01..2025-03-31",
            "2025-01-01..2025-03-31",
            "2025-01-01",
            "2025-03-31",
            ["RV-2025-001", "RV-2025-002"],
        ),
        (
            "2025-05-16..2025-05-16",
            "2025-05-16..2025-05-16",
            "2025-05-16",
            "2025-05-16",
            ["RV-2025-001"],
        ),
        ("2024", "2024", "2024-01-01", "2024-12-31", []),
    ],
)
def test_every_period_form(
    ok: Ok, period: str, label: str, start: str, end: str, cases: list[str]
) -> None:
    report = lisa4(ok, period)
    assert report["period"] == {"label": label, "start": start, "end": end}
    assert listed(report) == cases


# --- privacy --------------------------------------------------------------------------------


@pytest.mark.usefixtures("two_cases")
def test_no_name_and_no_personal_code_in_any_format(run: Run, tmp_path: Path) -> None:
    secrets = ["Mari", "Maasikas", "Jaan", "Kõivupuu", CODE_F_2010, CODE_M_2010, "Y-0001", "Y-0002"]
    texts = []
    for fmt in ("table", "json", "csv"):
        result = run("report", "lisa4", "--period", "2025", "--format", fmt)
        assert result.exit_code == 0, result.stderr
        texts.append(result.output)
        target = tmp_path / f"out.{fmt}"
        result = run("report", "lisa4", "--period", "2025", "--format", fmt, "-o", str(target))
        assert result.exit_code == 0, result.stderr
        texts.append(result.output + target.read_text(encoding="utf-8"))
    for text in texts:
        assert "RV-2025-001" in text
        for secret in secrets:
            assert secret not in text


def test_a_report_reads_the_same_after_a_later_reopening(ok: Ok) -> None:
    """A reopening after the period does not change the period's report (as of its last day)."""
    closed_in = youth(ok, "2010-01-01")
    closed_before = youth(ok, "2010-02-02", "F")
    reopened_in = youth(ok, "2010-03-03")
    open_rv(ok, closed_in, "2025-01-10")  # RV-2025-001: closed in H1, reopened in H2
    close(ok, "RV-2025-001", "2025-03-01")
    open_rv(ok, closed_before, "2024-10-01")  # RV-2024-001: closed before H1, reopened in H2
    close(ok, "RV-2024-001", "2024-12-01")
    open_rv(ok, reopened_in, "2024-09-01")  # RV-2024-002: closed before H1, reopened in H1
    close(ok, "RV-2024-002", "2024-11-01")
    ok("case", "reopen", "RV-2024-002", "--date", "2025-02-01", "--reason", "back")
    before = lisa4(ok)
    assert listed(before) == ["RV-2024-002", "RV-2025-001"]
    ok("case", "reopen", "RV-2025-001", "--date", "2025-08-01", "--reason", "back")
    ok("case", "reopen", "RV-2024-001", "--date", "2025-08-01", "--reason", "back")
    after = lisa4(ok)
    assert after == before
    ended = {c["case"]: c["end"] for c in after["cases"]}
    assert ended == {"RV-2024-002": None, "RV-2025-001": "2025-03-01"}
    assert after["summary"]["cases_ended"] == 1
    assert after["summary"]["cases_ongoing_at_end"] == 1


@pytest.mark.sqlite_only  # SQLite's own query plan
def test_the_active_cases_are_found_by_the_model_end_start_index(db_path: Path) -> None:
    """Recorded plan: if the index is lost, Lisa 4 reads every RV case started before the period end."""

    from rvneet.reports.lisa4 import _ACTIVE_RV_CASES

    con = sqlite3.connect(db_path)
    try:
        plan = [
            row[3]
            for row in con.execute(
                "EXPLAIN QUERY PLAN " + _ACTIVE_RV_CASES.text,
                {"start": "2025-01-01", "end": "2025-06-30"},
            )
        ]
    finally:
        con.close()
    searches = [step for step in plan if "ix_cases_model_end_start" in step]
    assert len(searches) == 2, plan
    assert not [step for step in plan if step in ("SCAN c", "SCAN cases")], plan
