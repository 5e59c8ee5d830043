"""Short references of the records of a case, typed to correct or withdraw one (`C-12`).

Each kind has its letter. Goals (`G-2`), activities (`P-3`) and support requests (`R-1`) keep the
number they have within their case; the others are numbered by the book (their row id), so a
reference never changes and is never given twice. The letters differ from the book's own
references: `Y-` youths, `M-` network members, `S-` staff.
"""

from __future__ import annotations

import re
from typing import Any

from rvneet.domain.tables import (
    Assessment,
    Consent,
    Contact,
    FollowUp,
    Goal,
    NeedsAssessment,
    StageChange,
    SupportActivity,
    SupportRequest,
)

# Letter → table; the kinds numbered within their case use `number`, the others `id`.
KINDS: dict[str, Any] = {
    "A": Assessment,
    "T": StageChange,
    "C": Contact,
    "N": NeedsAssessment,
    "G": Goal,
    "P": SupportActivity,
    "K": Consent,
    "R": SupportRequest,
    "F": FollowUp,
}
NUMBERED = frozenset({"G", "P", "R"})
_LETTER = {table: letter for letter, table in KINDS.items()}
_REF = re.compile(r"\s*([A-Za-z])\s*-?\s*(\d{1,9})\s*")


def record_ref(record: Any) -> str:
    """The short reference of a record of a case: `C-12`, `G-2`."""
    letter = _LETTER[type(record)]
    return f"{letter}-{record.number if letter in NUMBERED else record.id}"


def parse_record_ref(text: str) -> tuple[str, int] | None:
    """(letter, number) of a typed reference (`C-12`, `c12`), or None when it is not one."""
    match = _REF.fullmatch(text)
    if match is None or match.group(1).upper() not in KINDS:
        return None
    return match.group(1).upper(), int(match.group(2))
