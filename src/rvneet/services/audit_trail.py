"""Reading the audit log (`rvneet audit`): who changed or looked at what, when, old → new; and
checking its hash chain (`rvneet audit verify`).

Both only read, in batches by id, so a log of millions of entries keeps memory flat.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import LargeBinary, cast, or_, select
from sqlmodel import Session

from rvneet.domain.access import Capability
from rvneet.domain.enums import (
    ActivityStatus,
    AnswerSource,
    Assessor,
    CloseReason,
    ConsentGiver,
    ConsentScope,
    ContactChannel,
    FeedbackAspect,
    FollowUpStatus,
    GoalExtent,
    GoalState,
    Light,
    Model,
    NeedCategory,
    NeetGroup,
    NetworkRole,
    OutreachResult,
    ReachChannel,
    RiskLevel,
    Sex,
    StaffRole,
    SupportAnswer,
    SupportKind,
    Tier,
    WelfareDomain,
    label,
)
from rvneet.domain.errors import InvalidInput, RvneetError
from rvneet.domain.stages import STAGES
from rvneet.domain.tables import AUDITED, AuditEntry
from rvneet.i18n import N_, _, format_date, translate
from rvneet.services.audit import (
    PG_APPEND_ONLY_TRIGGERS,
    PG_RLS_QUERY,
    PG_TRIGGERS_QUERY,
    TRIGGERS_QUERY,
    Problem,
    rls_problems,
    trigger_problems,
)
from rvneet.services.permissions import require
from rvneet.storage.audit import GENESIS, REDACTED, entry_hash

_BATCH = 10_000
_TABLE: Any = AuditEntry.__table__  # type: ignore[attr-defined]
# Entities written outside the ORM's audited tables (a restore or a copy of the whole database).
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
    require(session, Capability.AUDIT)
    if query.entity is not None:
        _check_entity(session, query.entity)
    conditions = []
    if query.ref is not None:
        conditions.append(_TABLE.c.entity_ref == query.ref.strip().upper())
    if query.since is not None:
        # `at` is ISO text in UTC ("2025-03-01T09:30:00.000000Z"), so text order is time order.
        conditions.append(_TABLE.c.at >= query.since.isoformat())
    if query.user is not None:
        # Also the entries of that name written by a server's owner working under it
        # ("kadri (postgres)", `storage.audit.recorded_user`).
        conditions.append(
            or_(
                _TABLE.c.user == query.user,
                _TABLE.c.user.startswith(f"{query.user} (", autoescape=True),
            )
        )
    if query.entity is not None:
        conditions.append(_TABLE.c.entity == query.entity)
    # As bytes, decoded in `_entry`: an entry changed by hand may hold text that is not UTF-8, or
    # binary data, which the listing shows as best it can (`audit verify` says it was changed).
    # On PostgreSQL a column holds only its own type (text is always UTF-8): read as it is.
    connection = session.connection()
    binary = connection.dialect.name == "sqlite"
    columns = [_TABLE.c.id]
    columns += [
        cast(_TABLE.c[f], LargeBinary) if binary else _TABLE.c[f]
        for f in ("at", "user", "action", "entity", "entity_id", "entity_ref", "changes")
    ]
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
    entry_id, at, user, action, entity, entity_id, ref, changes = (_decoded(v) for v in row)
    if isinstance(entity_id, str) and entity_id.lstrip("-").isdigit():
        entity_id = int(entity_id)
    return {
        "id": entry_id,
        "at": at,
        "user": user,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "ref": ref,
        "changes": _changes(changes),
    }


def _decoded(value: Any) -> Any:
    """A value read as bytes, as text (a byte that is not UTF-8 shown as U+FFFD)."""
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value


UNREADABLE = "(unreadable)"


def _changes(text: Any) -> dict[str, dict[str, Any]]:
    """{field: {"old": ..., "new": ...}} from the stored JSON; a text rvneet did not write (an entry
    changed by hand) is shown whole as the new value of the field UNREADABLE."""
    try:
        stored = json.loads(text) if isinstance(text, str) else None
    except (ValueError, RecursionError):  # not JSON, or nested too deeply to read
        stored = None
    if isinstance(stored, dict) and all(
        isinstance(pair, list) and len(pair) == 2 for pair in stored.values()
    ):
        return {k: {"old": old, "new": new} for k, (old, new) in stored.items()}
    return {UNREADABLE: {"old": None, "new": text}}


def change_rows(entries: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """One row per changed field (CHANGE_FIELDS), for CSV; an entry without changes (a read) gives
    one row with an empty field."""
    for entry in entries:
        base = {k: entry[k] for k in ENTRY_FIELDS if k != "changes"}
        if not entry["changes"]:
            yield {**base, "field": None, "old": None, "new": None}
        for field, pair in entry["changes"].items():
            yield {**base, "field": field, **pair}


def describe_changes(entry: dict[str, Any], lang: str = "en") -> str:
    """The changes as a person reads them: "risk: high → medium" for an update, "risk: high" for an
    insert or a delete (whose id, reference and case have their own columns).

    In English, field names and values as the log stores them. In Estonian, for reading only (the
    log, JSON and CSV keep what is stored): field names in Estonian, a closed vocabulary's values
    in their Estonian form (`kõrge`), dates as 31.12.2025, yes/no as jah/ei.
    """
    entity = entry["entity"]
    parts = []
    for field, pair in entry["changes"].items():
        old, new = (_text(entity, field, pair[k], lang) for k in ("old", "new"))
        name = field_label(field, lang)
        if entry["action"] == "update":
            parts.append(f"{name}: {old} → {new}")
        elif field not in ("id", "ref", "case_id"):
            parts.append(f"{name}: {old if entry['action'] == 'delete' else new}")
    return "; ".join(parts)


def _text(entity: str, field: str, value: Any, lang: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return translate(N_("yes") if value else N_("no"), lang)
    if lang == "en" or not isinstance(value, str):
        return str(value)
    if value == REDACTED:
        return translate(N_("[redacted]"), lang)
    if field == "stage":
        return _STAGE_NAMES.get(value, value)
    vocabulary = _VOCABULARY.get((entity, field)) or _VOCABULARY.get(("", field))
    if vocabulary is not None:
        return ",".join(_estonian(vocabulary, part) for part in value.split(","))
    if _YEAR_MONTH.fullmatch(value):
        return f"{value[5:]}.{value[:4]}"  # a birth date as the log keeps it: 04.2009
    return str(format_date(value, lang))


_YEAR_MONTH = re.compile(r"\d{4}-\d{2}")


def _estonian(vocabulary: type[StrEnum], value: str) -> str:
    try:
        return label(vocabulary(value))
    except ValueError:
        return value  # a value from outside the vocabulary (old data): as stored


def field_label(field: str, lang: str) -> str:
    """A column of an audited table as people read it: its name in English, a word in Estonian."""
    if lang == "en" or field not in FIELD_LABELS:
        return field
    return translate(FIELD_LABELS[field], lang)


def entity_label(entity: str, lang: str) -> str:
    """An audited table as people read it: its name (`youths`) in English, a word in Estonian."""
    if lang == "en" or entity not in ENTITY_LABELS:
        return entity
    return translate(ENTITY_LABELS[entity], lang)


# The closed vocabulary of a column, by (table, column), or ("", column) for every table.
_VOCABULARY: dict[tuple[str, str], type[StrEnum]] = {
    ("", "sex"): Sex,
    ("", "model"): Model,
    ("", "risk"): RiskLevel,
    ("", "light"): Light,
    ("", "neet_group"): NeetGroup,
    ("", "close_reason"): CloseReason,
    ("", "previous_reason"): CloseReason,
    ("cases", "channel"): ReachChannel,
    ("contacts", "channel"): ContactChannel,
    ("outreach_attempts", "channel"): ContactChannel,
    ("outreach_attempts", "result"): OutreachResult,
    ("", "category"): NeedCategory,
    ("", "domain"): WelfareDomain,
    ("", "role"): NetworkRole,
    ("", "with_roles"): NetworkRole,
    ("", "tier"): Tier,
    ("", "scope"): ConsentScope,
    ("", "given_by"): ConsentGiver,
    ("", "kind"): SupportKind,
    ("", "answer"): SupportAnswer,
    ("", "state"): GoalState,
    ("support_activities", "status"): ActivityStatus,
    ("followups", "status"): FollowUpStatus,
    ("staff", "role"): StaffRole,
    ("feedback", "about_role"): NetworkRole,
    ("feedback", "aspect"): FeedbackAspect,
    ("", "assessed_by"): Assessor,
    ("goals", "extent"): GoalExtent,
    ("followups", "source"): AnswerSource,
}

# A stage's Estonian name; follow-up, in both models, by the RV model's name (the entry does not
# say the case's model).
_STAGE_NAMES = {
    stage.name: stage.estonian for stages in reversed(STAGES.values()) for stage in stages
} | {stage.name: stage.estonian for stage in STAGES[Model.RV]}

# The audited tables and the database as a whole, as an entry's record names them.
ENTITY_LABELS = {
    "youths": N_("youth"),
    "cases": N_("case"),
    "assessments": N_("assessment"),
    "stage_changes": N_("stage change"),
    "contacts": N_("contact"),
    "needs_assessments": N_("needs assessment"),
    "needs": N_("need"),
    "welfare_scores": N_("welfare score"),
    "goals": N_("goal"),
    "network_members": N_("network member"),
    "case_members": N_("case network member"),
    "support_activities": N_("support activity"),
    "consents": N_("consent"),
    "support_requests": N_("support request"),
    "reopenings": N_("reopening"),
    "followups": N_("follow-up"),
    "ngts_entries": N_("NGTS list entry"),
    "outreach_attempts": N_("outreach attempt"),
    "staff": N_("staff member"),
    "manager_changes": N_("case manager change"),
    "case_shares": N_("case share"),
    "corrections": N_("correction"),
    "feedback": N_("feedback score"),
    "database": N_("database"),
}

# The columns of the audited tables, as the changes name them.
FIELD_LABELS = {
    "added_on": N_("date added"),
    "address": N_("address"),
    "age_at_start": N_("age at the start"),
    "age_on_list": N_("age on the list"),
    "answer": N_("answer"),
    "answer_note": N_("note on the answer"),
    "answered_on": N_("date answered"),
    "assessment_id": N_("assessment"),
    "assessed_by": N_("assessed by"),
    "birth_date": N_("birth date"),
    "birth_month": N_("birth month"),
    "case_id": N_("case"),
    "category": N_("category"),
    "channel": N_("channel"),
    "close_reason": N_("reason for closing"),
    "date": N_("date"),
    "domain": N_("domain"),
    "done_on": N_("date done"),
    "due": N_("due date"),
    "email": N_("e-mail"),
    "end_date": N_("end date"),
    "entry_id": N_("NGTS list entry"),
    "ended_on": N_("date ended"),
    "erased_on": N_("date erased"),
    "erasure_reason": N_("reason for erasure"),
    "extent": N_("extent reached"),
    "feedback": N_("feedback"),
    "given_by": N_("given by"),
    "guardian": N_("guardian"),
    "guardian_contact": N_("guardian's contact"),
    "id": N_("id"),
    "id_code": N_("personal code"),
    "in_education": N_("in education"),
    "in_employment": N_("in employment"),
    "ineligible_reason": N_("reason not eligible"),
    "instrument": N_("instrument"),
    "justification": N_("justification"),
    "kind": N_("kind"),
    "last_education": N_("last education"),
    "last_employment": N_("last employment"),
    "light": N_("traffic light"),
    "list_date": N_("list date"),
    "manager": N_("case manager"),
    "member_id": N_("network member"),
    "model": N_("model"),
    "motivation": N_("motivation"),
    "name": N_("name"),
    "neet_group": N_("NEET group"),
    "neet_months": N_("months NEET"),
    "network_meeting": N_("network meeting"),
    "no_consent_reason": N_("reason without consent"),
    "note": N_("note"),
    "number": N_("number within the case"),
    "org": N_("organisation"),
    "phone": N_("phone"),
    "place": N_("place"),
    "planned_end": N_("planned end"),
    "previous_end": N_("previous end"),
    "previous_reason": N_("previous reason for closing"),
    "provider_note": N_("support provider's note"),
    "reached": N_("reached"),
    "reason": N_("reason"),
    "ref": N_("reference"),
    "result": N_("result"),
    "removed_on": N_("date removed"),
    "resolution_manager": N_("resolution by the case manager"),
    "resolution_youth": N_("resolution by the youth"),
    "retired_on": N_("date retired"),
    "risk": N_("risk level"),
    "role": N_("role"),
    "satisfaction": N_("satisfaction"),
    "satisfaction_manager": N_("satisfaction with the case manager"),
    "satisfaction_overall": N_("overall satisfaction"),
    "scope": N_("scope"),
    "score": N_("score"),
    "seq": N_("sequence number"),
    "sex": N_("sex"),
    "source": N_("source of the answer"),
    "skip_reason": N_("reason skipped"),
    "stage": N_("stage"),
    "start_date": N_("start date"),
    "state": N_("state"),
    "state_date": N_("state date"),
    "status": N_("status"),
    "text": N_("text"),
    "tier": N_("tier"),
    "trusted_person": N_("trusted person"),
    "wellbeing": N_("wellbeing"),
    "wellbeing_end": N_("wellbeing at the end"),
    "wellbeing_start": N_("wellbeing at the start"),
    "with_roles": N_("roles present"),
    "withdrawn": N_("withdrawn"),
    "youth_id": N_("youth"),
    "user": N_("login"),
    "manager_id": N_("case manager"),
    "from_id": N_("from case manager"),
    "to_id": N_("to case manager"),
    "retire_reason": N_("reason for retiring"),
    "withdrawn_at": N_("date withdrawn"),
    "withdrawn_by": N_("withdrawn by"),
    "withdrawn_reason": N_("reason withdrawn"),
    # The restore's entry (services.maintenance.record_restore).
    "restored_from": N_("restored from"),
    "safety_copy": N_("safety copy"),
    # The copy's entry (services.book_copy).
    "copied_from": N_("copied from"),
    "rows_copied": N_("rows copied"),
    # The export's entry (services.audit.record_export).
    "file_format": N_("file format"),
    "pseudonymized": N_("pseudonymized"),
    "rows_exported": N_("rows exported"),
    # 360° feedback (services.feedback).
    "period": N_("period"),
    "rater_id": N_("network member giving the score"),
    "about_id": N_("network member rated"),
    "about_role": N_("role rated"),
    "aspect": N_("aspect"),
    "recorded_on": N_("date recorded"),
}


@dataclass(frozen=True)
class ChainCheck:
    """The outcome of `verify_chain`: how many entries, the first broken one (None if intact) and
    why (an English text marked N_ and its fields, see `problem_text`), the id of the entry whose
    hash was expected (None if no entry has it), and what is wrong with the log's triggers."""

    entries: int
    last_hash: str
    broken_id: int | None = None
    problem: str | None = None
    problem_fields: dict[str, Any] = dataclasses.field(default_factory=dict)
    expected_id: int | None = None
    trigger_problems: list[Problem] = dataclasses.field(default_factory=list)
    # On PostgreSQL: the personal tables not under row-level security (`audit.rls_problems`).
    access_problems: list[Problem] = dataclasses.field(default_factory=list)

    def problem_text(self, lang: str | None = None) -> str:
        """Why the broken entry does not fit, in `lang` (the message language by default)."""
        if self.problem is None:
            return ""
        return translate(self.problem, lang).format(**self.problem_fields)


