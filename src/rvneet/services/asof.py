"""What the book said on a given day: SQL conditions shared by the as-of reports and `rvneet check`.

Each is a fragment of a WHERE clause over `cases c` (or `followups f`) with a `:day` parameter,
written as an ISO date. Records dated after the day are never seen, so a report or a check as of a
past day reads the same whenever it is made — except for skipped follow-ups, which carry no date.
"""

from __future__ import annotations

import datetime as dt

# Open on the day: started on or before it, and not closed on or before it. A case closed on the day
# is no longer open on it. A reopened case was closed from its previous end until its reopening
# (the closings undone are kept in `reopenings`).
OPEN_ON_DAY = """
    c.start_date <= :day AND (c.end_date IS NULL OR c.end_date > :day)
    AND NOT EXISTS (SELECT 1 FROM reopenings r
                     WHERE r.case_id = c.id AND r.previous_end <= :day AND r.date > :day)
"""

# Active in a period [:start, :end]: opened on or before its last day, not closed before its first.
ACTIVE_IN_PERIOD = "c.start_date <= :end AND (c.end_date IS NULL OR c.end_date >= :start)"

# The case's risk level (RV) or traffic light (NEET): its latest assessment of that kind dated on or
# before the day (the level given at opening is the first one); NULL when there is none.
_LEVEL = "CASE c.model WHEN 'rv' THEN a.risk ELSE a.light END"
LEVEL_ON_DAY = f"""
    (SELECT {_LEVEL} FROM assessments a
      WHERE a.case_id = c.id AND a.date <= :day AND {_LEVEL} IS NOT NULL
        AND a.withdrawn_at IS NULL
      ORDER BY a.date DESC, a.id DESC LIMIT 1)
"""

# Withdrawn records (services.corrections) are never seen.
# Overdue on the day: due before it, and neither done on or before it nor skipped. A follow-up due on
# the day itself is due, not yet overdue (as in `rvneet followup due`, where it is 0 days overdue).
FOLLOWUP_OVERDUE_ON_DAY = """
    f.due < :day AND f.withdrawn_at IS NULL
    AND (f.status = 'due' OR (f.status = 'done' AND f.done_on > :day))
"""


def iso(day: dt.date) -> str:
    """A date as the SQL parameters above take it."""
    return day.isoformat()
