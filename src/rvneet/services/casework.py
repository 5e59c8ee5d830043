"""Daily case work: stage changes, contacts and meetings, needs assessments."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func
from sqlmodel import Session, col, select

from rvneet.domain.enums import (
    Assessor,
    ContactChannel,
    Model,
    NeedCategory,
    NetworkRole,
    WelfareDomain,
    shown_stored,
)
from rvneet.domain.errors import InvalidInput
from rvneet.domain.inputs import NewContact, NewNeeds, NewStageChange
from rvneet.domain.refs import record_ref
from rvneet.domain.rules import age_on
from rvneet.domain.stages import check_stage, stage_label
from rvneet.domain.tables import (
    Case,
    Contact,
    Need,
    NeedsAssessment,
    StageChange,
    WelfareScore,
    Youth,
)
from rvneet.i18n import _, format_date, message_language
from rvneet.services.lookups import check_date_in_case, check_open
from rvneet.services.permissions import get_case
from rvneet.services.validation import validated


def current_stage(session: Session, case_id: int) -> StageChange | None:
    """The latest stage change of a case (by date, then by the order it was recorded)."""
    return session.exec(
        select(StageChange)
        .where(StageChange.case_id == case_id)
        .order_by(col(StageChange.date).desc(), col(StageChange.id).desc())
        .limit(1)
    ).first()


def add_stage_change(
    session: Session, case: Case, stage: str, day: dt.date, note: str | None = None
) -> StageChange:
    """Record `case` entering `stage` on `day` (no checks: used by open and close)."""
    change = StageChange(case_id=case.id, stage=stage, date=day, note=note)  # type: ignore[arg-type]
    session.add(change)
    session.flush()
    return change


def change_stage(
    session: Session, case_ref: str, stage: str, *, date: dt.date, note: str | None = None
) -> StageChange:
    """Move a case into `stage` of its model on `date`.

    Stages may repeat or go back, but a change is never dated before the case start, after its end
    or before the previous change.
    """
    data = validated(NewStageChange, stage=stage, date=date, note=note or None)
    case = get_case(session, case_ref)
    try:
        name = check_stage(Model(case.model), data.stage)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    check_date_in_case(case, data.date, _("the stage change"))
    # Closing moved the case to follow-up; another stage on its last day would undo that.
    check_open(case, _("a stage change"))
    previous = current_stage(session, case.id)  # type: ignore[arg-type]
    if previous is not None and data.date < previous.date:
        lang = message_language()
        raise InvalidInput(
            _("the stage change {day} is before the previous one ({stage} on {previous})").format(
                day=format_date(data.date, lang),
                stage=stage_label(previous.stage, case.model, lang),
                previous=format_date(previous.date, lang),
            )
        )
    return add_stage_change(session, case, name, data.date, data.note)


def record_contact(
    session: Session,
    case_ref: str,
    *,
    date: dt.date,
    channel: ContactChannel,
    place: str | None = None,
    with_roles: tuple[NetworkRole, ...] = (),
    network_meeting: bool = False,
    note: str | None = None,
) -> Contact:
    """Record a contact with the youth, or (`network_meeting`) a meeting of the case network."""
    data = validated(
        NewContact,
        date=date,
        channel=channel,
        place=place or None,
        with_roles=with_roles,
        network_meeting=network_meeting,
        note=note or None,
    )
    case = get_case(session, case_ref)
    check_date_in_case(case, data.date, _("the contact"))
    contact = Contact(
        case_id=case.id,  # type: ignore[arg-type]
        date=data.date,
        channel=data.channel.value,
        place=data.place,
        with_roles=",".join(dict.fromkeys(r.value for r in data.with_roles)) or None,
        network_meeting=data.network_meeting,
        note=data.note,
    )
    session.add(contact)
    session.flush()
    return contact


def record_needs(
    session: Session,
    case_ref: str,
    *,
    date: dt.date,
    needs: tuple[NeedCategory, ...],
    neet_months: int | None = None,
    motivation: int | None = None,
    domains: dict[WelfareDomain, int] | None = None,
    note: str | None = None,
    in_education: bool | None = None,
    in_employment: bool | None = None,
    assessed_by: Assessor = Assessor.CASE_MANAGER,
    wellbeing: int | None = None,
) -> NeedsAssessment:
    """Record a needs assessment; the child-welfare domains only for a youth under 18 on `date`.

    The education and employment statuses, who assessed (the case manager or the youth) and the
    wellbeing baseline are Table 1 rows 1–2; assessments by either are kept side by side.
    """
    data = validated(
        NewNeeds,
        date=date,
        needs=needs,
        neet_months=neet_months,
        motivation=motivation,
        domains=domains or {},
        note=note or None,
        in_education=in_education,
        in_employment=in_employment,
        assessed_by=assessed_by,
        wellbeing=wellbeing,
    )
    case = get_case(session, case_ref)
    check_date_in_case(case, data.date, _("the needs assessment"))
    youth = session.get(Youth, case.youth_id)
    assert youth is not None and youth.birth_date is not None  # not erased: checked above
    if data.domains:
        check_welfare_age(youth.birth_date, data.date)
    assessment = NeedsAssessment(
        case_id=case.id,  # type: ignore[arg-type]
        date=data.date,
        neet_months=data.neet_months,
        motivation=data.motivation,
        note=data.note,
        in_education=data.in_education,
        in_employment=data.in_employment,
        assessed_by=data.assessed_by.value,
        wellbeing=data.wellbeing,
    )
    session.add(assessment)
    session.flush()
    for category in dict.fromkeys(data.needs):
        session.add(Need(assessment_id=assessment.id, category=category.value))  # type: ignore[arg-type]
    for domain, score in data.domains.items():
        session.add(WelfareScore(assessment_id=assessment.id, domain=domain.value, score=score))  # type: ignore[arg-type]
    session.flush()
    return assessment


def wellbeing_baseline(session: Session, case: Case) -> int | None:
    """The wellbeing baseline: the first wellbeing recorded in a needs assessment, or None."""
    first = session.exec(
        select(NeedsAssessment.wellbeing)
        .where(
            NeedsAssessment.case_id == case.id,
            col(NeedsAssessment.wellbeing).is_not(None),
            col(NeedsAssessment.withdrawn_at).is_(None),
        )
        .order_by(col(NeedsAssessment.date), col(NeedsAssessment.id))
    ).first()
    return first


def record_start_statuses(
    session: Session,
    case: Case,
    *,
    in_education: bool | None = None,
    in_employment: bool | None = None,
    wellbeing: int | None = None,
) -> NeedsAssessment | None:
    """The starting statuses and wellbeing given at `case open`, as a needs assessment by the
    case manager on the start date; None when nothing was given. Statuses are for NEET cases."""
    if in_education is None and in_employment is None and wellbeing is None:
        return None
    if case.model != Model.NEET and (in_education is not None or in_employment is not None):
        raise InvalidInput(_("--education and --employment at opening are for NEET cases"))
    return record_needs(
        session,
        case.ref,
        date=case.start_date,
        needs=(),
        in_education=in_education,
        in_employment=in_employment,
        wellbeing=wellbeing,
    )


def _statuses(needs: NeedsAssessment) -> list[str]:
    """Table 1 row 1–2 of an assessment as timeline parts: statuses, wellbeing, who assessed."""
    parts = []
    if needs.in_education is not None:
        parts.append(_("in education") if needs.in_education else _("not in education"))
    if needs.in_employment is not None:
        parts.append(_("working") if needs.in_employment else _("not working"))
    if needs.wellbeing is not None:
        parts.append(_("wellbeing {score}/10").format(score=needs.wellbeing))
    if needs.assessed_by == Assessor.YOUTH:
        parts.append(_("the youth's self-assessment"))
    elif parts:
        parts.append(_("assessed by the case manager"))
    return parts


def check_welfare_age(birth_date: dt.date, day: dt.date) -> None:
    """Refuse child-welfare domain scores of a youth who is 18 or older on `day`."""
    if age_on(birth_date, day) >= 18:
        raise InvalidInput(
            _("the child-welfare domains (--domain) are assessed only for youths under 18")
        )


def first_contact(session: Session, case: Case) -> str | None:
    """The date of the first contact: the NEET model's key indicator (ISO), or None."""
    first = session.exec(
        select(func.min(Contact.date)).where(col(Contact.case_id) == case.id)
    ).first()
    return first.isoformat() if first else None


