"""`rvneet import …`: load youths, cases, assessments and contacts from CSV, XLSX or JSON files."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rvneet.cli.common import (
    checked_output,
    current_language,
    database,
    print_rich,
    progress_display,
    to_json,
)
from rvneet.domain.visible import visible
from rvneet.i18n import N_, _, translate

if TYPE_CHECKING:
    from rvneet.services.imports.base import ImportResult

app = typer.Typer(
    rich_markup_mode=None,
    help=(
        "Import youths, cases, assessments, contacts and the NGTS list from CSV, XLSX or JSON.\n\n"
        "All or nothing: if any row is bad, nothing is written and every bad row is listed.\n"
        "Importing the same file again changes nothing. Columns: rvneet import template KIND,\n"
        "and docs/import.md."
    ),
    no_args_is_help=True,
)


# The summary of each kind of import, and of its dry run (JSON keeps the kind as it is). One whole
# line per kind: a kind's name alone ("youths") is another text elsewhere ("12 of 40 youths").
SUMMARIES = {
    "youths": (
        N_("youths from {file}: {new} new, {updated} updated, {unchanged} unchanged, 0 refused"),
        N_(
            "youths from {file}: {new} new, {updated} updated, {unchanged} unchanged, 0 refused "
            "(dry run: nothing was written)"
        ),
    ),
    "cases": (
        N_("cases from {file}: {new} new, {updated} updated, {unchanged} unchanged, 0 refused"),
        N_(
            "cases from {file}: {new} new, {updated} updated, {unchanged} unchanged, 0 refused "
            "(dry run: nothing was written)"
        ),
    ),
    "assessments": (
        N_(
            "assessments from {file}: {new} new, {updated} updated, {unchanged} unchanged, "
            "0 refused"
        ),
        N_(
            "assessments from {file}: {new} new, {updated} updated, {unchanged} unchanged, "
            "0 refused (dry run: nothing was written)"
        ),
    ),
    "contacts": (
        N_("contacts from {file}: {new} new, {updated} updated, {unchanged} unchanged, 0 refused"),
        N_(
            "contacts from {file}: {new} new, {updated} updated, {unchanged} unchanged, 0 refused "
            "(dry run: nothing was written)"
        ),
    ),
    "ngts": (
        N_("ngts from {file}: {new} new, {updated} updated, {unchanged} unchanged, 0 refused"),
        N_(
            "ngts from {file}: {new} new, {updated} updated, {unchanged} unchanged, 0 refused "
            "(dry run: nothing was written)"
        ),
    ),
}
# What `import template KIND` says it wrote.
TEMPLATE_WRITTEN = {
    "youths": N_("Wrote the youths template to {path}"),
    "cases": N_("Wrote the cases template to {path}"),
    "assessments": N_("Wrote the assessments template to {path}"),
    "contacts": N_("Wrote the contacts template to {path}"),
    "ngts": N_("Wrote the ngts template to {path}"),
}
# The progress display's label while a kind is imported.
PROGRESS_LABELS = {
    "youths": N_("importing youths"),
    "cases": N_("importing cases"),
    "assessments": N_("importing assessments"),
    "contacts": N_("importing contacts"),
    "ngts": N_("importing ngts"),
}


class FileFormatChoice(StrEnum):
    """The format of a file to import."""

    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


class SummaryFormat(StrEnum):
    """How the import's summary is printed."""

    TEXT = "text"
    JSON = "json"


# The exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130
# The characters `import template --delimiter` takes; `rvneet import` sniffs either back.
TEMPLATE_DELIMITERS = (";", ",")


class TemplateFormat(StrEnum):
    """The format of a template."""

    CSV = "csv"
    XLSX = "xlsx"


class Lang(StrEnum):
    """The language of column headers."""

    ET = "et"
    EN = "en"


