"""`rvneet retention`: find, and erase, the youths kept longer than the retention period."""

import sys
from typing import Annotated, Any

import typer

from rvneet.cli.common import (
    ListFormatOption,
    OutputFormat,
    database,
    print_listing,
    print_rich,
    table,
    to_json,
)

RETENTION_COLUMNS = {"youth": "Youth", "last_activity": "Last activity", "basis": "Dated by"}


def retention_command(
    ctx: typer.Context,
    older_than: Annotated[
        int | None,
        typer.Option(
            "--older-than",
            metavar="YEARS",
            help="The retention period in years. Default: the stored one (5 unless set).",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run/--apply",
            help="--dry-run (the default) only lists; --apply erases the youths listed.",
        ),
    ] = True,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="With --apply: do not ask for confirmation.")
    ] = False,
    set_default: Annotated[
        int | None,
        typer.Option(
            "--set-default",
            metavar="YEARS",
            help="Store YEARS as this database's retention period, and do nothing else.",
        ),
    ] = None,
    fmt: ListFormatOption = OutputFormat.TABLE,
) -> None:
    """List (or with --apply erase) the youths whose data is kept longer than the retention period.

    A youth is due when none of their cases is open and the later of their last case closing and
    the last NGTS list they were on is longer ago than the period. A youth with no case is dated by
    their NGTS lists; a youth with neither cannot be dated and is never erased here (they are named
    as "not judged": erase them with `rvneet youth erase`). --apply erases every youth listed, as
    `rvneet youth erase` does, in one transaction. Lists by reference only. The period is 5 years
    unless --older-than is given or --set-default stored another.

    \b
    Example: rvneet retention --older-than 5 --apply --yes
    """
    from rvneet.services.erasure import (
        apply_retention,
        check_years,
        retention_due,
        retention_years,
        set_retention_years,
    )

    db = database(ctx)
    if set_default is not None:
        if older_than is not None or not dry_run:
            raise typer.BadParameter("give --set-default alone", param_hint="'--set-default'")
        with db.session(write=True) as session:
            previous = set_retention_years(session, set_default)
        typer.echo(f"Retention period: {set_default} years (was {previous})")
        return
    with db.session() as session:
        years = check_years(older_than) if older_than is not None else retention_years(session)
        found = retention_due(session, years=years)
    refs = [row["youth"] for row in found["due"]]
    if not dry_run and refs:
        if not yes:
            _show(found, OutputFormat.TABLE, err=True)
            typer.confirm(f"Erase these {len(refs)} youths for good?", abort=True, err=True)
        with db.session(write=True) as session:
            erased = apply_retention(session, refs, years=years)
        done = {e["youth"] for e in erased}
        for row in found["due"]:
            row["erased"] = row["youth"] in done
        found["due"] = [row for row in found["due"] if row["erased"]]
    found["applied"] = not dry_run
    _show(found, fmt)


def _show(found: dict[str, Any], fmt: OutputFormat, *, err: bool = False) -> None:
    """The listing on stdout, or on stderr before the confirmation question."""
    if fmt is OutputFormat.JSON:
        typer.echo(to_json(found), err=err)
        return
    if fmt is OutputFormat.CSV:
        print_listing(found["due"], fmt, RETENTION_COLUMNS, "", fields=[*RETENTION_COLUMNS])
        return
    verb = "Erased" if found.get("applied") else "Due for erasure"
    years = found["older_than_years"]
    title = (
        f"{verb}: youths with nothing since before {found['cutoff']} "
        f"({years} year{'' if years == 1 else 's'})"
    )
    lines = [f"{title}: none"] if not found["due"] else []
    if found["due"]:
        typer.echo(f"{title}:", err=err)
        print_rich(table(None, found["due"], RETENTION_COLUMNS), file=sys.stderr if err else None)
    if found["not_judged"]:
        lines.append(f"Not judged (no case, no NGTS list): {', '.join(found['not_judged'])}")
    if not found.get("applied") and found["due"] and not err:
        lines.append("Nothing was erased: add --apply to erase them.")
    for line in lines:
        typer.echo(line, err=err)
