"""Every report's outputs: XLSX and HTML files, languages, suppression, reproducibility, privacy,
and totals that equal the sum of their breakdowns (a property over random books)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import CODE_F_2010, CODE_M_2010, MUNICIPALITY, Ok, Run, build_template
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NAMES = ("Mari Maasikas", "Jüri Juurikas", "Kati Kask")


def _book(ok: Ok) -> None:
    ok("init", "--municipality", MUNICIPALITY)
    ok("youth", "add", "--name", NAMES[0], "--id-code", CODE_F_2010)
    ok("youth", "add", "--name", NAMES[1], "--id-code", CODE_M_2010)
    ok("youth", "add", "--name", NAMES[2], "--birth-date", "2009-03-03", "--sex", "F")
    for ref, start, risk in (("Y-0001", "2025-01-10", "high"), ("Y-0002", "2025-02-01", "medium")):
        ok("case", "open", "--youth", ref, "--model", "rv", "--start", start, "--risk", risk)
    ok(
        "case",
        "open",
        "--youth",
        "Y-0003",
        "--model",
        "rv",
        "--start",
        "2024-12-01",
        "--risk",
        "high",
    )
    ok("case", "close", "RV-2024-001", "--end", "2025-03-01", "--reason", "goals-met")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory, "render", _book)


pytestmark = pytest.mark.usefixtures("book")


def _lisa4(run: Run, *args: str) -> Any:
    result = run("report", "lisa4", "--period", "2025H1", *args)
    assert result.exit_code == 0, result.stderr
    return result


def test_lisa4_xlsx_has_a_summary_and_a_listing_sheet_in_estonian(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "lisa4.xlsx"
    _lisa4(run, "--format", "xlsx", "--output", str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    workbook = openpyxl.load_workbook(target)
    assert workbook.sheetnames == ["Kokkuvõte", "Juhtumid"]
    summary = [row for row in workbook["Kokkuvõte"].iter_rows(values_only=True)]
    assert summary[0][0] == (
        f"Lisa 4 – Ringist välja rakendamise seirearuanne, {MUNICIPALITY}, 2025H1 (01.01.2025 … 30.06.2025)"
    )
    assert re.fullmatch(r"Koostatud \d\d\.\d\d\.20\d\d \d\d:\d\d UTC", str(summary[1][0]))
    values = {row[0]: row[1] for row in summary[3:]}
    assert values["Noored"] == 3
    assert values["Perioodil aktiivseid juhtumeid"] == 3
    assert values["Perioodil lõpetatud juhtumeid"] == 1
    assert values["Riskitaseme järgi: kõrge"] == 2
    listing = list(workbook["Juhtumid"].iter_rows(values_only=True))
    assert listing[0] == (
        "Juhtum",
        "Sugu",
        "Vanus",
        "Riskitase",
        "Algus",
        "Lõpp",
        "SKA rakendustuge taotletud",
        "Riskitase alguses",
        "Rakendusperioodid",
    )
    first = listing[1]
    assert first[:4] == ("RV-2024-001", "naine", 15, "kõrge")
    assert first[4] == dt.datetime(2024, 12, 1) and first[5] == dt.datetime(2025, 3, 1)
    assert first[6] == "ei"


def test_lisa4_xlsx_in_english_on_request(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "lisa4.xlsx"
    _lisa4(run, "--format", "xlsx", "--output", str(target), "--lang", "en", "--no-timestamp")
    workbook = openpyxl.load_workbook(target)
    assert workbook.sheetnames == ["Summary", "Cases"]
    rows = list(workbook["Summary"].iter_rows(values_only=True))
    assert rows[1] == (None, None)  # no timestamp line: the blank line follows the heading
    assert ("Youths", 3) in rows


def test_xlsx_needs_an_output_file(run: Run) -> None:
    result = run("report", "lisa4", "--period", "2025H1", "--format", "xlsx")
    assert result.exit_code == 2 and "needs --output" in result.stderr


def test_rvneet_lang_chooses_labels_but_never_json_keys(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    english = json.loads(_lisa4(run, "--format", "json").stdout)
    monkeypatch.setenv("RVNEET_LANG", "et")
    table = _lisa4(run).stdout
    assert "Perioodil aktiivseid juhtumeid" in table and "Cases active" not in table
    assert "kõrge" in table
    assert json.loads(_lisa4(run, "--format", "json").stdout) == english
    header = _lisa4(run, "--format", "csv").stdout.splitlines()[0]
    assert header == (
        "Juhtum,Sugu,Vanus,Riskitase,Algus,Lõpp,SKA rakendustuge taotletud,Riskitase alguses,"
        "Rakendusperioodid"
    )
    assert _lisa4(run, "--format", "csv", "--lang", "en").stdout.startswith("case,sex,age,")


def test_suppression_masks_small_counts_and_drops_the_listing(run: Run) -> None:
    data = json.loads(_lisa4(run, "--format", "json", "--suppress-below", "3").stdout)
    assert data["suppressed_below"] == 3
    assert "cases" not in data
    assert data["summary"]["by_risk"] == {"high": "x", "medium": "x"}
    assert data["summary"]["cases_active"] == 3  # a total of 3 or more is shown
    table = _lisa4(run, "--suppress-below", "3").stdout
    assert " x " in table and "RV-2025-001" not in table
    assert "shows as <3" in table


def test_suppress_below_must_be_at_least_two(run: Run) -> None:
    result = run("report", "lisa4", "--period", "2025H1", "--suppress-below", "1")
    assert result.exit_code == 2


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "html"])
def test_same_data_and_arguments_give_the_same_bytes(run: Run, fmt: str) -> None:
    args = ("--format", fmt, "--no-timestamp")
    assert _lisa4(run, *args).stdout == _lisa4(run, *args).stdout


def test_without_no_timestamp_the_header_says_when(run: Run) -> None:
    assert "Generated 20" in _lisa4(run).stdout
    assert "Generated" not in _lisa4(run, "--no-timestamp").stdout


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "html", "xlsx"])
def test_no_name_or_personal_code_in_any_format(run: Run, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"out.{fmt}"
    _lisa4(run, "--format", fmt, "--output", str(target), "--lang", "et")
    if fmt == "xlsx":
        cells = [
            str(v)
            for sheet in openpyxl.load_workbook(target)
            for row in sheet.iter_rows(values_only=True)
            for v in row
        ]
        text = "\n".join(cells)
    else:
        text = target.read_text(encoding="utf-8")
    for secret in (*NAMES, CODE_F_2010, CODE_M_2010):
        assert secret not in text


def test_html_is_self_contained_with_charts(run: Run, tmp_path: Path) -> None:
    page = _lisa4(run, "--format", "html", "--lang", "et").stdout
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg" in page and "<rect" in page
    for network in ("src=", "href=", "@import", "url("):
        assert network not in page


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    pytest.skip("no Chromium here: `make test` installs Debian's chromium package when it can")


def test_html_renders_in_headless_chromium(run: Run, tmp_path: Path) -> None:
    browser = _chromium()
    page = tmp_path / "lisa4.html"
    _lisa4(run, "--format", "html", "--output", str(page), "--lang", "et", "--no-timestamp")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert "Perioodil aktiivseid juhtumeid" in dom and "RV-2025-001" in dom
    assert dom.count("<rect") >= 4
    shot = tmp_path / "lisa4.png"
    subprocess.run(
        [browser, *flags, f"--screenshot={shot}", "--window-size=1000,1400", page.as_uri()],
        capture_output=True,
        timeout=120,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000  # a page with text and bars, not a blank image


# --- totals equal the sum of their breakdowns, over random books ---------------------------------

CASE = st.tuples(
    st.dates(dt.date(2007, 1, 1), dt.date(2012, 12, 31)),  # birth date
    st.sampled_from("MF"),
    st.dates(dt.date(2024, 6, 1), dt.date(2025, 12, 31)),  # start
    st.sampled_from(["medium", "high"]),
    st.none() | st.integers(0, 400),  # days until closing
    st.none() | st.tuples(st.integers(0, 200), st.sampled_from(["medium", "high"])),
    st.booleans(),  # SKA support requested
    st.sampled_from(["rv", "neet"]),
    st.sampled_from(["neet", "risk"]),
)


def _random_book(path: Path, cases: list[Any]) -> None:
    from rvneet.db import Database
    from rvneet.domain.enums import CloseReason, Light, Model, NeetGroup, RiskLevel, Sex
    from rvneet.services.cases import assess, close_case, open_case
    from rvneet.services.youths import add_youth

    with Database(path, "tester").session(write=True) as session:
        for number, case in enumerate(cases):
            born, sex, start, risk, closing, later, support, model, group = case
            youth = add_youth(session, name=f"Noor {number}", birth_date=born, sex=Sex(sex))
            rv = model == "rv"
            lights = {"medium": Light.YELLOW, "high": Light.RED}
            opened = open_case(
                session,
                youth_ref=youth.ref,
                model=Model(model),
                start=start,
                risk=RiskLevel(risk) if rv else None,
                light=None if rv else lights[risk],
                group=None if rv else NeetGroup(group),
                support_requested=support and rv,
                allow_ineligible="test data",
            )
            ref = opened.case.ref
            if later is not None and start + dt.timedelta(days=later[0]) <= dt.date.today():
                assess(
                    session,
                    ref,
                    date=start + dt.timedelta(days=later[0]),
                    risk=RiskLevel(later[1]) if rv else None,
                    light=None if rv else lights[later[1]],
                )
            if closing is not None:
                last = start + dt.timedelta(days=later[0] if later else 0)
                end = max(start + dt.timedelta(days=closing), last)
                if end <= dt.date.today():
                    close_case(session, ref, end=end, reason=CloseReason.GOALS_MET)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    cases=st.lists(CASE, max_size=12),
    period=st.sampled_from(["2025H1", "2025Q2", "2025", "2024-12"]),
)
def test_totals_equal_the_sum_of_their_breakdowns(
    template_db: Path, tmp_path: Path, cases: list[Any], period: str
) -> None:
    from rvneet.db import Database
    from rvneet.domain.period import parse_period
    from rvneet.reports.lisa4 import build_lisa4

    path = tmp_path / "random.db"
    path.unlink(missing_ok=True)
    shutil.copyfile(template_db, path)
    _random_book(path, cases)
    from rvneet.reports.followups import build_followups
    from rvneet.reports.neet import build_neet
    from rvneet.reports.workload import build_workload

    with Database(path, "tester").session() as session:
        report = build_lisa4(session, parse_period(period))
        others = [
            build_followups(session, parse_period(period)),
            build_neet(session, parse_period(period)),
            build_workload(session, parse_period(period).end),
        ]
    for each in (report, *others):
        for breakdown in each.breakdowns:
            if breakdown.total_of:
                counted = sum(int(v) for v in breakdown.counts.values())
                assert counted == each.figure(breakdown.total_of).value, breakdown.key
    figures: dict[str, Any] = {f.key: f.value for f in report.figures}
    assert figures["cases_active"] == len(report.listings[0].rows)
    assert figures["cases_ongoing_at_end"] + figures["cases_ended"] == figures["cases_active"]


@pytest.mark.parametrize(
    ("args", "heading", "sheets"),
    [
        (("neet", "--period", "2025H1"), "NEET-koostöömudel — hindamine", ["Kokkuvõte"]),
        (("workload", "--as-of", "2025-06-30"), "Juhtumikorraldajate koormus", ["Kokkuvõte"]),
        (("followups", "--period", "2025H1"), None, ["Kokkuvõte"]),
    ],
)
def test_every_report_writes_an_xlsx_workbook(
    run: Run, tmp_path: Path, args: tuple[str, ...], heading: str | None, sheets: list[str]
) -> None:
    target = tmp_path / "report.xlsx"
    result = run("report", *args, "--format", "xlsx", "--output", str(target), "--lang", "et")
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    workbook = openpyxl.load_workbook(target)
    assert workbook.sheetnames[: len(sheets)] == sheets
    rows = list(workbook["Kokkuvõte"].iter_rows(values_only=True))
    assert MUNICIPALITY in str(rows[0][0])
    if heading:
        assert str(rows[0][0]).startswith(heading)
    numbers = [row[1] for row in rows[3:] if row and row[0]]
    assert numbers and all(isinstance(n, (int, float)) or n is None for n in numbers)
    for sheet in workbook.worksheets[1:]:
        header = next(sheet.iter_rows(values_only=True))
        assert all(isinstance(h, str) and h for h in header)
