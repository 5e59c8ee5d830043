"""The NEET cooperation model's evaluation as a whole for a period (stage 4, *koostöömudeli
hindamine*): youth feedback and outcomes across case managers, how youths were reached and with what
result, the network's capacity, the 360° feedback, and which indicators would come from registers.

Like `report neet` (whose active cases it reads, `reports.neet.ACTIVE_NEET_CASES`), it describes the
NEET cases active in the period as they stood on its last day; a case closed in the period counts
as closed, with its outcome unless a reopening after the period cleared it.

Keys of the summary (`reports.model.to_data`), figures first, then breakdowns:

- `cases_closed`: NEET cases closed in the period; `closed_goals_met` (closed as goals met) and
  `closed_in_education_or_employment` (in education or employment at closing) are of them.
- `cases_started`: NEET cases opened in the period (youths reached).
- `started_by_channel`, `closed_by_channel`, `goals_met_by_channel`,
  `education_or_employment_by_channel`: the same counts by how the youth was reached.
- `members`, `members_core`, `members_wider`, `members_without_case`: network members not retired
  before the period's start, in the core group or the wider network, and those who took part in no
  case of either model in the period (neither a member of a case active in it while they were, nor
  the provider of a support activity running in it). Staff of the network, not youths: never
  suppressed.
- `activities_brokered`: support activities of the NEET cases started in the period;
  `activities_completed` of them completed by its end; `activity_satisfaction_mean` over the
  `activity_satisfaction_n` of them ended by its end with the youth's satisfaction (1–5); the
  `…_by_role` breakdowns give each by the provider's role (`activity_satisfaction_mean_by_role`:
  means over `activity_satisfaction_n_by_role`).
- `feedback_raters`, `feedback_scores`: the 360° feedback of the period (`reports.feedback`).

Listings: `managers` (one row per case manager of the cases closed in the period: the staff record
the case had at its closing, else the case's manager as typed, else "(none)"), `network` (members by
role), `feedback` (`report feedback`'s means by role rated and by aspect) and `registers` (the
Table 1 indicators that come from state registers, and what the book holds instead). No youth
appears by name, personal code or reference.

Suppressed (`below` > 1, 3 by default), the figures and breakdowns are hidden as every report's are
(`reports.model.suppress`), a mean whenever its count is; a case manager with fewer than `below`
closed cases shows none of their figures, nor, while the hidden ones have fewer than `below` cases
between them, does the manager with the fewest beside them (and none shows them when
`cases_closed`, which they add up to, is hidden); in a shown row a mean over fewer than `below`
answers is left out. The feedback is hidden by raters as `report feedback` hides it.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from rvneet.domain.enums import NetworkRole
from rvneet.domain.period import Period
from rvneet.i18n import N_, collation_key
from rvneet.reports import neet
from rvneet.reports.feedback import ROLE_LABELS, build_feedback
from rvneet.reports.model import HIDDEN, Breakdown, Column, Figure, Listing, Report, suppress
from rvneet.reports.suppression import METHOD
from rvneet.services.asof import ACTIVE_IN_PERIOD
from rvneet.services.settings import municipality

DEFAULT_SUPPRESS = 3
NO_MANAGER = "(none)"
TITLE = N_("NEET cooperation model — evaluation of the model (stage 4)")
SUPPRESSED = N_(
    "Counts below {below} are hidden, with the counts from which they could be worked out: a "
    "figure below {below} that is no part of a sum shows as <{below}, any other hidden count as x, "
    "and a mean whose count is hidden is left out. A case manager with fewer than {below} closed "
    "cases shows no figures, nor does the one with the fewest cases beside them when they could "
    "be worked out; a mean over fewer than {below} answers is left out. The 360° feedback hides a "
    "role or aspect rated by fewer than {below} members."
)

# The NEET cases closed in the period (as of its last day), each with its outcome and its manager
# at closing: the one the first change dated after the closing took the case from, else the
# manager it has now (its staff record, else the name typed on the case).
_CLOSED = neet._with(
    """
    SELECT active.id, active.channel, active.reason_seen,
           active.in_education, active.in_employment,
           active.satisfaction_manager, active.satisfaction_overall,
           CASE WHEN c.end_date <= :end THEN c.resolution_youth END AS resolution_youth,
           CASE WHEN c.end_date <= :end THEN c.resolution_manager END AS resolution_manager,
           s.ref AS staff, s.name AS staff_name, c.manager AS typed_manager
      FROM active JOIN cases c ON c.id = active.id
      LEFT JOIN staff s ON s.id =
           CASE WHEN EXISTS (SELECT 1 FROM manager_changes m
                              WHERE m.case_id = c.id AND m.date > active.end_seen)
                THEN (SELECT m.from_id FROM manager_changes m
                       WHERE m.case_id = c.id AND m.date > active.end_seen
                       ORDER BY m.date, m.id LIMIT 1)
                ELSE c.manager_id END
     WHERE active.end_seen IS NOT NULL
     ORDER BY active.id
    """
)
# The goals of the closed cases in their state on the period's last day (dropped ones left out, as
# in `report neet`): met in full, partly, or not (still open, or done to no extent). Sums of
# CASE WHEN, not of conditions, so that PostgreSQL counts them as SQLite does.
_GOALS = neet._with(
    """
    SELECT g.case_id,
           SUM(CASE WHEN g.state = 'done' AND g.state_date <= :end
                     AND COALESCE(g.extent, 'full') = 'full' THEN 1 ELSE 0 END) AS met_full,
           SUM(CASE WHEN g.state = 'done' AND g.state_date <= :end
                     AND g.extent = 'partial' THEN 1 ELSE 0 END) AS met_partial,
           SUM(CASE WHEN g.state = 'dropped' AND g.state_date <= :end
                    THEN 0 ELSE 1 END) AS counted
      FROM active JOIN goals g ON g.case_id = active.id AND g.added_on <= :end
                AND g.withdrawn_at IS NULL
     WHERE active.end_seen IS NOT NULL
     GROUP BY g.case_id
    """
)
# The support activities of the active NEET cases started in the period, by the provider's role.
_ACTIVITIES = neet._with(
    """
    SELECT m.role,
           CASE WHEN sa.status = 'completed' AND sa.ended_on <= :end THEN 1 ELSE 0 END AS completed,
           CASE WHEN sa.ended_on <= :end THEN sa.satisfaction END AS satisfaction
      FROM active JOIN support_activities sa ON sa.case_id = active.id
      JOIN network_members m ON m.id = sa.member_id
     WHERE sa.withdrawn_at IS NULL AND sa.start_date BETWEEN :start AND :end
    """
)
# Network members not retired before the period, and whether they took part in a case in it.
_MEMBERS = text(
    f"""
    SELECT m.role, m.tier,
           EXISTS (SELECT 1 FROM case_members cm JOIN cases c ON c.id = cm.case_id
                    WHERE cm.member_id = m.id AND cm.added_on <= :end
                      AND (cm.removed_on IS NULL OR cm.removed_on >= :start)
                      AND {ACTIVE_IN_PERIOD})
           OR EXISTS (SELECT 1 FROM support_activities sa
                       WHERE sa.member_id = m.id AND sa.withdrawn_at IS NULL
                         AND sa.start_date <= :end
                         AND (sa.ended_on IS NULL OR sa.ended_on >= :start)) AS took_part
      FROM network_members m
     WHERE m.retired_on IS NULL OR m.retired_on >= :start
    """
)

FIGURE_LABELS = {
    "cases_closed": N_("Cases closed in the period"),
    "closed_goals_met": N_("Cases closed in the period: goals met"),
    "closed_in_education_or_employment": N_(
        "Cases closed in the period: in education or employment at closing"
    ),
    "cases_started": N_("Youths reached: cases started in the period"),
    "members": N_("Network members"),
    "members_core": N_("Network members: core group"),
    "members_wider": N_("Network members: wider network"),
    "members_without_case": N_("Network members who took part in no case in the period"),
    "activities_brokered": N_("Support activities brokered in the period"),
    "activities_completed": N_("Support activities brokered in the period: completed"),
    "activity_satisfaction_mean": N_("Satisfaction with the support activities (1–5), mean"),
    "activity_satisfaction_n": N_("Satisfaction with the support activities, answers"),
    "feedback_raters": N_("360° feedback: members who gave feedback"),
    "feedback_scores": N_("360° feedback: scores given"),
}
MANAGER_COLUMNS = [
    Column("manager", N_("Case manager"), {NO_MANAGER: N_("(none)")}),
    Column("staff", N_("Staff")),
    Column("cases_closed", N_("Cases closed")),
    Column("satisfaction_manager_mean", N_("Satisfaction with the case manager, mean")),
    Column("satisfaction_manager_n", N_("Satisfaction with the case manager, answers")),
    Column("satisfaction_overall_mean", N_("Satisfaction with the whole process, mean")),
    Column("satisfaction_overall_n", N_("Satisfaction with the whole process, answers")),
    Column("resolution_youth_mean", N_("Resolution assessed by the youth, mean")),
    Column("resolution_youth_n", N_("Resolution assessed by the youth, answers")),
    Column("resolution_manager_mean", N_("Resolution assessed by the case manager, mean")),
    Column("resolution_manager_n", N_("Resolution assessed by the case manager, answers")),
    Column("goals_full", N_("Goals met in full")),
    Column("goals_partial", N_("Goals partly met")),
    Column("goals_none", N_("Goals not met")),
]
# The per-manager means, each with the key of its answers.
_MEANS = ("satisfaction_manager", "satisfaction_overall", "resolution_youth", "resolution_manager")
NETWORK_COLUMNS = [
    Column("role", N_("Role"), ROLE_LABELS),
    Column("members", N_("Members")),
    Column("core", N_("Core group")),
    Column("wider", N_("Wider network")),
    Column("without_case", N_("In no case in the period")),
]
# Table 1 indicators that come from state registers, which the book cannot reach: the register
# and what the book holds instead (fixed rows; the JSON gives the keys).
REGISTER_INDICATORS = {
    "education-status": N_("Education status (Table 1 row 1; stage 4)"),
    "employment-status": N_("Employment status (Table 1 row 1; stage 4)"),
    "unemployment-services": N_("Registered unemployment and labour market services"),
    "offences": N_("Offences and misdemeanours"),
    "neet-status": N_("NEET status from the registers"),
}
REGISTERS = {
    "ehis": N_("EHIS (Estonian education information system)"),
    "tor": N_("TÖR (employment register)"),
    "tootukassa": N_("Töötukassa register"),
    "karr": N_("KARR (punishment register)"),
    "ngts": N_("NGTS monitoring list (from state registers)"),
}
BOOK_HOLDS = {
    "education-status": N_(
        "education status from needs assessments (by the case manager or the youth), at closing "
        "and at the 6-month follow-up"
    ),
    "employment-status": N_(
        "employment status from needs assessments (by the case manager or the youth), at "
        "closing and at the 6-month follow-up"
    ),
    "unemployment-services": N_(
        "support activities brokered to Töötukassa representatives of the network"
    ),
    "offences": N_("RV risk assessments and the need category risk conditions or risk behaviour"),
    "neet-status": N_("the imported NGTS monitoring lists and the outreach recorded on them"),
}
REGISTER_COLUMNS = [
    Column("indicator", N_("Indicator"), REGISTER_INDICATORS),
    Column("register", N_("Register"), REGISTERS),
    Column("book_holds", N_("What the book holds instead"), BOOK_HOLDS),
]
_REGISTER_OF = {
    "education-status": "ehis",
    "employment-status": "tor",
    "unemployment-services": "tootukassa",
    "offences": "karr",
    "neet-status": "ngts",
}


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def build_evaluation(session: Session, period: Period, below: int = DEFAULT_SUPPRESS) -> Report:
    """The stage 4 evaluation for `period`, suppressed below `below` (1 hides nothing);
    `reports.model.to_data` gives its JSON shape (see the module)."""
    params = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    neet.make_active(session, params)
    closed = list(session.execute(_CLOSED, params))
    goals = {row.case_id: row for row in session.execute(_GOALS, params)}
    started = neet._ordered(session.execute(neet._BY_CHANNEL, params).all(), list(neet.CHANNELS))
    channels = tuple(neet.CHANNELS)

    by_channel: dict[str, Counter[str]] = defaultdict(Counter)
    for case in closed:
        counts = by_channel[case.channel]
        counts["closed"] += 1
        counts["goals_met"] += case.reason_seen == "goals-met"
        counts["work"] += bool(case.in_education or case.in_employment)
    activities: dict[str, Counter[str]] = defaultdict(Counter)
    ratings: dict[str, list[int]] = defaultdict(list)
    for row in session.execute(_ACTIVITIES, params):
        activities[row.role]["brokered"] += 1
        activities[row.role]["completed"] += bool(row.completed)
        if row.satisfaction is not None:
            ratings[row.role].append(int(row.satisfaction))
    members = list(session.execute(_MEMBERS, params))
    roles = tuple(neet.provider_roles(session, params, activities))
    feedback = build_feedback(session, period, below)

    def channel_counts(what: str) -> dict[str, Any]:
        return neet._ordered(((c, n[what]) for c, n in by_channel.items()), channels)

    def role_counts(counts: dict[str, int]) -> dict[str, Any]:
        return neet._ordered(counts.items(), roles)

    brokered = role_counts({r: c["brokered"] for r, c in activities.items()})
    every_rating = [score for scores in ratings.values() for score in scores]

    def figure(key: str, value: Any, count: bool = True) -> Figure:
        return Figure(key, FIGURE_LABELS[key], value, count)

    figures = [
        figure("cases_closed", len(closed)),
        figure("closed_goals_met", sum(c["goals_met"] for c in by_channel.values())),
        figure("closed_in_education_or_employment", sum(c["work"] for c in by_channel.values())),
        figure("cases_started", sum(int(n) for n in started.values())),
        # Staff of the network, not youths: nothing to suppress (count=False).
        figure("members", len(members), count=False),
        figure("members_core", sum(m.tier == "core" for m in members), count=False),
        figure("members_wider", sum(m.tier == "wider" for m in members), count=False),
        figure("members_without_case", sum(not m.took_part for m in members), count=False),
        figure("activities_brokered", sum(c["brokered"] for c in activities.values())),
        figure("activities_completed", sum(c["completed"] for c in activities.values())),
        figure("activity_satisfaction_mean", _mean(every_rating), count=False),
        figure("activity_satisfaction_n", len(every_rating)),
        figure("feedback_raters", feedback.figure("raters").value, count=False),
        figure("feedback_scores", feedback.figure("scores").value, count=False),
    ]
    breakdowns = [
        Breakdown(
            "started_by_channel",
            N_("Cases started, by how the youth was reached"),
            started,
            neet.CHANNELS,
            "cases_started",
            chart=True,
            codes=channels,
            rest="other",
        ),
        Breakdown(
            "closed_by_channel",
            N_("Cases closed, by how the youth was reached"),
            channel_counts("closed"),
            neet.CHANNELS,
            "cases_closed",
            codes=channels,
            rest="other",
        ),
        Breakdown(
            "goals_met_by_channel",
            N_("Cases closed with goals met, by how the youth was reached"),
            channel_counts("goals_met"),
            neet.CHANNELS,
            "closed_goals_met",
            codes=channels,
            rest="other",
        ),
        Breakdown(
            "education_or_employment_by_channel",
            N_("Cases closed in education or employment, by how the youth was reached"),
            channel_counts("work"),
            neet.CHANNELS,
            "closed_in_education_or_employment",
            codes=channels,
            rest="other",
        ),
        Breakdown(
            "activities_by_role",
            N_("Support activities brokered, by the provider's role"),
            brokered,
            ROLE_LABELS,
            "activities_brokered",
            chart=True,
            codes=roles,
        ),
        Breakdown(
            "activities_completed_by_role",
            N_("Support activities completed, by the provider's role"),
            role_counts({r: c["completed"] for r, c in activities.items()}),
            ROLE_LABELS,
            "activities_completed",
            codes=roles,
        ),
        Breakdown(
            "activity_satisfaction_n_by_role",
            N_("Satisfaction with the support activities, answers by the provider's role"),
            role_counts({r: len(s) for r, s in ratings.items()}),
            ROLE_LABELS,
            "activity_satisfaction_n",
            codes=roles,
        ),
        Breakdown(
            "activity_satisfaction_mean_by_role",
            N_("Satisfaction with the support activities (1–5), mean by the provider's role"),
            {r: _mean(ratings[r]) for r in role_counts({r: len(s) for r, s in ratings.items()})},
            ROLE_LABELS,
            n_of="activity_satisfaction_n_by_role",
        ),
    ]
    # Outcomes of some of a count: the rest (closed otherwise, not completed, ...) is never shown.
    remainders: list[tuple[str, tuple[str, ...]]] = [
        ("cases_closed", ("closed_goals_met",)),
        ("cases_closed", ("closed_in_education_or_employment",)),
        ("activities_brokered", ("activities_completed",)),
        ("activities_brokered", ("activity_satisfaction_n",)),
    ]
    for c in channels:
        remainders += [
            (f"closed_by_channel.{c}", (f"goals_met_by_channel.{c}",)),
            (f"closed_by_channel.{c}", (f"education_or_employment_by_channel.{c}",)),
        ]
    for r in roles:
        remainders += [
            (f"activities_by_role.{r}", (f"activities_completed_by_role.{r}",)),
            (f"activities_by_role.{r}", (f"activity_satisfaction_n_by_role.{r}",)),
        ]
    report = Report(
        name="model",
        title=TITLE,
        municipality=municipality(session),
        period=period,
        figures=figures,
        breakdowns=breakdowns,
        remainders=remainders,
    )
    if below > 1:
        report = suppress(report, below)
    # The managers' cases add up to `cases_closed`: when suppression hid it, so are they all.
    total_hidden = not isinstance(report.figure("cases_closed").value, int)
    listings = [
        Listing(
            "managers",
            N_("Youth satisfaction and outcomes by case manager (cases closed in the period)"),
            MANAGER_COLUMNS,
            _managers(closed, goals, below, hide_all=total_hidden),
        ),
        Listing("network", N_("Network members by role"), NETWORK_COLUMNS, _network(members)),
        dataclasses.replace(
            feedback.listings[0],
            key="feedback",
            title=N_("360° feedback among network members: mean scores by role and by aspect"),
        ),
        Listing(
            "registers",
            N_("Table 1 indicators from state registers, which the book cannot reach"),
            REGISTER_COLUMNS,
            [
                {"indicator": key, "register": register, "book_holds": key}
                for key, register in _REGISTER_OF.items()
            ],
        ),
    ]
    suppressed = below > 1
    return dataclasses.replace(
        report,
        listings=listings,
        suppressed_below=None,  # said by the details: the listings stay, suppressed here
        details={"suppression": {"below": below, "method": METHOD}} if suppressed else {},
        detail_lines=[("suppression", SUPPRESSED)] if suppressed else [],
    )


def _managers(
    closed: list[Any], goals: dict[int, Any], below: int, hide_all: bool = False
) -> list[dict[str, Any]]:
    """One row per case manager of the closed cases, those with fewer than `below` hidden (every
    one with `hide_all`: the total they add up to is hidden)."""
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    labels: dict[tuple[str, str], tuple[str, str | None]] = {}
    for case in closed:
        if case.staff is not None:
            key = ("staff", str(case.staff))
            labels[key] = (str(case.staff_name), str(case.staff))
        elif case.typed_manager:
            key = ("typed", str(case.typed_manager))
            labels[key] = (str(case.typed_manager), None)
        else:
            key = ("none", "")
            labels[key] = (NO_MANAGER, None)
        groups[key].append(case)
    # Staff by name (Estonian order), then managers typed on the case, then "(none)".
    order = sorted(
        groups,
        key=lambda k: (("staff", "typed", "none").index(k[0]), collation_key(labels[k][0]), k[1]),
    )
    sizes = {key: len(groups[key]) for key in order}
    hidden = {key for key in order if sizes[key] < below or hide_all}
    # Hidden rows together below `below` would follow from the total less the shown ones.
    while hidden and sum(sizes[k] for k in hidden) < below:
        shown = [k for k in order if k not in hidden]
        if not shown:
            break
        hidden.add(min(shown, key=lambda k: sizes[k]))
    rows = []
    for key in order:
        manager, staff = labels[key]
        row: dict[str, Any] = {"manager": manager, "staff": staff}
        cases = groups[key]
        if key in hidden:
            row["cases_closed"] = f"<{below}" if sizes[key] < below else HIDDEN
            row.update(dict.fromkeys([c.field for c in MANAGER_COLUMNS[3:]]))
            rows.append(row)
            continue
        row["cases_closed"] = len(cases)
        for name in _MEANS:
            answers = [int(getattr(c, name)) for c in cases if getattr(c, name) is not None]
            small = 0 < len(answers) < below
            row[f"{name}_mean"] = None if small else _mean(answers)
            row[f"{name}_n"] = f"<{below}" if small else len(answers)
        full = sum(int(goals[c.id].met_full) for c in cases if c.id in goals)
        partial = sum(int(goals[c.id].met_partial) for c in cases if c.id in goals)
        total = sum(int(goals[c.id].counted) for c in cases if c.id in goals)
        row.update(goals_full=full, goals_partial=partial, goals_none=total - full - partial)
        rows.append(row)
    return rows


def _network(members: list[Any]) -> list[dict[str, Any]]:
    """Members by role (the vocabulary's order): in all, core, wider, in no case in the period."""
    order = [role.value for role in NetworkRole]
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for member in members:
        counts[member.role]["members"] += 1
        counts[member.role][member.tier] += 1
        counts[member.role]["without_case"] += not member.took_part
    roles = sorted(counts, key=lambda r: (order.index(r) if r in order else len(order), r))
    return [
        {
            "role": role,
            "members": counts[role]["members"],
            "core": counts[role]["core"],
            "wider": counts[role]["wider"],
            "without_case": counts[role]["without_case"],
        }
        for role in roles
    ]
