"""Opening, assessing, closing and reading cases (*juhtumid*) under both models."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from rvneet.domain.access import Capability
from rvneet.domain.enums import (
    CloseReason,
    ConsentScope,
    Light,
    Model,
    NeetGroup,
    ReachChannel,
    RiskLevel,
    SupportKind,
    shown_stored,
)
from rvneet.domain.errors import Conflict, InvalidInput, NotFound
from rvneet.domain.inputs import Closing, NewAssessment, NewCase, Reopen
from rvneet.domain.refs import record_ref
from rvneet.domain.rules import eligibility_problem, known_age
from rvneet.domain.stages import FOLLOW_UP, REOPEN_STAGE, first_stage
from rvneet.domain.tables import Assessment, Case, CaseShare, Reopening, Staff, Youth
from rvneet.i18n import _, format_date, message_language, use_language
from rvneet.services.lookups import (
    check_assessment,
    check_born,
    check_case_not_erased,
    check_end,
    check_not_erased,
    open_case_ref,
)
from rvneet.services.paging import EVERY_ROW, Page, Paged
from rvneet.services.permissions import get_case, get_youth, require, require_manager, usable_cases
from rvneet.services.validation import validated


@dataclass
class Opened:
    """A newly opened case and the warnings the user should see."""

    case: Case
    warnings: list[str] = field(default_factory=list)
    # The staff member an import added as this case's manager (`new_manager_by_name`).
    new_staff: Staff | None = None


def _day(day: dt.date) -> object:
    """A date inside a message: 31.12.2025 in Estonian, ISO in English."""
    return format_date(day, message_language())


def _next_seq(session: Session, model: Model, year: int) -> int:
    prefix = f"{model.value.upper()}-{year}-"
    from rvneet.storage.dialect import last_over_every_row

    last = last_over_every_row(session.connection(), "rvneet_last_case_seq", prefix)
    if last is None:
        last = session.scalar(select(func.max(Case.seq)).where(col(Case.ref).startswith(prefix)))
    return (last or 0) + 1


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
    instrument: str | None = None,
    channel: ReachChannel = ReachChannel.OTHER,
    new_manager_by_name: bool = False,
    strict: bool = False,
) -> Opened:
    """Open a case; its first assessment is the level given here.

    An age outside the model's range is refused unless `allow_ineligible` gives the reason.
    `manager` is a staff reference, login or name (`services.staff.find_staff`); without it the
    person at the keyboard manages the case when they are an active case manager. An import gives
    `new_manager_by_name`: a name no staff member has is added to the staff register, with a
    warning. An RV case outside the agreements (`services.agreements.open_warnings`) is a warning,
    with `strict` a refusal.
    """
    require(session, Capability.CASES)
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
        instrument=instrument or None,
        channel=channel,
    )
    youth = get_youth(session, youth_ref)
    check_not_erased(youth, _("an erased youth cannot get a new case"))
    assert youth.birth_date is not None
    check_born(youth, data.start)
    warnings = []
    problem = eligibility_problem(data.model, data.group, youth.birth_date, data.start)
    if problem and data.allow_ineligible is None:
        raise InvalidInput(
            _("{problem}; to open it anyway give --allow-ineligible REASON").format(problem=problem)
        )
    if problem:
        warnings.append(
            _("opened outside the model's age range: {problem}").format(problem=problem)
        )
    if already := open_case_ref(session, youth.id, data.model.value):  # type: ignore[arg-type]
        raise Conflict(
            _("{youth} already has an open {model} case {case}").format(
                youth=youth.ref, model=data.model.value.upper(), case=already
            )
        )
    staff, added = _opening_manager(session, data.manager, new_manager_by_name)
    require_manager(session, staff.id if staff else None)
    if data.model == Model.RV:
        from rvneet.services.agreements import check_open as check_agreement

        warnings += check_agreement(session, data.start, strict=strict)
    seq = _next_seq(session, data.model, data.start.year)
    case = Case(
        ref=f"{data.model.value.upper()}-{data.start.year}-{seq:03d}",
        youth_id=youth.id,  # type: ignore[arg-type]
        model=data.model.value,
        seq=seq,
        start_date=data.start,
        neet_group=data.group.value if data.group else None,
        manager=staff.name if staff else None,
        manager_id=staff.id if staff else None,
        ineligible_reason=data.allow_ineligible if problem else None,
        channel=data.channel.value,
    )
    session.add(case)
    session.flush()
    session.add(
        Assessment(
            case_id=case.id,  # type: ignore[arg-type]
            date=data.start,
            risk=data.risk.value if data.risk else None,
            light=data.light.value if data.light else None,
            instrument=data.instrument,
        )
    )
    from rvneet.services.casework import add_stage_change
    from rvneet.services.lookups import has_consent
    from rvneet.services.support import add_request

    add_stage_change(session, case, first_stage(data.model), data.start)
    if data.support_requested:
        # Kept as an implementation request so Lisa 4 reads one source (agreement 4.6).
        add_request(
            session, case, date=data.start, kind=SupportKind.IMPLEMENTATION, justification=None
        )
    if not has_consent(session, youth.id, ConsentScope.PARTICIPATION, data.start):  # type: ignore[arg-type]
        warnings.append(
            _(
                "no participation consent of {youth} is on record; record it with: "
                "rvneet youth consent {youth} --scope participation ..."
            ).format(youth=youth.ref)
        )
    session.flush()
    return Opened(case, warnings, staff if added else None)


def _opening_manager(
    session: Session, manager: str | None, new_by_name: bool
) -> tuple[Staff | None, bool]:
    """The staff member who manages a new case, and whether (an import) added them just now."""
    from rvneet.services.staff import NOBODY, add_staff, default_manager, find_staff

    if manager is None:
        # An import's row without a manager has none; a person opening a case manages it.
        return (None if new_by_name else default_manager(session)), False
    if manager.strip() in NOBODY:
        return None, False
    try:
        return find_staff(session, manager, for_new_work=True), False
    except NotFound:
        stripped = manager.strip()
        if not new_by_name or (stripped.upper().startswith("S-") and stripped[2:].isdigit()):
            raise
    return add_staff(session, name=manager).staff, True


def assess(
    session: Session,
    case_ref: str,
    *,
    date: dt.date,
    risk: RiskLevel | None = None,
    light: Light | None = None,
    instrument: str | None = None,
) -> Assessment:
    """Record a new risk level (RV) or traffic light (NEET); older assessments are kept."""
    data = validated(
        NewAssessment, date=date, risk=risk, light=light, instrument=instrument or None
    )
    case = get_case(session, case_ref)
    check_case_not_erased(session, case, _("an assessment cannot be recorded"))
    check_assessment(case, data)
    assessment = Assessment(
        case_id=case.id,  # type: ignore[arg-type]
        date=data.date,
        risk=data.risk.value if data.risk else None,
        light=data.light.value if data.light else None,
        instrument=data.instrument,
    )
    session.add(assessment)
    session.flush()
    return assessment


def close_case(
    session: Session,
    case_ref: str,
    *,
    end: dt.date,
    reason: CloseReason,
    in_education: bool | None = None,
    in_employment: bool | None = None,
    wellbeing_start: int | None = None,
    wellbeing_end: int | None = None,
    satisfaction_manager: int | None = None,
    satisfaction_overall: int | None = None,
    resolution_youth: int | None = None,
    resolution_manager: int | None = None,
) -> Case:
    """Close an open case with its outcome; it moves to follow-up, due 6 months after the end.

    The end may not be before the start, nor before the case's last assessment or stage change.
    The wellbeing baseline recorded earlier (`case needs --wellbeing`) wins over `wellbeing_start`.
    """
    from rvneet.services.casework import add_stage_change, current_stage, wellbeing_baseline
    from rvneet.services.followups import schedule_followup

    data = validated(
        Closing,
        end=end,
        reason=reason,
        in_education=in_education,
        in_employment=in_employment,
        wellbeing_start=wellbeing_start,
        wellbeing_end=wellbeing_end,
        satisfaction_manager=satisfaction_manager,
        satisfaction_overall=satisfaction_overall,
        resolution_youth=resolution_youth,
        resolution_manager=resolution_manager,
    )
    case = get_case(session, case_ref)
    if case.end_date is not None:
        raise Conflict(
            _("{ref} is already closed (on {end})").format(ref=case.ref, end=_day(case.end_date))
        )
    check_end(session, case, data.end, current_stage(session, case.id))  # type: ignore[arg-type]
    # Read before the case changes: a query would flush the half-made closing to the audit log.
    baseline = wellbeing_baseline(session, case)
    case.end_date = data.end
    case.close_reason = data.reason.value
    case.in_education = data.in_education
    case.in_employment = data.in_employment
    case.wellbeing_start = baseline if baseline is not None else data.wellbeing_start
    case.wellbeing_end = data.wellbeing_end
    case.satisfaction_manager = data.satisfaction_manager
    case.satisfaction_overall = data.satisfaction_overall
    case.resolution_youth = data.resolution_youth
    case.resolution_manager = data.resolution_manager
    session.add(case)
    add_stage_change(session, case, FOLLOW_UP, data.end)
    schedule_followup(session, case)
    session.flush()
    return case


def reopen_case(session: Session, case_ref: str, *, date: dt.date, reason: str) -> Case:
    """Reopen a closed case: the closing is kept in `reopenings`, the due follow-up is cancelled.

    Lisa 4 then treats the case as ongoing again.
    """
    from rvneet.services.casework import add_stage_change
    from rvneet.services.followups import cancel_followup

    data = validated(Reopen, date=date, reason=reason)
    case = get_case(session, case_ref)
    if case.end_date is None or case.close_reason is None:
        raise Conflict(_("{ref} is open; only a closed case can be reopened").format(ref=case.ref))
    if data.date < case.end_date:
        raise InvalidInput(
            _("the reopening date {day} is before the case end {end}").format(
                day=_day(data.date), end=_day(case.end_date)
            )
        )
    check_case_not_erased(session, case, _("a case of an erased youth cannot be reopened"))
    if already := open_case_ref(session, case.youth_id, case.model):
        raise Conflict(
            _("the youth already has another open {model} case {case}").format(
                model=case.model.upper(), case=already
            )
        )
    session.add(
        Reopening(
            case_id=case.id,  # type: ignore[arg-type]
            date=data.date,
            reason=data.reason,
            previous_end=case.end_date,
            previous_reason=case.close_reason,
        )
    )
    case.end_date = None
    case.close_reason = None
    case.in_education = case.in_employment = None
    case.wellbeing_start = case.wellbeing_end = None
    case.satisfaction_manager = case.satisfaction_overall = None
    case.resolution_youth = case.resolution_manager = None
    session.add(case)
    cancel_followup(session, case)
    add_stage_change(session, case, REOPEN_STAGE[Model(case.model)], data.date)
    session.flush()
    return case


def _level(assessment: Assessment) -> str:
    return assessment.risk or assessment.light or ""


def _assessed(case: Case, assessment: Assessment) -> str:
    """An assessment in the timeline: `risk high (YLS/CMI)`, `light red`, in the message language."""
    if case.model == Model.RV:
        level = shown_stored(RiskLevel, assessment.risk or "")
        if assessment.instrument:
            return _("risk {level} ({instrument})").format(
                level=level, instrument=assessment.instrument
            )
        return _("risk {level}").format(level=level)
    level = shown_stored(Light, assessment.light or "")
    if assessment.instrument:
        return _("light {level} ({instrument})").format(
            level=level, instrument=assessment.instrument
        )
    return _("light {level}").format(level=level)


def _timeline(session: Session, case: Case, assessments: list[Assessment]) -> list[dict[str, str]]:
    """The case's own events: opened, assessments, closings and reopenings."""
    timeline: list[dict[str, str]] = [
        {
            "date": case.start_date.isoformat(),
            "event": "opened",
            "detail": shown_stored(Model, case.model),
        }
    ]
    for a in assessments:
        timeline.append(
            {
                "date": a.date.isoformat(),
                "event": "assessment",
                "detail": _assessed(case, a),
                "record": record_ref(a),
            }
        )
    # A closing comes before the same day's move to follow-up: gather closings first.
    for reopening in session.exec(select(Reopening).where(Reopening.case_id == case.id)):
        timeline.append(
            {
                "date": reopening.previous_end.isoformat(),
                "event": "closed",
                "detail": shown_stored(CloseReason, reopening.previous_reason),
            }
        )
        timeline.append({"date": reopening.date.isoformat(), "event": "reopened", "detail": ""})
    if case.end_date:
        timeline.append(
            {
                "date": case.end_date.isoformat(),
                "event": "closed",
                "detail": shown_stored(CloseReason, case.close_reason or ""),
                "record": "closing",
            }
        )
    return timeline


