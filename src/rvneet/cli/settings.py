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


@app.command("workload-weights")
def workload_weights(
    ctx: typer.Context,
    red: Annotated[
        int | None,
        typer.Option(
            "--red", metavar="N", help="What a case in a red situation weighs (default 3)."
        ),
    ] = None,
    yellow: Annotated[
        int | None,
        typer.Option(
            "--yellow", metavar="N", help="What a case in a yellow situation weighs (default 2)."
        ),
    ] = None,
    green: Annotated[
        int | None,
        typer.Option(
            "--green", metavar="N", help="What a case in a green situation weighs (default 1)."
        ),
    ] = None,
) -> None:
    """The weights of the traffic light in report workload's weighted load (default 3, 2, 1).

    An open NEET case weighs by the light of its situation on the day; a case manager's weighted
    load is the sum, compared with their capacity (staff edit --capacity). A weight is 0 to 100;
    what is not given stays. Without options, print the weights as they are.

    \b
    Example: rvneet settings workload-weights --red 4 --yellow 2 --green 1
    """
    from rvneet.services.settings import set_workload_weights
    from rvneet.services.settings import workload_weights as current

    if red is None and yellow is None and green is None:
        with database(ctx).session() as session:
            weights = current(session)
    else:
        with database(ctx).session(write=True) as session:
            set_workload_weights(session, red=red, yellow=yellow, green=green)
            weights = current(session)
    typer.echo(_("workload-weights: red {red}, yellow {yellow}, green {green}").format(**weights))


@app.command("consent-age")
def consent_age(
    ctx: typer.Context,
    age: Annotated[
        int | None,
        typer.Argument(
            metavar="N", help="The age, 1 to 18; without it, print the setting as it is."
        ),
    ] = None,
) -> None:
    """The age below which a youth's own data-sharing consent needs a guardian's (default 16).

    A data-sharing consent given by the youth alone (youth consent --given-by youth) while younger
    than this age on its date is still recorded, with a warning that a guardian's consent is
    expected; rvneet check lists such consents in force as a warning (minor-own-consent) until a
    newer record replaces them.

    \b
    Example: rvneet settings consent-age 15
    """
    from rvneet.services.settings import consent_age as current
    from rvneet.services.settings import set_consent_age

    if age is None:
        with database(ctx).session() as session:
            value = current(session)
    else:
        with database(ctx).session(write=True) as session:
            set_consent_age(session, age)
            value = current(session)
    typer.echo(_("consent-age: {age}").format(age=value))
