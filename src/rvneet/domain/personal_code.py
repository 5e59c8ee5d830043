"""The Estonian personal identification code (*isikukood*), validated with python-stdnum."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rvneet.domain.enums import Sex
from rvneet.domain.errors import InvalidInput


@dataclass(frozen=True)
class PersonalCode:
    """A valid personal code with the birth date and sex it encodes."""

    code: str
    birth_date: date
    sex: Sex


def parse_personal_code(text: str) -> PersonalCode:
    """Validate `text` and derive birth date and sex.

    The error message never repeats the code: error output may end up in logs.
    """
    from stdnum import exceptions
    from stdnum.ee import ik

    try:
        code = ik.validate(text)
        birth_date = ik.get_birth_date(code)
        sex = Sex(ik.get_gender(code))
    except exceptions.InvalidLength:
        raise InvalidInput("invalid personal code: it must have 11 digits") from None
    except exceptions.InvalidFormat:
        raise InvalidInput("invalid personal code: it must have 11 digits") from None
    except exceptions.InvalidComponent:
        raise InvalidInput(
            "invalid personal code: its century digit or birth date is impossible"
        ) from None
    except exceptions.InvalidChecksum:
        raise InvalidInput("invalid personal code: the check digit is wrong") from None
    return PersonalCode(code, birth_date, sex)
