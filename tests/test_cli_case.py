"""`rvneet case open|assess|close|list|show` through the real CLI."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CODE_F_2010, CODE_M_1995, Run

Ok = Callable[..., str]

CASE_KEYS = [
    "case",
    "youth",
    "model",
    "group",
    "channel",
    "start",
    "end",
    "status",
    "close_reason",
    "stage",
    "level",
    "manager",
    "support_requested",
    "age_at_start",
    "ineligible_reason",
    "manager_ref",
]


def flat(text: str) -> str:
    """Output with every run of whitespace (table borders' line breaks included) as one space."""
    return " ".join(text.split())


@pytest.fixture
def youths(initialised: Path, ok: Ok) -> None:
    """Y-0001 Mari F 2010-01-01, Y-0002 Jaan M 1995-01-01, Y-0003 Olga F 2005-01-01, Y-0004 Peeter M
    2003-03-03."""
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    ok("youth", "add", "--name", "Jaan Tamm", "--id-code", CODE_M_1995)
    ok("youth", "add", "--name", "Olga Ivanova", "--birth-date", "2005-01-01", "--sex", "F")
    ok("youth", "add", "--name", "Peeter Pärn", "--birth-date", "2003-03-03", "--sex", "M")


def open_rv(ok: Ok, youth: str, start: str, *extra: str) -> str:
    return ok(
        "case",
        "open",
        "--youth",
        youth,
        "--model",
        "rv",
        "--start",
        start,
        "--risk",
        "high",
        *extra,
    )


def open_neet(ok: Ok, youth: str, start: str, group: str = "neet", *extra: str) -> str:
    return ok(
        "case", "open", "--youth", youth, "--model", "neet", "--start", start,
        "--light", "yellow", "--group", group, *extra,
    )  # fmt: skip


def details(out: str) -> dict[str, str]:
    """The two-column rows of a `case show` table, label → value."""
    rows = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) == 2 and cells[0]:
            rows[cells[0]] = cells[1]
    return rows


def show(ok: Ok, ref: str) -> dict[str, Any]:
    record = json.loads(ok("case", "show", ref, "--format", "json"))
    assert isinstance(record, dict)
    return record


def refused(run: Run, *args: str) -> str:
    """Run a command that must be refused; returns its one-line stderr."""
    result = run(*args)
    assert result.exit_code != 0, result.stdout
    assert result.stdout == ""
    assert result.stderr.startswith("Error:")
    assert len(result.stderr.splitlines()) == 1
    return result.stderr


# --- open -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("youths")
def test_open_rv_prints_the_reference(ok: Ok) -> None:
    assert open_rv(ok, "Y-0001", "2025-02-03") == "RV-2025-001"
    record = show(ok, "RV-2025-001")
    assert record["model"] == "rv"
    assert record["youth"] == "Y-0001"
    assert record["start"] == "2025-02-03"
    assert record["level"] == "high"
    assert record["status"] == "open"
    assert record["support_requested"] is False
    assert record["age_at_start"] == 15


@pytest.mark.usefixtures("youths")
def test_open_rv_with_support_requested_and_manager(ok: Ok) -> None:
    ok("staff", "add", "--name", "Kati Kask")
    open_rv(ok, "Y-0001", "2025-02-03", "--support-requested", "--manager", "kati kask")
    record = show(ok, "RV-2025-001")
    assert record["support_requested"] is True
    assert (record["manager"], record["manager_ref"]) == ("Kati Kask", "S-0001")
    rows = details(ok("case", "show", "RV-2025-001"))
    assert rows["SKA support requested"] == "yes"
    assert rows["Case manager"] == "S-0001 Kati Kask"


@pytest.mark.usefixtures("youths")
def test_open_neet(ok: Ok) -> None:
    assert open_neet(ok, "Y-0004", "2024-06-10", "neet") == "NEET-2024-001"
    record = show(ok, "NEET-2024-001")
    assert (record["model"], record["group"], record["level"]) == ("neet", "neet", "yellow")
    assert record["support_requested"] is False


