"""Importing cases, assessments and contacts row by row through the same services as the commands.

These files are small (a municipality's cases, not the national youth register), so each row goes
through `open_case`, `close_case`, `assess` or `record_contact` — every rule of the command line
applies unchanged — inside a savepoint: a refused row leaves no trace, and the whole import is
rolled back when any row was refused.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from sqlmodel import Session, col, select

from rvneet.domain.columns import ASSESSMENT_COLUMNS, CASE_COLUMNS, CONTACT_COLUMNS
from rvneet.domain.enums import CloseReason, ConsentScope, Model, ReachChannel, shown
from rvneet.domain.errors import InvalidInput, RvneetError
from rvneet.domain.personal_code import parse_personal_code
from rvneet.domain.tables import Assessment, Case, Contact, Youth
from rvneet.files.columns import Column, match_header
from rvneet.files.read import Table
from rvneet.i18n import N_, _, format_date, message_language
from rvneet.services.imports.base import WHOLE_ROW, ImportResult, ParsedRow, Progress, parse_rows

# What one row did: "new", "updated" or "unchanged".
Outcome = str
RowImporter = Callable[[Session, dict[str, Any], Callable[[str], str]], Outcome]


class _RowRefused(RvneetError):
    """A rule refused a row, in one named column."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def _run(
    session: Session,
    table: Table,
    result: ImportResult,
    progress: Progress | None,
    columns: tuple[Column, ...],
    what: str,
    one_row: RowImporter,
) -> None:
    header = match_header(table.header, columns, what).by_field

    def column(field: str) -> str:
        return header.get(field, field)

    for parsed in parse_rows(table, columns, what, result, progress):
        _import_row(session, parsed, result, one_row, column)


def _import_row(
    session: Session,
    parsed: ParsedRow,
    result: ImportResult,
    one_row: RowImporter,
    column: Callable[[str], str],
) -> None:
    try:
        with session.begin_nested():
            outcome = one_row(session, parsed.values, column)
    except _RowRefused as exc:
        result.refuse(parsed.row, exc.column, str(exc))
        return
    except RvneetError as exc:
        where, message = _column_of_option(str(exc), parsed.values, column)
        result.refuse(parsed.row, where, message)
        return
    setattr(result, outcome, getattr(result, outcome) + 1)


def _column_of_option(
    message: str, values: dict[str, Any], column: Callable[[str], str]
) -> tuple[str, str]:
    """A service's `--option: reason` message as (the file's column, reason) where they match."""
    option, sep, reason = message.partition(": ")
    if sep and option.startswith("--") and " " not in option:
        field_name = option[2:].split("[", 1)[0].replace("-", "_")
        if field_name in values:
            return column(field_name), reason
    # Date rules ("the contact date 2030-01-01 is in the future") name the date they concern.
    for phrase, field_name in _DATE_PHRASES:
        if phrase in message and field_name in values:
            return column(field_name), message
    # In Estonian the phrases are not these English ones: the row's date the message names first
    # (as 2030-01-01 or 01.01.2030) is the one it concerns.
    if message_language() != "en" and (date_field := _first_date_field(message, values)):
        return column(date_field), message
    return WHOLE_ROW, message


def _first_date_field(message: str, values: dict[str, Any]) -> str | None:
    """The date field of the row whose value the message names first, if it names one."""
    found: list[tuple[int, str]] = []
    for field_name in dict.fromkeys(f for _phrase, f in _DATE_PHRASES):
        day = values.get(field_name)
        if not isinstance(day, dt.date):
            continue
        for text in (day.isoformat(), str(format_date(day, "et"))):
            if match := re.search(rf"(?<![\d.-]){re.escape(text)}(?![\d-])", message):
                found.append((match.start(), field_name))
    return min(found)[1] if found else None


_DATE_PHRASES = (
    ("the start date", "start"),
    ("the end date", "end"),
    ("the assessment date", "date"),
    ("the contact date", "date"),
)


def _case(session: Session, ref: str, column: Callable[[str], str]) -> Case:
    case = session.scalar(select(Case).where(Case.ref == ref.strip().upper()))
    if case is None:
        raise _RowRefused(column("case"), _("no case {ref}").format(ref=ref.strip().upper()))
    return case


