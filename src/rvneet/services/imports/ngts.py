"""Importing the NGTS monitoring list (*NGTS nimekiri*) of one date.

The youth-guarantee support system's list is made twice a year (March, October) from state
registers. Each row is a youth, identified by the personal code and checked by the same `NewYouth`
rule as `rvneet youth add`: a youth not yet registered is registered (bulk, references continuing
Y-NNNN), a registered youth whose name the list writes differently gets the list's name, and the
row itself is kept as the youth's entry on the list of that date. Importing the same list twice
changes nothing; every write is audited, names, codes, contacts and addresses redacted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import bindparam, func, select, update
from sqlmodel import Session

from rvneet.domain.columns import NGTS_COLUMNS
from rvneet.domain.errors import InvalidInput
from rvneet.domain.inputs import NewYouth, NgtsListing
from rvneet.domain.tables import Case, NgtsEntry, Youth
from rvneet.files.columns import match_header
from rvneet.files.read import Row, Table
from rvneet.i18n import N_, _, format_date, message_language, ngettext
from rvneet.services.audit import audit_bulk
from rvneet.services.imports.base import (
    ImportResult,
    Progress,
    chunks,
    parse_rows,
    refuse_validation,
)
from rvneet.services.outreach import ENTRY_FIELDS
from rvneet.storage.dialect import is_server
from rvneet.storage.dialect import new_ids as taken_ids
from rvneet.storage.limited import match_ngts_rows, may_read_codes

M = TypeVar("M", bound=BaseModel)
WHAT = N_("the NGTS list file")
_BATCH = 5000
_YOUTHS: Any = Youth.__table__  # type: ignore[attr-defined]
_ENTRIES: Any = NgtsEntry.__table__  # type: ignore[attr-defined]
_CASES: Any = Case.__table__  # type: ignore[attr-defined]


@dataclass
class _Listed:
    """A good row: the youth as the list names them and their entry on the list."""

    row: Row
    youth: dict[str, Any]  # name, id_code, birth_date, sex
    entry: dict[str, Any]  # ENTRY_FIELDS


def import_ngts(
    session: Session,
    table: Table,
    result: ImportResult,
    progress: Progress | None,
    *,
    list_date: dt.date,
    **_options: Any,
) -> None:
    """Register the list's new youths, rename those the list names otherwise, and record the list."""
    if list_date > dt.date.today():
        raise InvalidInput(
            _("the list date {date} is in the future").format(
                date=format_date(list_date, message_language())
            )
        )
    by_field = match_header(table.header, NGTS_COLUMNS, WHAT).by_field
    if "name" not in by_field and not {"first_name", "last_name"} <= by_field.keys():
        raise InvalidInput(
            _(
                "the NGTS list file has no column name (nimi), nor first_name and last_name "
                "(eesnimi, perekonnanimi)"
            )
        )
    columns = dict(by_field)
    if "name" not in columns:
        columns["name"] = f"{by_field['first_name']} + {by_field['last_name']}"
    in_file = [f for f in ENTRY_FIELDS if f in by_field]
    listed: list[_Listed] = []
    first_row_of: dict[str, int] = {}
    for parsed in parse_rows(table, NGTS_COLUMNS, WHAT, result, progress):
        values = parsed.values
        name = values["name"] or " ".join(
            part for part in (values["first_name"], values["last_name"]) if part
        )
        youth = _valid(result, parsed.row, columns, NewYouth, name=name, id_code=values["id_code"])
        listing = _valid(
            result, parsed.row, columns, NgtsListing, **{f: values[f] for f in ENTRY_FIELDS}
        )
        if youth is None or listing is None:
            continue
        assert youth.id_code is not None and youth.birth_date is not None
        code_column = columns["id_code"]
        if youth.birth_date > list_date:
            result.refuse(
                parsed.row,
                code_column,
                _("the youth was born on {date}, after the list date").format(
                    date=format_date(youth.birth_date, message_language())
                ),
            )
            continue
        if youth.id_code in first_row_of:
            result.refuse(
                parsed.row,
                code_column,
                _("the same personal code as row {row}").format(row=first_row_of[youth.id_code]),
            )
            continue
        first_row_of[youth.id_code] = parsed.row.number
        record = {
            "name": youth.name,
            "id_code": youth.id_code,
            "birth_date": youth.birth_date,
            "sex": youth.sex.value if youth.sex else None,
        }
        listed.append(_Listed(parsed.row, record, listing.model_dump()))
    if progress is not None:
        progress(result.rows)
    if result.errors:
        return  # refused as a whole: no need to look anything up
    _apply(session, listed, list_date, in_file, result)
    from rvneet.services.outreach import off_schedule_note

    if note := off_schedule_note(list_date):
        result.notes.append(note)


