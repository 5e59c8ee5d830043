"""RV cooperation agreements with SKA (*koostöökokkulepe*): period, case limit, deadlines.

The seed agreement binds the municipality to apply RV to up to 5 cases in its period (clause 4.3),
to send Lisa 4 by its deadlines (4.4, 4.6); it may be amended (6.2) or ended early (6.3–6.4). Several
agreements follow each other over the years; at most one is in force on a day.

A deadline is for one report period (a Lisa 4 period such as 2025H1): given as `PERIOD=DATE`, or as
a date alone, for the half-year that ended last before it (a deadline of 15.07.2025 is for 2025H1, one
of 15.01.2026 for 2025H2). A period is submitted when `report lisa4 --submit` recorded it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from rvneet.domain.access import Capability
from rvneet.domain.enums import Model
from rvneet.domain.errors import Conflict, InvalidInput, NotFound
from rvneet.domain.period import Period, parse_period
from rvneet.domain.tables import (
    Agreement,
    AgreementAmendment,
    AgreementDeadline,
    Case,
    Submission,
)
from rvneet.i18n import _, format_date, message_language
from rvneet.services.permissions import require

# Free text kept with an agreement: a number, contacts, a note, a reason. Long enough for any.
MAX_TEXT = 500


@dataclass(frozen=True)
class Deadline:
    """A Lisa 4 deadline as given: the period it is for and the day it is due."""

    period: Period
    due: dt.date


def _day(day: dt.date) -> object:
    """A date inside a message: 31.12.2025 in Estonian, ISO in English."""
    return format_date(day, message_language())


def period_label(period: Period) -> str:
    """A period's label as stored: `2025H1` whatever the case it was typed in."""
    return period.label.strip().upper()


def half_year_before(day: dt.date) -> Period:
    """The half-year that ended last before `day`: the period a deadline alone is for."""
    if day.month <= 6:
        return parse_period(f"{day.year - 1}H2")
    return parse_period(f"{day.year}H1")


def parse_deadline(text: str) -> Deadline:
    """`2025H1=2025-07-15`, or a date alone for the half-year before it; ValueError if malformed."""
    from rvneet.domain.dates import parse_day

    raw = text.strip()
    if "=" in raw:
        period_text, _sep, day_text = raw.partition("=")
        period = parse_period(period_text)
        return Deadline(period, parse_day(day_text.strip()))
    due = parse_day(raw)
    return Deadline(half_year_before(due), due)


def _text(value: str | None, what: str) -> str | None:
    """Free text stripped (None when empty), refused when longer than MAX_TEXT characters."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise InvalidInput(_("{what} is longer than {n} characters").format(what=what, n=MAX_TEXT))
    return value


def get_agreement(session: Session, ref: str) -> Agreement:
    """The agreement numbered `ref` (as typed, spaces around it ignored), or NotFound."""
    found = session.scalar(
        select(Agreement).where(func.upper(Agreement.ref) == ref.strip().upper())
    )
    if found is None:
        raise NotFound(_("no agreement {ref}").format(ref=repr(ref)))
    return found


def _check_period(start: dt.date, end: dt.date, case_limit: int) -> None:
    if end < start:
        raise InvalidInput(
            _("the agreement's end {end} is before its start {start}").format(
                end=_day(end), start=_day(start)
            )
        )
    if case_limit < 1:
        raise InvalidInput(
            _("the case limit must be at least 1, not {limit}").format(limit=case_limit)
        )


def _check_no_overlap(
    session: Session, start: dt.date, end: dt.date, other_than: int | None = None
) -> None:
    """Refuse a period sharing a day with another agreement's: one agreement in force on a day."""
    query = select(Agreement).where(
        col(Agreement.start_date) <= end, col(Agreement.end_date) >= start
    )
    if other_than is not None:
        query = query.where(Agreement.id != other_than)
    clash = session.exec(query.order_by(col(Agreement.start_date))).first()
    if clash is not None:
        raise Conflict(
            _("the period {start} … {end} overlaps agreement {ref} ({from_} … {to})").format(
                start=_day(start),
                end=_day(end),
                ref=clash.ref,
                from_=_day(clash.start_date),
                to=_day(clash.end_date),
            )
        )


