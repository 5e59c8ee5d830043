"""`rvneet today`: one case manager's day on one screen, each line with the command to type next.

The person at the keyboard (`RVNEET_USER` / `--user`) by default, or any staff member. Their open
cases with stage and level, the follow-ups due within two weeks or overdue, the open cases with no
contact for 60 days, the agreed goals whose due date has passed, and the RV agreement's Lisa 4
deadlines within 30 days or passed whose period is not submitted, the hand-overs to plan (a youth
turning 18 in an RV case or 17 in a NEET-risk case within 90 days, `services.handover`), and the
newest NGTS list with the month the next is expected in. References only: no youth's
name, so looking is not an audited read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from rvneet.domain.access import Capability
from rvneet.domain.tables import Case, Contact, FollowUp, Goal
from rvneet.services.agreements import next_deadlines
from rvneet.services.cases import list_cases
from rvneet.services.handover import handovers
from rvneet.services.permissions import require, require_own_day
from rvneet.services.staff import find_staff, my_staff

# Follow-ups due within this many days are listed (overdue ones always).
FOLLOWUP_DAYS = 14
# An open case with no contact for this many days is listed.
NO_CONTACT_DAYS = 60
# A Lisa 4 deadline this near (or passed) with its period not submitted is listed.
DEADLINE_DAYS = 30


def day_sheet(session: Session, *, manager: str | None, day: dt.date) -> dict[str, Any]:
    """The sections of `rvneet today` for `manager` (a staff reference, login or name; the person
    at the keyboard when None) as of `day`, with stable keys."""
    require(session, Capability.TODAY)
    staff = find_staff(session, manager) if manager is not None else my_staff(session)
    require_own_day(session, staff.id)
    # Open on the day: started by then and not closed by then (the manager is the one it has now).
    cases = [
        c
        for c in list_cases(session, manager_id=staff.id)
        if c["start"] <= day.isoformat() and (c["end"] is None or c["end"] > day.isoformat())
    ]
    ids = dict(
        session.execute(
            select(Case.ref, Case.id).where(col(Case.ref).in_([c["case"] for c in cases]))
        ).all()
    )
    open_cases = [
        {
            "case": c["case"],
            "youth": c["youth"],
            "model": c["model"],
            "stage": c["stage"],
            "level": c["level"],
            "next": f"rvneet case show {c['case']}",
        }
        for c in cases
    ]
    followups = [
        {
            "case": ref,
            "due": due.isoformat(),
            "days": (due - day).days,
            "next": f"rvneet followup record {ref} --date ...",
        }
        for ref, due in session.execute(
            select(col(Case.ref), col(FollowUp.due))
            .join(Case, col(Case.id) == FollowUp.case_id)
            .where(
                Case.manager_id == staff.id,
                FollowUp.status == "due",
                FollowUp.due <= day + dt.timedelta(days=FOLLOWUP_DAYS),
            )
            .order_by(col(FollowUp.due), col(Case.ref))
        )
    ]
    last_contacts = dict(
        session.execute(
            select(Contact.case_id, func.max(Contact.date))
            .where(col(Contact.case_id).in_(list(ids.values())), Contact.date <= day)
            .group_by(col(Contact.case_id))
        ).all()
    )
    quiet = []
    for c in cases:
        last = last_contacts.get(ids[c["case"]])
        since = last or dt.date.fromisoformat(c["start"])
        if (day - since).days >= NO_CONTACT_DAYS:
            quiet.append(
                {
                    "case": c["case"],
                    "last_contact": last.isoformat() if last else None,
                    "days": (day - since).days,
                    "next": f"rvneet case contact {c['case']} --date ... --channel ...",
                }
            )
    goals = [
        {
            "case": ref,
            "goal": number,
            "due": due.isoformat(),
            "days_overdue": (day - due).days,
            "next": f"rvneet case goal done {ref} {number} --date ...",
        }
        for ref, number, due in session.execute(
            select(col(Case.ref), col(Goal.number), col(Goal.due))
            .join(Case, col(Case.id) == Goal.case_id)
            .where(
                col(Goal.case_id).in_(list(ids.values())),
                Goal.state == "open",
                col(Goal.due).is_not(None),
                col(Goal.due) < day,
            )
            .order_by(col(Goal.due), col(Case.ref), col(Goal.number))
        )
    ]
    deadlines = [
        {
            "agreement": d["agreement"],
            "period": d["period"],
            "due": d["due"],
            "days": (dt.date.fromisoformat(d["due"]) - day).days,
            "next": f"rvneet report lisa4 --period {d['period']} --submit",
        }
        for d in next_deadlines(session, day)
        if dt.date.fromisoformat(d["due"]) <= day + dt.timedelta(days=DEADLINE_DAYS)
    ]
    return {
        "staff": staff.ref,
        "name": staff.name,
        "date": day.isoformat(),
        "open_cases": open_cases,
        "followups_due": followups,
        "no_contact": quiet,
        "goals_overdue": goals,
        "lisa4_deadlines": deadlines,
        "handovers": handovers(session, day, staff.id),
        "ngts_list": _ngts_list(session, day),
    }


def _ngts_list(session: Session, day: dt.date) -> dict[str, Any] | None:
    """The newest NGTS list on the day, the month the next is expected in, and whether it is late
    (older than 7 months); None when no list was imported."""
    from rvneet.services.outreach import list_is_late, newest_list_on, next_list_month

    last = newest_list_on(session, day)
    if last is None:
        return None
    return {
        "newest": last.isoformat(),
        "next_expected": next_list_month(last).strftime("%Y-%m"),
        "late": list_is_late(last, day),
    }
