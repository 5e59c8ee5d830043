"""`rvneet case goal|activity|plan`: the case plan (juhtumiplaan / tegevuskava)."""

import datetime as dt
from typing import Annotated, Any

import typer

from rvneet.cli import case as case_cli
from rvneet.cli.common import (
    CreatedFormat,
    CreatedFormatOption,
    OutputFormat,
    choice_option,
    current_language,
    database,
    parse_date,
    print_created,
    print_rich,
    table,
    to_json,
)
from rvneet.cli.completion import complete_activity, complete_goal, complete_member
from rvneet.domain.enums import ActivityStatus, GoalExtent, GoalState, NetworkRole, shown_stored
from rvneet.i18n import N_, _, format_date

goal_app = typer.Typer(
    rich_markup_mode=None,
    help="Goals of the case plan (juhtumiplaan / tegevuskava).",
    no_args_is_help=True,
)
activity_app = typer.Typer(
    rich_markup_mode=None,
    help="Support activities (tugitegevused) brokered to network members.",
    no_args_is_help=True,
)
case_cli.app.add_typer(goal_app, name="goal")
case_cli.app.add_typer(activity_app, name="activity")

GoalNumber = Annotated[
    int,
    typer.Argument(
        metavar="GOAL", help="The goal's number in the case.", autocompletion=complete_goal
    ),
]
ActivityNumber = Annotated[
    int,
    typer.Argument(
        metavar="ACT",
        help="The activity's number in the case.",
        autocompletion=complete_activity,
    ),
]
DateOption = Annotated[
    dt.date,
    typer.Option("--date", parser=parse_date, metavar="DATE", help="The day it happened."),
]

# Free text goes under "detail" and "name", the columns `table` lets wrap on narrow terminals.
GOAL_COLUMNS = {"goal": "#", "detail": N_("Goal"), "due": N_("Due"), "state": N_("State")}
ACTIVITY_COLUMNS = {
    "activity": "#",
    "detail": N_("Activity"),
    "name": N_("Provider"),
    "start": N_("Start"),
    "state": N_("State"),
    "satisfaction": N_("Rating"),
}


@goal_app.command("add")
def goal_add(
    ctx: typer.Context,
    ref: case_cli.CaseRef,
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The goal, in a sentence.")],
    due: Annotated[
        dt.date | None,
        typer.Option("--due", parser=parse_date, metavar="DATE", help="When it is due."),
    ] = None,
    date: Annotated[
        dt.date | None,
        typer.Option(
            "--date",
            parser=parse_date,
            metavar="DATE",
            help="The day the goal was agreed. Default: today.",
        ),
    ] = None,
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
) -> None:
    """Add a goal to the plan of an open case and print its number.

    \b
    Example: rvneet case goal add NEET-2025-001 "Enrol in a vocational school" --due 2025-09-01 --date 2025-02-10
    """
    from rvneet.services.plan import add_goal
    from rvneet.services.records import plain

    with database(ctx).session(write=True) as session:
        goal = add_goal(session, ref, text, date=date or dt.date.today(), due=due)
        record = plain(goal, case=ref.strip().upper())
    print_created(record["number"], fmt, record)


@goal_app.command("done")
def goal_done(
    ctx: typer.Context,
    ref: case_cli.CaseRef,
    goal: GoalNumber,
    date: DateOption,
    extent: Annotated[
        GoalExtent,
        choice_option(
            GoalExtent,
            "--extent",
            help="How far the goal was reached: full (the default), partial or none.",
        ),
    ] = GoalExtent.FULL,
) -> None:
    """Mark a goal of the plan as reached, fully or partly (--extent).

    Only a goal reached in full counts as met; report neet counts partly reached goals apart.

    \b
    Examples: rvneet case goal done NEET-2025-001 1 --date 2025-08-20
              rvneet case goal done NEET-2025-001 2 --date 2025-08-20 --extent partial
    """
    from rvneet.domain.enums import GoalState
    from rvneet.services.plan import end_goal

    with database(ctx).session(write=True) as session:
        number = end_goal(session, ref, goal, state=GoalState.DONE, date=date, extent=extent).number
    typer.echo(number)


@goal_app.command("drop")
def goal_drop(
    ctx: typer.Context,
    ref: case_cli.CaseRef,
    goal: GoalNumber,
    date: DateOption,
    reason: Annotated[str, typer.Option("--reason", help="Why the goal was given up.")],
) -> None:
    """Drop a goal of the plan, with the reason; it no longer counts towards goals met.

    \b
    Example: rvneet case goal drop NEET-2025-001 2 --date 2025-05-02 --reason "the youth chose another course"
    """
    from rvneet.domain.enums import GoalState
    from rvneet.services.plan import end_goal

    with database(ctx).session(write=True) as session:
        number = end_goal(
            session, ref, goal, state=GoalState.DROPPED, date=date, reason=reason
        ).number
    typer.echo(number)


