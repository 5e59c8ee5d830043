"""The NEET cooperation model's evaluation for a period: who was reached and how, their needs, the
situation at the period's end, closings with their outcome (Table 1 of the model) and follow-ups.

Like Lisa 4, the report describes the NEET cases active in the period as they stood on the period's
last day, so it reads the same whenever it is made: contacts, assessments, goals, closings and
follow-ups dated after that day are not seen, and a case closed in the period but reopened after it
counts as closed (reason from its kept closing; its outcome was cleared by the reopening, so it is
not in the outcome figures). A case closed before the period and reopened after it was not active.

Keys of the summary (`reports.model.to_data`), figures first, then breakdowns. Every figure is for
all NEET cases; `*_by_group` breakdowns split a count by target group (neet, risk). `…_n` is how many
cases a median or mean is taken over. Means are rounded to 2 decimals; a median or mean over no case
is null.

Active cases:
- `youths`: distinct youths with a NEET case active in the period.
- `cases_active`: NEET cases active in the period (opened on or before its last day, not closed
  before its first day) — `by_group`, `light_at_end` add up to it.
- `cases_started`: cases opened in the period, i.e. youths reached — `started_by_group`,
  `reached_by_channel` (how the youth was reached, `cases.channel`) add up to it.
- `ngts_to_contact_days_median`, `ngts_to_contact_n`: days from the NGTS list to the case's first
  contact, for active cases whose youth was on an NGTS list dated on or before that contact (the
  latest such list); the first contact is the case's earliest contact, as in `case show`.
- `neet_months_at_contact_median`, `neet_months_at_contact_n`: months NEET at first contact, from
  each active case's first needs assessment (when it gives them).
- `cases_needs_assessed`: active cases with a needs assessment; `cases_by_need` counts the active
  cases with each need category in any of their needs assessments (a case may have several).
- `light_at_end`: the latest traffic light of each active case (`unknown` if it has none).

Closings (cases closed in the period; `closed_by_group`, `closed_by_reason` add up to `cases_closed`):
- `closed_in_education`, `closed_in_employment`, `closed_in_education_or_employment`: "yes" at closing.
- `goals_partial`: the goals of those cases' plans partly met (`goal done --extent partial`), not
  counted in `goals_met`, which counts the goals met in full.
- `goals_met`, `goals_total`, `goals_dropped`: the goals of those cases' plans done, not dropped
  (the total, as in `case show`: a dropped goal is left out of it) and dropped.
- `wellbeing_change_mean` (end minus start on the youth's own 1–10 scale, where both are given),
  `satisfaction_manager_mean`, `satisfaction_overall_mean` (1–5), each with its `…_n`.

Support providers (Table 1 row 3): the youth's satisfaction (1–5, `case activity end
--satisfaction`) with the support activities of the active cases that ended in the period, by the
role of the network member who provided them:
- `provider_satisfaction_mean`, `provider_satisfaction_n`: all of them;
- `provider_satisfaction_n_by_role` (adds up to `provider_satisfaction_n`) and
  `provider_satisfaction_mean_by_role`, the mean of each role over its count; suppressed, every
  role of the network's members in the period is listed (0 when none), and a mean whose count is
  hidden is null.

Follow-ups (*järelsuhtlus*) of NEET cases falling due in the period, whenever the case closed, read
as `rvneet report followups` reads them (its NEET numbers are these):
- `followups_due`: due in the period; `followups_done`: recorded as done on or before its last day;
  `followups_skipped`: skipped (a skip carries no date, so one skipped after the period counts too;
  a reopened case's follow-up is skipped). The rest were overdue at the period's end.
- `followups_reached` (the youth was reached), `followups_in_education_or_employment`: of those done.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from rvneet.domain.enums import (
    CloseReason,
    Light,
    NeedCategory,
    NeetGroup,
    NetworkRole,
    ReachChannel,
)
from rvneet.domain.period import Period
from rvneet.i18n import N_
from rvneet.reports.feedback import ROLE_LABELS
from rvneet.reports.model import Breakdown, Figure, Report
from rvneet.services.asof import LEVEL_ON_DAY
from rvneet.services.settings import municipality

# The NEET cases active in the period as of its last day (:end), with the closing seen on that day:
# the case's own when it closed on or before :end, else the closing a later reopening undid.
# Open cases and cases closed on or after the first day are found apart, each by a search of
# ix_cases_model_end_start (model, end_date, start_date) that reads only those cases: as one
# `end_date IS NULL OR end_date >= :start`, SQLite reads every NEET case started before :end.
ACTIVE_NEET_CASES = """
    candidates AS (
      SELECT id FROM cases
       WHERE model = 'neet' AND end_date IS NULL AND start_date <= :end
      UNION ALL
      SELECT id FROM cases
       WHERE model = 'neet' AND end_date >= :start AND start_date <= :end
    ),
    active AS (
      SELECT c.id, c.youth_id, c.neet_group AS grp, c.channel, c.start_date,
             CASE WHEN c.end_date <= :end THEN c.end_date ELSE r.previous_end END AS end_seen,
             CASE WHEN c.end_date <= :end THEN c.close_reason ELSE r.previous_reason END
               AS reason_seen,
             CASE WHEN c.end_date <= :end THEN c.in_education END AS in_education,
             CASE WHEN c.end_date <= :end THEN c.in_employment END AS in_employment,
             CASE WHEN c.end_date <= :end THEN c.wellbeing_end - c.wellbeing_start END
               AS wellbeing_change,
             CASE WHEN c.end_date <= :end THEN c.satisfaction_manager END AS satisfaction_manager,
             CASE WHEN c.end_date <= :end THEN c.satisfaction_overall END AS satisfaction_overall
        FROM candidates JOIN cases c ON c.id = candidates.id
        LEFT JOIN reopenings r
          ON r.case_id = c.id AND r.previous_end <= :end AND r.date > :end
       WHERE NOT EXISTS (SELECT 1 FROM reopenings x
                          WHERE x.case_id = c.id AND x.previous_end < :start AND x.date > :end)
    )
