"""`rvneet staff ...`: the people who work in the book (case managers, coordinators, admins)."""

import datetime as dt
from typing import Annotated

import typer

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
from rvneet.cli.completion import complete_staff
from rvneet.domain.enums import StaffRole, shown_stored
from rvneet.i18n import N_, _

app = typer.Typer(
    rich_markup_mode=None,
    help="The staff register (töötajad): the people who work in the book and their logins.",
    no_args_is_help=True,
)

STAFF_COLUMNS = {
    "staff": N_("Ref"),
    "name": N_("Name"),
    "user": N_("Login"),
    "role": N_("Role"),
    "open_cases": N_("Open cases"),
}  # the e-mail is in json and csv, and in `staff show`
_ROLES = ", ".join(role.value for role in StaffRole)

StaffRef = Annotated[
    str,
    typer.Argument(
        metavar="S",
        help="The staff member's reference, e.g. S-0001.",
        autocompletion=complete_staff,
    ),
]


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="Full name.")],
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            metavar="LOGIN",
            help="Their login: what RVNEET_USER (or --user before the command) is when they "
            "work. Unique. On a PostgreSQL server the login is created there (no password) and "
            "given their role, as rvneet access grant does.",
        ),
    ] = None,
    role: Annotated[
        StaffRole,
        choice_option(StaffRole, "--role", help=f"What they do: {_ROLES}."),
    ] = StaffRole.CASE_MANAGER,
    email: Annotated[str | None, typer.Option("--email", help="Work e-mail address.")] = None,
    capacity: Annotated[
        int | None,
        typer.Option(
            "--capacity",
            metavar="N",
            help="The weighted load they can carry (report workload: a red situation weighs 3, "
            "yellow 2, green 1 by default); above it they are over capacity.",
        ),
    ] = None,
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
) -> None:
    """Add a person to the staff register and print the new reference (S-0001).

    A case manager with a login manages the cases they open without --manager.

    \b
    Example: rvneet staff add --name 'Kadri Põld' --user kadri --email kadri@example.ee --capacity 20
    """
    from rvneet.services.access import give_staff_login
    from rvneet.services.staff import add_staff, staff_record

    with database(ctx).session(write=True) as session:
        added = add_staff(session, name=name, user=user, role=role, email=email, capacity=capacity)
        # On a server the login is made there too, in the role's group (`rvneet access grant`).
        give_staff_login(session, added.staff)
        record = staff_record(added.staff, 0)
    for message in added.warnings:
        warn(message)
    print_created(record["staff"], fmt, record)


@app.command("edit")
def edit(
    ctx: typer.Context,
    ref: StaffRef,
    name: Annotated[str | None, typer.Option("--name", help="The new full name.")] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            metavar="LOGIN",
            help="The new login (RVNEET_USER when they work); '' removes it.",
        ),
    ] = None,
    role: Annotated[
        StaffRole | None, choice_option(StaffRole, "--role", help=f"The new role: {_ROLES}.")
    ] = None,
    email: Annotated[
        str | None, typer.Option("--email", help="The new e-mail address; '' removes it.")
    ] = None,
    capacity: Annotated[
        int | None,
        typer.Option(
            "--capacity",
            metavar="N",
            help="The new capacity: the weighted load they can carry (report workload); 0 "
            "removes it.",
        ),
    ] = None,
) -> None:
    """Change a staff member's name, login, role, e-mail or capacity; what is not given stays as
    it is.

    Give a login to staff made from the case managers' names of an older book.

    \b
    Examples: rvneet staff edit S-0001 --user kadri
              rvneet staff edit S-0001 --capacity 20
    """
    from rvneet.services.access import give_staff_login
    from rvneet.services.staff import edit_staff

    if name is None and user is None and role is None and email is None and capacity is None:
        raise typer.BadParameter(
            _("give at least one of --name, --user, --role, --email, --capacity"),
            param_hint="'--name'",
        )
    with database(ctx).session(write=True) as session:
        staff = edit_staff(
            session, ref, name=name, user=user, role=role, email=email, capacity=capacity
        )
        if user or role:
            # On a server the login follows (a login in another role's group is refused there).
            give_staff_login(session, staff)
        shown = staff.ref
    typer.echo(shown)


@app.command("list")
def list_(
    ctx: typer.Context,
    all_: Annotated[
        bool, typer.Option("--all", help="Include retired staff (kept for history).")
    ] = False,
    fmt: ListFormatOption = OutputFormat.TABLE,
) -> None:
    """List the staff by name (Estonian alphabetical order) with their open cases.

    \b
    Example: rvneet staff list --all --format csv
    """
    from rvneet.services.staff import STAFF_FIELDS, list_staff

    with database(ctx).session() as session:
        rows = list_staff(session, include_retired=all_)
    columns = {**STAFF_COLUMNS, "retired_on": N_("Retired")} if all_ else STAFF_COLUMNS
    print_listing(rows, fmt, columns, N_("Staff"), fields=STAFF_FIELDS, values={"role": StaffRole})


# A two-column table of labels and values has no headers (a space: "" would be looked up in
# the catalog, whose entry for "" is its own header).
DETAIL_COLUMNS = {"k": " ", "v": " "}


@app.command("show")
def show(
    ctx: typer.Context,
    ref: StaffRef,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table for people; json for scripts.")
    ] = OutputFormat.TABLE,
) -> None:
    """Show a staff member with the number and references of the open cases they manage.

    \b
    Example: rvneet staff show S-0001
    """
    from rvneet.services.staff import staff_detail

    if fmt is OutputFormat.CSV:
        raise typer.BadParameter(_("staff show prints table or json"), param_hint="'--format'")
    with database(ctx).session() as session:
        record = staff_detail(session, ref)
    if fmt is OutputFormat.JSON:
        typer.echo(to_json(record))
        return
    details = {
        _("Name"): record["name"],
        _("Login"): record["user"] or "—",
        _("Role"): shown_stored(StaffRole, record["role"]),
        _("E-mail"): record["email"] or "—",
        _("Open cases"): str(record["open_cases"]),
        _("Capacity"): str(record["capacity"]) if record["capacity"] else "—",
    }
    if record["cases"]:
        details[_("Cases")] = ", ".join(record["cases"])
    if record["retired_on"]:
        details[_("Retired")] = record["retired_on"]
        details[_("Reason")] = record["retire_reason"]
    print_rich(
        table(
            _("Staff member {ref}").format(ref=record["staff"]),
            [{"k": k, "v": v} for k, v in details.items()],
            DETAIL_COLUMNS,
        )
    )


@app.command("retire")
def retire(
    ctx: typer.Context,
    ref: StaffRef,
    reason: Annotated[str, typer.Option("--reason", help="Why they left (kept in the record).")],
    date: Annotated[
        dt.date | None,
        typer.Option(
            "--date", parser=parse_date, metavar="DATE", help="The day they left (default today)."
        ),
    ] = None,
) -> None:
    """Retire a staff member: they stay the manager in the history of their cases, but get no new
    cases. Their open cases are listed, to be handed over with case reassign.

    \b
    Example: rvneet staff retire S-0002 --date 2025-06-30 --reason "moved to another job"
    """
    from rvneet.services.staff import retire_staff

    with database(ctx).session(write=True) as session:
        retired = retire_staff(session, ref, date=date or dt.date.today(), reason=reason)
        shown = retired.staff.ref
    for message in retired.warnings:
        warn(message)
    typer.echo(shown)
