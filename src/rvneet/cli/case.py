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
from rvneet.cli.completion import complete_case, complete_staff, complete_youth
from rvneet.cli.prompting import require
from rvneet.domain.enums import (
    CloseReason,
    Light,
    Model,
    NeetGroup,
    ReachChannel,
    RiskLevel,
    Sex,
    estonian,
    shown_stored,
)
from rvneet.i18n import N_, _, message_language, translate

app = typer.Typer(
    rich_markup_mode=None,
    help="Open, assess, close and look at cases (juhtumid).",
    no_args_is_help=True,
)

CASE_COLUMNS = {
    "case": N_("Case"),
    "youth": N_("Youth"),
    "model": N_("Model"),
    "start": N_("Start"),
    "end": N_("End"),
    "stage": N_("Stage"),
    "level": N_("Risk/light"),
    "manager": N_("Case manager"),
}

# A column without a header. Not "": gettext translates "" to the catalog's header (its metadata).
NO_HEADER = " "

# The timeline's event names (machine names in JSON), as a table shows them. Every source of
# `case show`'s timeline is here: the case, case work, the plan, the network, support, follow-up.
EVENTS = {
    "opened": N_("opened"),
    "assessment": N_("assessment"),
    "closed": N_("closed"),
    "reopened": N_("reopened"),
    "stage": N_("stage"),
    "contact": N_("contact"),
    "network meeting": N_("network meeting"),
    "needs": N_("needs"),
    "goal added": N_("goal added"),
    "goal done": N_("goal done"),
    "goal dropped": N_("goal dropped"),
    "activity started": N_("activity started"),
    "activity ended": N_("activity ended"),
    "member added": N_("member added"),
    "member removed": N_("member removed"),
    "support requested": N_("support requested"),
    "support granted": N_("support granted"),
    "support refused": N_("support refused"),
    "follow-up due": N_("follow-up due"),
    "follow-up done": N_("follow-up done"),
    "reassigned": N_("reassigned"),
    "shared": N_("shared"),
    "share ended": N_("share ended"),
}


def event_label(value: str, lang: str) -> str:
    """A timeline event's name as people read it in `lang`; an unknown name as it is."""
    return translate(EVENTS[value], lang) if value in EVENTS else value


def level_label(value: str, lang: str) -> str:
    """A case's level (a risk level or a traffic light) as people read it in `lang`."""
    if lang != "et":
        return value
    for enum in (RiskLevel, Light):
        if value in tuple(enum):
            return estonian(enum(value))
    return value


DateOption = Annotated[
    dt.date, typer.Option(parser=parse_date, metavar="DATE", help="The day it happened.")
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
    str,
    typer.Argument(
        metavar="REF",
        help="The case reference, e.g. RV-2025-001.",
        autocompletion=complete_case,
    ),
]