def _youth(session: Session, values: dict[str, Any], column: Callable[[str], str]) -> Youth:
    ref, code = values.get("youth"), values.get("id_code")
    if not ref and not code:
        raise _RowRefused(WHOLE_ROW, _("give the youth's reference (youth) or personal code"))
    by_code = None
    if code:
        try:
            code = parse_personal_code(code).code
        except InvalidInput as exc:
            raise _RowRefused(column("id_code"), str(exc)) from None
        by_code = session.scalar(select(Youth).where(Youth.id_code == code))
        if by_code is None:
            raise _RowRefused(
                column("id_code"), _("no youth with this personal code; import the youths first")
            )
    if ref:
        youth = session.scalar(select(Youth).where(Youth.ref == ref.strip().upper()))
        if youth is None:
            raise _RowRefused(column("youth"), _("no youth {ref}").format(ref=ref.strip().upper()))
        if by_code is not None and by_code.id != youth.id:
            raise _RowRefused(
                column("id_code"), _("this personal code is not {ref}'s").format(ref=youth.ref)
            )
        return youth
    assert by_code is not None
    return by_code


def import_cases(
    session: Session, table: Table, result: ImportResult, progress: Progress | None, **_options: Any
) -> None:
    """Open new cases (and close them when the row has an end), update the manager or the closing."""
    unconsented: list[str] = []
    new_staff: list[str] = []
    agreement_notes: list[str] = []
    unagreed: list[str] = []

    def one_row(session: Session, values: dict[str, Any], column: Callable[[str], str]) -> Outcome:
        youth = _youth(session, values, column)
        end, reason = values["end"], values["close_reason"]
        if (end is None) != (reason is None):
            raise _RowRefused(
                column("close_reason" if end else "end"),
                _("a closed case needs both the end date and the close reason"),
            )
        existing = _existing_case(session, youth, values, column)
        if existing is not None:
            return _update_case(session, existing, values, column)
        from rvneet.services.agreements import agreements_kept, open_warnings
        from rvneet.services.cases import close_case, open_case
        from rvneet.services.lookups import has_consent

        outside = open_warnings(session, values["start"]) if values["model"] == Model.RV else []
        opened = open_case(
            session,
            youth_ref=youth.ref,
            model=values["model"],
            start=values["start"],
            risk=values["risk"],
            light=values["light"],
            group=values["group"],
            manager=values["manager"],
            support_requested=bool(values["support_requested"]),
            instrument=values["instrument"],
            allow_ineligible=values["allow_ineligible"],
            channel=values["channel"] or ReachChannel.OTHER,
            new_manager_by_name=True,
        )
        if opened.new_staff is not None:
            new_staff.append(f"{opened.new_staff.ref} {opened.new_staff.name}")
        if not has_consent(session, youth.id, ConsentScope.PARTICIPATION, values["start"]):  # type: ignore[arg-type]
            unconsented.append(opened.case.ref)
        # The agreement warnings `case open` gives, one note per case (the file's row by its case).
        if outside and not agreements_kept(session):
            unagreed.append(opened.case.ref)
        else:
            agreement_notes.extend(
                _("{case}: {warning}").format(case=opened.case.ref, warning=w) for w in outside
            )
        if end is not None:
            close_case(session, opened.case.ref, end=end, reason=reason)
        return "new"

    _run(session, table, result, progress, CASE_COLUMNS, N_("the cases file"), one_row)
    if new_staff and not result.errors:
        result.notes.append(
            _(
                "{n} case manager(s) not in the staff register were added to it ({staff}); "
                "check them with rvneet staff list"
            ).format(
                n=len(new_staff),
                staff=", ".join(new_staff[:5]) + (", …" if len(new_staff) > 5 else ""),
            )
        )
    if not result.errors:
        result.notes.extend(agreement_notes)
        if unagreed:
            # No agreement in the book at all: one note for the file, not one per case.
            result.notes.append(
                _(
                    "{n} new RV case(s) were opened with no RV agreement recorded ({refs}); "
                    "record it with rvneet agreement add"
                ).format(
                    n=len(unagreed),
                    refs=", ".join(unagreed[:5]) + (", …" if len(unagreed) > 5 else ""),
                )
            )
    if unconsented and not result.errors:
        result.notes.append(
            _(
                "{n} new case(s) have no participation consent on record ({refs}); "
                "record it with rvneet youth consent"
            ).format(
                n=len(unconsented),
                refs=", ".join(unconsented[:5]) + (", …" if len(unconsented) > 5 else ""),
            )
        )


