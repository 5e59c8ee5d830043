"""Hand-overs at the end of a case-manager age band, to plan before the birthday.

The NEET cooperation model (2022, the youth case manager's tasks) hands a youth on as they grow:
a NEET-risk youth of school age to the youth case manager on turning 17, and the cases of minors
led by child protection on coming of age (18) — the end of Ringist välja's 12–18 too. An open RV
case of a youth who turns 18, or an open NEET-risk case of one who turns 17, within the next 90
days or already has (on or after the case's start: a case opened past the age was opened so on
purpose), is a hand-over to plan (`rvneet today`, `rvneet check`) until it is made — the case
handed to another manager (`case reassign`) dated in those 90 days before the birthday or later —
or the case is closed. Closed cases never are. References and dates only, no name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from rvneet.services.asof import OPEN_ON_DAY, iso

# The age at which an open case's youth is handed on: RV (12–18) at 18, NEET-risk (14–19, led by
# child protection while a school-age minor) at 17.
HANDOVER_AGES = {("rv", None): 18, ("neet", "risk"): 17}
# A birthday this many days ahead (or passed) makes the hand-over one to plan now.
HANDOVER_DAYS = 90


def birthday(born: dt.date, age: int) -> dt.date:
    """The day someone born on `born` turns `age` (29 February: 1 March in common years, as
    `domain.rules.age_on` counts)."""
    try:
        return born.replace(year=born.year + age)
    except ValueError:
        return dt.date(born.year + age, 3, 1)


def handovers(
    session: Session, day: dt.date, manager_id: int | None = None
) -> list[dict[str, Any]]:
    """The hand-overs to plan as of `day` (of one case manager's cases when `manager_id` is given),
    by birthday then case, with stable keys: `case`, `model`, `neet_group`, `age` (the age of the
    hand-over), `birthday` (ISO), `days` (from the day to the birthday; 0 or less once it came) and
    `next` (the command to type)."""
    mine = "AND c.manager_id = :manager" if manager_id is not None else ""
    rows = session.execute(
        text(
            f"""
            SELECT c.ref, c.model, c.neet_group, c.start_date, y.birth_date,
                   (SELECT max(m.date) FROM manager_changes m
                     WHERE m.case_id = c.id AND m.date <= :day) AS handed
              FROM cases c JOIN youths y ON y.id = c.youth_id
             WHERE {OPEN_ON_DAY} {mine} AND y.birth_date IS NOT NULL
               AND (c.model = 'rv' OR c.neet_group = 'risk')
            """
        ),
        {"day": iso(day), "manager": manager_id},
    )
    found = []
    for row in rows:
        age = HANDOVER_AGES[(row.model, row.neet_group)]
        when = birthday(dt.date.fromisoformat(str(row.birth_date)), age)
        days = (when - day).days
        # Turning the age during the case: one opened past it was opened so on purpose.
        if days > HANDOVER_DAYS or when < dt.date.fromisoformat(str(row.start_date)):
            continue
        # Handed to another manager within the window (or since): the hand-over was made.
        window = when - dt.timedelta(days=HANDOVER_DAYS)
        if row.handed is not None and dt.date.fromisoformat(str(row.handed)) >= window:
            continue
        found.append(
            {
                "case": row.ref,
                "model": row.model,
                "neet_group": row.neet_group,
                "age": age,
                "birthday": when.isoformat(),
                "days": days,
                "next": f"rvneet case reassign {row.ref} --manager ... --date {when.isoformat()}",
            }
        )
    return sorted(found, key=lambda h: (h["birthday"], h["case"]))