def timeline(session: Session, case: Case) -> list[dict[str, str]]:
    """Stage changes, contacts and needs assessments of a case for `case show`.

    Details are in the message language (`case_detail` runs this in English for JSON): stage
    names, channels, roles and needs as people read them.
    """
    lang = message_language()
    events = [
        {
            "date": c.date.isoformat(),
            "event": "stage",
            "detail": stage_label(c.stage, case.model, lang),
            "record": record_ref(c),
        }
        for c in session.exec(
            select(StageChange).where(StageChange.case_id == case.id).order_by(col(StageChange.id))
        )
    ]
    for contact in session.exec(select(Contact).where(Contact.case_id == case.id)):
        what = "network meeting" if contact.network_meeting else "contact"
        roles = [r for r in (contact.with_roles or "").split(",") if r]
        present = ", ".join(shown_stored(NetworkRole, r) for r in roles)
        channel = shown_stored(ContactChannel, contact.channel)
        if contact.network_meeting:
            detail = present
        elif present:
            detail = _("{channel} with {roles}").format(channel=channel, roles=present)
        else:
            detail = channel
        events.append(
            {
                "date": contact.date.isoformat(),
                "event": what,
                "detail": detail,
                "record": record_ref(contact),
            }
        )
    for needs in session.exec(select(NeedsAssessment).where(NeedsAssessment.case_id == case.id)):
        categories = session.exec(select(Need.category).where(Need.assessment_id == needs.id)).all()
        parts = [", ".join(shown_stored(NeedCategory, c) for c in categories)]
        if needs.motivation is not None:
            parts.append(_("motivation {score}/5").format(score=needs.motivation))
        if needs.neet_months is not None:
            parts.append(_("NEET {months} months").format(months=needs.neet_months))
        parts.extend(_statuses(needs))
        events.append(
            {
                "date": needs.date.isoformat(),
                "event": "needs",
                "detail": "; ".join(p for p in parts if p),
                "record": record_ref(needs),
            }
        )
    return events