def _add_deadlines(session: Session, agreement: Agreement, deadlines: Iterable[Deadline]) -> None:
    """Store deadlines of `agreement`; a period's deadline given again is moved to the new day."""
    for deadline in deadlines:
        label = period_label(deadline.period)
        if deadline.due < deadline.period.end:
            raise InvalidInput(
                _("the deadline {due} for {period} is before the period ends ({end})").format(
                    due=_day(deadline.due), period=label, end=_day(deadline.period.end)
                )
            )
        existing = session.exec(
            select(AgreementDeadline).where(
                AgreementDeadline.agreement_id == agreement.id, AgreementDeadline.period == label
            )
        ).first()
        if existing is None:
            session.add(
                AgreementDeadline(
                    agreement_id=agreement.id,  # type: ignore[arg-type]
                    period=label,
                    due=deadline.due,
                )
            )
        else:
            existing.due = deadline.due
            session.add(existing)
        session.flush()


def add_agreement(
    session: Session,
    *,
    ref: str,
    signed: dt.date,
    start: dt.date,
    end: dt.date,
    case_limit: int,
    ska_contact: str | None = None,
    kov_contact: str | None = None,
    deadlines: Sequence[Deadline] = (),
    note: str | None = None,
) -> Agreement:
    """Record an agreement; its period may not share a day with another agreement's."""
    require(session, Capability.AGREEMENTS)
    number = _text(ref, _("the agreement number"))
    if number is None:
        raise InvalidInput(_("the agreement number is empty"))
    _check_period(start, end, case_limit)
    if session.scalar(select(Agreement.id).where(func.upper(Agreement.ref) == number.upper())):
        raise Conflict(_("agreement {ref} is already recorded").format(ref=number))
    _check_no_overlap(session, start, end)
    agreement = Agreement(
        ref=number,
        signed=signed,
        start_date=start,
        end_date=end,
        case_limit=case_limit,
        ska_contact=_text(ska_contact, "--ska-contact"),
        kov_contact=_text(kov_contact, "--kov-contact"),
        note=_text(note, "--note"),
    )
    session.add(agreement)
    session.flush()
    _add_deadlines(session, agreement, deadlines)
    return agreement


# Fields an amendment may change; contacts are recorded as changed, never in clear (they name people).
_CONTACTS = frozenset({"ska_contact", "kov_contact", "note"})


def amend_agreement(
    session: Session,
    ref: str,
    *,
    date: dt.date,
    reason: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    case_limit: int | None = None,
    ska_contact: str | None = None,
    kov_contact: str | None = None,
    deadlines: Sequence[Deadline] = (),
    note: str | None = None,
) -> AgreementAmendment:
    """Amend an agreement (clause 6.2): the terms change, the amendment is kept with its date and
    reason and what it changed. Refused when it changes nothing."""
    require(session, Capability.AGREEMENTS)
    why = _text(reason, "--reason")
    if why is None:
        raise InvalidInput(_("an amendment needs --reason"))
    agreement = get_agreement(session, ref)
    if agreement.ended_on is not None:
        raise Conflict(
            _("agreement {ref} was ended on {date}; an ended agreement is not amended").format(
                ref=agreement.ref, date=_day(agreement.ended_on)
            )
        )
    first = start if start is not None else agreement.start_date
    last = end if end is not None else agreement.end_date
    limit = case_limit if case_limit is not None else agreement.case_limit
    _check_period(first, last, limit)
    _check_no_overlap(session, first, last, agreement.id)
    new: dict[str, Any] = {
        "start_date": first,
        "end_date": last,
        "case_limit": limit,
        "ska_contact": _text(ska_contact, "--ska-contact") or agreement.ska_contact,
        "kov_contact": _text(kov_contact, "--kov-contact") or agreement.kov_contact,
        "note": _text(note, "--note") or agreement.note,
    }
    changes: dict[str, list[Any]] = {}
    for key, value in new.items():
        old = getattr(agreement, key)
        if old != value:
            shown = (
                ["[changed]", "[changed]"]
                if key in _CONTACTS
                else [
                    old.isoformat() if isinstance(old, dt.date) else old,
                    value.isoformat() if isinstance(value, dt.date) else value,
                ]
            )
            changes[key] = shown
            setattr(agreement, key, value)
    for deadline in deadlines:
        label = period_label(deadline.period)
        changes[f"deadline {label}"] = [None, deadline.due.isoformat()]
    if not changes:
        raise InvalidInput(_("the amendment changes nothing"))
    session.add(agreement)
    session.flush()
    _add_deadlines(session, agreement, deadlines)
    amendment = AgreementAmendment(
        agreement_id=agreement.id,  # type: ignore[arg-type]
        date=date,
        reason=why,
        changes=json.dumps(changes, ensure_ascii=False, sort_keys=True),
    )
    session.add(amendment)
    session.flush()
    return amendment


