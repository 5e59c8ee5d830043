"""The audit log (*auditilogi*) as the session writes it: every insert, update and delete of an
audited record, with who and when.

Entries are written from the session's `after_flush` hook, so no service can forget them; the hook
lives here, below `rvneet.db`, which opens every session as an `AuditedSession`. Fields that
identify or describe a person (name, personal code, contacts, free-text notes) are recorded as
changed, never in clear; a birth date as its year and month only, which is all an erased youth keeps.

The log is a hash chain: each entry stores the previous entry's hash (`prev_hash`) and its own
(`hash`, see `entry_hash`), so `rvneet audit verify` finds an entry edited, deleted or moved. Writes
begin with BEGIN IMMEDIATE, so one writer at a time reads the chain's end and appends to it. The
services' own entries (bulk writes, reads) and the trigger checks are in `services.audit`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from rvneet.domain.tables import AUDITED, Case
from rvneet.storage.dialect import insert_rows

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
STAFF_NAMES = frozenset({"manager"})
# Columns kept as year-month ("2009-04"): enough for statistics, and what an erased youth keeps.
YEAR_MONTH_FIELDS = frozenset({"birth_date"})
# The `prev_hash` of the first entry.
GENESIS = "0" * 64


def _encoder(**options: Any) -> Callable[[Any], str]:
    """`json.JSONEncoder(**options).encode`, with the standard library's C encoder made once here
    instead of at every call, which was most of the cost of an entry's few small values (a
    100 000-row import encodes two per entry). The text is the same; a cyclic value, never in an
    entry, is not looked for. Where the C encoder is missing, the JSONEncoder itself."""
    plain = json.JSONEncoder(**options)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None or plain.indent is not None:
        return plain.encode
    encode = make(
        None,
        plain.default,
        json.encoder.encode_basestring_ascii
        if plain.ensure_ascii
        else json.encoder.encode_basestring,
        plain.indent,
        plain.key_separator,
        plain.item_separator,
        plain.sort_keys,
        plain.skipkeys,
        plain.allow_nan,
    )
    return lambda value: "".join(encode(value, 0))


_CANONICAL = _encoder(ensure_ascii=False, separators=(",", ":"))
# An entry's `changes` as stored: keys sorted, text as written (not escaped to ASCII).
dump_changes = _encoder(ensure_ascii=False, sort_keys=True)
# An entry's columns as written (the id is the table's own).
_COLUMNS = (
    "at",
    "user",
    "entity",
    "entity_id",
    "entity_ref",
    "action",
    "changes",
    "prev_hash",
    "hash",
)
# An entry's content in chain order: at, user, entity, entity_id, entity_ref, action, changes (JSON).
Content = tuple[str, str, str, int, str | None, str, str]


class AuditedSession(Session):
    """A session that records every change of an audited record in `audit_log`."""

    def __init__(self, *args: Any, user: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.info["user"] = user


def recorded_user(session: Session) -> str:
    """Who the audit log and the records name: the person working, and on a server, where the
    owner or a superuser works under another name (`--user`), that name with their real login
    ("kadri (postgres)"), so the log never hides who connected."""
    return str(session.info.get("recorded_as") or session.info.get("user", "unknown"))


def entry_hash(prev_hash: str, content: Content) -> str:
    """SHA-256 (hex) of the previous entry's hash and this entry's content.

    Hashed text: a JSON array of prev_hash, at, user, entity, entity_id, entity_ref and action (which
    keeps them apart unambiguously: None is `null`, not "None"), a newline, then `changes` as stored.
    JSON holds no raw newline, so the first one ends the array; `changes` is hashed as the stored text,
    so checking needs no JSON normalisation (and it is not escaped again, which keeps imports fast).
    """
    *fields, changes = content
    text = _CANONICAL([prev_hash, *fields]) + "\n" + changes
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def last_hash(connection: Connection) -> str:
    """The hash of the newest entry (the chain's end), or GENESIS for an empty log."""
    row = connection.exec_driver_sql("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").scalar()
    return str(row) if row is not None else GENESIS


def append_entries(connection: Connection, contents: Iterable[Content]) -> None:
    """Chain and insert entries as a stream, so a 100 000-row import keeps its memory flat.

    Called inside a write transaction (BEGIN IMMEDIATE): no other writer can append in between.
    """
    chain = [last_hash(connection)]

    def entries() -> Iterator[tuple[Any, ...]]:
        for content in contents:
            digest = entry_hash(chain[0], content)
            yield (*content, chain[0], digest)
            chain[0] = digest

    # COPY on PostgreSQL (see `insert_rows`), in batches through executemany on SQLite.
    insert_rows(connection, "audit_log", _COLUMNS, entries())


def now_stamp() -> str:
    """The time of an entry: UTC, ISO 8601 to the microsecond, with a `Z`."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def shown_value(key: str, value: Any, hidden: frozenset[str]) -> Any:
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


def changes_of(obj: Any, action: str) -> dict[str, list[Any]]:
    """What an `action` ("insert", "update", "delete") changes in `obj`: {field: [old, new]},
    redacted and cut as the log records them."""
    state = inspect(obj)
    redact = REDACTED_FIELDS | STAFF_NAMES | getattr(obj, "__audit_redact__", frozenset())
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
        changes[key] = [shown_value(key, old, redact), shown_value(key, new, redact)]
    return changes


@event.listens_for(AuditedSession, "after_flush")
def _write_audit(session: Session, _flush_context: Any) -> None:
    at = now_stamp()
    user = recorded_user(session)
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
            changes = changes_of(obj, action)
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
                    dump_changes(changes),
                )
            )
    if rows:
        append_entries(session.connection(), rows)


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
