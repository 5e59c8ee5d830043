"""audit chain: each audit entry carries the previous entry's hash and its own; birth dates already in
the log are cut to year-month and case managers' names redacted; triggers make the log append-only

The entries are read in id order, in batches (a national book holds millions of entries: memory
stays flat), and chained in place as it goes.
The hash and the redaction are written out here rather than imported from `rvneet.services.audit`,
so that this revision keeps doing what it did when the service changes; `rvneet audit verify`
(tests/test_audit_chain.py) checks that both agree.

A later migration that copies audit_log (Alembic batch mode) drops these triggers with the old
table and must create them again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
BATCH = 10_000
TRIGGERS = {"audit_log_no_update": "UPDATE", "audit_log_no_delete": "DELETE"}
PG_FUNCTION = "audit_log_append_only"
_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_CHANGES = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def _year_month(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 7 and value[4:5] == "-":
        return value[:7]
    return value


def _redact(value: Any) -> Any:
    return None if value is None else "[redacted]"


# Fields written in clear before this revision that the log now keeps cut or redacted.
_CUT = {"birth_date": _year_month, "manager": _redact}


def _redacted(changes: str) -> str:
    """The changes with every birth date cut to "YYYY-MM" and the case manager's name redacted (as
    services.audit records them now)."""
    if '"birth_date"' not in changes and '"manager"' not in changes:
        return changes
    data = json.loads(changes)
    for key, cut in _CUT.items():
        if isinstance(data.get(key), list):
            data[key] = [cut(v) for v in data[key]]
    return _CHANGES.encode(data)


def upgrade() -> None:
    # NOT NULL needs a default to add a column to existing rows; every row gets its hash below, and
    # an entry inserted later without one ('') fails `rvneet audit verify`.
    for column in ("prev_hash", "hash"):
        op.add_column(
            "audit_log",
            sa.Column(
                column, sqlmodel.sql.sqltypes.AutoString(), server_default="", nullable=False
            ),
        )
    connection = op.get_bind()
    prev, last_id = GENESIS, 0
    while True:
        # Keyset paging by id: each batch is an index range, whatever the size of the log.
        # "user" quoted: a reserved word in PostgreSQL (its bare `user` is the login's name).
        rows = connection.execute(
            sa.text(
                'SELECT id, at, "user", entity, entity_id, entity_ref, action, changes'
                " FROM audit_log WHERE id > :last ORDER BY id LIMIT :batch"
            ),
            {"last": last_id, "batch": BATCH},
        ).fetchall()
        if not rows:
            break
        chained = []
        for entry_id, *content in rows:
            changes = _redacted(content[-1])
            text = _CANONICAL.encode([prev, *content[:-1]]) + "\n" + changes
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            chained.append({"changes": changes, "prev": prev, "hash": digest, "id": entry_id})
            prev = digest
        # In place (a copy of the table doubled the file of a 3-million-entry log, and took longer).
        connection.execute(
            sa.text(
                "UPDATE audit_log SET changes = :changes, prev_hash = :prev, hash = :hash"
                " WHERE id = :id"
            ),
            chained,
        )
        last_id = rows[-1][0]
    if connection.dialect.name == "postgresql":
        # PostgreSQL's triggers call a function; the message is the same as SQLite's RAISE.
        op.execute(
            f"CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$"
        )
        for name, event in TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON audit_log"
                f" FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()"
            )
        # TRUNCATE empties a table without deleting rows one by one: refused too.
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
        )
        return
    for name, event in TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {event} ON audit_log"
            " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
        )


def downgrade() -> None:
    # The birth dates cut to year-month stay cut: the full dates are gone on purpose.
    if op.get_bind().dialect.name == "postgresql":
        for name in [*TRIGGERS, "audit_log_no_truncate"]:
            op.execute(f"DROP TRIGGER {name} ON audit_log")
        op.execute(f"DROP FUNCTION {PG_FUNCTION}()")
    else:
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