FileArg = Annotated[
    Path, typer.Argument(metavar="FILE", help="The file to import (.csv, .xlsx or .json).")
]
FormatOpt = Annotated[
    FileFormatChoice | None,
    typer.Option(
        "--format", help="The file's format. Default: from its extension.", case_sensitive=False
    ),
]
EncodingOpt = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        help="CSV text encoding, e.g. utf-8 or cp1257. Default: detected (UTF-8, else Windows-1257).",
    ),
]
SheetOpt = Annotated[
    str | None, typer.Option("--sheet", help="XLSX: the sheet to read. Default: the first.")
]
DryRunOpt = Annotated[
    bool,
    typer.Option("--dry-run", help="Check the file and say what would change; write nothing."),
]
ErrorsOpt = Annotated[
    Path | None,
    typer.Option(
        "--errors",
        metavar="FILE",
        help="Write the bad rows, with a reason column, to this CSV or XLSX file to fix and re-import.",
    ),
]
OutputOpt = Annotated[
    SummaryFormat,
    typer.Option("--output", "-o", help="text for people; json for scripts (the summary)."),
]


@contextmanager
def interrupted_import() -> Iterator[None]:
    """Ctrl-C inside the block says in one line that nothing was imported, and exits 130.

    The import's one transaction has been rolled back (and the progress display, entered inside
    this block, closed) by then: no traceback, no crash report; 130 is what shells report for
    a command stopped by SIGINT.
    """
    try:
        yield
    except KeyboardInterrupt:
        print(_("Interrupted: nothing was imported"), file=sys.stderr)
        raise typer.Exit(EXIT_INTERRUPTED) from None


def run_import_command(
    ctx: typer.Context,
    kind: str,
    file: Path,
    *,
    fmt: FileFormatChoice | None,
    encoding: str | None,
    sheet: str | None,
    dry_run: bool,
    errors: Path | None,
    output: SummaryFormat,
    options: dict[str, Any] | None = None,
) -> None:
    """Run an import and print its summary; on bad rows list them, write `--errors`, and fail."""
    from rvneet.services.imports import run_import
    from rvneet.services.imports.base import ImportRefused

    if errors is not None:
        # Refused before the import runs: never the database, its files, or the file imported.
        errors = checked_output(ctx, errors, "--errors", inputs=[file])
    db = database(ctx)
    with interrupted_import(), progress_display(translate(PROGRESS_LABELS[kind])) as progress:
        try:
            result = run_import(
                db,
                kind,
                file,
                fmt=fmt.value if fmt else None,
                encoding=encoding,
                sheet=sheet,
                dry_run=dry_run,
                progress=progress,
                options=options,
            )
        except ImportRefused as exc:
            _refused(exc.result, errors, output)
            raise
    _summary(result, output)


def _refused(result: "ImportResult", errors: Path | None, output: SummaryFormat) -> None:
    if errors is not None:
        from rvneet.services.imports.errors_file import write_errors_file

        write_errors_file(errors, result)
    from rvneet.domain.personal_code import redact_codes

    # A cell is quoted back to say what is wrong with it; a personal code in the wrong column is not
    # (the --errors file, private to its owner, keeps the row as it was).
    if output is SummaryFormat.JSON:
        typer.echo(redact_codes(to_json(result.summary())))
        return
    for error in result.errors:
        print(f"  {visible(redact_codes(error.line()))}", file=sys.stderr)
    if errors is not None:
        print(
            _("The bad rows, with the reasons, are in {path}").format(path=errors), file=sys.stderr
        )


def _summary(result: "ImportResult", output: SummaryFormat) -> None:
    if output is SummaryFormat.JSON:
        typer.echo(to_json(result.summary()))
        return
    written, dry_run = SUMMARIES[result.kind]
    head = translate(dry_run if result.dry_run else written).format(
        file=result.file, new=result.new, updated=result.updated, unchanged=result.unchanged
    )
    for note in result.notes:
        head += f"\n  {note}"
    typer.echo(head)


