"""`rvneet outreach ...`: reaching the youths of the NGTS monitoring list (stage 2 of the NEET model)."""

import datetime as dt
from typing import Annotated

import typer

from rvneet.cli.common import (
    CreatedFormat,
    CreatedFormatOption,
    ListFormatOption,
    OutputFormat,
    choice_option,
    database,
    parse_date,
    print_created,
    print_listing,
)
from rvneet.cli.completion import complete_youth
from rvneet.domain.enums import ContactChannel, OutreachResult, shown_stored
from rvneet.i18n import N_, _, format_date, message_language, ngettext, translate

app = typer.Typer(
    rich_markup_mode=None,
    help=(
        "Outreach to the youths of the NGTS monitoring list: who has a case, who was contacted.\n\n"
        "Listings show references only, never names or personal codes; look a youth up with\n"
        "rvneet youth show REF."
    ),
    no_args_is_help=True,
)

# The table leaves out sex and days on the list (the same for every row: it is in the title);
# JSON and CSV have every field.
LIST_COLUMNS = {
    "youth": N_("Youth"),
    "age": N_("Age"),
    "last_education": N_("Education"),
    "last_employment": N_("Employment"),
    "status": N_("Status"),
    "case": N_("Case"),
    "first_contact": N_("First contact"),
    "last_attempt": N_("Last attempt"),
    "last_result": N_("Result"),
}


def _status(value: str, lang: str) -> str:
    """A row's status ("open case", "closed case", "no case": marked N_ in the service) in `lang`."""
    return translate(value, lang)


def next_list_line(last: dt.date, day: dt.date) -> str:
    """The line under `check` and `today`: the newest NGTS list and the month the next one is (or
    was) expected in; lists come in March and October."""
    from rvneet.services.outreach import list_is_late, next_list_month

    expected = next_list_month(last)
    if list_is_late(last, day):
        text = _("Newest NGTS list: {date}, older than 7 months; the next was expected in {month}")
    elif expected >= day.replace(day=1):
        text = _("Newest NGTS list: {date}; the next is expected in {month}")
    else:
        text = _("Newest NGTS list: {date}; the next was expected in {month}")
    return text.format(date=format_date(last, message_language()), month=expected.strftime("%Y-%m"))


def _result(value: str, lang: str) -> str:
    """An outreach attempt's result (`no-answer`) as people read it in `lang` (`ei vastanud`)."""
    return shown_stored(OutreachResult, value, lang)


def _text(value: str, lang: str) -> str:
    """The list's free text (education, employment): an erased value's mark in `lang`."""
    from rvneet.services.erasure import shown_text

    return shown_text(value, lang)


@app.command("list")
def list_(
    ctx: typer.Context,
    list_date: Annotated[
        dt.date | None,
        typer.Option(
            "--list-date",
            parser=parse_date,
            metavar="DATE",
            help="The list to show. Default: the newest one imported.",
        ),
    ] = None,
    not_contacted: Annotated[
        bool,
        typer.Option(
            "--not-contacted",
            help=(
                "Only youths with no contact recorded since the list date and no outreach attempt."
            ),
        ),
    ] = False,
    fmt: ListFormatOption = OutputFormat.TABLE,
) -> None:
    """The youths of an NGTS list: age on the list date, case, first contact since the list date,
    last outreach attempt.

    Status is "open case", "closed case" or "no case"; the case is the youth's open case, else
    their latest one. Age is in full years on the list date. The last attempt is the latest
    `rvneet outreach attempt` on the youth's entry of this list, with its result.

    \b
    Example: rvneet outreach list --not-contacted
    """
    from rvneet.services.outreach import FIELDS, latest_list_date, outreach_list

    with database(ctx).session() as session:
        chosen = list_date or latest_list_date(session)
        rows = outreach_list(session, chosen, not_contacted)
    title = N_("NGTS lists, not contacted") if not_contacted else N_("NGTS lists")
    if chosen:
        days = (dt.date.today() - chosen).days
        if not_contacted:
            title = ngettext(
                "NGTS list of {date} ({days} day ago), not contacted",
                "NGTS list of {date} ({days} days ago), not contacted",
                days,
            )
        else:
            title = ngettext(
                "NGTS list of {date} ({days} day ago)",
                "NGTS list of {date} ({days} days ago)",
                days,
            )
        title = title.format(date=format_date(chosen, message_language()), days=days)
    print_listing(
        rows,
        fmt,
        LIST_COLUMNS,
        title,
        FIELDS,
        values={
            "status": _status,
            "last_education": _text,
            "last_employment": _text,
            "last_result": _result,
        },
    )


