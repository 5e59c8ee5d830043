"""A report as data, before it is rendered: figures, breakdowns, listings, each with its label.

Every report builds a `Report`; `reports.render` turns it into a table, JSON, CSV, XLSX or HTML. The
JSON keys are the `key`s here and never change with the language; the labels are what people read
in tables, CSV/XLSX headers and HTML: English texts marked `N_` in the code, which the renderers
translate into the report's language (`translate(label, lang)`, the gettext catalog).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from rvneet.i18n import N_, format_date, translate
from rvneet.reports.suppression import METHOD, hidden_counts

Number = int | float | str | None  # str: hidden by suppression (`<3`, `x`)


@dataclass
class Figure:
    """One number of a summary, e.g. cases active in the period. `None` when it cannot be computed."""

    key: str
    label: str  # English, marked N_
    value: Number
    count: bool = True  # a count of youths or cases (suppressible), not a mean, median or ratio
    # A mean or median: the key of the count figure it is taken over. None: the nearest `<stem>_n`
    # figure (wellbeing_change_mean → wellbeing_change_n). Hidden whenever that count is hidden.
    n: str | None = None


@dataclass
class Breakdown:
    """Counts by one characteristic, e.g. by sex; `total_of` names the figure they add up to."""

    key: str
    label: str  # English, marked N_
    # A count, or `<N` once suppressed; in a breakdown of means (`n_of`), a mean or None.
    counts: dict[str, Any]
    value_labels: dict[str, str] = field(default_factory=dict)  # value → English label, N_
    total_of: str | None = None
    chart: bool = False  # drawn as a bar chart in HTML
    # Every category, in order: a suppressed report lists each one (0 when empty), so that a missing
    # category gives nothing away. Empty: the counts' own keys are the whole list.
    codes: tuple[str, ...] = ()
    # A suppressed report counts values outside `codes` (an age outside the model's) under this one.
    rest: str | None = None
    # Means, not counts: each category's mean is over the count of the same category of the
    # breakdown with this key (its `n`), and is hidden whenever that count is hidden.
    n_of: str | None = None

    def value_label(self, value: str, lang: str) -> str:
        """How a value of the breakdown is shown (its machine form when it has no label)."""
        label = self.value_labels.get(value)
        return translate(label, lang) if label else value


YES_NO = {True: N_("yes"), False: N_("no")}


def periods_text(value: list[dict[str, Any]], lang: str = "en") -> str:
    """A case's implementation periods in one cell: `2025-01-10..2025-04-30; 2025-09-01..`
    (an open end left empty); dates as `lang` writes them for people."""

    def day(text: str | None) -> str:
        return str(format_date(text, lang)) if text else ""

    return "; ".join(f"{day(p.get('start'))}..{day(p.get('end'))}" for p in value)


def cell_value(value: Any) -> Any:
    """A listing's value for a CSV cell: a list of periods as one text, anything else as it is."""
    if isinstance(value, list):
        return periods_text(value)
    return value


@dataclass
class Column:
    """A column of a listing: its field (the JSON key and CSV header in English) and its label.

    `values` labels machine values (e.g. `high` → *kõrge*) where people read them.
    """

    field: str
    label: str  # English, marked N_
    values: dict[str, str] = dataclasses.field(default_factory=dict)  # value → English label, N_

    def shown(self, value: Any, lang: str) -> Any:
        """The value as people read it in `lang` (tables, XLSX, HTML); JSON and CSV keep it as is."""
        if isinstance(value, bool):
            return translate(YES_NO[value], lang)
        if isinstance(value, list):
            return periods_text(value, lang)
        if isinstance(value, str) and value in self.values:
            return translate(self.values[value], lang)
        return value


@dataclass
class Listing:
    """Rows of a report, e.g. one per case (never with a name or a personal code)."""

    key: str
    title: str  # English, marked N_
    columns: list[Column]
    rows: list[dict[str, Any]]


