"""Correcting mistakes: `case correct`, `case withdraw`, `youth correct` and `case show --history`.

A correction is checked by the rules of the record's creation; a refusal writes nothing; a withdrawn
record is kept but left out of timelines, listings, reports and checks; the audit chain stays valid.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import CODE_F_2010, CODE_M_1995, CODE_M_2010, Ok, Run, build_template, query, refused
from hypothesis import given
from hypothesis import strategies as st

RV = "RV-2025-001"
NEET = "NEET-2025-001"


def _build(ok: Any) -> None:
    ok("init", "--municipality", "Viljandi linn")
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)  # Y-0001
    ok("youth", "add", "--name", "Mart Tamm", "--id-code", CODE_M_2010)  # Y-0002
    ok("youth", "add", "--name", "Jaan Kask", "--birth-date", "2009-04-04", "--sex", "M")  # Y-0003
    ok("youth", "consent", "Y-0001", "--date", "2025-02-01", "--scope", "participation",
       "--given-by", "guardian")  # fmt: skip
    ok("case", "open", "--youth", "Y-0001", "--model", "rv", "--start", "2025-02-03",
       "--risk", "high", "--support-requested")  # fmt: skip
    ok("case", "contact", RV, "--date", "2025-02-10", "--channel", "phone")
    ok("case", "contact", RV, "--date", "2025-03-10", "--channel", "meeting")
    ok("case", "stage", RV, "network", "--date", "2025-03-01")
    ok("case", "assess", RV, "--date", "2025-04-01", "--risk", "medium")
    ok("network", "add", "--name", "Kati Kask", "--role", "youth-worker", "--org", "Noortekeskus")
    ok("case", "goal", "add", RV, "Goes to school", "--date", "2025-03-01")
    ok("case", "activity", "add", RV, "--member", "M-001", "--kind", "mentoring",
       "--start", "2025-03-05", "--no-consent-reason", "urgent")  # fmt: skip
    ok("case", "open", "--youth", "Y-0002", "--model", "neet", "--group", "risk",
       "--light", "red", "--start", "2025-01-10")  # fmt: skip
    ok("case", "contact", NEET, "--date", "2025-01-15", "--channel", "phone")
    ok("case", "needs", NEET, "--date", "2025-01-20", "--need", "education")
    ok("case", "close", NEET, "--end", "2025-06-30", "--reason", "moved")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory, "corrections", _build)


def shown(ok: Ok, ref: str, *extra: str) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(ok("case", "show", ref, "--format", "json", *extra))
    return record


def refs(ok: Ok, case: str, event: str) -> list[str]:
    """The record references of a case's timeline events named `event`, in timeline order."""
    return [e["record"] for e in shown(ok, case)["timeline"] if e["event"] == event]


def report(ok: Ok, *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ok("report", *args, "--format", "json", "--no-timestamp"))
    return data


def audit_intact(ok: Ok) -> None:
    assert ok("audit", "verify").startswith("audit log intact")


# --- the rules of creation hold ---------------------------------------------------------------


def test_a_start_after_the_first_contact_is_refused(book: Path, run: Run) -> None:
    message = refused(run, book, "case", "correct", RV, "--start", "2025-02-11", "--reason", "x")
    assert "first contact" in message


def test_a_start_corrected_earlier_moves_the_opening_records(book: Path, ok: Ok) -> None:
    assert report(ok, "lisa4", "--period", "2025")["summary"]["cases_started"] == 1
    ok("case", "correct", RV, "--start", "2024-12-20", "--reason", "typed wrong")
    record = shown(ok, RV)
    assert record["start"] == "2024-12-20"
    opening = [e for e in record["timeline"] if e["date"] == "2024-12-20"]
    assert [e["event"] for e in opening] == ["opened", "assessment", "stage", "support requested"]
    # Lisa 4 reads the corrected start: the case began in 2024, not 2025.
    assert report(ok, "lisa4", "--period", "2025")["summary"]["cases_started"] == 0
    assert report(ok, "lisa4", "--period", "2024")["summary"]["cases_started"] == 1
    audit_intact(ok)


def test_a_contact_dated_outside_the_case_is_refused(book: Path, ok: Ok, run: Run) -> None:
    first = refs(ok, RV, "contact")[0]
    message = refused(
        run, book, "case", "correct", RV, first, "--date", "2025-01-02", "--reason", "x"
    )
    assert "before the case start" in message


