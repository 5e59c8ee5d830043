"""capacity: a staff member's workload capacity (in weighted cases) for `report workload`, and why a
support activity was brokered to a provider outside the case without data-sharing consent (issue 17).

Nullable columns added to staff and support_activities; nothing is copied, audit_log is not touched.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("capacity", sa.Integer(), nullable=True))
    with op.batch_alter_table("support_activities") as batch:
        batch.add_column(
            sa.Column("no_consent_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("support_activities") as batch:
        batch.drop_column("no_consent_reason")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("capacity")