# The keys of `case_record`, in order: the columns of `case list --format csv`, even when empty.
CASE_FIELDS = (
    "case",
    "youth",
    "model",
    "group",
    "channel",
    "start",
    "end",
    "status",
    "close_reason",
    "stage",
    "level",
    "manager",
    "support_requested",
    "age_at_start",
    "ineligible_reason",
    "manager_ref",
)


def case_record(
    case: Case,
    youth: Youth,
    assessments: list[Assessment],
    *,
    stage: str | None,
    support_requested: bool,
    manager_ref: str | None = None,
) -> dict[str, Any]:
    """A case as a plain dict with stable keys, its current level from the latest assessment."""
    latest = max(assessments, key=lambda a: (a.date, a.id or 0)) if assessments else None
    return {
        "case": case.ref,
        "youth": youth.ref,
        "model": case.model,
        "group": case.neet_group,
        "channel": case.channel,
        "start": case.start_date.isoformat(),
        "end": case.end_date.isoformat() if case.end_date else None,
        "status": "closed" if case.end_date else "open",
        "close_reason": case.close_reason,
        "stage": stage,
        "level": _level(latest) if latest else None,
        "manager": case.manager,
        "support_requested": support_requested,
        "age_at_start": known_age(youth.birth_date, case.start_date, case.age_at_start),
        "ineligible_reason": case.ineligible_reason,
        "manager_ref": manager_ref,
    }