@dataclass
class Report:
    """A whole report: what it is, for which period or day, and its parts in order."""

    name: str
    title: str  # English, marked N_
    municipality: str
    period: Any = None  # rvneet.domain.period.Period, or None for an as-of report
    as_of: dt.date | None = None
    figures: list[Figure] = field(default_factory=list)
    breakdowns: list[Breakdown] = field(default_factory=list)
    listings: list[Listing] = field(default_factory=list)
    suppressed_below: int | None = None
    # Sums beyond the breakdowns' `total_of`, as (total, parts) of names: a figure's key, or a
    # breakdown's key and category (`by_model.rv`). Suppression keeps each from undoing it.
    relations: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    # Names of one number shown in two places (a figure and a breakdown's category).
    same: list[tuple[str, str]] = field(default_factory=list)
    # (total, parts) whose parts leave a rest that is never shown (done, of it reached: the rest
    # were not reached); suppression keeps a small rest from being worked out.
    remainders: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    # Header blocks beyond the period, by JSON key (Lisa 4's `agreement`), and their lines for people
    # under the heading of a table, XLSX or HTML: (block, English template marked N_ naming the
    # block's keys), see `detail_text`.
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    detail_lines: list[tuple[str, str]] = field(default_factory=list)
    # Counts in `details` (block, key) that suppression shows as `<N` when below N.
    detail_counts: tuple[tuple[str, str], ...] = ()

    def figure(self, key: str) -> Figure:
        """The figure with `key`."""
        return next(f for f in self.figures if f.key == key)


def detail_text(report: Report, lang: str) -> list[str]:
    """The header lines of `report.detail_lines` in `lang`, dates as `lang` writes them."""
    lines = []
    for block, template in report.detail_lines:
        values = {
            k: "—" if v is None else format_date(v, lang)
            for k, v in report.details.get(block, {}).items()
        }
        lines.append(translate(template, lang).format(**values))
    return lines


def to_data(report: Report) -> dict[str, Any]:
    """The report in its JSON shape: keys in a fixed order, the same whatever the language."""
    data: dict[str, Any] = {"report": report.name, "municipality": report.municipality}
    if report.period is not None:
        data["period"] = {
            "label": report.period.label,
            "start": report.period.start.isoformat(),
            "end": report.period.end.isoformat(),
        }
    if report.as_of is not None:
        data["as_of"] = report.as_of.isoformat()
    data.update(report.details)
    if report.suppressed_below is not None:
        data["suppressed_below"] = report.suppressed_below
        data["suppression"] = {"below": report.suppressed_below, "method": METHOD}
    summary: dict[str, Any] = {f.key: f.value for f in report.figures}
    for breakdown in report.breakdowns:
        summary[breakdown.key] = dict(breakdown.counts)
    data["summary"] = summary
    for listing in report.listings:
        data[listing.key] = listing.rows
    return data


HIDDEN = "x"  # a count hidden by suppression, whatever its size


