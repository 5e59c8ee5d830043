"""case channel: how the youth was reached (NEET model stage 2); cases already kept get 'other'

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNELS = "'ngts-list', 'mobile-youth-work', 'referral', 'self', 'school', 'other'"


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "channel",
                sqlmodel.sql.sqltypes.AutoString(),
                server_default="other",
                nullable=False,
            )
        )
        batch_op.create_check_constraint(op.f("ck_cases_channel"), f"channel IN ({CHANNELS})")
        batch_op.create_index(
            "ix_cases_model_end_start", ["model", "end_date", "start_date"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_model_end_start")
        batch_op.drop_constraint(op.f("ck_cases_channel"), type_="check")
        batch_op.drop_column("channel")
