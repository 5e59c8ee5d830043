"""`rvneet agreement ...`: the RV cooperation agreements with SKA (period, case limit, deadlines)."""

import datetime as dt
import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rvneet.cli.common import (
    CreatedFormat,
    CreatedFormatOption,
    ListFormatOption,
    OutputFormat,
    database,
    parse_date,
    print_created,
    print_listing,
    print_rich,
    table,
    to_json,
)
from rvneet.i18n import N_, _

if TYPE_CHECKING:
    from rvneet.services.agreements import Deadline

app = typer.Typer(
    rich_markup_mode=None,
    help=(
        "RV cooperation agreements with SKA (koostöökokkulepe): period, case limit (clause 4.3) "
        "and Lisa 4 deadlines (4.4)."
    ),
    no_args_is_help=True,
)

AGREEMENT_COLUMNS = {
    "agreement": N_("Agreement"),
    "signed": N_("Signed"),
    "start": N_("Start"),
    "end": N_("End"),
    "case_limit": N_("Case limit"),
    "cases_used": N_("Cases used"),
    "in_force": N_("In force"),
}
AGREEMENT_FIELDS = (*AGREEMENT_COLUMNS, "ended_on")
DEADLINE_COLUMNS = {
    "period": N_("Period"),
    "due": N_("Deadline"),
    "submitted": N_("Submitted"),
    "overdue": N_("Overdue"),
}
NO_HEADER = " "
# What an amendment changed, as people read it (JSON keeps the field names).
CHANGED = {
    "start_date": N_("Start"),
    "end_date": N_("End"),
    "case_limit": N_("Case limit"),
    "ska_contact": N_("SKA contact"),
    "kov_contact": N_("KOV contact"),
    "note": N_("Note"),
}


def changed_label(field: str) -> str:
    """A changed field's label in the message language; `deadline 2025H1` as `Deadline 2025H1`."""
    from rvneet.i18n import translate

    if field.startswith("deadline "):
        return f"{translate(N_('Deadline'))} {field.removeprefix('deadline ')}"
    return translate(CHANGED[field]) if field in CHANGED else field


def parse_deadline_option(value: str) -> "Deadline":
    """`--deadline 2025H1=2025-07-15`, or a date alone for the half-year that ended before it."""
    from rvneet.services.agreements import parse_deadline

    try:
        return parse_deadline(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


RefArgument = Annotated[
    str, typer.Argument(metavar="REF", help="The agreement's number, e.g. 2-10/29628-1.")
]
DeadlineOption = Annotated[
    list[Any] | None,
    typer.Option(
        "--deadline",
        parser=parse_deadline_option,
        metavar="[PERIOD=]DATE",
        help=(
            "A Lisa 4 deadline (clause 4.4), repeatable: 2025H1=2025-07-15, or a date alone for "
            "the half-year that ended before it."
        ),
    ),
]
SkaContactOption = Annotated[
    str | None,
    typer.Option("--ska-contact", metavar="TEXT", help="SKA's representative (clause 7)."),
]
KovContactOption = Annotated[
    str | None,
    typer.Option(
        "--kov-contact", metavar="TEXT", help="The municipality's representative (clause 7)."
    ),
]
NoteOption = Annotated[
    str | None, typer.Option("--note", metavar="TEXT", help="A short note on the agreement.")
]
CaseLimitHelp = "The number of RV cases the agreement covers (clause 4.3: up to 5), at least 1."


@app.command("add")
def add(
    ctx: typer.Context,
    number: Annotated[str, typer.Option("--number", metavar="REF", help="The agreement's number.")],
    signed: Annotated[
        dt.date,
        typer.Option("--signed", parser=parse_date, metavar="DATE", help="The day it was signed."),
    ],
    start: Annotated[
        dt.date,
        typer.Option("--start", parser=parse_date, metavar="DATE", help="Its first day in force."),
    ],
    end: Annotated[
        dt.date,
        typer.Option("--end", parser=parse_date, metavar="DATE", help="Its last day in force."),
    ],
    case_limit: Annotated[int, typer.Option("--case-limit", metavar="N", help=CaseLimitHelp)],
    ska_contact: SkaContactOption = None,
    kov_contact: KovContactOption = None,
    deadline: DeadlineOption = None,
    note: NoteOption = None,
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
) -> None:
    """Record an RV cooperation agreement and print its number.

    Its period may not share a day with another agreement's: at most one is in force on a day.

    \b
    Example: rvneet agreement add --number 2-10/29628-1 --signed 2024-03-01 --start 2024-03-01 --end 2025-12-31 --case-limit 5 --deadline 2025H1=2025-07-15
    """
    from rvneet.services.agreements import add_agreement, agreement_detail

    with database(ctx).session(write=True) as session:
        agreement = add_agreement(
            session,
            ref=number,
            signed=signed,
            start=start,
            end=end,
            case_limit=case_limit,
            ska_contact=ska_contact,
            kov_contact=kov_contact,
            deadlines=deadline or [],
            note=note,
        )
        record = agreement_detail(session, agreement.ref, dt.date.today())
    print_created(record["agreement"], fmt, record)


@app.command("list")
def list_(ctx: typer.Context, fmt: ListFormatOption = OutputFormat.TABLE) -> None:
    """List the agreements, oldest first: period, case limit, cases used, whether in force today.

    \b
    Example: rvneet agreement list --format json
    """
    from rvneet.services.agreements import list_agreements

    with database(ctx).session() as session:
        rows = list_agreements(session, dt.date.today())
    print_listing(rows, fmt, AGREEMENT_COLUMNS, N_("Agreements"), AGREEMENT_FIELDS)


@app.command("show")
def show(
    ctx: typer.Context,
    ref: RefArgument,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table for people; json for scripts.")
    ] = OutputFormat.TABLE,
) -> None:
    """Show an agreement: its terms, cases used, the next Lisa 4 deadline, the periods not yet
    submitted, every deadline, and its amendments.

    \b
    Example: rvneet agreement show 2-10/29628-1
    """
    from rvneet.services.agreements import agreement_detail

    if fmt is OutputFormat.CSV:
        raise typer.BadParameter(_("agreement show prints table or json"), param_hint="'--format'")
    with database(ctx).session() as session:
        record = agreement_detail(session, ref, dt.date.today())
    if fmt is OutputFormat.JSON:
        typer.echo(to_json(record))
        return
    print_rich(
        table(
            _("Agreement {ref}").format(ref=record["agreement"]),
            [{"k": k, "v": v} for k, v in _details(record).items()],
            {"k": NO_HEADER, "v": NO_HEADER},
        ),
        table(N_("Lisa 4 deadlines"), record["deadlines"], DEADLINE_COLUMNS)
        if record["deadlines"]
        else _("Lisa 4 deadlines: none"),
        *(
            [
                table(
                    N_("Amendments"),
                    [
                        {
                            "date": a["date"],
                            "reason": a["reason"],
                            "changes": ", ".join(changed_label(f) for f in a["changes"]),
                        }
                        for a in record["amendments"]
                    ],
                    {"date": N_("Date"), "reason": N_("Reason"), "changes": N_("Changed")},
                )
            ]
            if record["amendments"]
            else []
        ),
    )