# One batch of entries in id order: the SQLite type of every column (so that a value rvneet never
# writes, such as binary data put in by hand, is found rather than crashing the check) and the text
# columns as bytes (text that is not UTF-8 cannot even be read as text). `?`: the id to start
# after and the batch size; plain SQL, so that a DB-API connection can run it as well.
_COLUMNS = (
    "prev_hash",
    "hash",
    "at",
    "user",
    "entity",
    "entity_id",
    "entity_ref",
    "action",
    "changes",
)


def _q(column: str) -> str:
    """A column name quoted: PostgreSQL reserves `user`."""
    return f'"{column}"' if column == "user" else column


_CHAIN_QUERY = (
    "SELECT id, "
    + " || ',' || ".join(f"typeof({c})" for c in _COLUMNS)
    + ", "
    + ", ".join(c if c == "entity_id" else f"CAST({_q(c)} AS BLOB)" for c in _COLUMNS)
    + " FROM audit_log WHERE id > ? ORDER BY id LIMIT ?"
)
# PostgreSQL keeps every column's declared type: a value of another type cannot be stored, so only
# NULL is told apart (the "types" are then always as expected but for an entity_ref of NULL).
_PG_CHAIN_QUERY = (
    "SELECT id, "
    + " || ',' || ".join(
        f"CASE WHEN {_q(c)} IS NULL THEN 'null' ELSE '{'integer' if c == 'entity_id' else 'text'}' END"
        for c in _COLUMNS
    )
    + ", "
    + ", ".join(c if c == "entity_id" else f"convert_to({_q(c)}, 'UTF8')" for c in _COLUMNS)
    + " FROM audit_log WHERE id > %s ORDER BY id LIMIT %s"
)
# The SQLite types rvneet writes in each column.
_EXPECTED = {
    c: {"entity_id": ("integer",), "entity_ref": ("text", "null")}.get(c, ("text",))
    for c in _COLUMNS
}
_TYPES = {",".join(kinds) for kinds in itertools.product(*_EXPECTED.values())}
Fetch = Callable[[str, tuple[Any, ...]], Sequence[Sequence[Any]]]