@pytest.mark.usefixtures("youths")
def test_open_with_the_channel_the_youth_was_reached_through(ok: Ok, run: Run) -> None:
    open_neet(ok, "Y-0004", "2025-03-01", "neet", "--channel", "ngts-list")
    open_rv(ok, "Y-0001", "2025-02-03", "--channel", "school")
    open_neet(ok, "Y-0003", "2025-03-01")
    assert show(ok, "NEET-2025-001")["channel"] == "ngts-list"
    assert details(ok("case", "show", "NEET-2025-001"))["Reached through"] == "ngts-list"
    listed = json.loads(ok("case", "list", "--format", "json"))
    assert {r["case"]: r["channel"] for r in listed} == {
        "RV-2025-001": "school",
        "NEET-2025-001": "ngts-list",
        "NEET-2025-002": "other",
    }
    assert "channel" in ok("case", "list", "--format", "csv").splitlines()[0].split(",")
    result = run("case", "open", "--youth", "Y-0002", "--model", "neet", "--start", "2025-03-01",
                 "--light", "red", "--group", "neet", "--channel", "rumour")  # fmt: skip
    assert result.exit_code == 2
    assert "rumour" in result.stderr and "ngts-list" in result.stderr


@pytest.mark.usefixtures("youths")
def test_references_run_per_model_and_start_year(ok: Ok) -> None:
    refs = [
        open_rv(ok, "Y-0001", "2025-02-03"),
        open_rv(ok, "Y-0003", "2023-11-04"),
        open_neet(ok, "Y-0004", "2025-03-01"),
        open_neet(ok, "Y-0001", "2025-03-01", "risk"),
    ]
    ok("case", "close", "RV-2025-001", "--end", "2025-04-30", "--reason", "moved")
    refs.append(open_rv(ok, "Y-0001", "2025-05-02"))
    assert refs == ["RV-2025-001", "RV-2023-001", "NEET-2025-001", "NEET-2025-002", "RV-2025-002"]


@pytest.mark.usefixtures("youths")
def test_open_format_json_prints_the_created_case(ok: Ok) -> None:
    out = open_rv(ok, "Y-0001", "2025-02-03", "--support-requested", "--format", "json")
    record = json.loads(out)
    assert isinstance(record, dict)
    assert record["case"] == "RV-2025-001"
    assert record["youth"] == "Y-0001"
    assert record["level"] == "high"
    assert record["support_requested"] is True
    assert [e["event"] for e in record["timeline"]] == [
        "opened",
        "assessment",
        "stage",
        "support requested",
    ]


@pytest.mark.usefixtures("youths")
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--model", "rv"], "--risk"),
        (["--model", "rv", "--risk", "high", "--light", "red"], "--light"),
        (["--model", "neet", "--group", "neet"], "--light"),
        (["--model", "neet", "--light", "red"], "--group"),
        (["--model", "neet", "--light", "red", "--group", "neet", "--risk", "high"], "--risk"),
        (
            ["--model", "neet", "--light", "red", "--group", "neet", "--support-requested"],
            "--support-requested",
        ),
    ],
    ids=["rv-no-risk", "rv-light", "neet-no-light", "neet-no-group", "neet-risk", "neet-support"],
)
def test_open_needs_the_model_levels(run: Run, ok: Ok, args: list[str], words: str) -> None:
    message = refused(run, "case", "open", "--youth", "Y-0001", "--start", "2025-02-03", *args)
    assert words in message
    assert json.loads(ok("case", "list", "--format", "json")) == []


# (youth, model args, start, age on start, eligible)
AGE_EDGES = [
    ("Y-0001", ["--model", "rv", "--risk", "high"], "2021-12-31", 11, False),
    ("Y-0001", ["--model", "rv", "--risk", "high"], "2022-01-01", 12, True),
    ("Y-0003", ["--model", "rv", "--risk", "high"], "2023-12-31", 18, True),
    ("Y-0003", ["--model", "rv", "--risk", "high"], "2024-01-01", 19, False),
    ("Y-0001", ["--model", "neet", "--light", "red", "--group", "neet"], "2024-12-31", 14, False),
    ("Y-0001", ["--model", "neet", "--light", "red", "--group", "neet"], "2025-01-01", 15, True),
    ("Y-0002", ["--model", "neet", "--light", "red", "--group", "neet"], "2024-12-31", 29, True),
    ("Y-0002", ["--model", "neet", "--light", "red", "--group", "neet"], "2025-01-01", 30, False),
    ("Y-0001", ["--model", "neet", "--light", "red", "--group", "risk"], "2023-12-31", 13, False),
    ("Y-0001", ["--model", "neet", "--light", "red", "--group", "risk"], "2024-01-01", 14, True),
    ("Y-0003", ["--model", "neet", "--light", "red", "--group", "risk"], "2024-12-31", 19, True),
    ("Y-0003", ["--model", "neet", "--light", "red", "--group", "risk"], "2025-01-01", 20, False),
]
RULES = {"rv": "aged 12–18", "neet": "aged 15–29", "risk": "aged 14–19"}


