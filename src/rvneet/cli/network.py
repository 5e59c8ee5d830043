"""`rvneet network ...` and `rvneet case member ...`: the specialists and the cases they work on."""

import datetime as dt
from typing import Annotated

import typer

from rvneet.cli import case as case_cli
from rvneet.cli.common import (
    CreatedFormat,
    CreatedFormatOption,
    ListFormatOption,
    OutputFormat,
    choice_option,
    database,
    parse_date,
    print_created,
    print_listing,
    print_rich,
    table,
    to_json,
    warn,
)
from rvneet.cli.completion import complete_member
from rvneet.domain.enums import ActivityStatus, Model, NetworkRole, Tier, shown_stored
from rvneet.i18n import N_, _

app = typer.Typer(
    rich_markup_mode=None, help="The network of specialists (võrgustik).", no_args_is_help=True
)
member_app = typer.Typer(
    rich_markup_mode=None,
    help="Network members taking part in a case (the case's network).",
    no_args_is_help=True,
)
case_cli.app.add_typer(member_app, name="member")

MEMBER_COLUMNS = {
    "member": N_("Ref"),
    "name": N_("Name"),
    "role": N_("Role"),
    "org": N_("Organisation"),
    "tier": N_("Tier"),
}  # e-mail and phone are in json and csv, and in `network show`
_ROLES = ", ".join(role.value for role in NetworkRole)

MemberRef = Annotated[
    str,
    typer.Argument(
        metavar="M",
        help="The network member's reference, e.g. M-001.",
        autocompletion=complete_member,
    ),
]
DateOption = Annotated[
    dt.date,
    typer.Option("--date", parser=parse_date, metavar="DATE", help="The day it happened."),
]


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="Full name.")],
    role: Annotated[
        NetworkRole, choice_option(NetworkRole, "--role", help=f"The member's role: {_ROLES}.")
    ],
    org: Annotated[str, typer.Option("--org", help="The organisation they work for.")],
    core: Annotated[
        bool,
        typer.Option(
            "--core/--wider",
            help="The core group (tuumikgrupp) or the wider network (laiem võrgustik).",
        ),
    ] = True,
    email: Annotated[str | None, typer.Option("--email", help="Work e-mail address.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="Work phone number.")] = None,
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
) -> None:
    """Add a specialist to the network and print the new reference (M-001).

    \b
    Example: rvneet network add --name 'Kati Kask' --role youth-worker --org 'Viljandi noortekeskus' --email kati@example.ee
    """
    from rvneet.services.network import add_member, member_record

    with database(ctx).session(write=True) as session:
        member = add_member(
            session,
            name=name,
            role=role,
            org=org,
            tier=Tier.CORE if core else Tier.WIDER,
            email=email,
            phone=phone,
        )
        record = member_record(member)
    typer.echo(to_json(record) if fmt is CreatedFormat.JSON else record["member"])


@app.command("list")
def list_(
    ctx: typer.Context,
    role: Annotated[
        NetworkRole | None, choice_option(NetworkRole, "--role", help="Only this role.")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Include retired members (kept for history).")
    ] = False,
    fmt: ListFormatOption = OutputFormat.TABLE,
) -> None:
    """List the network's members by name (Estonian alphabetical order); retired ones with --all.

    \b
    Example: rvneet network list --role police --format csv
    """
    from rvneet.services.network import MEMBER_FIELDS, list_members

    with database(ctx).session() as session:
        rows = list_members(session, role=role, include_retired=all_)
    columns = {**MEMBER_COLUMNS, "retired_on": N_("Retired")} if all_ else MEMBER_COLUMNS
    print_listing(
        rows,
        fmt,
        columns,
        N_("Network members"),
        fields=MEMBER_FIELDS,
        values={"role": NetworkRole, "tier": Tier},
    )


@app.command("show")
def show(
    ctx: typer.Context,
    ref: MemberRef,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table for people; json for scripts.")
    ] = OutputFormat.TABLE,
) -> None:
    """Show a network member with the cases they take part in and the activities they provide.

    \b
    Example: rvneet network show M-001
    """
    from rvneet.services.network import member_detail

    if fmt is OutputFormat.CSV:
        raise typer.BadParameter(_("network show prints table or json"), param_hint="'--format'")
    with database(ctx).session() as session:
        record = member_detail(session, ref)
    if fmt is OutputFormat.JSON:
        typer.echo(to_json(record))
        return
    details = {
        _("Name"): record["name"],
        _("Role"): shown_stored(NetworkRole, record["role"]),
        _("Organisation"): record["org"],
        _("Tier"): shown_stored(Tier, record["tier"]),
        _("E-mail"): record["email"] or "—",
        _("Phone"): record["phone"] or "—",
    }
    if record["retired_on"]:
        details[_("Retired")] = record["retired_on"]
    print_rich(
        table(
            _("Network member {ref}").format(ref=record["member"]),
            [{"k": k, "v": v} for k, v in details.items()],
            DETAIL_COLUMNS,
        ),
        table(N_("Cases"), record["cases"], SHOW_CASES, values={"model": Model})
        if record["cases"]
        else _("No cases."),
        table(
            N_("Support activities"),
            record["activities"],
            SHOW_ACTIVITIES,
            values={"status": ActivityStatus},
        )
        if record["activities"]
        else _("No support activities."),
    )


