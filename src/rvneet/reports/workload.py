"""The caseload of each case manager on one day: open cases by model, traffic light and risk level.

The NEET model plans each case manager's workload by the traffic light of their cases' situations
(red needs the fastest response and most resources). The report reads the book as it stood on the
as-of day (see `services.asof`):

- a case is open on the day when it started on or before it and was not closed on or before it
  (a case closed on the day is not open on it; a reopened case was closed between its closing and
  its reopening);
- its light or risk level is its latest assessment dated on or before the day;
- a follow-up is overdue on the day when it was due before it and was neither done by then nor
  skipped; it is due soon when it falls due on the day or in the 30 days after it, and was not done
  by the day nor skipped;
- a light is stale when the assessment that gave it is dated more than 90 days before the day.

Each case manager's weighted load adds up their open NEET cases by the light of the situation (red 3,
yellow 2, green 1 unless `rvneet settings workload-weights` says otherwise; an RV case or a case not
yet assessed weighs nothing); above the capacity of their staff record (`staff edit --capacity`) they
are over capacity.

Case managers are staff records (`rvneet staff`), each row with the reference and the name; a case
counts for the manager it had on the day (a `case reassign` dated after it has not happened yet);
cases without one are under "(none)". Youths appear in no part of it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from rvneet.i18n import N_, collation_key
from rvneet.reports.model import Breakdown, Column, Figure, Listing, Report
from rvneet.services.asof import FOLLOWUP_OVERDUE_ON_DAY, LEVEL_ON_DAY, OPEN_ON_DAY, iso
from rvneet.services.settings import municipality, workload_weights

NO_MANAGER = "(none)"
NO_LEVEL = "none"

# The case's manager (a staff id) on the day: the one the first change dated after the day took the
# case from, else the manager it has now. NULL when it had none.
MANAGER_ON_DAY = """
    CASE WHEN EXISTS (SELECT 1 FROM manager_changes m WHERE m.case_id = c.id AND m.date > :day)
         THEN (SELECT m.from_id FROM manager_changes m WHERE m.case_id = c.id AND m.date > :day
                ORDER BY m.date, m.id LIMIT 1)
         ELSE c.manager_id END
"""
# The case's risk level (RV) or light (NEET) in an assessment, as services.asof reads it.
_LEVEL_OF_CASE = "CASE c.model WHEN 'rv' THEN a.risk ELSE a.light END"
# The date of the assessment that gave the level on the day (as LEVEL_ON_DAY picks it).
LEVEL_DATE_ON_DAY = f"""
    (SELECT a.date FROM assessments a
      WHERE a.case_id = c.id AND a.date <= :day AND {_LEVEL_OF_CASE} IS NOT NULL
        AND a.withdrawn_at IS NULL
      ORDER BY a.date DESC, a.id DESC LIMIT 1)
"""
_OPEN_CASES = text(
    f"""
    SELECT w.ref, w.model, w.level, w.level_date, s.ref AS staff, s.name AS manager,
           s.capacity
      FROM (SELECT c.ref, c.model, {LEVEL_ON_DAY} AS level, {LEVEL_DATE_ON_DAY} AS level_date,
                   {MANAGER_ON_DAY} AS manager_id
              FROM cases c
             WHERE {OPEN_ON_DAY}) w
      LEFT JOIN staff s ON s.id = w.manager_id
     ORDER BY w.ref
    """
)
# Due soon: falls due from the day to :soon, and neither done on or before the day nor skipped.
FOLLOWUP_DUE_SOON = """
    f.due >= :day AND f.due <= :soon AND f.withdrawn_at IS NULL
    AND (f.status = 'due' OR (f.status = 'done' AND f.done_on > :day))
