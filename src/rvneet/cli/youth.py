"""`rvneet youth ...`: register and look up youths."""

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rvneet.cli.common import (
    CreatedFormat,
    CreatedFormatOption,
    LimitOption,
    ListFormatOption,
    OutputFormat,
    PageOption,
    choice_option,
    confirm,
    database,
    page_of,
    parse_date,
    print_created,
    print_page,
    print_rich,
    table,
    to_json,
    warn,
)
from rvneet.cli.completion import complete_youth
from rvneet.cli.prompting import require
from rvneet.domain.enums import ConsentGiver, ConsentScope, Light, Model, RiskLevel, Sex, shown
from rvneet.i18n import N_, _, format_date, message_language, translate

if TYPE_CHECKING:
    from rvneet.db import Database

app = typer.Typer(
    rich_markup_mode=None, help="Register and look up youths (noored).", no_args_is_help=True
)

YOUTH_COLUMNS = {
    "youth": N_("Ref"),
    "name": N_("Name"),
    "birth_date": N_("Birth date"),
    "sex": N_("Sex"),
    "age": N_("Age"),
    "open_cases": N_("Open cases"),
    "status": N_("Status"),
}


def _status(value: str, lang: str) -> str:
    """A youth's status (active, erased) as people read it in `lang`."""
    from rvneet.services.youths import STATUS_LABELS

    return translate(STATUS_LABELS[value], lang) if value in STATUS_LABELS else value


def _text(value: str, lang: str) -> str:
    """Free text (a name, the NGTS list's contacts): an erased value's mark in `lang`."""
    from rvneet.services.erasure import shown_text

    return shown_text(value, lang)


def _birth(value: str, lang: str) -> str:
    """A birth date, or an erased youth's birth month `2010-03` written as `03.2010` in Estonian."""
    if lang == "et" and len(value) == 7 and value[4] == "-":
        return f"{value[5:]}.{value[:4]}"
    return value


def _level(value: str, lang: str) -> str:
    """A case's level: an RV risk level or a NEET traffic light, in its Estonian form."""
    from rvneet.domain.enums import estonian, parse_choice

    for enum in (RiskLevel, Light):
        try:
            return estonian(parse_choice(enum, value))
        except ValueError:
            continue
    return value


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="Full name.")],
    id_code: Annotated[
        str | None,
        typer.Option(
            "--id-code",
            metavar="CODE",
            help="Estonian personal code (isikukood); birth date and sex are taken from it.",
        ),
    ] = None,
    birth_date: Annotated[
        dt.date | None,
        typer.Option(
            "--birth-date",
            parser=parse_date,
            metavar="DATE",
            help="Birth date; needed when there is no personal code.",
        ),
    ] = None,
    sex: Annotated[
        Sex | None,
        choice_option(Sex, "--sex", help="M or F; needed when there is no personal code."),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Refuse, rather than warn, when a youth with the same name, birth date and sex "
            "is already registered (without a personal code).",
        ),
    ] = False,
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
) -> None:
    """Register a youth and print the new reference (Y-0001).

    Without a personal code, a youth already registered with the same name (case, spacing and
    diacritics aside), birth date and sex is warned about; --strict refuses instead.

    \b
    Example: rvneet youth add --name 'Mari Maasikas' --id-code 61001010009
    Example: rvneet youth add --name 'Kadri Põld' --birth-date 2010-05-01 --sex F --strict
    """
    from rvneet.services.youths import register_youth, youth_record

    if id_code is None:  # on a terminal, what a youth without a personal code needs is asked for
        require(
            ctx, *(name for name, value in (("birth_date", birth_date), ("sex", sex)) if not value)
        )
    with database(ctx).session(write=True) as session:
        added = register_youth(
            session, name=name, id_code=id_code, birth_date=birth_date, sex=sex, strict=strict
        )
        record = youth_record(added.youth)
    for message in added.warnings:
        warn(message)
    typer.echo(to_json(record) if fmt is CreatedFormat.JSON else record["youth"])