"""


# The active cases are found once per report, into a temporary table that the queries below read:
# as a CTE repeated in each of them, SQLite searched them ten times (2 s of 2.8 s, national book).
# TEMP tables live in the connection's own temporary database: no write lock on the book, and a
# read-only file is fine.
ACTIVE_TABLE = "neet_active"
# The schema of temporary tables: SQLite's `temp`, PostgreSQL's `pg_temp`.
_TEMP = {"sqlite": "temp", "postgresql": "pg_temp"}
_MAKE_ACTIVE = text(
    f"CREATE TEMP TABLE {ACTIVE_TABLE} AS WITH {ACTIVE_NEET_CASES} SELECT * FROM active"
)


def _with(sql: str) -> Any:
    """A query of the active cases, written against `active`."""
    return text(re.sub(r"\bactive\b", ACTIVE_TABLE, sql))


# The main query: one row per target group, every count and sum of the active cases.
MAIN_QUERY = _with(
    """
    SELECT grp,
           COUNT(*) AS cases,
           SUM(CASE WHEN start_date >= :start THEN 1 ELSE 0 END) AS started,
           SUM(CASE WHEN end_seen IS NOT NULL THEN 1 ELSE 0 END) AS closed,
           SUM(CASE WHEN in_education THEN 1 ELSE 0 END) AS in_education,
           SUM(CASE WHEN in_employment THEN 1 ELSE 0 END) AS in_employment,
           SUM(CASE WHEN in_education OR in_employment THEN 1 ELSE 0 END)
             AS in_education_or_employment,
           SUM(wellbeing_change) AS wellbeing_sum, COUNT(wellbeing_change) AS wellbeing_n,
           SUM(satisfaction_manager) AS manager_sum, COUNT(satisfaction_manager) AS manager_n,
           SUM(satisfaction_overall) AS overall_sum, COUNT(satisfaction_overall) AS overall_n
      FROM active
     GROUP BY grp
    """
)
_YOUTHS = _with("SELECT COUNT(DISTINCT youth_id) FROM active")
_BY_CHANNEL = _with(
    "SELECT channel, COUNT(*) FROM active WHERE start_date >= :start GROUP BY channel"
)
_BY_REASON = _with(
    "SELECT reason_seen, COUNT(*) FROM active WHERE end_seen IS NOT NULL GROUP BY reason_seen"
)
# The latest traffic light dated on or before the period's last day (:day = :end).
_LIGHT_AT_END = _with(
    f"""
    SELECT light, COUNT(*) FROM (
      SELECT {LEVEL_ON_DAY} AS light FROM active JOIN cases c ON c.id = active.id) lights
     GROUP BY light
    """
)
_NEEDS = _with(
    """
    SELECT n.category, COUNT(DISTINCT na.case_id)
      FROM active JOIN needs_assessments na ON na.case_id = active.id AND na.date <= :end
                AND na.withdrawn_at IS NULL
      JOIN needs n ON n.assessment_id = na.id
     GROUP BY n.category
    """
)
_NEEDS_ASSESSED = _with(
    """
    SELECT COUNT(*) FROM active
     WHERE EXISTS (SELECT 1 FROM needs_assessments na
                    WHERE na.case_id = active.id AND na.date <= :end
                      AND na.withdrawn_at IS NULL)
    """
)
# Months NEET from each case's first needs assessment (as of :end), when it gives them.
_NEET_MONTHS = _with(
    """
    SELECT months FROM (
      SELECT (SELECT na.neet_months FROM needs_assessments na
               WHERE na.case_id = active.id AND na.date <= :end AND na.withdrawn_at IS NULL
               ORDER BY na.date, na.id LIMIT 1) AS months
        FROM active) firsts
     WHERE months IS NOT NULL
    """
)
# Days from the latest NGTS list the youth was on, dated on or before the case's first contact.
# Subtracting dates: SQLite's are ISO text (julianday), PostgreSQL's are dates (a number of days).
_DAYS = {
    "sqlite": "CAST(julianday(first_contact) - julianday(list_date) AS INTEGER)",
    "postgresql": "first_contact - list_date",
}
_NGTS_TO_CONTACT = """
    SELECT {days} AS days
      FROM (SELECT fc.first_contact,
                   (SELECT MAX(e.list_date) FROM ngts_entries e
                     WHERE e.youth_id = fc.youth_id AND e.list_date <= fc.first_contact)
                     AS list_date
              FROM (SELECT active.youth_id, MIN(ct.date) AS first_contact
                      FROM active JOIN contacts ct
                        ON ct.case_id = active.id AND ct.withdrawn_at IS NULL
                     GROUP BY active.id, active.youth_id) fc
             WHERE fc.first_contact <= :end) lists
     WHERE list_date IS NOT NULL
