"""Rendering a `Report` for people (rich table, XLSX, HTML) and for scripts (JSON, CSV).

The same report and arguments give the same output byte for byte: the only wall-clock time is the
"generated" line of the header (table, XLSX, HTML), which `generated=None` leaves out. JSON and CSV
never carry it.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path
from typing import Any

from rvneet.domain.visible import visible
from rvneet.i18n import N_, format_date, translate
from rvneet.reports.model import Breakdown, Report, cell_value, detail_text, to_data

# The renderers' own words: English marked N_, each translated into the report's language.
GENERATED = N_("Generated {time} UTC")
SUPPRESSED = N_(
    "Counts below {n} are hidden, with the counts from which they could be worked out (primary and "
    "complementary suppression): a figure below {n} that is no part of a sum shows as <{n}, any "
    "other hidden count as x. The listing is left out."
)
AS_OF = N_("{title}, {municipality}, as of {day}")
SUMMARY = N_("Summary")
COUNT = N_("Count")
VALUE = N_("Value")
NONE = N_("none")
MORE_ROWS = N_("{shown} of {total} rows; every row: --limit 0, or --format csv|xlsx")
# The CSV summary's header: field names for scripts in English, labels for people otherwise.
CSV_SUMMARY_FIELDS = ("key", "label", "value")
CSV_SUMMARY_LABELS = (N_("key"), N_("label"), N_("value"))


def heading(report: Report, lang: str, for_people: bool = False) -> str:
    """`Title, municipality, period (first … last day)` or `…, as of day`.

    `for_people` (a table or a page, not a file for machines) writes Estonian dates as 31.12.2025.
    """

    def day(value: dt.date) -> str:
        return str(format_date(value, lang)) if for_people else value.isoformat()

    title = translate(report.title, lang)
    if report.period is not None:
        period = report.period
        return (
            f"{title}, {report.municipality}, "
            f"{period.label} ({day(period.start)} … {day(period.end)})"
        )
    if report.as_of is not None:
        return translate(AS_OF, lang).format(
            title=title, municipality=report.municipality, day=day(report.as_of)
        )
    return f"{title}, {report.municipality}"


def notes(
    report: Report, lang: str, generated: dt.datetime | None, for_people: bool = False
) -> list[str]:
    """The lines under the heading: when it was made, and the suppression rule if applied.

    `for_people` (a table or a page) writes the time as Estonians do: 31.12.2025 10:05.
    """
    lines = detail_text(report, lang)
    if generated is not None:
        time = generated.strftime("%Y-%m-%d %H:%M")
        if for_people:
            time = str(format_date(time, lang))
        lines.append(translate(GENERATED, lang).format(time=time))
    if report.suppressed_below is not None:
        lines.append(translate(SUPPRESSED, lang).format(n=report.suppressed_below))
    return lines


def summary_rows(report: Report, lang: str) -> list[tuple[str, str, Any]]:
    """(key, label, value) for every figure, then every breakdown value."""
    rows: list[tuple[str, str, Any]] = [
        (f.key, translate(f.label, lang), f.value) for f in report.figures
    ]
    for breakdown in report.breakdowns:
        for value, count in breakdown.counts.items():
            rows.append((f"{breakdown.key}.{value}", _breakdown_row(breakdown, value, lang), count))
    return rows


def _breakdown_row(breakdown: Breakdown, value: str, lang: str) -> str:
    """`By sex: F`: the breakdown's label, then the value's."""
    return f"{translate(breakdown.label, lang)}: {breakdown.value_label(value, lang)}"


def _shown(value: Any, lang: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return translate(N_("yes") if value else N_("no"), lang)
    if isinstance(value, float):
        # 11,5 in Estonian, which writes a decimal comma; CSV and JSON keep 11.5.
        return f"{value:.1f}".replace(".", ",") if lang == "et" else f"{value:.1f}"
    return str(value)


def _thousands(number: int, lang: str) -> str:
    """12,345 in English; 12 345 in Estonian, which groups digits with a (no-break) space."""
    text = f"{number:,}"
    return text.replace(",", "\u00a0") if lang == "et" else text


def render_json(report: Report) -> str:
    """The JSON shape of `to_data`, two-space indented, with a final newline."""
    return json.dumps(to_data(report), ensure_ascii=False, indent=2) + "\n"


def render_csv(report: Report, lang: str) -> str:
    """The (first) listing as CSV; a report without one (or suppressed) gives its summary rows.

    In English the header is the listing's field names, which scripts rely on; in Estonian, labels.
    """
    import io

    from rvneet.files.write import write_csv

    buffer = io.StringIO()
    if report.listings:
        listing = report.listings[0]
        header = [c.field if lang == "en" else translate(c.label, lang) for c in listing.columns]
        rows = ([cell_value(row.get(c.field)) for c in listing.columns] for row in listing.rows)
        write_csv(buffer, header, rows)
    else:
        fields: tuple[str, ...] = CSV_SUMMARY_FIELDS
        if lang != "en":
            fields = tuple(translate(label, lang) for label in CSV_SUMMARY_LABELS)
        write_csv(buffer, fields, summary_rows(report, lang))
    return buffer.getvalue()


# A listing's free-text fields (a case manager's name in the workload): they wrap on screen.
FREE_TEXT = frozenset({"manager"})


def render_table(
    report: Report, lang: str, generated: dt.datetime | None, max_rows: int | None = None
) -> list[Any]:
    """Rich renderables: the summary table under the heading, then each listing (and lines of
    text, which `cli.common.print_rich` prints as text, never as markup).

    `max_rows` shows only the first rows of a listing, with a line saying how many there are.
    """
    from rich.text import Text

    from rvneet.fitted import FittedColumn, FittedTable

    def plain(value: str, style: str = "") -> Text:
        # Text, never rich markup: a municipality or cell of `[/]` shows as typed, ESC as <U+001B>.
        return Text(visible(value), style=style)

    counts_only = all(f.count for f in report.figures)
    # A label wraps; a number is never cut: its column is as wide as its widest value.
    summary = FittedTable(
        plain(
            "\n".join([heading(report, lang, True), *notes(report, lang, generated, True)]),
            "table.title",
        ),
        [
            FittedColumn(plain(""), wraps=True),
            FittedColumn(plain(translate(COUNT if counts_only else VALUE, lang)), justify="right"),
        ],
        [
            [plain(label), plain(_shown(value, lang))]
            for _, label, value in summary_rows(report, lang)
        ],
    )
    parts: list[Any] = [summary]
    for listing in report.listings:
        title = translate(listing.title, lang)
        if not listing.rows:
            parts.append(f"{title}: {translate(NONE, lang)}")
            continue
        shown = listing.rows[:max_rows] if max_rows else listing.rows
        # References, dates, numbers and codes: never cut; a name wraps, headers when needed;
        # a table too wide for the screen is printed as several, each starting with its first column.
        table = FittedTable(
            plain(title, "table.title"),
            [
                FittedColumn(plain(translate(c.label, lang)), wraps=c.field in FREE_TEXT)
                for c in listing.columns
            ],
            [
                [plain(_cell(c.shown(row.get(c.field), lang), lang)) for c in listing.columns]
                for row in shown
            ],
            split=True,
        )
        parts.append(table)
        if len(shown) < len(listing.rows):
            total = _thousands(len(listing.rows), lang)
            parts.append(translate(MORE_ROWS, lang).format(shown=len(shown), total=total))
    return parts


def _cell(value: Any, lang: str) -> str:
    """A listing's cell for people: dates as 31.12.2025 in Estonian (csv, json keep ISO)."""
    if value is None:
        return ""
    return _shown(format_date(value, lang), lang)