def _rule(model_args: list[str]) -> str:
    return RULES[model_args[-1] if "--group" in model_args else "rv"]


@pytest.mark.usefixtures("youths")
@pytest.mark.parametrize(("youth", "model_args", "start", "age", "eligible"), AGE_EDGES)
def test_open_checks_age_on_the_start_date(
    run: Run, ok: Ok, youth: str, model_args: list[str], start: str, age: int, eligible: bool
) -> None:
    args = ("case", "open", "--youth", youth, "--start", start, *model_args)
    if eligible:
        ref = ok(*args)
        assert show(ok, ref)["age_at_start"] == age
        return
    message = refused(run, *args)
    assert _rule(model_args) in message
    assert f"is {age} on {start}" in message
    assert "--allow-ineligible" in message
    assert json.loads(ok("case", "list", "--format", "json")) == []


@pytest.mark.usefixtures("youths")
def test_allow_ineligible_opens_with_a_warning_and_keeps_the_reason(run: Run, ok: Ok) -> None:
    reason = "sibling of a youth in the network"
    result = run(
        "case", "open", "--youth", "Y-0002", "--model", "rv", "--start", "2025-02-03",
        "--risk", "medium", "--allow-ineligible", reason,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "RV-2025-001"
    assert result.stderr.startswith("Warning:")
    assert "aged 12–18" in result.stderr
    assert "Error" not in result.stderr
    assert show(ok, "RV-2025-001")["ineligible_reason"] == reason
    rows = details(ok("case", "show", "RV-2025-001"))
    assert rows["Opened outside age range"] == reason


@pytest.mark.usefixtures("youths")
def test_allow_ineligible_for_an_eligible_youth_gives_no_warning(run: Run, ok: Ok) -> None:
    result = run(
        "case", "open", "--youth", "Y-0001", "--model", "rv", "--start", "2025-02-03",
        "--risk", "medium", "--allow-ineligible", "just in case",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "age range" not in result.stderr
    assert show(ok, "RV-2025-001")["ineligible_reason"] is None


@pytest.mark.usefixtures("youths")
def test_a_second_open_case_under_the_same_model_is_refused(run: Run, ok: Ok) -> None:
    open_rv(ok, "Y-0001", "2025-02-03")
    message = refused(
        run, "case", "open", "--youth", "Y-0001", "--model", "rv", "--start", "2025-03-03",
        "--risk", "medium",
    )  # fmt: skip
    assert "RV-2025-001" in message
    open_neet(ok, "Y-0004", "2025-02-03")
    message = refused(
        run, "case", "open", "--youth", "Y-0004", "--model", "neet", "--start", "2025-03-03",
        "--light", "red", "--group", "neet",
    )  # fmt: skip
    assert "NEET-2025-001" in message
    assert len(json.loads(ok("case", "list", "--format", "json"))) == 2


@pytest.mark.usefixtures("youths")
def test_rv_and_neet_may_be_open_together(ok: Ok) -> None:
    assert open_rv(ok, "Y-0001", "2025-02-03") == "RV-2025-001"
    assert open_neet(ok, "Y-0001", "2025-02-03", "risk") == "NEET-2025-001"
    youth = json.loads(ok("youth", "show", "Y-0001", "--format", "json"))
    assert [c["case"] for c in youth["cases"]] == ["NEET-2025-001", "RV-2025-001"]


@pytest.mark.usefixtures("youths")
def test_after_closing_a_new_case_can_be_opened(ok: Ok) -> None:
    open_rv(ok, "Y-0001", "2025-02-03")
    ok("case", "close", "RV-2025-001", "--end", "2025-03-31", "--reason", "goals-met")
    assert open_rv(ok, "Y-0001", "2025-04-01") == "RV-2025-002"


# --- assess and close -----------------------------------------------------------------------


@pytest.mark.usefixtures("youths")
def test_assess_rv_with_risk(ok: Ok) -> None:
    open_rv(ok, "Y-0001", "2025-02-03")
    assert ok("case", "assess", "rv-2025-001", "--date", "2025-04-01", "--risk", "medium") == (
        "RV-2025-001"
    )
    record = show(ok, "RV-2025-001")
    assert record["level"] == "medium"
    assert record["timeline"] == [
        {"date": "2025-02-03", "event": "opened", "detail": "rv"},
        {"date": "2025-02-03", "event": "assessment", "detail": "risk high", "record": "A-1"},
        {"date": "2025-02-03", "event": "stage", "detail": "referral", "record": "T-1"},
        {"date": "2025-04-01", "event": "assessment", "detail": "risk medium", "record": "A-2"},
    ]


@pytest.mark.usefixtures("youths")
def test_assess_neet_with_light(ok: Ok) -> None:
    open_neet(ok, "Y-0004", "2025-02-03")
    ok("case", "assess", "NEET-2025-001", "--date", "2025-02-20", "--light", "green")
    record = show(ok, "NEET-2025-001")
    assert record["level"] == "green"
    assert record["timeline"][-1] == {
        "date": "2025-02-20",
        "event": "assessment",
        "detail": "light green",
        "record": "A-2",
    }


@pytest.mark.usefixtures("youths")
@pytest.mark.parametrize(
    ("model", "level"),
    [
        ("rv", ["--light", "red"]),
        ("neet", ["--risk", "high"]),
        ("rv", ["--risk", "high", "--light", "red"]),
        ("rv", []),
    ],
    ids=["rv-light", "neet-risk", "both", "neither"],
)
def test_assess_with_the_wrong_kind_is_refused(
    run: Run, ok: Ok, model: str, level: list[str]
) -> None:
    open_rv(ok, "Y-0001", "2025-02-03")
    open_neet(ok, "Y-0004", "2025-02-03")
    ref = f"{model.upper()}-2025-001"
    before = show(ok, ref)
    refused(run, "case", "assess", ref, "--date", "2025-03-01", *level)
    assert show(ok, ref) == before


@pytest.mark.usefixtures("youths")
def test_close(ok: Ok) -> None:
    open_rv(ok, "Y-0001", "2025-02-03")
    assert ok("case", "close", "RV-2025-001", "--end", "2025-09-30", "--reason", "goals-met") == (
        "RV-2025-001"
    )
    record = show(ok, "RV-2025-001")
    assert (record["status"], record["end"], record["close_reason"]) == (
        "closed",
        "2025-09-30",
        "goals-met",
    )
    assert record["timeline"][-3:] == [
        {"date": "2025-09-30", "event": "closed", "detail": "goals-met", "record": "closing"},
        {"date": "2025-09-30", "event": "stage", "detail": "follow-up", "record": "T-2"},
        {"date": "2026-03-30", "event": "follow-up due", "detail": "due", "record": "F-1"},
    ]
    assert record["stage"] == "follow-up"
    youth = json.loads(ok("youth", "list", "--format", "json"))[0]
    assert youth["open_cases"] == 0


@pytest.mark.usefixtures("youths")
def test_close_on_the_start_day(ok: Ok) -> None:
    open_rv(ok, "Y-0001", "2025-02-03")
    ok("case", "close", "RV-2025-001", "--end", "2025-02-03", "--reason", "declined")
    assert show(ok, "RV-2025-001")["end"] == "2025-02-03"


@pytest.mark.usefixtures("youths")
def test_close_before_the_last_assessment_is_refused(run: Run, ok: Ok) -> None:
    open_rv(ok, "Y-0001", "2025-02-03")
    ok("case", "assess", "RV-2025-001", "--date", "2025-05-01", "--risk", "medium")
    message = refused(
        run, "case", "close", "RV-2025-001", "--end", "2025-04-30", "--reason", "other"
    )
    assert "2025-05-01" in message
    assert show(ok, "RV-2025-001")["status"] == "open"


# --- list -----------------------------------------------------------------------------------


@pytest.fixture
def some_cases(youths: None, ok: Ok) -> None:
    """RV-2025-001 (closed), NEET-2024-001, RV-2025-002 (open), NEET-2025-001 (open, risk)."""
    open_rv(ok, "Y-0001", "2025-01-15")
    ok("case", "close", "RV-2025-001", "--end", "2025-03-31", "--reason", "moved")
    open_neet(ok, "Y-0004", "2024-09-01")
    ok("case", "close", "NEET-2024-001", "--end", "2025-01-31", "--reason", "goals-met")
    open_rv(ok, "Y-0003", "2023-06-01")
    open_neet(ok, "Y-0001", "2025-02-01", "risk")


def refs(ok: Ok, *args: str) -> list[str]:
    return [r["case"] for r in json.loads(ok("case", "list", "--format", "json", *args))]


@pytest.mark.usefixtures("some_cases")
def test_list_filters(ok: Ok) -> None:
    everything = ["RV-2023-001", "NEET-2024-001", "RV-2025-001", "NEET-2025-001"]
    assert refs(ok) == everything
    assert refs(ok, "--model", "rv") == ["RV-2023-001", "RV-2025-001"]
    assert refs(ok, "--model", "neet") == ["NEET-2024-001", "NEET-2025-001"]
    assert refs(ok, "--open") == ["RV-2023-001", "NEET-2025-001"]
    assert refs(ok, "--closed") == ["NEET-2024-001", "RV-2025-001"]
    assert refs(ok, "--model", "neet", "--closed") == ["NEET-2024-001"]


@pytest.mark.usefixtures("some_cases")
def test_list_open_and_closed_together_is_refused(run: Run) -> None:
    refused(run, "case", "list", "--open", "--closed")


@pytest.mark.usefixtures("some_cases")
def test_list_json_has_stable_keys(ok: Ok) -> None:
    rows = json.loads(ok("case", "list", "--format", "json"))
    assert [list(r) for r in rows] == [CASE_KEYS] * 4
    first = rows[0]
    assert first["case"] == "RV-2023-001"
    assert (first["youth"], first["level"], first["status"], first["end"]) == (
        "Y-0003",
        "high",
        "open",
        None,
    )
    assert "Mari Maasikas" not in json.dumps(rows)


@pytest.mark.usefixtures("some_cases")
def test_list_csv(ok: Ok) -> None:
    out = ok("case", "list", "--format", "csv", "--model", "neet")
    assert out.splitlines()[0] == ",".join(CASE_KEYS)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["case"], r["group"], r["end"]) for r in rows] == [
        ("NEET-2024-001", "neet", "2025-01-31"),
        ("NEET-2025-001", "risk", ""),
    ]


