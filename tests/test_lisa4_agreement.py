"""Lisa 4 as the agreement words it (issue 16, clauses 4.4 and 4.6), on a hand-computed book:
the `agreement` header, `risk_at_start`, `periods` of a reopened case, `by_risk_at_start`,
`process_support_requests` and `without_support_request`, also under suppression."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Ok, build_template

PM = ("--kind", "process-management", "--justification", "complex")


def _build(ok: Ok) -> None:
    """The book, by hand:

    - agreement A-1: 2025-01-01 … 2025-12-31, limit 5, KOV contact "Ege Enok";
    - RV-2025-001 (F, born 2010-01-01): opened 2025-01-10 high, closed 2025-04-30, reopened
      2025-09-01 (a gap May–August), reassessed medium on 2025-10-01;
    - RV-2025-002 (M, born 2011-06-01): opened 2025-02-01 medium, reassessed high on 2025-03-01;
      process-management request 2025-02-15 refused on 2025-03-01, request 2025-05-01 answered
      granted only on 2025-07-10 (pending at the end of 2025H1);
    - RV-2025-003 (M, born 2012-01-01): opened 2025-03-01 high with --support-requested, a
      process-management request 2025-06-01 never answered.
    """
    ok("init", "--municipality", "Viljandi linn")
    ok(
        "agreement", "add", "--number", "A-1", "--signed", "2024-12-01", "--start", "2025-01-01",
        "--end", "2025-12-31", "--case-limit", "5", "--kov-contact", "Ege Enok",
    )  # fmt: skip
    for born, sex in (("2010-01-01", "F"), ("2011-06-01", "M"), ("2012-01-01", "M")):
        ok("youth", "add", "--name", "Noor", "--birth-date", born, "--sex", sex)

    def open_rv(youth: str, start: str, risk: str, *more: str) -> None:
        ok("case", "open", "--youth", youth, "--model", "rv", "--start", start, "--risk", risk,
           *more)  # fmt: skip

    open_rv("Y-0001", "2025-01-10", "high")
    ok("case", "close", "RV-2025-001", "--end", "2025-04-30", "--reason", "moved")
    ok("case", "reopen", "RV-2025-001", "--date", "2025-09-01", "--reason", "back")
    ok("case", "assess", "RV-2025-001", "--date", "2025-10-01", "--risk", "medium")
    open_rv("Y-0002", "2025-02-01", "medium")
    ok("case", "assess", "RV-2025-002", "--date", "2025-03-01", "--risk", "high")
    ok("case", "support-request", "RV-2025-002", "--date", "2025-02-15", *PM)
    ok("case", "support-answer", "RV-2025-002", "1", "--date", "2025-03-01", "--refused")
    ok("case", "support-request", "RV-2025-002", "--date", "2025-05-01", *PM)
    ok("case", "support-answer", "RV-2025-002", "2", "--date", "2025-07-10", "--granted")
    open_rv("Y-0003", "2025-03-01", "high", "--support-requested")
    ok("case", "support-request", "RV-2025-003", "--date", "2025-06-01", *PM)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory, "lisa4-agreement", _build)


pytestmark = pytest.mark.usefixtures("book")


def lisa4(ok: Ok, period: str, *more: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(
        ok("report", "lisa4", "--period", period, "--format", "json", *more)
    )
    return report


def by_case(report: dict[str, Any], field: str) -> dict[str, Any]:
    return {c["case"]: c[field] for c in report["cases"]}


def test_agreement_header(ok: Ok) -> None:
    report = lisa4(ok, "2025H1")
    assert list(report)[:4] == ["report", "municipality", "period", "agreement"]
    assert report["agreement"] == {
        "number": "A-1",
        "start": "2025-01-01",
        "end": "2025-12-31",
        "case_limit": 5,
        "cases_used": 3,
        "representative": "Ege Enok",
    }
    # No agreement in 2024: no header.
    assert "agreement" not in lisa4(ok, "2024")


def test_periods_of_a_reopened_case_show_its_gap(ok: Ok) -> None:
    # 2025H1: the first period, ended 30.04 (the reopening is not seen yet).
    h1 = lisa4(ok, "2025H1")
    assert by_case(h1, "periods")["RV-2025-001"] == [{"start": "2025-01-10", "end": "2025-04-30"}]
    assert by_case(h1, "end")["RV-2025-001"] == "2025-04-30"
    # 2025H2: only the second period overlaps it, and it is ongoing.
    h2 = lisa4(ok, "2025H2")
    assert by_case(h2, "periods")["RV-2025-001"] == [{"start": "2025-09-01", "end": None}]
    # The year: both periods, the gap between them, and ongoing at its end.
    year = lisa4(ok, "2025")
    assert by_case(year, "periods")["RV-2025-001"] == [
        {"start": "2025-01-10", "end": "2025-04-30"},
        {"start": "2025-09-01", "end": None},
    ]
    assert by_case(year, "end")["RV-2025-001"] is None
    # In the gap the case was not active.
    assert "RV-2025-001" not in by_case(lisa4(ok, "2025-06-01..2025-08-31"), "periods")
    csv = ok("report", "lisa4", "--period", "2025", "--format", "csv").splitlines()
    assert csv[1].endswith(",high,2025-01-10..2025-04-30; 2025-09-01..")


def test_risk_at_start_beside_the_latest_risk(ok: Ok) -> None:
    h1 = lisa4(ok, "2025H1")
    assert by_case(h1, "risk") == {
        "RV-2025-001": "high",
        "RV-2025-002": "high",
        "RV-2025-003": "high",
    }
    assert by_case(h1, "risk_at_start") == {
        "RV-2025-001": "high",
        "RV-2025-002": "medium",
        "RV-2025-003": "high",
    }
    assert h1["summary"]["by_risk"] == {"high": 3}
    assert h1["summary"]["by_risk_at_start"] == {"high": 2, "medium": 1}
    year = lisa4(ok, "2025")
    assert year["summary"]["by_risk"] == {"high": 2, "medium": 1}
    assert by_case(year, "risk")["RV-2025-001"] == "medium"


def test_process_support_requests_and_cases_without_a_request(ok: Ok) -> None:
    h1 = lisa4(ok, "2025H1")["summary"]
    # Three requests dated in 2025H1: one refused, one answered only in July, one never.
    assert h1["process_support_requests"] == {"granted": 0, "refused": 1, "pending": 2}
    assert h1["without_support_request"] == 2
    assert h1["by_support_requested"] == {"no": 2, "yes": 1}
    # 2025H2 holds no request; the year sees the July answer.
    assert lisa4(ok, "2025H2")["summary"]["process_support_requests"] == {
        "granted": 0,
        "refused": 0,
        "pending": 0,
    }
    assert lisa4(ok, "2025")["summary"]["process_support_requests"] == {
        "granted": 1,
        "refused": 1,
        "pending": 1,
    }


def test_suppression_hides_the_new_small_counts(ok: Ok) -> None:
    report = lisa4(ok, "2025H1", "--suppress-below", "3")
    summary = report["summary"]
    assert "cases" not in report
    assert summary["process_support_requests"] == {"granted": 0, "refused": "x", "pending": "x"}
    assert summary["by_risk_at_start"]["medium"] == "x"
    # One number shown twice is hidden in both places.
    assert summary["without_support_request"] == summary["by_support_requested"]["no"] == "x"
    assert report["agreement"]["cases_used"] == 3


def test_table_and_html_show_the_agreement_in_estonian(ok: Ok) -> None:
    table = ok("--lang", "et", "report", "lisa4", "--period", "2025H1", "--no-timestamp")
    assert "Lisa 4 – Ringist välja rakendamise seirearuanne" in table
    assert "Leping A-1 (01.01.2025 … 31.12.2025)" in " ".join(table.split())
    assert "Rakendusperioodid" in table
    page = ok("report", "lisa4", "--period", "2025H1", "--format", "html", "--no-timestamp")
    assert "Agreement A-1 (2025-01-01 … 2025-12-31), case limit 5, cases used 3" in page


def test_xlsx_header_names_the_agreement_and_the_representative(ok: Ok, tmp_path: Path) -> None:
    import openpyxl

    target = tmp_path / "lisa4.xlsx"
    ok("report", "lisa4", "--period", "2025H1", "--format", "xlsx", "--output", str(target),
       "--no-timestamp")  # fmt: skip
    sheet = openpyxl.load_workbook(target).worksheets[0]
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert any(
        c.startswith("Lisa 4 – Ringist välja rakendamise seirearuanne, Viljandi linn")
        for c in cells
    )
    assert (
        "Leping A-1 (01.01.2025 … 31.12.2025), juhtumite piirarv 5, kasutatud juhtumeid 3; "
        "KOV volitatud esindaja Ege Enok"
    ) in cells
