"""360° feedback among network members (NEET model, Table 1 row 4: *võrgustikuliikmete tagasiside*).

A member rates another member, or the holders of a role (`network-lead`), on a scale of 1 to 5,
overall or on one aspect of the process (planning, information flow, keeping agreements), for a
period. One record per score. A score about a member is counted under the role the member had when
it was given. Who rated whom is personal data of the staff: listings give member references only,
never names, and `report feedback` gives means by role and aspect only (`reports.feedback`).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import Integer, cast, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from rvneet.domain.access import Capability
from rvneet.domain.enums import FeedbackAspect, NetworkRole
from rvneet.domain.errors import Conflict, InvalidInput
from rvneet.domain.period import Period, parse_period
from rvneet.domain.tables import Feedback, NetworkMember
from rvneet.i18n import _, format_date, message_language
from rvneet.services.lookups import get_member
from rvneet.services.permissions import require, require_any

SCORES = range(1, 6)
_MEMBER_REF = re.compile(r"\s*[Mm]\s*-?\s*(\d{1,9})\s*", re.ASCII)
REF_PREFIX = "FB-"
# The keys of `list_feedback`'s rows, in order: the columns of `feedback list --format csv`.
FEEDBACK_FIELDS = (
    "feedback",
    "period",
    "from",
    "about",
    "about_role",
    "aspect",
    "score",
    "recorded_on",
)


def _next_ref(session: Session) -> str:
    start = len(REF_PREFIX) + 1
    last = session.scalar(select(func.max(cast(func.substr(Feedback.ref, start), Integer))))
    return f"{REF_PREFIX}{(last or 0) + 1:04d}"


def _member(session: Session, text: str) -> NetworkMember:
    """The member named by `text`, its number's zeros optional (`M-3` is `M-003`)."""
    match = _MEMBER_REF.fullmatch(text)
    return get_member(session, f"M-{int(match[1]):03d}" if match else text)


def _period(text: str) -> Period:
    try:
        return parse_period(text)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def _in_network(member: NetworkMember, period: Period) -> None:
    """Refuse a member who had left the network when the period began: they took no part in it."""
    if member.retired_on is not None and member.retired_on <= period.start:
        raise InvalidInput(
            _(
                "{ref} retired from the network on {date}, before period {period}; "
                "feedback for it is not possible"
            ).format(
                ref=member.ref,
                date=format_date(member.retired_on, message_language()),
                period=period.label,
            )
        )


def add_feedback(
    session: Session,
    *,
    period: str,
    rater: str,
    score: int,
    about: str | None = None,
    about_role: NetworkRole | None = None,
    aspect: FeedbackAspect | None = None,
    today: dt.date | None = None,
) -> Feedback:
    """Record one score of `rater` (a member reference) about a member or a role, for `period`.

    Refused (InvalidInput, NotFound or Conflict, nothing written): both or neither of `about` and
    `about_role`, a score outside 1–5, a malformed period, an unknown member, a member retired
    before the period, a member rating themself, and a second score of the same rater about the
    same member or role and aspect for the same period.
    """
    require(session, Capability.NETWORK)
    if (about is None) == (about_role is None):
        raise InvalidInput(_("give either --about M or --about-role ROLE, not both"))
    if score not in SCORES:
        raise InvalidInput(_("the score must be 1 to 5, not {score}").format(score=score))
    within = _period(period)
    giver = _member(session, rater)
    _in_network(giver, within)
    rated: NetworkMember | None = None
    if about is not None:
        rated = _member(session, about)
        if rated.id == giver.id:
            raise InvalidInput(
                _("{ref} cannot rate themself; feedback is about others").format(ref=giver.ref)
            )
        _in_network(rated, within)
    role = rated.role if rated is not None else NetworkRole(str(about_role)).value
    same = select(Feedback.ref).where(
        Feedback.rater_id == giver.id,
        Feedback.period == within.label,
        Feedback.about_role == role,
        col(Feedback.about_id).is_(None) if rated is None else Feedback.about_id == rated.id,
        col(Feedback.aspect).is_(None) if aspect is None else Feedback.aspect == aspect.value,
    )
    if (earlier := session.scalar(same)) is not None:
        raise Conflict(
            _("{ref} already gave this score for {period}: {earlier}").format(
                ref=giver.ref, period=within.label, earlier=earlier
            )
        )
    record = Feedback(
        ref=_next_ref(session),
        period=within.label,
        start_date=within.start,
        end_date=within.end,
        rater_id=giver.id,  # type: ignore[arg-type]
        about_id=rated.id if rated is not None else None,
        about_role=role,
        aspect=aspect.value if aspect is not None else None,
        score=score,
        recorded_on=today or dt.date.today(),
    )
    session.add(record)
    session.flush()
    return record


def list_feedback(session: Session, period: Period | None = None) -> list[dict[str, Any]]:
    """Scores by period and reference, with member references only (never names); those of periods
    inside `period` when given."""
    require_any(session, Capability.NETWORK, Capability.REPORTS)
    rater = aliased(NetworkMember)
    rated = aliased(NetworkMember)
    query = (
        select(Feedback, rater.ref, rated.ref)
        .join(rater, col(rater.id) == Feedback.rater_id)
        .outerjoin(rated, col(rated.id) == Feedback.about_id)
        .order_by(col(Feedback.start_date), col(Feedback.id))
    )
    if period is not None:
        query = query.where(Feedback.start_date >= period.start, Feedback.end_date <= period.end)
    return [
        feedback_record(record, rater_ref, rated_ref)
        for record, rater_ref, rated_ref in session.exec(query)
    ]


def feedback_record(record: Feedback, rater: str, about: str | None) -> dict[str, Any]:
    """A score as a plain dict with stable keys (FEEDBACK_FIELDS)."""
    return {
        "feedback": record.ref,
        "period": record.period,
        "from": rater,
        "about": about,
        "about_role": record.about_role,
        "aspect": record.aspect,
        "score": record.score,
        "recorded_on": record.recorded_on.isoformat(),
    }
