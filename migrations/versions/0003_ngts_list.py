"""ngts list: the youths of the NGTS monitoring list, one row per youth and list date

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ngts_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("list_date", sa.Date(), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("guardian", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("guardian_contact", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("last_education", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("last_employment", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["youth_id"], ["youths.id"], name=op.f("fk_ngts_entries_youth_id_youths")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ngts_entries")),
        sa.UniqueConstraint("youth_id", "list_date", name=op.f("uq_ngts_entries_youth_list_date")),
    )
    with op.batch_alter_table("ngts_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ngts_entries_list_date"), ["list_date"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ngts_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ngts_entries_list_date"))
    op.drop_table("ngts_entries")