def _current_stage() -> Any:
    """The case's current stage as a correlated subquery: its last stage change by date, then id."""
    from rvneet.domain.tables import StageChange

    return (
        select(StageChange.stage)
        .where(StageChange.case_id == Case.id)
        .order_by(col(StageChange.date).desc(), col(StageChange.id).desc())
        .limit(1)
        .correlate(Case)
        .scalar_subquery()
    )


def _case_filters(
    model: Model | None,
    status: str | None,
    stage: str | None,
    youth_id: int | None,
    manager_id: int | None = None,
) -> list[Any]:
    from rvneet.domain.stages import find_stage, stages_text

    if stage is not None:
        if (name := find_stage(None, stage)) is None:
            raise InvalidInput(
                _("{stage} is not a stage; use one of: {stages}").format(
                    stage=repr(stage), stages=stages_text()
                )
            )
        stage = name
    filters: list[Any] = []
    if youth_id is not None:
        filters.append(Case.youth_id == youth_id)
    if manager_id is not None:
        filters.append(Case.manager_id == manager_id)
    if model is not None:
        filters.append(Case.model == model.value)
    if status == "open":
        filters.append(col(Case.end_date).is_(None))
    elif status == "closed":
        filters.append(col(Case.end_date).is_not(None))
    if stage is not None:
        filters.append(_current_stage() == stage)
    return filters


