"""The services' side of the audit log (*auditilogi*): who is working, entries for bulk writes and
reads, and the check of the log's append-only triggers.

The entries of every ORM insert, update and delete are written by the session itself (see
`rvneet.storage.audit`, the hash chain and its redactions). SQLite triggers (migration 0006) refuse
UPDATE and DELETE on the table; `trigger_problems` checks that they are there exactly as created,
and nothing else is on the table.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlmodel import Session

from rvneet.domain.tables import AUDITED
from rvneet.i18n import N_
from rvneet.storage.audit import (
    REDACTED_FIELDS,
    STAFF_NAMES,
    Content,
    append_entries,
    changes_of,
    dump_changes,
    now_stamp,
    recorded_user,
    shown_value,
)

USER_ENV = "RVNEET_USER"
# The append-only triggers exactly as migration 0006 creates them: SQLite keeps a CREATE statement's
# text as written, so a trigger dropped, or created again with another body, differs from this. Kept
# here rather than imported by the migration, which must keep doing what it did when this changes;
# tests/test_audit_attacks.py checks that a new database has exactly these.
APPEND_ONLY_TRIGGERS = {
    name: f"CREATE TRIGGER {name} BEFORE {event} ON audit_log"
    " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
    for name, event in (("audit_log_no_update", "UPDATE"), ("audit_log_no_delete", "DELETE"))
}
# Every trigger on the audit log, as bytes: a tampered schema may hold text that is not UTF-8.
TRIGGERS_QUERY = (
    "SELECT CAST(name AS BLOB), CAST(sql AS BLOB) FROM sqlite_master"
    " WHERE type = 'trigger' AND lower(tbl_name) = 'audit_log' ORDER BY name"
)
# On PostgreSQL (migration 0006 there): the triggers call one PL/pgSQL function, TRUNCATE is refused
# too, and the server keeps no statement text, so each trigger is read back as its definition, its
# state (O: enabled, D: disabled) and the function's body, the table's schema left out.
PG_TRIGGER_FUNCTION = "audit_log_append_only"
_PG_FUNCTION_BODY = " BEGIN RAISE EXCEPTION 'audit log is append-only'; END "
PG_APPEND_ONLY_TRIGGERS = {
    name: f"CREATE TRIGGER {name} BEFORE {event} ON audit_log FOR EACH {level}"
    f" EXECUTE FUNCTION {PG_TRIGGER_FUNCTION}() O\n{_PG_FUNCTION_BODY}"
    for name, event, level in (
        ("audit_log_no_delete", "DELETE", "ROW"),
        ("audit_log_no_truncate", "TRUNCATE", "STATEMENT"),
        ("audit_log_no_update", "UPDATE", "ROW"),
    )
}
PG_TRIGGERS_QUERY = (
    "SELECT convert_to(t.tgname, 'UTF8'), convert_to(replace(pg_get_triggerdef(t.oid),"
    " ' ON ' || quote_ident(current_schema()) || '.audit_log ', ' ON audit_log ')"
    " || ' ' || CAST(t.tgenabled AS text) || chr(10) || p.prosrc, 'UTF8')"
    " FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid"
    " WHERE t.tgrelid = 'audit_log'::regclass AND NOT t.tgisinternal ORDER BY t.tgname"
)
# The tables holding personal data, which migration 0015 puts under row-level security (enabled and
# forced) on PostgreSQL; kept here rather than imported by the migration (see above).
PERSONAL_TABLES = (
    "youths",
    "cases",
    "assessments",
    "stage_changes",
    "contacts",
    "needs_assessments",
    "goals",
    "case_members",
    "support_activities",
    "support_requests",
    "reopenings",
    "followups",
    "manager_changes",
    "case_shares",
    "needs",
    "welfare_scores",
    "consents",
    "corrections",
    "network_members",
    "feedback",
    "ngts_entries",
    "outreach_attempts",
    "staff",
    "audit_log",
)
PG_RLS_QUERY = (
    "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class"
    " WHERE relnamespace = CAST(current_schema() AS regnamespace) AND relkind = 'r'"
)
# A problem found: its English text (marked N_, translated where it is shown) and its fields.
Problem = tuple[str, dict[str, Any]]


def current_user(option: str | None = None) -> str:
    """Who is working: `--user`, else `RVNEET_USER`, else the login name."""
    if option:
        return option
    if env := os.environ.get(USER_ENV):
        return env
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers and services
        return "unknown"


def given_user(option: str | None = None) -> str:
    """Who the person said they are: `--user`, else `RVNEET_USER`, else "" (on a PostgreSQL book
    the connection's login is who is working, see `rvneet.db.server_login`)."""
    return option or os.environ.get(USER_ENV, "")


def pending_changes(obj: Any) -> dict[str, list[Any]]:
    """The changes of `obj` not flushed yet, {field: [old, new]}, redacted as the log records them."""
    return changes_of(obj, "update")


def audit_bulk(
    session: Session,
    entity: str,
    action: str,
    entries: Iterable[tuple[int, str | None, dict[str, list[Any]]]],
    redact: frozenset[str] = frozenset(),
) -> None:
    """Audit rows written with bulk Core statements, which the flush hook does not see.

    `entries` are (id, reference, {field: [old, new]}); personal fields are redacted here as well:
    the audit's own list, the table's `__audit_redact__` (found by `entity`) and `redact`.
    """
    at = now_stamp()
    user = recorded_user(session)
    hidden = REDACTED_FIELDS | STAFF_NAMES | redact | _TABLE_REDACTIONS.get(entity, frozenset())

    def contents() -> Iterator[Content]:
        for entity_id, ref, changes in entries:
            # None (every old value of an insert) is shown as None: no call for it.
            clean = {
                key: [
                    None if old is None else shown_value(key, old, hidden),
                    None if new is None else shown_value(key, new, hidden),
                ]
                for key, (old, new) in changes.items()
            }
            yield (at, user, entity, int(entity_id), ref, action, dump_changes(clean))

    # `entries` may be a generator, read while the entries are written: it must not query (on
    # PostgreSQL a COPY is open meanwhile), and no flush (with its own audit entries) may slip in
    # between reading the chain's end and appending to it.
    with session.no_autoflush:
        append_entries(session.connection(), contents())


# What each audited table redacts beyond the common list, by table name: a bulk writer that names
# its table cannot forget it.
_TABLE_REDACTIONS: dict[str, frozenset[str]] = {
    model.__tablename__: getattr(model, "__audit_redact__", frozenset()) for model in AUDITED
}


def record_export(session: Session, *, file_format: str, pseudonymized: bool, rows: int) -> None:
    """Record that the working user wrote the book to a file (`rvneet export`): the format, whether
    pseudonymized and the rows, never the file's name or content. The largest read there is."""
    audit_bulk(
        session,
        "database",
        "export",
        [
            (
                0,
                None,
                {
                    "file_format": [None, file_format],
                    "pseudonymized": [None, pseudonymized],
                    "rows_exported": [None, rows],
                },
            )
        ],
    )


def audit_read(session: Session, entity: str, entity_id: int, ref: str) -> None:
    """Record that the working user looked at a youth's or a case's record (who looked at whom)."""
    append_entries(
        session.connection(),
        [(now_stamp(), recorded_user(session), entity, entity_id, ref, "read", "{}")],
    )


def trigger_problems(
    found: Iterable[Sequence[Any]], expected: dict[str, str] = APPEND_ONLY_TRIGGERS
) -> list[Problem]:
    """What is wrong with the audit log's triggers, given the rows of TRIGGERS_QUERY: an
    append-only trigger missing or not as the migration created it, or another trigger on the log
    (one `BEFORE INSERT ... RAISE(IGNORE)` would silently drop every new entry). None when sound.
    `expected`: PG_APPEND_ONLY_TRIGGERS for the rows of PG_TRIGGERS_QUERY."""
    present: dict[str, bytes] = {}
    for name, sql in found:
        present[bytes(name or b"").decode("utf-8", errors="replace")] = bytes(sql or b"")
    problems: list[Problem] = []
    for name, sql in expected.items():
        if name not in present:
            problems.append((N_("the append-only trigger {name} is missing"), {"name": name}))
        elif present[name] != sql.encode("utf-8"):
            problems.append(
                (N_("the append-only trigger {name} is not as rvneet created it"), {"name": name})
            )
    # A name someone else chose is shown escaped: it cannot move the cursor or colour the text.
    problems += [
        (N_("an unknown trigger {name} is on the audit log"), {"name": ascii(name)})
        for name in present
        if name not in expected
    ]
    return problems


def rls_problems(found: Iterable[Sequence[Any]]) -> list[Problem]:
    """The personal tables without row-level security enabled and forced, given the rows of
    PG_RLS_QUERY (table, enabled, forced): one problem per table, none when all are protected."""
    states = {str(name): bool(enabled) and bool(forced) for name, enabled, forced in found}
    return [
        (N_("row-level security is not enabled and forced on table {table}"), {"table": table})
        for table in PERSONAL_TABLES
        if not states.get(table, False)
    ]
