"""Lisa 4: the Ringist välja monitoring statistics the municipality sends the Social Insurance Board.

The report describes the RV cases active in the period as they stood on the period's last day: a case
closed after the period is shown as ongoing, and assessments and support requests dated later
are not seen. So a report for 2025H1 reads the same whether it is made in July 2025 or in 2027.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from rvneet.domain.period import Period
from rvneet.domain.rules import RV_AGES, known_age
from rvneet.i18n import N_
from rvneet.reports.model import Breakdown, Column, Figure, Listing, Report
from rvneet.services.settings import municipality

# Active in the period: opened on or before its last day, not closed before its first day — as the
# book stood on the last day. So a case closed in the period and reopened after it shows the closing
# a reopening undid (kept in `reopenings`), and a case closed before the period and reopened after
# it was not active. Open and closed cases are found apart, each by a search of
# ix_cases_model_end_start. The risk level is the latest assessment dated on or before the last
# day. Support was requested when an implementation request to SKA is dated on or before that day
# (agreement 4.6); a process-management request alone does not count.
_ACTIVE_RV_CASES = text(
    """
    WITH candidates AS (
      SELECT id FROM cases WHERE model = 'rv' AND end_date IS NULL AND start_date <= :end
      UNION ALL
      SELECT id FROM cases WHERE model = 'rv' AND end_date >= :start AND start_date <= :end
    )
    SELECT c.ref, c.start_date, y.sex, y.birth_date, c.age_at_start, y.id,
           CASE WHEN c.end_date <= :end THEN c.end_date ELSE r.previous_end END AS end_seen,
           (SELECT a.risk FROM assessments a
             WHERE a.case_id = c.id AND a.date <= :end AND a.risk IS NOT NULL
               AND a.withdrawn_at IS NULL
             ORDER BY a.date DESC, a.id DESC LIMIT 1) AS risk,
           EXISTS (SELECT 1 FROM support_requests s
                    WHERE s.case_id = c.id AND s.kind = 'implementation'
                      AND s.date <= :end AND s.withdrawn_at IS NULL) AS support_requested
      FROM candidates JOIN cases c ON c.id = candidates.id
      JOIN youths y ON y.id = c.youth_id
      LEFT JOIN reopenings r ON r.case_id = c.id AND r.previous_end <= :end AND r.date > :end
     WHERE NOT EXISTS (SELECT 1 FROM reopenings x
                        WHERE x.case_id = c.id AND x.previous_end < :start AND x.date > :end)
     ORDER BY c.start_date, c.ref
    """
)


def _ordered(counter: Counter[Any], key: Any = None) -> dict[str, int | str]:
    return {str(k): counter[k] for k in sorted(counter, key=key) if counter[k]}


def build_lisa4(session: Session, period: Period) -> Report:
    """The Lisa 4 report; `reports.model.to_data` gives its documented JSON shape."""
    rows = session.execute(
        _ACTIVE_RV_CASES, {"start": period.start.isoformat(), "end": period.end.isoformat()}
    ).all()
    cases = []
    youths = set()
    started = ended = ongoing = 0
    by_sex: Counter[str] = Counter()
    by_age: Counter[int] = Counter()
    by_risk: Counter[str] = Counter()
    by_support: Counter[str] = Counter()
    for row in rows:
        start = dt.date.fromisoformat(str(row.start_date))
        end_seen = dt.date.fromisoformat(str(row.end_seen)) if row.end_seen else None
        born = dt.date.fromisoformat(str(row.birth_date)) if row.birth_date else None
        age = known_age(born, start, row.age_at_start)  # frozen once the youth is erased
        assert age is not None, f"{row.ref}: no birth date and no frozen age"
        support = bool(row.support_requested)
        youths.add(row.id)
        started += start in period
        ended += end_seen is not None
        ongoing += end_seen is None
        by_sex[row.sex] += 1
        by_age[age] += 1
        by_risk[row.risk] += 1
        by_support["yes" if support else "no"] += 1
        cases.append(
            {
                "case": row.ref,
                "sex": row.sex,
                "age": age,
                "risk": row.risk,
                "start": start.isoformat(),
                "end": end_seen.isoformat() if end_seen else None,
                "support_requested": support,
            }
        )
    return Report(
        name="lisa4",
        title=TITLE,
        municipality=municipality(session),
        period=period,
        figures=[
            Figure("youths", N_("Youths"), len(youths)),
            Figure(
                "cases_active",
                N_("Cases active in the period"),
                len(cases),
            ),
            Figure(
                "cases_started",
                N_("Cases started in the period"),
                started,
            ),
            Figure(
                "cases_ended",
                N_("Cases ended in the period"),
                ended,
            ),
            Figure(
                "cases_ongoing_at_end",
                N_("Cases ongoing at the period's end"),
                ongoing,
            ),
        ],
        breakdowns=[
            Breakdown(
                "by_sex",
                N_("By sex"),
                _ordered(by_sex),
                SEXES,
                "cases_active",
                chart=True,
                codes=tuple(sorted(SEXES)),
            ),
            Breakdown(
                "by_age",
                N_("By age at start"),
                _ordered(by_age),
                {OTHER_AGE: N_("other")},
                "cases_active",
                chart=True,
                codes=AGES,
                rest=OTHER_AGE,
            ),
            Breakdown(
                "by_risk",
                N_("By risk level"),
                _ordered(by_risk),
                RISKS,
                "cases_active",
                chart=True,
                codes=tuple(sorted(RISKS)),
            ),
            Breakdown(
                "by_support_requested",
                N_("By SKA implementation support requested"),
                _ordered(by_support),
                YES_NO,
                "cases_active",
                codes=tuple(sorted(YES_NO)),
            ),
        ],
        listings=[Listing("cases", N_("Cases"), COLUMNS, cases)],
        relations=[("cases_active", ("cases_ended", "cases_ongoing_at_end"))],
    )


TITLE = N_("Lisa 4 — Ringist välja monitoring")
SEXES = {"M": N_("M"), "F": N_("F")}
# A suppressed report lists every age of the model and counts the ages outside it under "other".
OTHER_AGE = "other"
AGES = (*(str(age) for age in range(RV_AGES.low, RV_AGES.high + 1)), OTHER_AGE)
RISKS = {"medium": N_("medium"), "high": N_("high")}
YES_NO = {"yes": N_("yes"), "no": N_("no")}
COLUMNS = [
    Column("case", N_("Case")),
    Column("sex", N_("Sex"), SEXES),
    Column("age", N_("Age")),
    Column("risk", N_("Risk"), RISKS),
    Column("start", N_("Start")),
    Column("end", N_("End")),
    Column("support_requested", N_("SKA support")),
]
