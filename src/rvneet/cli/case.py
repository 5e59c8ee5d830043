"""`rvneet case ...`: open, assess, close, list and show cases."""

import datetime as dt
from typing import Annotated, Any

import typer

from rvneet.cli.common import (
    CreatedFormat,
    CreatedFormatOption,
    LimitOption,
    ListFormatOption,
    OutputFormat,
    PageOption,
    YesNo,
    choice_option,
    database,
    page_of,
    parse_date,
    print_created,
    print_page,
    print_rich,
    table,
    to_json,
    warn,
    yes_no,
)
from rvneet.domain.enums import CloseReason, Light, Model, NeetGroup, ReachChannel, RiskLevel

app = typer.Typer(
    rich_markup_mode=None,
    help="Open, assess, close and look at cases (juhtumid).",
    no_args_is_help=True,
)

CASE_COLUMNS = {
    "case": "Case",
    "youth": "Youth",
    "model": "Model",
    "start": "Start",
    "end": "End",
    "stage": "Stage",
    "level": "Risk/light",
    "manager": "Case manager",
}

DateOption = Annotated[
    dt.date, typer.Option(parser=parse_date, metavar="YYYY-MM-DD", help="The day it happened.")
]
RiskOption = Annotated[
    RiskLevel | None, choice_option(RiskLevel, "--risk", help="RV risk level: medium or high.")
]
LightOption = Annotated[
    Light | None,
    choice_option(
        Light, "--light", help="NEET traffic light of the situation: red, yellow or green."
    ),
]
InstrumentOption = Annotated[
    str | None,
    typer.Option("--instrument", help="RV: the risk assessment instrument used (free text)."),
]
CaseRef = Annotated[
    str, typer.Argument(metavar="REF", help="The case reference, e.g. RV-2025-001.")
]


@app.command("open")
def open_(
    ctx: typer.Context,
    youth: Annotated[str, typer.Option("--youth", help="The youth's reference, e.g. Y-0001.")],
    model: Annotated[Model, typer.Option("--model", help="rv (Ringist välja) or neet.")],
    start: Annotated[
        dt.date,
        typer.Option("--start", parser=parse_date, metavar="YYYY-MM-DD", help="Start date."),
    ],
    risk: RiskOption = None,
    light: LightOption = None,
    group: Annotated[
        NeetGroup | None,
        choice_option(NeetGroup, "--group", help="NEET group: neet (15–29) or risk (14–19)."),
    ] = None,
    manager: Annotated[
        str | None, typer.Option("--manager", help="The case manager (juhtumikorraldaja).")
    ] = None,
    support_requested: Annotated[
        bool,
        typer.Option(
            "--support-requested",
            help="RV: the municipality asked SKA for implementation support for this case.",
        ),
    ] = False,
    allow_ineligible: Annotated[
        str | None,
        typer.Option(
            "--allow-ineligible",
            metavar="REASON",
            help="Open even though the youth's age is outside the model's range; the reason is kept.",
        ),
    ] = None,
    instrument: InstrumentOption = None,
    channel: Annotated[
        ReachChannel,
        choice_option(
            ReachChannel,
            "--channel",
            help=(
                "How the youth was reached: "
                + ", ".join(c.value for c in ReachChannel)
                + " (the NEET model's ways of finding youths; either model)."
            ),
        ),
    ] = ReachChannel.OTHER,
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
) -> None:
    """Open a case and print its reference (RV-2025-001 / NEET-2025-001).

    RV needs --risk and a youth aged 12–18 on the start date. NEET needs --light and --group
    (neet: 15–29, risk: 14–19). --channel says how the youth was reached (default other).

    \b
    Example: rvneet case open --youth Y-0001 --model rv --start 2025-03-03 --risk high
    """
    from rvneet.services.cases import case_detail, open_case

    with database(ctx).session(write=True) as session:
        opened = open_case(
            session,
            youth_ref=youth,
            model=model,
            start=start,
            risk=risk,
            light=light,
            group=group,
            manager=manager,
            support_requested=support_requested,
            allow_ineligible=allow_ineligible,
            instrument=instrument,
            channel=channel,
        )
        record = case_detail(session, opened.case.ref, personal=False)
    for message in opened.warnings:
        warn(message)
    typer.echo(to_json(record) if fmt is CreatedFormat.JSON else record["case"])


