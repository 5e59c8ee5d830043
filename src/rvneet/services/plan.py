"""The case plan (*juhtumiplaan* / *tegevuskava*): goals, and support activities (*tugitegevused*).

Goals and activities are numbered 1, 2, 3 within their case. A closed case's plan is not edited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from rvneet.domain.enums import (
    ActivityStatus,
    GoalExtent,
    GoalState,
    NetworkRole,
    shown,
    shown_stored,
)
from rvneet.domain.errors import Conflict, InvalidInput, NotFound
from rvneet.domain.inputs import ActivityEnd, GoalEnd, NewActivity, NewGoal
from rvneet.domain.refs import record_ref
from rvneet.domain.tables import Case, Goal, NetworkMember, SupportActivity
from rvneet.i18n import N_, _, format_date, message_language, translate
from rvneet.services.lookups import (
    check_active,
    check_date_in_case,
    check_open,
    get_member,
)
from rvneet.services.permissions import get_case
from rvneet.services.validation import validated

SHORT = 60  # characters of free text shown in a timeline line

# Timeline event names: English in JSON, marked here for `case show` to show them translated.
GOAL_EVENTS = {
    GoalState.OPEN: N_("goal added"),
    GoalState.DONE: N_("goal done"),
    GoalState.DROPPED: N_("goal dropped"),
}
ACTIVITY_STARTED = N_("activity started")
ACTIVITY_ENDED = N_("activity ended")


def _day(day: dt.date | None) -> object:
    """A date inside a message: ISO in English, 31.12.2025 in Estonian."""
    return format_date(day, message_language())


def _short(text: str) -> str:
    return text if len(text) <= SHORT else text[: SHORT - 1] + "…"


def _next_number(session: Session, table: type[Goal] | type[SupportActivity], case: Case) -> int:
    # A withdrawn goal or activity keeps its number: the next one never takes it again.
    last = session.scalar(
        select(func.max(table.number))
        .where(table.case_id == case.id)
        .execution_options(show_withdrawn=True)
    )
    return (last or 0) + 1


def get_goal(session: Session, case: Case, number: int) -> Goal:
    """Goal `number` of `case`, or NotFound."""
    goal = session.exec(select(Goal).where(Goal.case_id == case.id, Goal.number == number)).first()
    if goal is None:
        raise NotFound(_("{case} has no goal {number}").format(case=case.ref, number=number))
    return goal


def get_activity(session: Session, case: Case, number: int) -> SupportActivity:
    """Support activity `number` of `case`, or NotFound."""
    activity = session.exec(
        select(SupportActivity).where(
            SupportActivity.case_id == case.id, SupportActivity.number == number
        )
    ).first()
    if activity is None:
        raise NotFound(_("{case} has no activity {number}").format(case=case.ref, number=number))
    return activity


def add_goal(
    session: Session, case_ref: str, text: str, *, date: dt.date, due: dt.date | None = None
) -> Goal:
    """Add a goal agreed on `date` to the plan of an open case."""
    data = validated(NewGoal, text=text, date=date, due=due)
    case = get_case(session, case_ref)
    check_open(case, _("changing its plan"))
    check_date_in_case(case, data.date, _("the goal"))
    goal = Goal(
        case_id=case.id,  # type: ignore[arg-type]
        number=_next_number(session, Goal, case),
        text=data.text,
        added_on=data.date,
        due=data.due,
    )
    session.add(goal)
    session.flush()
    return goal


def end_goal(
    session: Session,
    case_ref: str,
    number: int,
    *,
    state: GoalState,
    date: dt.date,
    reason: str | None = None,
    extent: GoalExtent = GoalExtent.FULL,
) -> Goal:
    """Mark an open goal done (fully, partly or not reached), or dropped with the reason."""
    data = validated(GoalEnd, state=state, date=date, reason=reason or None, extent=extent)
    case = get_case(session, case_ref)
    goal = get_goal(session, case, number)
    check_open(case, _("changing its plan"))
    if goal.state != GoalState.OPEN:
        raise Conflict(
            _("goal {number} of {case} is already {state} ({date})").format(
                number=goal.number,
                case=case.ref,
                state=shown(GoalState(goal.state)),
                date=_day(goal.state_date),
            )
        )
    check_date_in_case(case, data.date, _("the goal"))
    if data.date < goal.added_on:
        raise InvalidInput(
            _("the date {date} is before the goal was agreed ({agreed})").format(
                date=_day(data.date), agreed=_day(goal.added_on)
            )
        )
    goal.state = data.state.value
    goal.state_date = data.date
    goal.reason = data.reason if data.state is GoalState.DROPPED else None
    goal.extent = data.extent.value if data.state is GoalState.DONE else None
    session.add(goal)
    session.flush()
    return goal


def add_activity(
    session: Session,
    case_ref: str,
    *,
    member_ref: str,
    kind: str,
    start: dt.date,
    planned_end: dt.date | None = None,
    no_consent_reason: str | None = None,
) -> SupportActivity:
    """Broker a support activity of an open case to an active network member.

    A provider who is not a member of the case on the start date needs the youth's data-sharing
    consent in force then, as `case member add` does; without it `no_consent_reason` says why.
    """
    from rvneet.services.network import check_provider_sharing

    data = validated(
        NewActivity,
        kind=kind,
        start=start,
        planned_end=planned_end,
        no_consent_reason=no_consent_reason or None,
    )
    case = get_case(session, case_ref)
    member = get_member(session, member_ref)
    check_open(case, _("changing its plan"))
    check_date_in_case(case, data.start, _("the activity start"))
    check_active(member, _("giving them an activity"))
    check_provider_sharing(session, case, member, data.start, data.no_consent_reason)
    activity = SupportActivity(
        case_id=case.id,  # type: ignore[arg-type]
        number=_next_number(session, SupportActivity, case),
        member_id=member.id,  # type: ignore[arg-type]
        kind=data.kind,
        start_date=data.start,
        planned_end=data.planned_end,
        no_consent_reason=data.no_consent_reason,
    )
    session.add(activity)
    session.flush()
    return activity


def end_activity(
    session: Session,
    case_ref: str,
    number: int,
    *,
    date: dt.date,
    status: ActivityStatus,
    feedback: str | None = None,
    satisfaction: int | None = None,
    provider_note: str | None = None,
) -> SupportActivity:
    """End an ongoing activity with its status, the youth's feedback and satisfaction 1–5, and
    the support provider's note."""
    data = validated(
        ActivityEnd,
        date=date,
        status=status,
        feedback=feedback or None,
        satisfaction=satisfaction,
        provider_note=provider_note or None,
    )
    case = get_case(session, case_ref)
    activity = get_activity(session, case, number)
    check_open(case, _("changing its plan"))
    if activity.status != ActivityStatus.ONGOING:
        raise Conflict(
            _("activity {number} of {case} has already ended ({status}, {date})").format(
                number=activity.number,
                case=case.ref,
                status=shown(ActivityStatus(activity.status)),
                date=_day(activity.ended_on),
            )
        )
    check_date_in_case(case, data.date, _("the activity end"))
    if data.date < activity.start_date:
        raise InvalidInput(
            _("the end date {date} is before the activity started ({start})").format(
                date=_day(data.date), start=_day(activity.start_date)
            )
        )
    activity.status = data.status.value
    activity.ended_on = data.date
    activity.feedback = data.feedback
    activity.satisfaction = data.satisfaction
    activity.provider_note = data.provider_note
    session.add(activity)
    session.flush()
    return activity


