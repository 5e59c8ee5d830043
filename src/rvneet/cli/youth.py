"""`rvneet youth ...`: register and look up youths."""

import datetime as dt
from typing import Annotated, Any

import typer

from rvneet.cli.common import (
    CreatedFormat,
    CreatedFormatOption,
    LimitOption,
    ListFormatOption,
    OutputFormat,
    PageOption,
    choice_option,
    database,
    page_of,
    parse_date,
    print_created,
    print_page,
    print_rich,
    table,
    to_json,
)
from rvneet.domain.enums import ConsentGiver, ConsentScope, Sex

app = typer.Typer(
    rich_markup_mode=None, help="Register and look up youths (noored).", no_args_is_help=True
)

YOUTH_COLUMNS = {
    "youth": "Ref",
    "name": "Name",
    "birth_date": "Birth date",
    "sex": "Sex",
    "age": "Age",
    "open_cases": "Open cases",
    "status": "Status",
}


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
            metavar="YYYY-MM-DD",
            help="Birth date; needed when there is no personal code.",
        ),
    ] = None,
    sex: Annotated[
        Sex | None,
        choice_option(Sex, "--sex", help="M or F; needed when there is no personal code."),
    ] = None,
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
) -> None:
    """Register a youth and print the new reference (Y-0001).

    \b
    Example: rvneet youth add --name 'Mari Maasikas' --id-code 61001010009
    """
    from rvneet.services.youths import add_youth, youth_record

    with database(ctx).session(write=True) as session:
        youth = add_youth(session, name=name, id_code=id_code, birth_date=birth_date, sex=sex)
        record = youth_record(youth)
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
    print_page(paged, fmt, YOUTH_COLUMNS, "Youths", "youths")


@app.command("show")
def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="The youth's reference, e.g. Y-0001.")],
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table for people; json for scripts.")
    ] = OutputFormat.TABLE,
) -> None:
    """Show one youth with their cases. Who looked is recorded in the audit log.

    \b
    Example: rvneet youth show Y-0001
    """
    from rvneet.services.youths import youth_detail

    if fmt is OutputFormat.CSV:  # refused before the reading is recorded
        raise typer.BadParameter("youth show prints table or json", param_hint="'--format'")
    # A write session: the reading is recorded in the audit log.
    with database(ctx).session(write=True) as session:
        record = youth_detail(session, ref)
    if fmt is OutputFormat.JSON:
        typer.echo(to_json(record))
        return
    details = {
        "Name": record["name"],
        "Personal code": record["id_code"] or "—",
        "Birth date": record["birth_date"] or f"{record['birth_month']} (month only)",
        "Sex": record["sex"],
        "Age today": record["age"] if record["age"] is not None else "—",
    }
    if record["erased_on"]:
        details["Status"] = f"erased on {record['erased_on']}"
        details["Erasure reason"] = record["erasure_reason"]
    print_rich(
        table(
            f"Youth {record['youth']}",
            [{"k": k, "v": v} for k, v in details.items()],
            {"k": "", "v": ""},
        ),
        table(
            "Cases",
            record["cases"],
            {"case": "Case", "model": "Model", "start": "Start", "end": "End", "level": "Level"},
        )
        if record["cases"]
        else "No cases.",
    )
    for entry in record["ngts"]:
        listed = {label: entry[key] for key, label in NGTS_DETAILS.items() if entry[key]}
        print_rich(
            table(
                f"On the NGTS list of {entry['list_date']}",
                [{"k": k, "v": v} for k, v in listed.items()],
                {"k": "", "v": ""},
            )
        )


NGTS_DETAILS = {
    "phone": "Phone",
    "email": "E-mail",
    "address": "Address",
    "guardian": "Legal guardian",
    "guardian_contact": "Guardian's contact",
    "last_education": "Last education",
    "last_employment": "Last employment",
}


@app.command("consent")
def consent(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="The youth's reference, e.g. Y-0001.")],
    date: Annotated[
        dt.date,
        typer.Option(
            "--date", parser=parse_date, metavar="YYYY-MM-DD", help="The day it was given."
        ),
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

    Network members can be added to a case only while a data-sharing consent is in force.

    \b
    Example: rvneet youth consent Y-0001 --date 2025-03-03 --scope data-sharing --given-by guardian
    """
    from rvneet.services.consent import record_consent
    from rvneet.services.records import plain

    with database(ctx).session(write=True) as session:
        consent = record_consent(
            session, ref, date=date, scope=scope, given_by=given_by, withdraw=withdraw
        )
        record = plain(consent, youth=ref.strip().upper())
    print_created(record["youth"], fmt, record)


def describe_erasure(plan: dict[str, Any]) -> list[str]:
    """What an erasure removes, in lines for people: references and counts, never the values."""
    kept = plan["kept"]
    lines = [
        "  name, personal code and birth date "
        f"(kept: born {kept['birth_month']}, sex {kept['sex']})",
        f"  cases: {', '.join(plan['cases']) or 'none'}",
        f"  NGTS list entries: {plan['ngts_entries']} (contacts and guardian)",
    ]
    by_table: dict[str, list[str]] = {}
    for name, n in plan["fields"].items():
        table_name, _, column = name.partition(".")
        if table_name != "youths":
            by_table.setdefault(table_name, []).append(f"{column} {n}")
    lines.append("  free text and contacts (values):" + ("" if by_table else " none"))
    lines += [f"    {name}: {', '.join(columns)}" for name, columns in by_table.items()]
    return lines


@app.command("erase")
def erase(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="The youth's reference, e.g. Y-0001.")],
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
        typer.echo(f"Erasing {plan['youth']} removes, for good:", err=True)
        for line in describe_erasure(plan):
            typer.echo(line, err=True)
        typer.confirm(f"Erase {plan['youth']}?", abort=True, err=True)
    with db.session(write=True) as session:
        done = erase_youth(session, ref, reason=reason)
    if fmt is CreatedFormat.JSON:
        typer.echo(to_json(done))
    else:
        typer.echo(f"Erased {done['youth']} on {done['erased_on']}:")
        for line in describe_erasure(done):
            typer.echo(line)