"""
# The goals of the cases closed in the period, in their state on the period's last day.
_GOALS = _with(
    """
    SELECT COALESCE(SUM(CASE WHEN g.state = 'done' AND g.state_date <= :end
                             AND COALESCE(g.extent, 'full') = 'full' THEN 1 ELSE 0 END), 0) AS met,
           COALESCE(SUM(CASE WHEN g.state = 'done' AND g.state_date <= :end
                             AND g.extent = 'partial' THEN 1 ELSE 0 END), 0) AS partial,
           COALESCE(SUM(CASE WHEN g.state = 'dropped' AND g.state_date <= :end
                             THEN 0 ELSE 1 END), 0) AS total,
           COALESCE(SUM(CASE WHEN g.state = 'dropped' AND g.state_date <= :end
                             THEN 1 ELSE 0 END), 0) AS dropped
      FROM active JOIN goals g ON g.case_id = active.id AND g.added_on <= :end
                AND g.withdrawn_at IS NULL
     WHERE active.end_seen IS NOT NULL
    """
)
# Satisfaction with the support activities of the active cases ended in the period, by the
# provider's role (Table 1 row 3).
_PROVIDER_SATISFACTION = _with(
    """
    SELECT m.role, COUNT(*) AS n, SUM(sa.satisfaction) AS total
      FROM active JOIN support_activities sa ON sa.case_id = active.id
      JOIN network_members m ON m.id = sa.member_id
     WHERE sa.satisfaction IS NOT NULL AND sa.withdrawn_at IS NULL
       AND sa.ended_on BETWEEN :start AND :end
     GROUP BY m.role
    """
)
# The roles of the network's members in the period (not retired before it): the categories of a
# breakdown by the provider's role. A role no member has can have no activity, and the network is
# no secret (`report model` lists it), so leaving such a role out gives nothing away.
_NETWORK_ROLES = text(
    "SELECT DISTINCT role FROM network_members WHERE retired_on IS NULL OR retired_on >= :start"
)


def provider_roles(session: Session, params: dict[str, str], *seen: Iterable[str]) -> list[str]:
    """The roles of the network in the period and any role in `seen`, in the vocabulary's order
    (others after it): every category of a breakdown by the provider's role."""
    order = [role.value for role in NetworkRole]
    roles = {str(r[0]) for r in session.execute(_NETWORK_ROLES, params)}
    for more in seen:
        roles.update(more)
    return sorted(roles, key=lambda r: (order.index(r) if r in order else len(order), r))