@app.command("open")
def open_(
    ctx: typer.Context,
    youth: Annotated[
        str,
        typer.Option(
            "--youth",
            help="The youth's reference (Y-0001) or full personal code.",
            autocompletion=complete_youth,
        ),
    ],
    model: Annotated[Model, choice_option(Model, "--model", help="rv (Ringist välja) or neet.")],
    start: Annotated[
        dt.date,
        typer.Option("--start", parser=parse_date, metavar="DATE", help="Start date."),
    ],
    risk: RiskOption = None,
    light: LightOption = None,
    group: Annotated[
        NeetGroup | None,
        choice_option(NeetGroup, "--group", help="NEET group: neet (15–29) or risk (14–19)."),
    ] = None,
    manager: Annotated[
        str | None,
        typer.Option(
            "--manager",
            metavar="S",
            autocompletion=complete_staff,
            help="The case manager (juhtumikorraldaja): a staff reference (S-0001), a login or a "
            "name (pold finds Kadri Põld). Without it, you manage the case when RVNEET_USER (or "
            "--user) is the login of an active case manager in the staff register.",
        ),
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
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="RV: refuse, instead of warning, a case outside the agreement in force on the "
            "start date or beyond its case limit.",
        ),
    ] = False,
    education: Annotated[
        YesNo | None,
        choice_option(YesNo, "--education", help="NEET: in education at the start? yes or no."),
    ] = None,
    employment: Annotated[
        YesNo | None,
        choice_option(YesNo, "--employment", help="NEET: working at the start? yes or no."),
    ] = None,
    wellbeing: Annotated[
        int | None,
        typer.Option(
            "--wellbeing",
            help="The youth's own wellbeing rating at the start (the baseline), 1–10.",
        ),
    ] = None,
) -> None:
    """Open a case and print its reference (RV-2025-001 / NEET-2025-001).

    RV needs --risk and a youth aged 12–18 on the start date. NEET needs --light and --group
    (neet: 15–29, risk: 14–19). --channel says how the youth was reached (default other).
    An RV case warns when no agreement is in force on the start date or when it exceeds the
    agreement's case limit (clause 4.3); --strict refuses it instead.

    --education, --employment (NEET) and --wellbeing record the starting statuses as a needs
    assessment on the start date.

    \b
    Example: rvneet case open --youth Y-0001 --model rv --start 2025-03-03 --risk high
    """
    from rvneet.services.cases import case_detail, open_case
    from rvneet.services.casework import record_start_statuses

    # On a terminal, what the model needs is asked for (a script is refused as before).
    if model is Model.RV and risk is None:
        require(ctx, "risk")
    if model is Model.NEET:
        require(ctx, *(name for name, value in (("light", light), ("group", group)) if not value))
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
            strict=strict,
        )
        record_start_statuses(
            session,
            opened.case,
            in_education=yes_no(education),
            in_employment=yes_no(employment),
            wellbeing=wellbeing,
        )
        # The whole record only for --format json: read in the writing transaction, it kept
        # every other writer waiting on a server for the two dozen queries it takes.
        ref = opened.case.ref
        record = case_detail(session, ref, personal=False) if fmt is CreatedFormat.JSON else None
    for message in opened.warnings:
        warn(message)
    typer.echo(to_json(record) if record is not None else ref)


@app.command("assess")
def assess(
    ctx: typer.Context,
    ref: CaseRef,
    date: Annotated[
        dt.date,
        typer.Option("--date", parser=parse_date, metavar="DATE", help="Assessment date."),
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
        typer.Option("--end", parser=parse_date, metavar="DATE", help="End date."),
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
    resolution_youth: Annotated[
        int | None,
        typer.Option(
            "--resolution-youth",
            help="How far the youth's situation was resolved, by the youth, 1–5.",
        ),
    ] = None,
    resolution_manager: Annotated[
        int | None,
        typer.Option(
            "--resolution-manager",
            help="How far the youth's situation was resolved, by the case manager, 1–5.",
        ),
    ] = None,
) -> None:
    """Close a case with its outcome; a follow-up is scheduled 6 months after the end.

    The outcome options are optional; goals met / total come from the case plan (the joint
    assessment against the plan), beside --resolution-youth and --resolution-manager. A wellbeing
    baseline recorded earlier (case needs --wellbeing) is used instead of --wellbeing-start.
    The 6-month follow-up is the NEET model's (stage 3.6 and Table 1); the RV agreement does not
    ask for it: for an RV case it is scheduled as good practice unless
    `rvneet settings rv-followup off`.

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
            resolution_youth=resolution_youth,
            resolution_manager=resolution_manager,
        )
        closed = case.ref
    typer.echo(closed)


@app.command("reopen")
def reopen(
    ctx: typer.Context,
    ref: CaseRef,
    date: Annotated[
        dt.date,
        typer.Option("--date", parser=parse_date, metavar="DATE", help="Reopening date."),
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why the case is reopened.")],
) -> None:
    """Reopen a closed case; the earlier closing stays in its history.

    The days between the closing and the reopening belong to no period of the case: a record
    dated there (a contact, assessment, stage, goal, activity, ...) is refused.

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
    model: Annotated[
        Model | None, choice_option(Model, "--model", help="Only rv or neet cases.")
    ] = None,
    open_: Annotated[bool, typer.Option("--open", help="Only open cases.")] = False,
    closed: Annotated[bool, typer.Option("--closed", help="Only closed cases.")] = False,
    stage: Annotated[
        str | None,
        typer.Option(
            "--stage",
            help="Only cases whose current stage this is; its Estonian name is taken too "
            "(see case stage --help).",
        ),
    ] = None,
    mine: Annotated[
        bool,
        typer.Option(
            "--mine",
            help="Only the cases I manage (the staff member whose login is RVNEET_USER or --user) "
            "and those shared with me, marked with the share's last day.",
        ),
    ] = False,
    manager: Annotated[
        str | None,
        typer.Option(
            "--manager",
            metavar="S",
            autocompletion=complete_staff,
            help="Only the cases this case manager manages now: a staff reference (S-0001), "
            "a login or a name.",
        ),
    ] = None,
    fmt: ListFormatOption = OutputFormat.TABLE,
    limit: LimitOption = None,
    page: PageOption = 1,
) -> None:
    """List cases, oldest first; a table shows them a page at a time.

    --mine and --manager keep the cases a case manager manages now; they combine with the other
    filters.

    \b
    Examples: rvneet case list --model rv --open
              rvneet case list --mine --open
    """
    from rvneet.services.cases import CASE_FIELDS, case_page

    if open_ and closed:
        raise typer.BadParameter(_("give --open or --closed, not both"), param_hint="'--open'")
    status = "open" if open_ else "closed" if closed else None
    with database(ctx).session() as session:
        paged = case_page(
            session,
            model=model,
            status=status,
            stage=stage,
            manager=manager,
            mine=mine,
            page=page_of(fmt, limit, page),
        )
    if fmt is OutputFormat.TABLE and message_language() == "et":
        import dataclasses

        paged = dataclasses.replace(
            paged, rows=[{**row, "stage": _stage(row)} for row in paged.rows]
        )
    if fmt is OutputFormat.TABLE and mine:
        import dataclasses

        paged = dataclasses.replace(paged, rows=[_shared_mark(row) for row in paged.rows])
    print_page(
        paged,
        fmt,
        CASE_COLUMNS,
        N_("Cases"),
        N_("cases"),
        fields=CASE_FIELDS,
        values={"level": level_label, "model": Model},
    )


