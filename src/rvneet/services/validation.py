"""Turn pydantic's validation errors into the one-line messages users read."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from rvneet.domain.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


# Input fields whose command-line option has another name; the rest are `--field-name`.
_OPTION_NAMES = {
    "needs": "--need",
    "domains": "--domain",
    "with_roles": "--with",
    "network_meeting": "--network",
    "in_education": "--education",
    "in_employment": "--employment",
}


def _option(field: str) -> str:
    return _OPTION_NAMES.get(field, "--" + field.replace("_", "-"))


def describe(error: ValidationError) -> str:
    """One line: each problem as `--option: reason`, or just the reason for whole-record rules."""
    parts = []
    for item in error.errors():
        message = str(item["msg"]).removeprefix("Value error, ")
        loc = [str(p) for p in item["loc"]]
        field = _option(loc[0]) + "".join(f"[{p}]" for p in loc[1:]) if loc else ""
        parts.append(f"{field}: {message}" if field else message)
    return "; ".join(parts)


def validated(schema: type[M], /, **data: Any) -> M:
    """Build `schema` from `data` or raise InvalidInput with a readable message."""
    try:
        return schema(**data)
    except ValidationError as exc:
        raise InvalidInput(describe(exc)) from None
