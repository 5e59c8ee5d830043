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
from rvneet.reports.model import Breakdown, Column, Figure, Label, Listing, Report
from rvneet.services.settings import municipality

DONE, SKIPPED, OVERDUE = "done", "skipped", "overdue"

_DUE_IN_PERIOD = text(
    """
    SELECT c.ref, c.model, f.due, f.status, f.done_on, f.reached, f.in_education, f.in_employment
      FROM followups f JOIN cases c ON c.id = f.case_id
     WHERE f.due BETWEEN :start AND :end
     ORDER BY f.due, c.ref
    """
)

TITLE = Label("Follow-ups 6 months after closing", "Järelsuhtlus 6 kuud pärast juhtumi lõppu")
MODELS = {"rv": Label("Ringist välja", "Ringist välja"), "neet": Label("NEET", "NEET")}
STATUSES = {
    DONE: Label("done", "tehtud"),
    SKIPPED: Label("skipped", "ära jäetud"),
    OVERDUE: Label("overdue", "tegemata"),
}
# Figure key → its label; the by-model breakdown of each is `<key>_by_model` (but `by_model` for all).
FIGURES = {
    "followups_due": Label(
        "Follow-ups due in the period", "Perioodil tähtaega jõudnud järelsuhtlused"
    ),
    DONE: Label("Done by the period's end", "Perioodi lõpuks tehtud"),
    SKIPPED: Label("Skipped", "Ära jäetud"),
    OVERDUE: Label("Overdue at the period's end", "Perioodi lõpus tegemata"),
    "reached": Label("Done: youth reached", "Tehtud: noorega saadi ühendust"),
    "in_education": Label("Done: in education", "Tehtud: õpib"),
    "in_employment": Label("Done: in employment", "Tehtud: töötab"),
}
COLUMNS = [
    Column("case", Label("Case", "Juhtum")),
    Column(
        "model", Label("Model", "Mudel"), {"rv": Label("RV", "RV"), "neet": Label("NEET", "NEET")}
    ),
    Column("due", Label("Due", "Tähtaeg")),
    Column("status", Label("Status", "Seis"), STATUSES),
    Column("done_on", Label("Done on", "Tehtud")),
    Column("reached", Label("Reached", "Ühendust saadi")),
    Column("in_education", Label("In education", "Õpib")),
    Column("in_employment", Label("In employment", "Töötab")),
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
            Label("By status at the period's end", "Seisu järgi perioodi lõpus"),
            by_status,
            STATUSES,
            "followups_due",
            chart=True,
        ),
    ]
    for key, label in FIGURES.items():
        by_model: dict[str, int | str] = {m: counts[key][m] for m in MODELS}
        breakdowns.append(
            Breakdown(
                "by_model" if key == "followups_due" else f"{key}_by_model",
                Label(f"{label.en}, by model", f"{label.et}, mudeli järgi"),
                by_model,
                MODELS,
                key,
                chart=key == "followups_due",
            )
        )
    return Report(
        name="followups",
        title=TITLE,
        municipality=municipality(session),
        period=period,
        figures=[Figure(key, label, counts[key].total()) for key, label in FIGURES.items()],
        breakdowns=breakdowns,
        listings=[
            Listing("followups", Label("Follow-ups due", "Järelsuhtlused"), COLUMNS, listing)
        ],
    )