def goals_met(session: Session, case: Case) -> dict[str, int]:
    """Goals met of the total, derived from the plan; dropped goals are left out of the total.

    A goal done fully (or before the extent was kept) is met; partly, it is counted apart.
    """
    rows = session.exec(
        select(Goal.state, Goal.extent, func.count())
        .where(Goal.case_id == case.id)
        .group_by(col(Goal.state), col(Goal.extent))
    ).all()
    counts: dict[tuple[str, str], int] = {}
    for state, extent, n in rows:
        key = (state, extent or GoalExtent.FULL.value)
        counts[key] = counts.get(key, 0) + n
    dropped = sum(n for (state, _e), n in counts.items() if state == GoalState.DROPPED)
    return {
        "goals_met": counts.get((GoalState.DONE.value, GoalExtent.FULL.value), 0),
        "goals_total": sum(counts.values()) - dropped,
        "goals_dropped": dropped,
        "goals_partial": counts.get((GoalState.DONE.value, GoalExtent.PARTIAL.value), 0),
    }


def _goals(session: Session, case: Case) -> list[Goal]:
    return list(
        session.exec(select(Goal).where(Goal.case_id == case.id).order_by(col(Goal.number)))
    )


def _activities(session: Session, case: Case) -> list[tuple[SupportActivity, NetworkMember]]:
    return list(
        session.exec(
            select(SupportActivity, NetworkMember)
            .join(NetworkMember, col(NetworkMember.id) == SupportActivity.member_id)
            .where(SupportActivity.case_id == case.id)
            .order_by(col(SupportActivity.number))
        ).all()
    )


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def plan_detail(session: Session, case_ref: str) -> dict[str, Any]:
    """The plan of a case: goals with state, activities with provider and state, goals met."""
    case = get_case(session, case_ref)
    goals = [
        {
            "goal": g.number,
            "record": record_ref(g),
            "text": g.text,
            "added": g.added_on.isoformat(),
            "due": _iso(g.due),
            "state": g.state,
            "state_date": _iso(g.state_date),
            "reason": g.reason,
            "extent": g.extent,
        }
        for g in _goals(session, case)
    ]
    activities = [
        {
            "activity": a.number,
            "record": record_ref(a),
            "kind": a.kind,
            "member": m.ref,
            "provider": m.name,
            "role": m.role,
            "org": m.org,
            "start": a.start_date.isoformat(),
            "planned_end": _iso(a.planned_end),
            "status": a.status,
            "ended": _iso(a.ended_on),
            "feedback": a.feedback,
            "satisfaction": a.satisfaction,
            "provider_note": a.provider_note,
        }
        for a, m in _activities(session, case)
    ]
    return {
        "case": case.ref,
        "status": "closed" if case.end_date else "open",
        "goals": goals,
        "activities": activities,
        **goals_met(session, case),
    }


