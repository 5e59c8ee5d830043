"""The 6-month follow-up (*järelsuhtlus ja -tugi*): scheduled at closing, recorded or skipped later."""

from __future__ import annotations

import calendar
import datetime as dt

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from rvneet.domain.access import Capability
from rvneet.domain.enums import AnswerSource, FollowUpStatus, shown, shown_stored
from rvneet.domain.errors import Conflict, InvalidInput
from rvneet.domain.inputs import FollowUpRecord
from rvneet.domain.refs import record_ref
from rvneet.domain.tables import Case, FollowUp, Youth
from rvneet.i18n import N_, _, format_date, message_language, translate
from rvneet.services.lookups import check_case_not_erased
from rvneet.services.paging import EVERY_ROW, Page, Paged
from rvneet.services.permissions import get_case, require, usable_cases
from rvneet.services.validation import validated

FOLLOW_UP_MONTHS = 6
# Timeline event names: English in JSON, marked here for `case show` to show them translated.
FOLLOW_UP_DUE = N_("follow-up due")
FOLLOW_UP_DONE = N_("follow-up done")


def due_date(end: dt.date, months: int = FOLLOW_UP_MONTHS) -> dt.date:
    """`months` after `end`, on the same day of the month, or the month's last day if it is shorter."""
    month_index = end.month - 1 + months
    year, month = end.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(end.day, calendar.monthrange(year, month)[1]))


def schedule_followup(session: Session, case: Case) -> FollowUp | None:
    """Schedule the follow-up of a case that has just been closed.

    The 6-month follow-up is the NEET model's (stage 3.6); the RV agreement does not ask for it.
    It is scheduled for RV cases too, as good practice, unless `rvneet settings rv-followup off`.
    """
    from rvneet.domain.enums import Model
    from rvneet.services.settings import rv_followup

    assert case.end_date is not None
    if case.model == Model.RV and not rv_followup(session):
        return None
    followup = FollowUp(case_id=case.id, due=due_date(case.end_date))  # type: ignore[arg-type]
    session.add(followup)
    session.flush()
    return followup


def _pending(session: Session, case: Case) -> FollowUp | None:
    return session.exec(
        select(FollowUp).where(FollowUp.case_id == case.id, FollowUp.status == FollowUpStatus.DUE)
    ).first()


def cancel_followup(session: Session, case: Case) -> None:
    """A reopened case needs no follow-up yet: the pending one is kept, marked skipped."""
    pending = _pending(session, case)
    if pending is not None:
        pending.status = FollowUpStatus.SKIPPED.value
        pending.skip_reason = "case reopened"
        session.add(pending)
        session.flush()


def _pending_or_refuse(session: Session, case_ref: str) -> tuple[Case, FollowUp]:
    case = get_case(session, case_ref)
    check_case_not_erased(session, case, _("its follow-up cannot be recorded"))
    if case.end_date is None:
        raise Conflict(_("{case} is open; a follow-up comes after closing").format(case=case.ref))
    pending = _pending(session, case)
    if pending is None:
        raise Conflict(
            _("the follow-up of {case} has already been recorded or skipped").format(case=case.ref)
        )
    return case, pending


def record_followup(
    session: Session,
    case_ref: str,
    *,
    date: dt.date,
    reached: bool,
    in_education: bool | None = None,
    in_employment: bool | None = None,
    note: str | None = None,
    source: AnswerSource | None = None,
    wellbeing: int | None = None,
) -> FollowUp:
    """Record the follow-up contact: whether the youth was reached and their situation then,
    where the answer came from (the youth or a register) and the youth's wellbeing 1–10."""
    data = validated(
        FollowUpRecord,
        date=date,
        reached=reached,
        in_education=in_education,
        in_employment=in_employment,
        note=note or None,
        source=source,
        wellbeing=wellbeing,
    )
    case, pending = _pending_or_refuse(session, case_ref)
    assert case.end_date is not None
    if data.date < case.end_date:
        language = message_language()
        raise InvalidInput(
            _("the follow-up date {date} is before the case end {end}").format(
                date=format_date(data.date, language), end=format_date(case.end_date, language)
            )
        )
    pending.status = FollowUpStatus.DONE.value
    pending.done_on = data.date
    pending.reached = data.reached
    pending.in_education = data.in_education
    pending.in_employment = data.in_employment
    pending.note = data.note
    pending.source = data.source.value if data.source else None
    pending.wellbeing = data.wellbeing
    session.add(pending)
    session.flush()
    return pending