@app.command("list")
def list_(
    ctx: typer.Context,
    fmt: ListFormatOption = OutputFormat.TABLE,
    limit: LimitOption = None,
    page: PageOption = 1,
) -> None:
    """List youths with their number of open cases (no personal codes); a table shows a page at
    a time.

    \b
    Example: rvneet youth list --format csv
    """
    from dataclasses import replace

    from rvneet.services.youths import list_youths

    with database(ctx).session() as session:
        paged = list_youths(session, page_of(fmt, limit, page))
    if fmt is OutputFormat.TABLE:  # an erased youth's birth month, where the date was
        rows = [{**r, "birth_date": r["birth_date"] or r["birth_month"]} for r in paged.rows]
        paged = replace(paged, rows=rows)
    print_page(
        paged,
        fmt,
        YOUTH_COLUMNS,
        N_("Youths"),
        N_("youths"),
        values={"sex": Sex, "status": _status, "birth_date": _birth, "name": _text},
    )


@app.command("show")
def show(
    ctx: typer.Context,
    ref: Annotated[
        str,
        typer.Argument(
            help="The youth's reference (Y-0001) or full personal code.",
            autocompletion=complete_youth,
        ),
    ],
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table for people; json for scripts.")
    ] = OutputFormat.TABLE,
) -> None:
    """Show one youth with their cases and consents (a withdrawal is its own row). Who looked is
    recorded in the audit log.

    \b
    Example: rvneet youth show Y-0001
    """
    from rvneet.services.youths import youth_detail

    if fmt is OutputFormat.CSV:  # refused before the reading is recorded
        raise typer.BadParameter(_("youth show prints table or json"), param_hint="'--format'")
    # A write session: the reading is recorded in the audit log.
    with database(ctx).session(write=True) as session:
        record = youth_detail(session, ref)
    if fmt is OutputFormat.JSON:
        typer.echo(to_json(record))
        return
    from rvneet.services.erasure import shown_reason

    lang = message_language()
    details = {
        _("Name"): _text(record["name"], lang),
        _("Personal code"): record["id_code"] or "—",
        _("Birth date"): record["birth_date"]
        or _("{month} (month only)").format(month=_birth(record["birth_month"], lang)),
        _("Sex"): shown(Sex(record["sex"])),
        _("Age today"): record["age"] if record["age"] is not None else "—",
    }
    if record["erased_on"]:
        details[_("Status")] = _("erased on {date}").format(
            date=format_date(record["erased_on"], lang)
        )
        details[_("Erasure reason")] = shown_reason(record["erasure_reason"])
    print_rich(
        table(
            _("Youth {ref}").format(ref=record["youth"]),
            [{"k": k, "v": v} for k, v in details.items()],
            DETAIL_COLUMNS,
        ),
        table(N_("Cases"), record["cases"], CASE_COLUMNS, values={"level": _level, "model": Model})
        if record["cases"]
        else _("No cases."),
        consent_table(record["consents"]),
    )
    for entry in record["ngts"]:
        listed = {
            translate(label): _text(entry[key], lang)
            for key, label in NGTS_DETAILS.items()
            if entry[key]
        }
        print_rich(
            table(
                _("On the NGTS list of {date}").format(date=format_date(entry["list_date"], lang)),
                [{"k": k, "v": v} for k, v in listed.items()],
                DETAIL_COLUMNS,
            )
        )


CONSENT_COLUMNS = {
    "date": N_("Date"),
    "scope": N_("Scope"),
    "given_by": N_("Given by"),
    "withdrawn": N_("Withdrawn"),
    "record": N_("Record"),  # K-…, for case correct and case withdraw
}


def consent_table(consents: list[dict[str, Any]], history: bool = False) -> Any:
    """A youth's consent records (`youth show`, `case show`) as a table, or a line saying there
    are none; a withdrawal is its own row, so the history shows what was in force when."""
    if not consents:
        return _("No consents.")
    # With `case show --history`: a consent record withdrawn as recorded by mistake (not a withdrawal
    # of consent, which is a record of its own).
    extra = {"withdrawn_at": N_("Record withdrawn")} if history else {}
    return table(
        N_("Consents"),
        consents,
        {**CONSENT_COLUMNS, **extra},
        values={"scope": ConsentScope, "given_by": ConsentGiver},
    )


# A two-column table of labels and values has no headers (a space: "" would be looked up in
# the catalog, whose entry for "" is its own header).
DETAIL_COLUMNS = {"k": " ", "v": " "}
CASE_COLUMNS = {
    "case": N_("Case"),
    "model": N_("Model"),
    "start": N_("Start"),
    "end": N_("End"),
    "level": N_("Level"),
}
NGTS_DETAILS = {
    "phone": N_("Phone"),
    "email": N_("E-mail"),
    "address": N_("Address"),
    "guardian": N_("Legal guardian"),
    "guardian_contact": N_("Guardian's contact"),
    "last_education": N_("Last education"),
    "last_employment": N_("Last employment"),
}