def suppress(report: Report, below: int) -> Report:
    """The report as it may leave the network: no count below `below` can be seen or worked out.

    Small counts, and the counts from which they could be worked out (`reports.suppression`), are
    hidden: a figure below `below` that is no part of a sum shows as `<below`, every other hidden
    count as `x`. Every breakdown lists all of its categories. The listings are dropped, and a mean
    or median whose count is hidden (its `n`: small, or hidden to protect another) is left out
    (None): a mean of few youths shows their ratings, and it would stand in for the count.
    """
    counted = [b for b in report.breakdowns if b.n_of is None]
    counts = {b.key: _every_category(b) for b in counted}
    values: dict[str, int] = {
        f.key: f.value for f in report.figures if f.count and isinstance(f.value, int)
    }
    for breakdown in counted:
        values.update({f"{breakdown.key}.{k}": v for k, v in counts[breakdown.key].items()})
    relations = [
        (b.total_of, tuple(f"{b.key}.{k}" for k in counts[b.key]))
        for b in counted
        if b.total_of is not None and b.total_of in values
    ]
    relations += report.relations
    rests = []
    for total, names in report.remainders:
        if total in values and all(n in values for n in names):
            rest = f"{total}-rest:{'+'.join(names)}"
            values[rest] = values[total] - sum(values[n] for n in names)
            relations.append((total, (*names, rest)))
            rests.append(rest)
    # A sum or pair with a figure that is no count (None: it could not be computed) protects nothing.
    relations = [r for r in relations if {r[0], *r[1]} <= values.keys()]
    same = [pair for pair in report.same if set(pair) <= values.keys()]
    hidden = hidden_counts(values, relations, same, below, rests)
    parts = {part for _, names in relations for part in names}
    parts |= {name for pair in same for name in pair if set(pair) & parts}

    # A lone figure may say that it is small; a hidden part of a sum may not: parts said to be
    # below `below` that add up to a shown total could be worked out (2 + 2 = 4 with below 3).
    lone = {f.key for f in report.figures} - parts

    def shown(name: str) -> int | str:
        if name not in hidden:
            return values[name]
        return f"<{below}" if name in lone and values[name] < below else HIDDEN

    figures = [_suppress_statistic(f, report.figures, hidden) for f in report.figures]
    figures = [
        dataclasses.replace(f, value=shown(f.key)) if f.key in values else f for f in figures
    ]
    breakdowns = [
        _suppress_means(b, counts, hidden)
        if b.n_of is not None
        else dataclasses.replace(b, counts={k: shown(f"{b.key}.{k}") for k in counts[b.key]})
        for b in report.breakdowns
    ]
    details = {key: dict(block) for key, block in report.details.items()}
    for block, key in report.detail_counts:
        value = details.get(block, {}).get(key)
        if isinstance(value, int) and 0 < value < below:
            details[block][key] = f"<{below}"
    return dataclasses.replace(
        report,
        figures=figures,
        breakdowns=breakdowns,
        listings=[],
        suppressed_below=below,
        details=details,
    )


def _every_category(breakdown: Breakdown) -> dict[str, int]:
    """The breakdown's counts over all of its `codes` (0 when empty), others under its `rest`."""
    counts = {k: v for k, v in breakdown.counts.items() if isinstance(v, int)}
    if not breakdown.codes:
        return counts
    full = {code: counts.get(code, 0) for code in breakdown.codes}
    for key, value in counts.items():
        if key in full:
            continue
        if breakdown.rest is not None:
            full[breakdown.rest] = full.get(breakdown.rest, 0) + value
        else:
            full[key] = value
    return full


def _suppress_statistic(figure: Figure, figures: list[Figure], hidden: set[str]) -> Figure:
    """A mean or median whose count is hidden becomes None (see `suppress`)."""
    if figure.count or figure.value is None:
        return figure
    if _count_of(figure, figures) in hidden:
        return Figure(figure.key, figure.label, None, count=False, n=figure.n)
    return figure


def _count_of(figure: Figure, figures: list[Figure]) -> str | None:
    """The key of the count a mean or median is taken over: its `n`, else the nearest `<stem>_n`
    figure (wellbeing_change_mean → wellbeing_change_n, ngts_to_contact_days_median →
    ngts_to_contact_n)."""
    if figure.n is not None:
        return figure.n
    keys = {f.key for f in figures}
    parts = figure.key.split("_")
    stems = ("_".join(parts[:i]) + "_n" for i in range(len(parts) - 1, 0, -1))
    return next((key for key in stems if key in keys), None)


def _suppress_means(
    breakdown: Breakdown, counts: dict[str, dict[str, int]], hidden: set[str]
) -> Breakdown:
    """A breakdown of means over the categories of its counts (`n_of`): a category whose count is
    hidden or 0 has no mean (None)."""
    key = breakdown.n_of or ""
    n = counts.get(key, {})
    means = {k: None if f"{key}.{k}" in hidden or not n[k] else breakdown.counts.get(k) for k in n}
    return dataclasses.replace(breakdown, counts=means)