def skip_followup(session: Session, case_ref: str, *, reason: str) -> FollowUp:
    """Skip the follow-up of a case (for example: the youth moved abroad), with the reason."""
    if not reason.strip():
        raise InvalidInput(_("give the reason for skipping the follow-up (--reason)"))
    _case, pending = _pending_or_refuse(session, case_ref)
    pending.status = FollowUpStatus.SKIPPED.value
    pending.skip_reason = reason.strip()
    session.add(pending)
    session.flush()
    return pending


def due_followups(
    session: Session, *, as_of: dt.date, within: int = 0, page: Page = EVERY_ROW
) -> Paged:
    """Follow-ups not yet done that are due on or before `as_of` + `within` days, oldest first:
    one page of them and how many there are.

    `days_overdue` counts the days past due (0 until then), `days_to_go` the days until due (0
    from the due day on): neither goes negative.
    """
    require(session, Capability.CASES)
    if within < 0:
        raise InvalidInput(_("--within must be 0 or more days"))
    horizon = as_of + dt.timedelta(days=within)
    due = (col(FollowUp.status) == FollowUpStatus.DUE, col(FollowUp.due) <= horizon)
    total = session.execute(
        select(func.count())
        .select_from(FollowUp)
        .join(Case, col(Case.id) == FollowUp.case_id)
        .where(*due, usable_cases(session))
    ).scalar_one()
    query = (
        sa_select(  # sqlmodel's select types at most four columns
            col(FollowUp.due),
            col(Case.ref),
            col(Case.model),
            col(Case.manager),
            col(Case.end_date),
            col(Youth.ref),
        )
        .join(Case, col(Case.id) == FollowUp.case_id)
        .join(Youth, col(Youth.id) == Case.youth_id)
        .where(*due, usable_cases(session))
        .order_by(col(FollowUp.due), col(Case.ref))
    )
    rows = [
        {
            "case": case_ref,
            "youth": youth_ref,
            "model": model,
            "manager": manager,
            "end": end.isoformat() if end else None,
            "due": due_on.isoformat(),
            "days_overdue": max((as_of - due_on).days, 0),
            "days_to_go": max((due_on - as_of).days, 0),
        }
        for due_on, case_ref, model, manager, end, youth_ref in session.execute(page.apply(query))
    ]
    return Paged(rows, total, page)


def timeline(session: Session, case: Case, lang: str = "en") -> list[dict[str, str]]:
    """Follow-up events of a case for `case show`.

    The details are written in `lang` (a table in Estonian); English, the default, is what JSON
    carries. Event names stay the English texts marked above, translated where they are shown.
    """
    events = []
    for followup in session.exec(select(FollowUp).where(FollowUp.case_id == case.id)):
        status = shown(FollowUpStatus(followup.status), lang)
        ref = record_ref(followup)
        events.append(
            {
                "date": followup.due.isoformat(),
                "event": FOLLOW_UP_DUE,
                "detail": status,
                "record": ref,
            }
        )
        if followup.status == FollowUpStatus.DONE and followup.done_on is not None:
            if followup.reached:
                outcome = translate("reached, education {education}, employment {employment}", lang)
                outcome = outcome.format(
                    education=_yes_no(followup.in_education, lang),
                    employment=_yes_no(followup.in_employment, lang),
                )
            else:
                outcome = translate("not reached", lang)
            if followup.wellbeing is not None:
                wellbeing = translate("wellbeing {score}/10", lang)
                outcome += "; " + wellbeing.format(score=followup.wellbeing)
            if followup.source is not None:
                source = shown_stored(AnswerSource, followup.source, lang)
                outcome += "; " + translate("source: {source}", lang).format(source=source)
            events.append(
                {
                    "date": followup.done_on.isoformat(),
                    "event": FOLLOW_UP_DONE,
                    "detail": outcome,
                    "record": ref,
                }
            )
    return events


def _yes_no(value: bool | None, lang: str) -> str:
    if value is None:
        return translate("unknown", lang)
    return translate("yes", lang) if value else translate("no", lang)
