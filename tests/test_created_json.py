"""Every command that creates a record prints it as one JSON object with --format json."""

import json
from pathlib import Path

import pytest
from conftest import CODE_M_2010, Run


@pytest.fixture
def rv_case(initialised: Path, run: Run) -> str:
    for args in (
        ("youth", "add", "--name", "Karl Tamm", "--id-code", CODE_M_2010),
        ("youth", "consent", "Y-0001", "--date", "2024-09-02", "--scope", "data-sharing",
         "--given-by", "guardian"),
        ("network", "add", "--name", "Kati Kask", "--role", "youth-worker", "--org", "Noortekeskus"),
        ("case", "open", "--youth", "Y-0001", "--model", "rv", "--start", "2025-02-03",
         "--risk", "high"),
    ):  # fmt: skip
        assert run(*args).exit_code == 0
    return "RV-2025-001"


CREATING = [
    (["case", "assess", "RV-2025-001", "--date", "2025-04-01", "--risk", "medium"], "case", "risk"),
    (["case", "stage", "RV-2025-001", "network", "--date", "2025-02-24"], "case", "stage"),
    (["case", "contact", "RV-2025-001", "--date", "2025-02-05", "--channel", "phone"], "case", "channel"),
    (["case", "needs", "RV-2025-001", "--date", "2025-02-10", "--need", "education"], "case", "needs"),
    (["case", "goal", "add", "RV-2025-001", "Attend school", "--date", "2025-03-06"], "case", "number"),
    (["case", "activity", "add", "RV-2025-001", "--member", "M-001", "--kind", "club",
      "--start", "2025-03-10"], "member", "kind"),
    (["case", "member", "add", "RV-2025-001", "M-001", "--date", "2025-02-20"], "member", "trusted_person"),
    (["case", "support-request", "RV-2025-001", "--date", "2025-03-12", "--kind",
      "implementation"], "case", "kind"),
    (["youth", "consent", "Y-0001", "--date", "2025-01-20", "--scope", "participation",
      "--given-by", "guardian"], "youth", "scope"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "ref_key", "field"), CREATING, ids=lambda a: str(a)[:30])
def test_format_json_prints_the_created_record(
    rv_case: str, run: Run, args: list[str], ref_key: str, field: str
) -> None:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    assert isinstance(record, dict)
    assert ref_key in record and field in record
    assert "id" not in record and "case_id" not in record
