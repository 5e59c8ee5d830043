"""Issue 21, HTML and trends: the traffic light's colours, charts said in words, `--trend N` (the
same figures as N separate runs), and the print style checked in headless Chromium's PDF."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import Run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

pytestmark = pytest.mark.usefixtures("book")


@pytest.fixture(scope="module")
def template(demo_book: Path) -> Path:
    """The demo book (examples/load.sh), loaded once per test run."""
    return demo_book


def _json(run: Run, *args: str) -> Any:
    result = run("report", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# name → (arguments, the asked period, the periods of --trend N, oldest first)
TRENDS = {
    "lisa4": (("lisa4", "--period", "2025H1"), ["2023H2", "2024H1", "2024H2", "2025H1"]),
    "neet": (("neet", "--period", "2025"), ["2023", "2024", "2025"]),
    "followups": (("followups", "--period", "2025Q4"), ["2025Q3", "2025Q4"]),
}


@pytest.mark.parametrize("below", [None, "3"])
@pytest.mark.parametrize("name", list(TRENDS))
def test_a_trend_is_the_same_as_separate_runs(run: Run, name: str, below: str | None) -> None:
    # Breaks if reports/trend.build_trend builds or suppresses a period otherwise than a run for
    # that period alone (suppression over the trend, a period off by one, a figure dropped).
    args, periods = TRENDS[name]
    suppress = ("--suppress-below", below) if below else ()
    trend = _json(run, *args, "--trend", str(len(periods)), *suppress)
    assert [p["period"]["label"] for p in trend["trend"]] == periods
    for entry in trend["trend"]:
        alone = _json(run, args[0], "--period", entry["period"]["label"], *suppress)
        assert entry["period"] == alone["period"]
        figures = {k: v for k, v in alone["summary"].items() if not isinstance(v, dict)}
        assert entry["figures"] == figures, entry["period"]["label"]
    if below:
        assert trend["suppressed_below"] == 3
        assert trend["suppression"] == {"below": 3, "method": "primary+complementary"}


def test_a_trend_as_csv_table_and_xlsx(run: Run, tmp_path: Path) -> None:
    # Breaks if the trend's CSV loses its stable fields or a period, or the table and the
    # workbook stop showing a column per period.
    csv = run("report", "lisa4", "--period", "2025H1", "--trend", "2", "--format", "csv").stdout
    lines = csv.splitlines()
    assert lines[0] == "period,key,label,value"
    assert "2024H2,youths,Youths,2" in lines and "2025H1,youths,Youths,4" in lines
    table = run("report", "neet", "--period", "2025", "--trend", "3", "--lang", "et").stdout
    assert re.search(r"Noored\s*│\s*0\s*│\s*0\s*│\s*4", table)
    assert "Näitajad 3 perioodi kaupa" in " ".join(table.split())
    target = tmp_path / "trend.xlsx"
    result = run("report", "lisa4", "--period", "2025H1", "--trend", "4", "--format", "xlsx",
                 "--output", str(target))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    import openpyxl

    rows = list(openpyxl.load_workbook(target).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("Näitaja", "2023H2", "2024H1", "2024H2", "2025H1")
    assert ("Noored", 0, 0, 2, 4) in rows


def test_a_trend_is_refused_before_rvneets_first_day_and_below_two(run: Run) -> None:
    result = run("report", "lisa4", "--period", "1900H2", "--trend", "3")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.strip() == (
        "Error: --trend 3 reaches back before 1900-01-01; ask for fewer periods"
    )
    result = run("report", "neet", "--period", "2025", "--trend", "1")
    assert result.exit_code == 2 and "--trend" in result.stderr


def test_the_traffic_light_chart_has_the_lights_colours_and_words(run: Run) -> None:
    # Breaks if render.bar_chart stops drawing a breakdown by traffic light in its colours, or a
    # chart loses its numbers beside the bars or its text alternative.
    page = run("report", "workload", "--as-of", "2025-06-30", "--format", "html").stdout
    light = re.search(r'<svg[^>]*aria-label="Open NEET cases by traffic light: ([^"]*)".*?</svg>',
                      page, re.S)  # fmt: skip
    assert light, page
    assert light[1] == "red situation 1, yellow situation 2, green situation 0"
    chart = light[0]
    for colour in ("#c62828", "#f2b600", "#2e7d32"):
        assert f'fill="{colour}"' in chart
    assert "<title>Open NEET cases by traffic light: red situation 1" in chart
    assert re.search(r">red situation</text><rect[^>]*/><text[^>]*>1</text>", chart)
    other = re.search(r'<svg[^>]*aria-label="Open cases by model: [^"]*".*?</svg>', page, re.S)
    assert other and "#c62828" not in other[0]


# --- print: headless Chromium's PDF ------------------------------------------------------------


def _tool(*names: str) -> str:
    for name in names:
        if path := shutil.which(name):
            return path
    pytest.skip(f"no {names[0]} here: `make test` installs Debian's package when it can")


def _print(html: Path) -> tuple[int, str]:
    """(pages, text) of `html` printed to PDF by headless Chromium, read by pdftotext."""
    browser = _tool("chromium", "chromium-browser", "google-chrome")
    pdftotext, pdfinfo = _tool("pdftotext"), _tool("pdfinfo")
    pdf = html.with_suffix(".pdf")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-pdf-header-footer", f"--user-data-dir={html.parent / 'profile'}"]  # fmt: skip
    subprocess.run([browser, *flags, f"--print-to-pdf={pdf}", html.as_uri()],
                   capture_output=True, timeout=120)  # fmt: skip
    assert pdf.exists(), "Chromium printed no PDF"
    info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])  # type: ignore[index]
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True)
    return pages, text.stdout


# name → (arguments, pages in Estonian and English, the heading in each language)
PRINTS = {
    "lisa4": (("lisa4", "--period", "2025H1"), 1, (
        "Lisa 4 – Ringist välja rakendamise seirearuanne, Viljandi linn, 2025H1 (01.01.2025 … 30.06.2025)",
        "Lisa 4 — Ringist välja monitoring, Viljandi linn, 2025H1 (2025-01-01 … 2025-06-30)")),
    "neet": (("neet", "--period", "2025"), 2, (
        "NEET-koostöömudel — hindamine, Viljandi linn, 2025 (01.01.2025 … 31.12.2025)",
        "NEET cooperation model — evaluation, Viljandi linn, 2025 (2025-01-01 … 2025-12-31)")),
    "workload": (("workload", "--as-of", "2025-06-30"), 1, (
        "Juhtumikorraldajate koormus, Viljandi linn, seisuga 30.06.2025",
        "Caseload by case manager, Viljandi linn, as of 2025-06-30")),
    "followups": (("followups", "--period", "2025H2"), 1, (
        "Järelkontaktid 6 kuud pärast juhtumi lõpetamist, Viljandi linn, 2025H2 (01.07.2025 … 31.12.2025)",
        "Follow-ups 6 months after closing, Viljandi linn, 2025H2 (2025-07-01 … 2025-12-31)")),
    "trend": (("lisa4", "--period", "2025H1", "--trend", "4"), 1, (
        "Lisa 4 – Ringist välja rakendamise seirearuanne, Viljandi linn, 2025H1 (01.01.2025 … 30.06.2025) — "
        "Näitajad 4 perioodi kaupa",
        "Lisa 4 — Ringist välja monitoring, Viljandi linn, 2025H1 (2025-01-01 … 2025-06-30) — "
        "Trend over 4 periods")),
}  # fmt: skip


# On SQLite in `make test`: the pages are the same from both engines, byte for byte
# (test_postgres.py's test_report_pages_are_the_same_on_both_engines), and printing them is
# Chromium's; `make test-pg` prints the server's too.
@pytest.mark.postgresql_on_request
@pytest.mark.parametrize("lang", ["et", "en"])
@pytest.mark.parametrize("name", list(PRINTS))
def test_pages_print_on_a4_with_the_heading_on_each_page(
    run: Run, tmp_path: Path, name: str, lang: str
) -> None:
    # Breaks if render.page_css stops putting the heading at the top of each printed page and its
    # number at the bottom, a report prints on more pages than it needs (a table or chart pushed
    # whole to the next page is fine, one cut is not), or a summary label is cut or missing.
    args, expected, headings = PRINTS[name]
    heading = headings[0] if lang == "et" else headings[1]
    page = tmp_path / f"{name}.html"
    result = run("report", *args, "--format", "html", "--lang", lang, "--no-timestamp",
                 "--output", str(page))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    pages, text = _print(page)
    assert pages == expected
    printed = [" ".join(page.split()) for page in text.split("\f") if page.strip()]
    assert len(printed) == pages and all(p.startswith(heading) for p in printed)
    number = "Lehekülg {n} / {pages}" if lang == "et" else "Page {n} of {pages}"
    for n in range(1, pages + 1):
        assert printed[n - 1].endswith(number.format(n=n, pages=pages))
    lines = {" ".join(line.split()) for line in text.splitlines()}
    csv = run("report", *args, "--format", "csv", "--lang", lang).stdout.splitlines()
    if name == "neet":  # a summary as key,label,value rows: each figure's label
        import csv as reader

        labels = [label for key, label, _ in reader.reader(csv[1:]) if "." not in key]
        for label in labels:
            assert any(label in line for line in lines), label
        # The summary table is not cut: all of its rows are on one page.
        assert any(all(label in p for label in labels) for p in printed)
    if name == "lisa4":
        assert "RV-2025-002" in text
        assert ("14.04.2025" if lang == "et" else "2025-04-14") in text


def test_a_municipality_cannot_break_out_of_the_page_style(run: Run, tmp_path: Path) -> None:
    # Breaks if render._css_string stops escaping what would end the CSS string or the style.
    from rvneet.reports.render import _css_string

    hostile = 'Vil"; } </style><script>x</script>'
    escaped = _css_string(hostile)
    assert escaped.startswith('"Vil') and escaped.endswith('"')
    assert not set(escaped[1:-1]) & set("\"'<>;{}")
    other = tmp_path / "other.db"
    assert run("--db", str(other), "init", "--municipality", hostile).exit_code == 0
    page = run("--db", str(other), "report", "lisa4", "--period", "2025H1", "--format", "html")
    assert page.exit_code == 0, page.stderr
    assert "<script>" not in page.stdout and page.stdout.count("</style>") == 1


@given(
    kind=st.sampled_from(["year", "half", "quarter", "month", "range"]),
    year=st.integers(1902, 2098),  # a range of up to 400 days before it stays after 1900
    part=st.integers(1, 12),
    days=st.integers(1, 400),
)
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_period_before_is_of_the_same_kind_and_just_before(
    kind: str, year: int, part: int, days: int
) -> None:
    # Breaks if reports/trend.earlier skips or overlaps a day, or changes the period's kind.
    import datetime as dt

    from rvneet.domain.period import parse_period
    from rvneet.reports.trend import earlier

    start = dt.date(year, part, 1)
    label = {
        "year": str(year),
        "half": f"{year}H{part % 2 + 1}",
        "quarter": f"{year}Q{part % 4 + 1}",
        "month": f"{year}-{part:02d}",
        "range": f"{start}..{start + dt.timedelta(days=days - 1)}",
    }[kind]
    period = parse_period(label)
    before = earlier(period)
    assert before.end + dt.timedelta(days=1) == period.start
    assert parse_period(before.label) == before
    assert re.fullmatch(
        {"year": r"\d{4}", "half": r"\d{4}H[12]", "quarter": r"\d{4}Q[1-4]",
         "month": r"\d{4}-\d\d", "range": r"\S+\.\.\S+"}[kind], before.label
    )  # fmt: skip
    if kind == "range":
        assert before.end - before.start == period.end - period.start
