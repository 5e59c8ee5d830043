"""Plain records for `--format json` output of the commands that create something."""

import datetime as dt
from typing import Any

from sqlmodel import SQLModel


def plain(obj: SQLModel, **refs: Any) -> dict[str, Any]:
    """The columns of `obj` as JSON-ready values, with the references in `refs` first.

    Internal ids (`id`, `case_id`, ...) are left out: scripts use the references.
    """
    values = {
        key: value.isoformat() if isinstance(value, dt.date) else value
        for key, value in obj.model_dump().items()
        if key != "id" and not key.endswith("_id")
    }
    return {**refs, **values}