def verify_chain(session: Session, expect: str | None = None) -> ChainCheck:
    """Recompute the hash chain in id order; stop at the first entry that does not fit. Also check
    the append-only triggers (`services.audit.trigger_problems`).

    An edited entry no longer matches its own hash; an entry deleted, inserted or moved breaks the
    link (`prev_hash`) of the entry after it; a value of a type rvneet never writes there is an
    edit too. `expect` is a hash noted from an earlier check: the entry that has it is looked for,
    which shows the log was not cut or rewritten since.
    """
    require(session, Capability.AUDIT)
    from sqlalchemy.exc import DBAPIError

    connection = session.connection()
    server = connection.dialect.name == "postgresql"
    try:
        check = verify_rows(
            lambda sql, params: connection.exec_driver_sql(sql, params).all(), expect, server=server
        )
        if server:
            found = connection.exec_driver_sql(PG_RLS_QUERY).all()
            check = dataclasses.replace(check, access_problems=rls_problems(found))
        return check
    except DBAPIError as exc:
        # A table or column renamed or dropped by hand: SQLite's reason names it, no values.
        reason = " ".join(str(exc.orig).split())
        raise RvneetError(
            _("cannot read the audit log to check it ({reason})").format(reason=reason)
        ) from None


def verify_rows(fetch: Fetch, expect: str | None = None, *, server: bool = False) -> ChainCheck:
    """`verify_chain` through `fetch(sql, params) -> rows`, so that a DB-API connection (`rvneet db
    check --full`) and a session run the same check. `server`: a PostgreSQL database's."""
    if server:
        triggers = trigger_problems(fetch(PG_TRIGGERS_QUERY, ()), PG_APPEND_ONLY_TRIGGERS)
    else:
        triggers = trigger_problems(fetch(TRIGGERS_QUERY, ()))
    chain_query = _PG_CHAIN_QUERY if server else _CHAIN_QUERY
    prev, prev_id, count, last_id, expected_id = GENESIS, None, 0, 0, None
    while True:
        rows = fetch(chain_query, (last_id, _BATCH))
        for entry_id, types, *values in rows:
            broken = _broken(types, values)
            if isinstance(broken, tuple):
                return ChainCheck(count, prev, entry_id, *broken, trigger_problems=triggers)
            prev_hash, digest, *content = broken
            if prev_hash != prev:
                problem: Problem = (
                    (
                        N_(
                            "it does not follow entry {id} (an entry deleted, inserted or moved "
                            "before it)"
                        ),
                        {"id": prev_id},
                    )
                    if prev_id is not None
                    else (
                        N_(
                            "it does not follow the start of the log (an entry deleted, inserted "
                            "or moved before it)"
                        ),
                        {},
                    )
                )
                return ChainCheck(count, prev, entry_id, *problem, trigger_problems=triggers)
            if entry_hash(prev_hash, tuple(content)) != digest:
                edited = N_("its content does not match its hash (edited)")
                return ChainCheck(count, prev, entry_id, edited, trigger_problems=triggers)
            if digest == expect:
                expected_id = entry_id
            prev, prev_id, count = digest, entry_id, count + 1
        if len(rows) < _BATCH:
            return ChainCheck(count, prev, expected_id=expected_id, trigger_problems=triggers)
        last_id = rows[-1][0]


def _broken(types: Any, values: list[Any]) -> list[Any] | Problem:
    """An entry's values as rvneet wrote them (text decoded), or why they cannot be."""
    if types not in _TYPES:
        kinds = str(types).split(",")
        column = next(c for c, k in zip(_COLUMNS, kinds, strict=True) if k not in _EXPECTED[c])
        return (
            N_("its {column} holds a value of a type rvneet never writes there (edited)"),
            {"column": column},
        )
    decoded: list[Any] = []
    for column, value in zip(_COLUMNS, values, strict=True):
        if isinstance(value, bytes):
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError:
                return (N_("its {column} is not valid UTF-8 text (edited)"), {"column": column})
        decoded.append(value)
    return decoded
