"""Reading the audit log (`rvneet audit`): who changed or looked at what, when, old → new; and
checking its hash chain (`rvneet audit verify`).

Both only read, in batches by id, so a log of millions of entries keeps memory flat.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from rvneet.domain.errors import InvalidInput
from rvneet.domain.tables import AUDITED, AuditEntry
from rvneet.i18n import _
from rvneet.services.audit import GENESIS, entry_hash

_BATCH = 10_000
_TABLE: Any = AuditEntry.__table__  # type: ignore[attr-defined]
# Entities written outside the ORM's audited tables (a restore of the whole database).
_OTHER_ENTITIES = ("database",)
# The fields of an entry, in the order of json and csv output.
ENTRY_FIELDS = ("id", "at", "user", "action", "entity", "entity_id", "ref", "changes")
CHANGE_FIELDS = ("id", "at", "user", "action", "entity", "entity_id", "ref", "field", "old", "new")


@dataclass(frozen=True)
class AuditQuery:
    """Which entries to show; every given condition must hold."""

    ref: str | None = None
    since: dt.date | None = None
    user: str | None = None
    entity: str | None = None
    limit: int | None = None  # the newest `limit` entries; None for all


def known_entities() -> list[str]:
    """The entities an audit entry names: the audited tables, and the database as a whole."""
    names = {str(m.__tablename__) for m in AUDITED} | set(_OTHER_ENTITIES)
    return sorted(names)


def _check_entity(session: Session, entity: str) -> None:
    known = known_entities()
    if entity in known:
        return
    # An entity written by a newer kind of entry is still found (one scan, only for an unknown name).
    logged = session.connection().execute(
        select(_TABLE.c.entity).where(_TABLE.c.entity == entity).limit(1)
    )
    if logged.first() is None:
        raise InvalidInput(
            _("{entity} is not an audited entity; use one of: {known}").format(
                entity=repr(entity), known=", ".join(known)
            )
        )


def audit_entries(session: Session, query: AuditQuery) -> Iterator[dict[str, Any]]:
    """The entries matching `query`, oldest first; with a limit, the newest `limit` of them.

    Each entry: id, at (ISO 8601 UTC), user, action, entity, entity_id, ref, and changes as
    {field: {"old": ..., "new": ...}} (personal fields read "[redacted]", as the log keeps them).
    """
    if query.entity is not None:
        _check_entity(session, query.entity)
    conditions = []
    if query.ref is not None:
        conditions.append(_TABLE.c.entity_ref == query.ref.strip().upper())
    if query.since is not None:
        # `at` is ISO text in UTC ("2025-03-01T09:30:00.000000Z"), so text order is time order.
        conditions.append(_TABLE.c.at >= query.since.isoformat())
    if query.user is not None:
        conditions.append(_TABLE.c.user == query.user)
    if query.entity is not None:
        conditions.append(_TABLE.c.entity == query.entity)
    columns = [_TABLE.c[f] for f in ("id", "at", "user", "action", "entity", "entity_id")]
    columns += [_TABLE.c.entity_ref, _TABLE.c.changes]
    connection = session.connection()
    if query.limit is not None:
        newest = connection.execute(
            select(*columns).where(*conditions).order_by(_TABLE.c.id.desc()).limit(query.limit)
        ).all()
        yield from (_entry(row) for row in reversed(newest))
        return
    last_id = 0
    while True:
        rows = connection.execute(
            select(*columns)
            .where(_TABLE.c.id > last_id, *conditions)
            .order_by(_TABLE.c.id)
            .limit(_BATCH)
        ).all()
        yield from (_entry(row) for row in rows)
        if len(rows) < _BATCH:
            return
        last_id = rows[-1][0]


def _entry(row: Any) -> dict[str, Any]:
    entry_id, at, user, action, entity, entity_id, ref, changes = row
    return {
        "id": entry_id,
        "at": at,
        "user": user,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "ref": ref,
        "changes": {k: {"old": old, "new": new} for k, (old, new) in json.loads(changes).items()},
    }


def change_rows(entries: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """One row per changed field (CHANGE_FIELDS), for CSV; an entry without changes (a read) gives
    one row with an empty field."""
    for entry in entries:
        base = {k: entry[k] for k in ENTRY_FIELDS if k != "changes"}
        if not entry["changes"]:
            yield {**base, "field": None, "old": None, "new": None}
        for field, pair in entry["changes"].items():
            yield {**base, "field": field, **pair}


def describe_changes(entry: dict[str, Any]) -> str:
    """The changes as a person reads them: "risk: high → medium" for an update, "risk: high" for an
    insert or a delete (whose id, reference and case have their own columns).

    Field names and values are shown as the log stores them; only yes/no are in the user's language.
    """
    parts = []
    for field, pair in entry["changes"].items():
        old, new = _text(pair["old"]), _text(pair["new"])
        if entry["action"] == "update":
            parts.append(f"{field}: {old} → {new}")
        elif field not in ("id", "ref", "case_id"):
            parts.append(f"{field}: {old if entry['action'] == 'delete' else new}")
    return "; ".join(parts)


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


@dataclass(frozen=True)
class ChainCheck:
    """The outcome of `verify_chain`: how many entries, the first broken one (None if intact), and
    the id of the entry whose hash was expected (None if no entry has it)."""

    entries: int
    last_hash: str
    broken_id: int | None = None
    problem: str | None = None
    expected_id: int | None = None


def verify_chain(session: Session, expect: str | None = None) -> ChainCheck:
    """Recompute the hash chain in id order; stop at the first entry that does not fit.

    An edited entry no longer matches its own hash; an entry deleted, inserted or moved breaks the
    link (`prev_hash`) of the entry after it. `expect` is a hash noted from an earlier check: the
    entry that has it is looked for, which shows the log was not cut or rewritten since.
    """
    connection = session.connection()
    prev, prev_id, count, last_id, expected_id = GENESIS, None, 0, 0, None
    content = ("at", "user", "entity", "entity_id", "entity_ref", "action", "changes")
    columns = [_TABLE.c.id, _TABLE.c.prev_hash, _TABLE.c.hash, *(_TABLE.c[f] for f in content)]
    while True:
        rows = connection.execute(
            select(*columns).where(_TABLE.c.id > last_id).order_by(_TABLE.c.id).limit(_BATCH)
        ).all()
        for entry_id, prev_hash, digest, *fields in rows:
            if prev_hash != prev:
                problem = (
                    _(
                        "it does not follow entry {id} (an entry deleted, inserted or moved "
                        "before it)"
                    ).format(id=prev_id)
                    if prev_id is not None
                    else _(
                        "it does not follow the start of the log (an entry deleted, inserted or "
                        "moved before it)"
                    )
                )
                return ChainCheck(count, prev, entry_id, problem)
            if entry_hash(prev_hash, tuple(fields)) != digest:
                return ChainCheck(
                    count, prev, entry_id, _("its content does not match its hash (edited)")
                )
            if digest == expect:
                expected_id = entry_id
            prev, prev_id, count = digest, entry_id, count + 1
        if len(rows) < _BATCH:
            return ChainCheck(count, prev, expected_id=expected_id)
        last_id = rows[-1][0]
