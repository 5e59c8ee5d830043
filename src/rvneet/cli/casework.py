"""`rvneet case stage|contact|needs`: the daily work on a case."""

import datetime as dt
from typing import Annotated

import typer

from rvneet.cli import case as case_cli
from rvneet.cli.common import (
    CreatedFormat,
    CreatedFormatOption,
    choice_option,
    current_language,
    database,
    parse_date,
    parse_domain_score,
    print_created,
    yes_no,
)
from rvneet.domain.enums import (
    Assessor,
    ContactChannel,
    NeedCategory,
    NetworkRole,
    WelfareDomain,
    YesNo,
    choices_text,
    estonian_forms_text,
    parse_choice,
)
from rvneet.domain.stages import STAGES
from rvneet.i18n import _

_STAGE_HELP = "; ".join(
    f"{model.value.upper()}: " + ", ".join(stage.name for stage in stages)
    for model, stages in STAGES.items()
)
# A stage may also be typed by its Estonian name (any case, with or without diacritics).
_STAGE_HELP_ET = "; ".join(
    f"{model.value.upper()}: " + ", ".join(stage.estonian for stage in stages)
    for model, stages in STAGES.items()
)

DateOption = Annotated[
    dt.date,
    typer.Option("--date", parser=parse_date, metavar="DATE", help="The day it happened."),
]
NoteOption = Annotated[str | None, typer.Option("--note", help="A short note.")]


@case_cli.app.command("stage")
def stage(
    ctx: typer.Context,
    ref: case_cli.CaseRef,
    stage_name: Annotated[
        str,
        typer.Argument(
            metavar="STAGE", help=f"The stage. {_STAGE_HELP}. Estonian: {_STAGE_HELP_ET}."
        ),
    ],
    date: DateOption,
    note: NoteOption = None,
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
) -> None:
    """Record that a case moved into a stage of its model on a date.

    Stages may repeat or go back, but not be dated before the case start, after its end or before
    the previous change. Closing a case moves it to follow-up by itself.

    \b
    Example: rvneet case stage RV-2025-001 network --date 2025-03-10
    """
    from rvneet.domain.stages import stage_label
    from rvneet.services.casework import change_stage
    from rvneet.services.lookups import get_case
    from rvneet.services.records import plain

    with database(ctx).session(write=True) as session:
        change = change_stage(session, ref, stage_name, date=date, note=note)
        record = plain(change, case=ref.strip().upper())
        model = get_case(session, ref).model
    # The stage in the user's words (`tegevuskava`); --format json keeps its machine name.
    print_created(stage_label(record["stage"], model, current_language()), fmt, record)


@case_cli.app.command("contact")
def contact(
    ctx: typer.Context,
    ref: case_cli.CaseRef,
    date: DateOption,
    channel: Annotated[
        ContactChannel,
        choice_option(ContactChannel, "--channel", help="email, sms, phone, meeting or online."),
    ],
    place: Annotated[
        str | None, typer.Option("--place", help="Where a meeting took place.")
    ] = None,
    with_roles: Annotated[
        list[NetworkRole] | None,
        choice_option(
            NetworkRole,
            "--with",
            help="Network roles present; repeat for several, e.g. --with police.",
        ),
    ] = None,
    network: Annotated[
        bool, typer.Option("--network", help="An RV network meeting (needs --channel meeting).")
    ] = False,
    note: NoteOption = None,
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
) -> None:
    """Record a contact with the youth, or a network meeting (--channel meeting --network).

    The first contact's date is the case's contact date (a key indicator of the NEET model).

    \b
    Example: rvneet case contact NEET-2025-001 --date 2025-01-22 --channel meeting --place "noortekeskus"
    """
    from rvneet.services.casework import record_contact
    from rvneet.services.records import plain

    with database(ctx).session(write=True) as session:
        contact = record_contact(
            session,
            ref,
            date=date,
            channel=channel,
            place=place,
            with_roles=tuple(with_roles or ()),
            network_meeting=network,
            note=note,
        )
        record = plain(contact, case=ref.strip().upper())
    print_created(record["case"], fmt, record)


@case_cli.app.command("needs")
def needs(
    ctx: typer.Context,
    ref: case_cli.CaseRef,
    date: DateOption,
    need: Annotated[
        list[NeedCategory] | None,
        choice_option(
            NeedCategory,
            "--need",
            help="A need category; repeat for several: education, work, health, institutional-care, "
            "risk-behaviour, life-event, obligations, other.",
        ),
    ] = None,
    neet_months: Annotated[
        int | None, typer.Option("--neet-months", help="Months spent NEET at first contact.")
    ] = None,
    motivation: Annotated[
        int | None, typer.Option("--motivation", help="The youth's motivation, 1 (low) to 5.")
    ] = None,
    domain: Annotated[
        list[str] | None,
        typer.Option(
            "--domain",
            metavar="NAME=SCORE",
            help="For a youth under 18: a child-welfare triangle domain scored 1–5 (physical, health, "
            "psychological, emotional, social, cognitive, educational, economic, parenting); repeat. "
            "Estonian: " + estonian_forms_text(WelfareDomain) + ".",
        ),
    ] = None,
    note: NoteOption = None,
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
    education: Annotated[
        YesNo | None,
        choice_option(YesNo, "--education", help="Is the youth in education? yes or no."),
    ] = None,
    employment: Annotated[
        YesNo | None,
        choice_option(YesNo, "--employment", help="Is the youth working? yes or no."),
    ] = None,
    wellbeing: Annotated[
        int | None,
        typer.Option(
            "--wellbeing",
            help="The youth's own wellbeing rating, 1–10: the baseline that closing uses.",
        ),
    ] = None,
    by: Annotated[
        Assessor,
        choice_option(
            Assessor,
            "--by",
            help="Who assessed: case-manager (from the youth's information, the default) or "
            "youth (the youth's self-assessment); both are kept side by side.",
        ),
    ] = Assessor.CASE_MANAGER,
) -> None:
    """Record a needs assessment; earlier ones are kept.

    Give at least one --need, --education, --employment or --wellbeing. The first --wellbeing
    recorded is the baseline that closing uses (Table 1 rows 1–2).

    \b
    Examples: rvneet case needs NEET-2025-001 --date 2025-02-01 --need education --need health --neet-months 8 --motivation 3
              rvneet case needs NEET-2025-001 --date 2025-02-01 --by youth --education no --employment no --wellbeing 4
    """
    from rvneet.domain.errors import InvalidInput
    from rvneet.services.casework import record_needs
    from rvneet.services.records import plain

    scores = {}
    for item in domain or ():
        name, score = parse_domain_score(item)
        try:
            scores[parse_choice(WelfareDomain, name)] = score
        except ValueError:
            raise InvalidInput(
                _("{name} is not a child-welfare domain; use one of: {choices}").format(
                    name=repr(name), choices=choices_text(WelfareDomain)
                )
            ) from None
    with database(ctx).session(write=True) as session:
        assessment = record_needs(
            session,
            ref,
            date=date,
            needs=tuple(need or ()),
            neet_months=neet_months,
            motivation=motivation,
            domains=scores,
            note=note,
            in_education=yes_no(education),
            in_employment=yes_no(employment),
            assessed_by=by,
            wellbeing=wellbeing,
        )
        record = plain(
            assessment,
            case=ref.strip().upper(),
            needs=[n.value for n in dict.fromkeys(need or ())],
            domains={d.value: s for d, s in scores.items()},
        )
    print_created(record["case"], fmt, record)