# A two-column table of labels and values has no headers (a space: "" would be looked up in
# the catalog, whose entry for "" is its own header).
DETAIL_COLUMNS = {"k": " ", "v": " "}
SHOW_CASES = {
    "case": N_("Case"),
    "model": N_("Model"),
    "added": N_("Added"),
    "removed": N_("Removed"),
    "trusted_person": N_("Trusted person"),
}
SHOW_ACTIVITIES = {
    "case": N_("Case"),
    "activity": "#",
    "kind": N_("Activity"),
    "start": N_("Start"),
    "status": N_("State"),
    "ended": N_("Ended"),
}


@app.command("retire")
def retire(ctx: typer.Context, ref: MemberRef, date: DateOption) -> None:
    """Retire a member from the network; they stay in the history of their cases.

    A retired member cannot be added to cases or given activities.

    \b
    Example: rvneet network retire M-003 --date 2025-06-30
    """
    from rvneet.services.network import retire_member

    with database(ctx).session(write=True) as session:
        retired = retire_member(session, ref, date=date)
        member = retired.member.ref
    for message in retired.warnings:
        warn(message)
    typer.echo(member)


@member_app.command("add")
def member_add(
    ctx: typer.Context,
    ref: case_cli.CaseRef,
    member: MemberRef,
    trusted_person: Annotated[
        bool,
        typer.Option(
            "--trusted-person", help="RV: the member is the youth's chosen trusted person."
        ),
    ] = False,
    date: Annotated[
        dt.date | None,
        typer.Option(
            "--date",
            parser=parse_date,
            metavar="DATE",
            help="The day they joined the case. Default: today.",
        ),
    ] = None,
    no_consent_reason: Annotated[
        str | None,
        typer.Option(
            "--no-consent-reason",
            metavar="TEXT",
            help="Why the member is added without the youth's data-sharing consent (kept and audited).",
        ),
    ] = None,
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
) -> None:
    """Add a network member to a case; needs the youth's data-sharing consent on record.

    \b
    Example: rvneet case member add RV-2025-001 M-002 --trusted-person --date 2025-03-10
    """
    from rvneet.services.network import add_case_member
    from rvneet.services.records import plain

    with database(ctx).session(write=True) as session:
        participant = add_case_member(
            session,
            ref,
            member,
            date=date or dt.date.today(),
            trusted_person=trusted_person,
            no_consent_reason=no_consent_reason,
        )
        record = plain(participant, case=ref.strip().upper(), member=member.strip().upper())
    print_created(record["member"], fmt, record)


@member_app.command("remove")
def member_remove(
    ctx: typer.Context, ref: case_cli.CaseRef, member: MemberRef, date: DateOption
) -> None:
    """End a network member's part in a case; it stays in the case's history.

    \b
    Example: rvneet case member remove RV-2025-001 M-002 --date 2025-09-01
    """
    from rvneet.services.network import remove_case_member

    with database(ctx).session(write=True) as session:
        remove_case_member(session, ref, member, date=date)
    typer.echo(member.strip().upper())
