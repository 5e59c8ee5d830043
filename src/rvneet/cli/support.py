"""`rvneet case support-request|support-answer`: requests to SKA for support (RV agreement 3.5)."""

import datetime as dt
from typing import Annotated

import typer

from rvneet.cli import case as case_cli
from rvneet.cli.common import (
    CreatedFormat,
    CreatedFormatOption,
    choice_option,
    database,
    parse_date,
    print_created,
)
from rvneet.domain.enums import SupportAnswer, SupportKind, shown
from rvneet.i18n import _


@case_cli.app.command("support-request")
def support_request(
    ctx: typer.Context,
    ref: case_cli.CaseRef,
    date: Annotated[
        dt.date,
        typer.Option(
            "--date",
            parser=parse_date,
            metavar="DATE",
            help="The day the written request was sent to SKA.",
        ),
    ],
    kind: Annotated[
        SupportKind,
        choice_option(
            SupportKind,
            "--kind",
            help="implementation (SKA implementation support, counted in Lisa 4) or "
            "process-management (for an especially complex case; needs --justification).",
        ),
    ],
    justification: Annotated[
        str | None,
        typer.Option(
            "--justification",
            metavar="TEXT",
            help="Why the case needs the support; required for process-management.",
        ),
    ] = None,
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
) -> None:
    """Record a written request to SKA for support of an RV case and print its number (1, 2, …).

    \b
    Example: rvneet case support-request RV-2025-001 --date 2025-04-02 --kind process-management --justification "five agencies involved, repeated offences"
    """
    from rvneet.services.records import plain
    from rvneet.services.support import request_support

    with database(ctx).session(write=True) as session:
        request = request_support(session, ref, date=date, kind=kind, justification=justification)
        record = plain(request, case=ref.strip().upper())
    print_created(record["number"], fmt, record)


@case_cli.app.command("support-answer")
def support_answer(
    ctx: typer.Context,
    ref: case_cli.CaseRef,
    number: Annotated[
        int,
        typer.Argument(
            metavar="REQ",
            help="The number of the request within the case, as printed by support-request.",
        ),
    ],
    date: Annotated[
        dt.date,
        typer.Option("--date", parser=parse_date, metavar="DATE", help="The day SKA answered."),
    ],
    granted: Annotated[bool, typer.Option("--granted", help="SKA granted the support.")] = False,
    refused: Annotated[bool, typer.Option("--refused", help="SKA refused the support.")] = False,
    note: Annotated[
        str | None, typer.Option("--note", metavar="TEXT", help="A short note on the answer.")
    ] = None,
) -> None:
    """Record SKA's answer to a support request: give exactly one of --granted and --refused.

    \b
    Example: rvneet case support-answer RV-2025-001 1 --date 2025-04-20 --granted
    """
    from rvneet.services.support import answer_request

    if granted == refused:
        raise typer.BadParameter(
            _("give exactly one of --granted and --refused"), param_hint="'--granted'"
        )
    with database(ctx).session(write=True) as session:
        request = answer_request(session, ref, number, date=date, granted=granted, note=note)
        answer = request.answer
    assert answer is not None  # answer_request has just set it
    # The answer as a word for people (`rahuldatud` in Estonian); --format json is not offered here.
    typer.echo(shown(SupportAnswer(answer)))
