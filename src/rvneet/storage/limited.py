"""Calls to the SECURITY DEFINER functions of migration 0016, through which a PostgreSQL book gives
a login the limited view rvneet's rules allow of rows its row-level security or column privileges
hide: another case manager's youths for `find`, and the known youths of an NGTS list for a
coordinator's import. On an SQLite file the services read the rows themselves.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


def youths_elsewhere(connection: Any, text: str) -> list[tuple[str, bool]]:
    """The youths `text` finds (as `services.find` does) that this case manager may not see: each
    one's reference and whether they have an open case, by reference. A search by personal code or
    its last 4 digits is recorded in the audit log by the function itself."""
    rows = connection.exec_driver_sql("SELECT * FROM rvneet_find_elsewhere(%s)", (text,))
    return [(str(ref), bool(open_case)) for ref, open_case in rows]


@dataclass(frozen=True)
class KnownYouth:
    """A list row whose personal code the book knows, as `rvneet_ngts_match` returns it: the youth's
    id and reference, whether the list's name replaced theirs, the id of their entry on the list
    (None: none yet) and the entry fields the list changed."""

    row: int
    id: int
    ref: str
    renamed: bool
    entry_id: int | None
    changed: tuple[str, ...]


def match_ngts_rows(
    connection: Any, list_date: dt.date, fields: Iterable[str], rows: Iterable[Mapping[str, Any]]
) -> list[KnownYouth]:
    """The known youths of an NGTS list's `rows` (each with `i`, `id_code`, `name` and the entry
    fields), renamed and their entries on `list_date` updated by the database, audited."""
    found = connection.exec_driver_sql(
        "SELECT * FROM rvneet_ngts_match(%s, %s, %s::jsonb)",
        (list_date, list(fields), json.dumps(list(rows), ensure_ascii=False)),
    )
    return [
        KnownYouth(int(i), int(youth_id), str(ref), bool(renamed), entry_id, tuple(changed))
        for i, youth_id, ref, renamed, entry_id, changed in found
    ]


def may_read_codes(connection: Any) -> bool:
    """Whether this server login may read the youths' personal codes itself (the owner, an admin
    or a superuser may; a coordinator's column privileges leave them out, migration 0015)."""
    return bool(
        connection.exec_driver_sql(
            "SELECT has_column_privilege('youths', 'id_code', 'SELECT')"
        ).scalar()
    )