def test_list_csv_header_is_the_same_when_empty(initialised: Path, ok: Ok) -> None:
    assert ok("case", "list", "--format", "csv") == ",".join(CASE_KEYS)
    assert json.loads(ok("case", "list", "--format", "json")) == []
    assert "none" in ok("case", "list")


@pytest.mark.usefixtures("some_cases")
def test_list_table(ok: Ok) -> None:
    out = flat(ok("case", "list", "--open"))
    assert "RV-2023-001" in out and "NEET-2025-001" in out
    assert "RV-2025-001" not in out
    assert "2023-06-01" in out


# --- show -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("youths")
def test_show_table_has_a_dated_timeline(ok: Ok) -> None:
    open_rv(ok, "Y-0001", "2025-02-03")
    ok("case", "assess", "RV-2025-001", "--date", "2025-04-01", "--risk", "medium")
    ok("case", "close", "RV-2025-001", "--end", "2025-09-30", "--reason", "goals-met")
    out = ok("case", "show", "RV-2025-001")
    text = flat(out)
    assert "RV-2025-001" in text
    assert "Mari Maasikas (Y-0001)" in text
    assert details(out)["Risk level"] == "medium"
    assert "Timeline" in text
    lines = out.splitlines()
    assert any("2025-02-03" in x and "opened" in x for x in lines)
    assert any("2025-04-01" in x and "risk medium" in x for x in lines)
    assert any("2025-09-30" in x and "closed" in x and "goals-met" in x for x in lines)


