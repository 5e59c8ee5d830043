"""`rvneet case ...`: open, assess, close, list and show cases."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from rvneet.cli.common import (
    CreatedFormat,
    CreatedFormatOption,
    ListFormatOption,
    OutputFormat,
    database,
    parse_date,
    print_listing,
    print_rich,
    table,
    to_json,
    warn,
)
from rvneet.domain.enums import CloseReason, Light, Model, NeetGroup, RiskLevel

app = typer.Typer(help="Open, assess, close and look at cases (juhtumid).", no_args_is_help=True)

CASE_COLUMNS = {
    "case": "Case",
    "youth": "Youth",
    "model": "Model",
    "group": "Group",
    "start": "Start",
    "end": "End",
    "level": "Risk/light",
    "manager": "Case manager",
}

DateOption = Annotated[
    dt.date, typer.Option(parser=parse_date, metavar="YYYY-MM-DD", help="The day it happened.")
]
RiskOption = Annotated[
    RiskLevel | None, typer.Option("--risk", help="RV risk level: medium or high.")
]
LightOption = Annotated[
    Light | None,
    typer.Option("--light", help="NEET traffic light of the situation: red, yellow or green."),
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
        typer.Option("--group", help="NEET group: neet (15–29) or risk (14–19)."),
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
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
) -> None:
    """Open a case and print its reference (RV-2025-001 / NEET-2025-001).

    RV needs --risk and a youth aged 12–18 on the start date. NEET needs --light and --group
    (neet: 15–29, risk: 14–19).

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
) -> None:
    """Record a new risk level (RV) or traffic light (NEET); earlier ones are kept.

    Example: rvneet case assess RV-2025-001 --date 2025-05-12 --risk medium
    """
    from rvneet.services.cases import assess as assess_case

    with database(ctx).session(write=True) as session:
        assess_case(session, ref, date=date, risk=risk, light=light)
    typer.echo(ref.strip().upper())


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
        typer.Option(
            "--reason",
            help="goals-met, moved, declined, lost-contact, transferred or other.",
        ),
    ],
) -> None:
    """Close a case.

    Example: rvneet case close RV-2025-001 --end 2025-12-19 --reason goals-met
    """
    from rvneet.services.cases import close_case

    with database(ctx).session(write=True) as session:
        case = close_case(session, ref, end=end, reason=reason)
        closed = case.ref
    typer.echo(closed)


@app.command("list")
def list_(
    ctx: typer.Context,
    model: Annotated[Model | None, typer.Option("--model", help="Only rv or neet cases.")] = None,
    open_: Annotated[bool, typer.Option("--open", help="Only open cases.")] = False,
    closed: Annotated[bool, typer.Option("--closed", help="Only closed cases.")] = False,
    fmt: ListFormatOption = OutputFormat.TABLE,
) -> None:
    """List cases, oldest first.

    Example: rvneet case list --model rv --open
    """
    from rvneet.services.cases import CASE_FIELDS, list_cases

    if open_ and closed:
        raise typer.BadParameter("give --open or --closed, not both", param_hint="'--open'")
    status = "open" if open_ else "closed" if closed else None
    with database(ctx).session() as session:
        rows = list_cases(session, model=model, status=status)
    print_listing(rows, fmt, CASE_COLUMNS, "Cases", fields=CASE_FIELDS)


@app.command("show")
def show(
    ctx: typer.Context,
    ref: CaseRef,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table for people; json for scripts.")
    ] = OutputFormat.TABLE,
) -> None:
    """Show a case: the youth, the model, its level now, and a dated timeline.

    Example: rvneet case show RV-2025-001
    """
    from rvneet.services.cases import case_detail

    if fmt is OutputFormat.CSV:
        raise typer.BadParameter("case show prints table or json", param_hint="'--format'")
    with database(ctx).session() as session:
        record = case_detail(session, ref)
    if fmt is OutputFormat.JSON:
        typer.echo(to_json(record))
        return
    level_name = "Risk level" if record["model"] == Model.RV else "Situation (traffic light)"
    details = {
        "Youth": f"{record['name']} ({record['youth']}), {record['sex']}, age {record['age_today']}",
        "Model": record["model"].upper()
        + (f", group {record['group']}" if record["group"] else ""),
        "Case manager": record["manager"] or "—",
        "Status": record["status"]
        + (f" ({record['close_reason']})" if record["close_reason"] else ""),
        level_name: record["level"],
        "Age at start": record["age_at_start"],
    }
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
