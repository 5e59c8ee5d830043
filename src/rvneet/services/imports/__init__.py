"""Batch imports (*andmete import*): a file of youths, cases, assessments or contacts, all or nothing.

`run_import` opens the file and one write transaction, hands both to the importer of the kind, and
commits only when no row was refused and it is not a dry run.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rvneet.services.imports.base import DryRun, ImportRefused, ImportResult, Progress

if TYPE_CHECKING:
    from sqlmodel import Session

    from rvneet.db import Database
    from rvneet.files.read import Table

Importer = Callable[..., None]

# kind -> "module:function"; each takes (session, table, result, progress, **options).
IMPORTERS = {
    "youths": "rvneet.services.imports.youths:import_youths",
    "cases": "rvneet.services.imports.casework:import_cases",
    "assessments": "rvneet.services.imports.casework:import_assessments",
    "contacts": "rvneet.services.imports.casework:import_contacts",
    "ngts": "rvneet.services.imports.ngts:import_ngts",
}


def importer(kind: str) -> Importer:
    """The import function for `kind`."""
    module, _, name = IMPORTERS[kind].partition(":")
    function: Importer = getattr(import_module(module), name)
    return function


def run_import(
    db: Database,
    kind: str,
    path: Path,
    *,
    fmt: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    options: dict[str, Any] | None = None,
) -> ImportResult:
    """Import `path` as `kind` in one transaction; raises ImportRefused (nothing written) on bad rows."""
    from rvneet.files.read import open_table

    function = importer(kind)
    result = ImportResult(kind=kind, file=path.name, dry_run=dry_run)
    # A large import allocates millions of small objects and none in cycles; the cyclic collector
    # would walk them all again and again (a third of the time of 100 000 youths).
    collecting = gc.isenabled()
    gc.disable()
    try:
        with (
            open_table(path, fmt=fmt, encoding=encoding, sheet=sheet) as table,
            db.session(write=True) as session,
        ):
            run_in_session(function, session, table, result, progress, options)
    except DryRun:
        pass  # rolled back on purpose
    finally:
        if collecting:
            gc.enable()
    return result


def run_in_session(
    function: Importer,
    session: Session,
    table: Table,
    result: ImportResult,
    progress: Progress | None,
    options: dict[str, Any] | None,
) -> None:
    """Run an importer; raise to roll back when a row was refused or this is a dry run."""
    from rvneet.domain.access import Capability
    from rvneet.services.permissions import require

    # NGTS lists are the coordinator's to import; youths and case work the admin's.
    require(session, Capability.IMPORT_NGTS if function is importer("ngts") else Capability.IMPORT)
    function(session, table, result, progress, **(options or {}))
    if result.errors:
        result.errors.sort(key=lambda e: e.row)
        raise ImportRefused(result)
    if result.dry_run:
        raise DryRun(result)
