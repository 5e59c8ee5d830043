"""`--trend N`: a report's figures for the N periods ending with the one asked, side by side.

Each period's report is built and suppressed exactly as a run for that period alone would be, so
the trend shows the same numbers as N separate runs (a test checks this). Only the figures (a
report's summary numbers, never its breakdowns or listings) are carried over: the trend is read
as a table and as small multiples, one small chart per figure.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rvneet.domain.dates import FIRST_DAY
from rvneet.domain.errors import InvalidInput
from rvneet.domain.period import Period
from rvneet.i18n import N_, _, translate
from rvneet.reports.model import Report, suppress
from rvneet.reports.suppression import METHOD

TREND_TITLE = N_("Trend over {n} periods")
FIGURE = N_("Figure")

_HALF = re.compile(r"(\d{4})H([12])")
_QUARTER = re.compile(r"(\d{4})Q([1-4])")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_YEAR = re.compile(r"(\d{4})")


@dataclasses.dataclass
class Trend:
    """The reports of consecutive periods, oldest first (each suppressed as asked)."""

    reports: list[Report]

    @property
    def last(self) -> Report:
        """The report of the period asked for."""
        return self.reports[-1]


def _month_period(label: str, year: int, first: int, months: int) -> Period:
    last = first + months - 1
    return Period(
        label, dt.date(year, first, 1), dt.date(year, last, calendar.monthrange(year, last)[1])
    )


def earlier(period: Period) -> Period:
    """The period of the same kind just before `period`: 2025H1 → 2024H2, 2025 → 2024, 2025-01 →
    2024-12, 2025Q1 → 2024Q4; a range of days → as many days just before it."""
    label = period.label
    if m := _YEAR.fullmatch(label):
        year = int(m[1]) - 1
        return _month_period(str(year), year, 1, 12)
    if m := _HALF.fullmatch(label):
        year, half = (int(m[1]) - 1, 2) if m[2] == "1" else (int(m[1]), 1)
        return _month_period(f"{year}H{half}", year, 6 * half - 5, 6)
    if m := _QUARTER.fullmatch(label):
        year, quarter = int(m[1]), int(m[2]) - 1
        if quarter == 0:
            year, quarter = year - 1, 4
        return _month_period(f"{year}Q{quarter}", year, 3 * quarter - 2, 3)
    if m := _MONTH.fullmatch(label):
        year, month = int(m[1]), int(m[2]) - 1
        if month == 0:
            year, month = year - 1, 12
        return _month_period(f"{year}-{month:02d}", year, month, 1)
    days = (period.end - period.start).days + 1
    end = period.start - dt.timedelta(days=1)
    start = end - dt.timedelta(days=days - 1)
    return Period(f"{start.isoformat()}..{end.isoformat()}", start, end)


def trend_periods(period: Period, n: int) -> list[Period]:
    """The `n` periods ending with `period`, oldest first; InvalidInput when they reach back before
    the first day rvneet takes."""
    periods = [period]
    while len(periods) < n:
        periods.insert(0, earlier(periods[0]))
    if periods[0].start < FIRST_DAY:
        raise InvalidInput(
            _("--trend {n} reaches back before {first}; ask for fewer periods").format(
                n=n, first=FIRST_DAY.isoformat()
            )
        )
    return periods


def build_trend(
    build: Callable[[Period], Report], period: Period, n: int, suppress_below: int | None
) -> Trend:
    """Build the report for each of the `n` periods ending with `period`, each suppressed as a
    separate run would be."""
    reports = []
    for each in trend_periods(period, n):
        report = build(each)
        reports.append(suppress(report, suppress_below) if suppress_below is not None else report)
    return Trend(reports)


def rows(trend: Trend) -> list[tuple[str, str, list[Any]]]:
    """(key, English label, a value per period) for each figure of the report asked for."""
    values = [{f.key: f.value for f in report.figures} for report in trend.reports]
    return [(f.key, f.label, [v.get(f.key) for v in values]) for f in trend.last.figures]


def to_data(trend: Trend) -> dict[str, Any]:
    """The trend in JSON: the report's name and municipality, then each period with its figures
    (the keys of the report's own `summary`), oldest first."""
    last = trend.last
    data: dict[str, Any] = {"report": last.name, "municipality": last.municipality}
    if last.suppressed_below is not None:
        data["suppressed_below"] = last.suppressed_below
        data["suppression"] = {"below": last.suppressed_below, "method": METHOD}
    data["trend"] = [
        {
            "period": {
                "label": r.period.label,
                "start": r.period.start.isoformat(),
                "end": r.period.end.isoformat(),
            },
            "figures": {f.key: f.value for f in r.figures},
        }
        for r in trend.reports
    ]
    return data


def render_json(trend: Trend) -> str:
    """`to_data` as two-space indented JSON with a final newline."""
    import json

    return json.dumps(to_data(trend), ensure_ascii=False, indent=2) + "\n"


CSV_FIELDS = ("period", "key", "label", "value")
CSV_LABELS = (N_("period"), N_("key"), N_("label"), N_("value"))


def render_csv(trend: Trend, lang: str) -> str:
    """One row per period and figure: period,key,label,value (labels for people in Estonian)."""
    import io

    from rvneet.files.write import write_csv

    header = CSV_FIELDS if lang == "en" else tuple(translate(h, lang) for h in CSV_LABELS)
    buffer = io.StringIO()
    write_csv(
        buffer,
        header,
        (
            (r.period.label, f.key, translate(f.label, lang), f.value)
            for r in trend.reports
            for f in r.figures
        ),
    )
    return buffer.getvalue()


def title(trend: Trend, lang: str, for_people: bool = False) -> str:
    """The asked period's heading, then `Trend over N periods`."""
    from rvneet.reports.render import heading

    over = translate(TREND_TITLE, lang).format(n=len(trend.reports))
    return f"{heading(trend.last, lang, for_people)} — {over}"


def render_table(trend: Trend, lang: str, generated: dt.datetime | None) -> list[Any]:
    """A rich table: a row per figure, a column per period."""
    from rich.text import Text

    from rvneet.domain.visible import visible
    from rvneet.fitted import FittedColumn, FittedTable
    from rvneet.reports.render import _shown, notes

    def plain(value: str, style: str = "") -> Text:
        return Text(visible(value), style=style)

    head = "\n".join([title(trend, lang, True), *notes(trend.last, lang, generated, True)])
    columns = [FittedColumn(plain(translate(FIGURE, lang)), wraps=True)]
    columns += [FittedColumn(plain(r.period.label), justify="right") for r in trend.reports]
    body = [
        [plain(translate(label, lang)), *(plain(_shown(v, lang)) for v in values)]
        for _key, label, values in rows(trend)
    ]
    return [FittedTable(plain(head, "table.title"), columns, body)]


def write_xlsx(trend: Trend, path: Path, lang: str, generated: dt.datetime | None) -> None:
    """A workbook with one sheet: a row per figure, a column per period."""
    from rvneet.domain.visible import visible
    from rvneet.files.write import Sheet
    from rvneet.files.write import write_xlsx as write_sheets
    from rvneet.reports.render import notes

    heading = visible(title(trend, lang, True))
    header = [translate(FIGURE, lang), *(r.period.label for r in trend.reports)]
    body: list[list[Any]] = [[line] for line in notes(trend.last, lang, generated, True)]
    body += [[translate(label, lang), *values] for _key, label, values in rows(trend)]
    sheet = Sheet(translate(N_("Trend"), lang), header, body, listing=False)
    write_sheets(path, [sheet], lang=lang, page_header=heading)


def render_html(trend: Trend, lang: str, generated: dt.datetime | None) -> str:
    """A printable page: the figures per period as a table, then a small chart per figure."""
    from rvneet.domain.visible import visible
    from rvneet.reports.render import CSS, _html, _shown, notes, page_css

    e = _html
    labels = [r.period.label for r in trend.reports]
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{e(translate(trend.last.title, lang))}</title>",
        f"<style>{CSS}{page_css(visible(title(trend, lang, True)), lang)}</style></head><body>",
        f"<header><h1>{e(title(trend, lang, True))}</h1>",
    ]
    out += [f'<p class="meta">{e(line)}</p>' for line in notes(trend.last, lang, generated, True)]
    out.append("</header><table><thead><tr>")
    out.append(f"<th>{e(translate(FIGURE, lang))}</th>")
    out += [f'<th class="n">{e(label)}</th>' for label in labels]
    out.append("</tr></thead><tbody>")
    for _key, label, values in rows(trend):
        cells = "".join(f'<td class="n">{e(_shown(v, lang))}</td>' for v in values)
        out.append(f"<tr><th>{e(translate(label, lang))}</th>{cells}</tr>")
    out.append('</tbody></table><div class="multiples">')
    for _key, label, values in rows(trend):
        if all(v is None for v in values):
            continue
        out.append(f'<section class="chart small"><h3>{e(translate(label, lang))}</h3>')
        out.append(small_chart(translate(label, lang), labels, values, lang))
        out.append("</section>")
    out.append("</div></body></html>")
    return "\n".join(out) + "\n"


def small_chart(label: str, periods: list[str], values: list[Any], lang: str) -> str:
    """One figure over the periods as a small column chart (inline SVG): each column with its
    number above it and its period below, the whole said in words for a screen reader."""
    from rvneet.reports.render import CHART_TEXT, _html, _shown

    e = _html
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    top = max(numbers, default=0) or 1
    column, height, base = 46, 70, 88
    words = ", ".join(f"{p} {_shown(v, lang)}" for p, v in zip(periods, values, strict=True))
    described = e(translate(CHART_TEXT, lang).format(title=label, values=words))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{column * len(periods) + 4}" '
        f'height="{base + 18}" role="img" aria-label="{described}"><title>{described}</title>'
    ]
    for i, (period, value) in enumerate(zip(periods, values, strict=True)):
        x = i * column + 4
        counted = isinstance(value, int | float) and not isinstance(value, bool)
        bar = round(height * value / top) if counted else 0
        parts.append(
            f'<rect x="{x}" y="{base - bar}" width="{column - 12}" height="{bar}" '
            f'fill="#3b6ea5"/>'
            f'<text x="{x}" y="{base - bar - 4}">{e(_shown(value, lang))}</text>'
            f'<text x="{x}" y="{base + 14}" class="period">{e(period)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
