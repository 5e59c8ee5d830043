"""Who may log in to the book (`rvneet access`): a login mapped to a staff record, and on a
PostgreSQL server the login itself, its group role and its CONNECT on the database.

The role a person works in is their staff record's (`staff.role`); on a server the database's
GRANTs and row-level security (migration 0015) enforce it for their login, whatever client they use.
On a SQLite file, giving access only maps the login: the file is protected by its permissions
only, and whoever can open it reads it all. Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from rvneet.domain.enums import StaffRole
from rvneet.domain.errors import AccessRefused, Conflict, InvalidInput, NotFound
from rvneet.domain.tables import Staff
from rvneet.i18n import _
from rvneet.services.audit import audit_bulk
from rvneet.services.staff import find_staff, staff_for_login, staff_label
from rvneet.storage import access_pg
from rvneet.storage.dialect import is_server

# The keys of `access list`'s rows, in order: its json and csv fields.
ACCESS_FIELDS = ("login", "staff", "role", "retired_on", "on_server", "can_log_in")


@dataclass
class Granted:
    """What `grant_access` did: the staff record, and on a server whether the login was made."""

    staff: Staff
    server: bool
    created: bool = False
    warnings: list[str] = field(default_factory=list)


def require_admin(session: Session) -> None:
    """Refuse unless the person working is an admin: an active staff member with the admin role,
    or someone without a staff record (a file's owner; on a server, the server refuses them)."""
    staff = staff_for_login(session, session.info.get("user"))
    if staff is None:
        return
    if staff.retired_on is not None or staff.role != StaffRole.ADMIN:
        raise AccessRefused(
            _("a {role} may not give or take away access: only an admin may").format(
                role=staff.role
            )
        )


def check_manager(session: Session) -> None:
    """On a server, refuse before anything is written unless this login may create logins and
    grant the group roles (the database's owner with CREATEROLE, or a superuser)."""
    if not access_pg.may_manage_logins(session.connection()):
        raise AccessRefused(
            _(
                "on a server, logins are given and taken away by the database's owner (who ran "
                "rvneet init, with the CREATEROLE right) or a superuser; {login} is neither"
            ).format(login=session.info.get("user"))
        )


def check_login(login: str) -> str:
    """The login as given, or a refusal naming what a login may hold."""
    wanted = login.strip()
    if not access_pg.login_is_valid(wanted):
        raise InvalidInput(
            _(
                "{login} cannot be a login: use lower-case letters, digits, '_', '.' or '-', "
                "beginning with a letter (at most 63; not pg_… or rvneet_…)"
            ).format(login=repr(login))
        )
    return wanted


def _give_on_server(session: Session, login: str, role: str) -> bool:
    """Create `login` if missing, put it in `role`'s group and let it connect; True if created.

    A login that is a superuser or bypasses row-level security, or that is in another rvneet group
    (the groups are the server's, shared by its books), is refused."""
    connection = session.connection()
    check_manager(session)
    state = access_pg.login_state(connection, login)
    if state.superuser or state.bypass_rls:
        raise Conflict(
            _(
                "the login {login} is a superuser or bypasses row-level security on the server: "
                "give each person a login of their own without those rights"
            ).format(login=login)
        )
    group = access_pg.GROUPS[role]
    others = [g for g in state.groups if g != group]
    if others:
        raise Conflict(
            _(
                "the login {login} is already in {groups} on this server (every book on it shares "
                "these roles); take it away first with: rvneet access revoke {login}, or give "
                "this person another login"
            ).format(login=login, groups=", ".join(others))
        )
    access_pg.give(connection, login, role, create=not state.exists)
    return not state.exists


def grant_access(
    session: Session, login: str, *, role: StaffRole, staff_ref: str | None = None
) -> Granted:
    """Give `login` access as `role` for the staff member `staff_ref` (or the one whose login it
    is already): the staff record gets the login and the role; on a server the login is created
    if missing, made a member of the role's group and allowed to connect. Admins only."""
    require_admin(session)
    login = check_login(login)
    owner = staff_for_login(session, login)
    if staff_ref is not None:
        staff = find_staff(session, staff_ref)
        if owner is not None and owner.id != staff.id:
            raise Conflict(
                _("the login {login} is already {staff}'s").format(
                    login=login, staff=staff_label(owner)
                )
            )
    elif owner is not None:
        staff = owner
    else:
        raise NotFound(
            _(
                "no staff member has the login {login}; say whose it is with --staff S-0001 "
                "(rvneet staff list)"
            ).format(login=login)
        )
    if staff.retired_on is not None:
        raise InvalidInput(
            _("{staff} has retired: a retired staff member gets no access").format(
                staff=staff_label(staff)
            )
        )
    before = (staff.user, staff.role)
    staff.user, staff.role = login, role.value
    session.add(staff)
    session.flush()
    server = is_server(session.connection())
    created = _give_on_server(session, login, role.value) if server else False
    _audit(session, staff, "grant", before, (login, role.value))
    return Granted(staff, server, created)


def give_staff_login(session: Session, staff: Staff) -> bool:
    """On a server, the login of a staff member just added (`staff add --user`): created if
    missing, in their role's group, allowed to connect. True if the login was created; nothing on
    a SQLite file or without a login."""
    if not staff.user or not is_server(session.connection()):
        return False
    require_admin(session)
    login = check_login(staff.user)
    created = _give_on_server(session, login, staff.role)
    _audit(session, staff, "grant", (None, None), (login, staff.role))
    return created


def revoke_access(session: Session, login: str) -> Staff:
    """Take `login`'s access away on the server: out of its rvneet group, no CONNECT on this
    database. The staff record keeps the login (history: the audit log names it). Admins only; on
    a SQLite file refused, since only the file's permissions protect it."""
    require_admin(session)
    login = check_login(login)
    staff = staff_for_login(session, login)
    if staff is None:
        raise NotFound(_("no staff member has the login {login}").format(login=login))
    if not is_server(session.connection()):
        raise InvalidInput(
            _(
                "a book in a file has no logins to take away: its file permissions alone protect "
                "it; retire the staff member (rvneet staff retire {staff}) and keep the file "
                "where they cannot read it"
            ).format(staff=staff.ref)
        )
    check_manager(session)
    state = access_pg.login_state(session.connection(), login)
    if state.exists:
        access_pg.take_away(session.connection(), login, state.groups)
    _audit(session, staff, "revoke", (login, staff.role), (None, None))
    return staff


def _audit(
    session: Session, staff: Staff, action: str, before: tuple[Any, Any], after: tuple[Any, Any]
) -> None:
    changes = {"login": [before[0], after[0]], "role": [before[1], after[1]]}
    audit_bulk(session, "staff", action, [(staff.id or 0, staff.ref, changes)])


def list_access(session: Session) -> list[dict[str, Any]]:
    """Every staff member with a login, by login: their reference, role, when they retired, and
    on a server whether the login exists there and can log in to this book (None on a file)."""
    require_admin(session)
    connection = session.connection()
    server = is_server(connection)
    rows = []
    staff = session.exec(select(Staff).where(col(Staff.user).is_not(None)).order_by(Staff.user))
    for member in staff:
        login = str(member.user)
        on_server: bool | None = None
        can_log_in: bool | None = None
        if server:
            state = (
                access_pg.login_state(connection, login)
                if access_pg.login_is_valid(login)
                else access_pg.LoginState(exists=False)
            )
            on_server = state.exists
            can_log_in = (
                state.can_login
                and state.connect
                and access_pg.GROUPS.get(member.role, "") in state.groups
                and member.retired_on is None
            )
        rows.append(
            {
                "login": login,
                "staff": member.ref,
                "role": member.role,
                "retired_on": member.retired_on.isoformat() if member.retired_on else None,
                "on_server": on_server,
                "can_log_in": can_log_in,
            }
        )
    return rows
