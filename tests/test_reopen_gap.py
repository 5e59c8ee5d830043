"""Records dated in the gap between a case's closing and its reopening are refused (issue 17).

The case was closed between the two (Lisa 4 counts the periods apart): a contact, assessment, stage
change, needs assessment, goal, activity, support request, network membership or hand-over dated
there is refused with one line and writes nothing. The day of the reopening and the earlier period
are accepted. The check is the shared `check_date_in_case` of services/lookups.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import (
    CODE_F_1999_LEAP,
    MUNICIPALITY,
    Run,
    build_template,
    dump,
    query,
    refused,
)

Ok = Callable[..., str]

NEET = "NEET-2025-001"  # from 2025-02-01, closed 2025-03-31, reopened 2025-05-01
RV = "RV-2025-001"  # from 2025-01-10, closed 2025-03-31, reopened 2025-05-01
GAP = "2025-04-15"
REOPENED = "2025-05-01"
EARLIER = "2025-03-10"  # in the first period


def build_book(ok: Ok) -> None:
    ok("init", "--municipality", MUNICIPALITY)
    ok("youth", "add", "--name", "Kati Kask", "--id-code", CODE_F_1999_LEAP)
    ok("youth", "add", "--name", "Mart Tamm", "--birth-date", "2010-01-01", "--sex", "M")
    ok("staff", "add", "--name", "Anne Allik")
    ok("staff", "add", "--name", "Peeter Puu")
    ok("network", "add", "--name", "Mari Mets", "--role", "youth-worker", "--org", "Noortekeskus")
    for youth in ("Y-0001", "Y-0002"):
        ok(
            "youth", "consent", youth, "--date", "2025-01-05", "--scope", "data-sharing",
            "--given-by", "youth",
        )  # fmt: skip
    ok(
        "case", "open", "--youth", "Y-0001", "--model", "neet", "--start", "2025-02-01",
        "--light", "red", "--group", "neet", "--manager", "Anne Allik",
    )  # fmt: skip
    ok(
        "case", "open", "--youth", "Y-0002", "--model", "rv", "--start", "2025-01-10",
        "--risk", "high", "--manager", "Anne Allik",
    )  # fmt: skip
    ok("case", "goal", "add", NEET, "Find a summer job", "--date", "2025-02-10")
    ok("case", "member", "add", NEET, "M-001", "--date", "2025-02-10")
    for ref in (NEET, RV):
        ok("case", "close", ref, "--end", "2025-03-31", "--reason", "lost-contact")
        ok("case", "reopen", ref, "--date", REOPENED, "--reason", "the youth got in touch")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The book, built once through the CLI for the whole module (each test gets a copy)."""
    return build_template(tmp_path_factory, "reopen-gap", build_book)


# Each kind of record: the command, with {day} for its date, and the table it is written to.
RECORDS = {
    "contact": (("case", "contact", NEET, "--date", "{day}", "--channel", "phone"), "contacts"),
    "assessment": (("case", "assess", RV, "--date", "{day}", "--risk", "medium"), "assessments"),
    "needs": (
        ("case", "needs", NEET, "--date", "{day}", "--need", "education"),
        "needs_assessments",
    ),
    "goal": (("case", "goal", "add", NEET, "Enrol in a course", "--date", "{day}"), "goals"),
    "activity": (
        ("case", "activity", "add", NEET, "--member", "M-001", "--kind", "x", "--start", "{day}"),
        "support_activities",
    ),
    "support request": (
        ("case", "support-request", RV, "--date", "{day}", "--kind", "implementation"),
        "support_requests",
    ),
    "reassignment": (
        ("case", "reassign", NEET, "--manager", "Peeter Puu", "--date", "{day}"),
        "manager_changes",
    ),
}


def _args(kind: str, day: str) -> list[str]:
    command, _table = RECORDS[kind]
    return [part.format(day=day) for part in command]


def _count(book: Path, table: str) -> int:
    return int(query(book, f"SELECT count(*) FROM {table}")[0][0])


@pytest.mark.parametrize("kind", [*RECORDS, "stage change", "member", "goal done"])
def test_a_record_dated_in_the_gap_is_refused(book: Path, run: Run, kind: str) -> None:
    args = {
        "stage change": ["case", "stage", NEET, "action", "--date", GAP],
        "member": ["case", "member", "add", RV, "M-001", "--date", GAP],
        "goal done": ["case", "goal", "done", NEET, "1", "--date", GAP],
    }.get(kind) or _args(kind, GAP)
    # Would fail without check_not_in_gap in services/lookups.py: the case is open now, and the
    # date is after its start, so nothing else refuses it.
    line = refused(run, book, *args)
    assert "2025-04-15" in line and "2025-03-31" in line and REOPENED in line, line
    assert "closed" in line


@pytest.mark.parametrize("kind", list(RECORDS))
@pytest.mark.parametrize("day", [REOPENED, EARLIER])
def test_a_record_on_the_reopening_day_or_in_the_earlier_period_is_accepted(
    book: Path, ok: Ok, kind: str, day: str
) -> None:
    table = RECORDS[kind][1]
    before = _count(book, table)
    ok(*_args(kind, day))
    assert _count(book, table) == before + 1


def test_a_stage_change_on_the_reopening_day_is_accepted(book: Path, ok: Ok) -> None:
    # (An earlier one is refused anyway: stages go forward from the reopening's own change.)
    ok("case", "stage", NEET, "action", "--date", REOPENED)
    assert query(book, "SELECT date FROM stage_changes ORDER BY id DESC LIMIT 1") == [(REOPENED,)]


def test_the_refusal_is_said_in_estonian(book: Path, run: Run) -> None:
    before = dump(book)
    result = run("--lang", "et", *_args("contact", GAP))
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.strip() == (
        "Viga: kontakt: kuupäev 15.04.2025 jääb juhtumi lõpetamise (31.03.2025) ja taasavamise "
        "(01.05.2025) vahele, mil juhtum oli lõpetatud"
    ), result.stderr
    assert dump(book) == before


def test_a_correction_into_the_gap_is_refused(book: Path, ok: Ok, run: Run) -> None:
    ok(*_args("contact", EARLIER))
    contact = f"C-{query(book, 'SELECT max(id) FROM contacts')[0][0]}"
    line = refused(run, book, "case", "correct", NEET, contact, "--date", GAP, "--reason", "typo")
    assert "2025-04-15" in line and REOPENED in line, line
