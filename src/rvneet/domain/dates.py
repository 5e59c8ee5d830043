"""The days rvneet takes: 1900-01-01 to 2099-12-31.

A case of the year 1 would get the reference RV-1-001, and ages and periods computed from such a
day mean nothing. The youths rvneet serves were born after 1900, every record is dated in their
lifetime, and nothing is planned past 2099, so a day outside these years is a typing error.
"""

from __future__ import annotations

import datetime as dt

from rvneet.i18n import _

FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)


def check_day(day: dt.date) -> dt.date:
    """`day` itself; ValueError (one line, in the message language) when it is outside the years."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(
            _("{day} is outside the years {first} to {last}").format(
                day=day.isoformat(), first=FIRST_DAY.year, last=LAST_DAY.year
            )
        )
    return day
