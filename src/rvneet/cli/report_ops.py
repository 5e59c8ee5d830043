"""`rvneet report workload` and `rvneet report followups` (added to the `report` group when imported)."""

import datetime as dt
from typing import Annotated

import typer

from rvneet.cli.common import PeriodOption, database, parse_date
from rvneet.cli.report import (
    ForceOption,
    LangOption,
    ListingLimitOption,
    NoTimestampOption,
    OutputOption,
    ReportFormat,
    ReportFormatOption,
    SuppressOption,
    TrendOption,
    app,
    emit_report,
    emit_trend,
    report_lang_for,
)


@app.command("workload")
def workload(
    ctx: typer.Context,
    as_of: Annotated[
        dt.date | None,
        typer.Option(
            "--as-of",
            parser=parse_date,
            metavar="DATE",
            help="The day to look at (default today).",
        ),
    ] = None,
    fmt: ReportFormatOption = ReportFormat.TABLE,
    output: OutputOption = None,
    force: ForceOption = False,
    lang: LangOption = None,
    suppress_below: SuppressOption = None,
    no_timestamp: NoTimestampOption = False,
    limit: ListingLimitOption = None,
) -> None:
    """Caseload by case manager on one day: open cases by model, traffic light and risk level.

    A case is open on the day when it started on or before it and was not closed on or before it;
    its light or risk level is its latest assessment dated on or before the day. A follow-up is
    overdue when it was due before the day and was neither done by then nor skipped. One row per
    case manager ("(none)" for cases without one); csv gives those rows.

    Each row also counts the follow-ups due in the next 30 days and the situations assessed over
    90 days ago, and gives the weighted load: open NEET cases by the light of the situation (red 3,
    yellow 2, green 1; rvneet settings workload-weights changes them), against the capacity of the
    staff record (staff edit --capacity); above it the row is over capacity.

    \b
    Example: rvneet report workload --as-of 2025-06-30
    """
    from rvneet.reports.workload import build_workload
    from rvneet.services.permissions import require_reports

    with database(ctx).session() as session:
        require_reports(session)
        report = build_workload(session, as_of or dt.date.today())
    emit_report(
        report,
        fmt,
        output,
        report_lang_for(lang, fmt),
        suppress_below,
        no_timestamp,
        limit,
        ctx=ctx,
        force=force,
    )


@app.command("followups")
def followups(
    ctx: typer.Context,
    period: PeriodOption,
    fmt: ReportFormatOption = ReportFormat.TABLE,
    output: OutputOption = None,
    force: ForceOption = False,
    lang: LangOption = None,
    suppress_below: SuppressOption = None,
    no_timestamp: NoTimestampOption = False,
    limit: ListingLimitOption = None,
    trend: TrendOption = None,
) -> None:
    """The 6-month follow-ups due in the period: done, skipped, overdue, and outcomes, by model.

    Counts the follow-ups whose due date is in the period as they stood on its last day: done by
    then (with the youth reached, in education, in employment), skipped, or overdue. One row per
    follow-up with the case reference; csv gives those rows.

    \b
    Example: rvneet report followups --period 2025H2
    Example: rvneet report followups --period 2025H2 --trend 4 --format csv
    """
    from rvneet.reports.followups import build_followups
    from rvneet.services.permissions import require_reports

    if trend is not None:
        emit_trend(
            build_followups,
            period,
            trend,
            fmt,
            output,
            report_lang_for(lang, fmt),
            suppress_below,
            no_timestamp,
            ctx=ctx,
            force=force,
        )
        return
    with database(ctx).session() as session:
        require_reports(session)
        report = build_followups(session, period)
    emit_report(
        report,
        fmt,
        output,
        report_lang_for(lang, fmt),
        suppress_below,
        no_timestamp,
        limit,
        ctx=ctx,
        force=force,
    )
