"""`rvneet import ngts`: the NGTS monitoring list of one date (added to the `import` group)."""

import datetime as dt
from typing import Annotated

import typer

from rvneet.cli.common import parse_date
from rvneet.cli.importing import (
    DryRunOpt,
    EncodingOpt,
    ErrorsOpt,
    FileArg,
    FormatOpt,
    OutputOpt,
    SheetOpt,
    SummaryFormat,
    app,
    run_import_command,
)


@app.command("ngts")
def ngts(
    ctx: typer.Context,
    file: FileArg,
    list_date: Annotated[
        dt.date,
        typer.Option(
            "--list-date",
            parser=parse_date,
            metavar="DATE",
            help="The date of the list (it is made in March and October); not in the future.",
        ),
    ],
    fmt: FormatOpt = None,
    encoding: EncodingOpt = None,
    sheet: SheetOpt = None,
    dry_run: DryRunOpt = False,
    errors: ErrorsOpt = None,
    output: OutputOpt = SummaryFormat.TEXT,
) -> None:
    """Import the NGTS monitoring list of one date; all or nothing, and the same list twice changes nothing.

    Each row is a youth with a personal code: new youths are registered, a youth already registered
    is matched by the code (and renamed if the list writes the name otherwise), and the row is kept
    as the youth's entry on the list of that date. The summary names, by reference only, the listed
    youths who are already in an open case. Then see: rvneet outreach list

    Columns (English or Estonian headers): rvneet import template ngts

    \b
    Example: rvneet import ngts ngts-2025-03.csv --list-date 2025-03-15
    """
    run_import_command(
        ctx,
        "ngts",
        file,
        fmt=fmt,
        encoding=encoding,
        sheet=sheet,
        dry_run=dry_run,
        errors=errors,
        output=output,
        options={"list_date": list_date},
    )
