"""`rvneet report ...`: statistics for the Social Insurance Board and the network. No personal data.

Every report takes the same options for output, language, small-count suppression and the
timestamp; `emit_report` renders any `reports.model.Report` with them.
"""

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rvneet.cli.common import (
    TABLE_PAGE_SIZE,
    ListFormatOption,
    OutputFormat,
    PeriodOption,
    checked_output,
    database,
    global_lang,
    open_private,
    parse_date,
    print_listing,
    print_rich,
)
from rvneet.i18n import (
    LANG_ENV,
    N_,
    Lang,
    _,
    chosen_language,
    format_date,
    locale_language,
    message_language,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlmodel import Session

    from rvneet.domain.period import Period
    from rvneet.reports.model import Report

app = typer.Typer(
    rich_markup_mode=None,
    help="Reports for SKA and the network; never with names or codes.",
    no_args_is_help=True,
)


class ReportFormat(StrEnum):
    """How a report is written."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"
    HTML = "html"


ReportFormatOption = Annotated[
    ReportFormat,
    typer.Option(
        "--format",
        "-f",
        help=(
            "table for people; json or csv for scripts; xlsx (needs --output) for Excel; "
            "html for a printable page with charts."
        ),
        case_sensitive=False,
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write to FILE (readable by you only) instead of the screen.",
    ),
]
ForceOption = Annotated[
    bool,
    typer.Option("--force", help="Overwrite the --output FILE if it exists."),
]
LangOption = Annotated[
    Lang | None,
    typer.Option(
        "--lang",
        help=(
            "Labels (and dates in tables) in Estonian (et) or English (en). Default: the global "
            f"--lang, else ${LANG_ENV}, else the locale (LANG), else English. JSON keys never change."
        ),
        case_sensitive=False,
    ),
]
SuppressOption = Annotated[
    int | None,
    typer.Option(
        "--suppress-below",
        metavar="N",
        min=2,
        help=(
            "Hide counts below N, and the counts they could be worked out from; leave out the "
            "listing (for reports leaving the network)."
        ),
    ),
]
ListingLimitOption = Annotated[
    int | None,
    typer.Option(
        "--limit",
        metavar="N",
        min=0,
        help=(
            f"Rows of each listing in a table on the screen: {TABLE_PAGE_SIZE} by default, 0 for "
            "every row. Files and other formats always hold every row. Example: --limit 0"
        ),
    ),
]
NoTimestampOption = Annotated[
    bool,
    typer.Option(
        "--no-timestamp",
        help="Leave the generation time out of the header, so the same data give the same file.",
    ),
]

TrendOption = Annotated[
    int | None,
    typer.Option(
        "--trend",
        metavar="N",
        min=2,
        max=12,
        help=(
            "The main figures for the N periods ending with --period (of its kind: half-years, "
            "years, ...), a column per period, with a small chart per figure in html; each "
            "period as its own run would give it. Example: --trend 4"
        ),
    ),
]


def report_lang(option: "Lang | None", default: str | None = None) -> str:
    """The report's --lang, else the global --lang, else RVNEET_LANG; else `default` if given
    (lisa4's XLSX for SKA is Estonian unless asked otherwise), else the locale, else English."""
    chosen = chosen_language(option or global_lang())
    return chosen or default or locale_language() or "en"


def report_lang_for(option: "Lang | None", fmt: ReportFormat) -> str:
    """`report_lang`, with an XLSX workbook (a file for SKA or the network) Estonian by default."""
    return report_lang(option, "et" if fmt is ReportFormat.XLSX else None)


def emit_report(
    report: "Report",
    fmt: ReportFormat,
    output: Path | None,
    lang: str,
    suppress_below: int | None,
    no_timestamp: bool,
    limit: int | None = None,
    *,
    ctx: typer.Context,
    force: bool = False,
) -> None:
    """Render `report` as asked and print it, or write it to `output` (0600).

    An existing `output` is refused (exit 2, left as it is) unless `force`, as `export` does.
    A table on the screen shows the first `limit` rows of each listing (a screenful by default).
    """
    from rvneet.reports import render
    from rvneet.reports.model import suppress

    if suppress_below is not None:
        report = suppress(report, suppress_below)
    generated = None if no_timestamp else dt.datetime.now(dt.UTC)
    if output is not None:
        output = checked_output(ctx, output, "--output")
        if output.exists() and not force:
            raise typer.BadParameter(
                _("{target} exists; add --force to overwrite it").format(target=output),
                param_hint="'--output'",
            )
    if fmt is ReportFormat.XLSX:
        if output is None:
            raise typer.BadParameter(
                _("an XLSX report needs --output FILE"), param_hint="'--format'"
            )
        render.write_xlsx(report, output, lang, generated)
        typer.echo(_("Wrote {path}").format(path=output), err=True)
        return
    if fmt is ReportFormat.TABLE:
        on_screen = output is None
        rows = (TABLE_PAGE_SIZE if limit is None else limit) if on_screen else limit
        _show(render.render_table(report, lang, generated, max_rows=rows or None), output)
        return
    if fmt is ReportFormat.JSON:
        text = render.render_json(report)
    elif fmt is ReportFormat.CSV:
        text = render.render_csv(report, lang)
    else:
        text = render.render_html(report, lang, generated)
    _put(text, output)


def emit_trend(
    build: "Callable[[Session, Period], Report]",
    period: "Period",
    n: int,
    fmt: ReportFormat,
    output: Path | None,
    lang: str,
    suppress_below: int | None,
    no_timestamp: bool,
    *,
    ctx: typer.Context,
    force: bool = False,
) -> None:
    """Build the report for each of the `n` periods ending with `period` and render the trend of
    its figures as asked (reports.trend), printed or written to `output` (0600) as emit_report."""
    from rvneet.reports import trend as trends
    from rvneet.services.permissions import require_reports

    with database(ctx).session() as session:
        require_reports(session)
        built = trends.build_trend(lambda p: build(session, p), period, n, suppress_below)
    generated = None if no_timestamp else dt.datetime.now(dt.UTC)
    if output is not None:
        output = checked_output(ctx, output, "--output")
        if output.exists() and not force:
            raise typer.BadParameter(
                _("{target} exists; add --force to overwrite it").format(target=output),
                param_hint="'--output'",
            )
    if fmt is ReportFormat.XLSX:
        if output is None:
            raise typer.BadParameter(
                _("an XLSX report needs --output FILE"), param_hint="'--format'"
            )
        trends.write_xlsx(built, output, lang, generated)
        typer.echo(_("Wrote {path}").format(path=output), err=True)
        return
    if fmt is ReportFormat.TABLE:
        _show(trends.render_table(built, lang, generated), output)
        return
    if fmt is ReportFormat.JSON:
        text = trends.render_json(built)
    elif fmt is ReportFormat.CSV:
        text = trends.render_csv(built, lang)
    else:
        text = trends.render_html(built, lang, generated)
    _put(text, output)


@app.command("lisa4")
def lisa4(
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
    submit: Annotated[
        bool,
        typer.Option(
            "--submit",
            help=(
                "Record that this report was sent to SKA: the period, --date, who, and the "
                "SHA-256 of its exact JSON (--format json --no-timestamp). See report submissions."
            ),
        ),
    ] = False,
    date: Annotated[
        dt.date | None,
        typer.Option(
            "--date",
            parser=parse_date,
            metavar="DATE",
            help="With --submit: the day it was sent. Default: today.",
        ),
    ] = None,
    early: Annotated[
        bool,
        typer.Option("--early", help="With --submit: send a period that has not ended yet."),
    ] = False,
    resubmit: Annotated[
        bool,
        typer.Option("--resubmit", help="With --submit: send a period again (needs --reason)."),
    ] = False,
    reason: Annotated[
        str | None,
        typer.Option("--reason", metavar="TEXT", help="With --resubmit: why it is sent again."),
    ] = None,
) -> None:
    """Lisa 4: Ringist välja implementation monitoring report for SKA (agreement 4.4, 4.6).

    Counts the RV cases active in the period as they stood on its last day: youths, cases started,
    ended and ongoing, by sex, age at start, risk level (now and at start), SKA support requested
    (and cases without a request), process-management support requests and their answers, and one
    row per case with its implementation periods. The header names the agreement of the period.
    json gives the summary and the listing; csv the listing only; xlsx a summary sheet and a
    listing sheet (Estonian labels unless --lang en), the file to attach for SKA. --submit records
    that it was sent; rvneet check then says if the period's report changes.

    \b
    Example: rvneet report lisa4 --period 2025H1 --format xlsx --output lisa4-2025H1.xlsx
    Example: rvneet report lisa4 --period 2025H1 --trend 4 --format html --output trend.html
    """
    from rvneet.reports.lisa4 import build_lisa4
    from rvneet.services.permissions import require_reports

    if (date or early or resubmit or reason) and not submit:
        raise typer.BadParameter(
            _("--date, --early, --resubmit and --reason go with --submit"),
            param_hint="'--submit'",
        )
    if trend is not None:
        if submit:
            raise typer.BadParameter(
                _("--submit records one period's report: it does not go with --trend"),
                param_hint="'--submit'",
            )
        emit_trend(
            build_lisa4,
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
    with database(ctx).session(write=submit) as session:
        require_reports(session)
        report = build_lisa4(session, period)
        if submit:
            from rvneet.services.submissions import record_submission

            recorded = record_submission(
                session,
                report,
                date=date or dt.date.today(),
                suppress_below=suppress_below,
                early=early,
                resubmit=resubmit,
                reason=reason,
            )
            digest, day = recorded.sha256, recorded.submitted_on
        # Inside the transaction: a report that cannot be written records no submission.
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
    if submit:
        typer.echo(
            _(
                "Recorded the submission of {period} on {date}; SHA-256 of its JSON: {digest}"
            ).format(
                period=period.label,
                date=format_date(day, message_language()),
                digest=digest,
            ),
            err=True,
        )


SUBMISSION_COLUMNS = {
    "period": N_("Period"),
    "submitted_on": N_("Submitted"),
    "user": N_("By"),
    "sha256": N_("SHA-256 of the JSON"),
    "early": N_("Early"),
    "reason": N_("Reason"),
}


@app.command("submissions")
def submissions(ctx: typer.Context, fmt: ListFormatOption = OutputFormat.TABLE) -> None:
    """List the Lisa 4 reports recorded as sent to SKA (report lisa4 --submit), oldest first.

    \b
    Example: rvneet report submissions --format csv
    """
    from rvneet.services.permissions import require_reports
    from rvneet.services.submissions import FIELDS, list_submissions

    with database(ctx).session() as session:
        require_reports(session)
        rows = list_submissions(session)
    print_listing(rows, fmt, SUBMISSION_COLUMNS, N_("Lisa 4 submissions"), FIELDS)


def _show(parts: list[Any], output: Path | None) -> None:
    """Rich renderables on the screen, or into `output` (mode 0600) without colour."""
    if output is None:
        print_rich(*parts)
        return
    with open_private(output) as handle:
        print_rich(*parts, file=handle)
    typer.echo(_("Wrote {path}").format(path=output), err=True)


def _put(text: str, output: Path | None) -> None:
    """A rendered report (JSON, CSV, HTML) on stdout, or into `output` (mode 0600)."""
    if output is None:
        typer.echo(text, nl=False)
        return
    with open_private(output) as handle:
        handle.write(text)
    typer.echo(_("Wrote {path}").format(path=output), err=True)
