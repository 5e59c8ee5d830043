"""`rvneet followup due|record|skip`: the contact 6 months after a case closes (issue 3)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CODE_F_1999_LEAP, MUNICIPALITY, Run, build_template, query, refused

Ok = Callable[..., str]

# Closed cases and their follow-ups:
EARLY = "NEET-2025-001"  # Y-0001, closed 2025-03-31, due 2025-09-30, manager Anne Allik
RV = "RV-2025-001"  # Y-0002, closed 2025-05-15, due 2025-11-15, manager Mari Maasikas
LATE = "NEET-2025-002"  # Y-0003, closed 2025-05-15, due 2025-11-15, no manager
OPEN = "NEET-2025-003"  # Y-0001 again, open since 2025-06-01
# Far enough ahead that a run crossing midnight still finds it in the future (within 1900–2099).
FUTURE = "2099-12-31"


def build_book(ok: Ok) -> None:
    ok("init", "--municipality", MUNICIPALITY)
    ok("youth", "add", "--name", "Kati Kask", "--id-code", CODE_F_1999_LEAP)
    ok("youth", "add", "--name", "Mart Tamm", "--birth-date", "2010-01-01", "--sex", "M")
    ok("youth", "add", "--name", "Jaan Saar", "--birth-date", "2000-03-03", "--sex", "M")
    neet = ("case", "open", "--model", "neet", "--light", "yellow", "--group", "neet")
    ok("staff", "add", "--name", "Anne Allik")
    ok("staff", "add", "--name", "Mari Maasikas")
    ok(*neet, "--youth", "Y-0001", "--start", "2025-01-06", "--manager", "Anne Allik")
    ok(
        "case", "open", "--youth", "Y-0002", "--model", "rv", "--start", "2025-01-10",
        "--risk", "high", "--manager", "Mari Maasikas",
    )  # fmt: skip
    ok(*neet, "--youth", "Y-0003", "--start", "2025-02-01")
    ok("case", "close", EARLY, "--end", "2025-03-31", "--reason", "goals-met")
    ok("case", "close", LATE, "--end", "2025-05-15", "--reason", "moved")
    ok("case", "close", RV, "--end", "2025-05-15", "--reason", "goals-met")
    ok(*neet, "--youth", "Y-0001", "--start", "2025-06-01")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The book, built once through the CLI for the whole module (each test gets a copy)."""
    return build_template(tmp_path_factory, "followup", build_book)


