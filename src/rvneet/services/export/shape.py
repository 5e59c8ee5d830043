"""What an export file holds: its header, its tables in order, the kind of each column, and the
file an export may be written to."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Table, TypeDecorator

from rvneet.domain.errors import InvalidInput
from rvneet.domain.tables import AUDITED, metadata
from rvneet.files.output import check_output
from rvneet.i18n import _

FORMAT = "rvneet-export"
VERSION = 1
HEADER_KEYS = ("format", "version", "schema", "municipality", "pseudonymized")
FORMATS = ("json", "xlsx")
# The audit trail stays with the database (a copy of the database file keeps it); Alembic's own
# table is the schema revision, given in the header.
EXCLUDED_TABLES = frozenset({"audit_log", "alembic_version"})
META_SHEET = "export"
XLSX_MAX_ROWS = 1_048_575  # a sheet's rows, less the header

# Called with the number of rows handled so far, so the command line can show progress.
Progress = Callable[[int], None]

BATCH = 1000  # rows read or written at a time, and how often progress is told
AUDITED_TABLES = {model.__tablename__: model for model in AUDITED}


def export_tables() -> list[Table]:
    """The tables an export holds, parents before children (ties by name, so always in one order)."""
    tables = [t for t in metadata.sorted_tables if t.name not in EXCLUDED_TABLES]
    return sorted(tables, key=lambda t: t.name != "settings")  # stable: settings, then the book


def export_format(path: Path, given: str | None = None) -> str:
    """`json` or `xlsx`: the one asked for, else the file name's extension."""
    if given:
        return given
    suffix = path.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise InvalidInput(
        _("cannot tell the format of {name} from its extension; give --format json or xlsx").format(
            name=path.name
        )
    )


def check_target(target: Path, *, force: bool, database: Path | None = None) -> Path:
    """The file to write: refuses one that exists without `force`, the database or its files, a
    folder, a device, and a symbolic link without `force` (`files.output.check_output`)."""
    target = check_output(target, database=database, force=force)
    if target.exists() and not force:
        raise InvalidInput(_("{target} exists; add --force to overwrite it").format(target=target))
    if not os.access(target.parent, os.W_OK):
        raise InvalidInput(
            _("cannot write {target}: folder {folder} is not writable").format(
                target=target, folder=target.parent
            )
        )
    return target


def column_kind(table: Table, column: str) -> str:
    """The kind of value a column holds: str, int, bool or date (SQLModel's text is AutoString)."""
    kinds = {bool: "bool", int: "int", str: "str", dt.date: "date"}
    kind = table.c[column].type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    try:
        return kinds[kind.python_type]
    except (KeyError, NotImplementedError):
        raise TypeError(f"{table.name}.{column}: no export conversion for its type") from None