def write_xlsx(report: Report, path: Path, lang: str, generated: dt.datetime | None) -> None:
    """A workbook (mode 0600): a summary sheet headed by the report, municipality, period and date,
    then one sheet per listing with the column labels as headers."""
    from rvneet.files.write import write_xlsx as write_sheets

    top = [[line] for line in notes(report, lang, generated)]
    summary = [
        *top,
        [],
        *([visible(label), value] for _, label, value in summary_rows(report, lang)),
    ]
    # The heading holds the municipality, typed at init: a control character in it, which an
    # XLSX cell cannot hold, is written out as on the screen.
    sheets: list[tuple[str, list[str], Any]] = [
        (translate(SUMMARY, lang), [visible(heading(report, lang))], summary)
    ]
    for listing in report.listings:
        header = [translate(c.label, lang) for c in listing.columns]
        rows = [
            [_xlsx_value(c.shown(row.get(c.field), lang)) for c in listing.columns]
            for row in listing.rows
        ]
        sheets.append((translate(listing.title, lang), header, rows))
    write_sheets(path, sheets)


def _xlsx_value(value: Any) -> Any:
    """ISO dates become date cells, so that Excel sorts and filters them as dates; text has its
    control characters written out (an XLSX cell cannot hold them)."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return visible(value) if isinstance(value, str) else value


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.4em; margin-bottom: .2em; }
p.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: .5em 0 1.5em; }
th, td { border: 1px solid #bbb; padding: .25em .6em; text-align: left; }
td.n { text-align: right; }
section.chart { display: inline-block; vertical-align: top; margin: 0 2em 1em 0; }
svg text { font: 12px system-ui, sans-serif; fill: #222; }
@media print { body { margin: 1cm; } section.chart { break-inside: avoid; } }
"""


