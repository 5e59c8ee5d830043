"""`rvneet case correct|withdraw`, `rvneet youth correct`: correcting mistakes, with a reason."""

import datetime as dt
from typing import Annotated, Any

import typer

from rvneet.cli import case as case_cli
from rvneet.cli import youth as youth_cli
from rvneet.cli.common import (
    CreatedFormat,
    CreatedFormatOption,
    database,
    parse_date,
    print_created,
)
from rvneet.cli.completion import complete_staff

ReasonOption = Annotated[
    str,
    typer.Option("--reason", metavar="TEXT", help="Why it is corrected (required, kept)."),
]
RecordArg = Annotated[
    str | None,
    typer.Argument(
        metavar="[RECORD]",
        help="The record, as case show or case plan prints it: A-… assessment, T-… stage change, "
        "C-… contact, N-… needs assessment, G-n goal, P-n activity, K-… consent, R-n support "
        "request, F-… follow-up, or closing (lõpetamine). Without it: the case itself.",
    ),
]


def _date_option(name: str, text: str) -> Any:
    return typer.Option(name, parser=parse_date, metavar="DATE", help=text)


def _record(correction: Any, case: str | None) -> dict[str, Any]:
    import json

    return {
        "case": case,
        "record": correction.record,
        "action": correction.action,
        "at": correction.at,
        "user": correction.user,
        "changes": json.loads(correction.changes),
    }


@case_cli.app.command("correct")
def correct(
    ctx: typer.Context,
    ref: case_cli.CaseRef,
    reason: ReasonOption,
    item: RecordArg = None,
    start: Annotated[dt.date | None, _date_option("--start", "The case: its start date.")] = None,
    channel: Annotated[
        str | None,
        typer.Option(
            "--channel",
            help="The case: how the youth was reached (ngts-list, mobile-youth-work, referral, "
            "self, school, other). A contact: email, sms, phone, meeting or online.",
        ),
    ] = None,
    group: Annotated[
        str | None, typer.Option("--group", help="A NEET case: its target group, neet or risk.")
    ] = None,
    manager: Annotated[
        str | None,
        typer.Option(
            "--manager",
            help="The case: its case manager typed wrong at opening (a staff reference, login or "
            "name); a case handed over later is changed with case reassign.",
            autocompletion=complete_staff,
        ),
    ] = None,
    date: Annotated[
        dt.date | None,
        _date_option(
            "--date",
            "The record's date (a goal: agreed; an activity: start; a follow-up: done; the "
            "closing: the end date).",
        ),
    ] = None,
    risk: Annotated[
        str | None, typer.Option("--risk", help="An RV assessment: medium or high.")
    ] = None,
    light: Annotated[
        str | None, typer.Option("--light", help="A NEET assessment: red, yellow or green.")
    ] = None,
    instrument: Annotated[
        str | None, typer.Option("--instrument", help="An RV assessment: the instrument used.")
    ] = None,
    stage: Annotated[str | None, typer.Option("--stage", help="A stage change: the stage.")] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="A stage change, contact or needs assessment.")
    ] = None,
    place: Annotated[str | None, typer.Option("--place", help="A contact: where.")] = None,
    need: Annotated[
        list[str] | None,
        typer.Option(
            "--need",
            help="A needs assessment: its need categories, all of them; repeat for several.",
        ),
    ] = None,
    motivation: Annotated[
        int | None, typer.Option("--motivation", help="A needs assessment: motivation 1–5.")
    ] = None,
    neet_months: Annotated[
        int | None, typer.Option("--neet-months", help="A needs assessment: months NEET.")
    ] = None,
    text: Annotated[str | None, typer.Option("--text", help="A goal: its text.")] = None,
    due: Annotated[
        dt.date | None, _date_option("--due", "A goal or a follow-up: the due date.")
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="An activity: its kind. A support request: implementation or process-management.",
        ),
    ] = None,
    planned_end: Annotated[
        dt.date | None, _date_option("--planned-end", "An activity: its planned end.")
    ] = None,
    scope: Annotated[
        str | None,
        typer.Option("--scope", help="A consent: data-sharing or participation."),
    ] = None,
    given_by: Annotated[
        str | None, typer.Option("--given-by", help="A consent: youth or guardian.")
    ] = None,
    answer: Annotated[
        str | None,
        typer.Option(
            "--answer", help="A support request: granted, refused, or none to withdraw the answer."
        ),
    ] = None,
    answered_on: Annotated[
        dt.date | None, _date_option("--answered-on", "A support request: the day SKA answered.")
    ] = None,
    close_reason: Annotated[
        str | None, typer.Option("--close-reason", help="The closing: its reason.")
    ] = None,
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
) -> None:
    """Correct a case, or one of its records, typed wrong; the reason is kept.

    Only the options given change. A correction is checked by the rules the record was checked by
    when it was recorded: a start after the first contact, or a date outside the case, is refused.
    The old and new values are in the audit log and in case show --history. --manager corrects
    the manager given at opening; a case handed over to another manager is changed with case
    reassign, which keeps the date.

    \b
    Examples: rvneet case correct RV-2025-001 --start 2025-02-03 --reason "typed wrong"
              rvneet case correct RV-2025-001 C-12 --date 2025-03-04 --reason "typed wrong"
              rvneet case correct RV-2025-001 closing --close-reason moved --reason "mixed up"
              rvneet case correct RV-2025-001 --manager S-0002 --reason "wrong person"
    """
    from rvneet.domain.errors import InvalidInput
    from rvneet.i18n import _
    from rvneet.services.corrections import correct_case, correct_record

    fields: dict[str, Any] = {
        "date": date,
        "risk": risk,
        "light": light,
        "instrument": instrument,
        "stage": stage,
        "note": note,
        "place": place,
        "need": tuple(need) if need else None,
        "motivation": motivation,
        "neet_months": neet_months,
        "text": text,
        "due": due,
        "kind": kind,
        "planned_end": planned_end,
        "scope": scope,
        "given_by": given_by,
        "answer": answer,
        "answered_on": answered_on,
        "close_reason": close_reason,
    }
    case_fields = {"start": start, "group": group, "manager": manager}
    if item is None:
        fields = {k: v for k, v in fields.items() if v is not None}
        if fields:
            raise InvalidInput(
                _("{option} is for a record of the case: give its reference, e.g. C-12").format(
                    option="--" + next(iter(fields)).replace("_", "-")
                )
            )
        fields = {**case_fields, "channel": channel}
    else:
        found = [k for k, v in case_fields.items() if v is not None]
        if found:
            raise InvalidInput(
                _("{option} is for the case itself: give no record reference").format(
                    option="--" + found[0]
                )
            )
        fields["channel"] = channel
    with database(ctx).session(write=True) as session:
        if item is None:
            correction = correct_case(session, ref, fields, reason)
        else:
            correction = correct_record(session, ref, item, fields, reason)
        record = _record(correction, ref.strip().upper())
    print_created(record["record"], fmt, record)


