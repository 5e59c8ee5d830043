"""`rvneet report neet`: the NEET cooperation model's evaluation for a period. No personal data."""

import typer

from rvneet.cli.common import PeriodOption, database
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
    report_lang,
)


@app.command("neet")
def neet(
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
    """NEET cooperation model: evaluation of the NEET cases active in the period (Table 1).

    As the cases stood on the period's last day: youths and cases by target group; youths reached
    (cases started) by how they were reached; days from the NGTS list to first contact and months
    NEET at first contact (medians); needs; the traffic light at the end; cases closed by reason,
    with education, employment, goals met, wellbeing change and satisfaction at closing; the
    youth's satisfaction with the support activities ended in the period, by the provider's role
    (means with their answers); and the 6-month follow-ups due in the period. json gives every
    figure and breakdown under `summary`; csv the same as key,label,value rows.

    \b
    Example: rvneet report neet --period 2025 --format html --lang et --output neet-2025.html
    Example: rvneet report neet --period 2025 --trend 3
    """
    from rvneet.reports.neet import build_neet

    if trend is not None:
        emit_trend(
            build_neet,
            period,
            trend,
            fmt,
            output,
            report_lang(lang),
            suppress_below,
            no_timestamp,
            ctx=ctx,
            force=force,
        )
        return

    with database(ctx).session() as session:
        report = build_neet(session, period)
    emit_report(
        report,
        fmt,
        output,
        report_lang(lang),
        suppress_below,
        no_timestamp,
        limit,
        ctx=ctx,
        force=force,
    )
