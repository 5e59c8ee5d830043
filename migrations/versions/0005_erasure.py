"""erasure: a youth's personal data can be removed while the statistics stay

A youth gets `erased_on` and `erasure_reason`; the birth date becomes optional (an erased youth has
none) and `birth_month` (YYYY-MM) keeps what statistics need of it. The ages the reports compute
from the birth date are frozen at erasure: `cases.age_at_start` and `ngts_entries.age_on_list`.
Every column is empty for youths not erased, so existing rows need no back-fill.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept in step with `domain.tables.Youth`: a youth is either whole, or erased with only the month.
ERASURE_CHECK = (
    "(erased_on IS NULL AND birth_date IS NOT NULL AND birth_month IS NULL"
    " AND erasure_reason IS NULL)"
    " OR (erased_on IS NOT NULL AND birth_date IS NULL AND id_code IS NULL"
    " AND birth_month IS NOT NULL)"
)


def upgrade() -> None:
    with op.batch_alter_table("youths", schema=None) as batch_op:
        batch_op.alter_column("birth_date", existing_type=sa.Date(), nullable=True)
        batch_op.add_column(
            sa.Column("birth_month", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(sa.Column("erased_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("erasure_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.create_check_constraint(op.f("ck_youths_erasure"), ERASURE_CHECK)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("age_at_start", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_cases_age_at_start"), "age_at_start IS NULL OR age_at_start >= 0"
        )
    with op.batch_alter_table("ngts_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("age_on_list", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_ngts_entries_age_on_list"), "age_on_list IS NULL OR age_on_list >= 0"
        )


def downgrade() -> None:
    # An erased youth has no birth date to give back: downgrading a book with erasures is refused.
    bind = op.get_bind()
    if bind.exec_driver_sql("SELECT 1 FROM youths WHERE erased_on IS NOT NULL").first():
        raise RuntimeError("this book has erased youths; schema 0004 cannot hold them")
    with op.batch_alter_table("ngts_entries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_ngts_entries_age_on_list"), type_="check")
        batch_op.drop_column("age_on_list")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_cases_age_at_start"), type_="check")
        batch_op.drop_column("age_at_start")
    with op.batch_alter_table("youths", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_youths_erasure"), type_="check")
        batch_op.drop_column("erasure_reason")
        batch_op.drop_column("erased_on")
        batch_op.drop_column("birth_month")
        batch_op.alter_column("birth_date", existing_type=sa.Date(), nullable=False)