def test_a_stage_change_out_of_order_is_refused(book: Path, ok: Ok, run: Run) -> None:
    network = refs(ok, RV, "stage")[1]
    message = refused(
        run, book, "case", "correct", RV, network, "--date", "2025-02-01", "--reason", "x"
    )
    assert "before the case start" in message or "previous" in message
    ok("case", "stage", RV, "action-plan", "--date", "2025-04-10")
    message = refused(
        run, book, "case", "correct", RV, network, "--date", "2025-05-01", "--reason", "x"
    )
    assert "after the next one" in message


def test_an_end_before_a_record_of_the_case_is_refused(book: Path, run: Run) -> None:
    message = refused(
        run, book, "case", "correct", NEET, "closing", "--date", "2025-01-16", "--reason", "x"
    )
    assert "before" in message


@pytest.mark.parametrize(
    "args",
    [
        ("case", "correct", RV, "--start", "2025-01-01", "--reason", " "),
        ("case", "correct", RV, "--reason", "nothing given"),
        ("case", "correct", RV, "closing", "--date", "2025-05-01", "--reason", "open case"),
        ("case", "correct", RV, "X-1", "--date", "2025-05-01", "--reason", "no such kind"),
        ("case", "correct", RV, "C-999", "--date", "2025-05-01", "--reason", "no such record"),
        ("case", "correct", RV, "--group", "neet", "--reason", "an RV case has no group"),
        ("case", "correct", RV, "--date", "2025-05-01", "--reason", "a record's option"),
        ("case", "correct", RV, "A-1", "--start", "2025-05-01", "--reason", "the case's option"),
        ("case", "correct", RV, "A-1", "--channel", "sms", "--reason", "not an assessment's"),
        ("case", "correct", RV, "A-1", "--risk", "huge", "--reason", "not a level"),
        ("case", "correct", RV, "A-1", "--light", "red", "--reason", "RV takes a risk"),
        ("case", "correct", RV, "A-1", "--risk", "high", "--reason", "the value it has"),
        ("case", "withdraw", RV, "A-1", "--reason", "the opening stage"),
        ("case", "withdraw", RV, "T-1", "--reason", "the first stage"),
        ("case", "withdraw", RV, "closing", "--reason", "not closed"),
        ("youth", "correct", "Y-0001", "--birth-date", "2010-01-02", "--reason", "has a code"),
        ("youth", "correct", "Y-0001", "--code", CODE_M_2010, "--reason", "another's code"),
        ("youth", "correct", "Y-0001", "--code", "61001010000", "--reason", "bad check digit"),
        ("youth", "correct", "Y-0003", "--birth-date", "2030-01-01", "--reason", "in the future"),
        ("youth", "correct", "Y-0001", "--name", "", "--reason", "empty name"),
    ],
)
def test_refusals_write_nothing(book: Path, ok: Ok, run: Run, args: tuple[str, ...]) -> None:
    if args[3:4] == ("A-1",) and args[1] == "withdraw":
        ok("case", "withdraw", RV, "A-2", "--reason", "leave only the first")
    refused(run, book, *args, code=3 if "C-999" in args else 1)


def test_the_reason_is_required(book: Path, run: Run) -> None:
    result = run("case", "withdraw", RV, "C-1")
    assert result.exit_code == 2 and "--reason" in result.stderr


def test_a_record_of_another_case_is_not_found(book: Path, ok: Ok, run: Run) -> None:
    neet_contact = refs(ok, NEET, "contact")[0]
    refused(run, book, "case", "withdraw", RV, neet_contact, "--reason", "x", code=3)


def test_a_withdrawn_record_is_not_changed_again(book: Path, ok: Ok, run: Run) -> None:
    contact = refs(ok, RV, "contact")[1]
    ok("case", "withdraw", RV, contact, "--reason", "recorded twice")
    refused(run, book, "case", "withdraw", RV, contact, "--reason", "again")
    refused(run, book, "case", "correct", RV, contact, "--channel", "sms", "--reason", "again")


# --- withdrawn records are left out -----------------------------------------------------------


def test_withdrawing_the_first_contact_moves_the_first_contact_date(book: Path, ok: Ok) -> None:
    assert shown(ok, RV)["first_contact"] == "2025-02-10"
    first = refs(ok, RV, "contact")[0]
    assert ok("case", "withdraw", RV, first, "--reason", "it was another youth") == first
    record = shown(ok, RV)
    assert record["first_contact"] == "2025-03-10"
    assert first not in [e.get("record") for e in record["timeline"]]
    # Now the start may move after the old first contact.
    ok("case", "correct", RV, "--start", "2025-02-20", "--reason", "typed wrong")
    assert shown(ok, RV)["start"] == "2025-02-20"
    audit_intact(ok)


