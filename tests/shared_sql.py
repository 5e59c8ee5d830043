"""One compiled-SQL cache for every engine of a test process (and of a test's worker processes).

rvneet makes its engines afresh for each command, and SQLAlchemy caches compiled SQL per engine
and dialect: each command of a test compiled every statement again, most of the suite's CPU.
`share_compiled_sql()` makes the engines of the same kind share one dialect and one cache
(rvneet's commands run one per process, where there is nothing to share; `rvneet shell` keeps its
engines). Only SQLAlchemy here: a worker process of a test imports it before rvneet.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy

_real_create_engine = sqlalchemy.create_engine
_shared: dict[tuple[Any, ...], tuple[Any, Any]] = {}
_PER_ENGINE = {"creator", "connect_args", "poolclass", "pool_size", "max_overflow", "pool_timeout"}


def _sharing_create_engine(url: Any, **options: Any) -> Any:
    engine = _real_create_engine(url, **options)
    kind = (
        type(engine.dialect),
        getattr(engine.dialect, "dbapi", None),
        tuple(sorted((k, repr(v)) for k, v in options.items() if k not in _PER_ENGINE)),
    )
    dialect, cache = _shared.setdefault(kind, (engine.dialect, engine._compiled_cache))
    engine.dialect = dialect
    engine.pool._dialect = dialect
    engine._compiled_cache = cache
    return engine


def share_compiled_sql() -> None:
    """From now on, engines of the same kind made in this process share a dialect and a cache."""
    sqlalchemy.create_engine = _sharing_create_engine
