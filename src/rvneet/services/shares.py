"""Sharing a case with another case manager until a date (`rvneet case share`).

A case manager reads and writes the cases they manage; a share lets one more active case manager do
the same until its last day (a colleague covering a holiday, a joint case). Only the case's
manager or an admin shares or ends a share; a share is ended early by dating its end, never
deleted, and both are audited and shown in the case's timeline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, col, select

from rvneet.domain.access import NotAllowed, Share, share_until_problem
from rvneet.domain.enums import StaffRole
from rvneet.domain.errors import Conflict, InvalidInput
from rvneet.domain.tables import Case, CaseShare, Staff
from rvneet.i18n import _, format_date, message_language
from rvneet.services.permissions import actor, get_case
from rvneet.services.staff import find_staff, staff_label

REASON_MAX = 500
# The fields of a share as `case show --format json` gives them.
SHARE_FIELDS = ("staff", "name", "shared_on", "until", "ended_on", "active", "reason")


def _day(day: dt.date) -> object:
    return format_date(day, message_language())


def _check_sharer(session: Session, case: Case) -> None:
    """Only the case's manager or an admin shares it or ends a share (not one it is shared with)."""
    who = actor(session)
    if who.role == StaffRole.ADMIN or case.manager_id == who.staff_id:
        return
    raise NotAllowed(
        _("only the manager of {case} or an admin may share it or end a share").format(
            case=case.ref
        )
    )


def _active(session: Session, case: Case, staff: Staff, day: dt.date) -> CaseShare | None:
    return session.scalar(
        select(CaseShare).where(
            CaseShare.case_id == case.id,
            CaseShare.staff_id == staff.id,
            col(CaseShare.ended_on).is_(None),
            CaseShare.until >= day,
        )
    )


def share_case(
    session: Session,
    case_ref: str,
    *,
    with_staff: str,
    until: dt.date,
    reason: str,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Share a case with an active case manager until `until` (today at the earliest, a year ahead
    at the latest), for `reason`; refused when a share with them is already in force."""
    day = today or dt.date.today()
    case = get_case(session, case_ref)
    _check_sharer(session, case)
    staff = find_staff(session, with_staff)
    if staff.retired_on is not None or staff.role != StaffRole.CASE_MANAGER:
        raise InvalidInput(
            _("a case is shared only with an active case manager; {staff} is not one").format(
                staff=staff_label(staff)
            )
        )
    if staff.id == case.manager_id:
        raise InvalidInput(
            _("{staff} manages {case}: there is nobody to share it with").format(
                staff=staff_label(staff), case=case.ref
            )
        )
    if problem := share_until_problem(until, day):
        raise InvalidInput(problem)
    text = reason.strip()
    if not text:
        raise InvalidInput(_("the reason is empty"))
    if len(text) > REASON_MAX:
        raise InvalidInput(
            _("the reason is longer than {limit} characters").format(limit=REASON_MAX)
        )
    if (current := _active(session, case, staff, day)) is not None:
        raise Conflict(
            _(
                "{case} is already shared with {staff} until {date}; end it first with: "
                "rvneet case share {case} --end --with {ref}"
            ).format(case=case.ref, staff=staff.ref, date=_day(current.until), ref=staff.ref)
        )
    assert case.id is not None and staff.id is not None
    share = CaseShare(case_id=case.id, staff_id=staff.id, shared_on=day, until=until, reason=text)
    session.add(share)
    session.flush()
    return _record(case, staff, share)


def _record(case: Case, staff: Staff, share: CaseShare) -> dict[str, Any]:
    """A share as the command reports it: references and dates."""
    return {
        "case": case.ref,
        "staff": staff.ref,
        "until": share.until.isoformat(),
        "ended_on": share.ended_on.isoformat() if share.ended_on else None,
    }


def end_share(
    session: Session, case_ref: str, *, with_staff: str, today: dt.date | None = None
) -> dict[str, Any]:
    """End the share of a case with a staff member today; refused when none is in force."""
    day = today or dt.date.today()
    case = get_case(session, case_ref)
    _check_sharer(session, case)
    staff = find_staff(session, with_staff)
    share = _active(session, case, staff, day)
    if share is None:
        raise InvalidInput(
            _("{case} is not shared with {staff}; nothing changed").format(
                case=case.ref, staff=staff.ref
            )
        )
    share.ended_on = day
    session.add(share)
    session.flush()
    return _record(case, staff, share)


def shares_of(session: Session, case: Case, today: dt.date | None = None) -> list[dict[str, Any]]:
    """The case's shares, oldest first, with whether each is in force today."""
    day = today or dt.date.today()
    rows = session.execute(
        select(CaseShare, Staff)
        .join(Staff, col(Staff.id) == CaseShare.staff_id)
        .where(CaseShare.case_id == case.id)
        .order_by(col(CaseShare.shared_on), col(CaseShare.id))
    ).all()
    return [
        {
            "staff": staff.ref,
            "name": staff.name,
            "shared_on": share.shared_on.isoformat(),
            "until": share.until.isoformat(),
            "ended_on": share.ended_on.isoformat() if share.ended_on else None,
            "active": Share(share.staff_id, share.until, share.ended_on).active(day),
            "reason": share.reason,
        }
        for share, staff in rows
    ]


def timeline(session: Session, case: Case) -> list[dict[str, str]]:
    """The case's shares as timeline events: `shared with S-0002 Tiit Org until 31.03.2026:
    holiday cover` and, when ended early, `share ended`."""
    events = []
    for share in shares_of(session, case):
        who = f"{share['staff']} {share['name']}"
        until = _day(dt.date.fromisoformat(share["until"]))
        events.append(
            {
                "date": share["shared_on"],
                "event": "shared",
                "detail": _("with {staff} until {date}: {reason}").format(
                    staff=who, date=until, reason=share["reason"]
                ),
            }
        )
        if share["ended_on"]:
            events.append({"date": share["ended_on"], "event": "share ended", "detail": who})
    return events
