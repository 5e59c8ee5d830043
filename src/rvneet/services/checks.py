"""Data-quality rules of the case book (`rvneet check`): each finds the records it concerns.

A rule is a small function over one session returning references — case references, or youth
references where the fix is on the youth — never a name or personal code. Rules look at the book
as of one day: today, or with a period its last day (records dated later are not seen).

Which cases a rule looks at: without a period every case; with a period the cases active in it
(opened on or before its last day, not closed before its first day). The rules about open cases
take the cases open on the day (see `services.asof`).

Levels: an `error` rule that finds something fails the check (exit code 1); a `warning` rule is
listed but never fails it. A case opened outside its model's age range with a recorded reason
(`case open --allow-ineligible REASON`) is a deliberate exception: it is a warning
(`age-exception`), not an `rv-age` / `neet-age` error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from rvneet.domain.access import Capability
from rvneet.domain.enums import Model, NeetGroup
from rvneet.domain.errors import RvneetError
from rvneet.domain.period import Period
from rvneet.domain.rules import age_on, age_problem, known_age
from rvneet.i18n import N_, ngettext, translate
from rvneet.services.asof import ACTIVE_IN_PERIOD, FOLLOWUP_OVERDUE_ON_DAY, OPEN_ON_DAY, iso
from rvneet.services.handover import HANDOVER_DAYS, handovers
from rvneet.services.permissions import require
from rvneet.storage.dialect import is_server

ERROR, WARNING = "error", "warning"
# How people read a level (a table); JSON and CSV keep `error` and `warning`.
LEVELS = {ERROR: N_("error"), WARNING: N_("warning")}
NO_CONTACT_DAYS = 60
NGTS_CONTACT_DAYS = 30
REFS_SHOWN = 20
# The keys of each result row, in order (the JSON keys and CSV header).
FIELDS = ("rule", "description", "level", "count", "refs")


class ChecksFailed(RvneetError):
    """Some data-quality rules found something (exit code 1, after the listing is printed)."""


@dataclass(frozen=True)
class Scope:
    """What the rules look at: the book as of `day`, and the cases active in [`start`, `day`]."""

    day: dt.date
    period: Period | None = None

    @property
    def params(self) -> dict[str, str]:
        """The SQL parameters :day, :start and :end (no period: from the beginning of time)."""
        start = self.period.start if self.period else dt.date.min
        return {"day": iso(self.day), "start": iso(start), "end": iso(self.day)}


Finder = Callable[[Session, Scope], list[str]]


@dataclass(frozen=True)
class Rule:
    """A data-quality rule: a stable id, what it finds, and the function finding it.

    The id is the rule's name in JSON, CSV and English; marked N_, it has an Estonian name people
    read in an Estonian table or message. `description` is English marked N_, with `{days}` where
    the rule has a number of days.
    """

    id: str
    description: str
    find: Finder
    level: str = ERROR
    days: int | None = None

    def describe(self, lang: str | None = None) -> str:
        """What the rule finds, in `lang` (default: the language of messages now)."""
        return translate(self.description, lang).format(days=self.days)


def _refs(session: Session, sql: str, scope: Scope, **extra: Any) -> list[str]:
    rows = session.execute(text(sql), {**scope.params, **extra})
    return sorted({row[0] for row in rows})


def case_without_assessment(session: Session, scope: Scope) -> list[str]:
    """Cases with no risk level or traffic light dated on or before the day."""
    return _refs(
        session,
        f"""
        SELECT c.ref FROM cases c
         WHERE {ACTIVE_IN_PERIOD}
           AND NOT EXISTS (SELECT 1 FROM assessments a WHERE a.case_id = c.id AND a.date <= :day
                                                 AND a.withdrawn_at IS NULL)
        """,
        scope,
    )


def no_recent_contact(session: Session, scope: Scope) -> list[str]:
    """Cases open on the day, started more than 60 days before it, with no contact in those 60 days.

    A contact exactly 60 days before the day still counts.
    """
    since = scope.day - dt.timedelta(days=NO_CONTACT_DAYS)
    return _refs(
        session,
        f"""
        SELECT c.ref FROM cases c
         WHERE {OPEN_ON_DAY} AND c.start_date < :since
           AND NOT EXISTS (SELECT 1 FROM contacts k
                            WHERE k.case_id = c.id AND k.date BETWEEN :since AND :day
                              AND k.withdrawn_at IS NULL)
        """,
        scope,
        since=iso(since),
    )


def _outside_age_range(session: Session, scope: Scope) -> list[tuple[str, str, bool]]:
    """(case ref, model, has a recorded reason) of the cases whose youth was outside the range."""
    # On a server the coordinator may not read the reason (free text), only whether there is one.
    reason = (
        "c.id IN (SELECT rvneet_cases_with_ineligible_reason())"
        if is_server(session.connection())
        else "c.ineligible_reason"
    )
    rows = session.execute(
        text(
            f"""
            SELECT c.ref, c.model, c.neet_group, c.start_date, {reason} AS ineligible_reason,
                   y.birth_date,
                   c.age_at_start
              FROM cases c JOIN youths y ON y.id = c.youth_id
             WHERE {ACTIVE_IN_PERIOD}
            """
        ),
        scope.params,
    )
    found = []
    for row in rows:
        group = NeetGroup(row.neet_group) if row.neet_group else None
        if row.model == Model.NEET and group is None:
            continue  # the schema forbids it; nothing to measure against
        start = dt.date.fromisoformat(str(row.start_date))
        born = dt.date.fromisoformat(str(row.birth_date)) if row.birth_date else None
        age = known_age(born, start, row.age_at_start)  # frozen once the youth is erased
        problem = None if age is None else age_problem(Model(row.model), group, age, start)
        if problem:
            given = row.ineligible_reason
            has_reason = given if isinstance(given, bool) else bool((given or "").strip())
            found.append((row.ref, row.model, has_reason))
    return found


def rv_age(session: Session, scope: Scope) -> list[str]:
    """RV cases of youths outside 12–18 on the start date, with no recorded reason."""
    return sorted(r for r, m, why in _outside_age_range(session, scope) if m == "rv" and not why)


def neet_age(session: Session, scope: Scope) -> list[str]:
    """NEET cases of youths outside their group's ages on the start date, with no recorded reason."""
    return sorted(r for r, m, why in _outside_age_range(session, scope) if m == "neet" and not why)


