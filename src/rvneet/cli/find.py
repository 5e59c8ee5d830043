"""`rvneet find TEXT`: find youths, cases, NGTS list entries, network members and staff."""

from typing import Annotated, Any

import typer

from rvneet.cli.common import (
    ListFormatOption,
    OutputFormat,
    database,
    plain,
    print_listing,
    print_rich,
    warn,
)
from rvneet.i18n import N_, _, translate

DEFAULT_LIMIT = 20

COLUMNS = {
    "kind": N_("Kind"),
    "reference": N_("Ref"),
    "name": N_("Name"),
    "code_end": N_("Personal code"),
    "birth_date": N_("Birth date"),
    "matched": N_("Matched by"),
    "status": N_("Status"),
}


def _kind(value: str, lang: str) -> str:
    from rvneet.services.find import KIND_LABELS

    return translate(KIND_LABELS[value], lang) if value in KIND_LABELS else value


def _matched(value: str, lang: str) -> str:
    from rvneet.services.find import MATCH_LABELS

    return translate(MATCH_LABELS[value], lang) if value in MATCH_LABELS else value


def _label(value: str, lang: str) -> str:
    """A name as shown: an erased one's mark in `lang` (stored text is escaped by the table)."""
    from rvneet.services.erasure import shown_text

    return shown_text(value, lang)


def _status(record: dict[str, Any]) -> str | None:
    """A hit's status: erased, or for another case manager's youth whether they have an open case."""
    if record["erased"]:
        return _("erased")
    if record["open_case_elsewhere"] is None:
        return None
    if record["open_case_elsewhere"]:
        return _("another case manager's: open case")
    return _("another case manager's: no open case")


def find_command(
    ctx: typer.Context,
    text: Annotated[
        str,
        typer.Argument(
            help="A part of a name, a personal code or its last 4 digits, a birth date or a "
            "reference (Y-0001, RV-2025-001, NEET-2025-001, M-001)."
        ),
    ],
    fmt: ListFormatOption = OutputFormat.TABLE,
    limit: Annotated[
        int,
        typer.Option("--limit", metavar="N", min=0, help="Show at most N hits; 0 for every hit."),
    ] = DEFAULT_LIMIT,
) -> None:
    """Find youths (by name, personal code or its last 4 digits, birth date), cases, NGTS list
    entries (by the guardian's name), network members and staff (by name or login).

    Names are matched by any part, without case or diacritics (pold finds Põld). A personal code
    is never shown in full, only its last 4 digits; finding a youth by personal code is recorded
    in the audit log. Erased youths are found only by their reference. A case manager sees a youth
    of other case managers' cases by reference only, with whether they have an open case
    (open_case_elsewhere).

    \b
    Examples: rvneet find pold
              rvneet find 0124
              rvneet find 15.03.2010 --format json
    """
    from rvneet.services.find import FIELDS, find, needs_audit

    # A search by personal code is an audited read, so only it takes a write session.
    with database(ctx).session(write=needs_audit(text)) as session:
        hits = find(session, text)
    shown = hits[:limit] if limit else hits
    rows: list[dict[str, Any]] = [hit.record() for hit in shown]
    if fmt is OutputFormat.TABLE:  # the name wraps; an erased youth says so; the dots say
        # the rest of the personal code is hidden (only its last 4 digits are ever shown)
        rows = [
            {
                **r,
                "name": r["label"],
                "code_end": f"…{r['code_end']}" if r["code_end"] else None,
                "status": _status(r),
            }
            for r in rows
        ]
    print_listing(
        rows,
        fmt,
        COLUMNS,
        N_("Found"),
        fields=FIELDS,
        values={
            "kind": _kind,
            "matched": _matched,
            "name": _label,
        },
    )
    if len(shown) < len(hits):
        line = _("{shown} of {total} hits shown; every hit: --limit 0").format(
            shown=len(shown), total=len(hits)
        )
        if fmt is OutputFormat.TABLE:
            print_rich(plain(line, "dim"))
        else:
            warn(line)