def _valid(
    result: ImportResult, row: Row, columns: dict[str, str], model: type[M], **data: Any
) -> M | None:
    """`model` built from `data`, or None with its problems recorded against the file's columns."""
    try:
        return model(**data)
    except ValidationError as exc:
        refuse_validation(result, row, exc, columns)
        return None


def _apply(
    session: Session,
    listed: list[_Listed],
    list_date: dt.date,
    in_file: list[str],
    result: ImportResult,
) -> None:
    renamed: list[tuple[Any, str]] = []  # (youth row, new name)
    new_entries: list[tuple[_Listed, Any]] = []  # (row, youth row or None for a new youth)
    changed_entries: list[tuple[Any, str, dict[str, Any]]] = []  # (entry, youth ref, changes)
    known: list[Any] = []
    connection = session.connection()
    if is_server(connection) and not may_read_codes(connection):
        # A coordinator's login may not read names or personal codes on a server: the database
        # matches the rows, renames the youths and updates their entries itself (migration
        # 0016). Asked of the login, not of rvneet's role: a superuser working as a coordinator
        # (`--user`) reads them, and is no member of the coordinators' group the functions want.
        for batch in chunks(listed, _BATCH):
            _match_in_database(session, batch, list_date, in_file, result, new_entries, known)
    else:
        for batch in chunks(listed, _BATCH):
            _match_in_book(
                session, batch, list_date, in_file, result, new_entries, known, renamed,
                changed_entries,
            )  # fmt: skip
    new_youths = [item for item, youth in new_entries if youth is None]
    ids = _insert_youths(session, new_youths)
    _rename(session, renamed)
    _insert_entries(session, new_entries, ids, list_date)
    _update_entries(session, changed_entries)
    _notes(session, result, len(new_youths), known)


def _match_in_book(
    session: Session,
    batch: list[_Listed],
    list_date: dt.date,
    in_file: list[str],
    result: ImportResult,
    new_entries: list[tuple[_Listed, Any]],
    known: list[Any],
    renamed: list[tuple[Any, str]],
    changed_entries: list[tuple[Any, str, dict[str, Any]]],
) -> None:
    """`_apply`'s matching of one batch by reading the youths and their entries: counts the rows
    and collects the entries to add (youth None: a new youth), the known youths, the renamed ones
    and the entries the list changed."""
    codes = [item.youth["id_code"] for item in batch]
    by_code = {
        y.id_code: y
        for y in session.execute(
            select(_YOUTHS.c.id, _YOUTHS.c.ref, _YOUTHS.c.name, _YOUTHS.c.id_code).where(
                _YOUTHS.c.id_code.in_(codes)
            )
        )
    }
    entries = {
        e.youth_id: e
        for e in session.execute(
            select(_ENTRIES).where(
                _ENTRIES.c.list_date == list_date,
                _ENTRIES.c.youth_id.in_([y.id for y in by_code.values()]),
            )
        )
    }
    for item in batch:
        youth = by_code.get(item.youth["id_code"])
        if youth is None:
            new_entries.append((item, None))
            result.new += 1
            continue
        known.append(youth)
        name_changed = youth.name != item.youth["name"]
        if name_changed:
            renamed.append((youth, item.youth["name"]))
        entry = entries.get(youth.id)
        if entry is None:
            new_entries.append((item, youth))
            result.new += 1
            continue
        changes = {
            f: [getattr(entry, f), item.entry[f]]
            for f in in_file
            if getattr(entry, f) != item.entry[f]
        }
        if changes:
            changed_entries.append((entry, youth.ref, changes))
        if changes or name_changed:
            result.updated += 1
        else:
            result.unchanged += 1


def _match_in_database(
    session: Session,
    batch: list[_Listed],
    list_date: dt.date,
    in_file: list[str],
    result: ImportResult,
    new_entries: list[tuple[_Listed, Any]],
    known: list[Any],
) -> None:
    """`_apply`'s matching of one batch, done by the database: counts the rows as `_apply` does
    and collects the entries to add (youth None: a new youth) and the known youths."""
    rows = [
        {"i": i, "id_code": item.youth["id_code"], "name": item.youth["name"], **item.entry}
        for i, item in enumerate(batch)
    ]
    found = {k.row: k for k in match_ngts_rows(session.connection(), list_date, in_file, rows)}
    for i, item in enumerate(batch):
        youth = found.get(i)
        if youth is not None:
            known.append(youth)
        if youth is None or youth.entry_id is None:
            new_entries.append((item, youth))
            result.new += 1
        elif youth.changed or youth.renamed:
            result.updated += 1
        else:
            result.unchanged += 1