def _details(record: dict[str, Any]) -> dict[str, Any]:
    """`agreement show`'s summary rows (label → value) in the message language."""
    from rvneet.i18n import format_date, message_language

    lang = message_language()

    def day(value: str | None) -> Any:
        return format_date(value, lang) if value else "—"

    following = record["next_deadline"]
    details = {
        _("Signed"): day(record["signed"]),
        _("Period"): f"{day(record['start'])} … {day(record['end'])}",
        _("Case limit"): record["case_limit"],
        _("Cases used"): record["cases_used"],
        _("In force today"): _("yes") if record["in_force"] else _("no"),
        _("SKA contact"): record["ska_contact"] or "—",
        _("KOV contact"): record["kov_contact"] or "—",
        _("Next deadline"): _("{period} by {due}").format(
            period=following["period"], due=day(following["due"])
        )
        if following
        else "—",
        _("Not yet submitted"): ", ".join(record["not_submitted"]) or "—",
    }
    if record["ended_on"]:
        details[_("Ended early")] = _("on {date}: {reason}").format(
            date=day(record["ended_on"]), reason=record["end_reason"]
        )
    if record["note"]:
        details[_("Note")] = record["note"]
    return details


@app.command("amend")
def amend(
    ctx: typer.Context,
    ref: RefArgument,
    date: Annotated[
        dt.date,
        typer.Option("--date", parser=parse_date, metavar="DATE", help="The amendment's date."),
    ],
    reason: Annotated[
        str, typer.Option("--reason", metavar="TEXT", help="Why the agreement was amended.")
    ],
    start: Annotated[
        dt.date | None,
        typer.Option("--start", parser=parse_date, metavar="DATE", help="A new first day."),
    ] = None,
    end: Annotated[
        dt.date | None,
        typer.Option("--end", parser=parse_date, metavar="DATE", help="A new last day."),
    ] = None,
    case_limit: Annotated[
        int | None, typer.Option("--case-limit", metavar="N", help=CaseLimitHelp)
    ] = None,
    ska_contact: SkaContactOption = None,
    kov_contact: KovContactOption = None,
    deadline: DeadlineOption = None,
    note: NoteOption = None,
) -> None:
    """Amend an agreement (clause 6.2): give what changes; the amendment is kept with its date,
    reason and what it changed, and recorded in the audit log.

    \b
    Example: rvneet agreement amend 2-10/29628-1 --date 2025-05-01 --case-limit 6 --reason "annex 2 signed"
    """
    from rvneet.services.agreements import amend_agreement

    with database(ctx).session(write=True) as session:
        amended = amend_agreement(
            session,
            ref,
            date=date,
            reason=reason,
            start=start,
            end=end,
            case_limit=case_limit,
            ska_contact=ska_contact,
            kov_contact=kov_contact,
            deadlines=deadline or [],
            note=note,
        )
        changed = ", ".join(changed_label(f) for f in sorted(json.loads(amended.changes)))
    typer.echo(changed)


@app.command("end")
def end_(
    ctx: typer.Context,
    ref: RefArgument,
    date: Annotated[
        dt.date,
        typer.Option("--date", parser=parse_date, metavar="DATE", help="Its last day in force."),
    ],
    reason: Annotated[
        str, typer.Option("--reason", metavar="TEXT", help="Why it ends early (clauses 6.3–6.4).")
    ],
) -> None:
    """End an agreement before its term (clauses 6.3–6.4): the date becomes its last day.

    \b
    Example: rvneet agreement end 2-10/29628-1 --date 2025-09-30 --reason "terminated by KOV, notice 30 days"
    """
    from rvneet.services.agreements import end_agreement

    with database(ctx).session(write=True) as session:
        ended = end_agreement(session, ref, date=date, reason=reason).ref
    typer.echo(ended)