def _stage(row: dict[str, Any]) -> str | None:
    """A row's stage as people read it: its model's Estonian name for it (tables only)."""
    from rvneet.domain.stages import stage_label

    return row["stage"] and stage_label(row["stage"], row["model"], message_language())


@app.command("show")
def show(
    ctx: typer.Context,
    ref: CaseRef,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table for people; json for scripts.")
    ] = OutputFormat.TABLE,
    history: Annotated[
        bool,
        typer.Option(
            "--history",
            help="Also the withdrawn records, marked, and every correction: when, who, the "
            "fields old → new, and the reason.",
        ),
    ] = False,
) -> None:
    """Show a case on one screen: the youth, model, stage, level now, and a dated timeline.

    The timeline merges stages, assessments, contacts, needs, goals, activities, network members,
    support requests, closing and follow-up. The traffic light describes the situation, not the youth.
    Then the youth's consents (scope, given by, date, withdrawn). Who looked is recorded in the
    audit log. Each record has its reference (C-12, G-2, …) for case correct and case withdraw.

    \b
    Example: rvneet case show RV-2025-001
    """
    from rvneet.cli.youth import consent_table
    from rvneet.services.cases import case_detail

    if fmt is OutputFormat.CSV:
        raise typer.BadParameter(_("case show prints table or json"), param_hint="'--format'")
    # JSON is for scripts: its timeline is in English whatever the user's language.
    lang = "en" if fmt is OutputFormat.JSON else message_language()
    # A write session: the reading is recorded in the audit log.
    with database(ctx).session(write=True) as session:
        record = case_detail(session, ref, lang=lang, history=history)
    if fmt is OutputFormat.JSON:
        typer.echo(to_json(record))
        return
    print_rich(
        table(
            _("Case {ref}").format(ref=record["case"]),
            [{"k": k, "v": v} for k, v in _details(record).items()],
            {"k": NO_HEADER, "v": NO_HEADER},
        ),
        table(
            N_("Timeline"),
            [_marked(event) for event in record["timeline"]],
            {"date": N_("Date"), "record": N_("Record"), "event": N_("Event"), "detail": NO_HEADER},
            values={"event": event_label},
        ),
        consent_table(record["consents"], history),
        *_history_table(record.get("history")),
    )


def _marked(event: dict[str, Any]) -> dict[str, Any]:
    """A timeline event for the table: a withdrawn record (`--history`) says so in its detail."""
    if not event.get("withdrawn_at"):
        return event
    return {
        **event,
        "detail": _("{detail} — withdrawn {date} by {user}: {reason}").format(
            detail=event["detail"],
            date=event["withdrawn_at"],
            user=event["withdrawn_by"],
            reason=event["withdrawn_reason"],
        ),
    }


HISTORY_COLUMNS = {
    "at": N_("When"),
    "user": N_("Who"),
    "record": N_("Record"),
    "action": N_("Change"),
    "changes": N_("Fields"),
    "reason": N_("Reason"),
}
ACTIONS = {"correct": N_("corrected"), "withdraw": N_("record withdrawn")}


