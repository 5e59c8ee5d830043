"""feedback: 360° feedback among network members (NEET model Table 1 row 4, issue 17). A new table
only: nothing existing is copied, audit_log is not touched.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", _TEXT(), nullable=False),
        sa.Column("period", _TEXT(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("about_id", sa.Integer(), nullable=True),
        sa.Column("about_role", _TEXT(), nullable=False),
        sa.Column("aspect", _TEXT(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_feedback_score")),
        sa.CheckConstraint(
            "about_id IS NULL OR about_id <> rater_id", name=op.f("ck_feedback_not_self")
        ),
        sa.ForeignKeyConstraint(
            ["rater_id"], ["network_members.id"], name=op.f("fk_feedback_rater_id_network_members")
        ),
        sa.ForeignKeyConstraint(
            ["about_id"], ["network_members.id"], name=op.f("fk_feedback_about_id_network_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("ref", name=op.f("uq_feedback_ref")),
    )
    op.create_index(op.f("ix_feedback_rater_id"), "feedback", ["rater_id"], unique=False)
    op.create_index(op.f("ix_feedback_about_id"), "feedback", ["about_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_feedback_about_id"), table_name="feedback")
    op.drop_index(op.f("ix_feedback_rater_id"), table_name="feedback")
    op.drop_table("feedback")