def timeline(session: Session, case: Case, lang: str = "en") -> list[dict[str, str]]:
    """Goals agreed, done and dropped; activities started and ended; for `case show`.

    The details are written in `lang` (a table in Estonian); English, the default, is what JSON
    carries. Event names stay the English texts marked above, translated where they are shown.
    """
    events = []
    for goal in _goals(session, case):
        events.append(
            {
                "date": goal.added_on.isoformat(),
                "event": GOAL_EVENTS[GoalState.OPEN],
                "detail": f"{goal.number}: {_short(goal.text)}",
                "record": record_ref(goal),
            }
        )
        if goal.state_date is not None:
            detail = f"{goal.number}: {_short(goal.text)}" + (
                f" ({_short(goal.reason)})" if goal.reason else ""
            )
            if goal.extent not in (None, GoalExtent.FULL):
                extent = shown_stored(GoalExtent, goal.extent, lang)
                detail += f" ({extent})"
            events.append(
                {
                    "date": goal.state_date.isoformat(),
                    "event": GOAL_EVENTS[GoalState(goal.state)],
                    "detail": detail,
                    "record": record_ref(goal),
                }
            )
    for activity, member in _activities(session, case):
        events.append(
            {
                "date": activity.start_date.isoformat(),
                "event": ACTIVITY_STARTED,
                "detail": translate("{number}: {kind} by {member} ({role})", lang).format(
                    number=activity.number,
                    kind=_short(activity.kind),
                    member=member.ref,
                    role=shown_stored(NetworkRole, member.role, lang),
                ),
                "record": record_ref(activity),
            }
        )
        if activity.ended_on is not None:
            status = shown_stored(ActivityStatus, activity.status, lang)
            events.append(
                {
                    "date": activity.ended_on.isoformat(),
                    "event": ACTIVITY_ENDED,
                    "detail": f"{activity.number}: {_short(activity.kind)}, {status}",
                    "record": record_ref(activity),
                }
            )
    return events
