"""`rvneet audit ...`: who changed or looked at what, when, old → new; and checking the log's chain."""

import datetime as dt
import sys
from collections.abc import Iterable
from typing import Annotated, Any

import typer

from rvneet.cli.common import (
    ListFormatOption,
    OutputFormat,
    current_language,
    database,
    parse_date,
    print_rich,
    table,
    warn,
)
from rvneet.cli.completion import complete_record
from rvneet.i18n import N_, _, translate

DEFAULT_LIMIT = 100

# The help is the callback's docstring: what the listing shows, and in which order.
app = typer.Typer(rich_markup_mode=None, invoke_without_command=True)

COLUMNS = {
    "when": N_("When (UTC)"),
    "user": N_("User"),
    "action": N_("Action"),
    "ref": N_("Ref"),
    "record": N_("Record"),
    "detail": N_("Changes"),
}
# An entry's action as people read it in a table (the log, JSON and CSV keep the code).
ACTIONS = {
    "insert": N_("added"),
    "update": N_("changed"),
    "delete": N_("deleted"),
    "read": N_("viewed"),
    "restore": N_("restored"),
    "grant": N_("access given"),
    "revoke": N_("access taken away"),
    "copy": N_("copied"),
    "export": N_("exported"),
}


def shown_action(action: str, lang: str) -> str:
    """An audit entry's action in `lang`: its code (`insert`) in English, a word in Estonian."""
    if lang == "en" or action not in ACTIONS:
        return action
    return translate(ACTIONS[action], lang)


@app.callback()
def audit(
    ctx: typer.Context,
    ref: Annotated[
        str | None,
        typer.Option(
            "--ref",
            metavar="REF",
            help="Entries of one record: a youth (Y-0001) or a case with everything recorded on "
            "it (RV-2025-001).",
            autocompletion=complete_record,
        ),
    ] = None,
    since: Annotated[
        dt.date | None,
        typer.Option(
            "--since",
            parser=parse_date,
            metavar="DATE",
            help="Entries from this day on (UTC).",
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            help="Entries of one user, as recorded (after `audit`; before it, --user says who you are).",
        ),
    ] = None,
    entity: Annotated[
        str | None,
        typer.Option(
            "--entity", help="Entries of one kind of record, e.g. youths, cases, contacts."
        ),
    ] = None,
    limit: Annotated[
        int,
        typer.Option("--limit", min=0, metavar="N", help="The newest N entries; 0 for all."),
    ] = DEFAULT_LIMIT,
    fmt: ListFormatOption = OutputFormat.TABLE,
) -> None:
    """List who changed or looked at what, when, old → new: oldest first, newest last.

    --limit keeps the newest entries. Times are UTC. Names, personal codes, contacts and notes
    show as redacted and birth dates as year-month: the log never holds them.
    json: one object per entry (id, at, user, action, entity, entity_id, ref, changes).
    csv: one row per changed field (id, at, user, action, entity, entity_id, ref, field, old, new).

    \b
    Example: rvneet audit --ref RV-2025-001
    """
    if ctx.invoked_subcommand is not None:
        return
    from rvneet.services.audit_trail import (
        CHANGE_FIELDS,
        AuditQuery,
        audit_entries,
        change_rows,
        describe_changes,
        entity_label,
    )

    # A table asks for one entry more than it shows, to say when there are more.
    wanted = (limit + 1 if fmt is OutputFormat.TABLE else limit) if limit else None
    query = AuditQuery(ref=ref, since=since, user=user, entity=entity, limit=wanted)
    with database(ctx).session() as session:
        entries = audit_entries(session, query)
        if fmt is OutputFormat.JSON:
            _print_json(entries)
            return
        if fmt is OutputFormat.CSV:
            from rvneet.files.write import write_csv

            rows = change_rows(entries)
            write_csv(sys.stdout, CHANGE_FIELDS, ([r[f] for f in CHANGE_FIELDS] for r in rows))
            return
        lang = current_language()
        shown = [
            {
                **entry,
                "when": entry["at"][:16].replace("T", " "),
                "record": f"{entity_label(entry['entity'], lang)} {entry['entity_id']}",
                # "[redacted]" is text, not rich markup: `table` never reads cells as markup.
                "detail": describe_changes(entry, lang),
            }
            for entry in entries
        ]
    if not shown:
        print_rich(_("Audit log: none"))
        return
    more = bool(limit) and len(shown) > limit
    print_rich(
        table(
            N_("Audit log (oldest first)"),
            shown[1:] if more else shown,
            COLUMNS,
            values={"action": shown_action},
        )
    )
    if more:
        # English says "entries" for any N (as always); Estonian words it to fit any N too.
        warn(_("only the newest {n} entries are shown; --limit 0 shows all").format(n=limit))


