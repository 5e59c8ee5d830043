"""Registering and finding youths (*noored*)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, cast, func
from sqlmodel import Session, col, select

from rvneet.domain.access import Capability
from rvneet.domain.enums import Sex
from rvneet.domain.errors import Conflict
from rvneet.domain.inputs import NewYouth
from rvneet.domain.rules import age_on
from rvneet.domain.tables import Case, Youth
from rvneet.i18n import N_, _
from rvneet.services.lookups import check_code_free, folded_name
from rvneet.services.paging import EVERY_ROW, Page, Paged
from rvneet.services.permissions import get_youth, require, usable_youths
from rvneet.services.validation import validated


def _next_ref(session: Session) -> str:
    from rvneet.storage.dialect import last_over_every_row

    last = last_over_every_row(session.connection(), "rvneet_last_youth_number")
    if last is None:
        last = session.scalar(select(func.max(cast(func.substr(Youth.ref, 3), Integer))))
    return f"Y-{(last or 0) + 1:04d}"


@dataclass
class Added:
    """A newly registered youth and the warnings the user should see."""

    youth: Youth
    warnings: list[str] = field(default_factory=list)


def same_person(session: Session, youth: Youth) -> list[str]:
    """References of the other youths registered with `youth`'s birth date and sex and the same
    name as compared by `folded_name` (erased youths have no birth date, so never match)."""
    candidates = session.exec(
        select(Youth)
        .where(Youth.birth_date == youth.birth_date, Youth.sex == youth.sex, Youth.id != youth.id)
        # In registration order on both engines: PostgreSQL returns rows in no set order.
        .order_by(col(Youth.id))
    )
    key = folded_name(youth.name)
    return [y.ref for y in candidates if folded_name(y.name) == key]


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
        check_code_free(session, data.id_code)
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


def register_youth(
    session: Session,
    *,
    name: str,
    id_code: str | None = None,
    birth_date: dt.date | None = None,
    sex: Sex | None = None,
    strict: bool = False,
) -> Added:
    """Register a youth as `add_youth` does (`youth add`), with a check for a duplicate.

    Without a personal code, a youth already registered with the same name, birth date and sex
    is probably the same person: a warning, or with `strict` a Conflict (the caller's session
    is then rolled back, so nothing is added). Imports match such youths themselves.
    """
    require(session, Capability.YOUTHS)
    youth = add_youth(session, name=name, id_code=id_code, birth_date=birth_date, sex=sex)
    warnings = []
    if youth.id_code is None and (same := same_person(session, youth)):
        refs = ", ".join(same)
        if strict:
            raise Conflict(
                _(
                    "a youth with the same name, birth date and sex is already registered as "
                    "{refs}; nothing was added"
                ).format(refs=refs)
            )
        warnings.append(
            _(
                "a youth with the same name, birth date and sex is already registered as {refs}; "
                "if this is the same person, use that reference (--strict refuses instead)"
            ).format(refs=refs)
        )
    return Added(youth, warnings)


# A youth's `status` in records (machine values), and how people read it (translated where shown).
ACTIVE = "active"
ERASED_STATUS = "erased"
STATUS_LABELS = {ACTIVE: N_("active"), ERASED_STATUS: N_("erased")}


def birth_month(youth: Youth) -> str:
    """The birth year and month (YYYY-MM), which erasure keeps."""
    if youth.birth_date is not None:
        return f"{youth.birth_date:%Y-%m}"
    assert youth.birth_month is not None
    return youth.birth_month


def youth_record(
    youth: Youth, *, today: dt.date | None = None, personal: bool = True
) -> dict[str, Any]:
    """A youth as a plain dict with stable keys; `personal=False` leaves out the personal code.

    An erased youth has `status` "erased", no birth date or age, and keeps the birth month.
    """
    record: dict[str, Any] = {
        "youth": youth.ref,
        "name": youth.name,
        "birth_date": youth.birth_date.isoformat() if youth.birth_date else None,
        "birth_month": birth_month(youth),
        "sex": youth.sex,
        "age": age_on(youth.birth_date, today or dt.date.today()) if youth.birth_date else None,
        "status": ERASED_STATUS if youth.erased_on else ACTIVE,
        "erased_on": youth.erased_on.isoformat() if youth.erased_on else None,
    }
    if personal:
        record["id_code"] = youth.id_code
    return record


def list_youths(session: Session, page: Page = EVERY_ROW) -> Paged:
    """Youths with their number of open cases, ordered by reference: one page and the total."""
    require(session, Capability.YOUTHS)
    # Counted per youth of the page (the partial index of open cases answers it), not grouped
    # over every case of the book.
    open_cases = (
        select(func.count())
        .select_from(Case)
        .where(Case.youth_id == Youth.id, col(Case.end_date).is_(None))
        .correlate(Youth)
        .scalar_subquery()
    )
    usable = usable_youths(session)
    total = session.execute(select(func.count()).select_from(Youth).where(usable)).scalar_one()
    query = select(Youth, open_cases).where(usable).order_by(col(Youth.id))
    rows = session.execute(page.apply(query)).all()
    today = dt.date.today()
    records = [
        {**youth_record(youth, today=today, personal=False), "open_cases": n} for youth, n in rows
    ]
    return Paged(records, total, page)


def youth_detail(session: Session, ref: str) -> dict[str, Any]:
    """One youth with the personal code, a short line for each of their cases, and their entries on
    the NGTS lists (with the contacts the list gives).

    The reading is audited (who looked at whom), so `session` must be a write session.
    """
    from rvneet.services.audit import audit_read
    from rvneet.services.cases import list_cases
    from rvneet.services.consent import consent_records
    from rvneet.services.outreach import youth_entries

    youth = get_youth(session, ref)
    assert youth.id is not None
    audit_read(session, "youths", youth.id, youth.ref)
    record = youth_record(youth)
    record["erasure_reason"] = youth.erasure_reason
    record["cases"] = [
        {k: c[k] for k in ("case", "model", "start", "end", "status", "level")}
        for c in list_cases(session, youth_id=youth.id)
    ]
    record["ngts"] = youth_entries(session, youth.id)
    record["consents"] = consent_records(session, youth.id)
    return record
