"""`rvneet feedback ...`: 360° feedback among network members (NEET model, Table 1 row 4)."""

from typing import Annotated

import typer

from rvneet.cli.common import (
    CreatedFormat,
    CreatedFormatOption,
    ListFormatOption,
    OutputFormat,
    PeriodOption,
    choice_option,
    database,
    parse_period_option,
    print_created,
    print_listing,
)
from rvneet.cli.completion import complete_member
from rvneet.cli.report import (
    ForceOption,
    LangOption,
    NoTimestampOption,
    OutputOption,
    ReportFormat,
    ReportFormatOption,
    emit_report,
    report_lang_for,
)
from rvneet.cli.report import app as report_app
from rvneet.domain.enums import FeedbackAspect, NetworkRole
from rvneet.domain.period import PERIOD_HELP, Period
from rvneet.i18n import N_

app = typer.Typer(
    rich_markup_mode=None,
    help=(
        "360° feedback among network members (NEET model, Table 1 row 4): members rate each "
        "other and the process, 1 to 5."
    ),
    no_args_is_help=True,
)

COLUMNS = {
    "feedback": N_("Ref"),
    "period": N_("Period"),
    "from": N_("Rated by"),
    "about": N_("Member rated"),
    "about_role": N_("Role rated"),
    "aspect": N_("Aspect"),
    "score": N_("Score"),
}
_ROLES = ", ".join(role.value for role in NetworkRole)


@app.command("add")
def add(
    ctx: typer.Context,
    period: Annotated[
        str,
        typer.Option("--period", "-p", metavar="PERIOD", help=f"The period rated: {PERIOD_HELP}."),
    ],
    rater: Annotated[
        str,
        typer.Option(
            "--from",
            metavar="M",
            help="The member who gives the score, e.g. M-003 (or M-3).",
            autocompletion=complete_member,
        ),
    ],
    score: Annotated[int, typer.Option("--score", metavar="1-5", help="The score, 1 to 5.")],
    about: Annotated[
        str | None,
        typer.Option(
            "--about",
            metavar="M",
            help="The member rated (not the giver); the score counts under their role.",
            autocompletion=complete_member,
        ),
    ] = None,
    about_role: Annotated[
        NetworkRole | None,
        choice_option(
            NetworkRole,
            "--about-role",
            help=f"The role rated instead of one member: {_ROLES}.",
        ),
    ] = None,
    aspect: Annotated[
        FeedbackAspect | None,
        choice_option(
            FeedbackAspect,
            "--aspect",
            help=(
                "The aspect rated: planning, information-flow or keeping-agreements; "
                "without it the score is an overall one."
            ),
        ),
    ] = None,
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
) -> None:
    """Record one score a network member gives another member or a role, and print its reference.

    One record per score: give --about or --about-role, and --aspect for an aspect of the process.
    A member cannot rate themself, nor give the same score twice for a period.

    \b
    Examples: rvneet feedback add --period 2025 --from M-003 --about M-007 --score 4
    rvneet feedback add --period 2025 --from M-003 --about-role network-lead --aspect planning --score 5
    """
    from rvneet.services.feedback import add_feedback, list_feedback

    with database(ctx).session(write=True) as session:
        record = add_feedback(
            session,
            period=period,
            rater=rater,
            score=score,
            about=about,
            about_role=about_role,
            aspect=aspect,
        )
        row = next(r for r in list_feedback(session) if r["feedback"] == record.ref)
    print_created(row["feedback"], fmt, row)


@app.command("list")
def list_(
    ctx: typer.Context,
    period: Annotated[
        Period | None,
        typer.Option(
            "--period",
            "-p",
            parser=parse_period_option,
            metavar="PERIOD",
            help=f"Only the scores of periods inside this one: {PERIOD_HELP}.",
        ),
    ] = None,
    fmt: ListFormatOption = OutputFormat.TABLE,
) -> None:
    """List the feedback scores by period, with member references only (who rated whom is the
    staff's personal data: names are never shown). An empty aspect is an overall score.

    \b
    Example: rvneet feedback list --period 2025 --format json
    """
    from rvneet.services.feedback import FEEDBACK_FIELDS, list_feedback

    with database(ctx).session() as session:
        rows = list_feedback(session, period)
    print_listing(
        rows,
        fmt,
        COLUMNS,
        N_("Feedback scores"),
        fields=FEEDBACK_FIELDS,
        values={"about_role": NetworkRole, "aspect": FeedbackAspect},
    )


@report_app.command("feedback")
def report_feedback(
    ctx: typer.Context,
    period: PeriodOption,
    fmt: ReportFormatOption = ReportFormat.TABLE,
    output: OutputOption = None,
    force: ForceOption = False,
    lang: LangOption = None,
    suppress_below: Annotated[
        int,
        typer.Option(
            "--suppress-below",
            metavar="N",
            min=1,
            help=(
                "Hide the mean and counts of a role or aspect rated by fewer than N members "
                "(default 3; 1 hides nothing)."
            ),
        ),
    ] = 3,
    no_timestamp: NoTimestampOption = False,
) -> None:
    """360° feedback among network members: mean scores by role rated and by aspect.

    Counts the scores of the feedback periods inside the period. Each row gives its number of
    raters (members who gave a score), of scores and their mean; never a member's name nor one
    rater's scores: a row with fewer raters than --suppress-below shows neither. csv gives the rows.

    \b
    Example: rvneet report feedback --period 2025
    Example: rvneet report feedback --period 2025 --format xlsx --output feedback-2025.xlsx
    """
    from rvneet.reports.feedback import build_feedback
    from rvneet.services.permissions import require_reports

    with database(ctx).session() as session:
        require_reports(session)
        report = build_feedback(session, period, suppress_below)
    emit_report(
        report,
        fmt,
        output,
        report_lang_for(lang, fmt),
        None,
        no_timestamp,
        None,
        ctx=ctx,
        force=force,
    )
