"""corrections: records typed wrong can be withdrawn (kept, marked) and corrections are kept with a reason

Adds withdrawn_at, withdrawn_by and withdrawn_reason to every table of dated records a person types,
and a `corrections` table (who, when, why, old → new as the audit log keeps it). Only ADD COLUMN and
CREATE TABLE: no table is copied, audit_log is not touched.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WITHDRAWABLE = (
    "assessments",
    "stage_changes",
    "contacts",
    "needs_assessments",
    "goals",
    "support_activities",
    "consents",
    "support_requests",
    "followups",
)


def upgrade() -> None:
    for table in WITHDRAWABLE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("withdrawn_at", sa.Date(), nullable=True))
            batch_op.add_column(
                sa.Column("withdrawn_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
            )
            batch_op.add_column(
                sa.Column("withdrawn_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
            )
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("user", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("youth_id", sa.Integer(), nullable=True),
        sa.Column("record", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("changes", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.CheckConstraint("action IN ('correct', 'withdraw')", name=op.f("ck_corrections_action")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_corrections_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["youth_id"], ["youths.id"], name=op.f("fk_corrections_youth_id_youths")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrections")),
    )
    with op.batch_alter_table("corrections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_corrections_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_corrections_youth_id"), ["youth_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corrections_youth_id"))
        batch_op.drop_index(batch_op.f("ix_corrections_case_id"))
    op.drop_table("corrections")
    for table in reversed(WITHDRAWABLE):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("withdrawn_reason")
            batch_op.drop_column("withdrawn_by")
            batch_op.drop_column("withdrawn_at")