def _history_table(history: list[dict[str, Any]] | None) -> list[Any]:
    """`case show --history`'s corrections, oldest first: field old → new, with the reason."""
    from rvneet.cli.history import change_text

    if history is None:
        return []
    if not history:
        return [_("No corrections.")]
    rows = []
    for entry in history:
        action = translate(ACTIONS.get(entry["action"], entry["action"]))
        # A withdrawal's own marks (withdrawn_at, _by, _reason) are in the other columns.
        changes = "; ".join(
            change_text(field, old, new)
            for field, (old, new) in entry["changes"].items()
            if not field.startswith("withdrawn_")
        )
        rows.append({**entry, "action": action, "changes": changes or action})
    # The record is what the table is about: never left out for width.
    return [table(N_("Corrections"), rows, HISTORY_COLUMNS, droppable=("user", "action"))]


def _shared_mark(row: dict[str, Any]) -> dict[str, Any]:
    """A row of `case list --mine` shared with me: its manager column says until when."""
    if not row.get("shared_until"):
        return row
    from rvneet.i18n import format_date

    day = format_date(dt.date.fromisoformat(row["shared_until"]), message_language())
    manager = row["manager"] or "—"
    return {
        **row,
        "manager": _("{manager} (shared with me until {date})").format(manager=manager, date=day),
    }


def _shared_with(shares: list[dict[str, Any]]) -> str | None:
    """The shares in force: `S-0002 Tiit Org (until 31.03.2026)`; None (no line) when none is."""
    from rvneet.i18n import format_date

    lang = message_language()
    shown = [
        _("{staff} (until {date})").format(
            staff=f"{s['staff']} {s['name']}",
            date=format_date(dt.date.fromisoformat(s["until"]), lang),
        )
        for s in shares
        if s["active"]
    ]
    return ", ".join(shown) or None


def _details(record: dict[str, Any]) -> dict[str, Any]:
    """`case show`'s summary rows (label → value) in the message language."""
    from rvneet.domain.stages import stage_label

    if record["age_today"] is not None:
        youth = _("{name} ({youth}), {sex}, age {age}")
    else:
        youth = _("{name} ({youth}), {sex}, erased")
    model = (
        shown_stored(Model, record["model"])
        if message_language() == "et"
        else record["model"].upper()
    )
    if record["group"]:
        model = _("{model}, group {group}").format(
            model=model, group=shown_stored(NeetGroup, record["group"])
        )
    status = _("closed") if record["status"] == "closed" else _("open")
    if record["close_reason"]:
        status = _("{status} ({reason})").format(
            status=status, reason=shown_stored(CloseReason, record["close_reason"])
        )
    level = shown_stored(RiskLevel if record["model"] == Model.RV else Light, record["level"] or "")
    details = {
        _("Youth"): youth.format(
            name=record["name"],
            youth=record["youth"],
            sex=shown_stored(Sex, record["sex"]),
            age=record["age_today"],
        ),
        _("Model"): model,
        _("Case manager"): " ".join(filter(None, (record["manager_ref"], record["manager"])))
        or "—",
        _("Reached through"): shown_stored(ReachChannel, record["channel"]),
        _("Status"): status,
        _("Stage"): stage_label(record["stage"], record["model"], message_language())
        if record["stage"]
        else "—",
        _("Risk level") if record["model"] == Model.RV else _("Situation (traffic light)"): (
            level if record["level"] is not None else None
        ),
        _("Age at start"): record["age_at_start"],
        _("First contact"): record["first_contact"] or "—",
    }
    outcome = record["outcome"]
    if outcome["goals_total"]:
        details[_("Goals met")] = _("{met} of {total}").format(
            met=outcome["goals_met"], total=outcome["goals_total"]
        )
    if summary := _outcome_line(outcome):
        details[_("Outcome at closing")] = summary
    if record["model"] == Model.RV:
        details[_("SKA support requested")] = _("yes") if record["support_requested"] else _("no")
    if record["ineligible_reason"]:
        details[_("Opened outside age range")] = record["ineligible_reason"]
    if shared := _shared_with(record.get("shares", [])):
        details[_("Shared with")] = shared
    return details


