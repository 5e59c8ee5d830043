"""360° feedback of a period (NEET model, Table 1 row 4): mean scores by role rated and by aspect.

Counts the scores of the feedback periods inside the report's period (`feedback add --period`). A
row is a role rated (a score about a member counts under the member's role when it was given) or an
aspect (overall, planning, information flow, keeping agreements), with its number of raters
(distinct members who gave a score), of scores, and their mean to two decimals. No row names a
member, and no row gives one rater's scores: a row with fewer raters than the threshold (3 by
default) shows neither its mean nor its counts, nor does the row that would give it away (`_rows`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from rvneet.domain.enums import FeedbackAspect, NetworkRole
from rvneet.domain.period import Period
from rvneet.i18n import N_
from rvneet.reports.model import HIDDEN, Column, Figure, Listing, Report
from rvneet.services.asof import iso
from rvneet.services.settings import municipality

DEFAULT_SUPPRESS = 3
METHOD = "raters"  # hidden by the number of members who gave the scores, see `_rows`
SUPPRESSED = N_(
    "A role or aspect rated by fewer than {below} members shows neither its counts nor its mean "
    "(<{below}), nor does the one with the fewest raters beside it (x) when it could be worked out."
)
OVERALL = "overall"
TITLE = N_("360° feedback among network members")
ROLE_LABELS: dict[str, str] = {
    NetworkRole.CHILD_PROTECTION: N_("child protection worker"),
    NetworkRole.SOCIAL_WORKER: N_("social worker"),
    NetworkRole.YOUTH_WORKER: N_("youth worker"),
    NetworkRole.MOBILE_YOUTH_WORKER: N_("mobile youth worker"),
    NetworkRole.POLICE: N_("police officer"),
    NetworkRole.PROBATION: N_("probation officer"),
    NetworkRole.PROSECUTOR: N_("prosecutor"),
    NetworkRole.SCHOOL_SUPPORT: N_("school support specialist"),
    NetworkRole.TOOTUKASSA: N_("Töötukassa representative"),
    NetworkRole.RAJALEIDJA: N_("Rajaleidja"),
    NetworkRole.PSYCHOLOGIST: N_("psychologist"),
    NetworkRole.PSYCHIATRIST: N_("psychiatrist"),
    NetworkRole.DEBT_COUNSELLOR: N_("debt counsellor"),
    NetworkRole.NETWORK_LEAD: N_("network lead"),
    NetworkRole.NGTS_WORKER: N_("youth guarantee support system worker"),
    NetworkRole.YOUTH_CASE_MANAGER: N_("youth case manager"),
    NetworkRole.OTHER: N_("other role"),
}
ASPECT_LABELS: dict[str, str] = {
    OVERALL: N_("overall"),
    FeedbackAspect.PLANNING: N_("planning"),
    FeedbackAspect.INFORMATION_FLOW: N_("information flow"),
    FeedbackAspect.KEEPING_AGREEMENTS: N_("keeping agreements"),
}
BY = {"role": N_("role rated"), "aspect": N_("aspect")}
COLUMNS = [
    Column("by", N_("Grouped by"), BY),
    Column("rated", N_("Rated"), {**ROLE_LABELS, **ASPECT_LABELS}),
    Column("raters", N_("Raters")),
    Column("scores", N_("Scores")),
    Column("mean", N_("Mean score")),
]
_SCORES = text(
    """
    SELECT rater_id, about_role, aspect, score
      FROM feedback
     WHERE start_date >= :start AND end_date <= :end
     ORDER BY id
    """
)


def _rows(by: str, groups: dict[str, list[tuple[int, int]]], below: int) -> list[dict[str, Any]]:
    """One row per group from its (rater, score) pairs, the counts and mean of some hidden.

    A group rated by fewer than `below` members is hidden; so, while the hidden groups of the
    breakdown have fewer than `below` raters between them, is the shown group with the fewest
    raters: both breakdowns add up to the same scores, so one hidden group could be worked out
    from the others.
    """
    raters = {rated: {rater for rater, _score in pairs} for rated, pairs in groups.items()}
    hidden = {rated for rated, who in raters.items() if 0 < len(who) < below}
    while hidden:
        together = set().union(*(raters[rated] for rated in hidden))
        shown = [r for r, who in raters.items() if who and r not in hidden]
        if len(together) >= below or not shown:
            break
        hidden.add(min(shown, key=lambda r: (len(raters[r]), list(groups).index(r))))
    rows = []
    for rated, pairs in groups.items():
        row: dict[str, Any] = {"by": by, "rated": rated, "raters": 0, "scores": 0, "mean": None}
        if rated in hidden:
            row.update(raters=f"<{below}" if len(raters[rated]) < below else HIDDEN, scores=None)
        elif pairs:
            mean = sum(score for _rater, score in pairs) / len(pairs)
            row.update(raters=len(raters[rated]), scores=len(pairs), mean=round(mean, 2))
        rows.append(row)
    return rows


def build_feedback(session: Session, period: Period, below: int = DEFAULT_SUPPRESS) -> Report:
    """The feedback of `period`'s feedback periods, rows with fewer than `below` raters hidden
    (`below` 1 hides nothing); `reports.model.to_data` gives its JSON shape."""
    by_role: dict[str, list[tuple[int, int]]] = defaultdict(list)
    by_aspect: dict[str, list[tuple[int, int]]] = defaultdict(list)
    raters: set[int] = set()
    total = 0
    for row in session.execute(_SCORES, {"start": iso(period.start), "end": iso(period.end)}):
        by_role[row.about_role].append((row.rater_id, row.score))
        by_aspect[row.aspect or OVERALL].append((row.rater_id, row.score))
        raters.add(row.rater_id)
        total += 1
    # Roles in the vocabulary's order (others, from old data, after them); every aspect, 0 or not.
    order = [role.value for role in NetworkRole]
    roles = sorted(by_role, key=lambda r: (order.index(r) if r in order else len(order), r))
    rows = _rows("role", {role: by_role[role] for role in roles}, below)
    rows += _rows("aspect", {str(a): by_aspect[str(a)] for a in ASPECT_LABELS}, below)
    return Report(
        name="feedback",
        title=TITLE,
        municipality=municipality(session),
        period=period,
        figures=[
            Figure("raters", N_("Members who gave feedback"), len(raters)),
            Figure("scores", N_("Scores given"), total),
        ],
        listings=[Listing("means", N_("Mean scores by role rated and by aspect"), COLUMNS, rows)],
        details={"suppression": {"below": below, "method": METHOD}} if below > 1 else {},
        detail_lines=[("suppression", SUPPRESSED)] if below > 1 else [],
    )