@app.command("assess")
def assess(
    ctx: typer.Context,
    ref: CaseRef,
    date: Annotated[
        dt.date,
        typer.Option("--date", parser=parse_date, metavar="YYYY-MM-DD", help="Assessment date."),
    ],
    risk: RiskOption = None,
    light: LightOption = None,
    instrument: InstrumentOption = None,
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
) -> None:
    """Record a new risk level (RV) or traffic light (NEET); earlier ones are kept.

    \b
    Example: rvneet case assess RV-2025-001 --date 2025-05-12 --risk medium
    """
    from rvneet.services.cases import assess as assess_case
    from rvneet.services.records import plain

    with database(ctx).session(write=True) as session:
        assessment = assess_case(
            session, ref, date=date, risk=risk, light=light, instrument=instrument
        )
        record = plain(assessment, case=ref.strip().upper())
    print_created(record["case"], fmt, record)


@app.command("close")
def close(
    ctx: typer.Context,
    ref: CaseRef,
    end: Annotated[
        dt.date,
        typer.Option("--end", parser=parse_date, metavar="YYYY-MM-DD", help="End date."),
    ],
    reason: Annotated[
        CloseReason,
        choice_option(
            CloseReason,
            "--reason",
            help="goals-met, moved, declined, lost-contact, transferred or other.",
        ),
    ],
    education: Annotated[
        YesNo | None,
        choice_option(YesNo, "--education", help="In education at closing? yes or no."),
    ] = None,
    employment: Annotated[
        YesNo | None,
        choice_option(YesNo, "--employment", help="In employment at closing? yes or no."),
    ] = None,
    wellbeing_start: Annotated[
        int | None,
        typer.Option(
            "--wellbeing-start", help="The youth's own wellbeing rating at the start, 1–10."
        ),
    ] = None,
    wellbeing_end: Annotated[
        int | None,
        typer.Option("--wellbeing-end", help="The youth's own wellbeing rating at closing, 1–10."),
    ] = None,
    satisfaction_manager: Annotated[
        int | None,
        typer.Option("--satisfaction-manager", help="Satisfaction with the case manager, 1–5."),
    ] = None,
    satisfaction_overall: Annotated[
        int | None,
        typer.Option("--satisfaction-overall", help="Satisfaction with the whole process, 1–5."),
    ] = None,
) -> None:
    """Close a case with its outcome; a follow-up is scheduled 6 months after the end.

    The outcome options are optional; goals met / total come from the case plan.

    \b
    Example: rvneet case close RV-2025-001 --end 2025-12-19 --reason goals-met --education yes --wellbeing-start 3 --wellbeing-end 7
    """
    from rvneet.services.cases import close_case

    with database(ctx).session(write=True) as session:
        case = close_case(
            session,
            ref,
            end=end,
            reason=reason,
            in_education=yes_no(education),
            in_employment=yes_no(employment),
            wellbeing_start=wellbeing_start,
            wellbeing_end=wellbeing_end,
            satisfaction_manager=satisfaction_manager,
            satisfaction_overall=satisfaction_overall,
        )
        closed = case.ref
    typer.echo(closed)