# Driven by the follow-ups due in the period (CROSS JOIN keeps that order in SQLite): from the
# NEET cases instead it reads every NEET case ever opened. The followups table is read whole (one
# row per closing); an index on `due` saved 2 of 6 ms at 48,000 rows, not worth keeping.
# PostgreSQL has no CROSS JOIN … ON (it plans the order itself): a plain JOIN there.
_JOIN_IN_ORDER = {"sqlite": "CROSS JOIN", "postgresql": "JOIN"}
_FOLLOWUPS = """
    SELECT COUNT(*) AS due,
           COALESCE(SUM(CASE WHEN done THEN 1 ELSE 0 END), 0) AS done,
           COALESCE(SUM(CASE WHEN f.status = 'skipped' THEN 1 ELSE 0 END), 0) AS skipped,
           COALESCE(SUM(CASE WHEN done AND f.reached THEN 1 ELSE 0 END), 0) AS reached,
           COALESCE(SUM(CASE WHEN done AND f.reached AND (f.in_education OR f.in_employment)
                             THEN 1 ELSE 0 END), 0)
             AS in_education_or_employment
      FROM (SELECT f.case_id, f.status, f.reached, f.in_education, f.in_employment,
                   (f.status = 'done' AND f.done_on <= :end) AS done
              FROM followups f
             WHERE f.due BETWEEN :start AND :end AND f.withdrawn_at IS NULL) f
      {join} cases c ON c.id = f.case_id
     WHERE c.model = 'neet'
"""

UNKNOWN = "unknown"


def _median(values: Sequence[int]) -> int | float | None:
    if not values:
        return None
    middle = statistics.median(values)
    return int(middle) if float(middle).is_integer() else float(middle)


def _mean(total: int, n: int) -> float | None:
    return round(total / n, 2) if n else None


def _ordered(rows: Iterable[Any], order: Iterable[str]) -> dict[str, int | str]:
    """Non-zero counts in the vocabulary's order; anything else (or nothing: `unknown`) after it."""
    counts: dict[str, int] = {}
    for value, count in rows:
        key = UNKNOWN if value is None else str(value)
        counts[key] = counts.get(key, 0) + int(count)
    known = [v for v in order if counts.get(v)]
    rest = sorted(k for k in counts if k not in known and counts[k])
    return {k: counts[k] for k in [*known, *rest]}


def make_active(session: Session, params: dict[str, str]) -> None:
    """The temporary table of the NEET cases active between `:start` and `:end`, made afresh
    (the NEET queries and `report model` are written against it)."""
    dialect = session.get_bind().dialect.name
    session.execute(text(f"DROP TABLE IF EXISTS {_TEMP[dialect]}.{ACTIVE_TABLE}"))
    session.execute(_MAKE_ACTIVE, params)