def test_history_shows_withdrawn_records_and_corrections(book: Path, ok: Ok) -> None:
    first, second = refs(ok, RV, "contact")
    ok("case", "correct", RV, second, "--date", "2025-03-11", "--channel", "sms",
       "--reason", "typed wrong")  # fmt: skip
    ok("case", "withdraw", RV, first, "--reason", "recorded twice")
    plain = shown(ok, RV)
    assert "history" not in plain
    assert [e["record"] for e in plain["timeline"] if e["event"] == "contact"] == [second]
    full = shown(ok, RV, "--history")
    contacts = [e for e in full["timeline"] if e["event"] == "contact"]
    assert [(e["record"], e.get("withdrawn_reason")) for e in contacts] == [
        (first, "recorded twice"),
        (second, None),
    ]
    assert contacts[0]["withdrawn_by"] == "tester"
    corrected, withdrawn = full["history"]
    assert corrected["record"] == second and corrected["action"] == "correct"
    assert corrected["changes"] == {
        "channel": ["meeting", "sms"],
        "date": ["2025-03-10", "2025-03-11"],
    }
    assert corrected["reason"] == "typed wrong" and corrected["user"] == "tester"
    assert withdrawn["record"] == first and withdrawn["action"] == "withdraw"
    table = ok("case", "show", RV, "--history")
    assert "recorded twice" in table and "typed wrong" in table
    assert "2025-03-10 → 2025-03-11" in table
    assert "Channel: meeting → sms" in table
    assert "recorded twice" not in ok("case", "show", RV)


def test_a_name_correction_is_redacted_in_history_and_audit(book: Path, ok: Ok) -> None:
    ok("youth", "correct", "Y-0001", "--name", "Mari Maasikas-Kask", "--reason", "married")
    history = shown(ok, RV, "--history")["history"]
    assert history[-1]["changes"] == {"name": ["[redacted]", "[redacted]"]}
    assert json.loads(ok("youth", "show", "Y-0001", "--format", "json"))["name"] == (
        "Mari Maasikas-Kask"
    )
    log = " ".join(str(r) for r in query(book, "SELECT changes FROM audit_log"))
    assert "Maasikas-Kask" not in log
    audit_intact(ok)


def test_a_code_correction_gives_birth_date_and_sex(book: Path, ok: Ok) -> None:
    ok("youth", "correct", "Y-0002", "--code", CODE_M_1995, "--reason", "typed wrong")
    youth = json.loads(ok("youth", "show", "Y-0002", "--format", "json"))
    assert youth["birth_date"] == "1995-01-01"
    # Without a code, birth date and sex are corrected directly.
    ok("youth", "correct", "Y-0003", "--birth-date", "2009-05-05", "--sex", "F", "--reason", "x")
    youth = json.loads(ok("youth", "show", "Y-0003", "--format", "json"))
    assert (youth["birth_date"], youth["sex"]) == ("2009-05-05", "F")


def test_every_kind_of_record_can_be_corrected(book: Path, ok: Ok) -> None:
    def ref(case: str, event: str, index: int = 0) -> str:
        return refs(ok, case, event)[index]

    def correct(case: str, *args: str) -> None:
        ok("case", "correct", case, *args, "--reason", "typed wrong")

    correct(RV, ref(RV, "assessment", 1), "--risk", "high", "--date", "2025-04-02")
    correct(RV, ref(RV, "stage", 1), "--date", "2025-03-02", "--note", "met")
    correct(RV, ref(RV, "contact", 1), "--place", "school")
    correct(RV, ref(RV, "goal added"), "--text", "Goes to school daily", "--due", "2025-09-01")
    correct(RV, ref(RV, "activity started"), "--kind", "tutoring", "--date", "2025-03-06")
    correct(RV, ref(RV, "support requested"), "--answer", "granted", "--answered-on", "2025-02-20")
    correct(RV, ref(RV, "support requested"), "--answer", "none")
    consent = shown(ok, RV)["consents"][0]["record"]
    correct(RV, consent, "--date", "2025-01-31")
    correct(NEET, ref(NEET, "needs"), "--motivation", "4", "--neet-months", "3")
    correct(NEET, ref(NEET, "follow-up due"), "--due", "2026-01-05")
    correct(NEET, "closing", "--close-reason", "declined")
    record, neet = shown(ok, RV), shown(ok, NEET)
    assert record["level"] == "high"
    assert record["consents"][0]["date"] == "2025-01-31"
    assert not [e for e in record["timeline"] if e["event"] == "support granted"]
    assert neet["close_reason"] == "declined"
    assert [e["date"] for e in neet["timeline"] if e["event"] == "follow-up due"] == ["2026-01-05"]
    plan = json.loads(ok("case", "plan", RV, "--format", "json"))
    assert plan["goals"][0]["text"] == "Goes to school daily"
    assert plan["activities"][0]["kind"] == "tutoring"
    assert len(shown(ok, RV, "--history")["history"]) == 8
    audit_intact(ok)
    # Every record agrees with its audit entries (the full check replays them).
    checked = json.loads(ok("db", "check", "--full", "--format", "json"))
    assert all(row["ok"] for row in checked), checked


