"""Erasure of a youth's personal data (*isikuandmete kustutamine*), and the retention period after
which it is due.

Erasing a youth removes what identifies or describes them: the name, the personal code, the birth
date (the year and month stay, with the sex, for statistics), the contacts on the NGTS lists, and
every free-text field of their cases (notes, places, reasons, goals, feedback, ...). Dates, counts,
codes and references stay, so every report gives the same numbers after an erasure as before it.
The ages the reports compute from the birth date are frozen first (`cases.age_at_start`,
`ngts_entries.age_on_list`): the month alone cannot tell the age on a day of the birth month.

Every column of every table that holds a youth's data is named here, as cleared, overwritten or
kept; `tests/test_erasure.py` fails when a text column is added without being named.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, SQLModel, col, select

from rvneet.db import BUSY_TIMEOUT_MS, Database
from rvneet.domain.access import Capability
from rvneet.domain.errors import Conflict, DatabaseError, InvalidInput
from rvneet.domain.personal_code import redact_codes
from rvneet.domain.rules import age_on
from rvneet.domain.tables import (
    Assessment,
    Case,
    CaseMember,
    CaseShare,
    Consent,
    Contact,
    Correction,
    FollowUp,
    Goal,
    ManagerChange,
    NeedsAssessment,
    NgtsEntry,
    OutreachAttempt,
    Reopening,
    Setting,
    StageChange,
    SupportActivity,
    SupportRequest,
    Youth,
)
from rvneet.i18n import N_, _, format_date, message_language, translate
from rvneet.services.permissions import get_youth, require
from rvneet.services.youths import ACTIVE, ERASED_STATUS, birth_month

# What an overwritten free-text field reads after erasure (stored in English; `shown_text` shows
# it in the user's language).
ERASED = N_("(erased)")

WITHDRAWABLE_TABLES = (
    "assessments",
    "stage_changes",
    "contacts",
    "needs_assessments",
    "goals",
    "support_activities",
    "consents",
    "support_requests",
    "followups",
)
# Emptied (set to null): what identifies the youth or reaches them.
CLEARED: dict[str, frozenset[str]] = {
    "youths": frozenset({"id_code", "birth_date"}),
    "ngts_entries": frozenset({"phone", "email", "address", "guardian", "guardian_contact"}),
}
# Free text overwritten with ERASED where it holds something: overwritten, not emptied, so that
# "a reason was given" (which `rvneet check` counts) stays true and required columns stay filled.
OVERWRITTEN: dict[str, frozenset[str]] = {
    "youths": frozenset({"name"}),
    "cases": frozenset({"ineligible_reason"}),
    "assessments": frozenset({"instrument"}),
    "stage_changes": frozenset({"note"}),
    "contacts": frozenset({"place", "note"}),
    "needs_assessments": frozenset({"note"}),
    "goals": frozenset({"text", "reason"}),
    "case_members": frozenset({"no_consent_reason"}),
    "support_activities": frozenset({"kind", "feedback", "no_consent_reason", "provider_note"}),
    "support_requests": frozenset({"justification", "answer_note"}),
    "reopenings": frozenset({"reason"}),
    "followups": frozenset({"note", "skip_reason"}),
    "ngts_entries": frozenset({"last_education", "last_employment"}),
    "outreach_attempts": frozenset({"note"}),
    "manager_changes": frozenset({"reason"}),
    # Why a case was shared is staff's free text about the case: it may name the youth.
    "case_shares": frozenset({"reason"}),
}
# A withdrawn record's reason is free text (services.corrections); so is a correction's.
OVERWRITTEN = {
    **OVERWRITTEN,
    **{
        table: OVERWRITTEN.get(table, frozenset()) | {"withdrawn_reason"}
        for table in WITHDRAWABLE_TABLES
    },
    "corrections": frozenset({"reason"}),
}
# Text columns kept: references, codes from fixed lists, the staff's names (the case manager), and
# what erasure itself records.
KEPT: dict[str, frozenset[str]] = {
    "youths": frozenset({"ref", "sex", "birth_month", "erasure_reason"}),
    "cases": frozenset({"ref", "model", "close_reason", "neet_group", "manager", "channel"}),
    "assessments": frozenset({"risk", "light"}),
    "stage_changes": frozenset({"stage"}),
    "contacts": frozenset({"channel", "with_roles"}),
    "needs_assessments": frozenset({"assessed_by"}),
    "needs": frozenset({"category"}),
    "welfare_scores": frozenset({"domain"}),
    "goals": frozenset({"state", "extent"}),
    "case_members": frozenset(),
    "support_activities": frozenset({"status"}),
    "consents": frozenset({"scope", "given_by"}),
    "support_requests": frozenset({"kind", "answer"}),
    "reopenings": frozenset({"previous_reason"}),
    "followups": frozenset({"status", "source"}),
    "ngts_entries": frozenset(),
    "outreach_attempts": frozenset({"channel", "result"}),
    "manager_changes": frozenset(),
    "case_shares": frozenset(),
}
# Who withdrew a record (a login), and what a correction recorded (redacted as the audit log is).
KEPT = {
    **KEPT,
    **{table: KEPT[table] | {"withdrawn_by"} for table in WITHDRAWABLE_TABLES},
    "corrections": frozenset({"at", "user", "entity", "record", "action", "changes"}),
}
# Tables with no youth's data: the database's settings, the audit log (which never holds these
# values in clear), the network's specialists (staff, not youths), and the RV agreements and Lisa 4
# submissions (terms, dates and counts only), and the network's 360° feedback (scores among staff).
NOT_A_YOUTHS = frozenset(
    {
        "settings",
        "audit_log",
        "network_members",
        "staff",
        "agreements",
        "agreement_amendments",
        "agreement_deadlines",
        "submissions",
        "feedback",
    }
)

# The records of a youth's cases that hold free text, found by their case.
_OF_CASE: tuple[type[SQLModel], ...] = (
    Assessment,
    StageChange,
    Contact,
    NeedsAssessment,
    Goal,
    CaseMember,
    SupportActivity,
    SupportRequest,
    Reopening,
    FollowUp,
    ManagerChange,
    CaseShare,
)
REASON_MAX = 500


@dataclass
class _Found:
    """A youth's records that erasure changes."""

    youth: Youth
    cases: list[Case]
    entries: list[NgtsEntry]
    records: list[SQLModel]


