"""`rvneet db ...`: back up, check, restore and copy the database."""

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rvneet.cli.common import (
    OutputFormat,
    confirm,
    current_language,
    database,
    database_key,
    print_listing,
    progress_display,
    to_json,
)
from rvneet.domain.errors import DatabaseError
from rvneet.i18n import N_, _

if TYPE_CHECKING:
    from rvneet.db import Database

app = typer.Typer(
    rich_markup_mode=None,
    help=(
        "Back up, check, restore and copy the database.\n\n"
        "Backups are consistent copies, safe to make while others are working, and readable by\n"
        "you only. A restore first saves the current database beside it. A copy moves a whole\n"
        "book from a file to a PostgreSQL server, or back."
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


def _admin(db: "Database") -> "Database":
    """The book, once the person at the keyboard is known to be its admin (db commands)."""
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

    A book on a PostgreSQL server is dumped with pg_dump --format=custom (PostgreSQL's client
    tools must be installed); db restore reads that file back.

    \b
    Example: rvneet db backup rvneet-backup.db
    """
    from rvneet.services.maintenance import backup_database

    info = backup_database(_admin(database(ctx)), file, force=force)
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
            "triggers. On a server book: amcheck also checks that every index holds every row.",
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

    On a PostgreSQL server: the schema version, every table present, every constraint validated,
    every index valid, the audit log's chain and triggers, and the index pages with amcheck where
    that extension is installed (else the check says it was skipped).

    \b
    Example: rvneet db check --full
    """
    from rvneet.services.maintenance import (
        check_database,
        check_name,
        check_result,
        check_server,
    )

    db = _admin(database(ctx))
    path = db.where
    if compact:
        _compact(db)
    if db.url:
        results = check_server(db, full=full)
    else:
        results = check_database(db.path, full=full, key=db.key)
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

    done = compact_database(db)
    if not done and db.url:
        raise DatabaseError(
            _(
                "your login may not VACUUM FULL every table of {path}, so old data may still be "
                "in the server's table files; the database owner runs db check --compact"
            ).format(path=db.where)
        )
    if not done:
        raise DatabaseError(
            _(
                "compacted {path}, but another program has it open, so old data may still be in "
                "the file or its -wal; close that program and run db check --compact again"
            ).format(path=db.where)
        )
    typer.echo(
        _("Compacted {path}: deleted and erased data are no longer in the file").format(
            path=db.where
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
    older rvneet is upgraded; one from a newer rvneet is refused. On a PostgreSQL server, FILE is
    a dump of db backup, restored by pg_restore in one transaction, and the current content is
    first dumped beside FILE as <database>.before-restore-<UTC time>.dump.

    \b
    Example: rvneet db restore rvneet-backup.db --yes
    """
    from rvneet.services.maintenance import SAFETY_COPY_INFIX, plan_restore, restore_database

    db = _admin(database(ctx))
    plan = plan_restore(db, file)
    if not yes:
        if plan.replaces_existing:
            typer.echo(
                _("The current content is saved first as {name}<UTC time>.").format(
                    name=plan.safety_name or f"{db.path.name}{SAFETY_COPY_INFIX}"
                )
            )
        confirm(
            _("Replace the content of {path} with {source} (schema {schema})?").format(
                path=db.where, source=plan.source, schema=plan.source_revision
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


@app.command("copy")
def copy(
    ctx: typer.Context,
    source: Annotated[
        str,
        typer.Argument(
            metavar="SOURCE",
            help="The book to copy, as --db takes it: a file or postgresql://…; only read.",
            show_default=False,
        ),
    ],
    target: Annotated[
        str,
        typer.Argument(
            metavar="TARGET",
            help="Where to copy it, as --db takes it: an empty PostgreSQL database (or one just "
            "made by rvneet init), or a file that does not exist yet (or is empty).",
            show_default=False,
        ),
    ],
    fmt: RecordFormatOption = RecordFormat.TEXT,
) -> None:
    """Copy a whole book from SOURCE into the empty TARGET, e.g. a file to a PostgreSQL server.

    Everything is copied in one transaction on TARGET: its schema, every table with the ids kept,
    and the audit log as it is, followed by one entry for the copy. Before it commits, the copy is
    checked: the rows of every table, the audit chain (as audit verify does), and Lisa 4 and the
    NEET report of every half-year of the book give the same JSON on both sides. Anything that
    differs rolls it all back, and TARGET stays empty. SOURCE must be at this rvneet's schema.

    \b
    Example: rvneet db copy rvneet.db 'postgresql://kadri@db.example.ee/rvneet_viljandi'
    """
    from rvneet.db import Database, resolve_location
    from rvneet.services.audit import current_user, given_user
    from rvneet.services.book_copy import copy_book

    option = ctx.find_root().params.get("user")
    books = []
    for address in (source, target):
        location = resolve_location(address)
        if isinstance(location, str):
            # On a server the connection's login is who works, as for every other command.
            books.append(Database.at(location, given_user(option)))
        else:
            books.append(Database.at(location, current_user(option), database_key(location)))
    _admin(books[0])
    with progress_display(N_("Copying rows")) as progress:
        info = copy_book(books[0], books[1], progress)
    if fmt is RecordFormat.JSON:
        typer.echo(to_json(info.as_dict()))
        return
    typer.echo(
        _("Copied {source} to {target}: {rows} rows in {tables} tables").format(
            source=info.source, target=info.target, rows=info.rows, tables=len(info.tables)
        )
    )
    typer.echo(
        _("Audit log intact on the target: {n} entries, newest hash {hash}").format(
            n=info.audit_entries, hash=info.last_hash
        )
    )
    if info.periods:
        typer.echo(
            _("Lisa 4 and NEET reports the same on both sides for {periods}").format(
                periods=", ".join(info.periods)
            )
        )
    else:
        typer.echo(_("No cases, so no reports to compare"))