def test_a_withdrawn_goal_keeps_its_number(book: Path, ok: Ok) -> None:
    ok("case", "withdraw", RV, "G-1", "--reason", "another youth's")
    assert json.loads(ok("case", "plan", RV, "--format", "json"))["goals"] == []
    assert ok("case", "goal", "add", RV, "Finds a hobby", "--date", "2025-04-05") == "2"


# --- the closing ------------------------------------------------------------------------------


def test_withdrawing_the_closing_reopens_the_case_as_if_never_closed(book: Path, ok: Ok) -> None:
    due = json.loads(ok("followup", "due", "--as-of", "2026-06-01", "--format", "json"))
    assert [f["case"] for f in due] == [NEET]
    ok("case", "withdraw", NEET, "closing", "--reason", "closed the wrong case")
    record = shown(ok, NEET)
    assert (record["status"], record["end"], record["stage"]) == ("open", None, "contact")
    assert [e["event"] for e in record["timeline"]] == [
        "opened", "assessment", "stage", "contact", "needs"
    ]  # fmt: skip
    assert json.loads(ok("followup", "due", "--as-of", "2026-06-01", "--format", "json")) == []
    assert query(book, "SELECT count(*) FROM reopenings") == [(0,)]
    listed = json.loads(ok("case", "list", "--open", "--format", "json"))
    assert NEET in [c["case"] for c in listed]
    audit_intact(ok)


def test_correcting_the_end_moves_the_follow_up(book: Path, ok: Ok) -> None:
    ok("case", "correct", NEET, "closing", "--date", "2025-07-31", "--reason", "typed wrong")
    record = shown(ok, NEET)
    assert record["end"] == "2025-07-31"
    events = {e["event"]: e["date"] for e in record["timeline"]}
    assert events["closed"] == events["stage"] == "2025-07-31"
    assert events["follow-up due"] == "2026-01-31"


# --- reports read the corrected book ----------------------------------------------------------


def test_lisa4_reads_corrections_and_leaves_withdrawn_records_out(book: Path, ok: Ok) -> None:
    summary = report(ok, "lisa4", "--period", "2025")["summary"]
    assert summary["by_risk"] == {"medium": 1}
    assert summary["by_support_requested"] == {"yes": 1}
    ok("case", "withdraw", RV, refs(ok, RV, "assessment")[1], "--reason", "another youth's")
    ok("case", "withdraw", RV, refs(ok, RV, "support requested")[0], "--reason", "never sent")
    summary = report(ok, "lisa4", "--period", "2025")["summary"]
    assert summary["by_risk"] == {"high": 1}
    assert summary["by_support_requested"] == {"no": 1}


def test_neet_report_leaves_a_withdrawn_needs_assessment_out(book: Path, ok: Ok) -> None:
    def figures() -> dict[str, Any]:
        return dict(report(ok, "neet", "--period", "2025")["summary"])

    assert figures()["cases_needs_assessed"] == 1
    assert figures()["cases_closed"] == 1
    ok("case", "withdraw", NEET, refs(ok, NEET, "needs")[0], "--reason", "recorded twice")
    assert figures()["cases_needs_assessed"] == 0
    ok("case", "withdraw", NEET, "closing", "--reason", "closed by mistake")
    assert figures()["cases_closed"] == 0


def test_workload_reads_a_corrected_level(book: Path, ok: Ok) -> None:
    def by_risk() -> dict[str, int]:
        return dict(report(ok, "workload", "--as-of", "2025-05-01")["summary"]["by_risk"])

    assert by_risk() == {"high": 0, "medium": 1}
    ok("case", "correct", RV, refs(ok, RV, "assessment")[1], "--risk", "high", "--reason", "x")
    assert by_risk() == {"high": 1, "medium": 0}


