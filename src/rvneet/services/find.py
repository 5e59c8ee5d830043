"""`rvneet find TEXT`: youths, cases, NGTS list entries, network members and staff.

What the text is decides what is searched: a reference (`Y-0001`, `RV-2025-001`, `NEET-2025-001`,
`M-001`, `S-0001`) finds that record; a full personal code (spaces allowed) or its last 4 digits finds the
youth holding it; a date (`15.03.2010`, `2010-03-15`) finds youths born that day; anything else
is a part of a name, compared without case or diacritics (`pold` finds Põld), or a staff
member's login.

A hit never carries a full personal code (only its last 4 digits). Erased youths are found only by
their reference. Finding a youth by personal code is an audited read (the audit entry names the
youth's reference, never the code), so such a search needs a write session (`needs_audit`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from rvneet.domain.access import Capability
from rvneet.domain.dates import parse_day
from rvneet.domain.enums import StaffRole
from rvneet.domain.errors import InvalidInput
from rvneet.domain.personal_code import parse_personal_code
from rvneet.domain.tables import Case, NetworkMember, NgtsEntry, Staff, Youth
from rvneet.i18n import N_, _, collation_key
from rvneet.services.audit import audit_read
from rvneet.services.lookups import folded_name
from rvneet.services.permissions import actor, require, usable_cases, usable_youths
from rvneet.storage.dialect import is_server
from rvneet.storage.limited import youths_elsewhere

YOUTH = "youth"
CASE = "case"
NGTS_ENTRY = "ngts-entry"
NETWORK_MEMBER = "network-member"
STAFF = "staff"
KINDS = (YOUTH, CASE, NGTS_ENTRY, NETWORK_MEMBER, STAFF)

# Why a record matched (machine values; `MATCH_LABELS` says them to people).
BY_REFERENCE = "reference"
BY_CODE = "personal-code"
BY_LAST4 = "last-4-digits"
BY_BIRTH_DATE = "birth-date"
BY_NAME = "name"
BY_LOGIN = "login"
MATCH_LABELS = {
    BY_REFERENCE: N_("reference"),
    BY_CODE: N_("personal code"),
    BY_LAST4: N_("last 4 digits of the personal code"),
    BY_BIRTH_DATE: N_("birth date"),
    BY_NAME: N_("name"),
    BY_LOGIN: N_("login"),
}
KIND_LABELS = {
    YOUTH: N_("youth"),
    CASE: N_("case"),
    NGTS_ENTRY: N_("NGTS list entry"),
    NETWORK_MEMBER: N_("network member"),
    STAFF: N_("staff member"),
}

_YOUTH_REF = re.compile(r"Y-[0-9]+", re.IGNORECASE)
_CASE_REF = re.compile(r"(RV|NEET)-[0-9]{4}-[0-9]+", re.IGNORECASE)
_MEMBER_REF = re.compile(r"M-[0-9]+", re.IGNORECASE)
_STAFF_REF = re.compile(r"S-[0-9]+", re.IGNORECASE)
_DATE = re.compile(r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}|[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LAST4 = re.compile(r"[0-9]{4}")
CODE_LENGTH = 11
LONGEST_TEXT = 200


@dataclass(frozen=True)
class Hit:
    """One thing found: its kind, its reference, a short label and why it matched.

    `reference` is what other commands take (a staff member's is S-0001);
    `code_end` is the last 4 digits of a youth's personal code, never more; `erased` marks an
    erased youth (and their cases).
    """

    kind: str
    reference: str
    label: str
    matched: str
    code_end: str | None = None
    birth_date: str | None = None
    erased: bool = False
    # Only for a youth another case manager works with (a case manager's search): whether they
    # have an open case; the hit then holds nothing but the reference (no name, no code).
    open_case_elsewhere: bool | None = None

    def record(self) -> dict[str, Any]:
        """The hit with stable keys, for JSON and CSV."""
        return asdict(self)


FIELDS = tuple(Hit.__dataclass_fields__)


def personal_code_in(text: str) -> str | None:
    """The personal code `text` is (11 digits, spaces allowed), validated; None when it is not
    11 digits. InvalidInput when it is 11 digits but no valid code (the message never repeats it)."""
    digits = "".join(text.split())
    if len(digits) != CODE_LENGTH or not (digits.isascii() and digits.isdigit()):
        return None
    return parse_personal_code(digits).code


def needs_audit(text: str) -> bool:
    """Whether a search for `text` reads youths by personal code (full or its last 4 digits), so
    that what it finds is recorded in the audit log."""
    digits = "".join(text.split())
    return digits.isascii() and digits.isdigit() and len(digits) in (4, CODE_LENGTH)


def folded(text: str) -> str:
    """A name as searched: no case, no diacritics, spacing collapsed (`services.youths`)."""
    return folded_name(text)


def _youth_hit(youth: Youth, matched: str) -> Hit:
    return Hit(
        kind=YOUTH,
        reference=youth.ref,
        label=youth.name,
        matched=matched,
        code_end=youth.id_code[-4:] if youth.id_code else None,
        birth_date=youth.birth_date.isoformat() if youth.birth_date else None,
        erased=youth.erased_on is not None,
    )


def _member_hit(member: NetworkMember, matched: str) -> Hit:
    return Hit(
        kind=NETWORK_MEMBER,
        reference=member.ref,
        label=f"{member.name} ({member.org})",
        matched=matched,
    )


def _staff_hit(staff: Staff, matched: str) -> Hit:
    label = f"{staff.name} ({staff.user})" if staff.user else staff.name
    return Hit(kind=STAFF, reference=staff.ref, label=label, matched=matched)


def _by_reference(session: Session, text: str) -> list[Hit] | None:
    """The record `text` names by reference; None when `text` is no reference."""
    ref = text.upper()
    if _YOUTH_REF.fullmatch(text):
        youth = session.scalar(select(Youth).where(Youth.ref == ref))
        return [_youth_hit(youth, BY_REFERENCE)] if youth else []
    if _CASE_REF.fullmatch(text):
        row = session.exec(
            select(Case, Youth).join(Youth, col(Youth.id) == Case.youth_id).where(Case.ref == ref)
        ).first()
        if row is None:
            return []
        case, youth = row
        return [
            Hit(
                kind=CASE,
                reference=case.ref,
                # An erased youth's name is the erasure mark: the reference says whose it was.
                label=youth.ref if youth.erased_on else f"{youth.ref} {youth.name}",
                matched=BY_REFERENCE,
                erased=youth.erased_on is not None,
            )
        ]
    if _MEMBER_REF.fullmatch(text):
        member = session.scalar(select(NetworkMember).where(NetworkMember.ref == ref))
        return [_member_hit(member, BY_REFERENCE)] if member else []
    if _STAFF_REF.fullmatch(text):
        staff = session.scalar(select(Staff).where(Staff.ref == ref))
        return [_staff_hit(staff, BY_REFERENCE)] if staff else []
    return None


def _by_code(session: Session, text: str) -> list[Youth] | None:
    """The youths `text` finds as a personal code or its last 4 digits; None when it is neither."""
    if (code := personal_code_in(text)) is not None:
        return list(session.exec(select(Youth).where(Youth.id_code == code)))
    digits = "".join(text.split())
    if _LAST4.fullmatch(digits):
        return list(session.exec(select(Youth).where(col(Youth.id_code).endswith(digits))))
    return None


def _by_name(session: Session, text: str) -> list[Hit]:
    """Youths, NGTS list entries (by the guardian's name), network members and staff whose name
    holds `text`, compared without case or diacritics, and the staff member whose login it is.
    SQLite cannot fold diacritics, so the names are compared here."""
    key = folded(text)
    hits: list[Hit] = []
    youths = session.exec(select(Youth).where(col(Youth.erased_on).is_(None)))
    hits += [_youth_hit(y, BY_NAME) for y in youths if key in folded(y.name)]
    entries = session.exec(
        select(NgtsEntry, Youth)
        .join(Youth, col(Youth.id) == NgtsEntry.youth_id)
        .where(col(Youth.erased_on).is_(None), col(NgtsEntry.guardian).is_not(None))
    )
    hits += [
        Hit(
            kind=NGTS_ENTRY,
            reference=youth.ref,
            label=f"{youth.name}, {entry.list_date.isoformat()}",
            matched=BY_NAME,
        )
        for entry, youth in entries
        if key in folded(entry.guardian or "")
    ]
    members = session.exec(select(NetworkMember))
    hits += [_member_hit(m, BY_NAME) for m in members if key in folded(m.name)]
    for staff in session.exec(select(Staff)):
        if key in folded(staff.name):
            hits.append(_staff_hit(staff, BY_NAME))
        elif staff.user is not None and staff.user.casefold() == text.casefold():
            hits.append(_staff_hit(staff, BY_LOGIN))
    return hits


def _sorted(hits: list[Hit]) -> list[Hit]:
    """People first by kind, then in Estonian alphabetical order (Saar before Šokk before Zoo)."""
    return sorted(hits, key=lambda h: (KINDS.index(h.kind), collation_key(h.label), h.reference))


def find(session: Session, text: str) -> list[Hit]:
    """Everything `text` finds (see `_find`), limited for a case manager: a youth of cases they
    may not use comes back as their reference and whether they have an open case elsewhere.

    Such limited hits come first among the youths, by reference: in the place of their name they
    would tell where the hidden name sorts. On a PostgreSQL book row-level security hides those
    youths from the case manager altogether, so the database finds them (`youths_elsewhere`, a
    function of migration 0016 that returns nothing more) and they are merged in.
    """
    hits = _find(session, text)
    who = actor(session)
    if who.role == StaffRole.ADMIN:
        return hits
    shown = _limited(session, hits)
    if who.role == StaffRole.CASE_MANAGER and is_server(session.connection()):
        matched = _matched_by(" ".join(text.split()))
        seen = {h.reference for h in shown if h.kind == YOUTH}
        shown += [
            Hit(kind=YOUTH, reference=ref, label="", matched=matched, open_case_elsewhere=is_open)
            for ref, is_open in youths_elsewhere(session.connection(), text)
            if ref not in seen
        ]
    return _sorted(shown)


def _matched_by(text: str) -> str:
    """Why a youth is found by `text` (already accepted by `_find`), in `_find`'s order."""
    if _YOUTH_REF.fullmatch(text) or _CASE_REF.fullmatch(text):
        return BY_REFERENCE
    digits = "".join(text.split())
    if digits.isascii() and digits.isdigit() and len(digits) in (4, CODE_LENGTH):
        return BY_CODE if len(digits) == CODE_LENGTH else BY_LAST4
    if _DATE.fullmatch(text):
        return BY_BIRTH_DATE
    return BY_NAME


def _limited(session: Session, hits: list[Hit]) -> list[Hit]:
    """`hits` as a case manager may see them: the youths (and their cases and NGTS list entries)
    they may not use reduced to the reference and `open_case_elsewhere`; another manager's case
    of a youth of theirs left out."""
    case_refs = [h.reference for h in hits if h.kind == CASE]
    case_youth = dict(
        session.execute(
            sa_select(col(Case.ref), col(Youth.ref))
            .join(Youth, col(Youth.id) == Case.youth_id)
            .where(col(Case.ref).in_(case_refs))
        ).all()
    )
    usable_case_refs = set(
        session.scalars(
            sa_select(col(Case.ref)).where(col(Case.ref).in_(case_refs), usable_cases(session))
        )
    )
    youth_refs = {h.reference for h in hits if h.kind in (YOUTH, NGTS_ENTRY)}
    youth_refs |= set(case_youth.values())
    usable = set(
        session.scalars(
            sa_select(col(Youth.ref)).where(col(Youth.ref).in_(youth_refs), usable_youths(session))
        )
    )
    open_elsewhere = set(
        session.scalars(
            sa_select(col(Youth.ref))
            .join(Case, col(Case.youth_id) == Youth.id)
            .where(col(Youth.ref).in_(youth_refs - usable), col(Case.end_date).is_(None))
        )
    )
    shown: list[Hit] = []
    limited: set[str] = set()
    for hit in hits:
        youth_ref = case_youth.get(hit.reference) if hit.kind == CASE else hit.reference
        if hit.kind not in (YOUTH, CASE, NGTS_ENTRY) or (
            youth_ref in usable and (hit.kind != CASE or hit.reference in usable_case_refs)
        ):
            shown.append(hit)
        elif youth_ref is not None and youth_ref not in usable and youth_ref not in limited:
            limited.add(youth_ref)
            shown.append(
                Hit(
                    kind=YOUTH,
                    reference=youth_ref,
                    label="",
                    matched=hit.matched,
                    open_case_elsewhere=youth_ref in open_elsewhere,
                )
            )
    return shown


def _find(session: Session, text: str) -> list[Hit]:
    """Everything `text` finds (see the module), sorted; the youths found by personal code (full
    or last 4 digits) are recorded in the audit log as read, so `session` must then be a write
    session (`needs_audit`). InvalidInput for an empty text, an over-long one or an 11-digit
    text that is no valid personal code.
    """
    require(session, Capability.FIND)

    text = " ".join(text.split())
    if not text:
        raise InvalidInput(_("give a name, personal code, birth date or reference to find"))
    if len(text) > LONGEST_TEXT:
        raise InvalidInput(
            _("the text to find is longer than {n} characters").format(n=LONGEST_TEXT)
        )
    if (found := _by_reference(session, text)) is not None:
        return found
    if (youths := _by_code(session, text)) is not None:
        full = personal_code_in(text) is not None
        for youth in youths:
            assert youth.id is not None
            audit_read(session, "youths", youth.id, youth.ref)
        return _sorted([_youth_hit(y, BY_CODE if full else BY_LAST4) for y in youths])
    if _DATE.fullmatch(text):
        try:
            day: dt.date = parse_day(text)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        youths = list(session.exec(select(Youth).where(Youth.birth_date == day)))
        return _sorted([_youth_hit(y, BY_BIRTH_DATE) for y in youths])
    return _sorted(_by_name(session, text))
