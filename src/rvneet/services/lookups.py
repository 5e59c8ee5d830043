"""The lookups and checks the case-work services share: find a youth, a case or a network member
by reference, and refuse what may not be recorded (an erased youth, a closed case, a date outside
the case or in the gap between its closing and reopening, a retired member), and whether a consent
was in force.

Below every case-work service (`cases`, `casework`, `consent`, `followups`, `network`, `plan`,
`support`, `youths`, and `corrections`, `staff`, `outreach`): it imports only `domain` and the
database, so the services import it and one another one way, never in a loop
(tests/test_import_graph.py).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from rvneet.domain.enums import ConsentScope, Model
from rvneet.domain.errors import Conflict, InvalidInput, NotFound
from rvneet.domain.inputs import NewAssessment
from rvneet.domain.personal_code import parse_personal_code, redact_codes
from rvneet.domain.tables import Assessment, Case, Consent, NetworkMember, Youth
from rvneet.i18n import _, format_date, message_language


def _day(day: dt.date) -> object:
    """A date inside a message: 31.12.2025 in Estonian, ISO in English."""
    return format_date(day, message_language())


def get_youth(session: Session, ref: str) -> Youth:
    """The youth with reference `ref` (case-insensitive) or with the full personal code `ref`
    (spaces allowed), or NotFound; the message never repeats a code."""
    digits = "".join(ref.split())
    if len(digits) == 11 and digits.isascii() and digits.isdigit():
        # A mistyped code is refused as the parser says (InvalidInput), never looked up.
        code = parse_personal_code(digits).code
        youth = session.scalar(select(Youth).where(Youth.id_code == code))
        if youth is None:
            raise NotFound(_("no youth {ref}").format(ref=repr(redact_codes(ref.strip()))))
        return youth
    youth = session.scalar(select(Youth).where(Youth.ref == ref.strip().upper()))
    if youth is None:
        raise NotFound(_("no youth {ref}").format(ref=repr(ref)))
    return youth


def folded_name(name: str) -> str:
    """A name as compared for a possible duplicate: NFC-equal spellings, case, diacritics and
    spacing do not count (Kadri Põld, KADRI  POLD): a warning had better be too broad."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def check_code_free(session: Session, code: str, youth_id: int | None = None) -> None:
    """Refuse a personal code another youth (not `youth_id`) is registered with."""
    existing = session.scalar(select(Youth.ref).where(Youth.id_code == code, Youth.id != youth_id))
    if existing:
        raise Conflict(
            _("a youth with this personal code is already registered as {ref}").format(ref=existing)
        )


def check_not_erased(youth: Youth, what: str) -> None:
    """Refuse a change that would record something new about an erased youth.

    `what` is the refused change, already in the language of messages ("a consent cannot be
    recorded").
    """
    if youth.erased_on is not None:
        raise Conflict(
            _("{ref} was erased on {date}; {what}").format(
                ref=youth.ref, date=format_date(youth.erased_on, message_language()), what=what
            )
        )


def check_case_not_erased(session: Session, case: Case, what: str) -> None:
    """Refuse a change to a case of an erased youth (its notes are gone; its numbers are final)."""
    youth = session.get(Youth, case.youth_id)
    assert youth is not None
    check_not_erased(youth, what)


def get_case(session: Session, ref: str) -> Case:
    """The case with reference `ref` (case-insensitive), or NotFound."""
    case = session.scalar(select(Case).where(Case.ref == ref.strip().upper()))
    if case is None:
        raise NotFound(_("no case {ref}").format(ref=repr(ref)))
    return case


def open_case_ref(session: Session, youth_id: int, model: str) -> str | None:
    """The reference of the youth's open case under `model`: there may be only one."""
    return session.scalar(
        select(Case.ref).where(
            Case.youth_id == youth_id, Case.model == model, col(Case.end_date).is_(None)
        )
    )


def check_open(case: Case, what: str) -> None:
    """Refuse changing the plan or network of a closed case; `what` (the change, in the message
    language, as a subject) is named in the message."""
    if case.end_date is not None:
        raise InvalidInput(
            _("{ref} is closed (on {end}); {what} is not possible").format(
                ref=case.ref, end=_day(case.end_date), what=what
            )
        )


