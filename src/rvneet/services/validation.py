"""Turn pydantic's validation errors into the one-line messages users read."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from rvneet.domain.errors import InvalidInput
from rvneet.i18n import N_, message_language, translate

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


# Pydantic's own messages for the constraints of domain/inputs.py, by error type, with the fields of
# the error's context. English keeps pydantic's text as it is; these are its Estonian, by way of the
# catalog. A type not listed keeps pydantic's (English) text.
_MESSAGES = {
    "missing": N_("Field required"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "greater_than": N_("Input should be greater than {gt}"),
    "less_than": N_("Input should be less than {lt}"),
    "int_parsing": N_("Input should be a valid integer"),
    "int_from_float": N_("Input should be a valid integer"),
    "int_type": N_("Input should be a valid integer"),
    "date_parsing": N_("Input should be a valid date"),
    "date_from_datetime_parsing": N_("Input should be a valid date"),
    "date_type": N_("Input should be a valid date"),
    "bool_parsing": N_("Input should be a valid boolean"),
    "string_type": N_("Input should be a valid string"),
    "string_too_short": N_("String should have at least {min_length} characters"),
    "string_too_long": N_("String should have at most {max_length} characters"),
}


def _message(item: Any) -> str:
    """The problem of one pydantic error item in the message language."""
    message = str(item["msg"]).removeprefix("Value error, ")
    template = _MESSAGES.get(str(item.get("type")))
    if message_language() != "et" or template is None:
        return message
    try:
        return translate(template).format(**(item.get("ctx") or {}))
    except (KeyError, IndexError):
        return message  # a context without the fields the template names: pydantic's own words


def _option(field: str) -> str:
    return _OPTION_NAMES.get(field, "--" + field.replace("_", "-"))


def describe(error: ValidationError) -> str:
    """One line: each problem as `--option: reason`, or just the reason for whole-record rules."""
    parts = []
    for item in error.errors():
        message = _message(item)
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
