"""Correcting mistakes: every dated record a person types can be corrected or withdrawn, with a reason.

Design
------
*Correcting* replaces fields of a record in place (`case correct REF C-12 --date … --reason …`).
*Withdrawing* keeps the record, marked with `withdrawn_at`, `withdrawn_by` and `withdrawn_reason`
(`case withdraw REF C-12 --reason …`): a record typed by mistake, or twice. Nothing is ever deleted.

What can be corrected: a youth (name, personal code; birth date and sex of a youth without a code),
a case (start, channel, NEET group; the case manager is `case reassign`'s, in the staff register),
and every record of a case, each by its short reference, which `case show` and `case plan` print:

    A-…  assessment        T-…  stage change      C-…  contact          N-…  needs assessment
    G-n  goal (its number) P-n  activity (number) K-…  consent          R-n  support request
    F-…  follow-up         closing               the case's closing (end date, reason)

(`domain.refs`; A, T, C, N, K and F are numbered by the book, so a reference never changes.) The
closing has no row of its own: withdrawing it reopens the case as if it had never been closed (its
move to follow-up and its follow-up are withdrawn with it); a support request's answer is corrected
with `--answer`, and `--answer none` withdraws it.

Rules: a corrected record is checked by the same functions that checked it when it was recorded
(`validated(New…)`, `check_date_in_case`, `check_assessment`, `check_end`, `check_born`,
`check_consent_date`, `check_code_free`, …), against the book as it is with the correction made.
So a corrected case start after the first contact is refused, a stage change moved before the
previous one is refused, a date outside the case is refused. Withdrawing a contact that was the
first one moves the first-contact date, since everything reads the remaining ones. A refusal
raises before the session commits: nothing is written.

Withdrawn records are left out of everything (timelines, listings, counts, checks, reports and
follow-up scheduling): ORM queries by `storage.withdrawn`'s session hook, the SQL of reports and
checks by `withdrawn_at IS NULL` in each. Only `case show --history` shows them.

Audit: the change itself is an update of the record, which the audit log records with old and new
values as it records every change (redacted as always). Each correction or withdrawal is also kept
in `corrections` (who, when, which record, the changes as the log has them, and the reason), which
`case show --history` reads.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from rvneet.domain.enums import (
    CloseReason,
    ConsentGiver,
    ConsentScope,
    ContactChannel,
    Light,
    Model,
    NeetGroup,
    NetworkRole,
    ReachChannel,
    RiskLevel,
    Sex,
    SupportAnswer,
    SupportKind,
    parse_choice,
)
from rvneet.domain.errors import Conflict, InvalidInput, NotFound
from rvneet.domain.inputs import (
    Closing,
    FollowUpRecord,
    NewActivity,
    NewAssessment,
    NewCase,
    NewConsent,
    NewContact,
    NewGoal,
    NewNeeds,
    NewStageChange,
    NewSupportRequest,
    NewYouth,
)
from rvneet.domain.refs import KINDS, NUMBERED, parse_record_ref, record_ref
from rvneet.domain.rules import eligibility_problem
from rvneet.domain.stages import FOLLOW_UP, check_stage, stage_label
from rvneet.domain.tables import (
    Assessment,
    Case,
    Consent,
    Contact,
    Correction,
    FollowUp,
    Goal,
    ManagerChange,
    Need,
    NeedsAssessment,
    StageChange,
    SupportActivity,
    SupportRequest,
    WelfareScore,
    Youth,
)
from rvneet.i18n import N_, _, format_date, message_language, translate
from rvneet.services.audit import pending_changes
from rvneet.services.lookups import (
    check_assessment,
    check_born,
    check_code_free,
    check_date_in_case,
    check_end,
    check_not_erased,
)
from rvneet.services.permissions import get_case, get_youth
from rvneet.services.validation import validated
from rvneet.storage.audit import recorded_user
from rvneet.storage.withdrawn import SHOW_WITHDRAWN

REASON_MAX = 500
# The word that names a case's closing where a record reference is typed, in English and Estonian.
CLOSING_WORDS = ("closing", "lõpetamine")
_SEE_ALL = {SHOW_WITHDRAWN: True}

# What each kind of record is called in messages, marked for translation.
KIND_NAMES: dict[Any, str] = {
    Assessment: N_("an assessment"),
    StageChange: N_("a stage change"),
    Contact: N_("a contact"),
    NeedsAssessment: N_("a needs assessment"),
    Goal: N_("a goal"),
    SupportActivity: N_("an activity"),
    Consent: N_("a consent"),
    SupportRequest: N_("a support request"),
    FollowUp: N_("a follow-up"),
    "closing": N_("the closing"),
    Case: N_("a case"),
    Youth: N_("a youth"),
}
# The fields (command-line options without `--`) that can be corrected in each kind of record.
FIELDS: dict[Any, tuple[str, ...]] = {
    Assessment: ("date", "risk", "light", "instrument"),
    StageChange: ("date", "stage", "note"),
    Contact: ("date", "channel", "place", "note"),
    NeedsAssessment: ("date", "need", "motivation", "neet_months", "note"),
    Goal: ("date", "text", "due"),
    SupportActivity: ("date", "kind", "planned_end"),
    Consent: ("date", "scope", "given_by"),
    SupportRequest: ("date", "kind", "answer", "answered_on"),
    FollowUp: ("date", "due"),
    "closing": ("date", "close_reason"),
    # The manager typed at opening; a later hand-over is `case reassign`'s, which dates it.
    Case: ("start", "channel", "group", "manager"),
    Youth: ("name", "code", "birth_date", "sex"),
}


def _day(day: dt.date | None) -> object:
    return format_date(day, message_language())


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _choice(enum: Any, value: Any) -> Any:
    """A typed choice (English or Estonian form) as its enum member; InvalidInput naming the choices."""
    if value is None or isinstance(value, enum):
        return value
    try:
        return parse_choice(enum, str(value))
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(_("give the reason for the correction (--reason)"))
    if len(text) > REASON_MAX:
        raise InvalidInput(
            _("the reason is longer than {limit} characters").format(limit=REASON_MAX)
        )
    return text


def _check_fields(kind: Any, fields: dict[str, Any], ref: str) -> dict[str, Any]:
    """The given fields, refusing none given and any the kind of record does not have."""
    given = {k: v for k, v in fields.items() if v is not None}
    allowed = FIELDS[kind]
    for key in given:
        if key not in allowed:
            raise InvalidInput(
                _("{option} does not apply to {what} ({ref}); it takes: {options}").format(
                    option=_option(key),
                    what=translate(KIND_NAMES[kind]),
                    ref=ref,
                    options=", ".join(_option(k) for k in allowed),
                )
            )
    if not given:
        raise InvalidInput(
            _("nothing to correct: give one of {options}").format(
                options=", ".join(_option(k) for k in allowed)
            )
        )
    return given


def _keep(
    session: Session,
    record: Any,
    changes: dict[str, list[Any]],
    *,
    ref: str,
    action: str,
    reason: str,
    case: Case | None = None,
    youth_id: int | None = None,
) -> Correction:
    """Record a correction or withdrawal in `corrections` (audited like every insert)."""
    if not changes:
        raise InvalidInput(_("nothing to correct: the values given are the ones recorded"))
    correction = Correction(
        at=_now(),
        user=recorded_user(session),
        entity=str(record.__tablename__),
        entity_id=record.id,
        case_id=case.id if case is not None else None,
        youth_id=youth_id if youth_id is not None else (case.youth_id if case else None),
        record=ref,
        action=action,
        changes=json.dumps(changes, ensure_ascii=False, sort_keys=True),
        reason=reason,
    )
    session.add(correction)
    session.flush()
    return correction


def find_record(session: Session, case: Case, ref: str) -> Any:
    """The record of `case` (or of its youth, for a consent) named by `ref`, withdrawn or not."""
    parsed = parse_record_ref(ref)
    if parsed is None:
        raise InvalidInput(
            _(
                "{ref} is not a record reference; use the one case show prints, e.g. C-12, or "
                "closing"
            ).format(ref=repr(ref.strip()))
        )
    letter, number = parsed
    table = KINDS[letter]
    if letter in NUMBERED:
        record = session.exec(
            select(table)
            .where(table.case_id == case.id, table.number == number)
            .execution_options(**_SEE_ALL)
        ).first()
    else:
        record = session.get(table, number, execution_options=_SEE_ALL)
        owner = (case.youth_id, "youth_id") if table is Consent else (case.id, "case_id")
        if record is not None and getattr(record, owner[1]) != owner[0]:
            record = None
    if record is None:
        raise NotFound(
            _("{case} has no record {ref}").format(case=case.ref, ref=f"{letter}-{number}")
        )
    return record


def _not_withdrawn(record: Any, ref: str) -> None:
    if record.withdrawn_at is not None:
        raise Conflict(
            _("{ref} was withdrawn on {date}; a withdrawn record is not changed").format(
                ref=ref, date=_day(record.withdrawn_at)
            )
        )


def _is_closing(item: str) -> bool:
    return item.strip().casefold() in CLOSING_WORDS


# Correcting the records of a case


def correct_record(
    session: Session, case_ref: str, item: str, fields: dict[str, Any], reason: str
) -> Correction:
    """Correct the record `item` (`C-12`, `G-2`, `closing`) of the case `case_ref`."""
    why = _reason(reason)
    case = get_case(session, case_ref)
    check_not_erased(_youth(session, case), _("a record cannot be corrected"))
    if _is_closing(item):
        return _correct_closing(session, case, _check_fields("closing", fields, "closing"), why)
    record = find_record(session, case, item)
    ref = record_ref(record)
    _not_withdrawn(record, ref)
    given = _check_fields(type(record), fields, ref)
    # Each corrector checks the new values by the rules of the record's creation, then sets them.
    # A corrector may return changes of rows of the record's own (a needs assessment's categories).
    extra = _CORRECTORS[type(record)](session, case, record, given)
    changes = {**pending_changes(record), **(extra or {})}
    return _keep(session, record, changes, ref=ref, action="correct", reason=why, case=case)


def _youth(session: Session, case: Case) -> Youth:
    youth = session.get(Youth, case.youth_id)
    assert youth is not None
    return youth


def _assessment(session: Session, case: Case, record: Assessment, f: dict[str, Any]) -> None:
    data = validated(
        NewAssessment,
        date=f.get("date", record.date),
        risk=_choice(RiskLevel, f.get("risk", record.risk)),
        light=_choice(Light, f.get("light", record.light)),
        instrument=f.get("instrument", record.instrument) or None,
    )
    check_assessment(case, data)
    record.date = data.date
    record.risk = data.risk.value if data.risk else None
    record.light = data.light.value if data.light else None
    record.instrument = data.instrument
    session.add(record)


def _stage_change(session: Session, case: Case, record: StageChange, f: dict[str, Any]) -> None:
    data = validated(
        NewStageChange,
        stage=f.get("stage", record.stage),
        date=f.get("date", record.date),
        note=f.get("note", record.note) or None,
    )
    try:
        name = check_stage(Model(case.model), data.stage)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    if case.end_date is not None and record.stage == FOLLOW_UP and record.date == case.end_date:
        raise InvalidInput(
            _("{ref} is the case's move to follow-up at its closing: correct the closing").format(
                ref=record_ref(record)
            )
        )
    check_date_in_case(case, data.date, _("the stage change"))
    others = list(
        session.exec(
            select(StageChange)
            .where(StageChange.case_id == case.id, StageChange.id != record.id)
            .order_by(col(StageChange.id))
        )
    )
    lang = message_language()
    previous = [s for s in others if (s.id or 0) < (record.id or 0)]
    following = [s for s in others if (s.id or 0) > (record.id or 0)]
    if previous and data.date < previous[-1].date:
        raise InvalidInput(
            _("the stage change {day} is before the previous one ({stage} on {previous})").format(
                day=format_date(data.date, lang),
                stage=stage_label(previous[-1].stage, case.model, lang),
                previous=format_date(previous[-1].date, lang),
            )
        )
    if following and data.date > following[0].date:
        raise InvalidInput(
            _("the stage change {day} is after the next one ({stage} on {following})").format(
                day=format_date(data.date, lang),
                stage=stage_label(following[0].stage, case.model, lang),
                following=format_date(following[0].date, lang),
            )
        )
    record.stage, record.date, record.note = name, data.date, data.note
    session.add(record)


def _contact(session: Session, case: Case, record: Contact, f: dict[str, Any]) -> None:
    roles = tuple(NetworkRole(r) for r in (record.with_roles or "").split(",") if r)
    data = validated(
        NewContact,
        date=f.get("date", record.date),
        channel=_choice(ContactChannel, f.get("channel", record.channel)),
        place=f.get("place", record.place) or None,
        with_roles=roles,
        network_meeting=record.network_meeting,
        note=f.get("note", record.note) or None,
    )
    check_date_in_case(case, data.date, _("the contact"))
    record.date, record.channel = data.date, data.channel.value
    record.place, record.note = data.place, data.note
    session.add(record)


def _needs(
    session: Session, case: Case, record: NeedsAssessment, f: dict[str, Any]
) -> dict[str, list[Any]]:
    from rvneet.domain.enums import NeedCategory
    from rvneet.services.casework import check_welfare_age

    rows = list(session.exec(select(Need).where(Need.assessment_id == record.id)))
    needs = tuple(_choice(NeedCategory, n) for n in f.get("need", [r.category for r in rows]))
    data = validated(
        NewNeeds,
        date=f.get("date", record.date),
        needs=needs,
        neet_months=f.get("neet_months", record.neet_months),
        motivation=f.get("motivation", record.motivation),
        note=f.get("note", record.note) or None,
    )
    check_date_in_case(case, data.date, _("the needs assessment"))
    scored = session.exec(
        select(WelfareScore.id).where(WelfareScore.assessment_id == record.id)
    ).first()
    youth = _youth(session, case)
    if scored is not None and youth.birth_date is not None:
        check_welfare_age(youth.birth_date, data.date)
    record.date, record.neet_months = data.date, data.neet_months
    record.motivation, record.note = data.motivation, data.note
    session.add(record)
    old = [r.category for r in rows]
    categories = list(dict.fromkeys(c.value for c in data.needs))
    if categories == old:
        return {}
    # The categories are rows of their own: replaced (each delete and insert audited).
    for row in rows:
        session.delete(row)
    for category in categories:
        session.add(Need(assessment_id=record.id, category=category))  # type: ignore[arg-type]
    return {"needs": [old, categories]}


def _goal(session: Session, case: Case, record: Goal, f: dict[str, Any]) -> None:
    data = validated(
        NewGoal,
        text=f.get("text", record.text),
        date=f.get("date", record.added_on),
        due=f.get("due", record.due),
    )
    check_date_in_case(case, data.date, _("the goal"))
    if record.state_date is not None and record.state_date < data.date:
        raise InvalidInput(
            _("the date {date} is before the goal was agreed ({agreed})").format(
                date=_day(record.state_date), agreed=_day(data.date)
            )
        )
    record.text, record.added_on, record.due = data.text, data.date, data.due
    session.add(record)


def _activity(session: Session, case: Case, record: SupportActivity, f: dict[str, Any]) -> None:
    data = validated(
        NewActivity,
        kind=f.get("kind", record.kind),
        start=f.get("date", record.start_date),
        planned_end=f.get("planned_end", record.planned_end),
    )
    check_date_in_case(case, data.start, _("the activity start"))
    if record.ended_on is not None and record.ended_on < data.start:
        raise InvalidInput(
            _("the end date {date} is before the activity started ({start})").format(
                date=_day(record.ended_on), start=_day(data.start)
            )
        )
    record.kind, record.start_date, record.planned_end = data.kind, data.start, data.planned_end
    session.add(record)


def _consent(session: Session, case: Case, record: Consent, f: dict[str, Any]) -> None:
    from rvneet.services.consent import check_consent_date

    data = validated(
        NewConsent,
        date=f.get("date", record.date),
        scope=_choice(ConsentScope, f.get("scope", record.scope)),
        given_by=_choice(ConsentGiver, f.get("given_by", record.given_by)),
        withdraw=record.withdrawn,
    )
    check_consent_date(_youth(session, case), data)
    record.date, record.scope, record.given_by = data.date, data.scope.value, data.given_by.value
    session.add(record)


def _request(session: Session, case: Case, record: SupportRequest, f: dict[str, Any]) -> None:
    data = validated(
        NewSupportRequest,
        date=f.get("date", record.date),
        kind=_choice(SupportKind, f.get("kind", record.kind)),
        justification=record.justification,
    )
    check_date_in_case(case, data.date, _("the support request"))
    answer, answered_on = record.answer, f.get("answered_on", record.answered_on)
    if "answer" in f:
        none = str(f["answer"]).strip().casefold() in ("none", "puudub")
        answer = None if none else _choice(SupportAnswer, f["answer"]).value
        if answer is None:
            answered_on, record.answer_note = None, None
    if answer is not None and answered_on is None:
        raise InvalidInput(_("give the day SKA answered (--answered-on)"))
    if answer is None and "answered_on" in f:
        raise InvalidInput(_("the request has no answer: give --answer granted|refused too"))
    if answered_on is not None and answered_on < data.date:
        raise InvalidInput(
            _("the answer date {date} is before the request date {requested}").format(
                date=_day(answered_on), requested=_day(data.date)
            )
        )
    record.date, record.kind = data.date, data.kind.value
    record.answer, record.answered_on = answer, answered_on
    session.add(record)


def _followup(session: Session, case: Case, record: FollowUp, f: dict[str, Any]) -> None:
    if "date" in f:
        if record.done_on is None:
            raise InvalidInput(
                _("{ref} has not been done: only its due date (--due) can be corrected").format(
                    ref=record_ref(record)
                )
            )
        data = validated(
            FollowUpRecord,
            date=f["date"],
            reached=bool(record.reached),
            in_education=record.in_education,
            in_employment=record.in_employment,
            note=record.note,
        )
        if case.end_date is not None and data.date < case.end_date:
            raise InvalidInput(
                _("the follow-up date {date} is before the case end {end}").format(
                    date=_day(data.date), end=_day(case.end_date)
                )
            )
        record.done_on = data.date
    if "due" in f:
        if case.end_date is not None and f["due"] < case.end_date:
            raise InvalidInput(
                _("the follow-up date {date} is before the case end {end}").format(
                    date=_day(f["due"]), end=_day(case.end_date)
                )
            )
        record.due = f["due"]
    session.add(record)


_CORRECTORS: dict[Any, Callable[..., dict[str, list[Any]] | None]] = {
    Assessment: _assessment,
    StageChange: _stage_change,
    Contact: _contact,
    NeedsAssessment: _needs,
    Goal: _goal,
    SupportActivity: _activity,
    Consent: _consent,
    SupportRequest: _request,
    FollowUp: _followup,
}


def _records_outside(
    session: Session, case: Case, start: dt.date, end: dt.date | None, moving: list[Any]
) -> tuple[str, dt.date] | None:
    """The first record of `case` dated outside [start, end] (not one of `moving`): what, date."""
    dated: list[tuple[str, Any, Any]] = [
        (N_("the first contact"), Contact, Contact.date),
        (N_("an assessment"), Assessment, Assessment.date),
        (N_("a stage change"), StageChange, StageChange.date),
        (N_("a needs assessment"), NeedsAssessment, NeedsAssessment.date),
        (N_("a goal"), Goal, Goal.added_on),
        (N_("an activity"), SupportActivity, SupportActivity.start_date),
        (N_("a support request"), SupportRequest, SupportRequest.date),
    ]
    for what, table, column in dated:
        for record in session.exec(select(table).where(table.case_id == case.id).order_by(column)):
            if any(record is other for other in moving):
                continue
            day = getattr(record, column.key)
            if day < start or (end is not None and day > end):
                return translate(what), day
    return None


def _first_records(session: Session, case: Case) -> list[Any]:
    """The assessment, stage change and support request (`--support-requested`) recorded at opening,
    dated on the start: they move with it."""
    moving: list[Any] = []
    for table in (Assessment, StageChange, SupportRequest):
        first: Any = session.exec(
            select(table).where(table.case_id == case.id).order_by(col(table.id)).limit(1)
        ).first()
        if first is not None and first.date == case.start_date:
            moving.append(first)
    return moving


def correct_case(
    session: Session, case_ref: str, fields: dict[str, Any], reason: str
) -> Correction:
    """Correct a case's start date, channel or NEET group; a start after its first record is
    refused, a start outside the model's ages is refused unless the case was opened so with a reason.
    """
    why = _reason(reason)
    case = get_case(session, case_ref)
    youth = _youth(session, case)
    check_not_erased(youth, _("a record cannot be corrected"))
    given = _check_fields(Case, fields, case.ref)
    group = _choice(NeetGroup, given.get("group", case.neet_group))
    if "group" in given and case.model != Model.NEET:
        raise InvalidInput(_("{ref} is an RV case: it has no NEET group").format(ref=case.ref))
    moving = _first_records(session, case)
    opening = next((r for r in moving if isinstance(r, Assessment)), None)
    start = given.get("start", case.start_date)
    validated(
        NewCase,
        model=Model(case.model),
        start=start,
        risk=opening.risk if opening else ("medium" if case.model == Model.RV else None),
        light=opening.light if opening else ("red" if case.model == Model.NEET else None),
        group=group,
        channel=_choice(ReachChannel, given.get("channel", case.channel)),
    )
    check_born(youth, start)
    assert youth.birth_date is not None
    problem = eligibility_problem(Model(case.model), group, youth.birth_date, start)
    if problem and not case.ineligible_reason:
        raise InvalidInput(problem)
    outside = _records_outside(session, case, start, case.end_date, moving)
    if outside is not None:
        what, day = outside
        raise InvalidInput(
            _("the start {start} is after {what} ({day})").format(
                start=_day(start), what=what, day=_day(day)
            )
        )
    if "manager" in given:
        _correct_manager(session, case, given["manager"])
    old_start = case.start_date
    case.start_date = start
    case.neet_group = group.value if group else None
    case.channel = _choice(ReachChannel, given.get("channel", case.channel)).value
    changes = pending_changes(case)
    session.add(case)
    for record in moving:
        if record.date == old_start:
            record.date = start
            session.add(record)
    return _keep(session, case, changes, ref=case.ref, action="correct", reason=why, case=case)


def _correct_manager(session: Session, case: Case, manager: str) -> None:
    """Replace the manager given at opening; refused once the case has been handed over, since
    which manager had it when is then `case reassign`'s record."""
    from rvneet.services.staff import find_staff, set_manager, staff_label

    handed = session.scalar(
        select(func.min(ManagerChange.date)).where(ManagerChange.case_id == case.id)
    )
    if handed is not None:
        raise InvalidInput(
            _(
                "{ref} was handed over on {day}: its manager is changed with: rvneet case "
                "reassign {ref} --manager ... --date ..."
            ).format(ref=case.ref, day=_day(handed))
        )
    staff = find_staff(session, manager, for_new_work=True)
    if staff.id == case.manager_id:
        raise InvalidInput(
            _("{staff} already manages {case}").format(staff=staff_label(staff), case=case.ref)
        )
    set_manager(case, staff)


