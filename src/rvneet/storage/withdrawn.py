"""Withdrawn records are left out of every ORM query of a session, unless it asks for them.

A withdrawn record (see `services.corrections`) is kept in its table, marked with `withdrawn_at`.
Rather than a filter in each of the many queries that list, count or schedule records, the session
adds `withdrawn_at IS NULL` to every ORM SELECT that reads a withdrawable table (in joins, subqueries
and aggregates too). A query that must see them — corrections, `case show --history`, numbering,
erasure — passes the execution option `SHOW_WITHDRAWN` or sets `session.info[SHOW_WITHDRAWN]`.
Raw SQL (`text()`, the reports and checks) filters by itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria
from sqlmodel import col

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
from rvneet.storage.audit import AuditedSession

SHOW_WITHDRAWN = "show_withdrawn"
WITHDRAWABLE: tuple[Any, ...] = (
    Assessment,
    StageChange,
    Contact,
    NeedsAssessment,
    Goal,
    SupportActivity,
    Consent,
    SupportRequest,
    FollowUp,
)
_HIDE = tuple(
    with_loader_criteria(table, col(table.withdrawn_at).is_(None), include_aliases=True)
    for table in WITHDRAWABLE
)


@event.listens_for(AuditedSession, "do_orm_execute")
def _hide_withdrawn(state: ORMExecuteState) -> None:
    if not state.is_select or state.is_column_load or state.is_relationship_load:
        return
    if state.execution_options.get(SHOW_WITHDRAWN) or state.session.info.get(SHOW_WITHDRAWN):
        return
    state.statement = state.statement.options(*_HIDE)
