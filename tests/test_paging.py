"""A table shows a page at a time; json and csv give every row to scripts (issue 6)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import Ok, Run, build_template, refused

YOUTHS = 7  # one RV case each, all open; four of them closed later for the follow-ups


def _build(ok: Ok) -> None:
    ok("init", "--municipality", "Viljandi linn")
    for number in range(1, YOUTHS + 1):
        ok("youth", "add", "--name", f"Noor {number}", "--birth-date", "2010-01-01", "--sex", "F")
        ok(
            "case", "open", "--youth", f"Y-{number:04d}", "--model", "rv",
            "--start", f"2025-01-{number:02d}", "--risk", "high",
        )  # fmt: skip
    for number in range(1, 5):
        ok(
            "case", "close", f"RV-2025-{number:03d}", "--end", f"2025-02-{number:02d}",
            "--reason", "goals-met", "--education", "yes",
        )  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory, "paging", _build)


def _refs(table: str) -> list[str]:
    return [line.split("│")[1].strip() for line in table.splitlines() if "RV-2025-" in line]


def test_a_case_table_shows_one_page_and_says_how_to_see_the_rest(book: Path, ok: Ok) -> None:
    first = ok("case", "list", "--limit", "3")
    assert _refs(first) == ["RV-2025-001", "RV-2025-002", "RV-2025-003"]
    assert "1–3 of 7 cases; next: --page 2; every row: --limit 0 or --format csv" in first
    last = ok("case", "list", "--limit", "3", "--page", "3")
    assert _refs(last) == ["RV-2025-007"]
    assert "7–7 of 7 cases; every row" in last and "next" not in last
    assert len(_refs(ok("case", "list", "--limit", "0"))) == 7


def test_the_page_applies_after_the_filters(book: Path, ok: Ok) -> None:
    # The count and the page both use the filters: --open leaves 3 of the 7 cases.
    page = ok("case", "list", "--open", "--limit", "2")
    assert _refs(page) == ["RV-2025-005", "RV-2025-006"]
    assert "1–2 of 3 cases" in page
    # A stage filter runs in SQL (the current stage), so it pages the same way.
    staged = ok("case", "list", "--stage", "follow-up", "--limit", "1", "--page", "2")
    assert _refs(staged) == ["RV-2025-002"]
    assert "2–2 of 4 cases" in staged


def test_a_page_that_holds_every_row_has_no_footer(book: Path, ok: Ok) -> None:
    assert "of 7 cases" not in ok("case", "list")  # 7 rows fit the default 50


def test_scripts_get_every_row_unless_they_ask_for_a_page(book: Path, ok: Ok) -> None:
    assert len(json.loads(ok("case", "list", "--format", "json"))) == 7
    rows = list(csv.DictReader(io.StringIO(ok("case", "list", "--format", "csv", "--limit", "2"))))
    assert [r["case"] for r in rows] == ["RV-2025-001", "RV-2025-002"]
    # No footer in machine formats: the output stays parseable.
    assert json.loads(ok("case", "list", "--format", "json", "--limit", "2", "--page", "5")) == []


def test_followups_due_page_the_same_way(book: Path, ok: Ok) -> None:
    page = ok("followup", "due", "--as-of", "2026-01-01", "--limit", "3", "--page", "2")
    assert _refs(page) == ["RV-2025-004"]
    assert "4–4 of 4 follow-ups" in page
    every = json.loads(ok("followup", "due", "--as-of", "2026-01-01", "--format", "json"))
    assert [r["case"] for r in every] == [f"RV-2025-00{n}" for n in range(1, 5)]


def test_bad_page_options_are_refused(book: Path, run: Run) -> None:
    assert "--page must be 1 or more" in refused(run, book, "case", "list", "--page", "0")
    assert "--limit must be 0" in refused(run, book, "followup", "due", "--limit", "-1")


def test_a_report_table_shows_the_first_rows_of_its_listing(book: Path, ok: Ok) -> None:
    table = ok("report", "lisa4", "--period", "2025H1", "--limit", "2")
    assert _refs(table) == ["RV-2025-001", "RV-2025-002"]
    assert "2 of 7 rows; every row: --limit 0, or --format csv|xlsx" in table
    assert "Cases active in the period" in table  # the summary is whole
    # A file holds every row; so does csv.
    assert len(_refs(ok("report", "lisa4", "--period", "2025H1", "--limit", "0"))) == 7
    listing = ok("report", "lisa4", "--period", "2025H1", "--format", "csv", "--limit", "2")
    assert len(listing.splitlines()) == 1 + 7


def test_a_report_table_written_to_a_file_has_every_row(book: Path, ok: Ok, tmp_path: Path) -> None:
    out = tmp_path / "lisa4.txt"
    ok("report", "lisa4", "--period", "2025H1", "--output", str(out))
    assert len(_refs(out.read_text())) == 7


def test_youths_are_listed_a_page_at_a_time(book: Path, ok: Ok) -> None:
    page = ok("youth", "list", "--limit", "3", "--page", "2")
    assert [line.split("│")[1].strip() for line in page.splitlines() if "Y-00" in line] == [
        "Y-0004",
        "Y-0005",
        "Y-0006",
    ]
    assert "4–6 of 7 youths; next: --page 3" in page
    every = json.loads(ok("youth", "list", "--format", "json"))
    assert [y["open_cases"] for y in every] == [0, 0, 0, 0, 1, 1, 1]
