"""case_shares: the auditor role and cases shared with another staff member (issue 18).

A staff member may now be an `auditor` (reads the audit log only). `case_shares` records that a case
was shared with another staff member until a date, and why (`rvneet case share`); a share is ended by
setting `ended_on`, never deleted. Nothing is copied; audit_log is not touched.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ROLES = "role IN ('case-manager', 'coordinator', 'admin')"
NEW_ROLES = "role IN ('case-manager', 'coordinator', 'auditor', 'admin')"


def upgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_staff_role"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_staff_role"), NEW_ROLES)
    op.create_table(
        "case_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("shared_on", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.CheckConstraint("until >= shared_on", name=op.f("ck_case_shares_until_after_shared")),
        sa.CheckConstraint(
            "ended_on IS NULL OR ended_on >= shared_on",
            name=op.f("ck_case_shares_ended_after_shared"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_shares_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_case_shares_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_shares")),
    )
    with op.batch_alter_table("case_shares", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_shares_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_shares_staff_id"), ["staff_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_shares_staff_id"))
        batch_op.drop_index(batch_op.f("ix_case_shares_case_id"))
    op.drop_table("case_shares")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_staff_role"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_staff_role"), OLD_ROLES)