def age_exception(session: Session, scope: Scope) -> list[str]:
    """Cases opened outside their model's ages with a recorded reason (a warning)."""
    return sorted(r for r, _m, why in _outside_age_range(session, scope) if why)


def closed_without_reason(session: Session, scope: Scope) -> list[str]:
    """Cases closed on or before the day with no close reason (imported or older data)."""
    return _refs(
        session,
        f"""
        SELECT c.ref FROM cases c
         WHERE {ACTIVE_IN_PERIOD} AND c.end_date <= :day
           AND (c.close_reason IS NULL OR trim(c.close_reason) = '')
        """,
        scope,
    )


def followup_overdue(session: Session, scope: Scope) -> list[str]:
    """NEET cases whose follow-up was due before the day and was neither done by then nor skipped."""
    return _refs(
        session,
        f"""
        SELECT c.ref FROM followups f JOIN cases c ON c.id = f.case_id
         WHERE {FOLLOWUP_OVERDUE_ON_DAY} AND c.model <> 'rv'
        """,
        scope,
    )


def rv_followup_overdue(session: Session, scope: Scope) -> list[str]:
    """RV cases whose follow-up is overdue: good practice, not asked by the agreement (a warning)."""
    return _refs(
        session,
        f"""
        SELECT c.ref FROM followups f JOIN cases c ON c.id = f.case_id
         WHERE {FOLLOWUP_OVERDUE_ON_DAY} AND c.model = 'rv'
        """,
        scope,
    )


# Whether any agreement is recorded: the agreement rules look at a book that keeps them.
_AGREEMENTS_KEPT = "EXISTS (SELECT 1 FROM agreements)"


def rv_outside_agreement(session: Session, scope: Scope) -> list[str]:
    """RV cases started on a day no agreement was in force (once any agreement is recorded)."""
    return _refs(
        session,
        f"""
        SELECT c.ref FROM cases c
         WHERE {ACTIVE_IN_PERIOD} AND c.model = 'rv' AND {_AGREEMENTS_KEPT}
           AND NOT EXISTS (SELECT 1 FROM agreements g
                            WHERE c.start_date BETWEEN g.start_date AND g.end_date)
        """,
        scope,
    )


def agreement_limit_exceeded(session: Session, scope: Scope) -> list[str]:
    """RV cases started within an agreement's period beyond its case limit (clause 4.3): the
    cases after the first `case_limit` of them, by start date and reference."""
    return _refs(
        session,
        f"""
        SELECT c.ref FROM cases c JOIN agreements g
            ON c.start_date BETWEEN g.start_date AND g.end_date
         WHERE {ACTIVE_IN_PERIOD} AND c.model = 'rv'
           AND (SELECT count(*) FROM cases e
                 WHERE e.model = 'rv' AND e.start_date BETWEEN g.start_date AND g.end_date
                   AND (e.start_date < c.start_date
                        OR (e.start_date = c.start_date AND e.ref < c.ref))) >= g.case_limit
        """,
        scope,
    )


def lisa4_deadline_missed(session: Session, scope: Scope) -> list[str]:
    """Lisa 4 periods whose deadline passed before the day and were not submitted by then:
    `2025H1 (due 2025-07-15)`."""
    from rvneet.services.agreements import next_deadlines

    return sorted(
        f"{row['period']} ({row['due']})"
        for row in next_deadlines(session, scope.day)
        if row["overdue"]
    )


