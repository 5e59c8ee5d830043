"""`rvneet today`: a case manager's day on one screen."""

import datetime as dt
from typing import Annotated, Any

import typer

from rvneet.cli.common import OutputFormat, database, parse_date, plain, print_rich, table, to_json
from rvneet.cli.completion import complete_staff
from rvneet.i18n import N_, _, translate

OPEN_COLUMNS = {
    "case": N_("Case"),
    "youth": N_("Youth"),
    "stage": N_("Stage"),
    "level": N_("Risk/light"),
    "next": N_("Next"),
}
FOLLOWUP_COLUMNS = {"case": N_("Case"), "due": N_("Due"), "days": N_("Days"), "next": N_("Next")}
QUIET_COLUMNS = {
    "case": N_("Case"),
    "last_contact": N_("Last contact"),
    "days": N_("Days"),
    "next": N_("Next"),
}
DEADLINE_COLUMNS = {
    "period": N_("Period"),
    "due": N_("Due"),
    "days": N_("Days"),
    "agreement": N_("Agreement"),
    "next": N_("Next"),
}
HANDOVER_COLUMNS = {
    "case": N_("Case"),
    "age": N_("Age"),
    "birthday": N_("Birthday"),
    "days": N_("Days"),
    "next": N_("Next"),
}
GOAL_COLUMNS = {
    "case": N_("Case"),
    "goal": "#",
    "due": N_("Due"),
    "days_overdue": N_("Days overdue"),
    "next": N_("Next"),
}


def today_command(
    ctx: typer.Context,
    manager: Annotated[
        str | None,
        typer.Option(
            "--manager",
            metavar="S",
            autocompletion=complete_staff,
            help="Look at another case manager's day: a staff reference (S-0001), a login or a "
            "name.",
        ),
    ] = None,
    date: Annotated[
        dt.date | None,
        typer.Option(
            "--date", parser=parse_date, metavar="DATE", help="Look as of this day (default today)."
        ),
    ] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table for people; json for scripts.")
    ] = OutputFormat.TABLE,
) -> None:
    """Your day on one screen: your open cases with their stage and risk level or traffic light,
    follow-ups due within 14 days or overdue, cases with no contact for 60 days, goals past
    their due date, and hand-overs to plan (a youth turning 18 in an open RV case, or 17 in an
    open NEET-risk case, within 90 days or already, until the case is handed on with case
    reassign); each line with the command to type next.
    The last line names the newest NGTS list and the month the next is expected in (lists come
    in March and October).

    You are the staff member whose login is RVNEET_USER (or --user); --manager shows someone
    else's day.

    \b
    Examples: rvneet today
              rvneet today --manager S-0002 --format json
    """
    from rvneet.cli.case import level_label
    from rvneet.services.today import day_sheet

    if fmt is OutputFormat.CSV:
        raise typer.BadParameter(_("today prints table or json"), param_hint="'--format'")
    with database(ctx).session() as session:
        sheet = day_sheet(session, manager=manager, day=date or dt.date.today())
    if fmt is OutputFormat.JSON:
        typer.echo(to_json(sheet))
        return
    from rvneet.domain.stages import stage_label
    from rvneet.i18n import message_language

    lang = message_language()
    for row in sheet["open_cases"]:
        row["stage"] = row["stage"] and stage_label(row["stage"], row["model"], lang)
    print_rich(_("{staff} {name}, {date}").format(**sheet))
    sections: list[tuple[str, list[dict[str, Any]], dict[str, str]]] = [
        (N_("My open cases"), sheet["open_cases"], OPEN_COLUMNS),
        (N_("Follow-ups due within 14 days or overdue"), sheet["followups_due"], FOLLOWUP_COLUMNS),
        (N_("No contact for 60 days"), sheet["no_contact"], QUIET_COLUMNS),
        (N_("Goals past their due date"), sheet["goals_overdue"], GOAL_COLUMNS),
        (
            N_("Lisa 4 deadlines within 30 days or passed, not yet submitted"),
            sheet["lisa4_deadlines"],
            DEADLINE_COLUMNS,
        ),
        (
            N_("Hand-overs to plan: turning 18 (RV) or 17 (NEET-risk) within 90 days, or already"),
            sheet["handovers"],
            HANDOVER_COLUMNS,
        ),
    ]
    for title, rows, columns in sections:
        if rows:
            print_rich(table(title, rows, columns, values={"level": level_label}))
        else:
            print_rich(_("{title}: nothing").format(title=translate(title)))
    if sheet["ngts_list"]:
        from rvneet.cli.outreach import next_list_line

        newest = dt.date.fromisoformat(sheet["ngts_list"]["newest"])
        print_rich(plain(next_list_line(newest, dt.date.fromisoformat(sheet["date"]))))