def _insert_youths(session: Session, new: list[_Listed]) -> dict[str, tuple[int, str]]:
    """Register new youths in bulk; their (id, reference) by personal code."""
    from rvneet.services.imports.youths import insert_youths

    records = insert_youths(session, [item.youth for item in new])
    return {r["id_code"]: (r["id"], r["ref"]) for r in records}


def _rename(session: Session, renamed: list[tuple[Any, str]]) -> None:
    if not renamed:
        return
    statement = (
        update(_YOUTHS).where(_YOUTHS.c.id == bindparam("_id")).values(name=bindparam("_name"))
    )
    session.connection().execute(
        statement, [{"_id": youth.id, "_name": name} for youth, name in renamed]
    )
    audit_bulk(
        session,
        "youths",
        "update",
        [(youth.id, youth.ref, {"name": [youth.name, name]}) for youth, name in renamed],
        redact=Youth.__audit_redact__,
    )


def _insert_entries(
    session: Session,
    new: list[tuple[_Listed, Any]],
    new_ids: dict[str, tuple[int, str]],
    list_date: dt.date,
) -> None:
    if not new:
        return
    connection = session.connection()
    ids = taken_ids(connection, "ngts_entries", len(new))
    if ids is None:
        last_id = session.scalar(select(func.max(_ENTRIES.c.id))) or 0
        ids = list(range(last_id + 1, last_id + 1 + len(new)))
    records: list[dict[str, Any]] = []
    refs: list[str] = []
    for id_, (item, youth) in zip(ids, new, strict=True):
        youth_id, ref = (youth.id, youth.ref) if youth else new_ids[item.youth["id_code"]]
        records.append({"id": id_, "youth_id": youth_id, "list_date": list_date, **item.entry})
        refs.append(ref)
    for batch in chunks(records, _BATCH):
        connection.execute(_ENTRIES.insert(), batch)
    audit_bulk(
        session,
        "ngts_entries",
        "insert",
        (
            (r["id"], ref, {k: [None, v] for k, v in r.items() if v is not None})
            for r, ref in zip(records, refs, strict=True)
        ),
        redact=NgtsEntry.__audit_redact__,
    )


def _update_entries(session: Session, changed: list[tuple[Any, str, dict[str, Any]]]) -> None:
    if not changed:
        return
    statement = (
        update(_ENTRIES)
        .where(_ENTRIES.c.id == bindparam("_id"))
        .values({f: bindparam(f"_{f}") for f in ENTRY_FIELDS})
    )
    values = [
        {
            "_id": entry.id,
            **{f"_{f}": changes[f][1] if f in changes else getattr(entry, f) for f in ENTRY_FIELDS},
        }
        for entry, _, changes in changed
    ]
    session.connection().execute(statement, values)
    audit_bulk(
        session,
        "ngts_entries",
        "update",
        [(entry.id, ref, changes) for entry, ref, changes in changed],
        redact=NgtsEntry.__audit_redact__,
    )


def _notes(session: Session, result: ImportResult, created: int, known: list[Any]) -> None:
    """How many youths are new to the book, and which of the known ones are in an open case.

    By reference only: the summary may be shown or pasted where names must not be.
    """
    result.notes.append(
        ngettext(
            "{created} youth registered, {known} already in the book",
            "{created} youths registered, {known} already in the book",
            created,
        ).format(created=created, known=len(known))
    )
    open_cases: dict[int, list[str]] = {}
    for batch in chunks([y.id for y in known], _BATCH):
        for youth_id, case_ref in session.execute(
            select(_CASES.c.youth_id, _CASES.c.ref)
            .where(_CASES.c.youth_id.in_(batch), _CASES.c.end_date.is_(None))
            .order_by(_CASES.c.start_date, _CASES.c.id)
        ):
            open_cases.setdefault(youth_id, []).append(case_ref)
    for youth in sorted(known, key=lambda y: y.ref):
        if refs := open_cases.get(youth.id):
            result.notes.append(
                ngettext(
                    "{ref} is already in open case {cases}",
                    "{ref} is already in open cases {cases}",
                    len(refs),
                ).format(ref=youth.ref, cases=", ".join(refs))
            )