def _outcome_line(outcome: dict[str, Any]) -> str:
    """The closing outcome in one line, e.g. `education yes; employment no; wellbeing 3 → 7`."""
    parts = []
    for key, label in (
        ("in_education", N_("education {answer}")),
        ("in_employment", N_("employment {answer}")),
    ):
        if outcome[key] is not None:
            parts.append(translate(label).format(answer=_("yes") if outcome[key] else _("no")))
    if outcome["wellbeing_start"] is not None or outcome["wellbeing_end"] is not None:
        start, end = outcome["wellbeing_start"], outcome["wellbeing_end"]
        parts.append(
            _("wellbeing {start} → {end}").format(
                start=start if start is not None else "?", end=end if end is not None else "?"
            )
        )
    for key, label in (
        ("satisfaction_manager", N_("satisfaction with manager {score}/5")),
        ("satisfaction_overall", N_("satisfaction with overall {score}/5")),
        ("resolution_youth", N_("resolved by the youth's assessment {score}/5")),
        ("resolution_manager", N_("resolved by the case manager's assessment {score}/5")),
    ):
        if outcome[key] is not None:
            parts.append(translate(label).format(score=outcome[key]))
    return "; ".join(parts)


@app.command("reassign")
def reassign(
    ctx: typer.Context,
    ref: CaseRef,
    manager: Annotated[
        str,
        typer.Option(
            "--manager",
            metavar="S",
            autocompletion=complete_staff,
            help="The new case manager: a staff reference (S-0001), a login or a name.",
        ),
    ],
    date: Annotated[
        dt.date,
        typer.Option(
            "--date", parser=parse_date, metavar="DATE", help="The day the new manager took over."
        ),
    ],
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why the case changed hands (optional).")
    ] = None,
) -> None:
    """Hand a case to another case manager from a date; the change is kept in the timeline.

    An admin hands cases over; a case manager may not. Reports as of an earlier day count the case
    for the manager it had then. Refused before the case start, after its end, to the manager it
    has, and to a retired staff member.

    \b
    Example: rvneet case reassign RV-2025-001 --manager S-0002 --date 2025-03-10 --reason "holiday"
    """
    from rvneet.services.staff import reassign as reassign_case

    with database(ctx).session(write=True) as session:
        case = reassign_case(session, ref, manager=manager, date=date, reason=reason)
        typer.echo(case.ref)


@app.command("share")
def share(
    ctx: typer.Context,
    ref: CaseRef,
    with_: Annotated[
        str,
        typer.Option(
            "--with",
            metavar="S",
            autocompletion=complete_staff,
            help="The case manager to share it with: a staff reference (S-0002), a login or a "
            "name.",
        ),
    ],
    until: Annotated[
        dt.date | None,
        typer.Option(
            "--until",
            parser=parse_date,
            metavar="DATE",
            help="The last day of the share: today at the earliest, a year ahead at the latest.",
        ),
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option("--reason", help="Why it is shared (free text; do not name the youth)."),
    ] = None,
    end: Annotated[
        bool, typer.Option("--end", help="End the share with --with today instead.")
    ] = False,
) -> None:
    """Share a case with another case manager until a date: they read and change it as its manager
    does until then.

    Only the case's manager or an admin shares a case, and only with an active case manager. The
    share and its end are audited and shown in the case's timeline; `case list --mine` lists the
    cases shared with you.

    \b
    Examples: rvneet case share RV-2025-001 --with S-0002 --until 2026-03-31 --reason "holiday cover"
              rvneet case share RV-2025-001 --end --with S-0002
    """
    from rvneet.i18n import format_date
    from rvneet.services.shares import end_share, share_case

    if end and (until is not None or reason is not None):
        raise typer.BadParameter(
            _("--end takes only --with, not --until or --reason"), param_hint="'--end'"
        )
    if not end and (until is None or reason is None):
        raise typer.BadParameter(
            _("give --until and --reason (or --end to end a share)"), param_hint="'--until'"
        )
    with database(ctx).session(write=True) as session:
        if end:
            done = end_share(session, ref, with_staff=with_)
        else:
            assert until is not None and reason is not None
            done = share_case(session, ref, with_staff=with_, until=until, reason=reason)
    if end:
        typer.echo(
            _("{case} is no longer shared with {staff}").format(
                case=done["case"], staff=done["staff"]
            )
        )
    else:
        day = format_date(dt.date.fromisoformat(done["until"]), message_language())
        typer.echo(
            _("{case} is shared with {staff} until {date}").format(
                case=done["case"], staff=done["staff"], date=day
            )
        )
