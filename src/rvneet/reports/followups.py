"""The 6-month follow-ups (*järelsuhtlus*) due in a period: done, skipped, overdue, and their outcomes.

The NEET model (Table 1) evaluates how a youth's needs were resolved by contacting them again six
months after the case closed. This report takes the follow-ups whose due date falls in the period
and reads them as they stood on its last day:

- done: recorded as done on or before the period's last day (the outcome counts are of these: the
  youth reached, and in education or employment then);
- skipped: skipped (a skip carries no date, so a follow-up skipped after the period shows as skipped
  too; a reopened case's follow-up is skipped with the reason "case reopened");
- overdue: neither, at the period's end — including one due on its last day.

So done + skipped + overdue = due, overall and for each model. The listing names cases by their
reference only: never a youth's name or personal code.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from rvneet.domain.period import Period
from rvneet.i18n import N_
from rvneet.reports.model import Breakdown, Column, Figure, Listing, Report
from rvneet.services.settings import municipality

DONE, SKIPPED, OVERDUE = "done", "skipped", "overdue"
OUTCOMES = ("reached", "in_education", "in_employment")

_DUE_IN_PERIOD = text(
    """
    SELECT c.ref, c.model, f.due, f.status, f.done_on, f.reached, f.in_education, f.in_employment
      FROM followups f JOIN cases c ON c.id = f.case_id
     WHERE f.due BETWEEN :start AND :end AND f.withdrawn_at IS NULL
     ORDER BY f.due, c.ref
    """
)

TITLE = N_("Follow-ups 6 months after closing")
MODELS = {"rv": N_("Ringist välja"), "neet": N_("NEET")}
STATUSES = {
    DONE: N_("done"),
    SKIPPED: N_("skipped"),
    OVERDUE: N_("overdue"),
}
# Figure key → its label; the by-model breakdown of each is `<key>_by_model` (but `by_model` for all).
FIGURES = {
    "followups_due": N_("Follow-ups due in the period"),
    DONE: N_("Done by the period's end"),
    SKIPPED: N_("Skipped"),
    OVERDUE: N_("Overdue at the period's end"),
    "reached": N_("Done: youth reached"),
    "in_education": N_("Done: in education"),
    "in_employment": N_("Done: in employment"),
}
# Each figure's breakdown by model: the figure's label, then "by model".
BY_MODEL = {
    "followups_due": N_("Follow-ups due in the period, by model"),
    DONE: N_("Done by the period's end, by model"),
    SKIPPED: N_("Skipped, by model"),
    OVERDUE: N_("Overdue at the period's end, by model"),
    "reached": N_("Done: youth reached, by model"),
    "in_education": N_("Done: in education, by model"),
    "in_employment": N_("Done: in employment, by model"),
}
COLUMNS = [
    Column("case", N_("Case")),
    Column("model", N_("Model"), {"rv": N_("RV"), "neet": N_("NEET")}),
    Column("due", N_("Due")),
    Column("status", N_("Status"), STATUSES),
    Column("done_on", N_("Done on")),
    Column("reached", N_("Reached")),
    Column("in_education", N_("In education")),
    Column("in_employment", N_("In employment")),
]


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(value)) if value is not None else None


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def status_at(status: str, done_on: dt.date | None, end: dt.date) -> str:
    """A follow-up's status on the period's last day (`end`)."""
    if status == DONE and (done_on is None or done_on <= end):
        return DONE
    if status == SKIPPED:
        return SKIPPED
    return OVERDUE


def build_followups(session: Session, period: Period) -> Report:
    """The follow-ups due in `period`; `reports.model.to_data` gives its JSON shape."""
    params = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    counts: dict[str, Counter[str]] = {key: Counter() for key in FIGURES}
    listing = []
    for row in session.execute(_DUE_IN_PERIOD, params):
        done_on = _date(row.done_on)
        status = status_at(row.status, done_on, period.end)
        done = status == DONE
        outcome = {
            "reached": _flag(row.reached) if done else None,
            "in_education": _flag(row.in_education) if done else None,
            "in_employment": _flag(row.in_employment) if done else None,
        }
        counts["followups_due"][row.model] += 1
        counts[status][row.model] += 1
        for key, value in outcome.items():
            counts[key][row.model] += bool(value)
        listing.append(
            {
                "case": row.ref,
                "model": row.model,
                "due": _date(row.due).isoformat(),  # type: ignore[union-attr]
                "status": status,
                "done_on": done_on.isoformat() if done and done_on else None,
                **outcome,
            }
        )
    by_status: dict[str, int | str] = {s: counts[s].total() for s in STATUSES}
    breakdowns = [
        Breakdown(
            "by_status",
            N_("By status at the period's end"),
            by_status,
            STATUSES,
            "followups_due",
            chart=True,
            codes=tuple(STATUSES),
        ),
    ]
    for key in FIGURES:
        by_model: dict[str, int | str] = {m: counts[key][m] for m in MODELS}
        breakdowns.append(
            Breakdown(
                "by_model" if key == "followups_due" else f"{key}_by_model",
                BY_MODEL[key],
                by_model,
                MODELS,
                key,
                chart=key == "followups_due",
                codes=tuple(MODELS),
            )
        )
    return Report(
        name="followups",
        title=TITLE,
        municipality=municipality(session),
        period=period,
        figures=[Figure(key, label, counts[key].total()) for key, label in FIGURES.items()],
        breakdowns=breakdowns,
        listings=[Listing("followups", N_("Follow-ups due"), COLUMNS, listing)],
        # Due by model = done + skipped + overdue of that model; the statuses are figures too.
        relations=[(f"by_model.{m}", tuple(f"{s}_by_model.{m}" for s in STATUSES)) for m in MODELS],
        same=[(s, f"by_status.{s}") for s in STATUSES],
        # Of those done, reached (in education, in employment): the rest is never shown.
        remainders=[
            (f"{DONE}{model}", (f"{outcome}{model}",))
            for outcome in OUTCOMES
            for model in ("", *(f"_by_model.{m}" for m in MODELS))
        ],
    )