def end_agreement(session: Session, ref: str, *, date: dt.date, reason: str) -> Agreement:
    """End an agreement early (clauses 6.3–6.4): `date` is its last day in force."""
    require(session, Capability.AGREEMENTS)
    why = _text(reason, "--reason")
    if why is None:
        raise InvalidInput(_("ending an agreement needs --reason"))
    agreement = get_agreement(session, ref)
    if agreement.ended_on is not None:
        raise Conflict(
            _("agreement {ref} was already ended on {date}").format(
                ref=agreement.ref, date=_day(agreement.ended_on)
            )
        )
    if not agreement.start_date <= date <= agreement.end_date:
        raise InvalidInput(
            _("the end date {date} is outside the agreement's period {start} … {end}").format(
                date=_day(date), start=_day(agreement.start_date), end=_day(agreement.end_date)
            )
        )
    agreement.ended_on = date
    agreement.end_reason = why
    agreement.end_date = date
    session.add(agreement)
    session.flush()
    return agreement


def in_force(session: Session, day: dt.date) -> Agreement | None:
    """The agreement in force on `day`, if any."""
    return session.exec(
        select(Agreement).where(col(Agreement.start_date) <= day, col(Agreement.end_date) >= day)
    ).first()


def agreements_kept(session: Session) -> bool:
    """Whether any agreement is recorded in the book."""
    return session.exec(select(Agreement.id).limit(1)).first() is not None


def for_period(session: Session, period: Period) -> Agreement | None:
    """The agreement of a report period: the one in force on its last day, else the latest one in
    force on some day of it."""
    if (found := in_force(session, period.end)) is not None:
        return found
    return session.exec(
        select(Agreement)
        .where(col(Agreement.start_date) <= period.end, col(Agreement.end_date) >= period.start)
        .order_by(col(Agreement.start_date).desc())
    ).first()


def cases_used(session: Session, agreement: Agreement, until: dt.date | None = None) -> int:
    """The RV cases started within the agreement's period (clause 4.3), up to `until` if given."""
    last = agreement.end_date if until is None else min(until, agreement.end_date)
    return int(
        session.scalar(
            select(func.count(col(Case.id))).where(
                Case.model == Model.RV.value,
                col(Case.start_date) >= agreement.start_date,
                col(Case.start_date) <= last,
            )
        )
        or 0
    )


def open_warnings(session: Session, start: dt.date) -> list[str]:
    """What an RV case starting on `start` would break of the agreements, as warnings: no
    agreement recorded, the start outside every agreement's period, or the case limit exceeded."""
    agreement = in_force(session, start)
    if agreement is None:
        nearest = session.exec(
            select(Agreement)
            .order_by(
                col(Agreement.start_date) > start,  # the latest started before it, else the first
                col(Agreement.start_date).desc(),
            )
            .limit(1)
        ).first()
        if nearest is None:
            return [
                _(
                    "no RV agreement is recorded, so no agreement is in force on {start}; "
                    "record it with: rvneet agreement add ..."
                ).format(start=_day(start))
            ]
        return [
            _(
                "the start date {start} is outside the period of agreement {ref} "
                "({from_} … {to}); no agreement is in force on it"
            ).format(
                start=_day(start),
                ref=nearest.ref,
                from_=_day(nearest.start_date),
                to=_day(nearest.end_date),
            )
        ]
    used = cases_used(session, agreement)
    if used + 1 > agreement.case_limit:
        return [
            _(
                "this is RV case {n} started within agreement {ref}, whose case limit is {limit} "
                "(clause 4.3)"
            ).format(n=used + 1, ref=agreement.ref, limit=agreement.case_limit)
        ]
    return []


