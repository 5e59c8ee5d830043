"""Who is at the keyboard, and whether their role lets them do what a use case is about to do.

The person is `session.info["user"]` (`--user`/`RVNEET_USER` on SQLite; the connection's login on
PostgreSQL), their role the `role` of the active staff record with that login. A login with no
staff record is the file's owner and works as an admin (a one-person book has no logins: whoever
can open the file reads it all); on a server only the tables' owner or a superuser does, anyone
else without a staff record is refused. A retired staff member's login is refused. The rules
themselves are in `domain/access.py`; every service asks here at the start of a use case, before
any write, so a refused command writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, func, or_, true
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from rvneet.db import Database
from rvneet.domain.access import (
    Capability,
    NotAllowed,
    Share,
    allows,
    may_use_case,
    may_use_youth,
    refusal,
)
from rvneet.domain.enums import StaffRole
from rvneet.domain.tables import Case, CaseShare, Staff, Youth
from rvneet.i18n import _, format_date, message_language
from rvneet.services import lookups

_KEY = "rvneet.actor"


@dataclass(frozen=True)
class Actor:
    """The person at the keyboard: their login, role and staff record (None: the file's owner)."""

    login: str | None
    role: StaffRole
    staff_id: int | None = None
    staff_ref: str | None = None


def actor(session: Session) -> Actor:
    """The person at the keyboard, resolved once per session; a retired login is refused."""
    known = session.info.get(_KEY)
    if isinstance(known, Actor):
        return known
    login = session.info.get("user")
    # Only the columns every role may read on a server (a coordinator may not read e-mails).
    row = (
        session.exec(
            select(col(Staff.id), Staff.ref, Staff.role, col(Staff.retired_on)).where(
                Staff.user == login
            )
        ).first()
        if login
        else None
    )
    if row is None:
        _check_sees_the_book(session, login)
        found = Actor(login, StaffRole.ADMIN)
    else:
        staff_id, ref, role, retired_on = row
        if retired_on is not None:
            raise NotAllowed(
                _(
                    "the login {login} is {staff}'s, who retired on {date}: a retired staff "
                    "member may not work in the book"
                ).format(
                    login=login,
                    staff=ref,
                    date=format_date(retired_on, message_language()),
                )
            )
        found = Actor(login, StaffRole(role), staff_id, ref)
    session.info[_KEY] = found
    return found


def _check_sees_the_book(session: Session, login: str | None) -> None:
    """On a server, refuse a login with no staff record that row-level security shows no row (not
    the tables' owner, no superuser): in the admins' group role, say, but no admin of this book.
    Working as the owner, its reports would count nothing and its backups hold nothing."""
    if session.get_bind().dialect.name != "postgresql":
        return
    from rvneet.storage.access_pg import row_visibility

    if not row_visibility(session.connection()).every_row:
        raise NotAllowed(
            _(
                "login {login} has no staff record in this book, so the server shows it no "
                "personal data: the owner gives access with rvneet access grant"
            ).format(login=login)
        )


def require(session: Session, capability: Capability) -> Actor:
    """The person at the keyboard, when their role has `capability`; else NotAllowed."""
    who = actor(session)
    if not allows(who.role, capability):
        raise NotAllowed(refusal(who.role, capability))
    return who


def _shares(session: Session, case_id: int | None, staff_id: int) -> list[Share]:
    rows = session.exec(
        select(CaseShare).where(CaseShare.case_id == case_id, CaseShare.staff_id == staff_id)
    )
    return [Share(r.staff_id, r.until, r.ended_on) for r in rows]


def _not_yours(case_ref: str) -> NotAllowed:
    return NotAllowed(
        _(
            "a case manager may use only their own cases and those shared with them: "
            "{case} is not one of them"
        ).format(case=case_ref)
    )


def may_use(session: Session, case: Case, today: dt.date | None = None) -> bool:
    """Whether the person at the keyboard may read and change `case` (no refusal)."""
    who = actor(session)
    if who.role == StaffRole.ADMIN:
        return True
    if who.staff_id is None:
        return False
    shares = _shares(session, case.id, who.staff_id)
    return may_use_case(who.role, who.staff_id, case.manager_id, shares, today or dt.date.today())


def require_case(session: Session, case: Case, *, write: bool = False) -> Actor:
    """Refuse a case the person at the keyboard may not read (or, with `write`, change).

    The set is the same for both: a case manager's own and shared cases, an admin's every case."""
    who = require(session, Capability.CASES)
    if not may_use(session, case):
        raise _not_yours(case.ref)
    return who


def usable_cases(session: Session, today: dt.date | None = None) -> ColumnElement[bool]:
    """A condition on `Case`: the cases the person at the keyboard may use (true for an admin)."""
    who = actor(session)
    if who.role == StaffRole.ADMIN:
        return true()
    if who.role != StaffRole.CASE_MANAGER or who.staff_id is None:
        return false()
    shared = select(CaseShare.case_id).where(
        CaseShare.staff_id == who.staff_id,
        col(CaseShare.ended_on).is_(None),
        CaseShare.until >= (today or dt.date.today()),
    )
    return or_(col(Case.manager_id) == who.staff_id, col(Case.id).in_(shared))


def usable_youths(session: Session) -> ColumnElement[bool]:
    """A condition on `Youth`: the youths the person at the keyboard may read (see `require_youth`)."""
    who = actor(session)
    if who.role == StaffRole.ADMIN:
        return true()
    if who.role != StaffRole.CASE_MANAGER:
        return false()
    theirs = select(Case.youth_id).where(usable_cases(session))
    any_case = select(Case.youth_id)
    return or_(col(Youth.id).in_(theirs), col(Youth.id).not_in(any_case))


def require_youth(session: Session, youth: Youth) -> Actor:
    """Refuse a youth the person at the keyboard may not read or change."""
    who = require(session, Capability.YOUTHS)
    if who.role == StaffRole.ADMIN:
        return who
    of_youth = col(Case.youth_id) == youth.id
    count = select(func.count()).select_from(Case)
    all_cases = session.execute(count.where(of_youth)).scalar_one()
    usable = session.execute(count.where(and_(of_youth, usable_cases(session)))).scalar_one()
    if not may_use_youth(who.role, usable, all_cases):
        raise NotAllowed(
            _(
                "a case manager may use only the youths of their own and shared cases: {youth} "
                "is not one of them"
            ).format(youth=youth.ref)
        )
    return who


def get_case(session: Session, ref: str) -> Case:
    """The case with reference `ref`, when the person at the keyboard may use it."""
    # The role first: a role without case work is refused in rvneet's words, before the lookup
    # meets the server's own refusal (row-level security, column privileges).
    require(session, Capability.CASES)
    case = lookups.get_case(session, ref)
    require_case(session, case)
    return case


def get_youth(session: Session, ref: str) -> Youth:
    """The youth `ref` names (reference or personal code), when the person may use them."""
    require(session, Capability.YOUTHS)
    youth = lookups.get_youth(session, ref)
    require_youth(session, youth)
    return youth


def require_manager(session: Session, manager_id: int | None) -> None:
    """Refuse a case manager giving a case to someone else (opening it for them): they could not
    read it afterwards. An admin may give a case to anyone."""
    who = actor(session)
    if who.role == StaffRole.CASE_MANAGER and manager_id != who.staff_id:
        raise NotAllowed(
            _(
                "a case manager opens cases as their own manager only; an admin opens them for others"
            )
        )


def require_reports(session: Session) -> Actor:
    """Refuse a report to a role without reports (a case manager, an auditor)."""
    return require(session, Capability.REPORTS)


def require_any(session: Session, *capabilities: Capability) -> Actor:
    """The person at the keyboard when their role has one of `capabilities`; else refused, naming
    the first."""
    who = actor(session)
    if not any(allows(who.role, c) for c in capabilities):
        raise NotAllowed(refusal(who.role, capabilities[0]))
    return who


def require_db(db: Database) -> None:
    """Refuse the database commands (`db backup/check/restore`) to all but an admin.

    A file that cannot be opened as a book (damaged, or of another schema) is left to the command
    itself, which says what is wrong with it: restoring over it is what `db restore` is for."""
    from rvneet.domain.errors import DatabaseError

    try:
        with db.session() as session:
            require(session, Capability.DB)
    except (DatabaseError, SQLAlchemyError):
        return


def require_own_day(session: Session, staff_id: int | None) -> None:
    """Refuse a case manager another staff member's `today` (it lists that member's cases)."""
    who = actor(session)
    if who.role == StaffRole.CASE_MANAGER and staff_id != who.staff_id:
        raise NotAllowed(_("a case manager sees only their own day: leave out --manager"))