@pytest.mark.usefixtures("youths")
def test_show_json(ok: Ok) -> None:
    open_neet(ok, "Y-0004", "2025-02-03")
    record = show(ok, "neet-2025-001")
    assert record["case"] == "NEET-2025-001"
    assert record["name"] == "Peeter Pärn"
    assert record["sex"] == "M"
    assert record["age_at_start"] == 21
    assert isinstance(record["timeline"], list)
    assert [e["date"] for e in record["timeline"]] == ["2025-02-03"] * 3


@pytest.mark.usefixtures("youths")
def test_show_neet_labels_the_situation_not_the_person(ok: Ok) -> None:
    open_neet(ok, "Y-0004", "2025-02-03")
    ok("case", "assess", "NEET-2025-001", "--date", "2025-03-01", "--light", "red")
    out = ok("case", "show", "NEET-2025-001")
    assert details(out)["Situation (traffic light)"] == "red"
    assert "Risk level" not in out
    person_lines = [x for x in out.splitlines() if "Peeter Pärn" in x or "Youth" in x]
    assert person_lines
    for line in person_lines:
        for colour in ("red", "yellow", "green"):
            assert colour not in line.lower()


@pytest.mark.usefixtures("youths")
def test_show_csv_is_refused(run: Run, ok: Ok) -> None:
    open_rv(ok, "Y-0001", "2025-02-03")
    refused(run, "case", "show", "RV-2025-001", "--format", "csv")
