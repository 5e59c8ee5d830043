"""Registering and finding youths (*noored*)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, cast, func
from sqlmodel import Session, col, select

from rvneet.domain.enums import Sex
from rvneet.domain.errors import Conflict, NotFound
from rvneet.domain.inputs import NewYouth
from rvneet.domain.rules import age_on
from rvneet.domain.tables import Case, Youth
from rvneet.services.validation import validated


def _next_ref(session: Session) -> str:
    last = session.scalar(select(func.max(cast(func.substr(Youth.ref, 3), Integer))))
    return f"Y-{(last or 0) + 1:04d}"


def add_youth(
    session: Session,
    *,
    name: str,
    id_code: str | None = None,
    birth_date: dt.date | None = None,
    sex: Sex | None = None,
) -> Youth:
    """Register a youth; birth date and sex come from the personal code when one is given."""
    data = validated(NewYouth, name=name, id_code=id_code, birth_date=birth_date, sex=sex)
    if data.id_code:
        existing = session.scalar(select(Youth.ref).where(Youth.id_code == data.id_code))
        if existing:
            raise Conflict(f"a youth with this personal code is already registered as {existing}")
    assert data.birth_date is not None and data.sex is not None
    youth = Youth(
        ref=_next_ref(session),
        name=data.name,
        id_code=data.id_code,
        birth_date=data.birth_date,
        sex=data.sex.value,
    )
    session.add(youth)
    session.flush()
    return youth


def get_youth(session: Session, ref: str) -> Youth:
    """The youth with reference `ref` (case-insensitive), or NotFound."""
    youth = session.scalar(select(Youth).where(Youth.ref == ref.strip().upper()))
    if youth is None:
        raise NotFound(f"no youth {ref!r}")
    return youth


def youth_record(
    youth: Youth, *, today: dt.date | None = None, personal: bool = True
) -> dict[str, Any]:
    """A youth as a plain dict with stable keys; `personal=False` leaves out the personal code."""
    record: dict[str, Any] = {
        "youth": youth.ref,
        "name": youth.name,
        "birth_date": youth.birth_date.isoformat(),
        "sex": youth.sex,
        "age": age_on(youth.birth_date, today or dt.date.today()),
    }
    if personal:
        record["id_code"] = youth.id_code
    return record


def list_youths(session: Session) -> list[dict[str, Any]]:
    """Every youth with the number of open cases, ordered by reference."""
    open_cases = (
        select(Case.youth_id, func.count().label("n"))
        .where(col(Case.end_date).is_(None))
        .group_by(col(Case.youth_id))
        .subquery()
    )
    rows = session.execute(
        select(Youth, func.coalesce(open_cases.c.n, 0))
        .outerjoin(open_cases, open_cases.c.youth_id == Youth.id)
        .order_by(col(Youth.id))
    ).all()
    today = dt.date.today()
    return [
        {**youth_record(youth, today=today, personal=False), "open_cases": n} for youth, n in rows
    ]


def youth_detail(session: Session, ref: str) -> dict[str, Any]:
    """One youth with the personal code, a short line for each of their cases, and their entries on
    the NGTS lists (with the contacts the list gives).

    The reading is audited (who looked at whom), so `session` must be a write session.
    """
    from rvneet.services.audit import audit_read
    from rvneet.services.cases import list_cases
    from rvneet.services.outreach import youth_entries

    youth = get_youth(session, ref)
    assert youth.id is not None
    audit_read(session, "youths", youth.id, youth.ref)
    record = youth_record(youth)
    record["cases"] = [
        {k: c[k] for k in ("case", "model", "start", "end", "status", "level")}
        for c in list_cases(session, youth_id=youth.id)
    ]
    record["ngts"] = youth_entries(session, youth.id)
    return record