def _followup_move(session: Session, case: Case) -> StageChange | None:
    """The stage change that moved a closed case to follow-up on its end date."""
    last = session.exec(
        select(StageChange)
        .where(StageChange.case_id == case.id)
        .order_by(col(StageChange.date).desc(), col(StageChange.id).desc())
        .limit(1)
    ).first()
    if last is not None and last.stage == FOLLOW_UP and last.date == case.end_date:
        return last
    return None


def _pending_followup(session: Session, case: Case) -> FollowUp | None:
    return session.exec(
        select(FollowUp).where(FollowUp.case_id == case.id).order_by(col(FollowUp.id).desc())
    ).first()


def _closed(case: Case) -> dt.date:
    if case.end_date is None or case.close_reason is None:
        raise Conflict(_("{ref} is open: it has no closing").format(ref=case.ref))
    return case.end_date


def _correct_closing(session: Session, case: Case, given: dict[str, Any], why: str) -> Correction:
    from rvneet.services.followups import due_date

    end = _closed(case)
    data = validated(
        Closing,
        end=given.get("date", end),
        reason=_choice(CloseReason, given.get("close_reason", case.close_reason)),
    )
    move = _followup_move(session, case)
    before = session.exec(
        select(StageChange)
        .where(StageChange.case_id == case.id, StageChange.id != (move.id if move else None))
        .order_by(col(StageChange.date).desc(), col(StageChange.id).desc())
        .limit(1)
    ).first()
    check_end(session, case, data.end, before)
    outside = _records_outside(session, case, case.start_date, data.end, [move])
    if outside is not None:
        what, day = outside
        raise InvalidInput(
            _("the end {end} is before {what} ({day})").format(
                end=_day(data.end), what=what, day=_day(day)
            )
        )
    case.end_date, case.close_reason = data.end, data.reason.value
    changes = pending_changes(case)
    session.add(case)
    if move is not None:
        move.date = data.end
        session.add(move)
    followup = _pending_followup(session, case)
    if followup is not None and followup.done_on is None and data.end != end:
        followup.due = due_date(data.end)
        session.add(followup)
    return _keep(session, case, changes, ref="closing", action="correct", reason=why, case=case)


