"""Outreach (*väljaulatuv töö*): who of the NGTS list has been reached, and who not yet.

The listing is shown to the network, so it carries references, never names, personal codes or
contacts; the case manager looks a youth up with `rvneet youth show REF`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from rvneet.domain.errors import NotFound
from rvneet.domain.rules import known_age
from rvneet.domain.tables import Case, Contact, NgtsEntry, Youth
from rvneet.i18n import N_, _

# A row's `status` (machine values in JSON and CSV; marked so a table shows them translated).
OPEN_CASE = N_("open case")
CLOSED_CASE = N_("closed case")
NO_CASE = N_("no case")
# What a youth's entry on a list says besides who they are (personal: never in a listing).
ENTRY_FIELDS = (
    "phone",
    "email",
    "address",
    "guardian",
    "guardian_contact",
    "last_education",
    "last_employment",
)
# The keys of each row, in order (the CSV header of an empty listing too).
FIELDS = (
    "youth",
    "list_date",
    "age",
    "sex",
    "last_education",
    "last_employment",
    "status",
    "case",
    "first_contact",
    "days_on_list",
)


def list_dates(session: Session) -> list[dt.date]:
    """The dates of the NGTS lists in the book, newest first."""
    return list(
        session.scalars(
            select(col(NgtsEntry.list_date)).distinct().order_by(col(NgtsEntry.list_date).desc())
        )
    )


def youth_entries(session: Session, youth_id: int) -> list[dict[str, Any]]:
    """A youth's entries on the NGTS lists, newest first, with the contacts: for the case manager."""
    entries = session.scalars(
        select(NgtsEntry)
        .where(NgtsEntry.youth_id == youth_id)
        .order_by(col(NgtsEntry.list_date).desc())
    )
    return [
        {"list_date": e.list_date.isoformat(), **{f: getattr(e, f) for f in ENTRY_FIELDS}}
        for e in entries
    ]


def latest_list_date(session: Session) -> dt.date | None:
    """The date of the newest NGTS list in the book, or None when none was imported."""
    return session.scalar(select(func.max(NgtsEntry.list_date)))


def outreach_list(
    session: Session,
    list_date: dt.date | None = None,
    not_contacted: bool = False,
    *,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """The youths of the NGTS list of `list_date` (default the newest) and whether they were reached.

    Each youth's case is their open case (the latest opened, if two models are open), else their
    latest case; `first_contact` is that case's first contact on or after the list date.
    `not_contacted` keeps the youths with no case, or no such contact.
    """
    if list_date is None:
        list_date = latest_list_date(session)
        if list_date is None:
            return []
    rows = session.execute(
        select(Youth, NgtsEntry)
        .join(NgtsEntry, col(NgtsEntry.youth_id) == Youth.id)
        .where(NgtsEntry.list_date == list_date)
        .order_by(col(Youth.ref))
    ).all()
    if not rows:
        # ISO dates in both languages: they are what --list-date takes.
        known = ", ".join(d.isoformat() for d in list_dates(session)) or _("none imported")
        raise NotFound(
            _("no NGTS list of {date} (lists: {known})").format(
                date=list_date.isoformat(), known=known
            )
        )
    cases = _chosen_cases(session, list_date)
    first_contacts = _first_contacts(session, list_date)
    days = ((today or dt.date.today()) - list_date).days
    listing = []
    for youth, entry in rows:
        case = cases.get(entry.youth_id)
        first_contact = first_contacts.get(case.id) if case and case.id else None
        if not_contacted and first_contact is not None:
            continue
        status = _status(case)
        listing.append(
            {
                "youth": youth.ref,
                "list_date": list_date.isoformat(),
                "age": known_age(youth.birth_date, list_date, entry.age_on_list),
                "sex": youth.sex,
                "last_education": entry.last_education,
                "last_employment": entry.last_employment,
                "status": status,
                "case": case.ref if case is not None else None,
                "first_contact": first_contact.isoformat() if first_contact else None,
                "days_on_list": days,
            }
        )
    return listing


def _status(case: Case | None) -> str:
    if case is None:
        return NO_CASE
    return OPEN_CASE if case.end_date is None else CLOSED_CASE


def _listed(list_date: dt.date) -> Any:
    return select(NgtsEntry.youth_id).where(NgtsEntry.list_date == list_date)


def _chosen_cases(session: Session, list_date: dt.date) -> dict[int, Case]:
    """Each listed youth's open case if any (the latest opened), else their latest case."""
    chosen: dict[int, Case] = {}
    for case in session.scalars(
        select(Case)
        .where(col(Case.youth_id).in_(_listed(list_date)))
        .order_by(col(Case.start_date), col(Case.id))
    ):
        current = chosen.get(case.youth_id)
        # Later cases come later; an open case is never replaced by a closed one.
        if current is None or current.end_date is not None or case.end_date is None:
            chosen[case.youth_id] = case
    return chosen


def _first_contacts(session: Session, list_date: dt.date) -> dict[int, dt.date]:
    """The first contact on or after the list date of every case of a listed youth."""
    return {
        case_id: first
        for case_id, first in session.execute(
            select(Contact.case_id, func.min(Contact.date))
            .join(Case, col(Case.id) == Contact.case_id)
            .where(col(Case.youth_id).in_(_listed(list_date)), col(Contact.date) >= list_date)
            .group_by(col(Contact.case_id))
        )
    }
