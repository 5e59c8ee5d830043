"""`rvneet followup ...`: the contact 6 months after a case closes (järelkontakt)."""

import datetime as dt
from dataclasses import replace
from typing import Annotated

import typer

from rvneet.cli.common import (
    LimitOption,
    ListFormatOption,
    OutputFormat,
    PageOption,
    YesNo,
    choice_option,
    database,
    page_of,
    parse_date,
    print_page,
    yes_no,
)
from rvneet.cli.completion import complete_case
from rvneet.domain.enums import AnswerSource, Model
from rvneet.i18n import N_

app = typer.Typer(
    rich_markup_mode=None,
    help="The 6-month follow-up after a case closes (järelkontakt).",
    no_args_is_help=True,
)

DUE_COLUMNS = {
    "case": N_("Case"),
    "youth": N_("Youth"),
    "model": N_("Model"),
    "manager": N_("Case manager"),
    "end": N_("Closed"),
    "due": N_("Due"),
    "days_overdue": N_("Days overdue"),
    "days_to_go": N_("Days to go"),
}


def _for_people(row: dict[str, object]) -> dict[str, object]:
    """A table shows a row's count that applies, the other blank (due today: 0 days overdue)."""
    shown = dict(row)
    if row["days_to_go"]:
        shown["days_overdue"] = None
    else:
        shown["days_to_go"] = None
    return shown


@app.command("due")
def due(
    ctx: typer.Context,
    as_of: Annotated[
        dt.date | None,
        typer.Option(
            "--as-of",
            parser=parse_date,
            metavar="DATE",
            help="The day to look from (default today).",
        ),
    ] = None,
    within: Annotated[
        int,
        typer.Option("--within", metavar="DAYS", help="Also list those due in the next DAYS days."),
    ] = 0,
    fmt: ListFormatOption = OutputFormat.TABLE,
    limit: LimitOption = None,
    page: PageOption = 1,
) -> None:
    """List follow-ups that are due or overdue, oldest first; a table shows a page at a time.

    With --within, those not yet due show the days to go instead of the days overdue.

    \b
    Example: rvneet followup due --within 30
    """
    from rvneet.services.followups import due_followups

    with database(ctx).session() as session:
        paged = due_followups(
            session,
            as_of=as_of or dt.date.today(),
            within=within,
            page=page_of(fmt, limit, page),
        )
    if fmt is OutputFormat.TABLE:
        paged = replace(paged, rows=[_for_people(row) for row in paged.rows])
    print_page(
        paged,
        fmt,
        DUE_COLUMNS,
        N_("Follow-ups due"),
        N_("follow-ups"),
        values={"model": Model},
    )


@app.command("record")
def record(
    ctx: typer.Context,
    ref: Annotated[
        str, typer.Argument(metavar="REF", help="The case reference.", autocompletion=complete_case)
    ],
    date: Annotated[
        dt.date,
        typer.Option("--date", parser=parse_date, metavar="DATE", help="The day of the contact."),
    ],
    reached: Annotated[
        YesNo, choice_option(YesNo, "--reached", help="Was the youth reached? yes or no.")
    ],
    education: Annotated[
        YesNo | None,
        choice_option(YesNo, "--education", help="In education then? yes or no."),
    ] = None,
    employment: Annotated[
        YesNo | None,
        choice_option(YesNo, "--employment", help="In employment then? yes or no."),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="A short note.")] = None,
    source: Annotated[
        AnswerSource | None,
        choice_option(
            AnswerSource,
            "--source",
            help="Where the answer came from: youth (the youth said it) or register.",
        ),
    ] = None,
    wellbeing: Annotated[
        int | None,
        typer.Option("--wellbeing", help="The youth's own wellbeing rating then, 1–10."),
    ] = None,
) -> None:
    """Record the follow-up contact of a closed case.

    \b
    Examples: rvneet followup record NEET-2025-001 --date 2026-04-30 --reached yes --education yes
              rvneet followup record NEET-2025-002 --date 2026-05-04 --reached yes --source youth --wellbeing 7
    """
    from rvneet.services.followups import record_followup

    with database(ctx).session(write=True) as session:
        record_followup(
            session,
            ref,
            date=date,
            reached=reached is YesNo.YES,
            in_education=yes_no(education),
            in_employment=yes_no(employment),
            note=note,
            source=source,
            wellbeing=wellbeing,
        )
    typer.echo(ref.strip().upper())


@app.command("skip")
def skip(
    ctx: typer.Context,
    ref: Annotated[
        str, typer.Argument(metavar="REF", help="The case reference.", autocompletion=complete_case)
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why there will be no follow-up.")],
) -> None:
    """Skip the follow-up of a closed case, with the reason.

    \b
    Example: rvneet followup skip RV-2024-002 --reason "moved abroad"
    """
    from rvneet.services.followups import skip_followup

    with database(ctx).session(write=True) as session:
        skip_followup(session, ref, reason=reason)
    typer.echo(ref.strip().upper())
