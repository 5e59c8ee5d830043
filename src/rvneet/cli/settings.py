"""`rvneet settings ...`: settings of this database that change what rvneet does."""

from enum import StrEnum
from typing import Annotated

import typer

from rvneet.cli.common import database
from rvneet.i18n import _

app = typer.Typer(
    rich_markup_mode=None,
    help="Settings of this database (kept in it, recorded in the audit log).",
    no_args_is_help=True,
)


class OnOff(StrEnum):
    """A setting turned on or off."""

    ON = "on"
    OFF = "off"


@app.command("rv-followup")
def rv_followup(
    ctx: typer.Context,
    state: Annotated[
        OnOff | None,
        typer.Argument(
            case_sensitive=False, help="on or off; without it, print the setting as it is."
        ),
    ] = None,
) -> None:
    """Whether closing an RV case schedules the 6-month follow-up (default on).

    The follow-up contact 6 months after the end is the NEET cooperation model's (stage 3.6); the RV
    agreement does not ask for it. rvneet schedules it for RV cases too as good practice, and
    rvneet check reports an overdue one as a warning (rv-followup-overdue). Turning it off leaves
    follow-ups already scheduled as they are.

    \b
    Example: rvneet settings rv-followup off
    """
    from rvneet.services.settings import rv_followup as current
    from rvneet.services.settings import set_rv_followup

    if state is None:
        with database(ctx).session() as session:
            on = current(session)
    else:
        with database(ctx).session(write=True) as session:
            set_rv_followup(session, state is OnOff.ON)
            on = current(session)
    typer.echo(_("rv-followup: on") if on else _("rv-followup: off"))
