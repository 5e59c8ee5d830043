"""The RV cooperation agreement in the book (issue 16): `rvneet agreement ...`, and the warnings of
`case open --model rv` (no agreement in force, start outside its period, case limit exceeded)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Ok, Run, query, refused, refused_et

NUMBER = "2-10/29628-1"
ADD = (
    "agreement", "add", "--number", NUMBER, "--signed", "2024-03-01", "--start", "2024-03-01",
    "--end", "2025-12-31", "--case-limit", "2",
)  # fmt: skip


def add_youths(ok: Ok, n: int) -> None:
    for i in range(1, n + 1):
        ok("youth", "add", "--name", f"Noor {i}", "--birth-date", f"2010-0{i}-01", "--sex", "F")


def open_rv(run: Run, youth: str, start: str, *more: str) -> tuple[int, str, str]:
    result = run(
        "case", "open", "--youth", youth, "--model", "rv", "--start", start, "--risk", "high",
        *more,
    )  # fmt: skip
    return result.exit_code, result.stdout.strip(), result.stderr


def refused_in_et(run: Run, db_path: Path, *args: str, code: int = 1) -> str:
    """`refused` with --lang et: one `Viga:` line, nothing printed or written."""
    return refused_et(run, db_path, "--lang", "et", *args, code=code)


@pytest.fixture
def agreed(initialised: Path, ok: Ok) -> Path:
    """The agreement 2-10/29628-1 (2024-03-01 … 2025-12-31, limit 2, two deadlines)."""
    ok(*ADD, "--deadline", "2025H1=2025-07-15", "--deadline", "2026-01-15", "--kov-contact", "E E")
    return initialised


def test_add_list_and_show(agreed: Path, ok: Ok) -> None:
    rows = json.loads(ok("agreement", "list", "--format", "json"))
    assert [
        (r["agreement"], r["start"], r["end"], r["case_limit"], r["cases_used"]) for r in rows
    ] == [(NUMBER, "2024-03-01", "2025-12-31", 2, 0)]
    shown = json.loads(ok("agreement", "show", NUMBER, "--format", "json"))
    # A date alone is the deadline of the half-year that ended before it.
    assert [(d["period"], d["due"], d["submitted"]) for d in shown["deadlines"]] == [
        ("2025H1", "2025-07-15", False),
        ("2025H2", "2026-01-15", False),
    ]
    assert shown["not_submitted"] == ["2025H1", "2025H2"]
    table = ok("agreement", "show", NUMBER)
    assert "Lisa 4 deadlines" in table and "2025H2" in table
    assert "Juhtumite piirarv" in ok("--lang", "et", "agreement", "show", NUMBER)


def test_amend_is_kept_dated_and_audited(agreed: Path, ok: Ok) -> None:
    assert ok(
        "agreement", "amend", NUMBER, "--date", "2025-05-01", "--case-limit", "3",
        "--reason", "annex",
    ) == "Case limit"  # fmt: skip
    shown = json.loads(ok("agreement", "show", NUMBER, "--format", "json"))
    assert shown["case_limit"] == 3
    assert shown["amendments"] == [
        {"date": "2025-05-01", "reason": "annex", "changes": {"case_limit": [2, 3]}}
    ]
    assert "Juhtumite piirarv" in ok("--lang", "et", "agreement", "show", NUMBER)
    entities = {r[0] for r in query(agreed, "SELECT entity FROM audit_log")}
    assert {"agreements", "agreement_amendments", "agreement_deadlines"} <= entities
    ok("audit", "verify")


def test_end_makes_the_date_its_last_day(agreed: Path, ok: Ok) -> None:
    ok("agreement", "end", NUMBER, "--date", "2025-09-30", "--reason", "notice")
    shown = json.loads(ok("agreement", "show", NUMBER, "--format", "json"))
    assert (shown["end"], shown["ended_on"], shown["end_reason"]) == (
        "2025-09-30",
        "2025-09-30",
        "notice",
    )
    # The next agreement may start the day after.
    ok(
        "agreement", "add", "--number", "B-2", "--signed", "2025-09-01", "--start", "2025-10-01",
        "--end", "2026-12-31", "--case-limit", "5",
    )  # fmt: skip


BAD = [
    # an overlap with the recorded agreement
    (("--number", "X-1", "--start", "2025-12-31", "--end", "2026-12-31", "--case-limit", "5"),
     "overlaps agreement 2-10/29628-1", "kattub lepinguga 2-10/29628-1"),
    (("--number", "X-1", "--start", "2027-01-01", "--end", "2026-12-31", "--case-limit", "5"),
     "is before its start", "on enne selle algust"),
    (("--number", "X-1", "--start", "2027-01-01", "--end", "2027-12-31", "--case-limit", "0"),
     "at least 1", "vähemalt 1"),
    (("--number", NUMBER, "--start", "2027-01-01", "--end", "2027-12-31", "--case-limit", "5"),
     "already recorded", "juba salvestatud"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "english", "estonian"), BAD)
def test_bad_agreements_are_refused_in_both_languages(
    agreed: Path, run: Run, args: tuple[str, ...], english: str, estonian: str
) -> None:
    command = ("agreement", "add", "--signed", "2024-01-01", *args)
    assert english in refused(run, agreed, *command)
    assert estonian in refused_in_et(run, agreed, *command)


def test_unknown_agreement_and_bad_end_are_refused(agreed: Path, run: Run) -> None:
    assert "no agreement 'Z-9'" in refused(
        run, agreed, "agreement", "end", "Z-9", "--date", "2025-01-01", "--reason", "x", code=3
    )
    assert "lepingut 'Z-9' ei ole" in refused_in_et(run, agreed, "agreement", "show", "Z-9", code=3)
    assert "outside the agreement's period" in refused(
        run, agreed, "agreement", "end", NUMBER, "--date", "2026-05-01", "--reason", "x"
    )
    assert "changes nothing" in refused(
        run, agreed, "agreement", "amend", NUMBER, "--date", "2025-01-01", "--reason", "x"
    )
    assert "before the period ends" in refused(
        run, agreed, "agreement", "amend", NUMBER, "--date", "2025-01-01", "--reason", "x",
        "--deadline", "2025H2=2025-12-01",
    )  # fmt: skip
    refused(run, agreed, *ADD[:-2], "--case-limit", "x", code=2)


def test_case_open_warns_without_an_agreement(initialised: Path, ok: Ok, run: Run) -> None:
    add_youths(ok, 1)
    code, ref, err = open_rv(run, "Y-0001", "2025-01-10")
    assert (code, ref) == (0, "RV-2025-001")
    assert "Warning: no RV agreement is recorded" in err


def test_case_open_warns_outside_the_period_and_over_the_limit(
    agreed: Path, ok: Ok, run: Run
) -> None:
    add_youths(ok, 5)
    for youth in ("Y-0001", "Y-0002"):
        code, _ref, err = open_rv(run, youth, "2025-01-10")
        assert code == 0 and "agreement" not in err
    code, ref, err = open_rv(run, "Y-0003", "2025-02-10")
    assert (code, ref) == (0, "RV-2025-003")
    assert "this is RV case 3 started within agreement 2-10/29628-1, whose case limit is 2" in err
    code, ref, err = open_rv(run, "Y-0004", "2026-01-05")
    assert (code, ref) == (0, "RV-2026-001")
    assert "the start date 2026-01-05 is outside the period of agreement 2-10/29628-1" in err
    # NEET cases are not the agreement's.
    result = run(
        "case", "open", "--youth", "Y-0005", "--model", "neet", "--start", "2025-03-01",
        "--light", "red", "--group", "risk",
    )  # fmt: skip
    assert result.exit_code == 0 and "agreement" not in result.stderr


def test_strict_refuses_and_writes_nothing(agreed: Path, ok: Ok, run: Run) -> None:
    add_youths(ok, 3)
    open_rv(run, "Y-0001", "2025-01-10")
    open_rv(run, "Y-0002", "2025-01-10")
    args = ("case", "open", "--youth", "Y-0003", "--model", "rv", "--risk", "high", "--strict")
    line = refused(run, agreed, *args, "--start", "2025-02-10")
    assert "case limit is 2" in line and "--strict" in line
    assert "väljaspool lepingu 2-10/29628-1 kehtivusaega" in refused_in_et(
        run, agreed, *args, "--start", "01.02.2026"
    )


def test_import_reports_the_warnings_per_case(agreed: Path, ok: Ok, tmp_path: Path) -> None:
    add_youths(ok, 3)
    rows = "".join(f"Y-000{i},rv,2025-0{i}-01,high\n" for i in range(1, 4))
    source = tmp_path / "cases.csv"
    source.write_text("youth,model,start,risk\n" + rows, encoding="utf-8")
    summary = json.loads(ok("import", "cases", str(source), "--output", "json"))
    assert summary["new"] == 3
    notes = [n for n in summary["notes"] if "agreement" in n]
    assert notes == [
        "RV-2025-003: this is RV case 3 started within agreement 2-10/29628-1, "
        "whose case limit is 2 (clause 4.3)"
    ]


# --- the RV follow-up setting -------------------------------------------------------------------


def followups(db_path: Path) -> list[tuple[object, ...]]:
    return query(db_path, "SELECT c.ref, f.due FROM followups f JOIN cases c ON c.id = f.case_id")


def test_rv_followup_is_on_by_default_and_can_be_turned_off(
    initialised: Path, ok: Ok, run: Run
) -> None:
    add_youths(ok, 2)
    assert ok("settings", "rv-followup") == "rv-followup: on"
    open_rv(run, "Y-0001", "2025-01-10")
    ok("case", "close", "RV-2025-001", "--end", "2025-03-31", "--reason", "moved")
    assert followups(initialised) == [("RV-2025-001", "2025-09-30")]
    assert ok("settings", "rv-followup", "off") == "rv-followup: off"
    assert ok("--lang", "et", "settings", "rv-followup") == "rv-followup: väljas"
    open_rv(run, "Y-0002", "2025-01-10")
    ok("case", "close", "RV-2025-002", "--end", "2025-03-31", "--reason", "moved")
    assert followups(initialised) == [("RV-2025-001", "2025-09-30")]  # none for the second
    changes = query(
        initialised, "SELECT entity_ref, changes FROM audit_log WHERE entity = 'settings'"
    )
    assert changes == [("rv-followup", '{"value": ["on", "off"]}')]
    ok("audit", "verify")
    refused(run, initialised, "settings", "rv-followup", "maybe", code=2)


def test_an_overdue_rv_followup_is_a_warning(initialised: Path, ok: Ok, run: Run) -> None:
    add_youths(ok, 1)
    open_rv(run, "Y-0001", "2025-01-10")
    ok("case", "close", "RV-2025-001", "--end", "2025-03-31", "--reason", "moved")
    result = run("check", "--format", "json", "--period", "2025-10-01..2025-10-31")
    rows = {r["rule"]: r for r in json.loads(result.stdout)}
    assert rows["rv-followup-overdue"]["refs"] == ["RV-2025-001"]
    assert rows["rv-followup-overdue"]["level"] == "warning"
    assert rows["followup-overdue"]["count"] == 0


def test_case_close_help_says_where_the_followup_comes_from(ok: Ok) -> None:
    text = " ".join(ok("case", "close", "--help").split())
    assert "NEET model's (stage 3.6 and Table 1); the RV agreement does not ask for it" in text
    assert "rvneet settings rv-followup off" in text


def test_contacts_and_reasons_are_not_in_the_audit_in_clear(agreed: Path, ok: Ok) -> None:
    ok("agreement", "amend", NUMBER, "--date", "2025-02-01", "--reason", "Mari Maasikas asked",
       "--ska-contact", "Maret Maripuu")  # fmt: skip
    ok("agreement", "end", NUMBER, "--date", "2025-09-30", "--reason", "Are Tints decided")
    logged = " ".join(r[0] for r in query(agreed, "SELECT changes FROM audit_log"))
    for secret in ("E E", "Maret", "Mari", "Tints"):
        assert secret not in logged
    assert "[redacted]" in logged