# Withdrawing


def withdraw_record(session: Session, case_ref: str, item: str, reason: str) -> Correction:
    """Withdraw the record `item` of a case: kept, marked, left out of everything but the history.

    `closing` reopens the case as if it had never been closed.
    """
    why = _reason(reason)
    case = get_case(session, case_ref)
    check_not_erased(_youth(session, case), _("a record cannot be corrected"))
    if _is_closing(item):
        return _withdraw_closing(session, case, why)
    record = find_record(session, case, item)
    ref = record_ref(record)
    _not_withdrawn(record, ref)
    if isinstance(record, Assessment):
        left = session.exec(
            select(Assessment.id).where(Assessment.case_id == case.id, Assessment.id != record.id)
        ).first()
        if left is None:
            raise Conflict(
                _("{ref} is the case's only assessment: correct it instead").format(ref=ref)
            )
    if isinstance(record, StageChange):
        first = session.exec(
            select(StageChange.id)
            .where(StageChange.case_id == case.id)
            .order_by(col(StageChange.id))
            .limit(1)
        ).first()
        if first == record.id:
            raise Conflict(_("{ref} is the case's first stage: correct it instead").format(ref=ref))
        if case.end_date is not None and record is _followup_move(session, case):
            raise Conflict(
                _(
                    "{ref} is the case's move to follow-up at its closing: withdraw the closing"
                ).format(ref=ref)
            )
    changes = _mark(session, record, why)
    return _keep(session, record, changes, ref=ref, action="withdraw", reason=why, case=case)


