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


# A listing's free-text fields (a case manager's name; what the book holds in `report model`):
# they wrap on screen.
FREE_TEXT = frozenset({"manager", "book_holds"})


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
    # The heading and notes are text above the summary, as wide as the screen: a table's title
    # would wrap at the width of its (often narrow) table.
    top = plain(
        "\n".join([heading(report, lang, True), *notes(report, lang, generated, True)]),
        "table.title",
    )
    # A label wraps; a number is never cut: its column is as wide as its widest value.
    summary = FittedTable(
        None,
        [
            FittedColumn(plain(""), wraps=True),
            FittedColumn(plain(translate(COUNT if counts_only else VALUE, lang)), justify="right"),
        ],
        [
            [plain(label), plain(_shown(value, lang))]
            for _, label, value in summary_rows(report, lang)
        ],
    )
    parts: list[Any] = [top, summary]
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
    then one sheet per listing with the column labels as headers. Dates, the heading's too, are
    written as the report's language writes them (31.12.2025 in Estonian); the heading is at the
    top of every printed page (files.write lays the sheets out)."""
    from rvneet.files.write import Sheet
    from rvneet.files.write import write_xlsx as write_sheets

    top = [[line] for line in notes(report, lang, generated, True)]
    summary = [
        *top,
        [],
        *([visible(label), value] for _, label, value in summary_rows(report, lang)),
    ]
    # The heading holds the municipality, typed at init: a control character in it, which an
    # XLSX cell cannot hold, is written out as on the screen.
    title = visible(heading(report, lang, True))
    sheets = [Sheet(translate(SUMMARY, lang), [title], summary, listing=False, notes=len(top) + 1)]
    for listing in report.listings:
        header = [translate(c.label, lang) for c in listing.columns]
        rows = [
            [_xlsx_value(c.shown(row.get(c.field), lang)) for c in listing.columns]
            for row in listing.rows
        ]
        sheets.append(Sheet(translate(listing.title, lang), header, rows))
    write_sheets(path, sheets, lang=lang, page_header=title)


def _xlsx_value(value: Any) -> Any:
    """ISO dates become date cells, so that Excel sorts and filters them as dates; text has its
    control characters written out (an XLSX cell cannot hold them)."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return visible(value) if isinstance(value, str) else value


CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.4em; margin-bottom: .2em; }
p.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: .5em 0 1.5em; }
th, td { border: 1px solid #bbb; padding: .25em .6em; text-align: left; }
td.n, th.n { text-align: right; }
td.k { white-space: nowrap; }
section.chart { display: inline-block; vertical-align: top; margin: 0 2em 1em 0; }
section.chart.small { margin: 0 1em 1em 0; width: 13em; }
section.chart.small h3 { font-size: .9em; max-width: 16em; }
svg text { font: 12px system-ui, sans-serif; fill: #222; }
@media print {
  body { margin: 0; font-size: 10pt; }
  table, tr, section.chart, svg { page-break-inside: avoid; break-inside: avoid; }
  table.long { page-break-inside: auto; break-inside: auto; }
  h2, h3 { page-break-after: avoid; break-after: avoid; }
  thead { display: table-header-group; }
}
"""


def _one_word(value: object) -> bool:
    text = str(value)
    return 0 < len(text) <= 24 and not any(c.isspace() for c in text)


def _css_string(text: str) -> str:
    """`text` as a CSS string: every character but letters, digits and spaces as a hex escape, so
    that no text (a municipality of `"; } </style>`) can end the string, the rule or the style."""
    return '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text) + '"'


def page_css(title: str, lang: str) -> str:
    """The printed page: A4, `title` at the top of every page and its number at the bottom."""
    from rvneet.files.write import PAGE_NUMBER

    before, rest = translate(PAGE_NUMBER, lang).split("{page}", 1)
    middle, after = rest.split("{pages}", 1)
    number = (
        f"{_css_string(before)} counter(page) {_css_string(middle)} counter(pages) "
        f"{_css_string(after)}"
    )
    return (
        "@page { size: A4; margin: 1.8cm 1.2cm; "
        f"@top-center {{ content: {_css_string(title)}; font: 9pt sans-serif; color: #555; }} "
        f"@bottom-center {{ content: {number}; font: 9pt sans-serif; color: #555; }} }}\n"
    )


def _html(text: str) -> str:
    """Text for an HTML page: escaped, and control characters written out as on the screen."""
    return html.escape(visible(text))


def render_html(report: Report, lang: str, generated: dt.datetime | None) -> str:
    """One self-contained, printable page: tables and inline-SVG bar charts, no network resources."""
    e = _html
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{e(translate(report.title, lang))}</title>",
        f"<style>{CSS}{page_css(visible(heading(report, lang, True)), lang)}</style></head><body>",
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
        # A listing may run over pages: its header row is repeated on each (thead), rows stay whole.
        out.append('<table class="long"><thead><tr>')
        out += [f"<th>{e(translate(c.label, lang))}</th>" for c in listing.columns]
        out.append("</tr></thead>")
        for row in listing.rows:
            values = [_cell(c.shown(row.get(c.field), lang), lang) for c in listing.columns]
            # A reference, a date or a number (one short word) is never broken over two lines.
            cells = "".join(
                f'<td class="k">{e(v)}</td>' if _one_word(v) else f"<td>{e(v)}</td>" for v in values
            )
            out.append(f"<tr>{cells}</tr>")
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# The traffic light's colours, for a breakdown of the *situation* by light (red, yellow, green):
# never a youth's colour. Other charts are one blue.
LIGHT_COLOURS = {"red": "#c62828", "yellow": "#f2b600", "green": "#2e7d32"}
BAR_COLOUR = "#3b6ea5"
CHART_TEXT = N_("{title}: {values}")


def is_light_chart(breakdown: Breakdown) -> bool:
    """A breakdown by traffic light: its categories hold red, yellow and green."""
    return set(LIGHT_COLOURS) <= set(breakdown.codes or breakdown.counts)


def chart_text(breakdown: Breakdown, lang: str) -> str:
    """The chart said in words, its text alternative: `By sex: F 2, M 1`."""
    values = ", ".join(
        f"{breakdown.value_label(value, lang)} {_shown(count, lang)}"
        for value, count in breakdown.counts.items()
    )
    return translate(CHART_TEXT, lang).format(title=translate(breakdown.label, lang), values=values)


def bar_chart(breakdown: Breakdown, lang: str) -> str:
    """A horizontal bar chart of a breakdown as inline SVG, each bar labelled with its category and
    its number beside it, the whole said in words (`chart_text`) for a screen reader; a suppressed
    count draws no bar. A breakdown by traffic light draws its bars in the light's colours."""
    e = _html
    items = list(breakdown.counts.items())
    numbers = [c for _, c in items if isinstance(c, int)]
    top = max(numbers, default=0) or 1
    row, label_width, bar_width = 22, 150, 260
    height = row * len(items) + 4
    described = e(chart_text(breakdown, lang))
    colours = LIGHT_COLOURS if is_light_chart(breakdown) else {}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_width + bar_width + 50}" '
        f'height="{height}" role="img" aria-label="{described}"><title>{described}</title>'
    ]
    for i, (value, count) in enumerate(items):
        y = i * row + 2
        width = round(bar_width * count / top) if isinstance(count, int) else 0
        fill = colours.get(value, BAR_COLOUR)
        parts.append(
            f'<text x="0" y="{y + 15}">{e(breakdown.value_label(value, lang))}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{width}" height="{row - 6}" '
            f'fill="{fill}"/>'
            f'<text x="{label_width + width + 6}" y="{y + 15}">{e(_shown(count, lang))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