def _find(session: Session, youth: Youth) -> _Found:
    cases = list(session.exec(select(Case).where(Case.youth_id == youth.id).order_by(col(Case.id))))
    entries = list(
        session.exec(
            select(NgtsEntry).where(NgtsEntry.youth_id == youth.id).order_by(col(NgtsEntry.id))
        )
    )
    ids = [c.id for c in cases]
    records: list[SQLModel] = []
    for model in _OF_CASE:
        case_id = model.case_id  # type: ignore[attr-defined]
        # Withdrawn records too (storage.withdrawn hides them from other queries).
        records += session.exec(
            select(model).where(col(case_id).in_(ids)).execution_options(show_withdrawn=True)
        )
    consents: Any = select(Consent).where(Consent.youth_id == youth.id)
    records += session.exec(consents.execution_options(show_withdrawn=True))
    corrections: Any = select(Correction).where(Correction.youth_id == youth.id)
    records += session.exec(corrections)
    # Outreach attempts on the youth's NGTS list entries (their notes).
    entry_ids = [e.id for e in entries]
    attempts: Any = select(OutreachAttempt).where(col(OutreachAttempt.entry_id).in_(entry_ids))
    records += session.exec(attempts)
    return _Found(youth, cases, entries, records)


def _table(record: SQLModel) -> str:
    return str(record.__tablename__)


def _plan(found: _Found) -> dict[str, Any]:
    """What erasing `found` removes, by reference and count only."""
    youth = found.youth
    fields: Counter[str] = Counter()
    for record in [youth, *found.cases, *found.entries, *found.records]:
        table = _table(record)
        for column in sorted(CLEARED.get(table, frozenset()) | OVERWRITTEN.get(table, frozenset())):
            if getattr(record, column) is not None:
                fields[f"{table}.{column}"] += 1
    return {
        "youth": youth.ref,
        "status": ERASED_STATUS if youth.erased_on else ACTIVE,
        "kept": {"birth_month": birth_month(youth), "sex": youth.sex},
        "cases": [c.ref for c in found.cases],
        "ngts_entries": len(found.entries),
        "fields": dict(sorted(fields.items())),
    }


def _refuse_if_erased(youth: Youth) -> None:
    if youth.erased_on is not None:
        raise Conflict(
            _("{ref} was already erased on {date}; nothing changed").format(
                ref=youth.ref, date=format_date(youth.erased_on, message_language())
            )
        )


def _refuse_open_cases(found: _Found) -> None:
    still_open = [c.ref for c in found.cases if c.end_date is None]
    if still_open:
        raise Conflict(
            _("{ref} has an open case ({cases}); close it before erasing").format(
                ref=found.youth.ref, cases=", ".join(still_open)
            )
        )


