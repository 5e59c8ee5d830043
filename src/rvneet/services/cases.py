"""Opening, assessing, closing and reading cases (*juhtumid*) under both models."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from rvneet.domain.enums import CloseReason, Light, Model, NeetGroup, RiskLevel
from rvneet.domain.errors import Conflict, InvalidInput, NotFound
from rvneet.domain.inputs import Closing, NewAssessment, NewCase
from rvneet.domain.rules import age_on, eligibility_problem
from rvneet.domain.tables import Assessment, Case, Youth
from rvneet.services.validation import validated
from rvneet.services.youths import get_youth


@dataclass
class Opened:
    """A newly opened case and the warnings the user should see."""

    case: Case
    warnings: list[str] = field(default_factory=list)


def _next_seq(session: Session, model: Model, year: int) -> int:
    prefix = f"{model.value.upper()}-{year}-"
    last = session.scalar(select(func.max(Case.seq)).where(col(Case.ref).startswith(prefix)))
    return (last or 0) + 1


def get_case(session: Session, ref: str) -> Case:
    """The case with reference `ref` (case-insensitive), or NotFound."""
    case = session.scalar(select(Case).where(Case.ref == ref.strip().upper()))
    if case is None:
        raise NotFound(f"no case {ref!r}")
    return case


def open_case(
    session: Session,
    *,
    youth_ref: str,
    model: Model,
    start: dt.date,
    risk: RiskLevel | None = None,
    light: Light | None = None,
    group: NeetGroup | None = None,
    manager: str | None = None,
    support_requested: bool = False,
    allow_ineligible: str | None = None,
) -> Opened:
    """Open a case; its first assessment is the level given here.

    An age outside the model's range is refused unless `allow_ineligible` gives the reason.
    """
    data = validated(
        NewCase,
        model=model,
        start=start,
        risk=risk,
        light=light,
        group=group,
        manager=manager or None,
        support_requested=support_requested,
        allow_ineligible=allow_ineligible,
    )
    youth = get_youth(session, youth_ref)
    if data.start < youth.birth_date:
        raise InvalidInput(
            f"the start date {data.start} is before {youth.ref} was born ({youth.birth_date})"
        )
    warnings = []
    problem = eligibility_problem(data.model, data.group, youth.birth_date, data.start)
    if problem and data.allow_ineligible is None:
        raise InvalidInput(f"{problem}; to open it anyway give --allow-ineligible REASON")
    if problem:
        warnings.append(f"opened outside the model's age range: {problem}")
    already = session.scalar(
        select(Case.ref).where(
            Case.youth_id == youth.id,
            Case.model == data.model.value,
            col(Case.end_date).is_(None),
        )
    )
    if already:
        raise Conflict(f"{youth.ref} already has an open {data.model.value.upper()} case {already}")
    seq = _next_seq(session, data.model, data.start.year)
    case = Case(
        ref=f"{data.model.value.upper()}-{data.start.year}-{seq:03d}",
        youth_id=youth.id,  # type: ignore[arg-type]
        model=data.model.value,
        seq=seq,
        start_date=data.start,
        neet_group=data.group.value if data.group else None,
        manager=data.manager,
        support_requested=data.support_requested,
        ineligible_reason=data.allow_ineligible if problem else None,
    )
    session.add(case)
    session.flush()
    session.add(
        Assessment(
            case_id=case.id,  # type: ignore[arg-type]
            date=data.start,
            risk=data.risk.value if data.risk else None,
            light=data.light.value if data.light else None,
        )
    )
    session.flush()
    return Opened(case, warnings)


def assess(
    session: Session,
    case_ref: str,
    *,
    date: dt.date,
    risk: RiskLevel | None = None,
    light: Light | None = None,
) -> Assessment:
    """Record a new risk level (RV) or traffic light (NEET); older assessments are kept."""
    data = validated(NewAssessment, date=date, risk=risk, light=light)
    case = get_case(session, case_ref)
    if case.model == Model.RV and data.risk is None:
        raise InvalidInput(f"{case.ref} is an RV case: assess it with --risk medium|high")
    if case.model == Model.NEET and data.light is None:
        raise InvalidInput(f"{case.ref} is a NEET case: assess it with --light red|yellow|green")
    if data.date < case.start_date:
        raise InvalidInput(
            f"the assessment date {data.date} is before the case start {case.start_date}"
        )
    if case.end_date is not None and data.date > case.end_date:
        raise InvalidInput(f"the assessment date {data.date} is after the case end {case.end_date}")
    assessment = Assessment(
        case_id=case.id,  # type: ignore[arg-type]
        date=data.date,
        risk=data.risk.value if data.risk else None,
        light=data.light.value if data.light else None,
    )
    session.add(assessment)
    session.flush()
    return assessment


def close_case(session: Session, case_ref: str, *, end: dt.date, reason: CloseReason) -> Case:
    """Close an open case on `end` (not before its start, nor before its last assessment)."""
    data = validated(Closing, end=end, reason=reason)
    case = get_case(session, case_ref)
    if case.end_date is not None:
        raise Conflict(f"{case.ref} is already closed (on {case.end_date})")
    if data.end < case.start_date:
        raise InvalidInput(f"the end date {data.end} is before the case start {case.start_date}")
    last = session.scalar(select(func.max(Assessment.date)).where(Assessment.case_id == case.id))
    if last is not None and data.end < last:
        raise InvalidInput(f"the end date {data.end} is before the last assessment ({last})")
    case.end_date = data.end
    case.close_reason = data.reason.value
    session.add(case)
    session.flush()
    return case


def _level(assessment: Assessment) -> str:
    return assessment.risk or assessment.light or ""


# The keys of `case_record`, in order: the columns of `case list --format csv`, even when empty.
CASE_FIELDS = (
    "case",
    "youth",
    "model",
    "group",
    "start",
    "end",
    "status",
    "close_reason",
    "level",
    "manager",
    "support_requested",
    "age_at_start",
    "ineligible_reason",
)


def case_record(case: Case, youth: Youth, assessments: list[Assessment]) -> dict[str, Any]:
    """A case as a plain dict with stable keys, its current level from the latest assessment."""
    latest = max(assessments, key=lambda a: (a.date, a.id or 0)) if assessments else None
    return {
        "case": case.ref,
        "youth": youth.ref,
        "model": case.model,
        "group": case.neet_group,
        "start": case.start_date.isoformat(),
        "end": case.end_date.isoformat() if case.end_date else None,
        "status": "closed" if case.end_date else "open",
        "close_reason": case.close_reason,
        "level": _level(latest) if latest else None,
        "manager": case.manager,
        "support_requested": case.support_requested,
        "age_at_start": age_on(youth.birth_date, case.start_date),
        "ineligible_reason": case.ineligible_reason,
    }


def list_cases(
    session: Session,
    *,
    model: Model | None = None,
    status: str | None = None,
    youth_id: int | None = None,
) -> list[dict[str, Any]]:
    """Cases ordered by start date then reference; `status` is "open", "closed" or None for all."""
    query = select(Case, Youth).join(Youth, Youth.id == Case.youth_id)  # type: ignore[arg-type]
    if youth_id is not None:
        query = query.where(Case.youth_id == youth_id)
    if model is not None:
        query = query.where(Case.model == model.value)
    if status == "open":
        query = query.where(col(Case.end_date).is_(None))
    elif status == "closed":
        query = query.where(col(Case.end_date).is_not(None))
    rows = session.execute(query.order_by(col(Case.start_date), col(Case.ref))).all()
    by_case: dict[int, list[Assessment]] = {}
    ids = [case.id for case, _ in rows]
    if ids:
        for assessment in session.scalars(
            select(Assessment).where(col(Assessment.case_id).in_(ids))
        ):
            by_case.setdefault(assessment.case_id, []).append(assessment)
    return [case_record(case, youth, by_case.get(case.id, [])) for case, youth in rows]


def case_detail(session: Session, ref: str, *, personal: bool = True) -> dict[str, Any]:
    """One case with its youth and a dated timeline of opening, assessments and closing.

    `personal=False` leaves out the youth's name.
    """
    case = get_case(session, ref)
    youth = session.get(Youth, case.youth_id)
    assert youth is not None
    assessments = sorted(
        session.scalars(select(Assessment).where(Assessment.case_id == case.id)),
        key=lambda a: (a.date, a.id or 0),
    )
    kind = "risk" if case.model == Model.RV else "light"
    timeline: list[dict[str, Any]] = [
        {"date": case.start_date.isoformat(), "event": "opened", "detail": case.model}
    ]
    timeline += [
        {"date": a.date.isoformat(), "event": "assessment", "detail": f"{kind} {_level(a)}"}
        for a in assessments
    ]
    if case.end_date:
        timeline.append(
            {"date": case.end_date.isoformat(), "event": "closed", "detail": case.close_reason}
        )
    record = case_record(case, youth, assessments)
    if personal:
        record["name"] = youth.name
    record["sex"] = youth.sex
    record["age_today"] = age_on(youth.birth_date, dt.date.today())
    record["timeline"] = timeline
    return record
