"""`rvneet report neet` and `rvneet report model`: the NEET cooperation model's evaluation for a
period (Table 1) and of the model as a whole (stage 4). No personal data."""

from typing import Annotated

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
    report_lang_for,
)
from rvneet.i18n import _


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
    from rvneet.services.permissions import require_reports

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
        require_reports(session)
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


@app.command("model")
def model(
    ctx: typer.Context,
    period: PeriodOption,
    fmt: ReportFormatOption = ReportFormat.TABLE,
    output: OutputOption = None,
    force: ForceOption = False,
    lang: LangOption = None,
    suppress_below: Annotated[
        int | None,
        typer.Option(
            "--suppress-below",
            metavar="N",
            min=2,
            help=(
                "Hide counts below N and the counts they could be worked out from, a case "
                "manager with fewer than N closed cases, and a role or aspect of the feedback "
                "rated by fewer than N members (default 3)."
            ),
        ),
    ] = None,
    no_suppress: Annotated[
        bool,
        typer.Option(
            "--no-suppress",
            help="Hide nothing (for the network's own use, never for a report leaving it).",
        ),
    ] = False,
    no_timestamp: NoTimestampOption = False,
    limit: ListingLimitOption = None,
) -> None:
    """NEET cooperation model: evaluation of the model as a whole (stage 4).

    For the NEET cases as they stood on the period's last day: youth satisfaction and outcomes
    (goals met in full, partly or not; the resolution assessed by the youth and by the case
    manager) of the cases closed in the period, by case manager; how youths were reached and with
    what result; the network's capacity (members by role, core group and wider network, support
    activities brokered by the provider's role with their completion and satisfaction, members in
    no case); the 360° feedback means; and which Table 1 indicators would come from state
    registers, with what the book holds instead. Small counts are hidden unless --no-suppress.
    json gives the summary and every listing; csv the case managers' rows.

    \b
    Example: rvneet report model --period 2025
    Example: rvneet report model --period 2025H1 --format xlsx --output model-2025H1.xlsx
    """
    from rvneet.reports.evaluation import DEFAULT_SUPPRESS, build_evaluation
    from rvneet.services.permissions import require_reports

    if no_suppress and suppress_below is not None:
        raise typer.BadParameter(
            _("--no-suppress and --suppress-below do not go together"),
            param_hint="'--no-suppress'",
        )
    below = 1 if no_suppress else suppress_below or DEFAULT_SUPPRESS
    with database(ctx).session() as session:
        require_reports(session)
        report = build_evaluation(session, period, below)
    emit_report(
        report,
        fmt,
        output,
        report_lang_for(lang, fmt),
        None,
        no_timestamp,
        limit,
        ctx=ctx,
        force=force,
    )
