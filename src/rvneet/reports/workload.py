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

from rvneet.reports.model import Breakdown, Column, Figure, Label, Listing, Report
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

TITLE = Label("Caseload by case manager", "Juhtumikorraldajate koormus")
MODELS = {"rv": Label("Ringist välja", "Ringist välja"), "neet": Label("NEET", "NEET")}
LIGHTS = {
    "red": Label("red situation", "punane olukord"),
    "yellow": Label("yellow situation", "kollane olukord"),
    "green": Label("green situation", "roheline olukord"),
    NO_LEVEL: Label("not assessed", "hindamata"),
}
RISKS = {
    "high": Label("high risk", "kõrge risk"),
    "medium": Label("medium risk", "keskmine risk"),
    NO_LEVEL: Label("not assessed", "hindamata"),
}
COLUMNS = [
    Column(
        "manager",
        Label("Case manager", "Juhtumikorraldaja"),
        {NO_MANAGER: Label(NO_MANAGER, "(määramata)")},
    ),
    Column("open_rv", Label("RV open", "RV avatud")),
    Column("open_neet", Label("NEET open", "NEET avatud")),
    Column("rv_high", Label("RV high", "RV kõrge")),
    Column("rv_medium", Label("RV medium", "RV keskmine")),
    Column("neet_red", Label("NEET red", "NEET punane")),
    Column("neet_yellow", Label("NEET yellow", "NEET kollane")),
    Column("neet_green", Label("NEET green", "NEET roheline")),
    Column("followups_overdue", Label("Follow-ups overdue", "Järelsuhtlus üle tähtaja")),
    Column("open_total", Label("Open total", "Avatud kokku")),
]
_COUNTS = [c.field for c in COLUMNS[1:]]


def manager_name(recorded: str | None) -> str:
    """The case manager as the report groups them: stripped, and "(none)" when nobody is recorded."""
    name = (recorded or "").strip()
    return NO_MANAGER if name in _NOBODY else name


def _row(manager: str) -> dict[str, Any]:
    return {"manager": manager, **dict.fromkeys(_COUNTS, 0)}


def _counts(counter: Counter[str], known: dict[str, Label]) -> dict[str, int | str]:
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
            Figure("open_cases", Label("Open cases", "Avatud juhtumid"), by_model.total()),
            Figure("open_rv", Label("Open RV cases", "Avatud RV juhtumid"), by_model["rv"]),
            Figure("open_neet", Label("Open NEET cases", "Avatud NEET juhtumid"), by_model["neet"]),
            Figure(
                "followups_overdue",
                Label("Follow-ups overdue", "Järelsuhtlused üle tähtaja"),
                overdue,
            ),
        ],
        breakdowns=[
            Breakdown(
                "by_model",
                Label("Open cases by model", "Avatud juhtumid mudeli järgi"),
                _counts(by_model, MODELS),
                MODELS,
                "open_cases",
                chart=True,
            ),
            Breakdown(
                "by_light",
                Label("Open NEET cases by traffic light", "Avatud NEET juhtumid valgusfoori järgi"),
                _counts(by_light, LIGHTS),
                LIGHTS,
                "open_neet",
                chart=True,
            ),
            Breakdown(
                "by_risk",
                Label("Open RV cases by risk level", "Avatud RV juhtumid riskitaseme järgi"),
                _counts(by_risk, RISKS),
                RISKS,
                "open_rv",
                chart=True,
            ),
        ],
        listings=[
            Listing("managers", Label("Case managers", "Juhtumikorraldajad"), COLUMNS, managers)
        ],
    )