def _make_command(kind: str, example: str, what: str) -> None:
    def command(
        ctx: typer.Context,
        file: FileArg,
        fmt: FormatOpt = None,
        encoding: EncodingOpt = None,
        sheet: SheetOpt = None,
        dry_run: DryRunOpt = False,
        errors: ErrorsOpt = None,
        output: OutputOpt = SummaryFormat.TEXT,
    ) -> None:
        run_import_command(
            ctx,
            kind,
            file,
            fmt=fmt,
            encoding=encoding,
            sheet=sheet,
            dry_run=dry_run,
            errors=errors,
            output=output,
        )

    command.__doc__ = (
        f"Import {what}; all or nothing, and the same file twice changes nothing.\n\n"
        f"Columns (English or Estonian headers): rvneet import template {kind}\n\n"
        f"\b\nExample: {example}"
    )
    app.command(kind)(command)


_make_command(
    "youths",
    "rvneet import youths noored.xlsx --dry-run",
    "youths, matched to those registered by reference or personal code",
)
_make_command(
    "cases",
    "rvneet import cases juhtumid.csv --errors vead.csv",
    "cases: new ones are opened (and closed, with an end date) as by rvneet case open",
)
_make_command(
    "assessments",
    "rvneet import assessments hindamised.csv",
    "risk assessments (RV) and traffic lights (NEET) of cases in the book",
)
_make_command(
    "contacts",
    "rvneet import contacts kontaktid.csv",
    "contacts with youths and network meetings of cases in the book",
)


@app.command("template")
def template(
    ctx: typer.Context,
    kind: Annotated[
        str,
        typer.Argument(metavar="KIND", help="youths, cases, assessments, contacts or ngts."),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the template here (0600). Default: CSV on standard output.",
        ),
    ] = None,
    fmt: Annotated[
        TemplateFormat | None,
        typer.Option(
            "--format",
            help="csv or xlsx. Default: from --output's extension, else csv.",
            case_sensitive=False,
        ),
    ] = None,
    lang: Annotated[
        Lang | None,
        typer.Option(
            "--lang",
            help=(
                "Column headers in Estonian (et) or English (en). Default: the global --lang, "
                "else RVNEET_LANG, else the locale, else English."
            ),
            case_sensitive=False,
        ),
    ] = None,
    delimiter: Annotated[
        str | None,
        typer.Option(
            "--delimiter",
            metavar="; or ,",
            help=(
                "CSV: the character between cells. Default: ; in a file (as Excel in Estonian "
                "expects), , on the screen. Example: --delimiter ,"
            ),
        ),
    ] = None,
) -> None:
    """An empty import file with the column headers and one example row.

    A CSV file is UTF-8 with a byte order mark and ; between cells, so that Excel in Estonian opens
    it as columns; --delimiter , gives commas. rvneet import reads either.

    \b
    Example: rvneet import template youths --lang et --output noored.xlsx
    Example: rvneet import template youths --lang et --format csv --output noored.csv
    """
    from rvneet.services.imports.templates import template_rows, write_template

    chosen_lang = lang.value if lang else current_language()
    header, example = template_rows(kind, chosen_lang)
    chosen = fmt.value if fmt else None
    if delimiter is not None and delimiter not in TEMPLATE_DELIMITERS:
        raise typer.BadParameter(
            _("the delimiter is ; or , (quote it in the shell: --delimiter ';')"),
            param_hint="'--delimiter'",
        )
    if output is None:
        if chosen == "xlsx":
            raise typer.BadParameter(
                _("an XLSX template needs --output FILE"), param_hint="'--format'"
            )
        from rvneet.files.write import write_csv

        # On the screen or in a pipe: commas and no byte order mark, as before, unless asked.
        write_csv(sys.stdout, header, [example], delimiter=delimiter or ",")
        return
    output = checked_output(ctx, output, "--output")
    write_template(output, header, example, chosen, delimiter=delimiter or ";", lang=chosen_lang)
    print_rich(translate(TEMPLATE_WRITTEN[kind]).format(path=output))