@app.command("consent")
def consent(
    ctx: typer.Context,
    ref: Annotated[
        str,
        typer.Argument(
            help="The youth's reference (Y-0001) or full personal code.",
            autocompletion=complete_youth,
        ),
    ],
    date: Annotated[
        dt.date,
        typer.Option("--date", parser=parse_date, metavar="DATE", help="The day it was given."),
    ],
    scope: Annotated[
        ConsentScope,
        choice_option(
            ConsentScope,
            "--scope",
            help="participation (joining the model) or data-sharing (with network members).",
        ),
    ],
    given_by: Annotated[
        ConsentGiver,
        choice_option(ConsentGiver, "--given-by", help="youth, or guardian (for a minor)."),
    ],
    withdraw: Annotated[
        bool, typer.Option("--withdraw", help="Record the withdrawal of the consent.")
    ] = False,
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
) -> None:
    """Record a youth's consent, or its withdrawal; earlier records are kept.

    Network members can be added to a case only while a data-sharing consent is in force. A
    data-sharing consent given by the youth alone below the age of settings consent-age (default
    16) is recorded with a warning that a guardian's consent is expected.

    \b
    Example: rvneet youth consent Y-0001 --date 2025-03-03 --scope data-sharing --given-by guardian
    """
    from rvneet.services.consent import own_consent_warning, record_consent
    from rvneet.services.records import plain

    with database(ctx).session(write=True) as session:
        consent = record_consent(
            session, ref, date=date, scope=scope, given_by=given_by, withdraw=withdraw
        )
        record = plain(consent, youth=ref.strip().upper())
        guardian_expected = own_consent_warning(session, consent)
    if guardian_expected:
        warn(guardian_expected)
    print_created(record["youth"], fmt, record)


# How `youth erase` names the tables and fields it empties, in Estonian; English shows the
# database's own names (`contacts: note 1, place 1`).
ERASED_TABLES = {
    "cases": N_("case records"),
    "assessments": N_("assessment records"),
    "stage_changes": N_("stage change records"),
    "contacts": N_("contact records"),
    "needs_assessments": N_("needs assessment records"),
    "goals": N_("goal records"),
    "case_members": N_("case network member records"),
    "support_activities": N_("support activity records"),
    "support_requests": N_("support request records"),
    "reopenings": N_("reopening records"),
    "followups": N_("follow-up records"),
    "ngts_entries": N_("NGTS list entry records"),
    "outreach_attempts": N_("outreach attempt records"),
}
ERASED_FIELDS = {
    "cases.ineligible_reason": N_("reason for opening outside the age range"),
    "assessments.instrument": N_("assessment instrument"),
    "stage_changes.note": N_("stage change note"),
    "contacts.note": N_("contact note"),
    "contacts.place": N_("contact place"),
    "needs_assessments.note": N_("needs assessment note"),
    "goals.text": N_("goal text"),
    "goals.reason": N_("goal state reason"),
    "case_members.no_consent_reason": N_("reason for adding without consent"),
    "support_activities.kind": N_("support activity kind"),
    "support_activities.feedback": N_("support activity feedback"),
    "support_activities.provider_note": N_("support provider's note"),
    "support_requests.justification": N_("support request justification"),
    "support_requests.answer_note": N_("support request answer note"),
    "reopenings.reason": N_("reopening reason"),
    "followups.note": N_("follow-up note"),
    "followups.skip_reason": N_("follow-up skip reason"),
    "ngts_entries.phone": N_("phone on the NGTS list"),
    "ngts_entries.email": N_("e-mail on the NGTS list"),
    "ngts_entries.address": N_("address on the NGTS list"),
    "ngts_entries.guardian": N_("legal guardian on the NGTS list"),
    "ngts_entries.guardian_contact": N_("guardian's contact on the NGTS list"),
    "ngts_entries.last_education": N_("last education on the NGTS list"),
    "ngts_entries.last_employment": N_("last employment on the NGTS list"),
    "outreach_attempts.note": N_("outreach attempt note"),
}


