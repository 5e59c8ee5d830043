"""What a pseudonymized export keeps, and each table's columns and rows as an export writes them.

Only codes of text columns are kept, birth dates are cut to the month and references become stable
pseudonyms: an HMAC keyed with a secret of this database, which never leaves it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table

from rvneet.services.audit import REDACTED_FIELDS
from rvneet.services.export.shape import AUDITED_TABLES, column_kind
from rvneet.services.settings import create_pseudonym_key, pseudonym_key

if TYPE_CHECKING:
    from rvneet.db import Database

# What a pseudonymized export keeps of text columns: only codes (values from a fixed list, and the
# network's organisations). Every other text column is left out, so a text column added later is
# left out too until it is listed here.
KEPT_TEXT: dict[str, frozenset[str]] = {
    "settings": frozenset({"key", "value"}),
    "youths": frozenset({"sex"}),
    "cases": frozenset({"model", "close_reason", "neet_group", "channel"}),
    "assessments": frozenset({"risk", "light"}),
    "stage_changes": frozenset({"stage"}),
    "contacts": frozenset({"channel", "with_roles"}),
    "needs_assessments": frozenset({"assessed_by"}),
    "needs": frozenset({"category"}),
    "welfare_scores": frozenset({"domain"}),
    "goals": frozenset({"state", "extent"}),
    "network_members": frozenset({"role", "org", "tier"}),
    "support_activities": frozenset({"status"}),
    "consents": frozenset({"scope", "given_by"}),
    "support_requests": frozenset({"kind", "answer"}),
    "reopenings": frozenset({"previous_reason"}),
    "followups": frozenset({"status", "source"}),
    "outreach_attempts": frozenset({"channel", "result"}),
    "staff": frozenset({"role"}),
    "feedback": frozenset({"ref", "period", "about_role", "aspect"}),
}
# Replaced by a pseudonym: the references, and the case manager's name (still groups cases by manager).
PSEUDONYMIZED: dict[str, frozenset[str]] = {
    "youths": frozenset({"ref"}),
    "cases": frozenset({"ref", "manager"}),
    "network_members": frozenset({"ref"}),
    "staff": frozenset({"ref"}),
}
# Dates kept to the month only, under a new column name.
MONTH_ONLY: dict[tuple[str, str], str] = {("youths", "birth_date"): "birth_month"}


def ensure_pseudonym_key(db: Database) -> None:
    """Create this database's pseudonym secret if it has none: the only write an export makes."""
    from rvneet.domain.access import Capability
    from rvneet.services.permissions import require

    with db.session() as session:
        require(session, Capability.EXPORT)
        if pseudonym_key(session) is not None:
            return
    with db.session(write=True) as session:
        create_pseudonym_key(session)


class Pseudonyms:
    """Stable pseudonyms: `P-` and 12 hex digits of HMAC-SHA256(secret of the database, value)."""

    def __init__(self, key: str) -> None:
        self._key = bytes.fromhex(key)

    def of(self, value: str) -> str:
        """The pseudonym of `value`: the same value always gets the same pseudonym."""
        return "P-" + hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:12]


def left_out(table: Table) -> frozenset[str]:
    """The columns of `table` a pseudonymized export leaves empty (null)."""
    model = AUDITED_TABLES.get(table.name)
    personal = REDACTED_FIELDS | getattr(model, "__audit_redact__", frozenset())
    kept = KEPT_TEXT.get(table.name, frozenset()) | PSEUDONYMIZED.get(table.name, frozenset())
    return frozenset(
        c.name
        for c in table.columns
        if c.name in personal or (column_kind(table, c.name) == "str" and c.name not in kept)
    )


@dataclass
class TableSheet:
    """One table as written: its name, the column names in the file, and a function per row."""

    table: Table
    columns: list[str]
    convert: Callable[[Mapping[str, Any]], list[Any]]


def table_sheet(table: Table, pseudonyms: Pseudonyms | None) -> TableSheet:
    """`table` as an export writes it: as stored, or pseudonymized when given `pseudonyms`."""
    names = [c.name for c in table.columns]
    if pseudonyms is None:
        return TableSheet(table, names, lambda row: [row[n] for n in names])
    blank = left_out(table)
    hidden = PSEUDONYMIZED.get(table.name, frozenset())
    months = {n for n in names if (table.name, n) in MONTH_ONLY}
    # A table may keep the month itself (an erased youth's `birth_month`): one column gives both.
    stored = {
        n: MONTH_ONLY[(table.name, n)] for n in months if MONTH_ONLY[(table.name, n)] in table.c
    }
    names = [n for n in names if n not in stored.values()]

    def convert(row: Mapping[str, Any]) -> list[Any]:
        values: list[Any] = []
        for name in names:
            value = row[name]
            if name in months:
                month = f"{value:%Y-%m}" if value is not None else None
                values.append(row[stored[name]] if name in stored and month is None else month)
            elif value is None or name in blank:
                values.append(None)
            elif name in hidden:
                values.append(pseudonyms.of(str(value)))
            else:
                values.append(value)
        return values

    columns = [MONTH_ONLY.get((table.name, n), n) for n in names]
    return TableSheet(table, columns, convert)
