"""Who may do what in a book: the role-by-capability table and the rule for one case (issue 18).

Pure rules, no SQL: `services/permissions.py` finds the person at the keyboard and the case's
shares, then asks these functions. The same rules hold on both engines; on PostgreSQL the database
enforces them again with its own roles and row-level security.

- A case manager reads and writes the cases they manage and those shared with them (until the
  share's last day), the youths of those cases, youths with no case yet, the network register and
  the NGTS lists with their outreach; other youths only through `find`'s limited answer.
- A coordinator sees statistics only: reports, `check`, NGTS list imports, agreements and settings.
- An auditor reads the audit log, nothing else.
- An admin does everything. On SQLite a login without a staff record is the file's owner: admin.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from rvneet.domain.enums import StaffRole
from rvneet.domain.errors import RvneetError
from rvneet.i18n import N_, _, translate


class NotAllowed(RvneetError):
    """The person's role does not allow what they asked; nothing was written (exit code 1)."""


class Capability(StrEnum):
    """What a command needs beyond reading a single case (`require_case` checks that)."""

    CASES = "cases"  # open, read and change cases (each case then by `may_use_case`)
    YOUTHS = "youths"  # add, read and change youths (each youth by `may_use_youth`)
    FIND = "find"
    TODAY = "today"
    NETWORK = "network"  # the network register and 360° feedback among its members
    NGTS = "ngts"  # NGTS list entries and outreach attempts
    REPORTS = "reports"
    CHECK = "check"
    IMPORT_NGTS = "import-ngts"
    IMPORT = "import"  # youths, case work and whole books
    AGREEMENTS = "agreements"
    SETTINGS = "settings"
    AUDIT = "audit"
    EXPORT = "export"
    ERASE = "erase"  # youth erase and retention
    REASSIGN = "reassign"  # case reassign: handing a case to another manager
    STAFF = "staff"
    ACCESS = "access"
    DB = "db"


_CASE_MANAGER = frozenset(
    {
        Capability.CASES,
        Capability.YOUTHS,
        Capability.FIND,
        Capability.TODAY,
        Capability.NETWORK,
        Capability.NGTS,
    }
)
_COORDINATOR = frozenset(
    {
        Capability.REPORTS,
        Capability.CHECK,
        Capability.IMPORT_NGTS,
        Capability.AGREEMENTS,
        Capability.SETTINGS,
    }
)

# The role-by-capability table (docs/security.md, "Roles").
CAPABILITIES: dict[StaffRole, frozenset[Capability]] = {
    StaffRole.CASE_MANAGER: _CASE_MANAGER,
    StaffRole.COORDINATOR: _COORDINATOR,
    StaffRole.AUDITOR: frozenset({Capability.AUDIT}),
    StaffRole.ADMIN: frozenset(Capability),
}

# What each capability lets one do, as a refusal names it ("… may not {action}").
ACTIONS: dict[Capability, str] = {
    Capability.CASES: N_("read or change cases"),
    Capability.YOUTHS: N_("read or change youths"),
    Capability.FIND: N_("search youths"),
    Capability.TODAY: N_("see the day's case work"),
    Capability.NETWORK: N_("use the network register"),
    Capability.NGTS: N_("use the NGTS lists and outreach"),
    Capability.REPORTS: N_("run reports"),
    Capability.CHECK: N_("run the checks"),
    Capability.IMPORT_NGTS: N_("import NGTS lists"),
    Capability.IMPORT: N_("import youths, case work or books"),
    Capability.AGREEMENTS: N_("change agreements"),
    Capability.SETTINGS: N_("change settings"),
    Capability.AUDIT: N_("read the audit log"),
    Capability.EXPORT: N_("export the book"),
    Capability.ERASE: N_("erase youths"),
    Capability.STAFF: N_("manage staff"),
    Capability.ACCESS: N_("manage access"),
    Capability.REASSIGN: N_("hand cases over to another case manager"),
    Capability.DB: N_("manage the database"),
}


@dataclass(frozen=True)
class Share:
    """A case shared with a staff member: until its last day, unless ended early."""

    staff_id: int
    until: dt.date
    ended_on: dt.date | None = None

    def active(self, today: dt.date) -> bool:
        """Whether the share is in force on `today`."""
        return self.ended_on is None and self.until >= today


def allows(role: StaffRole, capability: Capability) -> bool:
    """Whether `role` has `capability`."""
    return capability in CAPABILITIES[role]


def may_use_case(
    role: StaffRole,
    staff_id: int | None,
    manager_id: int | None,
    shares: Iterable[Share],
    today: dt.date,
) -> bool:
    """Whether a staff member may read and write a case (the same set for both).

    An admin may use every case; a case manager the cases they manage and those shared with them
    and in force today; a coordinator or an auditor none.
    """
    if role == StaffRole.ADMIN:
        return True
    if role != StaffRole.CASE_MANAGER or staff_id is None:
        return False
    if manager_id == staff_id:
        return True
    return any(s.staff_id == staff_id and s.active(today) for s in shares)


def may_use_youth(role: StaffRole, usable_cases: int, all_cases: int) -> bool:
    """Whether a staff member may read and change a youth who has `all_cases` cases, of which
    they may use `usable_cases`: an admin always; a case manager when one of the cases is theirs
    (or shared) or the youth has no case yet (a youth to reach, e.g. from an NGTS list)."""
    if role == StaffRole.ADMIN:
        return True
    if role != StaffRole.CASE_MANAGER:
        return False
    return usable_cases > 0 or all_cases == 0


def role_phrase(role: StaffRole) -> str:
    """The role as a refusal begins: "a case manager", "a coordinator", ..."""
    phrases = {
        StaffRole.CASE_MANAGER: _("a case manager"),
        StaffRole.COORDINATOR: _("a coordinator"),
        StaffRole.AUDITOR: _("an auditor"),
        StaffRole.ADMIN: _("an admin"),
    }
    return phrases[role]


def refusal(role: StaffRole, capability: Capability) -> str:
    """The one line that refuses `capability` to `role`, naming both."""
    action = translate(ACTIONS[capability])
    if role == StaffRole.COORDINATOR:
        return _("a coordinator sees statistics only: they may not {action}").format(action=action)
    if role == StaffRole.AUDITOR:
        return _("an auditor reads the audit log only: they may not {action}").format(action=action)
    return _("{role} may not {action}").format(role=role_phrase(role), action=action)


def a_year_after(day: dt.date) -> dt.date:
    """The same day a year later (29 February: 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def share_until_problem(until: dt.date, today: dt.date) -> str | None:
    """Why a share may not last until `until`: in the past, or more than a year ahead."""
    if until < today:
        return _("--until is in the past; a share lasts until today at the earliest")
    if until > a_year_after(today):
        return _("--until is more than a year ahead; share it again when the year is over")
    return None