def _html(text: str) -> str:
    """Text for an HTML page: escaped, and control characters written out as on the screen."""
    return html.escape(visible(text))


def render_html(report: Report, lang: str, generated: dt.datetime | None) -> str:
    """One self-contained, printable page: tables and inline-SVG bar charts, no network resources."""
    e = _html
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{e(translate(report.title, lang))}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(heading(report, lang, True))}</h1>",
    ]
    out += [f'<p class="meta">{e(line)}</p>' for line in notes(report, lang, generated, True)]
    out.append(f"<h2>{e(translate(SUMMARY, lang))}</h2><table>")
    for figure in report.figures:
        label, value = translate(figure.label, lang), _shown(figure.value, lang)
        out.append(f'<tr><th>{e(label)}</th><td class="n">{e(value)}</td></tr>')
    out.append("</table>")
    charts = [b for b in report.breakdowns if b.chart]
    for breakdown in charts:
        out.append(f'<section class="chart"><h3>{e(translate(breakdown.label, lang))}</h3>')
        out.append(bar_chart(breakdown, lang))
        out.append("</section>")
    others = [b for b in report.breakdowns if not b.chart]
    if others:
        out.append("<table>")
        for breakdown in others:
            for value, count in breakdown.counts.items():
                label = _breakdown_row(breakdown, value, lang)
                shown = _shown(count, lang)
                out.append(f'<tr><th>{e(label)}</th><td class="n">{e(shown)}</td></tr>')
        out.append("</table>")
    for listing in report.listings:
        out.append(f"<h2>{e(translate(listing.title, lang))}</h2>")
        if not listing.rows:
            out.append(f"<p>{e(translate(NONE, lang))}</p>")
            continue
        out.append("<table><tr>")
        out += [f"<th>{e(translate(c.label, lang))}</th>" for c in listing.columns]
        out.append("</tr>")
        for row in listing.rows:
            cells = "".join(
                f"<td>{e(_cell(c.shown(row.get(c.field), lang), lang))}</td>"
                for c in listing.columns
            )
            out.append(f"<tr>{cells}</tr>")
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def bar_chart(breakdown: Breakdown, lang: str) -> str:
    """A horizontal bar chart of a breakdown as inline SVG; a suppressed count draws no bar."""
    e = _html
    items = list(breakdown.counts.items())
    numbers = [c for _, c in items if isinstance(c, int)]
    top = max(numbers, default=0) or 1
    row, label_width, bar_width = 22, 150, 260
    height = row * len(items) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_width + bar_width + 50}" '
        f'height="{height}" role="img" aria-label="{e(translate(breakdown.label, lang))}">'
    ]
    for i, (value, count) in enumerate(items):
        y = i * row + 2
        width = round(bar_width * count / top) if isinstance(count, int) else 0
        parts.append(
            f'<text x="0" y="{y + 15}">{e(breakdown.value_label(value, lang))}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{width}" height="{row - 6}" fill="#3b6ea5"/>'
            f'<text x="{label_width + width + 6}" y="{y + 15}">{e(_shown(count, lang))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