@app.command("attempt")
def attempt(
    ctx: typer.Context,
    youth: Annotated[
        str,
        typer.Argument(
            help="The youth's reference (Y-0001) or full personal code.",
            autocompletion=complete_youth,
        ),
    ],
    date: Annotated[
        dt.date,
        typer.Option("--date", parser=parse_date, metavar="DATE", help="The day of the attempt."),
    ],
    channel: Annotated[
        ContactChannel,
        choice_option(ContactChannel, "--channel", help="email, sms, phone, meeting or online."),
    ],
    result: Annotated[
        OutreachResult,
        choice_option(
            OutreachResult,
            "--result",
            help="no-answer, declined, not-neet (studies or works), moved or reached.",
        ),
    ],
    list_date: Annotated[
        dt.date | None,
        typer.Option(
            "--list-date",
            parser=parse_date,
            metavar="DATE",
            help="The NGTS list the youth is on. Default: their newest list dated on or before --date.",
        ),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="A short note.")] = None,
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
) -> None:
    """Record an attempt to reach a youth of an NGTS list, without opening a case.

    An entry of a list is the youth's reference and the list's date. The attempt counts as
    contact for `rvneet check` (ngts-not-contacted) and shows in `rvneet outreach list`. Refused:
    a youth on no list, a date in the future or before the list's date.

    \b
    Example: rvneet outreach attempt Y-0003 --date 2025-03-20 --channel phone --result no-answer
    """
    from rvneet.services.outreach import record_attempt

    with database(ctx).session(write=True) as session:
        record = record_attempt(
            session,
            youth,
            date=date,
            channel=channel,
            result=result,
            list_date=list_date,
            note=note,
        )
    text = _("{youth}: outreach attempt of {date} recorded ({result})").format(
        youth=record["youth"],
        date=format_date(date, message_language()),
        result=_result(record["result"], message_language()),
    )
    print_created(text, fmt, record)


COMPARE_COLUMNS = {
    "youth": N_("Youth"),
    "change": N_("Change"),
    "status": N_("Status"),
    "case": N_("Case"),
    "attempts": N_("Outreach attempts"),
}
# A row's change as people read it; JSON and CSV keep new, left, stayed.
_CHANGES = {
    "new": N_("new on the later list"),
    "left": N_("left the list"),
    "stayed": N_("on both lists"),
}


def _change(value: str, lang: str) -> str:
    return translate(_CHANGES.get(value, value), lang)


@app.command("compare")
def compare(
    ctx: typer.Context,
    earlier: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="LIST",
            help="The earlier list: its day (2025-03-15) or month (2025-03). "
            "Default: the list before --to.",
        ),
    ] = None,
    later: Annotated[
        str | None,
        typer.Option(
            "--to",
            metavar="LIST",
            help="The later list: its day or month. Default: the newest list.",
        ),
    ] = None,
    fmt: ListFormatOption = OutputFormat.TABLE,
) -> None:
    """Compare two NGTS lists: who is new on the later one, who left it, who is on both.

    Each youth is shown by reference with their case (open, else latest) and the number of outreach
    attempts on their entries of the two lists: whether someone who left the list was reached.
    In JSON and CSV, change is new, left or stayed.

    \b
    Example: rvneet outreach compare --from 2025-03 --to 2025-10
    """
    from rvneet.services.outreach import COMPARE_FIELDS, compare_lists, find_list

    with database(ctx).session() as session:
        to_list = find_list(session, later) if later else None
        from_list = find_list(session, earlier) if earlier else None
        first, second, rows = compare_lists(session, from_list, to_list)
    counts = {c: sum(1 for r in rows if r["change"] == c) for c in _CHANGES}
    lang = message_language()
    title = _("NGTS lists {first} and {second}: {new} new, {left} left, {stayed} on both").format(
        first=format_date(first, lang),
        second=format_date(second, lang),
        new=counts["new"],
        left=counts["left"],
        stayed=counts["stayed"],
    )
    print_listing(
        rows,
        fmt,
        COMPARE_COLUMNS,
        title,
        COMPARE_FIELDS,
        values={"change": _change, "status": _status},
    )