"""
_DUE_SOON_FOLLOWUPS = text(
    f"""
    SELECT w.ref, s.ref AS staff, s.name AS manager, s.capacity
      FROM (SELECT c.ref, f.due, {MANAGER_ON_DAY} AS manager_id
              FROM followups f JOIN cases c ON c.id = f.case_id
             WHERE {FOLLOWUP_DUE_SOON}) w
      LEFT JOIN staff s ON s.id = w.manager_id
     ORDER BY w.due, w.ref
    """
)
_OVERDUE_FOLLOWUPS = text(
    f"""
    SELECT w.ref, s.ref AS staff, s.name AS manager, s.capacity
      FROM (SELECT c.ref, f.due, {MANAGER_ON_DAY} AS manager_id
              FROM followups f JOIN cases c ON c.id = f.case_id
             WHERE {FOLLOWUP_OVERDUE_ON_DAY}) w
      LEFT JOIN staff s ON s.id = w.manager_id
     ORDER BY w.due, w.ref
    """
)

TITLE = N_("Caseload by case manager")
MODELS = {"rv": N_("Ringist välja"), "neet": N_("NEET")}
LIGHTS = {
    "red": N_("red situation"),
    "yellow": N_("yellow situation"),
    "green": N_("green situation"),
    NO_LEVEL: N_("not assessed"),
}
RISKS = {
    "high": N_("high risk"),
    "medium": N_("medium risk"),
    NO_LEVEL: N_("not assessed"),
}
# A light older than this many days is stale: the situation is due a new assessment.
STALE_AFTER_DAYS = 90
# Follow-ups falling due within this many days from the day are due soon.
DUE_SOON_DAYS = 30
COLUMNS = [
    Column(
        "manager",
        N_("Case manager"),
        {NO_MANAGER: N_("(none)")},
    ),
    Column("staff", N_("Staff")),
    Column("open_rv", N_("RV open")),
    Column("open_neet", N_("NEET open")),
    Column("rv_high", N_("RV high")),
    Column("rv_medium", N_("RV medium")),
    Column("neet_red", N_("NEET red")),
    Column("neet_yellow", N_("NEET yellow")),
    Column("neet_green", N_("NEET green")),
    Column("followups_overdue", N_("Follow-ups overdue")),
    Column("open_total", N_("Open total")),
    Column("followups_due_30", N_("Follow-ups due in 30 days")),
    Column("stale_lights", N_("Situation assessed over 90 days ago")),
    Column("weighted_load", N_("Weighted load")),
    Column("capacity", N_("Capacity")),
    Column("over_capacity", N_("Over capacity")),
]
_COUNTS = [c.field for c in COLUMNS[2:11]] + ["followups_due_30", "stale_lights", "weighted_load"]


def _row(staff: str | None, manager: str | None, capacity: int | None) -> dict[str, Any]:
    """A manager's row: their staff reference and name (or no reference and "(none)"), zero counts
    and their capacity."""
    return {
        "manager": manager or NO_MANAGER,
        "staff": staff,
        **dict.fromkeys(_COUNTS, 0),
        "capacity": capacity,
        "over_capacity": False,
    }


def _counts(counter: Counter[str], known: dict[str, str]) -> dict[str, int | str]:
    """Every known value (zeros too), and "none" only when some case has no assessment."""
    return {k: counter[k] for k in known if k != NO_LEVEL or counter[k]}


def build_workload(session: Session, as_of: dt.date) -> Report:
    """The caseload of each case manager on `as_of`; `reports.model.to_data` gives its JSON shape."""
    params = {"day": iso(as_of), "soon": iso(as_of + dt.timedelta(days=DUE_SOON_DAYS))}
    stale_before = as_of - dt.timedelta(days=STALE_AFTER_DAYS)
    weights = workload_weights(session)
    rows: dict[str | None, dict[str, Any]] = {}
    by_model: Counter[str] = Counter()
    by_light: Counter[str] = Counter()
    by_risk: Counter[str] = Counter()
    stale = 0
    for case in session.execute(_OPEN_CASES, params):
        row = rows.setdefault(case.staff, _row(case.staff, case.manager, case.capacity))
        level = case.level or NO_LEVEL
        row[f"open_{case.model}"] += 1
        row["open_total"] += 1
        by_model[case.model] += 1
        if case.model == "rv":
            by_risk[level] += 1
            if level != NO_LEVEL:
                row[f"rv_{level}"] += 1
        else:
            by_light[level] += 1
            if level != NO_LEVEL:
                row[f"neet_{level}"] += 1
                row["weighted_load"] += weights[level]
                if dt.date.fromisoformat(str(case.level_date)) < stale_before:
                    row["stale_lights"] += 1
                    stale += 1
    overdue = 0
    for followup in session.execute(_OVERDUE_FOLLOWUPS, params):
        row = rows.setdefault(
            followup.staff, _row(followup.staff, followup.manager, followup.capacity)
        )
        row["followups_overdue"] += 1
        overdue += 1
    due_soon = 0
    for followup in session.execute(_DUE_SOON_FOLLOWUPS, params):
        row = rows.setdefault(
            followup.staff, _row(followup.staff, followup.manager, followup.capacity)
        )
        row["followups_due_30"] += 1
        due_soon += 1
    for row in rows.values():
        row["over_capacity"] = (
            row["capacity"] is not None and row["weighted_load"] > row["capacity"]
        )
    # Managers by name (Estonian order), namesakes by reference, "(none)" last.
    managers = sorted(
        rows.values(),
        key=lambda r: (r["staff"] is None, collation_key(r["manager"]), r["staff"] or ""),
    )
    return Report(
        name="workload",
        title=TITLE,
        municipality=municipality(session),
        as_of=as_of,
        figures=[
            Figure("open_cases", N_("Open cases"), by_model.total()),
            Figure("open_rv", N_("Open RV cases"), by_model["rv"]),
            Figure("open_neet", N_("Open NEET cases"), by_model["neet"]),
            Figure(
                "followups_overdue",
                N_("Follow-ups overdue"),
                overdue,
            ),
            Figure("followups_due_30", N_("Follow-ups due in 30 days"), due_soon),
            Figure("stale_lights", N_("Situations assessed over 90 days ago"), stale),
            Figure(
                "weighted_load",
                N_("Weighted load"),
                sum(r["weighted_load"] for r in managers),
                count=False,
            ),
            Figure(
                "over_capacity",
                N_("Case managers over capacity"),
                sum(r["over_capacity"] for r in managers),
                count=False,  # staff, not youths: nothing to suppress
            ),
        ],
        breakdowns=[
            Breakdown(
                "by_model",
                N_("Open cases by model"),
                _counts(by_model, MODELS),
                MODELS,
                "open_cases",
                chart=True,
                codes=tuple(MODELS),
            ),
            Breakdown(
                "by_light",
                N_("Open NEET cases by traffic light"),
                _counts(by_light, LIGHTS),
                LIGHTS,
                "open_neet",
                chart=True,
                codes=tuple(LIGHTS),
            ),
            Breakdown(
                "by_risk",
                N_("Open RV cases by risk level"),
                _counts(by_risk, RISKS),
                RISKS,
                "open_rv",
                chart=True,
                codes=tuple(RISKS),
            ),
        ],
        listings=[Listing("managers", N_("Case managers"), COLUMNS, managers)],
        same=[("open_rv", "by_model.rv"), ("open_neet", "by_model.neet")],
    )
