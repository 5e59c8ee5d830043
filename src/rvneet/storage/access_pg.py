"""PostgreSQL logins and the group roles of migration 0015: what `rvneet access` changes on a server.

Every statement runs on the caller's connection, inside its transaction: PostgreSQL's CREATE ROLE,
GRANT and REVOKE are transactional, so a refused command leaves the server as it was. Role names
are cluster-wide: the four group roles are shared by every book on the server, a login's CONNECT is
given per database. A login is quoted as an identifier after `check_login` let only plain
characters through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# The group role of each staff role (migration 0015 creates them).
GROUPS = {
    "case-manager": "rvneet_case_manager",
    "coordinator": "rvneet_coordinator",
    "auditor": "rvneet_auditor",
    "admin": "rvneet_admin",
}
# A login rvneet creates: lower-case letters, digits, `_ . -`, beginning with a letter; not one of
# PostgreSQL's reserved `pg_` names or our group roles.
_LOGIN = re.compile(r"[a-z][a-z0-9_.-]{0,62}")
RESERVED = ("pg_", "rvneet_")


def login_is_valid(login: str) -> bool:
    """Whether `login` is a name rvneet may create and quote as a PostgreSQL role."""
    return bool(_LOGIN.fullmatch(login)) and not login.startswith(RESERVED) and login != "public"


def _ident(login: str) -> str:
    if not login_is_valid(login):
        raise ValueError(login)  # the services check first; this is the last guard
    return f'"{login}"'


@dataclass(frozen=True)
class LoginState:
    """A login as the server knows it."""

    exists: bool
    can_login: bool = False
    superuser: bool = False
    bypass_rls: bool = False
    groups: tuple[str, ...] = ()
    connect: bool = False
    owns: int = 0  # the objects of this database it owns


_STATE = """
SELECT r.rolcanlogin, r.rolsuper, r.rolbypassrls,
       ARRAY(SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
              WHERE m.member = r.oid AND g.rolname LIKE 'rvneet\\_%%' ORDER BY g.rolname),
       has_database_privilege(r.oid, current_database(), 'CONNECT'),
       (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid)
       + (SELECT count(*) FROM pg_proc p WHERE p.proowner = r.oid)
  FROM pg_roles r WHERE r.rolname = %(login)s
"""


def login_state(connection: Any, login: str) -> LoginState:
    """What the server says about `login`: whether it exists, may log in, its rvneet groups."""
    row = connection.exec_driver_sql(_STATE, {"login": login}).first()
    if row is None:
        return LoginState(exists=False)
    can_login, superuser, bypass, groups, connect, owns = row
    return LoginState(
        True, bool(can_login), bool(superuser), bool(bypass), tuple(groups), bool(connect), owns
    )


def may_manage_logins(connection: Any) -> bool:
    """Whether this connection's login may create logins and grant the group roles here: a
    superuser, or a member of the database's owner that may create roles."""
    return bool(
        connection.exec_driver_sql(
            "SELECT r.rolsuper OR (r.rolcreaterole AND pg_has_role(current_user, d.datdba, 'MEMBER'))"
            " FROM pg_roles r, pg_database d"
            " WHERE r.rolname = current_user AND d.datname = current_database()"
        ).scalar()
    )


def database_name(connection: Any) -> str:
    """The database's name, quoted as an identifier."""
    return str(connection.exec_driver_sql("SELECT quote_ident(current_database())").scalar())


def give(connection: Any, login: str, role: str, *, create: bool) -> None:
    """Make `login` (created first when `create`) a member of `role`'s group role and let it
    connect to this database."""
    name = _ident(login)
    if create:
        # No password: the administrator sets one (ALTER ROLE … PASSWORD) or uses certificates.
        connection.exec_driver_sql(f"CREATE ROLE {name} LOGIN")
    connection.exec_driver_sql(f"GRANT {GROUPS[role]} TO {name}")
    connection.exec_driver_sql(f"GRANT CONNECT ON DATABASE {database_name(connection)} TO {name}")


def take_away(connection: Any, login: str, groups: tuple[str, ...]) -> None:
    """Remove `login` from the rvneet `groups` and take away its CONNECT on this database. The
    login itself stays: another book on the server may use it."""
    name = _ident(login)
    for group in groups:
        if group in GROUPS.values():
            connection.exec_driver_sql(f"REVOKE {group} FROM {name}")
    connection.exec_driver_sql(
        f"REVOKE CONNECT ON DATABASE {database_name(connection)} FROM {name}"
    )


@dataclass(frozen=True)
class RowVisibility:
    """Whether a login reads every row of the book: past row-level security, or through it."""

    bypasses: bool  # a superuser or BYPASSRLS login: row-level security does not apply
    sees_all: bool  # the tables' owner, or an admin with an active staff record in this book

    @property
    def every_row(self) -> bool:
        """Whether this login reads every row of the book (a report, a backup, a copy)."""
        return self.bypasses or self.sees_all


def row_visibility(connection: Any) -> RowVisibility:
    """What row-level security shows the connection's login (a book at schema 0015 or later).

    rvneet forces row-level security on the tables' owner too; the owner's policy and the admins'
    show every row, the other roles' only part of the book (a login in the admins' group role
    with no staff record here, none)."""
    bypasses, owner, role = connection.exec_driver_sql(
        "SELECT r.rolsuper OR r.rolbypassrls,"
        " pg_has_role(current_user, c.relowner, 'USAGE'), rvneet_my_role()"
        " FROM pg_roles r, pg_class c"
        " WHERE r.rolname = current_user AND c.oid = to_regclass('alembic_version')"
    ).one()
    return RowVisibility(bool(bypasses), bool(owner) or role == "admin")
