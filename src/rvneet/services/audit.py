"""The audit log (*auditilogi*): every insert, update and delete of an audited record, with who and when.

Entries are written from the session's `after_flush` hook, so no service can forget them. Fields that
identify or describe a person (name, personal code, contacts, free-text notes) are recorded as
changed, never in clear.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, inspect
from sqlmodel import Session, select

from rvneet.domain.tables import AUDITED, AuditEntry, Case

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
        "skip_reason",
        "ineligible_reason",
        "no_consent_reason",
    }
)


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


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _changes(obj: Any, action: str) -> dict[str, list[Any]]:
    state = inspect(obj)
    redact = REDACTED_FIELDS | getattr(obj, "__audit_redact__", frozenset())
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
        if key in redact:
            old = REDACTED if old is not None else None
            new = REDACTED if new is not None else None
        changes[key] = [_plain(old), _plain(new)]
    return changes


@event.listens_for(AuditedSession, "after_flush")
def _write_audit(session: Session, _flush_context: Any) -> None:
    at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    user = session.info.get("user", "unknown")
    rows = []
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
            rows.append(
                {
                    "at": at,
                    "user": user,
                    "entity": type(obj).__tablename__,
                    "entity_id": obj.id,
                    "entity_ref": _entity_ref(session, obj, case_refs),
                    "action": action,
                    "changes": json.dumps(changes, ensure_ascii=False, sort_keys=True),
                }
            )
    if rows:
        session.connection().execute(AuditEntry.__table__.insert(), rows)  # type: ignore[attr-defined]


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

    `entries` are (id, reference, {field: [old, new]}); personal fields are redacted here as well.
    """
    at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    user = session.info.get("user", "unknown")
    hidden = REDACTED_FIELDS | redact
    rows = []
    for entity_id, ref, changes in entries:
        clean = {}
        for key, (old, new) in sorted(changes.items()):
            if key in hidden:
                old = REDACTED if old is not None else None
                new = REDACTED if new is not None else None
            clean[key] = [_plain(old), _plain(new)]
        rows.append(
            {
                "at": at,
                "user": user,
                "entity": entity,
                "entity_id": entity_id,
                "entity_ref": ref,
                "action": action,
                "changes": json.dumps(clean, ensure_ascii=False, sort_keys=True),
            }
        )
        if len(rows) == 5000:  # in batches, so a 100 000-row import keeps its memory flat
            session.connection().execute(AuditEntry.__table__.insert(), rows)  # type: ignore[attr-defined]
            rows = []
    if rows:
        session.connection().execute(AuditEntry.__table__.insert(), rows)  # type: ignore[attr-defined]
