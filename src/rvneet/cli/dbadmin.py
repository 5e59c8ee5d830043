"""`rvneet db ...`: back up, check and restore the database file."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from rvneet.cli.common import OutputFormat, database, print_listing, to_json
from rvneet.domain.errors import DatabaseError

app = typer.Typer(
    rich_markup_mode=None,
    help=(
        "Back up, check and restore the database file.\n\n"
        "Backups are consistent copies, safe to make while others are working, and readable by\n"
        "you only. A restore first saves the current database beside it."
    ),
    no_args_is_help=True,
)


class RecordFormat(StrEnum):
    """How the outcome of a backup or restore is printed."""

    TEXT = "text"
    JSON = "json"


class CheckFormat(StrEnum):
    """How the results of `db check` are printed."""

    TABLE = "table"
    JSON = "json"


RecordFormatOption = Annotated[
    RecordFormat,
    typer.Option("--format", "-f", help="text for people; json for scripts."),
]

CHECK_COLUMNS = {"check": "Check", "result": "Result", "detail": "Detail"}


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


@app.command("backup")
def backup(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="The backup file to write; its folder must exist.",
            show_default=False,
        ),
    ],
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
    fmt: RecordFormatOption = RecordFormat.TEXT,
) -> None:
    """Copy the database to FILE, readable by you only; safe while others are working.

    \b
    Example: rvneet db backup rvneet-backup.db
    """
    from rvneet.services.maintenance import backup_database

    info = backup_database(database(ctx), file, force=force)
    if fmt is RecordFormat.JSON:
        typer.echo(to_json(info.as_dict()))
    else:
        typer.echo(
            f"Backed up {info.database} to {info.backup} "
            f"({_size(info.size)}, schema {info.revision})"
        )


@app.command("check")
def check(
    ctx: typer.Context,
    full: Annotated[
        bool,
        typer.Option("--full", help="Run SQLite's full integrity_check instead of quick_check."),
    ] = False,
    fmt: Annotated[
        CheckFormat,
        typer.Option("--format", "-f", help="table for people; json for scripts."),
    ] = CheckFormat.TABLE,
) -> None:
    """Check the database file for damage, broken references and its schema version; read-only.

    Exits with 4 when a check finds a problem. To check a backup: rvneet --db FILE db check

    \b
    Example: rvneet db check --full
    """
    from rvneet.services.maintenance import check_database

    db = database(ctx)
    path = db.path
    results = check_database(path, full=full, key=db.key)
    rows = [r.as_dict() for r in results]
    print_listing(rows, OutputFormat(fmt.value), CHECK_COLUMNS, f"Check of {path}")
    failed = [r.check for r in results if not r.ok]
    if failed:
        raise DatabaseError(f"{path} has problems: {', '.join(failed)} (see the listing above)")


@app.command("restore")
def restore(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(metavar="FILE", help="The backup to restore.", show_default=False),
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    fmt: RecordFormatOption = RecordFormat.TEXT,
) -> None:
    """Replace the database's content with the backup FILE; the current one is saved beside it.

    The current database is copied to <name>.before-restore-<UTC time> first. A backup made by an
    older rvneet is upgraded; one from a newer rvneet is refused.

    \b
    Example: rvneet db restore rvneet-backup.db --yes
    """
    from rvneet.services.maintenance import SAFETY_COPY_INFIX, plan_restore, restore_database

    db = database(ctx)
    plan = plan_restore(db, file)
    if not yes:
        if plan.replaces_existing:
            typer.echo(
                f"The current content is saved first as {db.path.name}{SAFETY_COPY_INFIX}<UTC time>."
            )
        typer.confirm(
            f"Replace the content of {db.path} with {plan.source} (schema {plan.source_revision})?",
            abort=True,
        )
    info = restore_database(db, file)
    if fmt is RecordFormat.JSON:
        typer.echo(to_json(info.as_dict()))
        return
    if info.safety_copy:
        typer.echo(f"Saved the previous database as {info.safety_copy}")
    typer.echo(f"Restored {info.database} from {info.source} (schema {info.revision})")
