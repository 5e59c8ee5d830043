"""agreement: RV cooperation agreements with their amendments and Lisa 4 deadlines; Lisa 4
submissions (issue 16). New tables only: nothing existing is copied, audit_log is not touched.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", _TEXT(), nullable=False),
        sa.Column("signed", sa.Date(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("case_limit", sa.Integer(), nullable=False),
        sa.Column("ska_contact", _TEXT(), nullable=True),
        sa.Column("kov_contact", _TEXT(), nullable=True),
        sa.Column("note", _TEXT(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", _TEXT(), nullable=True),
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_agreements_end_after_start")),
        sa.CheckConstraint("case_limit >= 1", name=op.f("ck_agreements_case_limit")),
        sa.CheckConstraint(
            "(ended_on IS NULL) = (end_reason IS NULL)",
            name=op.f("ck_agreements_ended_with_reason"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
        sa.UniqueConstraint("ref", name=op.f("uq_agreements_ref")),
    )
    op.create_table(
        "agreement_amendments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("reason", _TEXT(), nullable=False),
        sa.Column("changes", _TEXT(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_agreement_amendments_agreement_id_agreements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_amendments")),
    )
    op.create_index(
        op.f("ix_agreement_amendments_agreement_id"),
        "agreement_amendments",
        ["agreement_id"],
        unique=False,
    )
    op.create_table(
        "agreement_deadlines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("period", _TEXT(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_agreement_deadlines_agreement_id_agreements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_deadlines")),
        sa.UniqueConstraint(
            "agreement_id", "period", name=op.f("uq_agreement_deadlines_agreement_period")
        ),
    )
    op.create_index(
        op.f("ix_agreement_deadlines_agreement_id"),
        "agreement_deadlines",
        ["agreement_id"],
        unique=False,
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", _TEXT(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("user", _TEXT(), nullable=False),
        sa.Column("sha256", _TEXT(), nullable=False),
        sa.Column("summary", _TEXT(), nullable=False),
        sa.Column("suppressed_below", sa.Integer(), nullable=True),
        sa.Column("early", sa.Boolean(), nullable=False),
        sa.Column("reason", _TEXT(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
    )
    op.create_index(op.f("ix_submissions_period"), "submissions", ["period"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_submissions_period"), table_name="submissions")
    op.drop_table("submissions")
    op.drop_index(op.f("ix_agreement_deadlines_agreement_id"), table_name="agreement_deadlines")
    op.drop_table("agreement_deadlines")
    op.drop_index(op.f("ix_agreement_amendments_agreement_id"), table_name="agreement_amendments")
    op.drop_table("agreement_amendments")
    op.drop_table("agreements")