def erasure_plan(session: Session, ref: str, reason: str | None = None) -> dict[str, Any]:
    """What `erase_youth` would remove, by reference and count; refused as `erase_youth` would be
    (the reason too, when given)."""
    require(session, Capability.ERASE)
    youth = get_youth(session, ref)
    _refuse_if_erased(youth)
    if reason is not None:
        clean_reason(reason, youth)
    found = _find(session, youth)
    _refuse_open_cases(found)
    return _plan(found)


def clean_reason(reason: str, youth: Youth | None = None) -> str:
    """The erasure reason as stored: one line, at most REASON_MAX characters, naming nobody.

    The reason stays with the erased youth, so it must not carry what erasure removes: the youth's
    name (or a part of it) and personal code are refused.
    """
    text = " ".join(reason.split())
    if not text:
        raise InvalidInput(
            _("give the reason for the erasure (--reason), e.g. 'request of the youth'")
        )
    if len(text) > REASON_MAX:
        raise InvalidInput(_("the reason is longer than {max} characters").format(max=REASON_MAX))
    if youth is not None and _names_the_youth(text, youth):
        raise InvalidInput(
            _(
                "the reason must not give the youth's name or personal code: it is kept after erasure"
            )
        )
    return text


def _folded(text: str) -> str:
    """`text` as compared with a name: NFKC (full-width letters and digits become plain ones),
    case folded, diacritics removed (Märt and Mart are one name here)."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Single letters or digits spelt out with separators between them ("T a m m", "5-1-0-0"): joined.
_SPELT_OUT = re.compile(r"(?<!\w)(\w)[\W_]+(?=\w(?!\w))")


def _names_the_youth(text: str, youth: Youth) -> bool:
    """Whether `text` gives the youth's personal code, any personal code, or the youth's name or a
    part of it, in whatever spelling: compared after NFKC, case folding and without diacritics;
    the code and the whole name also with every separator removed."""
    if redact_codes(text) != text:
        return True
    folded = _folded(text)
    joined = _SPELT_OUT.sub(r"\1", folded)
    compact = "".join(c for c in folded if c.isalnum())
    if youth.id_code and youth.id_code in compact:
        return True
    parts = [p for p in re.split(r"[\W_]+", _folded(youth.name)) if p]
    whole = "".join(parts)
    if len(whole) >= 3 and whole in compact:
        return True
    return any(
        re.search(rf"(?<!\w){re.escape(p)}(?!\w)", view)
        for p in parts
        if len(p) >= 3
        for view in (folded, joined)
    )


def settle_on_disk(db: Database) -> bool:
    """After an erasure: copy the WAL into the file and empty it, so that the old values leave the
    disk (the file's old pages are overwritten, the WAL's frames truncated). False when another
    connection reading an older snapshot (or writing) blocked that for the busy timeout: the old
    values may then still be in the file or its `-wal`, until `compact_database` succeeds.
    """
    from rvneet.encryption import connect, driver_errors

    if db.url:
        return _vacuum(db, "VACUUM")
    try:
        con = connect(db.path, db.key, timeout=BUSY_TIMEOUT_MS / 1000)
    except DatabaseError:
        return False  # the erasure has committed: only its reaching the disk is in doubt
    try:
        return _truncate_wal(con)
    except driver_errors():
        return False
    finally:
        con.close()


def _truncate_wal(con: Any) -> bool:
    # TRUNCATE waits (busy handler) for readers of older snapshots; busy=1 when they stayed.
    busy, _log, _copied = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return bool(busy == 0)


def compact_database(db: Database) -> bool:
    """Rebuild the file (VACUUM: no free page is left, so nothing deleted stays in it), then empty
    the `-wal` as `settle_on_disk` does. True when both completed; False when another connection
    kept old pages in use. Raises DatabaseError when the file is locked for writing."""
    from rvneet.encryption import connect, operational_errors

    db.ensure_ready()
    db.check_writable()
    if db.url:
        return _vacuum(db, "VACUUM FULL")
    con = connect(db.path, db.key, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        con.isolation_level = None  # VACUUM cannot run inside the transaction sqlite3 would open
        con.execute("PRAGMA secure_delete=ON")
        try:
            con.execute("VACUUM")
        except operational_errors() as exc:
            # VACUUM is one transaction: when it fails, the file is as it was.
            if "locked" in str(exc):
                message = _(
                    "database {path} is busy: another program kept it locked for writing; "
                    "nothing changed, try again"
                )
            else:
                message = _("compacting {path} failed ({reason}); nothing changed")
            raise DatabaseError(message.format(path=db.path, reason=exc)) from None
        return _truncate_wal(con)
    finally:
        con.close()


# The book's tables this login may not VACUUM: PostgreSQL skips them with a warning only. The
# owner of a table (or a member of its owning role), the database's owner and a superuser may; from
# PostgreSQL 17 so may a holder of the MAINTAIN privilege. An admin login is none of these.
_NOT_VACUUMABLE = """
SELECT count(*) FROM pg_class c
 WHERE c.relnamespace = CAST(current_schema() AS regnamespace) AND c.relkind = 'r'
   AND NOT pg_has_role(current_user, c.relowner, 'USAGE')
   AND NOT pg_has_role(current_user,
                       (SELECT datdba FROM pg_database WHERE datname = current_database()), 'USAGE')
   AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user){maintain}
