"""Alembic environment. rvneet runs it from code (`rvneet.db.Database.upgrade`) with an open connection.

For developers: `alembic revision --autogenerate -m "..."` works too (settings in pyproject.toml);
it compares the models with a scratch database at `RVNEET_DB` (default `dev.db`).
"""

import os

from alembic import context
from sqlalchemy import create_engine

from rvneet.domain import tables

config = context.config
target_metadata = tables.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(f"sqlite:///{os.environ.get('RVNEET_DB', 'dev.db')}")
    with engine.begin() as conn:
        _run(conn)