def _existing_case(
    session: Session, youth: Youth, values: dict[str, Any], column: Callable[[str], str]
) -> Case | None:
    if values["case"]:
        case = _case(session, values["case"], column)
        if case.youth_id != youth.id:
            raise _RowRefused(
                column("case"),
                _("{case} is not a case of {youth}").format(case=case.ref, youth=youth.ref),
            )
        if case.model != values["model"].value:
            raise _RowRefused(
                column("model"),
                _("{case} is a {model} case").format(case=case.ref, model=case.model.upper()),
            )
        if case.start_date != values["start"]:
            lang = message_language()
            raise _RowRefused(
                column("start"),
                _("{case} started on {date}, not {given}").format(
                    case=case.ref,
                    date=format_date(case.start_date, lang),
                    given=format_date(values["start"], lang),
                ),
            )
        return case
    found: Case | None = session.scalar(
        select(Case).where(
            Case.youth_id == youth.id,
            Case.model == values["model"].value,
            Case.start_date == values["start"],
        )
    )
    return found


def _update_case(
    session: Session, case: Case, values: dict[str, Any], column: Callable[[str], str]
) -> Outcome:
    from rvneet.services.cases import close_case
    from rvneet.services.staff import find_staff, set_manager

    outcome = "unchanged"
    if values["manager"] and values["manager"] != case.manager:
        staff = find_staff(session, values["manager"])
        if staff.id != case.manager_id:
            set_manager(case, staff)
            session.add(case)
            session.flush()
            outcome = "updated"
    if values["channel"] and values["channel"].value != case.channel:
        case.channel = values["channel"].value
        session.add(case)
        session.flush()
        outcome = "updated"
    end: dt.date | None = values["end"]
    if end is None:
        return outcome
    if case.end_date is None:
        close_case(session, case.ref, end=end, reason=values["close_reason"])
        return "updated"
    if case.end_date != end or case.close_reason != values["close_reason"].value:
        raise _RowRefused(
            column("end"),
            _(
                "{case} was closed on {date} ({reason}); "
                "an import does not change a closing — reopen the case first"
            ).format(
                case=case.ref,
                date=format_date(case.end_date, message_language()),
                reason=_close_reason(case.close_reason),
            ),
        )
    return outcome


def _close_reason(value: str | None) -> str | None:
    """A stored close reason as people read it in a message (its Estonian form in Estonian)."""
    if value is None:
        return None
    try:
        return shown(CloseReason(value))
    except ValueError:
        return value  # a value outside the vocabulary (old data) as stored


def import_assessments(
    session: Session, table: Table, result: ImportResult, progress: Progress | None, **_options: Any
) -> None:
    """Add the risk levels and traffic lights not yet recorded; the same one twice is unchanged."""
    from rvneet.services.cases import assess

    def one_row(session: Session, values: dict[str, Any], column: Callable[[str], str]) -> Outcome:
        case = _case(session, values["case"], column)
        risk, light = values["risk"], values["light"]
        same = session.scalar(
            select(Assessment.id).where(
                Assessment.case_id == case.id,
                Assessment.date == values["date"],
                Assessment.risk == (risk.value if risk else None),
                Assessment.light == (light.value if light else None),
            )
        )
        if same is not None:
            return "unchanged"
        assess(
            session,
            case.ref,
            date=values["date"],
            risk=risk,
            light=light,
            instrument=values["instrument"],
        )
        return "new"

    _run(session, table, result, progress, ASSESSMENT_COLUMNS, N_("the assessments file"), one_row)


def import_contacts(
    session: Session, table: Table, result: ImportResult, progress: Progress | None, **_options: Any
) -> None:
    """Add the contacts not yet recorded; a row equal to a recorded contact is unchanged."""
    from rvneet.services.casework import record_contact

    def one_row(session: Session, values: dict[str, Any], column: Callable[[str], str]) -> Outcome:
        case = _case(session, values["case"], column)
        same = session.scalar(
            select(Contact.id).where(
                Contact.case_id == case.id,
                Contact.date == values["date"],
                Contact.channel == values["channel"].value,
                _same(Contact.place, values["place"]),
                _same(Contact.note, values["note"]),
            )
        )
        if same is not None:
            return "unchanged"
        record_contact(
            session,
            case.ref,
            date=values["date"],
            channel=values["channel"],
            place=values["place"],
            with_roles=values["with"] or (),
            network_meeting=bool(values["network_meeting"]),
            note=values["note"],
        )
        return "new"

    _run(session, table, result, progress, CONTACT_COLUMNS, N_("the contacts file"), one_row)


def _same(column: Any, value: str | None) -> Any:
    return col(column).is_(None) if value is None else column == value