"""


def _vacuum(db: Database, statement: str) -> bool:
    """PostgreSQL: VACUUM (or VACUUM FULL, which rewrites every table) after an erasure, so the
    erased rows' old versions are no longer kept in the tables. False when it could not run, or
    when the login may not vacuum every table (the old versions of those stay until the database
    owner compacts the book)."""
    from sqlalchemy.exc import SQLAlchemyError

    engine = db.engine(write=False).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:  # VACUUM cannot run inside a transaction
            recent = (connection.dialect.server_version_info or (0,)) >= (17,)
            maintain = "\n   AND NOT has_table_privilege(c.oid, 'MAINTAIN')" if recent else ""
            skipped = connection.exec_driver_sql(
                _NOT_VACUUMABLE.format(maintain=maintain)
            ).scalar_one()
            connection.exec_driver_sql(statement)  # what it may: the rest stays as it was
        return not skipped
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def _secure_delete(session: Session) -> None:
    """Overwrite the space freed by this transaction with zeros, so erased text leaves the file.
    (SQLite only: PostgreSQL's old row versions go with VACUUM, see `settle_on_disk`.)"""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA secure_delete=ON")


def erase_youth(
    session: Session, ref: str, *, reason: str, today: dt.date | None = None
) -> dict[str, Any]:
    """Erase a youth's personal data (see the module's docstring); returns what was removed.

    Refused for a youth already erased or with an open case. The audit log records the erasure
    by reference: every erased value is redacted there (`__audit_redact__` and the audit's list).
    """
    require(session, Capability.ERASE)
    youth = get_youth(session, ref)
    _refuse_if_erased(youth)
    text = clean_reason(reason, youth)
    found = _find(session, youth)
    _refuse_open_cases(found)
    return _erase(session, found, text, today or dt.date.today())


def _erase(session: Session, found: _Found, reason: str, today: dt.date) -> dict[str, Any]:
    youth = found.youth
    born = youth.birth_date
    assert born is not None  # the schema gives every youth not erased a birth date
    plan = _plan(found)
    _secure_delete(session)
    # Freeze what the reports compute from the birth date before it goes.
    for case in found.cases:
        case.age_at_start = age_on(born, case.start_date)
    for entry in found.entries:
        entry.age_on_list = age_on(born, entry.list_date)
    for record in [*found.cases, *found.entries, *found.records]:
        _blank(record)
    youth.birth_month = birth_month(youth)
    _blank(youth)
    youth.erased_on = today
    youth.erasure_reason = reason
    session.add_all([youth, *found.cases, *found.entries, *found.records])
    session.flush()
    return {**plan, "status": "erased", "erased_on": today.isoformat()}


def _blank(record: SQLModel) -> None:
    table = _table(record)
    for column in CLEARED.get(table, frozenset()):
        setattr(record, column, None)
    for column in OVERWRITTEN.get(table, frozenset()):
        if getattr(record, column) is not None:
            setattr(record, column, ERASED)


# ---------------------------------------------------------------------------------------------
# Retention

RETENTION_KEY = "retention_years"
DEFAULT_RETENTION_YEARS = 5
RETENTION_MAX = 100
# The erasure reason stored by `apply_retention` (stored in English, shown in the user's language).
RETENTION_REASON = N_("retention period of {years} years passed")
_RETENTION_REASON = re.compile(r"retention period of (\d+) years passed")


def shown_text(value: str, lang: str) -> str:
    """Free text as people read it in `lang`: the mark of an erased value translated, any other
    text as written. For `values=` of a table column of free text."""
    return translate(ERASED, lang) if value == ERASED else value


def shown_reason(reason: str) -> str:
    """A stored erasure reason as people read it: the one `apply_retention` writes is translated;
    a reason a person typed is shown as typed."""
    if match := _RETENTION_REASON.fullmatch(reason):
        return translate(RETENTION_REASON).format(years=match.group(1))
    return reason


def retention_years(session: Session) -> int:
    """The retention period in years: the stored default, else DEFAULT_RETENTION_YEARS."""
    setting = session.get(Setting, RETENTION_KEY)
    return int(setting.value) if setting else DEFAULT_RETENTION_YEARS


def check_years(years: int) -> int:
    """A retention period: whole years from 1 to RETENTION_MAX."""
    if not 1 <= years <= RETENTION_MAX:
        raise InvalidInput(
            _("the retention period must be 1–{max} years, not {years}").format(
                max=RETENTION_MAX, years=years
            )
        )
    return years


def set_retention_years(session: Session, years: int) -> int:
    """Store the default retention period of this database; returns the one it replaces.

    Settings are not audited by the flush hook, so the change is written to the audit log here.
    """
    require(session, Capability.ERASE)
    from rvneet.services.audit import audit_bulk

    check_years(years)
    previous = retention_years(session)
    setting = session.get(Setting, RETENTION_KEY)
    if setting is None:
        session.add(Setting(key=RETENTION_KEY, value=str(years)))
    else:
        setting.value = str(years)
        session.add(setting)
    session.flush()
    audit_bulk(session, "settings", "update", [(0, RETENTION_KEY, {"value": [previous, years]})])
    return previous


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# What dated a youth due for erasure (`basis`, a machine value), and how people read it.
BASIS_CASE = "case"
BASIS_NGTS_LIST = "ngts-list"
BASIS_LABELS = {BASIS_CASE: N_("case closing"), BASIS_NGTS_LIST: N_("NGTS list")}

# Per youth not erased: the last case closing, the cases and the closed ones, the last NGTS list.
_LAST_ACTIVITY = text(
    """
    SELECT y.ref, c.last_end, COALESCE(c.n, 0) AS n, COALESCE(c.closed, 0) AS closed, e.last_list
      FROM youths y
      LEFT JOIN (SELECT youth_id, MAX(end_date) AS last_end, COUNT(*) AS n,
                        COUNT(end_date) AS closed
                   FROM cases GROUP BY youth_id) c ON c.youth_id = y.id
      LEFT JOIN (SELECT youth_id, MAX(list_date) AS last_list
                   FROM ngts_entries GROUP BY youth_id) e ON e.youth_id = y.id
     WHERE y.erased_on IS NULL
     ORDER BY y.ref
    """
)


def retention_due(session: Session, *, years: int, today: dt.date | None = None) -> dict[str, Any]:
    """The youths due for erasure after `years`, by reference.

    A youth is due when none of their cases is open and the latest of their case closings and
    NGTS lists is older than `years` (a youth on an NGTS list but without a case is due when that
    list is). A youth with neither a case nor an NGTS list entry cannot be dated: they are listed
    as `not_judged`, to be erased by hand. Youths already erased are left out.
    """
    require(session, Capability.ERASE)
    check_years(years)
    cutoff = years_before(today or dt.date.today(), years)
    rows = session.execute(_LAST_ACTIVITY).all()
    due = []
    not_judged = []
    for ref, case_end, cases, closed, list_date in rows:
        if cases and closed < cases:
            continue  # an open case
        dates = [
            (dt.date.fromisoformat(str(d)), basis)
            for d, basis in ((case_end, BASIS_CASE), (list_date, BASIS_NGTS_LIST))
            if d
        ]
        if not dates:
            not_judged.append(ref)
            continue
        last, basis = max(dates)
        if last < cutoff:
            due.append({"youth": ref, "last_activity": last.isoformat(), "basis": basis})
    return {
        "older_than_years": years,
        "cutoff": cutoff.isoformat(),
        "due": due,
        "not_judged": not_judged,
    }


def apply_retention(
    session: Session, refs: list[str], *, years: int, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """Erase the youths of `refs` that are still due after `years`, in this one transaction.

    `refs` is the list the user confirmed: a youth that stopped being due since (a new case, an
    NGTS list) is left alone, and nobody outside it is erased.
    """
    require(session, Capability.ERASE)
    day = today or dt.date.today()
    still_due = {r["youth"] for r in retention_due(session, years=years, today=day)["due"]}
    reason = RETENTION_REASON.format(years=years)
    erased = []
    for ref in refs:
        if ref not in still_due:
            continue
        youth = get_youth(session, ref)
        erased.append(_erase(session, _find(session, youth), reason, day))
    return erased