def _mark(session: Session, record: Any, why: str) -> dict[str, list[Any]]:
    record.withdrawn_at = dt.date.today()
    record.withdrawn_by = recorded_user(session)
    record.withdrawn_reason = why
    changes = pending_changes(record)
    session.add(record)
    return changes


def _withdraw_closing(session: Session, case: Case, why: str) -> Correction:
    from rvneet.services.lookups import open_case_ref

    _closed(case)
    if already := open_case_ref(session, case.youth_id, case.model):
        raise Conflict(
            _("the youth already has another open {model} case {case}").format(
                model=case.model.upper(), case=already
            )
        )
    move = _followup_move(session, case)
    followup = _pending_followup(session, case)
    case.end_date = case.close_reason = None
    case.in_education = case.in_employment = None
    case.wellbeing_start = case.wellbeing_end = None
    case.satisfaction_manager = case.satisfaction_overall = None
    changes = pending_changes(case)
    session.add(case)
    for record in (move, followup):
        if record is not None:
            _mark(session, record, why)
    return _keep(session, case, changes, ref="closing", action="withdraw", reason=why, case=case)


# Youths


def correct_youth(
    session: Session, youth_ref: str, fields: dict[str, Any], reason: str
) -> Correction:
    """Correct a youth's name or personal code, or the birth date and sex of a youth without one.

    A code must be valid and not another youth's; it gives the birth date and sex. Every case of
    the youth must still start on or after the birth date.
    """
    why = _reason(reason)
    youth = get_youth(session, youth_ref)
    check_not_erased(youth, _("a record cannot be corrected"))
    given = _check_fields(Youth, fields, youth.ref)
    code = given.get("code", youth.id_code)
    if code is not None and ("birth_date" in given or "sex" in given):
        raise InvalidInput(
            _("the birth date and sex of a youth with a personal code come from the code")
        )
    data = validated(
        NewYouth,
        name=given.get("name", youth.name),
        id_code=code,
        birth_date=None if code else given.get("birth_date", youth.birth_date),
        sex=None if code else _choice(Sex, given.get("sex", youth.sex)),
    )
    if data.id_code:
        check_code_free(session, data.id_code, youth.id)
    assert data.birth_date is not None and data.sex is not None
    youth.name, youth.id_code = data.name, data.id_code
    youth.birth_date, youth.sex = data.birth_date, data.sex.value
    changes = pending_changes(youth)
    session.add(youth)
    for case in session.exec(select(Case).where(Case.youth_id == youth.id)):
        check_born(youth, case.start_date)
    return _keep(
        session, youth, changes, ref=youth.ref, action="correct", reason=why, youth_id=youth.id
    )