def check_open(session: Session, start: dt.date, *, strict: bool) -> list[str]:
    """The agreement warnings for an RV case starting on `start`; with `strict` the first is
    raised as a refusal instead."""
    warnings = open_warnings(session, start)
    if strict and warnings:
        raise Conflict(_("{problem} (refused: --strict)").format(problem=warnings[0]))
    return warnings


def submitted(session: Session, start: dt.date, end: dt.date) -> bool:
    """Whether Lisa 4 of the period start … end was submitted."""
    found = session.exec(
        select(Submission.id)
        .where(Submission.start_date == start, Submission.end_date == end)
        .limit(1)
    ).first()
    return found is not None


def _deadline_rows(session: Session, agreement: Agreement, day: dt.date) -> list[dict[str, Any]]:
    rows = []
    for deadline in session.exec(
        select(AgreementDeadline)
        .where(AgreementDeadline.agreement_id == agreement.id)
        .order_by(col(AgreementDeadline.due), col(AgreementDeadline.period))
    ):
        period = parse_period(deadline.period)
        done = submitted(session, period.start, period.end)
        rows.append(
            {
                "agreement": agreement.ref,
                "period": deadline.period,
                "due": deadline.due.isoformat(),
                "submitted": done,
                "overdue": not done and deadline.due < day,
            }
        )
    return rows


def next_deadlines(session: Session, day: dt.date) -> list[dict[str, Any]]:
    """The Lisa 4 deadlines whose period is not yet submitted, overdue ones first, by due day:
    `{agreement, period, due (ISO), submitted (False), overdue}`. For `rvneet today` and `check`."""
    rows: list[dict[str, Any]] = []
    for agreement in session.exec(select(Agreement).order_by(col(Agreement.start_date))):
        rows += [r for r in _deadline_rows(session, agreement, day) if not r["submitted"]]
    return sorted(rows, key=lambda r: (r["due"], r["period"]))


def _plain(agreement: Agreement) -> dict[str, Any]:
    return {
        "agreement": agreement.ref,
        "signed": agreement.signed.isoformat(),
        "start": agreement.start_date.isoformat(),
        "end": agreement.end_date.isoformat(),
        "case_limit": agreement.case_limit,
        "ended_on": agreement.ended_on.isoformat() if agreement.ended_on else None,
    }


def list_agreements(session: Session, day: dt.date) -> list[dict[str, Any]]:
    """Every agreement, oldest first: number, dates, case limit, cases used, in force on `day`."""
    require(session, Capability.AGREEMENTS)
    rows = []
    for agreement in session.exec(select(Agreement).order_by(col(Agreement.start_date))):
        rows.append(
            {
                **_plain(agreement),
                "cases_used": cases_used(session, agreement),
                "in_force": agreement.start_date <= day <= agreement.end_date,
            }
        )
    return rows


def agreement_detail(session: Session, ref: str, day: dt.date) -> dict[str, Any]:
    """One agreement in full: its terms, contacts, cases used, deadlines (submitted or not, the
    next one), amendments and termination."""
    require(session, Capability.AGREEMENTS)
    agreement = get_agreement(session, ref)
    deadlines = _deadline_rows(session, agreement, day)
    upcoming = [d for d in deadlines if not d["submitted"] and d["due"] >= day.isoformat()]
    amendments = [
        {
            "date": a.date.isoformat(),
            "reason": a.reason,
            "changes": json.loads(a.changes),
        }
        for a in session.exec(
            select(AgreementAmendment)
            .where(AgreementAmendment.agreement_id == agreement.id)
            .order_by(col(AgreementAmendment.date), col(AgreementAmendment.id))
        )
    ]
    return {
        **_plain(agreement),
        "end_reason": agreement.end_reason,
        "ska_contact": agreement.ska_contact,
        "kov_contact": agreement.kov_contact,
        "note": agreement.note,
        "cases_used": cases_used(session, agreement),
        "in_force": agreement.start_date <= day <= agreement.end_date,
        "next_deadline": upcoming[0] if upcoming else None,
        "not_submitted": [d["period"] for d in deadlines if not d["submitted"]],
        "deadlines": [
            {k: d[k] for k in ("period", "due", "submitted", "overdue")} for d in deadlines
        ],
        "amendments": amendments,
    }
