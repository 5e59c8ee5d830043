"""Importing youths in bulk: validated with the same `NewYouth` rule as `rvneet youth add`.

A row is matched to a youth already registered by `ref`, else by personal code, else (no code) by
name, birth date and sex together — so a file imported twice creates nobody twice. New youths are
written with one bulk insert, changed ones with one bulk update, both audited.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pydantic import ValidationError
from sqlalchemy import JSON, Integer, String, bindparam, cast, func, literal_column, select, update
from sqlmodel import Session

from rvneet.domain.columns import YOUTH_COLUMNS
from rvneet.domain.inputs import NewYouth
from rvneet.domain.tables import Youth
from rvneet.files.columns import match_header
from rvneet.files.read import Row, Table
from rvneet.i18n import N_, _, translate
from rvneet.services.audit import audit_bulk
from rvneet.services.imports.base import (
    ImportResult,
    Progress,
    chunks,
    parse_rows,
    refuse_validation,
)
from rvneet.storage.dialect import insert_rows, is_server, new_ids

_BATCH = 5000
_FIELDS = ("name", "id_code", "birth_date", "sex")
_TABLE: Any = Youth.__table__  # type: ignore[attr-defined]
WHAT = N_("the youths file")


def import_youths(
    session: Session, table: Table, result: ImportResult, progress: Progress | None, **_options: Any
) -> None:
    """Add new youths and update changed ones from `table`; bad rows go to `result`."""
    columns = match_header(table.header, YOUTH_COLUMNS, WHAT).by_field
    rows: list[tuple[Row, str | None, dict[str, Any]]] = []
    first_row_of: dict[tuple[str, str], int] = {}
    for parsed in parse_rows(table, YOUTH_COLUMNS, WHAT, result, progress):
        values = parsed.values
        ref = values["ref"].strip().upper() if values["ref"] else None
        if ref and not (values["id_code"] or values["birth_date"] or values["sex"]):
            # A registered youth named by reference alone: keep what is on record of them.
            known = session.execute(select(_TABLE).where(_TABLE.c.ref == ref)).first()
            if known is not None and known.erased_on is not None:
                result.refuse(parsed.row, columns.get("ref", "ref"), _erased(ref))
                continue
            if known is not None:
                values = {
                    **values,
                    "id_code": known.id_code,
                    "birth_date": None if known.id_code else known.birth_date,
                    "sex": None if known.id_code else known.sex,
                }
        try:
            data = NewYouth(
                name=values["name"],
                id_code=values["id_code"],
                birth_date=values["birth_date"],
                sex=values["sex"],
            )
        except ValidationError as exc:
            refuse_validation(result, parsed.row, exc, columns)
            continue
        assert data.birth_date is not None and data.sex is not None
        record = {
            "name": data.name,
            "id_code": data.id_code,
            "birth_date": data.birth_date,
            "sex": data.sex.value,
        }
        if _duplicate(result, parsed.row, ref, record, first_row_of, columns):
            continue
        rows.append((parsed.row, ref, record))
    if progress is not None:
        progress(result.rows)
    _apply(session, rows, result, columns)


def _erased(ref: str) -> str:
    return _("{ref} was erased; an erased youth's record is not changed").format(ref=ref)


# A second row for the same youth, by what makes it the same one.
_DUPLICATE = {
    "ref": N_("the same reference as row {row}"),
    "id_code": N_("the same personal code as row {row}"),
    "identity": N_("the same name, birth date and sex as row {row}"),
}


def _duplicate(
    result: ImportResult,
    row: Row,
    ref: str | None,
    record: dict[str, Any],
    first_row_of: dict[tuple[str, str], int],
    columns: dict[str, str],
) -> bool:
    """Refuse a second row for the same youth in one file: it would be imported twice."""
    keys = []
    if ref:
        keys.append(("ref", ref))
    if record["id_code"]:
        keys.append(("id_code", record["id_code"]))
    else:
        keys.append(("identity", f"{record['name']}|{record['birth_date']}|{record['sex']}"))
    for key in keys:
        if key in first_row_of:
            column = {"ref": "ref", "id_code": "id_code"}.get(key[0], "")
            message = _DUPLICATE.get(key[0], _DUPLICATE["identity"])
            header = columns.get(column, column) if column else ""
            result.refuse(row, header, translate(message).format(row=first_row_of[key]))
            return True
    for key in keys:
        first_row_of[key] = row.number
    return False


def _apply(
    session: Session,
    rows: list[tuple[Row, str | None, dict[str, Any]]],
    result: ImportResult,
    columns: dict[str, str],
) -> None:
    new: list[tuple[Row, dict[str, Any]]] = []
    updates: list[tuple[Any, dict[str, Any], dict[str, list[Any]]]] = []
    for batch in chunks(rows, _BATCH):
        by_ref = _existing(session, _TABLE.c.ref, {ref for _, ref, _ in batch if ref})
        codes = {r["id_code"] for _, _, r in batch if r["id_code"]}
        by_code = _existing(session, _TABLE.c.id_code, codes)
        names = {r["name"] for _, _, r in batch if not r["id_code"]}
        by_identity: dict[tuple[str, dt.date, str], Any] = {}
        if names:
            for known in session.execute(
                select(_TABLE).where(_TABLE.c.name.in_(names), _TABLE.c.id_code.is_(None))
            ):
                by_identity.setdefault((known.name, known.birth_date, known.sex), known)
        for row, ref, record in batch:
            code = record["id_code"]
            youth: Any
            if ref:
                youth = by_ref.get(ref)
                if youth is None:
                    result.refuse(
                        row,
                        columns.get("ref", "ref"),
                        _("no youth {ref}; leave it empty to register a new youth").format(ref=ref),
                    )
                    continue
                if youth.erased_on is not None:
                    result.refuse(row, columns.get("ref", "ref"), _erased(ref))
                    continue
                holder = by_code.get(code) if code else None
                if holder is not None and holder.id != youth.id:
                    result.refuse(
                        row,
                        columns.get("id_code", "id_code"),
                        _("this personal code is registered to {holder}, not {ref}").format(
                            holder=holder.ref, ref=ref
                        ),
                    )
                    continue
                if youth.id_code and code and youth.id_code != code:
                    result.refuse(
                        row,
                        columns.get("id_code", "id_code"),
                        _(
                            "{ref} has another personal code; "
                            "a personal code is not changed by import"
                        ).format(ref=ref),
                    )
                    continue
            elif code:
                youth = by_code.get(code)
            else:
                youth = by_identity.get((record["name"], record["birth_date"], record["sex"]))
            if youth is None:
                new.append((row, record))
                continue
            changes = {
                f: [getattr(youth, f), record[f]]
                for f in _FIELDS
                if record[f] is not None and getattr(youth, f) != record[f]
            }
            if changes:
                updates.append((youth, record, changes))
            else:
                result.unchanged += 1
    if result.errors:
        return
    insert_youths(session, [record for _, record in new])
    _update(session, updates)
    result.new += len(new)
    result.updated += len(updates)


def _existing(session: Session, column: Any, keys: set[str]) -> dict[str, Any]:
    """The registered youths whose `column` is one of `keys`, by that value."""
    if not keys:
        return {}
    # The keys go in as one JSON array (json_each), not 5 000 bound parameters, whose binding
    # cost more than the search itself.
    # PostgreSQL's own function for it takes the text cast to json.
    if is_server(session.connection()):
        elements = func.json_array_elements_text(cast(bindparam("keys", type_=String), JSON))
    else:
        elements = func.json_each(bindparam("keys"))
    wanted: Any = select(literal_column("value")).select_from(elements)
    rows = session.execute(
        select(_TABLE).where(column.in_(wanted)), {"keys": json.dumps(sorted(keys))}
    )
    return {getattr(y, column.name): y for y in rows}


def insert_youths(session: Session, youths: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Register new youths (name, id_code, birth_date, sex) in bulk, audited.

    Returns the written records with the `id` and reference (`ref`, Y-NNNN) each was given.
    """
    if not youths:
        return []
    # One writer at a time (BEGIN IMMEDIATE), so ids and references can be given here in order.
    connection = session.connection()
    ids = new_ids(connection, "youths", len(youths))
    if ids is None:
        last_id = session.scalar(select(func.max(_TABLE.c.id))) or 0
        ids = list(range(last_id + 1, last_id + 1 + len(youths)))
    last_ref = session.scalar(select(func.max(cast(func.substr(_TABLE.c.ref, 3), Integer)))) or 0
    records = [
        {"id": id_, "ref": f"Y-{last_ref + i:04d}", **youth}
        for i, (id_, youth) in enumerate(zip(ids, youths, strict=True), start=1)
    ]
    # Straight to the driver (executemany on SQLite, COPY on PostgreSQL): SQLAlchemy's per-row
    # parameter processing was a tenth of a 100 000-row import. Dates go as ISO text, as
    # SQLAlchemy's Date type stores them in SQLite and PostgreSQL reads a date.
    insert_rows(
        connection,
        "youths",
        ("id", "ref", "name", "id_code", "birth_date", "sex"),
        (
            (r["id"], r["ref"], r["name"], r["id_code"], r["birth_date"].isoformat(), r["sex"])
            for r in records
        ),
    )
    audit_bulk(
        session,
        "youths",
        "insert",
        (
            (r["id"], r["ref"], {k: [None, v] for k, v in r.items() if v is not None})
            for r in records
        ),
        redact=Youth.__audit_redact__,
    )
    return records


def _update(
    session: Session, updates: list[tuple[Any, dict[str, Any], dict[str, list[Any]]]]
) -> None:
    if not updates:
        return
    statement = (
        update(_TABLE)
        .where(_TABLE.c.id == bindparam("_id"))
        .values({f: bindparam(f"_{f}") for f in _FIELDS})
    )
    values = [
        {"_id": youth.id, **{f"_{f}": record[f] or getattr(youth, f) for f in _FIELDS}}
        for youth, record, _ in updates
    ]
    session.connection().execute(statement, values)
    audit_bulk(
        session,
        "youths",
        "update",
        [(youth.id, youth.ref, changes) for youth, _, changes in updates],
        redact=Youth.__audit_redact__,
    )
