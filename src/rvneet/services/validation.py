"""Turn pydantic's validation errors into the one-line messages users read."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from rvneet.domain.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


def describe(error: ValidationError) -> str:
    """One line: each problem as `field: reason`, or just the reason for whole-record rules."""
    parts = []
    for item in error.errors():
        message = str(item["msg"]).removeprefix("Value error, ")
        field = ".".join(str(p) for p in item["loc"])
        parts.append(f"{field}: {message}" if field else message)
    return "; ".join(parts)


def validated(schema: type[M], /, **data: Any) -> M:
    """Build `schema` from `data` or raise InvalidInput with a readable message."""
    try:
        return schema(**data)
    except ValidationError as exc:
        raise InvalidInput(describe(exc)) from None