def list_cases(
    session: Session,
    *,
    model: Model | None = None,
    status: str | None = None,
    stage: str | None = None,
    youth_id: int | None = None,
    manager_id: int | None = None,
    page: Page = EVERY_ROW,
    also: ColumnElement[bool] | None = None,
) -> list[dict[str, Any]]:
    """Cases ordered by start date then reference; `status` is "open", "closed" or None for all.

    `stage` keeps the cases whose current stage it is, `manager_id` those the staff member manages
    now; `page` limits the rows to one page.
    """
    from rvneet.domain.tables import SupportRequest

    # Only the cases the person at the keyboard may use (a case manager's own and shared ones).
    filters = [*_case_filters(model, status, stage, youth_id, manager_id), usable_cases(session)]
    if also is not None:
        filters.append(also)
    query = (
        select(Case, Youth, _current_stage(), Staff.ref)
        .join(Youth, col(Youth.id) == Case.youth_id)
        .outerjoin(Staff, col(Staff.id) == Case.manager_id)
        .where(*filters)
        .order_by(col(Case.start_date), col(Case.ref))
    )
    rows = session.execute(page.apply(query)).all()
    ids = [case.id for case, _, _, _ in rows]
    assessments: dict[int, list[Assessment]] = {}
    supported: set[int] = set()
    if ids:
        for assessment in session.exec(select(Assessment).where(col(Assessment.case_id).in_(ids))):
            assessments.setdefault(assessment.case_id, []).append(assessment)
        supported = set(
            session.exec(
                select(SupportRequest.case_id).where(
                    col(SupportRequest.case_id).in_(ids), SupportRequest.kind == "implementation"
                )
            )
        )
    return [
        case_record(
            case,
            youth,
            assessments.get(case.id, []),
            stage=current_stage,
            support_requested=case.id in supported,
            manager_ref=manager_ref,
        )
        for case, youth, current_stage, manager_ref in rows
    ]