def _print_json(entries: Iterable[dict[str, Any]]) -> None:
    """A JSON array written entry by entry (a whole log need not fit in memory), formatted as
    `to_json` formats a list."""
    from rvneet.cli.common import to_json

    out = sys.stdout
    first = True
    for entry in entries:
        out.write("[\n" if first else ",\n")
        out.write("  " + to_json(entry).replace("\n", "\n  "))
        first = False
    out.write("[]\n" if first else "\n]\n")


@app.command("verify")
def verify(
    ctx: typer.Context,
    expect: Annotated[
        str | None,
        typer.Option(
            "--expect",
            metavar="HASH",
            help="A newest hash noted from an earlier verify: it must still be in the chain, so "
            "entries cut from the end or a rewritten log are found too.",
        ),
    ] = None,
) -> None:
    """Check the audit log's hash chain: finds an entry edited, deleted, inserted or moved.

    Also checks that the triggers that keep the log append-only are there as rvneet created them,
    and on a PostgreSQL server that row-level security is enabled and forced on every table
    holding personal data (one line per table that is not).

    Exits 0 with the number of entries and the newest hash (note it somewhere else, to check
    later with --expect), 1 naming the first broken entry, or a trigger missing or changed.

    \b
    Example: rvneet audit verify
    """
    from rvneet.domain.errors import RvneetError
    from rvneet.services.audit_trail import verify_chain

    expected = expect.strip().lower() if expect else None
    with database(ctx).session() as session:
        check = verify_chain(session, expected)
    if check.broken_id is not None:
        raise RvneetError(
            _(
                "audit log broken at entry {id}: {problem}; the {n} entries before it are intact"
            ).format(id=check.broken_id, problem=check.problem_text(), n=check.entries)
        )
    if check.trigger_problems:
        raise RvneetError(
            _(
                "audit log not protected from changes: {problems}; its {n} entries fit the chain"
            ).format(
                problems="; ".join(
                    translate(text).format(**fields) for text, fields in check.trigger_problems
                ),
                n=check.entries,
            )
        )
    if check.access_problems:
        # One line per table, then the refusal: each is something the administrator must fix.
        for text, fields in check.access_problems:
            typer.echo(translate(text).format(**fields), err=True)
        raise RvneetError(
            _(
                "personal data on the server is not protected by row-level security: {n} tables; "
                "its {entries} audit entries fit the chain"
            ).format(n=len(check.access_problems), entries=check.entries)
        )
    if expected is not None and check.expected_id is None:
        raise RvneetError(
            _(
                "no entry of the audit log has the hash {hash}: entries were cut from its end, "
                "or it was rewritten, since that hash was noted"
            ).format(hash=expected)
        )
    typer.echo(
        _("audit log intact: {n} entries; newest hash {hash}").format(
            n=check.entries, hash=check.last_hash
        )
    )
    if check.expected_id is not None:
        typer.echo(
            _("the expected hash is entry {id}: the log up to it is unchanged").format(
                id=check.expected_id
            )
        )
