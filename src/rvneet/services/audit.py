"""The audit log (*auditilogi*): every insert, update and delete of an audited record, with who and when.

Entries are written from the session's `after_flush` hook, so no service can forget them. Fields that
identify or describe a person (name, personal code, contacts, free-text notes) are recorded as
changed, never in clear; a birth date as its year and month only, which is all an erased youth keeps.

The log is a hash chain: each entry stores the previous entry's hash (`prev_hash`) and its own
(`hash`, see `entry_hash`), so `rvneet audit verify` finds an entry edited, deleted or moved. Writes
begin with BEGIN IMMEDIATE, so one writer at a time reads the chain's end and appends to it. SQLite
triggers (migration 0006) refuse UPDATE and DELETE on the table; `trigger_problems` checks that they
are there exactly as created, and nothing else is on the table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from rvneet.domain.tables import AUDITED, Case
from rvneet.i18n import N_

USER_ENV = "RVNEET_USER"
REDACTED = "[redacted]"
# Columns that name or describe a person in free text, in any table: recorded as changed only.
REDACTED_FIELDS = frozenset(
    {
        "name",
        "id_code",
        "email",
        "phone",
        "note",
        "place",
        "text",
        "reason",
        "justification",
        "answer_note",
        "feedback",
        "provider_note",
        "skip_reason",
        "ineligible_reason",
        "no_consent_reason",
        "retire_reason",
        "withdrawn_reason",
    }
)
# Names the log redacts beyond REDACTED_FIELDS: the case manager's (a pseudonym in exports, which
# use REDACTED_FIELDS to leave columns out, so it is not in that set).
_STAFF_NAMES = frozenset({"manager"})
# Columns kept as year-month ("2009-04"): enough for statistics, and what an erased youth keeps.
YEAR_MONTH_FIELDS = frozenset({"birth_date"})
# The `prev_hash` of the first entry.
GENESIS = "0" * 64
_BATCH = 5000
_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_INSERT = (
    "INSERT INTO audit_log (at, user, entity, entity_id, entity_ref, action, changes,"
    " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
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
# A problem found: its English text (marked N_, translated where it is shown) and its fields.
Problem = tuple[str, dict[str, Any]]
# An entry's content in chain order: at, user, entity, entity_id, entity_ref, action, changes (JSON).
Content = tuple[str, str, str, int, str | None, str, str]


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


class AuditedSession(Session):
    """A session that records every change of an audited record in `audit_log`."""

    def __init__(self, *args: Any, user: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.info["user"] = user


def entry_hash(prev_hash: str, content: Content) -> str:
    """SHA-256 (hex) of the previous entry's hash and this entry's content.

    Hashed text: a JSON array of prev_hash, at, user, entity, entity_id, entity_ref and action (which
    keeps them apart unambiguously: None is `null`, not "None"), a newline, then `changes` as stored.
    JSON holds no raw newline, so the first one ends the array; `changes` is hashed as the stored text,
    so checking needs no JSON normalisation (and it is not escaped again, which keeps imports fast).
    """
    *fields, changes = content
    text = _CANONICAL.encode([prev_hash, *fields]) + "\n" + changes
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def last_hash(connection: Connection) -> str:
    """The hash of the newest entry (the chain's end), or GENESIS for an empty log."""
    row = connection.exec_driver_sql("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").scalar()
    return str(row) if row is not None else GENESIS


def _append(connection: Connection, contents: Iterable[Content]) -> None:
    """Chain and insert entries in batches, so a 100 000-row import keeps its memory flat.

    Called inside a write transaction (BEGIN IMMEDIATE): no other writer can append in between.
    """
    prev = last_hash(connection)
    batch: list[tuple[Any, ...]] = []
    for content in contents:
        digest = entry_hash(prev, content)
        batch.append((*content, prev, digest))
        prev = digest
        if len(batch) == _BATCH:
            connection.exec_driver_sql(_INSERT, batch)
            batch = []
    if batch:
        connection.exec_driver_sql(_INSERT, batch)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _shown(key: str, value: Any, hidden: frozenset[str]) -> Any:
    """A value as the log keeps it: redacted, cut to year-month, or plain."""
    if value is None:
        return None
    if key in YEAR_MONTH_FIELDS:  # before the redactions: a youth's own list has birth_date
        return year_month(value)
    if key in hidden:
        return REDACTED
    return value.isoformat() if isinstance(value, dt.date) else value


def year_month(value: Any) -> Any:
    """A date (or ISO date text) as "YYYY-MM"; anything else unchanged."""
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str) and len(value) >= 7 and value[4:5] == "-":
        return value[:7]
    return value


