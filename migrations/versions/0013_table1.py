"""table1: the NEET model's Table 1 rows 1–2 on a needs assessment (issue 17): education and
employment status, who assessed (case manager or the youth), the wellbeing baseline 1–10; the
resolution at closing by the youth and by the case manager (1–5); how far a goal was reached; the support provider's note on an activity; the follow-up's source and wellbeing.
Adds columns to needs_assessments, cases, goals, support_activities and followups only; audit_log is not touched.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("needs_assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("in_education", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("in_employment", sa.Boolean(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "assessed_by",
                sqlmodel.sql.sqltypes.AutoString(),
                server_default="case-manager",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("wellbeing", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_needs_assessments_assessed_by"), "assessed_by IN ('case-manager', 'youth')"
        )
        batch_op.create_check_constraint(
            op.f("ck_needs_assessments_wellbeing"),
            "wellbeing IS NULL OR wellbeing BETWEEN 1 AND 10",
        )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolution_youth", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("resolution_manager", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_cases_resolution"),
            "(resolution_youth IS NULL OR resolution_youth BETWEEN 1 AND 5)"
            " AND (resolution_manager IS NULL OR resolution_manager BETWEEN 1 AND 5)",
        )
    with op.batch_alter_table("goals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("extent", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_goals_extent"), "extent IS NULL OR extent IN ('full', 'partial', 'none')"
        )
    with op.batch_alter_table("support_activities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("provider_note", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("wellbeing", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_followups_source"), "source IS NULL OR source IN ('youth', 'register')"
        )
        batch_op.create_check_constraint(
            op.f("ck_followups_wellbeing"), "wellbeing IS NULL OR wellbeing BETWEEN 1 AND 10"
        )


def downgrade() -> None:
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_followups_wellbeing"), type_="check")
        batch_op.drop_constraint(op.f("ck_followups_source"), type_="check")
        batch_op.drop_column("wellbeing")
        batch_op.drop_column("source")
    with op.batch_alter_table("support_activities", schema=None) as batch_op:
        batch_op.drop_column("provider_note")
    with op.batch_alter_table("goals", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_goals_extent"), type_="check")
        batch_op.drop_column("extent")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_cases_resolution"), type_="check")
        batch_op.drop_column("resolution_manager")
        batch_op.drop_column("resolution_youth")
    with op.batch_alter_table("needs_assessments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_needs_assessments_wellbeing"), type_="check")
        batch_op.drop_constraint(op.f("ck_needs_assessments_assessed_by"), type_="check")
        batch_op.drop_column("wellbeing")
        batch_op.drop_column("assessed_by")
        batch_op.drop_column("in_employment")
        batch_op.drop_column("in_education")
