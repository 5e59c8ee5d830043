"""The caseload of each case manager on one day: open cases by model, traffic light and risk level.

The NEET model plans each case manager's workload by the traffic light of their cases' situations
(red needs the fastest response and most resources). The report reads the book as it stood on the
as-of day (see `services.asof`):

- a case is open on the day when it started on or before it and was not closed on or before it
  (a case closed on the day is not open on it; a reopened case was closed between its closing and
  its reopening);
- its light or risk level is its latest assessment dated on or before the day;
- a follow-up is overdue on the day when it was due before it and was neither done by then nor
  skipped.

Case managers are staff, named as recorded on the case; cases without one are under "(none)".
Youths appear in no part of it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from rvneet.i18n import N_
from rvneet.reports.model import Breakdown, Column, Figure, Listing, Report
from rvneet.services.asof import FOLLOWUP_OVERDUE_ON_DAY, LEVEL_ON_DAY, OPEN_ON_DAY, iso
from rvneet.services.settings import municipality

NO_MANAGER = "(none)"
# Recorded as a case manager but meaning nobody.
_NOBODY = frozenset({"", "-", "—", "–"})
NO_LEVEL = "none"

_OPEN_CASES = text(
    f"""
    SELECT c.ref, c.model, c.manager, {LEVEL_ON_DAY} AS level
      FROM cases c
     WHERE {OPEN_ON_DAY}
     ORDER BY c.ref
    """
)
_OVERDUE_FOLLOWUPS = text(
    f"""
    SELECT c.ref, c.manager
      FROM followups f JOIN cases c ON c.id = f.case_id
     WHERE {FOLLOWUP_OVERDUE_ON_DAY}
     ORDER BY f.due, c.ref
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
COLUMNS = [
    Column(
        "manager",
        N_("Case manager"),
        {NO_MANAGER: N_("(none)")},
    ),
    Column("open_rv", N_("RV open")),
    Column("open_neet", N_("NEET open")),
    Column("rv_high", N_("RV high")),
    Column("rv_medium", N_("RV medium")),
    Column("neet_red", N_("NEET red")),
    Column("neet_yellow", N_("NEET yellow")),
    Column("neet_green", N_("NEET green")),
    Column("followups_overdue", N_("Follow-ups overdue")),
    Column("open_total", N_("Open total")),
]
_COUNTS = [c.field for c in COLUMNS[1:]]


def manager_name(recorded: str | None) -> str:
    """The case manager as the report groups them: stripped, and "(none)" when nobody is recorded."""
    name = (recorded or "").strip()
    return NO_MANAGER if name in _NOBODY else name


def _row(manager: str) -> dict[str, Any]:
    return {"manager": manager, **dict.fromkeys(_COUNTS, 0)}


def _counts(counter: Counter[str], known: dict[str, str]) -> dict[str, int | str]:
    """Every known value (zeros too), and "none" only when some case has no assessment."""
    return {k: counter[k] for k in known if k != NO_LEVEL or counter[k]}


def build_workload(session: Session, as_of: dt.date) -> Report:
    """The caseload of each case manager on `as_of`; `reports.model.to_data` gives its JSON shape."""
    params = {"day": iso(as_of)}
    rows: dict[str, dict[str, Any]] = {}
    by_model: Counter[str] = Counter()
    by_light: Counter[str] = Counter()
    by_risk: Counter[str] = Counter()
    for case in session.execute(_OPEN_CASES, params):
        row = rows.setdefault(manager_name(case.manager), _row(manager_name(case.manager)))
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
    overdue = 0
    for followup in session.execute(_OVERDUE_FOLLOWUPS, params):
        name = manager_name(followup.manager)
        rows.setdefault(name, _row(name))["followups_overdue"] += 1
        overdue += 1
    # Managers by name, "(none)" last.
    managers = sorted(rows.values(), key=lambda r: (r["manager"] == NO_MANAGER, r["manager"]))
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
