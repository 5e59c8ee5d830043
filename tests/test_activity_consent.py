"""`case activity add` to a provider outside the case needs data-sharing consent, as `case member
add` does (issue 17): refused without it, the same --no-consent-reason override, kept and audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CODE_F_2010, Ok, Run, query, refused

CASE = "RV-2025-001"


@pytest.fixture
def case(ok: Ok, initialised: Path) -> str:
    """An RV case opened 2025-01-10 with no consent on record; M-001 and M-002 in the network."""
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    ok("network", "add", "--name", "Kati Kask", "--role", "youth-worker", "--org", "Noortekeskus")
    ok("network", "add", "--name", "Peeter Puu", "--role", "police", "--org", "PPA")
    ok("case", "open", "--youth", "Y-0001", "--model", "rv", "--start", "2025-01-10",
       "--risk", "high")  # fmt: skip
    return CASE


def activity(*extra: str, member: str = "M-001", start: str = "2025-02-01") -> list[str]:
    return ["case", "activity", "add", CASE, "--member", member, "--kind", "mentoring",
            "--start", start, *extra]  # fmt: skip


def test_a_provider_outside_the_case_without_consent_is_refused(
    run: Run, initialised: Path, case: str
) -> None:
    line = refused(run, initialised, *activity())
    assert "M-001 is not a member of RV-2025-001" in line
    assert "Y-0001 has no data-sharing consent in force on 2025-02-01" in line
    assert "--no-consent-reason" in line
    assert "Mari" not in line


def test_the_reason_overrides_it_and_is_kept_and_audited(
    ok: Ok, initialised: Path, case: str
) -> None:
    reason = "youth agreed orally; written consent at the next meeting"
    record = json.loads(ok(*activity("--no-consent-reason", reason), "--format", "json"))
    assert record["no_consent_reason"] == reason
    assert query(initialised, "SELECT no_consent_reason FROM support_activities") == [(reason,)]
    (changes,) = query(
        initialised, "SELECT changes FROM audit_log WHERE entity = 'support_activities'"
    )[0]
    assert reason not in changes  # a free-text reason is recorded as changed, never in clear
    assert "no_consent_reason" in changes
    assert "audit log intact" in ok("audit", "verify")


def test_a_case_member_needs_no_more_consent(
    ok: Ok, run: Run, initialised: Path, case: str
) -> None:
    ok("case", "member", "add", CASE, "M-001", "--date", "2025-01-20",
       "--no-consent-reason", "urgent")  # fmt: skip
    assert ok(*activity()).strip() == "1"
    # Not yet a member on a start before the membership: asked again.
    assert "not a member" in refused(run, initialised, *activity(start="2025-01-15"))
    # A reason for a member is refused: it would mislead whoever reads the log.
    line = refused(run, initialised, *activity("--no-consent-reason", "x"))
    assert "M-001 is a member of RV-2025-001" in line


def test_consent_in_force_on_the_start_lets_it_through_and_refuses_a_reason(
    ok: Ok, run: Run, initialised: Path, case: str
) -> None:
    ok("youth", "consent", "Y-0001", "--date", "2025-01-25", "--scope", "data-sharing",
       "--given-by", "guardian")  # fmt: skip
    assert "no data-sharing consent in force on 2025-01-20" in refused(
        run, initialised, *activity(member="M-002", start="2025-01-20")
    )
    line = refused(run, initialised, *activity("--no-consent-reason", "x", member="M-002"))
    assert "has a data-sharing consent in force on 2025-02-01" in line
    assert ok(*activity(member="M-002")).strip() == "1"


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_a_bad_reason_is_refused(run: Run, initialised: Path, case: str, reason: str) -> None:
    refused(run, initialised, *activity("--no-consent-reason", reason))
