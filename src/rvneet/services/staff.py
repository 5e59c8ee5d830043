"""The staff register (*töötajad*): the people who work in the book, and who manages which case.

A staff member has a reference (`S-0001`), a name, and optionally the login (`user`) that
`RVNEET_USER` or `--user` gives when they work. Staff are retired, never deleted, so that past cases
keep their manager. Wherever a command takes a case manager it takes a reference, a login or a name
matched without case and diacritics (`pold` finds Kadri Põld); an unknown or ambiguous one is
refused with the candidates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, cast, func
from sqlmodel import Session, col, select

from rvneet.domain.access import Capability
from rvneet.domain.enums import StaffRole
from rvneet.domain.errors import Conflict, InvalidInput, NotFound
from rvneet.domain.inputs import ManagerMove, NewStaff, StaffLeaving
from rvneet.domain.tables import Case, ManagerChange, Staff
from rvneet.i18n import _, collation_key, format_date, message_language
from rvneet.services.lookups import folded_name
from rvneet.services.permissions import require
from rvneet.services.validation import validated

# Given as a case manager but meaning nobody (a dash in a spreadsheet column).
NOBODY = frozenset({"", "-", "—", "–"})
# The most candidates an error message lists.
_SHOWN_CANDIDATES = 10


@dataclass
class StaffChange:
    """A staff record just added or retired, and what the user should know about it."""

    staff: Staff
    warnings: list[str] = field(default_factory=list)


def _day(day: dt.date) -> object:
    """A date inside a message: 31.12.2025 in Estonian, ISO in English."""
    return format_date(day, message_language())


def _next_ref(session: Session) -> str:
    last = session.scalar(select(func.max(cast(func.substr(Staff.ref, 3), Integer))))
    return f"S-{(last or 0) + 1:04d}"


def staff_label(staff: Staff) -> str:
    """A staff member as messages name them: `S-0001 Kadri Põld`."""
    return f"{staff.ref} {staff.name}"


def get_staff(session: Session, ref: str) -> Staff:
    """The staff member with reference `ref` (case-insensitive), or NotFound."""
    staff = session.scalar(select(Staff).where(Staff.ref == ref.strip().upper()))
    if staff is None:
        raise NotFound(_("no staff member {ref}").format(ref=repr(ref)))
    return staff


def staff_for_login(session: Session, login: str | None) -> Staff | None:
    """The staff member whose login is `login`, if any."""
    if not login:
        return None
    return session.scalar(select(Staff).where(Staff.user == login))


def _candidates(staff: list[Staff]) -> str:
    ordered = sorted(staff, key=lambda s: s.ref)
    shown = ", ".join(staff_label(s) for s in ordered[:_SHOWN_CANDIDATES])
    return shown + (", …" if len(ordered) > _SHOWN_CANDIDATES else "")


def _by_name(everyone: list[Staff], text: str) -> list[Staff]:
    """Staff whose name is `text` folded, else those whose folded name contains it."""
    wanted = folded_name(text)
    if not wanted:
        return []
    exact = [s for s in everyone if folded_name(s.name) == wanted]
    return exact or [s for s in everyone if wanted in folded_name(s.name)]


def find_staff(session: Session, text: str, *, for_new_work: bool = False) -> Staff:
    """The staff member `text` names: a reference (S-0001), a login, or an unambiguous name
    (case, diacritics and spacing aside; a part of the name is enough when only one name has it).

    Unknown or ambiguous is refused listing the candidates. With `for_new_work` (a case to open or
    hand over) active staff are preferred and a retired one is refused.
    """
    wanted = text.strip()
    if not wanted:
        raise InvalidInput(_("the case manager is empty"))
    if wanted.upper().startswith("S-") and wanted[2:].isdigit():
        found = get_staff(session, wanted)
    elif (by_login := staff_for_login(session, wanted)) is not None:
        found = by_login
    else:
        everyone = list(session.exec(select(Staff)))
        matches = _by_name(everyone, wanted)
        if for_new_work and any(s.retired_on is None for s in matches):
            matches = [s for s in matches if s.retired_on is None]
        if not matches:
            active = [s for s in everyone if s.retired_on is None]
            if not active:
                raise NotFound(
                    _(
                        "no staff member matches {text}; the staff register is empty: add them "
                        "with: rvneet staff add --name ..."
                    ).format(text=repr(wanted))
                )
            raise NotFound(
                _("no staff member matches {text}; staff: {candidates}").format(
                    text=repr(wanted), candidates=_candidates(active)
                )
            )
        if len(matches) > 1:
            raise InvalidInput(
                _(
                    "{text} matches more than one staff member: {candidates}; give the reference"
                ).format(text=repr(wanted), candidates=_candidates(matches))
            )
        found = matches[0]
    if for_new_work:
        check_active(found)
    return found


def check_active(staff: Staff) -> None:
    """Refuse a retired staff member as the manager of a case from now on."""
    if staff.retired_on is not None:
        raise InvalidInput(
            _("{staff} retired on {date} and cannot get new cases").format(
                staff=staff_label(staff), date=_day(staff.retired_on)
            )
        )


def default_manager(session: Session) -> Staff | None:
    """The person at the keyboard (`RVNEET_USER` / `--user`) when they are an active case manager,
    or an admin who manages cases too (in a small municipality one person does both)."""
    staff = staff_for_login(session, session.info.get("user"))
    managing = (StaffRole.CASE_MANAGER, StaffRole.ADMIN)
    if staff is None or staff.retired_on is not None or staff.role not in managing:
        return None
    return staff


def my_staff(session: Session) -> Staff:
    """The staff record of the person at the keyboard, or a refusal saying how to make one."""
    login = session.info.get("user")
    staff = staff_for_login(session, login)
    if staff is None:
        raise NotFound(
            _(
                "no staff member has the login {login} (RVNEET_USER or --user); give it to "
                "them with: rvneet staff add --name ... --user {login}"
            ).format(login=login)
        )
    return staff


def add_staff(
    session: Session,
    *,
    name: str,
    user: str | None = None,
    role: StaffRole = StaffRole.CASE_MANAGER,
    email: str | None = None,
    capacity: int | None = None,
) -> StaffChange:
    """Add a person to the staff register; a login is unique. Warns about a namesake.

    `capacity` is the weighted load (`report workload`) they can carry."""
    require(session, Capability.STAFF)
    data = validated(
        NewStaff, name=name, user=user or None, role=role, email=email or None, capacity=capacity
    )
    if data.user is not None and (other := staff_for_login(session, data.user)) is not None:
        raise Conflict(
            _("the login {login} is already {staff}'s").format(
                login=data.user, staff=staff_label(other)
            )
        )
    key = folded_name(data.name)
    namesakes = [s for s in session.exec(select(Staff)) if folded_name(s.name) == key]
    staff = Staff(
        ref=_next_ref(session),
        name=data.name,
        user=data.user,
        role=data.role.value,
        email=data.email,
        capacity=data.capacity,
    )
    session.add(staff)
    session.flush()
    warnings = [
        _("{staff} has the same name: a case manager given by name needs the reference now").format(
            staff=staff_label(s)
        )
        for s in namesakes
    ]
    return StaffChange(staff, warnings)


def edit_staff(
    session: Session,
    ref: str,
    *,
    name: str | None = None,
    user: str | None = None,
    role: StaffRole | None = None,
    email: str | None = None,
    capacity: int | None = None,
) -> Staff:
    """Change a staff member's name, login, role, e-mail or capacity (what is not given stays; a
    capacity of 0 removes it). A login is unique; a new name is written on the cases they manage
    now, as `cases.manager` keeps it."""
    require(session, Capability.STAFF)
    staff = get_staff(session, ref)
    data = validated(
        NewStaff,
        name=name if name is not None else staff.name,
        user=(user or None) if user is not None else staff.user,
        role=role or StaffRole(staff.role),
        email=(email or None) if email is not None else staff.email,
        capacity=(capacity or None) if capacity is not None else staff.capacity,
    )
    other = staff_for_login(session, data.user)
    if other is not None and other.id != staff.id:
        raise Conflict(
            _("the login {login} is already {staff}'s").format(
                login=data.user, staff=staff_label(other)
            )
        )
    staff.name, staff.user, staff.role, staff.email, staff.capacity = (
        data.name,
        data.user,
        data.role.value,
        data.email,
        data.capacity,
    )
    session.add(staff)
    for case in session.exec(select(Case).where(Case.manager_id == staff.id)):
        if case.manager != staff.name:
            case.manager = staff.name
            session.add(case)
    session.flush()
    return staff


# The keys of `staff_record`, in order: the columns of `staff list --format csv`.
STAFF_FIELDS = (
    "staff",
    "name",
    "user",
    "role",
    "email",
    "retired_on",
    "retire_reason",
    "open_cases",
    "capacity",
)


def staff_record(staff: Staff, open_cases: int) -> dict[str, Any]:
    """A staff member as a plain dict with stable keys."""
    return {
        "staff": staff.ref,
        "name": staff.name,
        "user": staff.user,
        "role": staff.role,
        "email": staff.email,
        "retired_on": staff.retired_on.isoformat() if staff.retired_on else None,
        "retire_reason": staff.retire_reason,
        "open_cases": open_cases,
        "capacity": staff.capacity,
    }


def _open_counts(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(Case.manager_id, func.count())
        .where(col(Case.end_date).is_(None), col(Case.manager_id).is_not(None))
        .group_by(col(Case.manager_id))
    )
    return {manager_id: count for manager_id, count in rows}


def list_staff(session: Session, *, include_retired: bool = False) -> list[dict[str, Any]]:
    """Staff by name in Estonian alphabetical order (namesakes by reference), with their open
    cases; retired ones only with `include_retired`."""
    require(session, Capability.STAFF)
    query = select(Staff)
    if not include_retired:
        query = query.where(col(Staff.retired_on).is_(None))
    counts = _open_counts(session)
    staff = sorted(session.exec(query), key=lambda s: (collation_key(s.name), s.ref))
    return [staff_record(s, counts.get(s.id or 0, 0)) for s in staff]


def staff_detail(session: Session, ref: str) -> dict[str, Any]:
    """A staff member with the number and references of their open cases."""
    require(session, Capability.STAFF)
    staff = get_staff(session, ref)
    cases = list(
        session.exec(
            select(Case.ref)
            .where(Case.manager_id == staff.id, col(Case.end_date).is_(None))
            .order_by(col(Case.start_date), col(Case.ref))
        )
    )
    record = staff_record(staff, len(cases))
    record["cases"] = cases
    return record


def retire_staff(session: Session, ref: str, *, date: dt.date, reason: str) -> StaffChange:
    """Retire a staff member on `date` with a reason: kept for history, no new cases.

    Warns about the open cases they still manage, which should be handed over (`case reassign`).
    """
    require(session, Capability.STAFF)
    data = validated(StaffLeaving, date=date, reason=reason)
    staff = get_staff(session, ref)
    if staff.retired_on is not None:
        raise Conflict(
            _("{ref} already retired on {date}").format(ref=staff.ref, date=_day(staff.retired_on))
        )
    staff.retired_on = data.date
    staff.retire_reason = data.reason
    session.add(staff)
    session.flush()
    warnings = [
        _(
            "{staff} still manages {case}; hand it over with: "
            "rvneet case reassign {case} --manager ... --date ..."
        ).format(staff=staff.ref, case=case_ref)
        for case_ref in session.exec(
            select(Case.ref)
            .where(Case.manager_id == staff.id, col(Case.end_date).is_(None))
            .order_by(col(Case.ref))
        )
    ]
    return StaffChange(staff, warnings)


def set_manager(case: Case, staff: Staff | None) -> None:
    """Make `staff` the case's manager now, keeping the name on the case in step."""
    case.manager_id = staff.id if staff else None
    case.manager = staff.name if staff else None


