"""Outreach (*väljaulatuv töö*): who of the NGTS list has been reached, and who not yet.

The listing is shown to the network, so it carries references, never names, personal codes or
contacts; the case manager looks a youth up with `rvneet youth show REF`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from rvneet.domain.access import Capability
from rvneet.domain.enums import ContactChannel, OutreachResult
from rvneet.domain.errors import InvalidInput, NotFound
from rvneet.domain.rules import known_age
from rvneet.domain.tables import Case, Contact, NgtsEntry, OutreachAttempt, Youth
from rvneet.i18n import N_, _, format_date, message_language
from rvneet.services.permissions import require

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
    "last_attempt",
    "last_result",
)
# The keys of a recorded outreach attempt (`outreach attempt --format json`).
ATTEMPT_FIELDS = ("youth", "list_date", "date", "channel", "result", "note")


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
    """The date of the newest NGTS list in the book, or None when none was imported.

    The role is asked first: on a server the query itself would be refused to an auditor, in
    the server's words instead of rvneet's."""
    require(session, Capability.NGTS)
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
    `last_attempt` and `last_result` are the latest outreach attempt on the youth's entry of this
    list. `not_contacted` keeps the youths with no such contact and no attempt.
    """
    require(session, Capability.NGTS)
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
    attempts = _last_attempts(session, list_date)
    days = ((today or dt.date.today()) - list_date).days
    listing = []
    for youth, entry in rows:
        case = cases.get(entry.youth_id)
        first_contact = first_contacts.get(case.id) if case and case.id else None
        attempt = attempts.get(entry.youth_id)
        if not_contacted and (first_contact is not None or attempt is not None):
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
                "last_attempt": attempt[0].isoformat() if attempt else None,
                "last_result": attempt[1] if attempt else None,
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


def _last_attempts(session: Session, list_date: dt.date) -> dict[int, tuple[dt.date, str]]:
    """Each youth's latest outreach attempt (date, result) on their entry of the list of `list_date`."""
    latest: dict[int, tuple[dt.date, str]] = {}
    for youth_id, date, result in session.execute(
        select(col(NgtsEntry.youth_id), col(OutreachAttempt.date), col(OutreachAttempt.result))
        .join(NgtsEntry, col(NgtsEntry.id) == OutreachAttempt.entry_id)
        .where(NgtsEntry.list_date == list_date)
        .order_by(col(OutreachAttempt.date), col(OutreachAttempt.id))
    ):
        latest[youth_id] = (date, result)  # later attempts come later and replace earlier ones
    return latest


