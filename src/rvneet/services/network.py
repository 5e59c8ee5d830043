"""The network (*võrgustik*): specialists, and the cases they take part in.

Members are retired, never deleted, so that past cases and activities keep their provider.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, cast, func, or_
from sqlmodel import Session, col, select

from rvneet.domain.access import Capability
from rvneet.domain.enums import ConsentScope, Model, NetworkRole, Tier, shown
from rvneet.domain.errors import Conflict, InvalidInput
from rvneet.domain.inputs import MemberLeaving, NewCaseMember, NewMember
from rvneet.domain.tables import Case, CaseMember, NetworkMember, SupportActivity, Youth
from rvneet.i18n import N_, _, collation_key, format_date, message_language
from rvneet.services.lookups import (
    check_active,
    check_date_in_case,
    check_open,
    get_member,
)
from rvneet.services.permissions import get_case, require
from rvneet.services.validation import validated


@dataclass
class Retired:
    """A member just retired, and what they still take part in (the user should hand it over)."""

    member: NetworkMember
    warnings: list[str] = field(default_factory=list)


def _next_ref(session: Session) -> str:
    last = session.scalar(select(func.max(cast(func.substr(NetworkMember.ref, 3), Integer))))
    return f"M-{(last or 0) + 1:03d}"


def _day(day: dt.date) -> object:
    """A date inside a message: 31.12.2025 in Estonian, ISO in English."""
    return format_date(day, message_language())


def add_member(
    session: Session,
    *,
    name: str,
    role: NetworkRole,
    org: str,
    tier: Tier = Tier.CORE,
    email: str | None = None,
    phone: str | None = None,
) -> NetworkMember:
    """Add a specialist to the network."""
    require(session, Capability.NETWORK)
    data = validated(
        NewMember,
        name=name,
        role=role,
        org=org,
        tier=tier,
        email=email or None,
        phone=phone or None,
    )
    member = NetworkMember(
        ref=_next_ref(session),
        name=data.name,
        role=data.role.value,
        org=data.org,
        tier=data.tier.value,
        email=data.email,
        phone=data.phone,
    )
    session.add(member)
    session.flush()
    return member


# The keys of `member_record`, in order: the columns of `network list --format csv`.
MEMBER_FIELDS = ("member", "name", "role", "org", "tier", "email", "phone", "retired_on")


def member_record(member: NetworkMember) -> dict[str, Any]:
    """A member as a plain dict with stable keys."""
    return {
        "member": member.ref,
        "name": member.name,
        "role": member.role,
        "org": member.org,
        "tier": member.tier,
        "email": member.email,
        "phone": member.phone,
        "retired_on": member.retired_on.isoformat() if member.retired_on else None,
    }


def list_members(
    session: Session, *, role: NetworkRole | None = None, include_retired: bool = False
) -> list[dict[str, Any]]:
    """Members by name in Estonian alphabetical order (namesakes by reference); retired ones only
    with `include_retired`.

    Sorted here, not by SQLite, whose collation knows no Estonian (Šokk after Saar, Õun after Wolf).
    """
    require(session, Capability.NETWORK)
    query = select(NetworkMember)
    if role is not None:
        query = query.where(NetworkMember.role == role.value)
    if not include_retired:
        query = query.where(col(NetworkMember.retired_on).is_(None))
    members = session.exec(query.order_by(col(NetworkMember.id)))
    return sorted((member_record(m) for m in members), key=lambda r: collation_key(r["name"]))


def member_detail(session: Session, ref: str) -> dict[str, Any]:
    """One member with the cases they take part in and the activities they provide.

    Cases are named by reference only: nothing here identifies the youth.
    """
    require(session, Capability.NETWORK)
    member = get_member(session, ref)
    record = member_record(member)
    record["cases"] = [
        {
            "case": case.ref,
            "model": case.model,
            "added": link.added_on.isoformat(),
            "removed": link.removed_on.isoformat() if link.removed_on else None,
            "trusted_person": link.trusted_person,
        }
        for link, case in session.exec(
            select(CaseMember, Case)
            .join(Case, col(Case.id) == CaseMember.case_id)
            .where(CaseMember.member_id == member.id)
            .order_by(col(CaseMember.added_on), col(CaseMember.id))
        )
    ]
    record["activities"] = [
        {
            "case": case.ref,
            "activity": activity.number,
            "kind": activity.kind,
            "start": activity.start_date.isoformat(),
            "status": activity.status,
            "ended": activity.ended_on.isoformat() if activity.ended_on else None,
        }
        for activity, case in session.exec(
            select(SupportActivity, Case)
            .join(Case, col(Case.id) == SupportActivity.case_id)
            .where(SupportActivity.member_id == member.id)
            .order_by(col(SupportActivity.start_date), col(SupportActivity.id))
        )
    ]
    return record


def retire_member(session: Session, ref: str, *, date: dt.date) -> Retired:
    """Retire a member on `date`; they stay in the history of their cases and activities.

    Warns about cases and activities they are still part of, which the case managers should hand over.
    """
    require(session, Capability.NETWORK)
    data = validated(MemberLeaving, date=date)
    member = get_member(session, ref)
    if member.retired_on is not None:
        raise Conflict(
            _("{ref} already retired on {date}").format(
                ref=member.ref, date=_day(member.retired_on)
            )
        )
    last_start = session.scalar(
        select(func.max(SupportActivity.start_date)).where(SupportActivity.member_id == member.id)
    )
    last_added = session.scalar(
        select(func.max(CaseMember.added_on)).where(CaseMember.member_id == member.id)
    )
    last = max((d for d in (last_start, last_added) if d is not None), default=None)
    if last is not None and data.date < last:
        raise InvalidInput(
            _("the retirement date {date} is before {ref}'s last case work ({last})").format(
                date=_day(data.date), ref=member.ref, last=_day(last)
            )
        )
    member.retired_on = data.date
    session.add(member)
    session.flush()
    warnings = [
        _(
            "{ref} is still a member of {case}; remove them with: "
            "rvneet case member remove {case} {ref} --date ..."
        ).format(ref=member.ref, case=case_ref)
        for case_ref in session.exec(
            select(Case.ref)
            .join(CaseMember, col(CaseMember.case_id) == Case.id)
            .where(CaseMember.member_id == member.id, col(CaseMember.removed_on).is_(None))
            .order_by(col(Case.ref))
        )
    ]
    warnings += [
        _("{ref} still provides activity {number} of {case}").format(
            ref=member.ref, number=number, case=case_ref
        )
        for number, case_ref in session.exec(
            select(SupportActivity.number, Case.ref)
            .join(Case, col(Case.id) == SupportActivity.case_id)
            .where(SupportActivity.member_id == member.id, SupportActivity.status == "ongoing")
            .order_by(col(Case.ref), col(SupportActivity.number))
        )
    ]
    return Retired(member, warnings)


def _current_link(session: Session, case: Case, member: NetworkMember) -> CaseMember | None:
    return session.exec(
        select(CaseMember).where(
            CaseMember.case_id == case.id,
            CaseMember.member_id == member.id,
            col(CaseMember.removed_on).is_(None),
        )
    ).first()


def check_provider_sharing(
    session: Session,
    case: Case,
    member: NetworkMember,
    day: dt.date,
    no_consent_reason: str | None,
) -> None:
    """Refuse brokering an activity to a provider outside the case without data-sharing consent.

    A member of the case on `day` was already checked when added. Anyone else learns about the
    youth through the activity, so the youth's data-sharing consent must be in force on `day`, or
    `no_consent_reason` must say why (as `add_case_member` asks).
    """
    from rvneet.services.lookups import has_consent

    member_then = session.exec(
        select(CaseMember.id).where(
            CaseMember.case_id == case.id,
            CaseMember.member_id == member.id,
            col(CaseMember.added_on) <= day,
            or_(col(CaseMember.removed_on).is_(None), col(CaseMember.removed_on) > day),
        )
    ).first()
    if member_then is not None:
        if no_consent_reason is not None:
            raise InvalidInput(
                _(
                    "{ref} is a member of {case}; --no-consent-reason is only for a provider "
                    "outside the case"
                ).format(ref=member.ref, case=case.ref)
            )
        return
    youth = session.get(Youth, case.youth_id)
    assert youth is not None and youth.id is not None
    consented = has_consent(session, youth.id, ConsentScope.DATA_SHARING, day)
    if not consented and no_consent_reason is None:
        raise InvalidInput(
            _(
                "{member} is not a member of {case} and {ref} has no data-sharing consent in "
                "force on {date}; record it with 'rvneet youth consent {ref} --scope "
                "data-sharing ...', add the member with 'rvneet case member add', or give "
                "--no-consent-reason"
            ).format(member=member.ref, case=case.ref, ref=youth.ref, date=_day(day))
        )
    if consented and no_consent_reason is not None:
        # A reason stored next to a valid consent would mislead whoever reads the audit log.
        raise InvalidInput(
            _(
                "{ref} has a data-sharing consent in force on {date}; "
                "--no-consent-reason is only for a provider without one"
            ).format(ref=youth.ref, date=_day(day))
        )


def add_case_member(
    session: Session,
    case_ref: str,
    member_ref: str,
    *,
    date: dt.date,
    trusted_person: bool = False,
    no_consent_reason: str | None = None,
) -> CaseMember:
    """Make a network member a participant of a case from `date`.

    Sharing the case with a member needs the youth's data-sharing consent in force on `date`;
    without it `no_consent_reason` must say why (it is kept, and so audited). The trusted person
    (*usaldusisik*) is an RV notion, one per case.
    """
    from rvneet.services.lookups import has_consent

    data = validated(
        NewCaseMember, date=date, trusted_person=trusted_person, no_consent_reason=no_consent_reason
    )
    case = get_case(session, case_ref)
    member = get_member(session, member_ref)
    check_open(case, _("adding a network member"))
    check_date_in_case(case, data.date, _("the membership"))
    check_active(member, _("adding them to {case}").format(case=case.ref))
    if _current_link(session, case, member) is not None:
        raise Conflict(
            _("{ref} is already a member of {case}").format(ref=member.ref, case=case.ref)
        )
    if data.trusted_person:
        if case.model != Model.RV:
            raise InvalidInput(_("a trusted person (usaldusisik) is chosen only in RV cases"))
        trusted = session.exec(
            select(NetworkMember.ref)
            .join(CaseMember, col(CaseMember.member_id) == NetworkMember.id)
            .where(
                CaseMember.case_id == case.id,
                col(CaseMember.trusted_person).is_(True),
                col(CaseMember.removed_on).is_(None),
            )
        ).first()
        if trusted is not None:
            raise Conflict(
                _("{case} already has a trusted person, {ref}").format(case=case.ref, ref=trusted)
            )
    youth = session.get(Youth, case.youth_id)
    assert youth is not None and youth.id is not None
    consented = has_consent(session, youth.id, ConsentScope.DATA_SHARING, data.date)
    if not consented and data.no_consent_reason is None:
        raise InvalidInput(
            _(
                "{ref} has no data-sharing consent in force on {date}; record it with "
                "'rvneet youth consent {ref} --scope data-sharing ...' or give --no-consent-reason"
            ).format(ref=youth.ref, date=_day(data.date))
        )
    if consented and data.no_consent_reason is not None:
        # A reason stored next to a valid consent would mislead whoever reads the audit log.
        raise InvalidInput(
            _(
                "{ref} has a data-sharing consent in force on {date}; "
                "--no-consent-reason is only for adding a member without one"
            ).format(ref=youth.ref, date=_day(data.date))
        )
    link = CaseMember(
        case_id=case.id,  # type: ignore[arg-type]
        member_id=member.id,  # type: ignore[arg-type]
        trusted_person=data.trusted_person,
        added_on=data.date,
        no_consent_reason=data.no_consent_reason,
    )
    session.add(link)
    session.flush()
    return link


def remove_case_member(
    session: Session, case_ref: str, member_ref: str, *, date: dt.date
) -> CaseMember:
    """End a member's part in a case on `date`; the membership stays in the case's history."""
    data = validated(MemberLeaving, date=date)
    case = get_case(session, case_ref)
    member = get_member(session, member_ref)
    check_open(case, _("removing a network member"))
    link = _current_link(session, case, member)
    if link is None:
        raise Conflict(_("{ref} is not a member of {case}").format(ref=member.ref, case=case.ref))
    check_date_in_case(case, data.date, _("the removal"))
    if data.date < link.added_on:
        raise InvalidInput(
            _("the removal date {date} is before {ref} joined {case} ({added})").format(
                date=_day(data.date), ref=member.ref, case=case.ref, added=_day(link.added_on)
            )
        )
    link.removed_on = data.date
    session.add(link)
    session.flush()
    return link


# The events `timeline` adds (machine values in JSON; marked so a table can show them translated).
MEMBER_ADDED = N_("member added")
MEMBER_REMOVED = N_("member removed")


def _who(member: NetworkMember) -> str:
    """`M-003 Kati Kask (youth-worker)`: the role in the message language (`noorsootöötaja`)."""
    return f"{member.ref} {member.name} ({shown(NetworkRole(member.role))})"


def timeline(session: Session, case: Case) -> list[dict[str, str]]:
    """Members joining and leaving a case, for `case show`.

    Details are in the message language (`case_detail` runs this in English for JSON).
    """
    events = []
    for link, member in session.exec(
        select(CaseMember, NetworkMember)
        .join(NetworkMember, col(NetworkMember.id) == CaseMember.member_id)
        .where(CaseMember.case_id == case.id)
        .order_by(col(CaseMember.id))
    ):
        detail = _who(member)
        if link.trusted_person:
            detail = _("{member}, trusted person").format(member=detail)
        if link.no_consent_reason:
            detail = _("{member}; without data-sharing consent: {reason}").format(
                member=detail, reason=link.no_consent_reason
            )
        events.append({"date": link.added_on.isoformat(), "event": MEMBER_ADDED, "detail": detail})
        if link.removed_on is not None:
            events.append(
                {
                    "date": link.removed_on.isoformat(),
                    "event": MEMBER_REMOVED,
                    "detail": _who(member),
                }
            )
    return events
