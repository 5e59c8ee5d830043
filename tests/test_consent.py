"""`rvneet youth consent`: consents and withdrawals, dated and kept; what is in force on a day."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CODE_F_2010, CODE_M_1995, Run, refused
from pg import connect_book

from rvneet.db import Database
from rvneet.domain.enums import ConsentScope
from rvneet.services.lookups import has_consent

Ok = Callable[..., str]


@pytest.fixture
def youth(ok: Ok, initialised: Path) -> str:
    """A minor (born 2010-01-01)."""
    return ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)


def consent(ok: Ok, ref: str, date: str, scope: str, by: str = "guardian", *extra: str) -> str:
    return ok("youth", "consent", ref, "--date", date, "--scope", scope, "--given-by", by, *extra)


def in_force(db_path: Path, youth_id: int, scope: ConsentScope, on: str) -> bool:
    with Database(db_path, "tester").session() as session:
        return has_consent(session, youth_id, scope, dt.date.fromisoformat(on))


def consent_rows(db_path: Path) -> list[tuple[object, ...]]:
    con = connect_book(db_path)
    try:
        return con.execute(
            "SELECT youth_id, date, scope, given_by, withdrawn FROM consents ORDER BY id"
        ).fetchall()
    finally:
        con.close()


def test_consent_is_recorded_and_prints_the_youth(ok: Ok, initialised: Path, youth: str) -> None:
    assert consent(ok, "y-0001", "2025-01-10", "data-sharing") == "Y-0001"
    assert consent(ok, youth, "2025-01-10", "participation", "youth") == "Y-0001"
    assert consent_rows(initialised) == [
        (1, "2025-01-10", "data-sharing", "guardian", 0),
        (1, "2025-01-10", "participation", "youth", 0),
    ]


def test_the_latest_record_on_or_before_the_day_decides(
    ok: Ok, initialised: Path, youth: str
) -> None:
    consent(ok, youth, "2025-01-10", "data-sharing")
    consent(ok, youth, "2025-03-01", "data-sharing", "guardian", "--withdraw")
    consent(ok, youth, "2025-05-01", "data-sharing", "youth")
    expected = {
        "2025-01-09": False,  # nothing yet
        "2025-01-10": True,
        "2025-02-28": True,
        "2025-03-01": False,  # withdrawn that day
        "2025-04-30": False,
        "2025-05-01": True,
        "2025-12-31": True,
    }
    for day, answer in expected.items():
        assert in_force(initialised, 1, ConsentScope.DATA_SHARING, day) is answer, day
    # Scopes are independent.
    assert not in_force(initialised, 1, ConsentScope.PARTICIPATION, "2025-06-01")


def test_a_backdated_withdrawal_counts_from_its_own_date(
    ok: Ok, initialised: Path, youth: str
) -> None:
    consent(ok, youth, "2025-01-10", "participation")
    consent(ok, youth, "2025-06-01", "participation")
    consent(ok, youth, "2025-03-01", "participation", "guardian", "--withdraw")
    assert in_force(initialised, 1, ConsentScope.PARTICIPATION, "2025-02-01")
    assert not in_force(initialised, 1, ConsentScope.PARTICIPATION, "2025-04-01")
    assert in_force(initialised, 1, ConsentScope.PARTICIPATION, "2025-06-01")


def test_participation_consent_silences_the_warning_at_opening(
    ok: Ok, run: Run, initialised: Path, youth: str
) -> None:
    consent(ok, youth, "2025-01-10", "participation")
    result = run(
        "case", "open", "--youth", youth, "--model", "rv", "--start", "2025-01-10", "--risk", "high"
    )
    assert result.exit_code == 0, result.stderr
    assert "consent" not in result.stderr


def test_consent_is_audited(ok: Ok, initialised: Path, youth: str) -> None:
    consent(ok, youth, "2025-01-10", "data-sharing")
    con = connect_book(initialised)
    try:
        rows = con.execute(
            "SELECT user, entity, action, changes FROM audit_log WHERE entity = 'consents'"
        ).fetchall()
    finally:
        con.close()
    assert len(rows) == 1
    user, _, action, changes = rows[0]
    assert (user, action) == ("tester", "insert")
    assert json.loads(changes)["scope"] == [None, "data-sharing"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["Y-0009", "--date", "2025-01-10"], 3, "no youth 'Y-0009'"),
        (["Y-0001", "--date", "2099-01-01"], 1, "is in the future"),
        (["Y-0001", "--date", "2009-12-31"], 1, "before the youth's birth date"),
        (["Y-0001", "--date", "2025-01-10", "--withdraw"], 1, "no data-sharing consent in force"),
        (["Y-0001", "--date", "10.01.25"], 2, "has a two-digit year"),
    ],
)
def test_refusals(
    run: Run, initialised: Path, youth: str, args: list[str], code: int, message: str
) -> None:
    line = refused(
        run,
        initialised,
        "youth",
        "consent",
        *args,
        "--scope",
        "data-sharing",
        "--given-by",
        "guardian",
        code=code,
    )
    assert message in line


def test_bad_scope_and_giver_are_usage_errors(run: Run, initialised: Path, youth: str) -> None:
    common = ["youth", "consent", youth, "--date", "2025-01-10"]
    refused(run, initialised, *common, "--scope", "all", "--given-by", "youth", code=2)
    refused(run, initialised, *common, "--scope", "participation", "--given-by", "mother", code=2)


def test_withdrawing_after_a_withdrawal_is_refused(
    ok: Ok, run: Run, initialised: Path, youth: str
) -> None:
    consent(ok, youth, "2025-01-10", "participation")
    consent(ok, youth, "2025-02-10", "participation", "guardian", "--withdraw")
    line = refused(
        run,
        initialised,
        "youth",
        "consent",
        youth,
        "--date",
        "2025-03-10",
        "--scope",
        "participation",
        "--given-by",
        "guardian",
        "--withdraw",
    )
    assert "no participation consent in force on 2025-03-10" in line


def test_a_guardian_speaks_only_for_a_minor(ok: Ok, run: Run, initialised: Path) -> None:
    adult = ok("youth", "add", "--name", "Jüri Õunapuu", "--id-code", CODE_M_1995)
    line = refused(
        run,
        initialised,
        "youth",
        "consent",
        adult,
        "--date",
        "2024-05-01",
        "--scope",
        "participation",
        "--given-by",
        "guardian",
    )
    assert "only the youth can give or withdraw consent" in line
    assert consent(ok, adult, "2024-05-01", "participation", "youth") == adult
