"""Completion of references from the book, for the shell (`rvneet --install-completion`) and for
`rvneet shell`: youths, cases, network members, staff, and the goals and activities of a case.

Each function is a Typer `autocompletion` callback: (ctx, incomplete) → the values to offer. They
read the book named by `--db` / `RVNEET_DB` with one small query (rvneet.services.completion) and
offer nothing, never an error, when it cannot be read.
"""

from pathlib import Path

import typer


def _book(ctx: typer.Context) -> tuple[Path | str, str | None]:
    """The book's path (`--db`, `RVNEET_DB` or the default) or PostgreSQL URL, and its key if
    known."""
    from rvneet.db import resolve_location
    from rvneet.encryption import key_from_env

    root = ctx.find_root()
    path = resolve_location(root.params.get("db"))
    keys = root.obj.get("rvneet.keys", {}) if isinstance(root.obj, dict) else {}
    return path, keys.get(path) or key_from_env()  # in rvneet shell, the key typed once


def _references(ctx: typer.Context, kind: str, incomplete: str) -> list[str]:
    from rvneet.services.completion import references

    try:
        path, key = _book(ctx)
    except Exception:
        return []
    return references(path, key, kind, incomplete)


def complete_youth(ctx: typer.Context, incomplete: str) -> list[str]:
    """Youth references (Y-0001)."""
    return _references(ctx, "youth", incomplete)


def complete_case(ctx: typer.Context, incomplete: str) -> list[str]:
    """Case references (RV-2025-001, NEET-2025-001), open cases first."""
    return _references(ctx, "case", incomplete)


def complete_member(ctx: typer.Context, incomplete: str) -> list[str]:
    """Network member references (M-001), retired members left out."""
    return _references(ctx, "member", incomplete)


def complete_staff(ctx: typer.Context, incomplete: str) -> list[str]:
    """Staff references (S-0001) of the staff register; nothing in a book without one.

    The hook for every option that names a staff member (`--manager`).
    """
    return _references(ctx, "staff", incomplete)


def complete_record(ctx: typer.Context, incomplete: str) -> list[str]:
    """A youth or a case reference."""
    return complete_youth(ctx, incomplete) + complete_case(ctx, incomplete)


def _numbers(ctx: typer.Context, kind: str) -> list[str]:
    from rvneet.services.completion import numbers

    case_ref = ctx.params.get("ref")  # the case, typed before the goal or activity
    if not isinstance(case_ref, str) or not case_ref:
        return []
    try:
        path, key = _book(ctx)
    except Exception:
        return []
    return numbers(path, key, kind, case_ref)


def complete_goal(ctx: typer.Context, incomplete: str) -> list[str]:
    """The numbers of the goals of the case given before (`plan goal done RV-2025-001 <Tab>`)."""
    return _numbers(ctx, "goal")


def complete_activity(ctx: typer.Context, incomplete: str) -> list[str]:
    """The numbers of the support activities of the case given before."""
    return _numbers(ctx, "activity")
