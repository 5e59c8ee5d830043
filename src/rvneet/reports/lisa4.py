"""Lisa 4: the Ringist välja monitoring statistics the municipality sends the Social Insurance Board.

The report describes the RV cases active in the period as they stood on the period's last day: a case
closed after the period is shown as ongoing, and assessments and support requests dated later
are not seen. So a report for 2025H1 reads the same whether it is made in July 2025 or in 2027.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import bindparam, text
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
    SELECT c.ref, c.start_date, y.sex, y.birth_date, c.age_at_start, y.id, c.id AS case_id,
           c.end_date,
           CASE WHEN c.end_date <= :end THEN c.end_date ELSE r.previous_end END AS end_seen,
           (SELECT a.risk FROM assessments a
             WHERE a.case_id = c.id AND a.date <= :end AND a.risk IS NOT NULL
               AND a.withdrawn_at IS NULL
             ORDER BY a.date DESC, a.id DESC LIMIT 1) AS risk,
           (SELECT a.risk FROM assessments a
             WHERE a.case_id = c.id AND a.risk IS NOT NULL
             ORDER BY a.date, a.id LIMIT 1) AS risk_at_start,
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


# The closings reopenings undid, of the cases found: each ends an implementation period of its case.
_REOPENINGS = text(
    """
    SELECT r.case_id, r.date, r.previous_end FROM reopenings r
     WHERE r.case_id IN :ids
     ORDER BY r.case_id, r.date, r.id
    """
).bindparams(bindparam("ids", expanding=True))
# Process-management requests (agreement 3.5) of the cases found, dated in the period, with the answer
# as it stood on the period's last day (an answer dated later is still pending then).
_PROCESS_REQUESTS = text(
    """
    SELECT CASE WHEN s.answered_on <= :end THEN s.answer ELSE 'pending' END AS answer
      FROM support_requests s
     WHERE s.case_id IN :ids
       AND s.kind = 'process-management' AND s.date BETWEEN :start AND :end
    """
).bindparams(bindparam("ids", expanding=True))


def _iso(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(value)) if value else None


def implementation_periods(
    start: dt.date,
    end: dt.date | None,
    reopenings: list[tuple[dt.date, dt.date]],
    period: Period,
) -> list[dict[str, str | None]]:
    """The implementation periods of a case that overlap `period`, as seen on its last day.

    `reopenings` are (reopening day, the end it undid) in order: each closes one period and opens
    the next. A period starting after `period` is not seen yet; an end after it is not either
    (None: ongoing then).
    """
    spans: list[tuple[dt.date, dt.date | None]] = []
    first = start
    for reopened, previous_end in reopenings:
        spans.append((first, previous_end))
        first = reopened
    spans.append((first, end))
    shown = []
    for span_start, span_end in spans:
        if span_start > period.end or (span_end is not None and span_end < period.start):
            continue
        seen_end = span_end if span_end is not None and span_end <= period.end else None
        shown.append(
            {"start": span_start.isoformat(), "end": seen_end.isoformat() if seen_end else None}
        )
    return shown


def _agreement(session: Session, period: Period) -> dict[str, Any] | None:
    """The `agreement` header block: the agreement of the period, if one is recorded."""
    from rvneet.services.agreements import cases_used, for_period

    agreement = for_period(session, period)
    if agreement is None:
        return None
    return {
        "number": agreement.ref,
        "start": agreement.start_date.isoformat(),
        "end": agreement.end_date.isoformat(),
        "case_limit": agreement.case_limit,
        "cases_used": cases_used(session, agreement, period.end),
        "representative": agreement.kov_contact,
    }


def _ordered(counter: Counter[Any], key: Any = None) -> dict[str, int | str]:
    return {str(k): counter[k] for k in sorted(counter, key=key) if counter[k]}


def build_lisa4(session: Session, period: Period) -> Report:
    """The Lisa 4 report; `reports.model.to_data` gives its documented JSON shape."""
    bounds = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    rows = session.execute(_ACTIVE_RV_CASES, bounds).all()
    ids = [row.case_id for row in rows]
    reopened: dict[int, list[tuple[dt.date, dt.date]]] = {}
    for case_id, day, previous_end in session.execute(_REOPENINGS, {"ids": ids}):
        reopened.setdefault(case_id, []).append((_iso(day), _iso(previous_end)))  # type: ignore[arg-type]
    by_process: Counter[str] = Counter(
        answer for (answer,) in session.execute(_PROCESS_REQUESTS, {**bounds, "ids": ids})
    )
    by_risk_at_start: Counter[str] = Counter()
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
        by_risk_at_start[row.risk_at_start] += 1
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
                "risk_at_start": row.risk_at_start,
                "periods": implementation_periods(
                    start, _iso(row.end_date), reopened.get(row.case_id, []), period
                ),
            }
        )
    agreement = _agreement(session, period)
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
            Figure(
                "without_support_request",
                N_("Cases for which no implementation support request was made"),
                by_support["no"],
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
            Breakdown(
                "by_risk_at_start",
                N_("By risk level at start"),
                _ordered(by_risk_at_start),
                RISKS,
                "cases_active",
                codes=tuple(sorted(RISKS)),
            ),
            Breakdown(
                "process_support_requests",
                N_("Process-management support requests in the period"),
                {k: by_process[k] for k in ANSWERS},
                ANSWERS,
                codes=tuple(ANSWERS),
            ),
        ],
        listings=[Listing("cases", N_("Cases"), COLUMNS, cases)],
        relations=[("cases_active", ("cases_ended", "cases_ongoing_at_end"))],
        same=[("without_support_request", "by_support_requested.no")],
        details={"agreement": agreement} if agreement else {},
        detail_lines=[("agreement", AGREEMENT_LINE)] if agreement else [],
        detail_counts=(("agreement", "cases_used"),),
    )


TITLE = N_("Lisa 4 — Ringist välja monitoring")
SEXES = {"M": N_("M"), "F": N_("F")}
# A suppressed report lists every age of the model and counts the ages outside it under "other".
OTHER_AGE = "other"
AGES = (*(str(age) for age in range(RV_AGES.low, RV_AGES.high + 1)), OTHER_AGE)
RISKS = {"medium": N_("medium"), "high": N_("high")}
YES_NO = {"yes": N_("yes"), "no": N_("no")}
ANSWERS = {"granted": N_("granted"), "refused": N_("refused"), "pending": N_("pending")}
AGREEMENT_LINE = N_(
    "Agreement {number} ({start} … {end}), case limit {case_limit}, cases used {cases_used}; "
    "representative {representative}"
)
COLUMNS = [
    Column("case", N_("Case")),
    Column("sex", N_("Sex"), SEXES),
    Column("age", N_("Age")),
    Column("risk", N_("Risk"), RISKS),
    Column("start", N_("Start")),
    Column("end", N_("End")),
    Column("support_requested", N_("SKA support")),
    Column("risk_at_start", N_("Risk at start"), RISKS),
    Column("periods", N_("Implementation periods")),
]
