"""`rvneet report ...`: statistics for the Social Insurance Board and the network. No personal data."""

from pathlib import Path
from typing import Annotated, Any

import typer

from rvneet.cli.common import (
    ListFormatOption,
    OutputFormat,
    PeriodOption,
    database,
    open_private,
    print_rich,
    table,
    to_csv,
    to_json,
)

app = typer.Typer(
    help="Reports for SKA and the network; never with names or codes.", no_args_is_help=True
)

OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write to FILE (readable by you only) instead of the screen.",
    ),
]

SUMMARY_LABELS = {
    "youths": "Youths",
    "cases_active": "Cases active in the period",
    "cases_started": "Cases started in the period",
    "cases_ended": "Cases ended in the period",
    "cases_ongoing_at_end": "Cases ongoing at the period's end",
}
BREAKDOWN_LABELS = {
    "by_sex": "By sex",
    "by_age": "By age at start",
    "by_risk": "By risk level",
    "by_support_requested": "By SKA implementation support requested",
}
LISTING_COLUMNS = {
    "case": "Case",
    "sex": "Sex",
    "age": "Age",
    "risk": "Risk",
    "start": "Start",
    "end": "End",
    "support_requested": "SKA support",
}


def _lisa4_tables(report: dict[str, Any]) -> list[Any]:
    period = report["period"]
    summary = report["summary"]
    heading = (
        f"Lisa 4 — Ringist välja monitoring, {report['municipality']}, "
        f"{period['label']} ({period['start']} … {period['end']})"
    )
    rows = [{"k": SUMMARY_LABELS[key], "v": summary[key]} for key in SUMMARY_LABELS]
    for key, label in BREAKDOWN_LABELS.items():
        for value, count in summary[key].items():
            rows.append({"k": f"{label}: {value}", "v": count})
    return [
        table(heading, rows, {"k": "", "v": "Count"}),
        table("Cases", report["cases"], LISTING_COLUMNS) if report["cases"] else "No RV cases.",
    ]


@app.command("lisa4")
def lisa4(
    ctx: typer.Context,
    period: PeriodOption,
    fmt: ListFormatOption = OutputFormat.TABLE,
    output: OutputOption = None,
) -> None:
    """Lisa 4: RV monitoring statistics for the Social Insurance Board (agreement 4.4, 4.6).

    Counts the RV cases active in the period as they stood on its last day: youths, cases started,
    ended and ongoing, by sex, age at start, risk level and SKA support requested, and one row per
    case. json gives the summary and the listing; csv the listing only.

    Example: rvneet report lisa4 --period 2025H1 --format json --output lisa4-2025H1.json
    """
    from rvneet.reports.lisa4 import CSV_FIELDS, build_lisa4

    with database(ctx).session() as session:
        report = build_lisa4(session, period)
    if fmt is OutputFormat.JSON:
        text = to_json(report) + "\n"
    elif fmt is OutputFormat.CSV:
        text = to_csv(report["cases"], CSV_FIELDS)
    else:
        text = ""
    if output is None:
        if fmt is OutputFormat.TABLE:
            print_rich(*_lisa4_tables(report))
        else:
            typer.echo(text, nl=False)
        return
    with open_private(output) as handle:
        if fmt is OutputFormat.TABLE:
            print_rich(*_lisa4_tables(report), file=handle)
        else:
            handle.write(text)
    typer.echo(f"Wrote {output}", err=True)
