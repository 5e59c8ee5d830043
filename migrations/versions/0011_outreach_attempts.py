"""outreach attempts: reaching a youth of an NGTS list without opening a case (issue 17).
A new table only: nothing existing is copied, audit_log is not touched.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "outreach_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("channel", _TEXT(), nullable=False),
        sa.Column("result", _TEXT(), nullable=False),
        sa.Column("note", _TEXT(), nullable=True),
        sa.CheckConstraint(
            "channel IN ('email', 'sms', 'phone', 'meeting', 'online')",
            name=op.f("ck_outreach_attempts_channel"),
        ),
        sa.CheckConstraint(
            "result IN ('no-answer', 'declined', 'not-neet', 'moved', 'reached')",
            name=op.f("ck_outreach_attempts_result"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ngts_entries.id"],
            name=op.f("fk_outreach_attempts_entry_id_ngts_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_attempts")),
    )
    with op.batch_alter_table("outreach_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outreach_attempts_entry_id"), ["entry_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outreach_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outreach_attempts_entry_id"))
    op.drop_table("outreach_attempts")