def _erased_name(name: str, labels: dict[str, str], short: str, lang: str) -> str:
    """A table or field erasure empties: its label in Estonian, the database's name (`short`) in
    English (and for a name with no label)."""
    return translate(labels[name], lang) if lang == "et" and name in labels else short


def describe_erasure(plan: dict[str, Any]) -> list[str]:
    """What an erasure removes, in lines for people: references and counts, never the values."""
    lang = message_language()
    kept = plan["kept"]
    none = _("none")
    lines = [
        "  "
        + _("name, personal code and birth date (kept: born {month}, sex {sex})").format(
            month=_birth(kept["birth_month"], lang),
            sex=shown(Sex(kept["sex"])),
        ),
        "  " + _("cases: {cases}").format(cases=", ".join(plan["cases"]) or none),
        "  " + _("NGTS list entries: {n} (contacts and guardian)").format(n=plan["ngts_entries"]),
    ]
    by_table: dict[str, list[str]] = {}
    for name, n in plan["fields"].items():
        table_name, _sep, column = name.partition(".")
        if table_name != "youths":
            label = _erased_name(name, ERASED_FIELDS, column, lang)
            by_table.setdefault(table_name, []).append(f"{label} {n}")
    lines.append(
        "  "
        + (
            _("free text and contacts (values):")
            if by_table
            else _("free text and contacts (values): none")
        )
    )
    lines += [
        f"    {_erased_name(name, ERASED_TABLES, name, lang)}: {', '.join(columns)}"
        for name, columns in by_table.items()
    ]
    return lines


def settle_erasure(db: "Database") -> bool:
    """After an erasure has committed: push it through to the file on disk (`settle_on_disk`);
    when another program's open read blocks that, say so (a warning: the erasure itself holds)."""
    from rvneet.services.erasure import settle_on_disk

    if settle_on_disk(db):
        return True
    if db.url:
        warn(
            _(
                "your login may not VACUUM every table of {path}, so the erased values' old row "
                "versions may stay in the server's table files: the database owner runs: "
                "rvneet db check --compact"
            ).format(path=db.where)
        )
        return False
    warn(
        _(
            "another program has {path} open, so the erased values may still be in the file or "
            "its -wal until it is compacted: close that program and run: rvneet db check --compact"
        ).format(path=db.path)
    )
    return False


@app.command("erase")
def erase(
    ctx: typer.Context,
    ref: Annotated[
        str,
        typer.Argument(
            help="The youth's reference (Y-0001) or full personal code.",
            autocompletion=complete_youth,
        ),
    ],
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            help="Why (kept with the youth): e.g. 'request of the youth'. No names or codes.",
        ),
    ],
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (for scripts).")
    ] = False,
    fmt: Annotated[
        CreatedFormat,
        typer.Option("--format", "-f", help="text for people; json what was erased, for scripts."),
    ] = CreatedFormat.TEXT,
) -> None:
    """Erase a youth's personal data for good; the statistics stay.

    Removes the name, personal code and birth date (the birth year-month and sex stay), the
    contacts on NGTS lists, and every free-text field of the youth's cases (notes, places,
    reasons, goals, feedback). Dates, codes and counts stay, so reports give the same numbers.
    A youth with an open case is refused (close it first); an erased youth gets no new case.
    Shows what will be removed, by reference, and asks before erasing unless --yes is given.

    \b
    Example: rvneet youth erase Y-0003 --reason 'request of the youth (GDPR art. 17)'
    """
    from rvneet.services.erasure import erase_youth, erasure_plan

    db = database(ctx)
    if not yes:  # refused before the question, as the erasure itself would be
        with db.session() as session:
            plan = erasure_plan(session, ref, reason)
        typer.echo(_("Erasing {ref} removes, for good:").format(ref=plan["youth"]), err=True)
        for line in describe_erasure(plan):
            typer.echo(line, err=True)
        confirm(_("Erase {ref}?").format(ref=plan["youth"]), err=True)
    with db.session(write=True) as session:
        done = erase_youth(session, ref, reason=reason)
    done["erased_on_disk"] = settle_erasure(db)
    if fmt is CreatedFormat.JSON:
        typer.echo(to_json(done))
    else:
        typer.echo(
            _("Erased {ref} on {date}:").format(
                ref=done["youth"], date=format_date(done["erased_on"], message_language())
            )
        )
        for line in describe_erasure(done):
            typer.echo(line)