def test_followups_report_leaves_a_withdrawn_follow_up_out(book: Path, ok: Ok) -> None:
    def due() -> int:
        return int(report(ok, "followups", "--period", "2025")["summary"]["followups_due"])

    assert due() == 1
    ok("case", "withdraw", NEET, refs(ok, NEET, "follow-up due")[0], "--reason", "not needed")
    assert due() == 0
    assert json.loads(ok("followup", "due", "--as-of", "2026-06-01", "--format", "json")) == []


def test_check_leaves_withdrawn_contacts_and_consents_out(book: Path, ok: Ok, run: Run) -> None:
    def failing(day: str) -> dict[str, list[str]]:
        out = run("check", "--period", f"{day}..{day}", "--format", "json", "--warn-only").stdout
        return {r["rule"]: r["refs"] for r in json.loads(out) if r["refs"]}

    assert RV not in failing("2025-04-01").get("no-recent-contact", [])
    assert "Y-0001" not in failing("2025-04-01").get("no-participation-consent", [])
    for contact in refs(ok, RV, "contact"):
        ok("case", "withdraw", RV, contact, "--reason", "recorded on the wrong case")
    consent = shown(ok, RV)["consents"][0]["record"]
    ok("case", "withdraw", RV, consent, "--reason", "another youth's")
    found = failing("2025-04-10")
    assert RV in found["no-recent-contact"]
    assert "Y-0001" in found["no-participation-consent"]
    assert shown(ok, RV)["consents"] == []


def test_case_list_shows_the_level_of_the_remaining_assessments(book: Path, ok: Ok) -> None:
    def level() -> str:
        rows = json.loads(ok("case", "list", "--format", "json"))
        return str(next(r["level"] for r in rows if r["case"] == RV))

    assert level() == "medium"
    ok("case", "withdraw", RV, refs(ok, RV, "assessment")[1], "--reason", "another youth's")
    assert level() == "high"


def test_estonian_words_are_taken(book: Path, ok: Ok) -> None:
    ok("--lang", "et", "case", "correct", NEET, "lõpetamine", "--close-reason", "loobus",
       "--reason", "vale põhjus")  # fmt: skip
    assert shown(ok, NEET)["close_reason"] == "declined"
    out = ok("--lang", "et", "case", "show", NEET, "--history")
    assert "Parandused" in out and "vale põhjus" in out
    # The changed field and its values in words, not as stored (close_reason: goals-met → declined).
    assert "Lõpetamise põhjus" in out and "close_reason" not in out
    assert "loobus" in out and "declined" not in out


def test_the_json_of_a_correction_names_the_record_and_the_changes(book: Path, ok: Ok) -> None:
    contact = refs(ok, RV, "contact")[0]
    out = json.loads(
        ok("case", "correct", RV, contact, "--channel", "sms", "--reason", "x", "--format", "json")
    )
    assert (out["case"], out["record"], out["action"], out["user"]) == (
        RV,
        contact,
        "correct",
        "tester",
    )
    assert out["changes"] == {"channel": ["phone", "sms"]}


# --- record references ------------------------------------------------------------------------


@given(letter=st.sampled_from("ATCNGPKRF"), number=st.integers(1, 10**9 - 1))
def test_a_record_reference_reads_back_in_any_spelling(letter: str, number: int) -> None:
    from rvneet.domain.refs import parse_record_ref

    for text in (f"{letter}-{number}", f"{letter.lower()}{number}", f" {letter} - {number} "):
        assert parse_record_ref(text) == (letter, number)


@given(text=st.text(max_size=20))
def test_anything_else_is_no_record_reference_or_a_well_formed_one(text: str) -> None:
    from rvneet.domain.refs import KINDS, parse_record_ref

    parsed = parse_record_ref(text)
    assert parsed is None or (parsed[0] in KINDS and parsed[1] >= 0)
    for word in ("Y-0001", "S-1", "M-001", "closing", "RV-2025-001", ""):
        assert parse_record_ref(word) is None


def test_the_categories_of_a_needs_assessment_are_corrected(book: Path, ok: Ok, run: Run) -> None:
    needs = refs(ok, NEET, "needs")[0]
    ok("case", "correct", NEET, needs, "--need", "work", "--need", "health", "--reason", "x")
    (event,) = [e for e in shown(ok, NEET)["timeline"] if e["event"] == "needs"]
    assert event["detail"] == "work, health"
    history = shown(ok, NEET, "--history")["history"]
    assert history[-1]["changes"] == {"needs": [["education"], ["work", "health"]]}
    refused(run, book, "case", "correct", NEET, needs, "--need", "cooking", "--reason", "x")
    audit_intact(ok)
