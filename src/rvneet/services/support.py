"""Support requests to SKA (RV agreement 3.5) and their answers.

An implementation request is what Lisa 4 reports as "support requested" (agreement 4.6); a
process-management request (*protsessijuhtimise tugi*) is the written, justified request for an
especially complex case.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func
from sqlmodel import Session, col, select

from rvneet.domain.enums import Model, SupportAnswer, SupportKind, shown
from rvneet.domain.errors import Conflict, InvalidInput, NotFound
from rvneet.domain.inputs import NewSupportRequest, SupportAnswerRecord
from rvneet.domain.refs import record_ref
from rvneet.domain.tables import Case, SupportRequest
from rvneet.i18n import N_, _, format_date, message_language
from rvneet.services.lookups import check_case_not_erased, check_date_in_case
from rvneet.services.permissions import get_case
from rvneet.services.validation import validated

# Timeline event names: English in JSON, marked here for `case show` to show them translated.
REQUESTED = N_("support requested")
ANSWERED = {
    SupportAnswer.GRANTED: N_("support granted"),
    SupportAnswer.REFUSED: N_("support refused"),
}


def _next_number(session: Session, case_id: int) -> int:
    last = session.scalar(
        select(func.max(SupportRequest.number))
        .where(SupportRequest.case_id == case_id)
        .execution_options(show_withdrawn=True)  # a withdrawn request keeps its number
    )
    return (last or 0) + 1


def add_request(
    session: Session,
    case: Case,
    *,
    date: dt.date,
    kind: SupportKind,
    justification: str | None,
) -> SupportRequest:
    """Record a support request on an RV case, numbered 1, 2, 3 … within the case.

    Also used by `open_case` for `--support-requested` (an implementation request on the start date).
    """
    data = validated(NewSupportRequest, date=date, kind=kind, justification=justification)
    if case.model != Model.RV:
        raise InvalidInput(
            _("{case} is a NEET case; support requests to SKA are for RV cases only").format(
                case=case.ref
            )
        )
    check_date_in_case(case, data.date, _("the support request"))
    request = SupportRequest(
        case_id=case.id,  # type: ignore[arg-type]
        number=_next_number(session, case.id),  # type: ignore[arg-type]
        date=data.date,
        kind=data.kind.value,
        justification=data.justification,
    )
    session.add(request)
    session.flush()
    return request


def request_support(
    session: Session,
    case_ref: str,
    *,
    date: dt.date,
    kind: SupportKind,
    justification: str | None = None,
) -> SupportRequest:
    """Record a support request on the case `case_ref`; see `add_request`."""
    case = get_case(session, case_ref)
    return add_request(session, case, date=date, kind=kind, justification=justification)


def get_request(session: Session, case: Case, number: int) -> SupportRequest:
    """Support request `number` of `case`, or NotFound."""
    request = session.exec(
        select(SupportRequest).where(
            SupportRequest.case_id == case.id, SupportRequest.number == number
        )
    ).first()
    if request is None:
        raise NotFound(
            _("{case} has no support request {number}").format(case=case.ref, number=number)
        )
    return request


def answer_request(
    session: Session,
    case_ref: str,
    number: int,
    *,
    date: dt.date,
    granted: bool,
    note: str | None = None,
) -> SupportRequest:
    """Record SKA's answer to a support request; a request is answered once.

    The answer may come after the case has closed, but not before the request.
    """
    data = validated(SupportAnswerRecord, date=date, granted=granted, note=note)
    case = get_case(session, case_ref)
    check_case_not_erased(session, case, _("an answer cannot be recorded"))
    request = get_request(session, case, number)
    if request.answer is not None:
        language = message_language()
        raise Conflict(
            _(
                "support request {number} of {case} was already answered ({answer} on {date})"
            ).format(
                number=number,
                case=case.ref,
                answer=shown(SupportAnswer(request.answer)),
                date=format_date(request.answered_on, language),
            )
        )
    if data.date < request.date:
        language = message_language()
        raise InvalidInput(
            _("the answer date {date} is before the request date {requested}").format(
                date=format_date(data.date, language), requested=format_date(request.date, language)
            )
        )
    request.answer = (SupportAnswer.GRANTED if data.granted else SupportAnswer.REFUSED).value
    request.answered_on = data.date
    request.answer_note = data.note
    session.add(request)
    session.flush()
    return request


def support_requested(session: Session, case_id: int, on: dt.date) -> bool:
    """Whether SKA implementation support was requested for the case on or before `on`."""
    found = session.exec(
        select(SupportRequest.id)
        .where(
            SupportRequest.case_id == case_id,
            SupportRequest.kind == SupportKind.IMPLEMENTATION.value,
            col(SupportRequest.date) <= on,
        )
        .limit(1)
    ).first()
    return found is not None


def timeline(session: Session, case: Case, lang: str = "en") -> list[dict[str, str]]:
    """Support requests and answers of a case for `case show`: the number (for `support-answer`)
    and the kind, never the justification.

    The kind is written in `lang` (`protsessijuhtimine` in Estonian); English, the default, is what
    JSON carries. Event names stay the English texts marked above, translated where shown.
    """
    events = []
    for request in session.exec(
        select(SupportRequest)
        .where(SupportRequest.case_id == case.id)
        .order_by(col(SupportRequest.number))
    ):
        detail = f"#{request.number} {_kind(request.kind, lang)}"
        ref = record_ref(request)
        events.append(
            {"date": request.date.isoformat(), "event": REQUESTED, "detail": detail, "record": ref}
        )
        if request.answer is not None and request.answered_on is not None:
            events.append(
                {
                    "date": request.answered_on.isoformat(),
                    "event": ANSWERED[SupportAnswer(request.answer)],
                    "detail": detail,
                    "record": ref,
                }
            )
    return events


def _kind(kind: str, lang: str) -> str:
    try:
        return shown(SupportKind(kind), lang)
    except ValueError:
        return kind  # a kind outside the vocabulary is shown as stored