def record_attempt(
    session: Session,
    youth_ref: str,
    *,
    date: dt.date,
    channel: ContactChannel,
    result: OutreachResult,
    list_date: dt.date | None = None,
    note: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Record an outreach attempt to a youth of an NGTS list, without opening a case.

    The entry is the youth's on the list of `list_date`, by default the newest list dated on or
    before the attempt. Refused: a youth on no list (or not on that list), an erased youth, a date
    in the future or before the list's date.
    """
    require(session, Capability.NGTS)
    from rvneet.services.lookups import check_not_erased
    from rvneet.services.permissions import get_youth

    lang = message_language()
    if date > (today or dt.date.today()):
        raise InvalidInput(
            _("the attempt date {day} is in the future").format(day=format_date(date, lang))
        )
    youth = get_youth(session, youth_ref)
    entries = list(
        session.scalars(
            select(NgtsEntry)
            .where(NgtsEntry.youth_id == youth.id)
            .order_by(col(NgtsEntry.list_date).desc())
        )
    )
    if not entries:
        raise NotFound(_("{ref} is on no NGTS list").format(ref=youth.ref))
    if list_date is not None:
        entry = next((e for e in entries if e.list_date == list_date), None)
        if entry is None:
            known = ", ".join(e.list_date.isoformat() for e in entries)
            raise NotFound(
                _("{ref} is not on the NGTS list of {date} (their lists: {known})").format(
                    ref=youth.ref, date=list_date.isoformat(), known=known
                )
            )
    else:
        entry = next((e for e in entries if e.list_date <= date), entries[-1])
    if date < entry.list_date:
        raise InvalidInput(
            _("the attempt date {day} is before the NGTS list's date {list_date}").format(
                day=format_date(date, lang), list_date=format_date(entry.list_date, lang)
            )
        )
    check_not_erased(youth, _("an outreach attempt cannot be recorded"))
    attempt = OutreachAttempt(
        entry_id=entry.id,  # type: ignore[arg-type]
        date=date,
        channel=channel.value,
        result=result.value,
        note=(note or "").strip() or None,
    )
    session.add(attempt)
    session.flush()
    return {
        "youth": youth.ref,
        "list_date": entry.list_date.isoformat(),
        "date": date.isoformat(),
        "channel": attempt.channel,
        "result": attempt.result,
        "note": attempt.note,
    }


# A row's `change` in `compare` (machine values in JSON and CSV).
NEW, LEFT, STAYED = "new", "left", "stayed"
# The keys of each row of `compare`, in order (the CSV header of an empty comparison too).
COMPARE_FIELDS = ("youth", "change", "from_list", "to_list", "status", "case", "attempts")


def find_list(session: Session, text: str) -> dt.date:
    """The date of the NGTS list named by `text`: a day (2025-03-15) or a month (2025-03) holding
    exactly one list; NotFound or InvalidInput naming the lists otherwise."""
    value = text.strip()
    dates = list_dates(session)
    known = ", ".join(d.isoformat() for d in dates) or _("none imported")
    try:
        if len(value) == 7:
            month = dt.datetime.strptime(value, "%Y-%m").date()
            found = [d for d in dates if (d.year, d.month) == (month.year, month.month)]
        else:
            day = dt.date.fromisoformat(value)
            found = [d for d in dates if d == day]
    except ValueError:
        raise InvalidInput(
            _("{value!r} is not a list date (2025-03-15) or month (2025-03)").format(value=value)
        ) from None
    if not found:
        raise NotFound(_("no NGTS list of {date} (lists: {known})").format(date=value, known=known))
    if len(found) > 1:
        raise InvalidInput(
            _("{month} has {count} NGTS lists: give the day ({known})").format(
                month=value, count=len(found), known=", ".join(d.isoformat() for d in found)
            )
        )
    return found[0]


def compare_lists(
    session: Session, earlier: dt.date | None = None, later: dt.date | None = None
) -> tuple[dt.date, dt.date, list[dict[str, Any]]]:
    """Who is new on the `later` NGTS list, who left it since `earlier`, who is on both.

    Defaults: `later` the newest list, `earlier` the list before it. Each row gives the youth's
    case as `outreach list` does (their open case, else their latest) and the number of outreach
    attempts on their entries of the two lists. References only.
    """
    require(session, Capability.NGTS)
    dates = list_dates(session)
    if later is None:
        if not dates:
            raise NotFound(_("no NGTS list imported"))
        later = dates[0]
    if earlier is None:
        before = [d for d in dates if d < later]
        if not before:
            raise NotFound(
                _("no NGTS list before {date} to compare it with").format(date=later.isoformat())
            )
        earlier = before[0]
    if earlier >= later:
        raise InvalidInput(
            _("the first list ({earlier}) must be older than the second ({later})").format(
                earlier=earlier.isoformat(), later=later.isoformat()
            )
        )
    on: dict[dt.date, dict[int, str]] = {}
    for day in (earlier, later):
        on[day] = {
            youth_id: ref
            for youth_id, ref in session.execute(
                select(col(NgtsEntry.youth_id), col(Youth.ref))
                .join(Youth, col(Youth.id) == NgtsEntry.youth_id)
                .where(NgtsEntry.list_date == day)
            )
        }
    attempts: dict[int, int] = {
        youth_id: count
        for youth_id, count in session.execute(
            select(col(NgtsEntry.youth_id), func.count(col(OutreachAttempt.id)))
            .join(NgtsEntry, col(NgtsEntry.id) == OutreachAttempt.entry_id)
            .where(col(NgtsEntry.list_date).in_((earlier, later)))
            .group_by(col(NgtsEntry.youth_id))
        )
    }
    cases = _chosen_cases(session, earlier) | _chosen_cases(session, later)
    rows: list[dict[str, Any]] = []
    for youth_id, ref in (on[earlier] | on[later]).items():
        change = (
            STAYED
            if youth_id in on[earlier] and youth_id in on[later]
            else (LEFT if youth_id in on[earlier] else NEW)
        )
        case = cases.get(youth_id)
        rows.append(
            {
                "youth": ref,
                "change": change,
                "from_list": earlier.isoformat(),
                "to_list": later.isoformat(),
                "status": _status(case),
                "case": case.ref if case is not None else None,
                "attempts": attempts.get(youth_id, 0),
            }
        )
    order = {NEW: 0, LEFT: 1, STAYED: 2}
    rows.sort(key=lambda row: (order[row["change"]], row["youth"]))
    return earlier, later, rows


# The NGTS lists come twice a year, in March and October; a list older than 7 months is late.
LIST_MONTHS = (3, 10)
LIST_MAX_AGE_MONTHS = 7


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved `months` calendar months on, the day clipped to the month's end (31.08 → 28.02)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def off_schedule_note(list_date: dt.date) -> str | None:
    """A one-line note when a list is dated outside March and October, else None."""
    if list_date.month in LIST_MONTHS:
        return None
    return _("the list is dated {date}: NGTS lists usually come in March and October").format(
        date=format_date(list_date, message_language())
    )


def next_list_month(last: dt.date) -> dt.date:
    """The first day of the month the next list is expected in: the next March or October after
    the month of the `last` list."""
    month = last.month + 1
    year = last.year
    while True:
        if month > 12:
            month, year = 1, year + 1
        if month in LIST_MONTHS:
            return dt.date(year, month, 1)
        month += 1


def list_is_late(last: dt.date, day: dt.date) -> bool:
    """Whether the newest list, of `last`, is older than 7 months on `day`."""
    return day > add_months(last, LIST_MAX_AGE_MONTHS)


def newest_list_on(session: Session, day: dt.date) -> dt.date | None:
    """The date of the newest NGTS list dated on or before `day`, or None."""
    return session.scalar(select(func.max(NgtsEntry.list_date)).where(NgtsEntry.list_date <= day))