# The history


def history(session: Session, case: Case) -> list[dict[str, Any]]:
    """The corrections and withdrawals of a case and of its youth, oldest first, with stable keys:
    `at` (UTC), `user`, `record`, `action` (correct/withdraw), `changes` {field: [old, new]}
    (redacted as the audit log redacts them) and `reason`."""
    rows = session.exec(
        select(Correction)
        .where((col(Correction.case_id) == case.id) | (col(Correction.youth_id) == case.youth_id))
        .order_by(col(Correction.id))
    )
    return [
        {
            "at": c.at,
            "user": c.user,
            "record": c.record,
            "action": c.action,
            "changes": json.loads(c.changes),
            "reason": c.reason,
        }
        for c in rows
        if c.case_id in (None, case.id)
    ]


def withdrawn_refs(session: Session, case: Case) -> dict[str, dict[str, Any]]:
    """The withdrawn records of a case (and its youth's consents): reference → when, who, why."""
    found: dict[str, dict[str, Any]] = {}
    for table in KINDS.values():
        owner = table.youth_id == case.youth_id if table is Consent else table.case_id == case.id
        for record in session.exec(
            select(table)
            .where(owner, col(table.withdrawn_at).is_not(None))
            .execution_options(**_SEE_ALL)
        ):
            found[record_ref(record)] = {
                "withdrawn_at": record.withdrawn_at.isoformat(),
                "withdrawn_by": record.withdrawn_by,
                "withdrawn_reason": record.withdrawn_reason,
            }
    return found