def check_date_in_case(case: Case, day: dt.date, what: str) -> None:
    """Refuse a record dated before the case start or after its end, or on an erased youth's case.

    `what` names the record in the message language, as a subject ("the contact"; Estonian
    nominative, "kontakt"): the messages are built around it.
    """
    from sqlalchemy.orm import object_session

    session = object_session(case)
    if session is not None and (youth := session.get(Youth, case.youth_id)) is not None:
        check_not_erased(youth, _("{what} cannot be recorded").format(what=what))
    if day < case.start_date:
        raise InvalidInput(
            _("{what} date {day} is before the case start {start}").format(
                what=what, day=_day(day), start=_day(case.start_date)
            )
        )
    if case.end_date is not None and day > case.end_date:
        raise InvalidInput(
            _("{what} date {day} is after the case end {end}").format(
                what=what, day=_day(day), end=_day(case.end_date)
            )
        )


def check_born(youth: Youth, start: dt.date) -> None:
    """Refuse a case starting before its youth was born."""
    assert youth.birth_date is not None
    if start < youth.birth_date:
        raise InvalidInput(
            _("the start date {start} is before {youth} was born ({born})").format(
                start=_day(start), youth=youth.ref, born=_day(youth.birth_date)
            )
        )


def check_assessment(case: Case, data: NewAssessment) -> None:
    """Refuse an assessment of the other model's kind or dated outside the case (also corrections)."""
    if case.model == Model.RV and data.risk is None:
        raise InvalidInput(
            _("{ref} is an RV case: assess it with --risk medium|high").format(ref=case.ref)
        )
    if case.model == Model.NEET and data.light is None:
        raise InvalidInput(
            _("{ref} is a NEET case: assess it with --light red|yellow|green").format(ref=case.ref)
        )
    if data.date < case.start_date:
        raise InvalidInput(
            _("the assessment date {day} is before the case start {start}").format(
                day=_day(data.date), start=_day(case.start_date)
            )
        )
    if case.end_date is not None and data.date > case.end_date:
        raise InvalidInput(
            _("the assessment date {day} is after the case end {end}").format(
                day=_day(data.date), end=_day(case.end_date)
            )
        )


def check_end(session: Session, case: Case, end: dt.date, last_stage: Any) -> None:
    """Refuse an end before the case start, its last assessment or `last_stage` (its last stage
    change before closing, or None)."""
    if end < case.start_date:
        raise InvalidInput(
            _("the end date {end} is before the case start {start}").format(
                end=_day(end), start=_day(case.start_date)
            )
        )
    last = session.scalar(select(func.max(Assessment.date)).where(Assessment.case_id == case.id))
    if last is not None and end < last:
        raise InvalidInput(
            _("the end date {end} is before the last assessment ({last})").format(
                end=_day(end), last=_day(last)
            )
        )
    if last_stage is not None and end < last_stage.date:
        raise InvalidInput(
            _("the end date {end} is before the last stage change ({last})").format(
                end=_day(end), last=_day(last_stage.date)
            )
        )


def latest_consent(
    session: Session, youth_id: int, scope: ConsentScope, on: dt.date
) -> Consent | None:
    """The latest record of `scope` dated on or before `on` (same day: the last one recorded)."""
    return session.exec(
        select(Consent)
        .where(Consent.youth_id == youth_id, Consent.scope == scope.value, Consent.date <= on)
        .order_by(col(Consent.date).desc(), col(Consent.id).desc())
        .limit(1)
    ).first()


def has_consent(session: Session, youth_id: int, scope: ConsentScope, on: dt.date) -> bool:
    """Whether a consent of `scope` was in force on `on`: given and not withdrawn since."""
    latest = latest_consent(session, youth_id, scope, on)
    return latest is not None and not latest.withdrawn


def get_member(session: Session, ref: str) -> NetworkMember:
    """The network member with reference `ref` (case-insensitive), or NotFound."""
    member = session.scalar(select(NetworkMember).where(NetworkMember.ref == ref.strip().upper()))
    if member is None:
        raise NotFound(_("no network member {ref}").format(ref=repr(ref)))
    return member


def check_active(member: NetworkMember, what: str) -> None:
    """Refuse giving new work to a retired member; `what` is the work, already in the language of
    messages ("giving them an activity")."""
    if member.retired_on is not None:
        raise InvalidInput(
            _("{ref} retired from the network on {date}; {what} is not possible").format(
                ref=member.ref, date=_day(member.retired_on), what=what
            )
        )