@app.command("reopen")
def reopen(
    ctx: typer.Context,
    ref: CaseRef,
    date: Annotated[
        dt.date,
        typer.Option("--date", parser=parse_date, metavar="YYYY-MM-DD", help="Reopening date."),
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why the case is reopened.")],
) -> None:
    """Reopen a closed case; the earlier closing stays in its history.

    \b
    Example: rvneet case reopen RV-2024-002 --date 2025-03-01 --reason "returned to the municipality"
    """
    from rvneet.services.cases import reopen_case

    with database(ctx).session(write=True) as session:
        reopened = reopen_case(session, ref, date=date, reason=reason).ref
    typer.echo(reopened)


@app.command("list")
def list_(
    ctx: typer.Context,
    model: Annotated[Model | None, typer.Option("--model", help="Only rv or neet cases.")] = None,
    open_: Annotated[bool, typer.Option("--open", help="Only open cases.")] = False,
    closed: Annotated[bool, typer.Option("--closed", help="Only closed cases.")] = False,
    stage: Annotated[
        str | None, typer.Option("--stage", help="Only cases whose current stage this is.")
    ] = None,
    fmt: ListFormatOption = OutputFormat.TABLE,
    limit: LimitOption = None,
    page: PageOption = 1,
) -> None:
    """List cases, oldest first; a table shows them a page at a time.

    \b
    Example: rvneet case list --model rv --open
    """
    from rvneet.services.cases import CASE_FIELDS, case_page

    if open_ and closed:
        raise typer.BadParameter("give --open or --closed, not both", param_hint="'--open'")
    status = "open" if open_ else "closed" if closed else None
    with database(ctx).session() as session:
        paged = case_page(
            session, model=model, status=status, stage=stage, page=page_of(fmt, limit, page)
        )
    print_page(paged, fmt, CASE_COLUMNS, "Cases", "cases", fields=CASE_FIELDS)


@app.command("show")
def show(
    ctx: typer.Context,
    ref: CaseRef,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table for people; json for scripts.")
    ] = OutputFormat.TABLE,
) -> None:
    """Show a case on one screen: the youth, model, stage, level now, and a dated timeline.

    The timeline merges stages, assessments, contacts, needs, goals, activities, network members,
    support requests, closing and follow-up. The traffic light describes the situation, not the youth.
    Who looked is recorded in the audit log.

    \b
    Example: rvneet case show RV-2025-001
    """
    from rvneet.services.cases import case_detail

    if fmt is OutputFormat.CSV:
        raise typer.BadParameter("case show prints table or json", param_hint="'--format'")
    # A write session: the reading is recorded in the audit log.
    with database(ctx).session(write=True) as session:
        record = case_detail(session, ref)
    if fmt is OutputFormat.JSON:
        typer.echo(to_json(record))
        return
    level_name = "Risk level" if record["model"] == Model.RV else "Situation (traffic light)"
    details = {
        "Youth": f"{record['name']} ({record['youth']}), {record['sex']}, "
        + (f"age {record['age_today']}" if record["age_today"] is not None else "erased"),
        "Model": record["model"].upper()
        + (f", group {record['group']}" if record["group"] else ""),
        "Case manager": record["manager"] or "—",
        "Reached through": record["channel"],
        "Status": record["status"]
        + (f" ({record['close_reason']})" if record["close_reason"] else ""),
        "Stage": record["stage"] or "—",
        level_name: record["level"],
        "Age at start": record["age_at_start"],
        "First contact": record["first_contact"] or "—",
    }
    outcome = record["outcome"]
    if outcome["goals_total"]:
        details["Goals met"] = f"{outcome['goals_met']} of {outcome['goals_total']}"
    if summary := _outcome_line(outcome):
        details["Outcome at closing"] = summary
    if record["model"] == Model.RV:
        details["SKA support requested"] = "yes" if record["support_requested"] else "no"
    if record["ineligible_reason"]:
        details["Opened outside age range"] = record["ineligible_reason"]
    print_rich(
        table(
            f"Case {record['case']}",
            [{"k": k, "v": v} for k, v in details.items()],
            {"k": "", "v": ""},
        ),
        table("Timeline", record["timeline"], {"date": "Date", "event": "Event", "detail": ""}),
    )


def _outcome_line(outcome: dict[str, Any]) -> str:
    """The closing outcome in one line, e.g. `education yes, employment no; wellbeing 3 → 7`."""
    parts = []
    for key, label in (("in_education", "education"), ("in_employment", "employment")):
        if outcome[key] is not None:
            parts.append(f"{label} {'yes' if outcome[key] else 'no'}")
    if outcome["wellbeing_start"] is not None or outcome["wellbeing_end"] is not None:
        start, end = outcome["wellbeing_start"], outcome["wellbeing_end"]
        parts.append(
            f"wellbeing {start if start is not None else '?'} → {end if end is not None else '?'}"
        )
    for key, label in (("satisfaction_manager", "manager"), ("satisfaction_overall", "overall")):
        if outcome[key] is not None:
            parts.append(f"satisfaction with {label} {outcome[key]}/5")
    return "; ".join(parts)
