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
from rvneet.domain.rules import age_on
from rvneet.services.settings import municipality

CSV_FIELDS = ("case", "sex", "age", "risk", "start", "end", "support_requested")

# Active in the period: opened on or before its last day, not closed before its first day.
# The risk level is the latest assessment dated on or before the period's last day. Support was
# requested when an implementation request to SKA is dated on or before that day (agreement 4.6);
# a process-management request alone does not count.
_ACTIVE_RV_CASES = text(
    """
    SELECT c.ref, c.start_date, c.end_date, y.sex, y.birth_date, y.id,
           (SELECT a.risk FROM assessments a
             WHERE a.case_id = c.id AND a.date <= :end AND a.risk IS NOT NULL
             ORDER BY a.date DESC, a.id DESC LIMIT 1) AS risk,
           EXISTS (SELECT 1 FROM support_requests s
                    WHERE s.case_id = c.id AND s.kind = 'implementation'
                      AND s.date <= :end) AS support_requested
      FROM cases c JOIN youths y ON y.id = c.youth_id
     WHERE c.model = 'rv' AND c.start_date <= :end
       AND (c.end_date IS NULL OR c.end_date >= :start)
     ORDER BY c.start_date, c.ref
    """
)


def _ordered(counter: Counter[Any], key: Any = None) -> dict[str, int]:
    return {str(k): counter[k] for k in sorted(counter, key=key) if counter[k]}


def build_lisa4(session: Session, period: Period) -> dict[str, Any]:
    """The Lisa 4 report as plain data, in the documented JSON shape (keys in contract order)."""
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
        end = dt.date.fromisoformat(str(row.end_date)) if row.end_date else None
        end_seen = end if end is not None and end <= period.end else None
        age = age_on(dt.date.fromisoformat(str(row.birth_date)), start)
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
    return {
        "report": "lisa4",
        "municipality": municipality(session),
        "period": {
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "summary": {
            "youths": len(youths),
            "cases_active": len(cases),
            "cases_started": started,
            "cases_ended": ended,
            "cases_ongoing_at_end": ongoing,
            "by_sex": _ordered(by_sex),
            "by_age": _ordered(by_age),
            "by_risk": _ordered(by_risk),
            "by_support_requested": _ordered(by_support),
        },
        "cases": cases,
    }