def case_page(
    session: Session,
    *,
    model: Model | None = None,
    status: str | None = None,
    stage: str | None = None,
    manager: str | None = None,
    mine: bool = False,
    page: Page = EVERY_ROW,
) -> Paged:
    """One page of `list_cases` and the number of matching cases.

    `manager` (a staff reference, login or name) keeps the cases that staff member manages now;
    `mine` those of the person at the keyboard (`RVNEET_USER` / `--user`).
    """
    require(session, Capability.CASES)
    from rvneet.services.staff import find_staff, my_staff

    manager_id = None
    also: ColumnElement[bool] | None = None
    shared: dict[int | None, dt.date] = {}
    if mine and manager is not None:
        raise InvalidInput(_("give --mine or --manager, not both"))
    if mine:
        # Mine: the cases I manage and those shared with me now (each marked with its last day).
        me = my_staff(session).id
        shared = dict(
            session.execute(
                sa_select(col(CaseShare.case_id), col(CaseShare.until)).where(
                    col(CaseShare.staff_id) == me,
                    col(CaseShare.ended_on).is_(None),
                    col(CaseShare.until) >= dt.date.today(),
                )
            ).all()
        )
        also = or_(col(Case.manager_id) == me, col(Case.id).in_(list(shared)))
    elif manager is not None:
        manager_id = find_staff(session, manager).id
    filters = [*_case_filters(model, status, stage, None, manager_id), usable_cases(session)]
    if also is not None:
        filters.append(also)
    total = session.execute(select(func.count()).select_from(Case).where(*filters)).scalar_one()
    rows = list_cases(
        session,
        model=model,
        status=status,
        stage=stage,
        manager_id=manager_id,
        page=page,
        also=also,
    )
    if mine:
        until = {ref: shared[case_id] for ref, case_id in _ids(session, rows) if case_id in shared}
        for row in rows:
            row["shared_until"] = until[row["case"]].isoformat() if row["case"] in until else None
    return Paged(rows, total, page)