@case_cli.app.command("withdraw")
def withdraw(
    ctx: typer.Context,
    ref: case_cli.CaseRef,
    item: Annotated[
        str,
        typer.Argument(
            metavar="RECORD",
            help="The record, as case show or case plan prints it (C-12, G-2, …), or closing.",
        ),
    ],
    reason: ReasonOption,
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
) -> None:
    """Withdraw a record of a case recorded by mistake; it is kept, marked, with the reason.

    A withdrawn record is left out of reports, timelines, listings, checks and follow-ups, and shown
    only by case show --history. Withdrawing the closing reopens the case as if it had never been
    closed (its follow-up is withdrawn with it).

    \b
    Examples: rvneet case withdraw RV-2025-001 C-12 --reason "recorded twice"
              rvneet case withdraw RV-2025-001 closing --reason "closed the wrong case"
    """
    from rvneet.services.corrections import withdraw_record

    with database(ctx).session(write=True) as session:
        correction = withdraw_record(session, ref, item, reason)
        record = _record(correction, ref.strip().upper())
    print_created(record["record"], fmt, record)


@youth_cli.app.command("correct")
def correct_youth(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="REF", help="The youth's reference, e.g. Y-0004.")],
    reason: ReasonOption,
    name: Annotated[str | None, typer.Option("--name", help="The name.")] = None,
    code: Annotated[
        str | None,
        typer.Option("--code", help="The personal code (isikukood); gives birth date and sex."),
    ] = None,
    birth_date: Annotated[
        dt.date | None,
        _date_option("--birth-date", "A youth without a personal code: the birth date."),
    ] = None,
    sex: Annotated[
        str | None, typer.Option("--sex", help="A youth without a personal code: M or F.")
    ] = None,
    fmt: CreatedFormatOption = CreatedFormat.TEXT,
) -> None:
    """Correct a youth's name or personal code typed wrong; the reason is kept.

    The birth date and sex are corrected only for a youth without a personal code (a code gives
    them). A code must be valid and not another youth's. The audit log records that the name or
    code changed, never the values.

    \b
    Example: rvneet youth correct Y-0004 --name "Kadri Põld" --reason "typed wrong"
    """
    from rvneet.services.corrections import correct_youth as correct

    fields = {"name": name, "code": code, "birth_date": birth_date, "sex": sex}
    with database(ctx).session(write=True) as session:
        correction = correct(session, ref, fields, reason)
        record = _record(correction, None)
    print_created(record["record"], fmt, record)
