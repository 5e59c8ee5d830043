"""`rvneet db ...`: back up, check and restore the database file."""

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rvneet.cli.common import (
    OutputFormat,
    confirm,
    current_language,
    database,
    print_listing,
    to_json,
)
from rvneet.domain.errors import DatabaseError
from rvneet.i18n import N_, _

if TYPE_CHECKING:
    from rvneet.db import Database

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
    typer.Option("--format", "-f", case_sensitive=False, help="text for people; json for scripts."),
]

CHECK_COLUMNS = {"check": N_("Check"), "result": N_("Result"), "detail": N_("Detail")}
# Answers to the restore's question in Estonian (English keeps Click's y/N).


def _size(n: int) -> str:
    if n < 1024:
        return _("{n} bytes").format(n=n)
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KiB"
    size = f"{n / (1024 * 1024):.1f}"
    if current_language() == "et":
        size = size.replace(".", ",")  # Estonian writes 1,5 MiB
    return f"{size} MiB"


def _file_only(db: "Database", command: str) -> "Database":
    """Refuse, in one line, a command that works on a database file when the book is on a
    PostgreSQL server (the server's own tools, pg_dump and pg_restore, copy it there)."""
    if db.url:
        raise DatabaseError(
            _(
                "rvneet {command} works on a database file; for the PostgreSQL database {url} "
                "use the server's own tools (pg_dump, pg_restore)"
            ).format(command=command, url=db.where)
        )
    from rvneet.services.permissions import require_db

    require_db(db)
    return db


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

    info = backup_database(_file_only(database(ctx), "db backup"), file, force=force)
    if fmt is RecordFormat.JSON:
        typer.echo(to_json(info.as_dict()))
    else:
        typer.echo(
            _("Backed up {database} to {backup} ({size}, schema {schema})").format(
                database=info.database,
                backup=info.backup,
                size=_size(info.size),
                schema=info.revision,
            )
        )


@app.command("check")
def check(
    ctx: typer.Context,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Run SQLite's full integrity_check instead of quick_check, and check the audit "
            "log: against the records, its hash chain (as audit verify does) and its append-only "
            "triggers.",
        ),
    ] = False,
    fmt: Annotated[
        CheckFormat,
        typer.Option(
            "--format", "-f", case_sensitive=False, help="table for people; json for scripts."
        ),
    ] = CheckFormat.TABLE,
    compact: Annotated[
        bool,
        typer.Option(
            "--compact",
            help="First compact the file (a write), so that erased data leave the disk.",
        ),
    ] = False,
) -> None:
    """Check the database file for damage, broken references and its schema version; read-only.

    Exits with 4 when a check finds a problem. To check a backup: rvneet --db FILE db check

    \b
    Example: rvneet db check --full
    """
    from rvneet.services.maintenance import check_database, check_name, check_result

    db = _file_only(database(ctx), "db check")
    path = db.path
    if compact:
        _compact(db)
    results = check_database(path, full=full, key=db.key)
    # JSON keeps its English texts for scripts; a table is read in the user's language.
    lang = "en" if fmt is CheckFormat.JSON else current_language()
    rows = [r.as_dict(lang) for r in results]
    print_listing(
        rows,
        OutputFormat(fmt.value),
        CHECK_COLUMNS,
        _("Check of {path}").format(path=path),
        values={"check": check_name, "result": check_result},
    )
    failed = [check_name(r.check, current_language()) for r in results if not r.ok]
    if failed:
        raise DatabaseError(
            _("{path} has problems: {checks} (see the listing above)").format(
                path=path, checks=", ".join(failed)
            )
        )


def _compact(db: "Database") -> None:
    """`db check --compact`: rebuild the file and empty its -wal, or say why it could not."""
    from rvneet.services.erasure import compact_database

    if not compact_database(db):
        raise DatabaseError(
            _(
                "compacted {path}, but another program has it open, so old data may still be in "
                "the file or its -wal; close that program and run db check --compact again"
            ).format(path=db.path)
        )
    typer.echo(
        _("Compacted {path}: deleted and erased data are no longer in the file").format(
            path=db.path
        ),
        err=True,
    )


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

    db = _file_only(database(ctx), "db restore")
    plan = plan_restore(db, file)
    if not yes:
        if plan.replaces_existing:
            typer.echo(
                _("The current content is saved first as {name}<UTC time>.").format(
                    name=f"{db.path.name}{SAFETY_COPY_INFIX}"
                )
            )
        confirm(
            _("Replace the content of {path} with {source} (schema {schema})?").format(
                path=db.path, source=plan.source, schema=plan.source_revision
            )
        )
    info = restore_database(db, file)
    if fmt is RecordFormat.JSON:
        typer.echo(to_json(info.as_dict()))
        return
    if info.safety_copy:
        typer.echo(_("Saved the previous database as {path}").format(path=info.safety_copy))
    typer.echo(
        _("Restored {database} from {source} (schema {schema})").format(
            database=info.database, source=info.source, schema=info.revision
        )
    )
