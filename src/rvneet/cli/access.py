"""`rvneet access ...`: who may log in to the book, and as which role (admins only)."""

from typing import Annotated

import typer

from rvneet.cli.common import (
    ListFormatOption,
    OutputFormat,
    choice_option,
    database,
    print_listing,
    warn,
)
from rvneet.cli.completion import complete_staff
from rvneet.domain.enums import StaffRole
from rvneet.i18n import N_, _

app = typer.Typer(
    rich_markup_mode=None,
    help="Logins and roles (ligipääs): who may work in the book, and what their role lets them see. "
    "On a PostgreSQL server the server enforces it; a book in a file is protected by its file "
    "permissions only.",
    no_args_is_help=True,
)

ACCESS_COLUMNS = {
    "login": N_("Login"),
    "staff": N_("Ref"),
    "role": N_("Role"),
    "retired_on": N_("Retired"),
    "on_server": N_("On the server"),
    "can_log_in": N_("Can log in"),
}
_ROLES = ", ".join(role.value for role in StaffRole)

Login = Annotated[
    str,
    typer.Argument(
        metavar="LOGIN",
        help="The person's login: their PostgreSQL login on a server, RVNEET_USER on a file.",
    ),
]


@app.command("grant")
def grant(
    ctx: typer.Context,
    login: Login,
    role: Annotated[
        StaffRole,
        choice_option(StaffRole, "--role", help=f"The role they work in: {_ROLES}."),
    ],
    staff: Annotated[
        str | None,
        typer.Option(
            "--staff",
            metavar="S",
            help="Whose login it is (S-0001, a login or a name); default: the staff member who "
            "has this login already.",
            autocompletion=complete_staff,
        ),
    ] = None,
) -> None:
    """Give a staff member a login and a role.

    The staff record gets the login and the role. On a PostgreSQL server the login is also created
    there when missing (without a password: set one with ALTER ROLE … PASSWORD, or use
    certificates), made a member of the role's group role and allowed to connect to this database;
    the server then shows them only what the role may see. On a file only the login is mapped.

    \b
    Example: rvneet access grant kadri --role case-manager --staff S-0001
    """
    from rvneet.services.access import grant_access

    with database(ctx).session(write=True) as session:
        granted = grant_access(session, login, role=role, staff_ref=staff)
        ref = granted.staff.ref
    if not granted.server:
        warn(
            _(
                "a book in a file has no logins of its own: whoever can open the file reads it "
                "all; keep it readable by its owner only"
            )
        )
    elif granted.created:
        typer.echo(
            _(
                "created the login {login} on the server without a password: set one with "
                "ALTER ROLE or use certificates"
            ).format(login=login.strip())
        )
    typer.echo(
        _("{login} works as {role} for {staff}").format(
            login=login.strip(), role=role.value, staff=ref
        )
    )


@app.command("list")
def list_(ctx: typer.Context, fmt: ListFormatOption = OutputFormat.TABLE) -> None:
    """List the logins: whose they are, their role, and on a server whether the login exists there
    and can log in to this book.

    \b
    Examples: rvneet access list
              rvneet access list --format csv
    """
    from rvneet.services.access import ACCESS_FIELDS, list_access

    with database(ctx).session() as session:
        rows = list_access(session)
    print_listing(
        rows, fmt, ACCESS_COLUMNS, N_("Logins"), fields=ACCESS_FIELDS, values={"role": StaffRole}
    )


@app.command("revoke")
def revoke(ctx: typer.Context, login: Login) -> None:
    """Take a login's access away on the server: out of its group role, no longer allowed to
    connect to this book. The staff record and the login stay (the audit log names them).

    \b
    Example: rvneet access revoke kadri
    """
    from rvneet.services.access import revoke_access

    with database(ctx).session(write=True) as session:
        staff = revoke_access(session, login)
        ref = staff.ref
    typer.echo(
        _("{login} ({staff}) can no longer log in to this book").format(
            login=login.strip(), staff=ref
        )
    )