def build_neet(session: Session, period: Period) -> Report:
    """The NEET evaluation for `period`; `reports.model.to_data` gives its JSON shape (see above)."""
    params = {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "day": period.end.isoformat(),  # for the shared as-of SQL of `services.asof`
    }

    def rows(query: Any) -> list[Any]:
        return list(session.execute(query, params).all())

    dialect = session.get_bind().dialect.name
    make_active(session, params)

    def one(query: Any) -> Any:
        return session.execute(query, params).one()

    by_group = {row.grp: row for row in rows(MAIN_QUERY)}
    groups = [g.value for g in NeetGroup]

    def total(column: str) -> int:
        return sum(int(getattr(row, column) or 0) for row in by_group.values())

    def split(column: str) -> dict[str, int | str]:
        return _ordered(((g, getattr(r, column) or 0) for g, r in by_group.items()), groups)

    goals = one(_GOALS)
    followups = one(text(_FOLLOWUPS.format(join=_JOIN_IN_ORDER[dialect])))
    ngts_days = [int(r.days) for r in rows(_with(_NGTS_TO_CONTACT.format(days=_DAYS[dialect])))]
    providers = {str(r.role): (int(r.n), int(r.total)) for r in rows(_PROVIDER_SATISFACTION)}
    roles = provider_roles(session, params, providers)
    provider_n = _ordered(((role, n) for role, (n, _total) in providers.items()), roles)
    provider_means = {role: _mean(providers[role][1], providers[role][0]) for role in provider_n}
    provider_sum = sum(total for _n, total in providers.values())
    provider_count = sum(n for n, _total in providers.values())
    neet_months = [int(r.months) for r in rows(_NEET_MONTHS)]

    def figure(key: str, value: Any, count: bool = True) -> Figure:
        return Figure(key, FIGURE_LABELS[key], value, count)

    figures = [
        figure("youths", int(one(_YOUTHS)[0])),
        figure("cases_active", total("cases")),
        figure("cases_started", total("started")),
        figure("ngts_to_contact_days_median", _median(ngts_days), count=False),
        figure("ngts_to_contact_n", len(ngts_days)),
        figure("neet_months_at_contact_median", _median(neet_months), count=False),
        figure("neet_months_at_contact_n", len(neet_months)),
        figure("cases_needs_assessed", int(one(_NEEDS_ASSESSED)[0])),
        figure("cases_closed", total("closed")),
        figure("closed_in_education", total("in_education")),
        figure("closed_in_employment", total("in_employment")),
        figure("closed_in_education_or_employment", total("in_education_or_employment")),
        figure("goals_met", int(goals.met)),
        figure("goals_total", int(goals.total)),
        figure("goals_dropped", int(goals.dropped)),
        figure("goals_partial", int(goals.partial)),
        figure(
            "wellbeing_change_mean",
            _mean(total("wellbeing_sum"), total("wellbeing_n")),
            count=False,
        ),
        figure("wellbeing_change_n", total("wellbeing_n")),
        figure(
            "satisfaction_manager_mean",
            _mean(total("manager_sum"), total("manager_n")),
            count=False,
        ),
        figure("satisfaction_manager_n", total("manager_n")),
        figure(
            "satisfaction_overall_mean",
            _mean(total("overall_sum"), total("overall_n")),
            count=False,
        ),
        figure("satisfaction_overall_n", total("overall_n")),
        figure("provider_satisfaction_mean", _mean(provider_sum, provider_count), count=False),
        figure("provider_satisfaction_n", provider_count),
        figure("followups_due", int(followups.due)),
        figure("followups_done", int(followups.done)),
        figure("followups_skipped", int(followups.skipped)),
        figure("followups_reached", int(followups.reached)),
        figure("followups_in_education_or_employment", int(followups.in_education_or_employment)),
    ]
    breakdowns = [
        Breakdown(
            "by_group",
            N_("Cases active, by target group"),
            split("cases"),
            GROUPS,
            "cases_active",
            chart=True,
            codes=tuple(groups),
        ),
        Breakdown(
            "started_by_group",
            N_("Cases started, by target group"),
            split("started"),
            GROUPS,
            "cases_started",
            codes=tuple(groups),
        ),
        Breakdown(
            "reached_by_channel",
            N_("Cases started, by how the youth was reached"),
            _ordered(rows(_BY_CHANNEL), [c.value for c in ReachChannel]),
            CHANNELS,
            "cases_started",
            chart=True,
            codes=tuple(CHANNELS),
            rest="other",
        ),
        Breakdown(
            "cases_by_need",
            N_("Cases by need category"),
            _ordered(rows(_NEEDS), [n.value for n in NeedCategory]),
            NEEDS,
            codes=tuple(NEEDS),
            rest="other",
        ),
        Breakdown(
            "light_at_end",
            N_("Situation at the period's end (traffic light)"),
            _ordered(rows(_LIGHT_AT_END), [light.value for light in Light]),
            LIGHTS,
            "cases_active",
            chart=True,
            codes=tuple(LIGHTS),
            rest=UNKNOWN,
        ),
        Breakdown(
            "closed_by_group",
            N_("Cases closed, by target group"),
            split("closed"),
            GROUPS,
            "cases_closed",
            codes=tuple(groups),
        ),
        Breakdown(
            "closed_by_reason",
            N_("Cases closed, by reason"),
            _ordered(rows(_BY_REASON), [r.value for r in CloseReason]),
            REASONS,
            "cases_closed",
            chart=True,
            codes=tuple(REASONS),
            rest="other",
        ),
        Breakdown(
            "provider_satisfaction_n_by_role",
            N_("Satisfaction with the support providers, answers by the provider's role"),
            provider_n,
            ROLE_LABELS,
            "provider_satisfaction_n",
            codes=tuple(roles),
        ),
        Breakdown(
            "provider_satisfaction_mean_by_role",
            N_("Satisfaction with the support providers (1–5), mean by the provider's role"),
            provider_means,
            ROLE_LABELS,
            n_of="provider_satisfaction_n_by_role",
        ),
    ]
    return Report(
        name="neet",
        title=TITLE,
        municipality=municipality(session),
        period=period,
        figures=figures,
        breakdowns=breakdowns,
        # Outcomes of some of a count: the rest (not in education, overdue, ...) is never shown.
        remainders=[
            ("cases_closed", ("closed_in_education",)),
            ("cases_closed", ("closed_in_employment",)),
            ("cases_closed", ("closed_in_education_or_employment",)),
            ("closed_in_education_or_employment", ("closed_in_education",)),
            ("closed_in_education_or_employment", ("closed_in_employment",)),
            ("followups_due", ("followups_done", "followups_skipped")),
            ("followups_done", ("followups_reached",)),
            ("followups_reached", ("followups_in_education_or_employment",)),
        ],
    )