def due(ok: Ok, *args: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(ok("followup", "due", "--format", "json", *args))
    return rows


def overdue(ok: Ok, *args: str) -> list[tuple[str, str, int]]:
    """`followup due` as (case, due, days overdue)."""
    return [(r["case"], r["due"], r["days_overdue"]) for r in due(ok, *args)]


def followup_events(ok: Ok, ref: str) -> list[tuple[str, str, str]]:
    record = json.loads(ok("case", "show", ref, "--format", "json"))
    return [
        (e["date"], e["event"], e["detail"])
        for e in record["timeline"]
        if e["event"].startswith("follow-up")
    ]


def record(ok: Ok, ref: str, date: str, reached: str, *more: str) -> str:
    return ok("followup", "record", ref, "--date", date, "--reached", reached, *more)


# --- due -----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("book")
def test_due_lists_due_and_overdue_follow_ups_oldest_first(ok: Ok) -> None:
    rows = due(ok, "--as-of", "2025-11-15")
    assert rows[0] == {
        "case": EARLY,
        "youth": "Y-0001",
        "model": "neet",
        "manager": "Anne Allik",
        "end": "2025-03-31",
        "due": "2025-09-30",
        "days_overdue": 46,
        "days_to_go": 0,
    }
    # The same due day: by case reference.
    assert overdue(ok, "--as-of", "2025-11-15") == [
        (EARLY, "2025-09-30", 46),
        (LATE, "2025-11-15", 0),
        (RV, "2025-11-15", 0),
    ]
    assert overdue(ok, "--as-of", "2025-11-14") == [(EARLY, "2025-09-30", 45)]
    assert overdue(ok, "--as-of", "2025-09-30") == [(EARLY, "2025-09-30", 0)]
    assert overdue(ok, "--as-of", "2025-09-29") == []
    assert overdue(ok, "--as-of", "2026-09-30") == [
        (EARLY, "2025-09-30", 365),
        (LATE, "2025-11-15", 319),
        (RV, "2025-11-15", 319),
    ]


@pytest.mark.usefixtures("book")
def test_within_also_lists_those_due_soon(ok: Ok) -> None:
    assert overdue(ok, "--as-of", "2025-11-14", "--within", "0") == [(EARLY, "2025-09-30", 45)]
    soon = [(EARLY, "2025-09-30", 45), (LATE, "2025-11-15", 0), (RV, "2025-11-15", 0)]
    assert overdue(ok, "--as-of", "2025-11-14", "--within", "1") == soon
    assert overdue(ok, "--as-of", "2025-11-14", "--within", "30") == soon
    assert overdue(ok, "--as-of", "2025-09-01", "--within", "29") == [(EARLY, "2025-09-30", 0)]
    assert overdue(ok, "--as-of", "2025-09-01", "--within", "28") == []


@pytest.mark.usefixtures("book")
def test_due_defaults_to_today(ok: Ok) -> None:
    today = dt.date.today()

    def late(day: str) -> int:
        return (today - dt.date.fromisoformat(day)).days

    assert overdue(ok) == [
        (EARLY, "2025-09-30", late("2025-09-30")),
        (LATE, "2025-11-15", late("2025-11-15")),
        (RV, "2025-11-15", late("2025-11-15")),
    ]


@pytest.mark.usefixtures("book")
def test_due_as_a_table_and_as_csv(ok: Ok) -> None:
    table = ok("followup", "due", "--as-of", "2025-11-14")
    assert "Follow-ups due" in table
    for word in ("Case", "Case manager", "Due", "Days overdue", EARLY, "Anne Allik", "45"):
        assert word in table
    assert RV not in table
    assert ok("followup", "due", "--as-of", "2025-11-15", "--format", "csv").splitlines() == [
        "case,youth,model,manager,end,due,days_overdue,days_to_go",
        f"{EARLY},Y-0001,neet,Anne Allik,2025-03-31,2025-09-30,46,0",
        f"{LATE},Y-0003,neet,,2025-05-15,2025-11-15,0,0",
        f"{RV},Y-0002,rv,Mari Maasikas,2025-05-15,2025-11-15,0,0",
    ]


@pytest.mark.usefixtures("book")
def test_nothing_due(ok: Ok) -> None:
    assert ok("followup", "due", "--as-of", "2025-09-29") == "Follow-ups due: none"
    assert due(ok, "--as-of", "2025-09-29") == []
    csv = ok("followup", "due", "--as-of", "2025-09-29", "--format", "csv")
    assert csv == "case,youth,model,manager,end,due,days_overdue,days_to_go"


@pytest.mark.usefixtures("book")
def test_done_and_skipped_follow_ups_are_not_listed(ok: Ok) -> None:
    record(ok, EARLY, "2025-10-02", "yes")
    ok("followup", "skip", RV, "--reason", "moved abroad")
    assert overdue(ok, "--as-of", "2026-01-01") == [(LATE, "2025-11-15", 47)]


DUE_REFUSALS = {
    "negative within": (1, ["--within", "-1"], "--within must be 0 or more days"),
    "within not a number": (2, ["--within", "soon"], "--within"),
    "malformed as-of": (2, ["--as-of", "2025-11-31"], "not a date"),
    "unknown format": (2, ["--format", "xml"], "--format"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("code", "args", "message"), DUE_REFUSALS.values(), ids=DUE_REFUSALS.keys()
)
def test_due_refused(book: Path, run: Run, code: int, args: list[str], message: str) -> None:
    assert message in refused(run, book, "followup", "due", *args, code=code)


# --- record --------------------------------------------------------------------------------------


def test_record_a_follow_up(book: Path, ok: Ok) -> None:
    assert record(
        ok, RV, "2025-11-20", "yes", "--education", "yes", "--employment", "no",
        "--note", "back at school",
    ) == RV  # fmt: skip
    assert query(
        book,
        "SELECT due, status, done_on, reached, in_education, in_employment, note FROM followups"
        f" WHERE case_id = (SELECT id FROM cases WHERE ref = '{RV}')",
    ) == [("2025-11-15", "done", "2025-11-20", 1, 1, 0, "back at school")]
    assert followup_events(ok, RV) == [
        ("2025-11-15", "follow-up due", "done"),
        ("2025-11-20", "follow-up done", "reached, education yes, employment no"),
    ]
    assert "follow-up done" in ok("case", "show", RV)
    assert RV not in [r["case"] for r in due(ok, "--as-of", "2026-01-01")]


def test_record_a_youth_not_reached(ok: Ok, book: Path) -> None:
    record(ok, LATE, "2025-11-10", "no")  # early is fine: the case has ended
    record(ok, EARLY, "2025-03-31", "yes")  # on the day the case ended
    assert followup_events(ok, LATE) == [
        ("2025-11-10", "follow-up done", "not reached"),
        ("2025-11-15", "follow-up due", "done"),
    ]
    assert followup_events(ok, EARLY) == [
        ("2025-03-31", "follow-up done", "reached, education unknown, employment unknown"),
        ("2025-09-30", "follow-up due", "done"),
    ]


def test_the_source_of_the_answer_and_the_wellbeing_then(book: Path, ok: Ok) -> None:
    """Table 1 row 2: where the answer came from, and the youth's wellbeing at the follow-up."""
    record(ok, RV, "2025-11-20", "yes", "--source", "youth", "--wellbeing", "7")
    # A register answers without the youth being reached.
    record(ok, LATE, "2025-11-20", "no", "--source", "register", "--employment", "yes")
    sql = (
        "SELECT source, wellbeing, reached, in_employment FROM followups WHERE done_on IS NOT NULL"
    )
    assert query(book, sql + " ORDER BY source") == [
        ("register", None, 0, 1),
        ("youth", 7, 1, None),
    ]
    assert followup_events(ok, RV)[-1] == (
        "2025-11-20",
        "follow-up done",
        "reached, education unknown, employment unknown; wellbeing 7/10; source: youth",
    )
    assert followup_events(ok, LATE)[-1] == (
        "2025-11-20", "follow-up done", "not reached; source: register",
    )  # fmt: skip
    assert "allikas: register" in ok("--lang", "et", "case", "show", LATE)


RECORD_REFUSALS = {
    "open case": (1, [OPEN, "--date", "2025-08-01", "--reached", "yes"], f"{OPEN} is open; a follow-up comes after closing"),
    "unknown case": (3, ["NEET-2025-099", "--date", "2025-11-20", "--reached", "yes"], "no case 'NEET-2025-099'"),
    "before the case end": (1, [RV, "--date", "2025-05-14", "--reached", "yes"], "the follow-up date 2025-05-14 is before the case end 2025-05-15"),
    "in the future": (1, [RV, "--date", FUTURE, "--reached", "yes"], "in the future"),
    "recorded twice": (1, [EARLY, "--date", "2025-10-15", "--reached", "yes"], f"the follow-up of {EARLY} has already been recorded or skipped"),
    "skipped before": (1, [LATE, "--date", "2025-11-20", "--reached", "yes"], f"the follow-up of {LATE} has already been recorded or skipped"),
    "education when not reached": (1, [RV, "--date", "2025-11-20", "--reached", "no", "--education", "yes"], "education and employment can be recorded only when the youth was reached"),
    "employment when not reached": (1, [RV, "--date", "2025-11-20", "--reached", "no", "--employment", "no"], "only when the youth was reached"),
    "reached maybe": (2, [RV, "--date", "2025-11-20", "--reached", "maybe"], "--reached"),
    "no reached": (2, [RV, "--date", "2025-11-20"], "--reached"),
    "no date": (2, [RV, "--reached", "yes"], "--date"),
    "malformed date": (2, [RV, "--date", "20.11.25", "--reached", "yes"], "two-digit year"),
    "wellbeing 11": (1, [RV, "--date", "2025-11-20", "--reached", "yes", "--wellbeing", "11"], "wellbeing"),
    "wellbeing when not reached": (1, [RV, "--date", "2025-11-20", "--reached", "no", "--wellbeing", "5"], "only when reached"),
    "wellbeing from a register": (1, [RV, "--date", "2025-11-20", "--reached", "yes", "--source", "register", "--wellbeing", "5"], "only when reached"),
    "unknown source": (2, [RV, "--date", "2025-11-20", "--reached", "yes", "--source", "school"], "--source"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("code", "args", "message"), RECORD_REFUSALS.values(), ids=RECORD_REFUSALS.keys()
)
def test_record_refused(
    book: Path, ok: Ok, run: Run, code: int, args: list[str], message: str
) -> None:
    record(ok, EARLY, "2025-10-01", "yes", "--employment", "yes")
    ok("followup", "skip", LATE, "--reason", "moved abroad")
    assert message in refused(run, book, "followup", "record", *args, code=code)


# --- skip ----------------------------------------------------------------------------------------


def test_skip_a_follow_up(book: Path, ok: Ok) -> None:
    assert ok("followup", "skip", RV, "--reason", "  moved abroad ") == RV
    assert query(
        book,
        "SELECT status, skip_reason, done_on FROM followups"
        f" WHERE case_id = (SELECT id FROM cases WHERE ref = '{RV}')",
    ) == [("skipped", "moved abroad", None)]
    assert followup_events(ok, RV) == [("2025-11-15", "follow-up due", "skipped")]
    assert [r["case"] for r in due(ok, "--as-of", "2026-01-01")] == [EARLY, LATE]


SKIP_REFUSALS = {
    "empty reason": (1, [RV, "--reason", ""], "give the reason for skipping the follow-up (--reason)"),
    "blank reason": (1, [RV, "--reason", "   "], "give the reason for skipping the follow-up (--reason)"),
    "no reason": (2, [RV], "--reason"),
    "already recorded": (1, [EARLY, "--reason", "x"], f"the follow-up of {EARLY} has already been recorded or skipped"),
    "already skipped": (1, [LATE, "--reason", "x"], f"the follow-up of {LATE} has already been recorded or skipped"),
    "open case": (1, [OPEN, "--reason", "x"], f"{OPEN} is open; a follow-up comes after closing"),
    "unknown case": (3, ["RV-2024-001", "--reason", "x"], "no case 'RV-2024-001'"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("code", "args", "message"), SKIP_REFUSALS.values(), ids=SKIP_REFUSALS.keys()
)
def test_skip_refused(
    book: Path, ok: Ok, run: Run, code: int, args: list[str], message: str
) -> None:
    record(ok, EARLY, "2025-10-01", "no")
    ok("followup", "skip", LATE, "--reason", "moved abroad")
    assert message in refused(run, book, "followup", "skip", *args, code=code)
