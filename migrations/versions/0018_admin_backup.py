"""An admin's `db backup` on a PostgreSQL book reads every sequence (issue 18)

PostgreSQL only; on SQLite this revision does nothing.

pg_dump reads each sequence's value, which needs SELECT on it; 0015 gave the roles that write only
USAGE (enough for new ids). An admin of the book makes backups as the owner does (pg_dump with
row-level security on, so that the admins' policies show them every row): without SELECT on the
sequences, their backup was refused by the server.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ADMIN = "rvneet_admin"


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    schema = connection.exec_driver_sql("SELECT quote_ident(current_schema())").scalar()
    op.execute(f"GRANT SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {ADMIN}")


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    schema = connection.exec_driver_sql("SELECT quote_ident(current_schema())").scalar()
    op.execute(f"REVOKE SELECT ON ALL SEQUENCES IN SCHEMA {schema} FROM {ADMIN}")
