"""`rvneet retention`: find, and erase, the youths kept longer than the retention period."""

import sys
from typing import Annotated, Any

import typer

from rvneet.cli.common import (
    ListFormatOption,
    OutputFormat,
    confirm,
    database,
    print_listing,
    print_rich,
    table,
    to_json,
)
from rvneet.i18n import N_, _, format_date, message_language, ngettext, translate

RETENTION_COLUMNS = {
    "youth": N_("Youth"),
    "last_activity": N_("Last activity"),
    "basis": N_("Dated by"),
}


def _basis(value: str, lang: str) -> str:
    """What dated a youth (case, ngts-list) as people read it in `lang`."""
    from rvneet.services.erasure import BASIS_LABELS

    return translate(BASIS_LABELS[value], lang) if value in BASIS_LABELS else value


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
            raise typer.BadParameter(_("give --set-default alone"), param_hint="'--set-default'")
        with db.session(write=True) as session:
            previous = set_retention_years(session, set_default)
        typer.echo(
            ngettext(
                "Retention period: {years} year (was {previous})",
                "Retention period: {years} years (was {previous})",
                set_default,
            ).format(years=set_default, previous=previous)
        )
        return
    with db.session() as session:
        years = check_years(older_than) if older_than is not None else retention_years(session)
        found = retention_due(session, years=years)
    refs = [row["youth"] for row in found["due"]]
    if not dry_run and refs:
        if not yes:
            _show(found, OutputFormat.TABLE, err=True)
            question = ngettext(
                "Erase this {n} youth for good?", "Erase these {n} youths for good?", len(refs)
            )
            confirm(question.format(n=len(refs)), err=True)
        with db.session(write=True) as session:
            erased = apply_retention(session, refs, years=years)
        if erased:
            from rvneet.cli.youth import settle_erasure

            found["erased_on_disk"] = settle_erasure(db)
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
    years = found["older_than_years"]
    if found.get("applied"):
        title = ngettext(
            "Erased: youths with nothing since before {cutoff} ({years} year)",
            "Erased: youths with nothing since before {cutoff} ({years} years)",
            years,
        )
    else:
        title = ngettext(
            "Due for erasure: youths with nothing since before {cutoff} ({years} year)",
            "Due for erasure: youths with nothing since before {cutoff} ({years} years)",
            years,
        )
    title = title.format(cutoff=format_date(found["cutoff"], message_language()), years=years)
    lines = [_("{title}: none").format(title=title)] if not found["due"] else []
    if found["due"]:
        typer.echo(f"{title}:", err=err)
        print_rich(
            table(None, found["due"], RETENTION_COLUMNS, values={"basis": _basis}),
            file=sys.stderr if err else None,
        )
    if found["not_judged"]:
        lines.append(
            _("Not judged (no case, no NGTS list): {refs}").format(
                refs=", ".join(found["not_judged"])
            )
        )
    if not found.get("applied") and found["due"] and not err:
        lines.append(_("Nothing was erased: add --apply to erase them."))
    for line in lines:
        typer.echo(line, err=err)