TITLE = N_("NEET cooperation model — evaluation")
FIGURE_LABELS = {
    "youths": N_("Youths"),
    "cases_active": N_("Cases active in the period"),
    "cases_started": N_("Youths reached: cases started in the period"),
    "ngts_to_contact_days_median": N_("From the NGTS list to first contact, median days"),
    "ngts_to_contact_n": N_("From the NGTS list to first contact, cases"),
    "neet_months_at_contact_median": N_("Time NEET at first contact, median months"),
    "neet_months_at_contact_n": N_("Time NEET at first contact, cases"),
    "cases_needs_assessed": N_("Cases with a needs assessment"),
    "cases_closed": N_("Cases closed in the period"),
    "closed_in_education": N_("At closing: in education"),
    "closed_in_employment": N_("At closing: in employment"),
    "closed_in_education_or_employment": N_("At closing: in education or employment"),
    "goals_met": N_("Goals met in the closed cases"),
    "goals_total": N_("Goals in the closed cases' plans (dropped left out)"),
    "goals_dropped": N_("Goals dropped in the closed cases"),
    "goals_partial": N_("Goals partly met in the closed cases"),
    "wellbeing_change_mean": N_("Wellbeing change at closing (scale 1–10), mean"),
    "wellbeing_change_n": N_("Wellbeing change, cases"),
    "satisfaction_manager_mean": N_("Satisfaction with the case manager (1–5), mean"),
    "satisfaction_manager_n": N_("Satisfaction with the case manager, answers"),
    "satisfaction_overall_mean": N_("Satisfaction with the whole process (1–5), mean"),
    "satisfaction_overall_n": N_("Satisfaction with the whole process, answers"),
    "provider_satisfaction_mean": N_("Satisfaction with the support providers (1–5), mean"),
    "provider_satisfaction_n": N_("Satisfaction with the support providers, answers"),
    "followups_due": N_("Follow-ups due in the period"),
    "followups_done": N_("Follow-ups done by the period's end"),
    "followups_skipped": N_("Follow-ups skipped"),
    "followups_reached": N_("Follow-ups done: youth reached"),
    "followups_in_education_or_employment": N_("Follow-ups done: in education or employment"),
}
GROUPS = {
    "neet": N_("NEET situation (15–29)"),
    "risk": N_("NEET risk (14–19)"),
}
CHANNELS = {
    "ngts-list": N_("NGTS monitoring list"),
    "mobile-youth-work": N_("mobile youth work"),
    "referral": N_("referral by a specialist"),
    "self": N_("self-referral"),
    "school": N_("school"),
    "other": N_("other"),
}
NEEDS = {
    "education": N_("education"),
    "work": N_("work"),
    "health": N_("health, special needs or addiction"),
    "institutional-care": N_("institutional care"),
    "risk-behaviour": N_("risk conditions or risk behaviour"),
    "life-event": N_("life event"),
    "obligations": N_("obligations"),
    "other": N_("other"),
}
LIGHTS = {
    "red": N_("red"),
    "yellow": N_("yellow"),
    "green": N_("green"),
    UNKNOWN: N_("not assessed"),
}
REASONS = {
    "goals-met": N_("goals met"),
    "moved": N_("moved away"),
    "declined": N_("the youth declined"),
    "lost-contact": N_("contact lost"),
    "transferred": N_("transferred"),
    "other": N_("other"),
}