def lisa4_changed_since_submitted(session: Session, scope: Scope) -> list[str]:
    """Submitted Lisa 4 periods whose report, made now, differs from the one sent: the period and
    the figures that changed (`2025H1: cases_active 3→4`)."""
    from rvneet.services.submissions import changed_since_submitted

    return changed_since_submitted(session)


def no_participation_consent(session: Session, scope: Scope) -> list[str]:
    """Youths with a case open on the day and no participation consent in force on it.

    In force: the latest participation record dated on or before the day is not a withdrawal.
    """
    return _refs(
        session,
        f"""
        SELECT y.ref FROM cases c JOIN youths y ON y.id = c.youth_id
         WHERE {OPEN_ON_DAY}
           AND COALESCE((SELECT CASE WHEN k.withdrawn THEN 0 ELSE 1 END FROM consents k
                          WHERE k.youth_id = y.id AND k.scope = 'participation' AND k.date <= :day
                            AND k.withdrawn_at IS NULL
                          ORDER BY k.date DESC, k.id DESC LIMIT 1), 0) = 0
        """,
        scope,
    )


def minor_own_consent(session: Session, scope: Scope) -> list[str]:
    """Youths with a case open on the day whose data-sharing consent in force on it was given by
    the youth alone while younger than `settings consent-age` (a guardian's is expected).

    In force: the latest data-sharing record dated on or before the day, not a withdrawal; a newer
    record (the guardian's, or the youth's own once of age) takes its place.
    """
    from rvneet.services.settings import consent_age

    limit = consent_age(session)
    rows = session.execute(
        text(
            f"""
            SELECT y.ref, y.birth_date, k.date FROM youths y
              JOIN consents k ON k.id = (
                   SELECT k2.id FROM consents k2
                    WHERE k2.youth_id = y.id AND k2.scope = 'data-sharing' AND k2.date <= :day
                      AND k2.withdrawn_at IS NULL
                    ORDER BY k2.date DESC, k2.id DESC LIMIT 1)
             WHERE k.given_by = 'youth' AND NOT k.withdrawn AND y.birth_date IS NOT NULL
               AND EXISTS (SELECT 1 FROM cases c WHERE c.youth_id = y.id AND {OPEN_ON_DAY})
            """
        ),
        scope.params,
    )
    return sorted(
        {
            row.ref
            for row in rows
            if age_on(
                dt.date.fromisoformat(str(row.birth_date)), dt.date.fromisoformat(str(row.date))
            )
            < limit
        }
    )


def age_handover(session: Session, scope: Scope) -> list[str]:
    """Cases open on the day whose youth turns 18 (RV) or 17 (NEET-risk) within 90 days of it, or
    already has: a hand-over to plan (`services.handover`)."""
    return sorted(h["case"] for h in handovers(session, scope.day))


def ngts_not_contacted(session: Session, scope: Scope) -> list[str]:
    """Youths of the newest NGTS list dated on or before the day, listed more than 30 days before
    it, with no contact in any of their cases and no outreach attempt on their entry from the list
    date to the day."""
    since = scope.day - dt.timedelta(days=NGTS_CONTACT_DAYS)
    return _refs(
        session,
        """
        SELECT y.ref FROM ngts_entries n JOIN youths y ON y.id = n.youth_id
         WHERE n.list_date = (SELECT max(list_date) FROM ngts_entries WHERE list_date <= :day)
           AND n.list_date < :since
           AND NOT EXISTS (SELECT 1 FROM contacts k JOIN cases c ON c.id = k.case_id
                            WHERE c.youth_id = n.youth_id
                              AND k.date BETWEEN n.list_date AND :day
                              AND k.withdrawn_at IS NULL)
           AND NOT EXISTS (SELECT 1 FROM outreach_attempts a
                            WHERE a.entry_id = n.id AND a.date BETWEEN n.list_date AND :day)
        """,
        scope,
        since=iso(since),
    )


def ngts_list_late(session: Session, scope: Scope) -> list[str]:
    """The newest NGTS list dated on or before the day, as its date, when it is older than 7
    months then (lists come in March and October); nothing when no list was imported."""
    from rvneet.services.outreach import list_is_late, newest_list_on

    last = newest_list_on(session, scope.day)
    return [last.isoformat()] if last and list_is_late(last, scope.day) else []


