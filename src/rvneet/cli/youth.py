"""`rvneet youth ...`: register and look up youths."""

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
    print_created,
    print_listing,
    print_rich,
    table,
    to_json,
)
from rvneet.domain.enums import ConsentGiver, ConsentScope, Sex

app = typer.Typer(help="Register and look up youths (noored).", no_args_is_help=True)

YOUTH_COLUMNS = {
    "youth": "Ref",
    "name": "Name",
    "birth_date": "Birth date",
    "sex": "Sex",
    "age": "Age",
    "open_cases": "Open cases",
}


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="Full name.")],
    id_code: Annotated[
        str | None,
        typer.Option(
            "--id-code",
            metavar="CODE",
            help="Estonian personal code (isikukood); birth date and sex are taken from it.",
        ),
    ] = None,
    birth_date: Annotated[
        dt.date | None,
        typer.Option(
            "--birth-date",
            parser=parse_date,
            metavar="YYYY-MM-DD",
            help="Birth date; needed when there is no personal code.",
        ),
    ] = None,
    sex: Annotated[
        Sex | None, typer.Option("--sex", help="M or F; needed when there is no personal code.")
    ] = None,
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
) -> None:
    """Register a youth and print the new reference (Y-0001).

    Example: rvneet youth add --name 'Mari Maasikas' --id-code 61001010009
    """
    from rvneet.services.youths import add_youth, youth_record

    with database(ctx).session(write=True) as session:
        youth = add_youth(session, name=name, id_code=id_code, birth_date=birth_date, sex=sex)
        record = youth_record(youth)
    typer.echo(to_json(record) if fmt is CreatedFormat.JSON else record["youth"])


@app.command("list")
def list_(ctx: typer.Context, fmt: ListFormatOption = OutputFormat.TABLE) -> None:
    """List youths with their number of open cases (no personal codes).

    Example: rvneet youth list --format csv
    """
    from rvneet.services.youths import list_youths

    with database(ctx).session() as session:
        rows = list_youths(session)
    print_listing(rows, fmt, YOUTH_COLUMNS, "Youths")


@app.command("show")
def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="The youth's reference, e.g. Y-0001.")],
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table for people; json for scripts.")
    ] = OutputFormat.TABLE,
) -> None:
    """Show one youth with their cases. Who looked is recorded in the audit log.

    Example: rvneet youth show Y-0001
    """
    from rvneet.services.youths import youth_detail

    if fmt is OutputFormat.CSV:  # refused before the reading is recorded
        raise typer.BadParameter("youth show prints table or json", param_hint="'--format'")
    # A write session: the reading is recorded in the audit log.
    with database(ctx).session(write=True) as session:
        record = youth_detail(session, ref)
    if fmt is OutputFormat.JSON:
        typer.echo(to_json(record))
        return
    details = {
        "Name": record["name"],
        "Personal code": record["id_code"] or "—",
        "Birth date": record["birth_date"],
        "Sex": record["sex"],
        "Age today": record["age"],
    }
    print_rich(
        table(
            f"Youth {record['youth']}",
            [{"k": k, "v": v} for k, v in details.items()],
            {"k": "", "v": ""},
        ),
        table(
            "Cases",
            record["cases"],
            {"case": "Case", "model": "Model", "start": "Start", "end": "End", "level": "Level"},
        )
        if record["cases"]
        else "No cases.",
    )
    for entry in record["ngts"]:
        listed = {label: entry[key] for key, label in NGTS_DETAILS.items() if entry[key]}
        print_rich(
            table(
                f"On the NGTS list of {entry['list_date']}",
                [{"k": k, "v": v} for k, v in listed.items()],
                {"k": "", "v": ""},
            )
        )


NGTS_DETAILS = {
    "phone": "Phone",
    "email": "E-mail",
    "address": "Address",
    "guardian": "Legal guardian",
    "guardian_contact": "Guardian's contact",
    "last_education": "Last education",
    "last_employment": "Last employment",
}


@app.command("consent")
def consent(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="The youth's reference, e.g. Y-0001.")],
    date: Annotated[
        dt.date,
        typer.Option(
            "--date", parser=parse_date, metavar="YYYY-MM-DD", help="The day it was given."
        ),
    ],
    scope: Annotated[
        ConsentScope,
        typer.Option(
            "--scope",
            help="participation (joining the model) or data-sharing (with network members).",
        ),
    ],
    given_by: Annotated[
        ConsentGiver,
        typer.Option("--given-by", help="youth, or guardian (for a minor)."),
    ],
    withdraw: Annotated[
        bool, typer.Option("--withdraw", help="Record the withdrawal of the consent.")
    ] = False,
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
) -> None:
    """Record a youth's consent, or its withdrawal; earlier records are kept.

    Network members can be added to a case only while a data-sharing consent is in force.

    Example: rvneet youth consent Y-0001 --date 2025-03-03 --scope data-sharing --given-by guardian
    """
    from rvneet.services.consent import record_consent
    from rvneet.services.records import plain

    with database(ctx).session(write=True) as session:
        consent = record_consent(
            session, ref, date=date, scope=scope, given_by=given_by, withdraw=withdraw
        )
        record = plain(consent, youth=ref.strip().upper())
    print_created(record["youth"], fmt, record)
