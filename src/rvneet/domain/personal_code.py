"""The Estonian personal identification code (*isikukood*), validated with python-stdnum."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from operator import mul

from rvneet.domain.enums import Sex
from rvneet.domain.errors import InvalidInput
from rvneet.i18n import N_, _, translate


@dataclass(frozen=True)
class PersonalCode:
    """A valid personal code with the birth date and sex it encodes."""

    code: str
    birth_date: date
    sex: Sex


# The first digit: the century of birth and the sex (1/2 = 1800s, 3/4 = 1900s, 5/6 = 2000s, ...).
_CENTURY_SEX = {
    "1": (1800, Sex.M),
    "2": (1800, Sex.F),
    "3": (1900, Sex.M),
    "4": (1900, Sex.F),
    "5": (2000, Sex.M),
    "6": (2000, Sex.F),
    "7": (2100, Sex.M),
    "8": (2100, Sex.F),
}


@lru_cache(
    maxsize=16
)  # input validation parses a code twice: for itself, then with birth date and sex
def parse_personal_code(text: str) -> PersonalCode:
    """Validate `text` and derive birth date and sex.

    The error message never repeats the code: error output may end up in logs.
    """
    if len(text) == 11 and text.isascii() and text.isdigit():
        # The form every file and register uses. stdnum's own path cleans the text four times,
        # which costs most of a 100 000-row import; a test checks both paths agree on every code.
        known = _CENTURY_SEX.get(text[0])
        if known is not None:
            century, sex = known
            try:
                birth_date = date(century + int(text[1:3]), int(text[3:5]), int(text[5:7]))
            except ValueError:
                birth_date = None
            if birth_date is not None and _check_digit(text) == text[-1]:
                return PersonalCode(text, birth_date, sex)
    return _parse_with_stdnum(text)


_WEIGHTS_1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 1)
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 1, 2, 3)
# The digits are summed as their ASCII codes (no int() for each): what the codes add, taken off.
_OFFSET_1, _OFFSET_2 = ord("0") * sum(_WEIGHTS_1), ord("0") * sum(_WEIGHTS_2)


def _check_digit(digits: str) -> str:
    """stdnum's `ik.calc_check_digit` unrolled for 11 ASCII digits (a third of its time); the
    property test of the fast path compares the two on every code it draws."""
    codes = digits[:10].encode("ascii")
    check = (sum(map(mul, _WEIGHTS_1, codes)) - _OFFSET_1) % 11
    if check == 10:
        check = (sum(map(mul, _WEIGHTS_2, codes)) - _OFFSET_2) % 11
    return str(check % 10)


def _parse_with_stdnum(text: str) -> PersonalCode:
    """The full path through python-stdnum, which also names what is wrong with a bad code."""
    from stdnum import exceptions
    from stdnum.ee import ik

    try:
        code = ik.validate(text)
        birth_date = ik.get_birth_date(code)
        sex = Sex(ik.get_gender(code))
    except exceptions.InvalidLength:
        raise InvalidInput(_("invalid personal code: it must have 11 digits")) from None
    except exceptions.InvalidFormat:
        raise InvalidInput(_("invalid personal code: it must have 11 digits")) from None
    except exceptions.InvalidComponent:
        raise InvalidInput(
            _("invalid personal code: its century digit or birth date is impossible")
        ) from None
    except exceptions.InvalidChecksum:
        raise InvalidInput(_("invalid personal code: the check digit is wrong")) from None
    return PersonalCode(code, birth_date, sex)


# What a personal code looks like in free text: eleven digits standing alone, written as the parser
# accepts them (spaces of any kind between the digits, full-width or other Unicode digits) or with
# hyphens. Any such run is hidden, valid or not, because a mistyped code is personal data all the
# same. A run of digits and separators is cut into its groups, and every stretch of whole groups
# that holds exactly eleven digits is hidden (all of "Y-0001 509 1118 0124" after the "Y-": which
# eleven digits are the code cannot be told).
_SEPARATORS = r"[^\S\n]|[\-\u00ad\u2010-\u2015\u2212\ufe63\uff0d]"
_RUN = re.compile(rf"(?<!\d)\d(?:(?:{_SEPARATORS})*\d)*(?!\d)")
_GROUP = re.compile(r"\d+")
CODE_DIGITS = 11
REDACTED_CODE = N_("<personal code>")
# 32 or more lower-case hex characters, at least one a letter, standing alone: a digest.
_HASH = re.compile(r"(?<![0-9A-Za-z])(?=[0-9]*[a-f])[0-9a-f]{32,}(?![0-9A-Za-z])")


def _redact_run(run: str, marker: str) -> str:
    groups = [(m.start(), m.end()) for m in _GROUP.finditer(run)]
    if sum(end - start for start, end in groups) < CODE_DIGITS:
        return run
    # Every stretch of whole groups holding exactly eleven digits; overlapping ones become one.
    hidden: list[list[int]] = []
    for first in range(len(groups)):
        digits = 0
        for last in range(first, len(groups)):
            digits += groups[last][1] - groups[last][0]
            if digits >= CODE_DIGITS:
                break
        if digits != CODE_DIGITS:
            continue
        if hidden and first <= hidden[-1][1] + 1:
            hidden[-1][1] = last
        else:
            hidden.append([first, last])
    for first, last in reversed(hidden):
        run = run[: groups[first][0]] + marker + run[groups[last][1] :]
    return run


def redact_codes(text: str) -> str:
    """`text` with anything that looks like a personal code (11 digits, also spaced, hyphenated or
    in other Unicode digits) replaced by a marker, in the language of messages (`<isikukood>` in
    Estonian)."""
    if not any(c.isdigit() for c in text):
        return text
    marker = translate(REDACTED_CODE)

    def hidden(part: str) -> str:
        return _RUN.sub(lambda match: _redact_run(match.group(), marker), part)

    parts = []
    at = 0
    # A hash in hex (the audit log's, 64 characters) is no code, though eleven of its digits may
    # stand between two letters: it is kept whole, and only the text around it is searched.
    for found in _HASH.finditer(text):
        parts += [hidden(text[at : found.start()]), found.group()]
        at = found.end()
    parts.append(hidden(text[at:]))
    return "".join(parts)