def _ids(session: Session, rows: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """(reference, id) of the listed cases."""
    refs = [row["case"] for row in rows]
    return [
        (ref, case_id)
        for ref, case_id in session.execute(
            sa_select(col(Case.ref), col(Case.id)).where(col(Case.ref).in_(refs))
        ).all()
    ]


def case_detail(
    session: Session, ref: str, *, personal: bool = True, lang: str = "en", history: bool = False
) -> dict[str, Any]:
    """One case with its youth and a dated timeline merging everything recorded on it.

    `personal=False` leaves out the youth's name. With it (the default) the reading is audited (who
    looked at whom), so `session` must be a write session.

    The timeline's `event` is a machine name (`opened`, `goal added`); its `detail` is written in
    `lang`: English, as JSON carries it, unless a table for people asks for Estonian ("et"). Each
    source's `timeline()` runs in that language (`_()` and `shown()` there follow it).

    `history` adds the withdrawn records to the timeline and the consents (each with `withdrawn_at`,
    `withdrawn_by` and `withdrawn_reason`) and the case's corrections as `history`
    (`services.corrections.history`).
    """
    from rvneet.services import casework, followups, network, plan, shares, staff, support
    from rvneet.services.audit import audit_read
    from rvneet.services.consent import consent_records

    case = get_case(session, ref)
    if personal:
        assert case.id is not None
        audit_read(session, "cases", case.id, case.ref)
    youth = session.get(Youth, case.youth_id)
    assert youth is not None
    record = list_cases(session, youth_id=youth.id)
    summary = next(r for r in record if r["case"] == case.ref)
    assessments = sorted(
        session.exec(select(Assessment).where(Assessment.case_id == case.id)),
        key=lambda a: (a.date, a.id or 0),
    )
    if history:
        from rvneet.services import corrections
        from rvneet.storage.withdrawn import SHOW_WITHDRAWN

        withdrawn = corrections.withdrawn_refs(session, case)
        session.info[SHOW_WITHDRAWN] = True
        assessments = sorted(
            session.exec(select(Assessment).where(Assessment.case_id == case.id)),
            key=lambda a: (a.date, a.id or 0),
        )
    with use_language(lang):
        timeline = _timeline(session, case, assessments)
        timeline += casework.timeline(session, case) + network.timeline(session, case)
        timeline += staff.timeline(session, case) + shares.timeline(session, case)
        for source in (plan, support, followups):
            timeline += source.timeline(session, case, lang=lang)
    # A stable sort keeps events of one day in the order they were gathered.
    timeline.sort(key=lambda event: event["date"])
    if history:
        consents = consent_records(session, youth.id)  # type: ignore[arg-type]
        session.info.pop(SHOW_WITHDRAWN, None)
    if personal:
        summary["name"] = youth.name
    summary["sex"] = youth.sex
    summary["age_today"] = known_age(youth.birth_date, dt.date.today(), None)
    summary["first_contact"] = casework.first_contact(session, case)
    summary["outcome"] = {
        "in_education": case.in_education,
        "in_employment": case.in_employment,
        "wellbeing_start": case.wellbeing_start,
        "wellbeing_end": case.wellbeing_end,
        "satisfaction_manager": case.satisfaction_manager,
        "satisfaction_overall": case.satisfaction_overall,
        "resolution_youth": case.resolution_youth,
        "resolution_manager": case.resolution_manager,
        **plan.goals_met(session, case),
    }
    assert youth.id is not None
    summary["consents"] = consents if history else consent_records(session, youth.id)
    if history:
        for item in (*timeline, *summary["consents"]):
            item.update(withdrawn.get(item.get("record", ""), {}))
        summary["history"] = corrections.history(session, case)
    summary["shares"] = shares.shares_of(session, case)
    summary["timeline"] = timeline
    return summary