def _changes(obj: Any, action: str) -> dict[str, list[Any]]:
    state = inspect(obj)
    redact = REDACTED_FIELDS | _STAFF_NAMES | getattr(obj, "__audit_redact__", frozenset())
    changes: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        history = state.attrs[key].history
        if action == "insert":
            old, new = None, getattr(obj, key)
        elif action == "delete":
            old, new = getattr(obj, key), None
        else:
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
        if old is None and new is None:
            continue
        changes[key] = [_shown(key, old, redact), _shown(key, new, redact)]
    return changes


def pending_changes(obj: Any) -> dict[str, list[Any]]:
    """The changes of `obj` not flushed yet, {field: [old, new]}, redacted as the log records them."""
    return _changes(obj, "update")


@event.listens_for(AuditedSession, "after_flush")
def _write_audit(session: Session, _flush_context: Any) -> None:
    at = _now()
    user = session.info.get("user", "unknown")
    rows: list[Content] = []
    case_refs: dict[int, str] = {}
    for action, objects in (
        ("insert", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            if not isinstance(obj, AUDITED):
                continue
            changes = _changes(obj, action)
            if action == "update" and not changes:
                continue
            assert obj.id is not None  # flushed: the database has given it an id
            rows.append(
                (
                    at,
                    user,
                    type(obj).__tablename__,
                    obj.id,
                    _entity_ref(session, obj, case_refs),
                    action,
                    json.dumps(changes, ensure_ascii=False, sort_keys=True),
                )
            )
    if rows:
        _append(session.connection(), rows)


def _entity_ref(session: Session, obj: Any, case_refs: dict[int, str]) -> str | None:
    """The record's own reference, or for a record of a case (an assessment, a goal, ...) the case's,
    so that the history of a case can be read by its reference."""
    if ref := getattr(obj, "ref", None):
        return str(ref)
    case_id = getattr(obj, "case_id", None)
    if case_id is None:
        return None
    if case_id not in case_refs:
        case_refs[case_id] = (
            session.connection().execute(select(Case.ref).where(Case.id == case_id)).scalar_one()
        )
    return case_refs[case_id]


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
    at = _now()
    user = session.info.get("user", "unknown")
    hidden = REDACTED_FIELDS | _STAFF_NAMES | redact | _TABLE_REDACTIONS.get(entity, frozenset())
    dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode

    def contents() -> Iterator[Content]:
        for entity_id, ref, changes in entries:
            clean = {
                key: [_shown(key, old, hidden), _shown(key, new, hidden)]
                for key, (old, new) in changes.items()
            }
            yield (at, user, entity, int(entity_id), ref, action, dumps(clean))

    # `entries` may be a generator that queries: no flush (and its own audit entries) may slip in
    # between reading the chain's end and appending to it.
    with session.no_autoflush:
        _append(session.connection(), contents())


# What each audited table redacts beyond the common list, by table name: a bulk writer that names
# its table cannot forget it.
_TABLE_REDACTIONS: dict[str, frozenset[str]] = {
    model.__tablename__: getattr(model, "__audit_redact__", frozenset()) for model in AUDITED
}


def audit_read(session: Session, entity: str, entity_id: int, ref: str) -> None:
    """Record that the working user looked at a youth's or a case's record (who looked at whom)."""
    _append(
        session.connection(),
        [(_now(), session.info.get("user", "unknown"), entity, entity_id, ref, "read", "{}")],
    )


def trigger_problems(found: Iterable[Sequence[Any]]) -> list[Problem]:
    """What is wrong with the audit log's triggers, given the rows of TRIGGERS_QUERY: an
    append-only trigger missing or not as the migration created it, or another trigger on the log
    (one `BEFORE INSERT ... RAISE(IGNORE)` would silently drop every new entry). None when sound."""
    present: dict[str, bytes] = {}
    for name, sql in found:
        present[bytes(name or b"").decode("utf-8", errors="replace")] = bytes(sql or b"")
    problems: list[Problem] = []
    for name, sql in APPEND_ONLY_TRIGGERS.items():
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
        if name not in APPEND_ONLY_TRIGGERS
    ]
    return problems