@activity_app.command("add")
def activity_add(
    ctx: typer.Context,
    ref: case_cli.CaseRef,
    member: Annotated[
        str,
        typer.Option(
            "--member",
            metavar="M",
            help="The provider's reference, e.g. M-001.",
            autocompletion=complete_member,
        ),
    ],
    kind: Annotated[
        str, typer.Option("--kind", help="What the activity is, e.g. 'career counselling'.")
    ],
    start: Annotated[
        dt.date,
        typer.Option("--start", parser=parse_date, metavar="DATE", help="Start date."),
    ],
    end: Annotated[
        dt.date | None,
        typer.Option("--end", parser=parse_date, metavar="DATE", help="Planned end date."),
    ] = None,
    no_consent_reason: Annotated[
        str | None,
        typer.Option(
            "--no-consent-reason",
            metavar="TEXT",
            help="Why the activity goes to a provider outside the case without the youth's "
            "data-sharing consent (kept and audited).",
        ),
    ] = None,
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
) -> None:
    """Broker a support activity to a network member and print its number.

    A provider who is not a member of the case on the start date needs the youth's data-sharing
    consent in force then, as case member add does; without it give --no-consent-reason.

    \b
    Example: rvneet case activity add NEET-2025-001 --member M-002 --kind "career counselling" --start 2025-02-17 --end 2025-04-30
    """
    from rvneet.services.plan import add_activity
    from rvneet.services.records import plain

    with database(ctx).session(write=True) as session:
        activity = add_activity(
            session,
            ref,
            member_ref=member,
            kind=kind,
            start=start,
            planned_end=end,
            no_consent_reason=no_consent_reason,
        )
        record = plain(activity, case=ref.strip().upper(), member=member.strip().upper())
    print_created(record["number"], fmt, record)


@activity_app.command("end")
def activity_end(
    ctx: typer.Context,
    ref: case_cli.CaseRef,
    activity: ActivityNumber,
    date: DateOption,
    status: Annotated[
        ActivityStatus,
        choice_option(
            ActivityStatus, "--status", help="How it ended: completed, dropped or not-suitable."
        ),
    ],
    feedback: Annotated[
        str | None, typer.Option("--feedback", help="The youth's feedback on the activity.")
    ] = None,
    satisfaction: Annotated[
        int | None,
        typer.Option("--satisfaction", help="The youth's satisfaction with the provider, 1–5."),
    ] = None,
    provider_note: Annotated[
        str | None,
        typer.Option(
            "--provider-note",
            help="What the support provider reports on the activity (free text, erased with the "
            "youth).",
        ),
    ] = None,
) -> None:
    """End a support activity with how it went.

    \b
    Example: rvneet case activity end NEET-2025-001 1 --date 2025-04-28 --status completed --satisfaction 4
    """
    from rvneet.services.plan import end_activity

    with database(ctx).session(write=True) as session:
        number = end_activity(
            session,
            ref,
            activity,
            date=date,
            status=status,
            feedback=feedback,
            satisfaction=satisfaction,
            provider_note=provider_note,
        ).number
    typer.echo(number)


@case_cli.app.command("plan")
def plan(
    ctx: typer.Context,
    ref: case_cli.CaseRef,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table for people; json for scripts.")
    ] = OutputFormat.TABLE,
) -> None:
    """Show the case plan: goals with their state, activities with provider and state, goals met.

    \b
    Example: rvneet case plan NEET-2025-001
    """
    from rvneet.services.plan import plan_detail

    if fmt is OutputFormat.CSV:
        raise typer.BadParameter(_("case plan prints table or json"), param_hint="'--format'")
    with database(ctx).session() as session:
        record = plan_detail(session, ref)
    if fmt is OutputFormat.JSON:
        typer.echo(to_json(record))
        return
    lang = current_language()
    goals = [
        {
            "goal": g["record"],  # G-1: what case correct and case withdraw take
            "detail": g["text"] + (f" ({g['reason']})" if g["reason"] else ""),
            "due": g["due"],
            "state": _state(shown_stored(GoalState, g["state"], lang), g["state_date"], lang),
        }
        for g in record["goals"]
    ]
    activities = [
        {
            "activity": a["record"],  # P-1
            "detail": a["kind"],
            "name": "{provider} ({member}, {role}, {org})".format(
                provider=a["provider"],
                member=a["member"],
                role=shown_stored(NetworkRole, a["role"], lang),
                org=a["org"],
            ),
            "start": a["start"],
            "state": _activity_state(a, lang),
            "satisfaction": a["satisfaction"],
        }
        for a in record["activities"]
    ]
    counts = {"met": record["goals_met"], "total": record["goals_total"]}
    if record["goals_dropped"]:
        met = _("Goals met: {met} of {total} ({dropped} dropped, not counted)").format(
            dropped=record["goals_dropped"], **counts
        )
    else:
        met = _("Goals met: {met} of {total}").format(**counts)
    print_rich(
        table(_("Goals of {case}").format(case=record["case"]), goals, GOAL_COLUMNS)
        if goals
        else _("No goals yet."),
        table(N_("Support activities"), activities, ACTIVITY_COLUMNS)
        if activities
        else _("No support activities yet."),
        met,
    )


def _state(state: str, day: str | None, lang: str) -> str:
    """A state and the day it was reached (`done 2025-08-20`; `tehtud 20.08.2025` in Estonian)."""
    return f"{state} {format_date(day, lang)}" if day else state


def _activity_state(activity: dict[str, Any], lang: str) -> str:
    """How an activity stands: its state and end day, or while ongoing its planned end."""
    state = _state(shown_stored(ActivityStatus, activity["status"], lang), activity["ended"], lang)
    if activity["planned_end"] and not activity["ended"]:
        return _("{state}, until {date}").format(
            state=state, date=format_date(activity["planned_end"], lang)
        )
    return state
