"""Consents (*nõusolekud*) of youths and guardians: participation and data sharing, dated and kept.

A consent is never changed: a withdrawal is a new record, so the history shows what was in force on
any day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, col, select

from rvneet.domain.enums import ConsentGiver, ConsentScope, shown
from rvneet.domain.errors import Conflict, InvalidInput
from rvneet.domain.inputs import NewConsent
from rvneet.domain.refs import record_ref
from rvneet.domain.rules import age_on
from rvneet.domain.tables import Consent, Youth
from rvneet.i18n import _, format_date, message_language
from rvneet.services.lookups import check_not_erased, has_consent
from rvneet.services.permissions import get_youth
from rvneet.services.validation import validated


def consent_records(session: Session, youth_id: int) -> list[dict[str, Any]]:
    """Every consent record of a youth, oldest first (same day: as recorded), with stable keys:
    `scope`, `given_by` (machine values), `date` (ISO) and `withdrawn` (whether the record is a
    withdrawal)."""
    consents = session.exec(
        select(Consent)
        .where(Consent.youth_id == youth_id)
        .order_by(col(Consent.date), col(Consent.id))
    )
    return [
        {
            "scope": c.scope,
            "given_by": c.given_by,
            "date": c.date.isoformat(),
            "withdrawn": c.withdrawn,
            "record": record_ref(c),
        }
        for c in consents
    ]


def record_consent(
    session: Session,
    youth_ref: str,
    *,
    date: dt.date,
    scope: ConsentScope,
    given_by: ConsentGiver,
    withdraw: bool = False,
) -> Consent:
    """Record a consent, or its withdrawal, given by the youth or (for a minor) the guardian.

    A withdrawal needs a consent in force on its date; a guardian speaks only for a minor.
    """
    data = validated(NewConsent, date=date, scope=scope, given_by=given_by, withdraw=withdraw)
    youth = get_youth(session, youth_ref)
    check_not_erased(youth, _("a consent cannot be recorded"))
    assert youth.id is not None and youth.birth_date is not None
    check_consent_date(youth, data)
    day = format_date(data.date, message_language())
    if data.withdraw and not has_consent(session, youth.id, data.scope, data.date):
        raise Conflict(
            _("{ref} has no {scope} consent in force on {date}").format(
                ref=youth.ref, scope=shown(data.scope), date=day
            )
        )
    consent = Consent(
        youth_id=youth.id,
        date=data.date,
        scope=data.scope.value,
        given_by=data.given_by.value,
        withdrawn=data.withdraw,
    )
    session.add(consent)
    session.flush()
    return consent


def check_consent_date(youth: Youth, data: NewConsent) -> None:
    """Refuse a consent dated before the youth's birth, or given by a guardian of an adult."""
    assert youth.birth_date is not None
    day = format_date(data.date, message_language())
    if data.date < youth.birth_date:
        raise InvalidInput(
            _("the consent date {date} is before the youth's birth date").format(date=day)
        )
    if data.given_by is ConsentGiver.GUARDIAN and age_on(youth.birth_date, data.date) >= 18:
        raise InvalidInput(
            _("{ref} was of age on {date}; only the youth can give or withdraw consent").format(
                ref=youth.ref, date=day
            )
        )


def minor_alone(youth: Youth, consent: Consent, age_limit: int) -> bool:
    """Whether `consent` is a data-sharing consent the youth gave alone while younger than
    `age_limit` on its date (a withdrawal is the youth's own to make, and is not meant)."""
    return (
        consent.scope == ConsentScope.DATA_SHARING.value
        and consent.given_by == ConsentGiver.YOUTH.value
        and not consent.withdrawn
        and youth.birth_date is not None
        and age_on(youth.birth_date, consent.date) < age_limit
    )


def own_consent_warning(session: Session, consent: Consent) -> str | None:
    """The warning for a minor's own data-sharing consent (see `minor_alone`) below the age of
    `rvneet settings consent-age`, in the language of messages; None for any other consent."""
    from rvneet.services.settings import consent_age

    youth = session.get(Youth, consent.youth_id)
    limit = consent_age(session)
    if youth is None or not minor_alone(youth, consent, limit):
        return None
    assert youth.birth_date is not None
    return _(
        "{ref} was {age} on {date}, younger than {limit} (settings consent-age): a guardian's "
        "data-sharing consent is expected; record it with --given-by guardian"
    ).format(
        ref=youth.ref,
        age=age_on(youth.birth_date, consent.date),
        date=format_date(consent.date, message_language()),
        limit=limit,
    )