def reassign(
    session: Session, case_ref: str, *, manager: str, date: dt.date, reason: str | None = None
) -> Case:
    """Hand a case to another case manager on `date` (`case reassign`), kept as a dated change.

    Refused before the case start, after its end, before the last change, to the same manager and
    to a retired one.
    """
    from rvneet.services.lookups import check_date_in_case
    from rvneet.services.permissions import get_case

    # A handover is an admin's decision: a case manager (or one the case is only shared with)
    # could otherwise give away a case, or take one, without the municipality deciding it.
    require(session, Capability.REASSIGN)
    data = validated(ManagerMove, date=date, reason=reason or None)
    case = get_case(session, case_ref)
    check_date_in_case(case, data.date, _("the reassignment"))
    last = session.scalar(
        select(func.max(ManagerChange.date)).where(ManagerChange.case_id == case.id)
    )
    if last is not None and data.date < last:
        raise InvalidInput(
            _("the reassignment date {day} is before the case's last reassignment ({last})").format(
                day=_day(data.date), last=_day(last)
            )
        )
    staff = find_staff(session, manager, for_new_work=True)
    if staff.id == case.manager_id:
        raise InvalidInput(
            _("{staff} already manages {case}").format(staff=staff_label(staff), case=case.ref)
        )
    change = ManagerChange(
        case_id=case.id,  # type: ignore[arg-type]
        from_id=case.manager_id,
        to_id=staff.id,  # type: ignore[arg-type]
        date=data.date,
        reason=data.reason,
    )
    session.add(change)
    set_manager(case, staff)
    session.add(case)
    session.flush()
    return case


def manager_changes(session: Session, case: Case) -> list[dict[str, Any]]:
    """The case's manager changes in date order, with the staff references and names."""
    names = {s.id: s for s in session.exec(select(Staff))}
    changes = session.exec(
        select(ManagerChange)
        .where(ManagerChange.case_id == case.id)
        .order_by(col(ManagerChange.date), col(ManagerChange.id))
    )
    result = []
    for change in changes:
        before = names.get(change.from_id) if change.from_id else None
        after = names[change.to_id]
        result.append(
            {
                "date": change.date.isoformat(),
                "from": before.ref if before else None,
                "from_name": before.name if before else None,
                "to": after.ref,
                "to_name": after.name,
                "reason": change.reason,
            }
        )
    return result


def timeline(session: Session, case: Case) -> list[dict[str, str]]:
    """The case's manager changes as timeline events: `S-0001 Kadri Põld → S-0002 Tiit Org`."""
    events = []
    for change in manager_changes(session, case):
        before = f"{change['from']} {change['from_name']}" if change["from"] else _("(none)")
        detail = f"{before} → {change['to']} {change['to_name']}"
        if change["reason"]:
            detail += f" ({change['reason']})"
        events.append({"date": change["date"], "event": "reassigned", "detail": detail})
    return events