RULES: list[Rule] = [
    Rule(
        N_("case-without-assessment"),
        N_("Case with no risk level or traffic light assessed"),
        case_without_assessment,
    ),
    Rule(
        N_("no-recent-contact"),
        N_("Open case with no contact in the last {days} days"),
        no_recent_contact,
        days=NO_CONTACT_DAYS,
    ),
    Rule(
        N_("rv-age"),
        N_("RV case of a youth outside 12–18 at the start, no reason recorded"),
        rv_age,
    ),
    Rule(
        N_("neet-age"),
        N_("NEET case of a youth outside the group's ages at the start, no reason recorded"),
        neet_age,
    ),
    Rule(
        N_("age-exception"),
        N_("Case opened outside its model's ages, with a reason recorded"),
        age_exception,
        WARNING,
    ),
    Rule(
        N_("closed-without-reason"), N_("Closed case with no close reason"), closed_without_reason
    ),
    Rule(
        N_("followup-overdue"),
        N_("Closed case whose 6-month follow-up is overdue"),
        followup_overdue,
    ),
    Rule(
        N_("rv-followup-overdue"),
        N_("Closed RV case whose 6-month follow-up is overdue (good practice; see rv-followup)"),
        rv_followup_overdue,
        WARNING,
    ),
    Rule(
        N_("no-participation-consent"),
        N_("Youth with an open case and no participation consent in force"),
        no_participation_consent,
    ),
    Rule(
        N_("minor-own-consent"),
        N_(
            "Youth with an open case whose data-sharing consent was given alone below the consent "
            "age (a guardian's is expected)"
        ),
        minor_own_consent,
        WARNING,
    ),
    Rule(
        N_("age-handover"),
        N_(
            "Open case of a youth turning 18 (RV) or 17 (NEET-risk) within {days} days or "
            "already: a hand-over to plan"
        ),
        age_handover,
        WARNING,
        days=HANDOVER_DAYS,
    ),
    Rule(
        N_("ngts-not-contacted"),
        N_("Youth of the newest NGTS list with no contact or outreach attempt within {days} days"),
        ngts_not_contacted,
        days=NGTS_CONTACT_DAYS,
    ),
    Rule(
        N_("ngts-list-late"),
        N_("Newest NGTS list older than 7 months (lists come in March and October)"),
        ngts_list_late,
        WARNING,
    ),
    Rule(
        N_("rv-outside-agreement"),
        N_("RV case started on a day no agreement was in force"),
        rv_outside_agreement,
        WARNING,
    ),
    Rule(
        N_("agreement-limit-exceeded"),
        N_("RV case beyond its agreement's case limit (clause 4.3)"),
        agreement_limit_exceeded,
        WARNING,
    ),
    Rule(
        N_("lisa4-deadline-missed"),
        N_("Lisa 4 period whose deadline passed without a submission (clause 4.4)"),
        lisa4_deadline_missed,
    ),
    Rule(
        N_("lisa4-changed-since-submitted"),
        N_("Submitted Lisa 4 period whose report has changed since, with the figures changed"),
        lisa4_changed_since_submitted,
    ),
]


def run_checks(
    session: Session, *, day: dt.date | None = None, period: Period | None = None
) -> list[dict[str, Any]]:
    """One row per rule, in the registry's order: its id, description, level, count and the first
    20 references (sorted). The day is `period.end` with a period, else `day` (default today).

    The rows are for machines (JSON, CSV): the description is in English whatever the language;
    `describe` gives it in the user's."""
    require(session, Capability.CHECK)
    scope = Scope(period.end if period else day or dt.date.today(), period)
    rows = []
    for rule in RULES:
        refs = rule.find(session, scope)
        rows.append(
            {
                "rule": rule.id,
                "description": rule.describe("en"),
                "level": rule.level,
                "count": len(refs),
                "refs": refs[:REFS_SHOWN],
            }
        )
    return rows


def failed(rows: list[dict[str, Any]]) -> list[str]:
    """The ids of the error-level rules that found something."""
    return [r["rule"] for r in rows if r["level"] == ERROR and r["count"]]


def rule_name(rule_id: str, lang: str | None = None) -> str:
    """The rule's name as people read it in `lang` (default: the language of messages now):
    its id in English, an Estonian name in Estonian (`no-recent-contact` is `pole-hiljutist-kontakti`)."""
    return translate(rule_id, lang)


def describe(rule_id: str, lang: str | None = None) -> str:
    """What the rule `rule_id` finds, in `lang` (default: the language of messages now)."""
    return next(rule for rule in RULES if rule.id == rule_id).describe(lang)


def level_shown(level: str, lang: str) -> str:
    """A rule's level as people read it in `lang`: `error` is *viga* in Estonian."""
    return translate(LEVELS[level], lang) if level in LEVELS else level


def failure_message(rules: list[str]) -> str:
    """`N data-quality rule(s) failed: a, b`, in the language of messages now."""
    return ngettext(
        "{n} data-quality rule failed: {rules}",
        "{n} data-quality rules failed: {rules}",
        len(rules),
    ).format(n=len(rules), rules=", ".join(rule_name(rule) for rule in rules))
