"""`rvneet export FILE` and `rvneet import export FILE`: the whole case book to one file and back."""

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rvneet.cli import importing
from rvneet.cli.common import database, progress_display, warn
from rvneet.i18n import _

if TYPE_CHECKING:
    from rvneet.db import Database


class ExportFormat(StrEnum):
    """The formats of an export file."""

    JSON = "json"
    XLSX = "xlsx"


FormatOpt = Annotated[
    ExportFormat | None,
    typer.Option(
        "--format",
        case_sensitive=False,
        help="json or xlsx. Default: from the file name's extension.",
    ),
]


def export_command(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="The file to write (.json or .xlsx).")
    ],
    fmt: FormatOpt = None,
    pseudonymize: Annotated[
        bool,
        typer.Option(
            "--pseudonymize",
            help=(
                "Leave out names, personal codes, contacts and free text; birth dates to the "
                "month; references as stable pseudonyms. Such a file cannot be imported."
            ),
        ),
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Write the whole case book to one JSON or XLSX file, readable by you only.

    Every table but the audit log (it stays in the database). The file holds the personal data of
    the book, unless --pseudonymize. Load it into a new database with: rvneet import export FILE.
    Shape and rules: docs/export.md.

    \b
    Example: rvneet export kov-2025.json
    """
    from rvneet.services.export import (
        check_target,
        ensure_pseudonym_key,
        export_book,
        export_format,
    )

    db = database(ctx)
    kind = export_format(file, fmt.value if fmt else None)
    check_target(file, force=force, database=db.path)
    if pseudonymize:
        ensure_pseudonym_key(db)
    with progress_display(_("exporting")) as progress, db.session() as session:
        summary = export_book(session, file, kind, pseudonymize, progress, force=force)
    for message in summary["warnings"]:
        warn(message)
    _record(db, kind, pseudonymize, summary["rows"])
    done = (
        _("Exported {tables} tables, {rows} rows to {file} (pseudonymized)")
        if pseudonymize
        else _("Exported {tables} tables, {rows} rows to {file}")
    )
    typer.echo(done.format(tables=summary["tables"], rows=summary["rows"], file=file))


def _record(db: "Database", kind: str, pseudonymize: bool, rows: int) -> None:
    """The export's audit entry, once the file is whole (a failed export leaves no file and no
    entry). A read-only file cannot take it: the export stands, and a warning says so."""
    from rvneet.domain.errors import DatabaseError
    from rvneet.services.audit import record_export

    try:
        with db.session(write=True) as session:
            record_export(session, file_format=kind, pseudonymized=pseudonymize, rows=rows)
    except DatabaseError as exc:
        warn(_("the export is not in the audit log: {reason}").format(reason=exc))


@importing.app.command("export")
def import_export(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(metavar="FILE", help="A file written by rvneet export (.json or .xlsx)."),
    ],
    fmt: FormatOpt = None,
) -> None:
    """Load a file written by rvneet export into a new, empty database, ids and references kept.

    All or nothing, every inserted record audited. Refused: a database that holds records, a
    pseudonymized export, an export from a newer rvneet. The database keeps its own municipality.

    \b
    Example: rvneet --db uus.db import export kov-2025.json
    """
    from rvneet.services.export import load_book

    db = database(ctx)
    with (
        importing.interrupted_import(),
        progress_display(_("importing")) as progress,
        db.session(write=True) as session,
    ):
        summary = load_book(session, file, progress, fmt=fmt.value if fmt else None)
    lines = [
        _("Imported {tables} tables, {rows} rows from {file}").format(
            tables=summary["tables"], rows=summary["rows"], file=file
        )
    ]
    lines += [f"  {note}" for note in summary["notes"]]
    typer.echo("\n".join(lines))
