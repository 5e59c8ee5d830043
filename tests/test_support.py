"""Support requests to SKA (RV agreement 3.5) and the Lisa 4 "support requested" column (4.6)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, dump
from pg import connect_book

Ok = Callable[..., str]

RV = "RV-2025-001"
NEET = "NEET-2025-001"
TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()
PM = "process-management"


def request(ok: Ok, ref: str, date: str, kind: str = "implementation", *more: str) -> str:
    """`case support-request`; returns the printed number."""
    return ok("case", "support-request", ref, "--date", date, "--kind", kind, *more)


def answer(ok: Ok, ref: str, number: str, date: str, *more: str) -> str:
    """`case support-answer`; returns the printed answer."""
    return ok("case", "support-answer", ref, number, "--date", date, *more)


def open_rv(ok: Ok, youth: str, start: str, *more: str) -> str:
    return ok("case", "open", "--youth", youth, "--model", "rv", "--start", start, *more)


def add_youth(ok: Ok, name: str, birth_date: str, sex: str) -> str:
    return ok("youth", "add", "--name", name, "--birth-date", birth_date, "--sex", sex)


@pytest.fixture
def cases(initialised: Path, ok: Ok) -> Path:
    """An RV case from 2025-01-10 (youth aged 15) and a NEET case from 2025-02-01."""
    add_youth(ok, "Mart Tamm", "2010-01-01", "M")
    add_youth(ok, "Kati Kask", "2004-05-05", "F")
    assert open_rv(ok, "Y-0001", "2025-01-10", "--risk", "high") == RV
    neet = ok(
        "case", "open", "--youth", "Y-0002", "--model", "neet", "--start", "2025-02-01",
        "--light", "yellow", "--group", "neet",
    )  # fmt: skip
    assert neet == NEET
    return initialised


def requests(db_path: Path) -> list[tuple[Any, ...]]:
    con = connect_book(db_path)
    try:
        return con.execute(
            "SELECT c.ref, s.number, s.date, s.kind, s.justification, s.answer, s.answered_on,"
            " s.answer_note FROM support_requests s JOIN cases c ON c.id = s.case_id"
            " ORDER BY c.ref, s.number"
        ).fetchall()
    finally:
        con.close()


def lisa4(ok: Ok, period: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(ok("report", "lisa4", "--period", period, "-f", "json"))
    return report


# --- requests and answers ------------------------------------------------------------------------


def test_requests_are_numbered_within_their_case(cases: Path, ok: Ok) -> None:
    assert request(ok, RV, "2025-01-10") == "1"
    why = "  five agencies, repeated offences "
    assert request(ok, "rv-2025-001", "2025-03-04", PM, "--justification", why) == "2"
    add_youth(ok, "Jaan Saar", "2011-02-02", "M")
    assert open_rv(ok, "Y-0003", "2025-02-01", "--risk", "medium") == "RV-2025-002"
    assert request(ok, "RV-2025-002", "2025-02-03") == "1"
    assert request(ok, RV, "2025-03-05") == "3"
    assert requests(cases) == [
        (RV, 1, "2025-01-10", "implementation", None, None, None, None),
        (RV, 2, "2025-03-04", PM, "five agencies, repeated offences", None, None, None),
        (RV, 3, "2025-03-05", "implementation", None, None, None, None),
        ("RV-2025-002", 1, "2025-02-03", "implementation", None, None, None, None),
    ]


def test_implementation_request_may_carry_a_justification(cases: Path, ok: Ok) -> None:
    request(ok, RV, "2025-01-20", "implementation", "--justification", "first RV case here")
    assert requests(cases)[0][4] == "first RV case here"


def test_answers_granted_and_refused(cases: Path, ok: Ok) -> None:
    request(ok, RV, "2025-01-10")
    request(ok, RV, "2025-03-04", PM, "--justification", "complex network")
    assert answer(ok, RV, "1", "2025-01-10", "--granted") == "granted"
    assert answer(ok, RV, "2", "2025-03-20", "--refused", "--note", "not complex enough") == (
        "refused"
    )
    rows = requests(cases)
    assert rows[0][5:] == ("granted", "2025-01-10", None)
    assert rows[1][5:] == ("refused", "2025-03-20", "not complex enough")


def test_an_answer_may_come_after_the_case_closed(cases: Path, ok: Ok) -> None:
    request(ok, RV, "2025-05-02")
    ok("case", "close", RV, "--end", "2025-05-30", "--reason", "moved")
    answer(ok, RV, "1", "2025-06-10", "--refused")
    assert requests(cases)[0][5:7] == ("refused", "2025-06-10")


def test_case_show_lists_requests_and_answers_without_the_justification(
    cases: Path, ok: Ok
) -> None:
    request(ok, RV, "2025-03-04", PM, "--justification", "secret details of the family")
    answer(ok, RV, "1", "2025-03-20", "--granted", "--note", "ok")
    shown = ok("case", "show", RV, "--format", "json")
    events = [e for e in json.loads(shown)["timeline"] if e["event"].startswith("support")]
    assert events == [
        {"date": "2025-03-04", "event": "support requested", "detail": f"#1 {PM}", "record": "R-1"},
        {"date": "2025-03-20", "event": "support granted", "detail": f"#1 {PM}", "record": "R-1"},
    ]
    assert "secret details" not in shown
    assert "secret details" not in ok("case", "show", RV)


def test_support_requested_reads_implementation_requests_up_to_a_day(cases: Path) -> None:
    from rvneet.db import Database
    from rvneet.domain.enums import SupportKind
    from rvneet.services.lookups import get_case
    from rvneet.services.support import request_support, support_requested

    db = Database(cases, "tester")
    with db.session(write=True) as session:
        request_support(
            session, RV, date=dt.date(2025, 2, 1), kind=SupportKind.PROCESS_MANAGEMENT,
            justification="complex",
        )  # fmt: skip
        request_support(session, RV, date=dt.date(2025, 3, 1), kind=SupportKind.IMPLEMENTATION)
    with db.session() as session:
        case_id = get_case(session, RV).id
        assert case_id is not None
        assert not support_requested(session, case_id, dt.date(2025, 2, 28))
        assert support_requested(session, case_id, dt.date(2025, 3, 1))
        assert support_requested(session, case_id, dt.date(2025, 12, 31))


def test_requests_and_answers_are_audited(cases: Path, ok: Ok) -> None:
    request(ok, RV, "2025-01-10")
    answer(ok, RV, "1", "2025-01-15", "--granted")
    con = connect_book(cases)
    try:
        actions = con.execute(
            "SELECT action, user FROM audit_log WHERE entity = 'support_requests' ORDER BY id"
        ).fetchall()
    finally:
        con.close()
    assert actions == [("insert", "tester"), ("update", "tester")]


# --- refusals ------------------------------------------------------------------------------------

REFUSALS = {
    "unknown case": (3, ["support-request", "RV-2025-099", "--date", "2025-02-01", "--kind", "implementation"], "no case"),
    "unknown request": (3, ["support-answer", RV, "7", "--date", "2025-02-01", "--granted"], "no support request 7"),
    "answer on unknown case": (3, ["support-answer", "RV-2024-009", "1", "--date", "2025-02-01", "--granted"], "no case"),
    "NEET case": (1, ["support-request", NEET, "--date", "2025-02-10", "--kind", "implementation"], "RV cases only"),
    "process management without justification": (1, ["support-request", RV, "--date", "2025-02-10", "--kind", PM], "justification"),
    "process management with a blank justification": (1, ["support-request", RV, "--date", "2025-02-10", "--kind", PM, "--justification", "   "], "justification"),
    "request before the case start": (1, ["support-request", RV, "--date", "2025-01-09", "--kind", "implementation"], "before the case start"),
    "request in the future": (1, ["support-request", RV, "--date", TOMORROW, "--kind", "implementation"], "in the future"),
    "answer before the request": (1, ["support-answer", RV, "1", "--date", "2025-01-31", "--granted"], "before the request date"),
    "answer in the future": (1, ["support-answer", RV, "1", "--date", TOMORROW, "--refused"], "in the future"),
    "answer twice": (1, ["support-answer", RV, "2", "--date", "2025-03-01", "--refused"], "already answered"),
    "neither granted nor refused": (2, ["support-answer", RV, "1", "--date", "2025-02-10"], "exactly one of --granted and --refused"),
    "both granted and refused": (2, ["support-answer", RV, "1", "--date", "2025-02-10", "--granted", "--refused"], "exactly one of --granted and --refused"),
    "unknown kind": (2, ["support-request", RV, "--date", "2025-02-10", "--kind", "money"], "--kind"),
    "malformed date": (2, ["support-request", RV, "--date", "2025-02-30", "--kind", "implementation"], "not a date"),
    "request number not a number": (2, ["support-answer", RV, "one", "--date", "2025-02-10", "--granted"], "REQ"),
}  # fmt: skip


@pytest.mark.parametrize(("code", "args", "message"), REFUSALS.values(), ids=REFUSALS.keys())
def test_refused(cases: Path, ok: Ok, run: Run, code: int, args: list[str], message: str) -> None:
    request(ok, RV, "2025-02-01")
    request(ok, RV, "2025-02-01")
    answer(ok, RV, "2", "2025-02-05", "--granted")
    before = dump(cases)
    result = run("case", *args)
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert message in lines[0]
    assert result.stdout == ""
    assert dump(cases) == before


def test_request_after_the_case_end_is_refused(cases: Path, ok: Ok, run: Run) -> None:
    ok("case", "close", RV, "--end", "2025-04-30", "--reason", "goals-met")
    before = dump(cases)
    result = run("case", "support-request", RV, "--date", "2025-05-01", "--kind", "implementation")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: the support request date 2025-05-01 is after the case end 2025-04-30"
    ]
    assert dump(cases) == before


# --- Lisa 4 --------------------------------------------------------------------------------------


def test_lisa4_counts_an_implementation_request_from_its_date(cases: Path, ok: Ok) -> None:
    request(ok, RV, "2025-08-01")
    first = lisa4(ok, "2025H1")
    assert first["summary"]["by_support_requested"] == {"no": 1}
    assert first["cases"][0]["support_requested"] is False
    second = lisa4(ok, "2025H2")
    assert second["summary"]["by_support_requested"] == {"yes": 1}
    assert second["cases"][0]["support_requested"] is True
    # It counts from the request's own day.
    assert lisa4(ok, "2025-07-01..2025-07-31")["cases"][0]["support_requested"] is False
    assert lisa4(ok, "2025-07-01..2025-08-01")["cases"][0]["support_requested"] is True
    header = "case,sex,age,risk,start,end,support_requested,risk_at_start,periods"
    assert ok("report", "lisa4", "--period", "2025H1", "-f", "csv").splitlines() == [
        header,
        f"{RV},M,15,high,2025-01-10,,no,high,2025-01-10..",
    ]
    assert ok("report", "lisa4", "--period", "2025H2", "-f", "csv").splitlines() == [
        header,
        f"{RV},M,15,high,2025-01-10,,yes,high,2025-01-10..",
    ]


def test_lisa4_ignores_a_process_management_request_alone(cases: Path, ok: Ok) -> None:
    request(ok, RV, "2025-02-01", PM, "--justification", "complex network")
    answer(ok, RV, "1", "2025-02-10", "--granted")
    for period in ("2025H1", "2025"):
        report = lisa4(ok, period)
        assert report["summary"]["by_support_requested"] == {"no": 1}
        assert report["cases"][0]["support_requested"] is False


def test_lisa4_counts_a_refused_request_as_requested(cases: Path, ok: Ok) -> None:
    request(ok, RV, "2025-02-01")
    answer(ok, RV, "1", "2025-02-10", "--refused")
    assert lisa4(ok, "2025H1")["summary"]["by_support_requested"] == {"yes": 1}


def test_support_requested_at_opening_is_an_implementation_request(cases: Path, ok: Ok) -> None:
    add_youth(ok, "Jaan Saar", "2011-02-02", "M")
    ref = open_rv(ok, "Y-0003", "2025-03-03", "--risk", "medium", "--support-requested")
    assert requests(cases) == [(ref, 1, "2025-03-03", "implementation", None, None, None, None)]
    assert request(ok, ref, "2025-03-05") == "2"
    report = lisa4(ok, "2025H1")
    assert report["summary"]["by_support_requested"] == {"no": 1, "yes": 1}
    assert [c["support_requested"] for c in report["cases"]] == [False, True]


def test_lisa4_keeps_every_field_and_adds_the_agreements(cases: Path, ok: Ok) -> None:
    request(ok, RV, "2025-01-10")
    report = lisa4(ok, "2025H1")
    assert list(report) == ["report", "municipality", "period", "summary", "cases"]
    # Issue 16 added without_support_request, by_risk_at_start and process_support_requests.
    assert list(report["summary"]) == [
        "youths", "cases_active", "cases_started", "cases_ended", "cases_ongoing_at_end",
        "without_support_request", "by_sex", "by_age", "by_risk", "by_support_requested",
        "by_risk_at_start", "process_support_requests",
    ]  # fmt: skip
    assert report["cases"] == [
        {"case": RV, "sex": "M", "age": 15, "risk": "high", "start": "2025-01-10", "end": None,
         "support_requested": True, "risk_at_start": "high",
         "periods": [{"start": "2025-01-10", "end": None}]},
    ]  # fmt: skip
