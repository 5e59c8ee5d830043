"""staff: a register of the people who work in the book; cases get a manager from it, and dated
manager changes

The free-text case managers already on cases become staff records. Names equal once case,
diacritics and spacing are set aside (`Kadri Pold`, ` kadri  põld`) become one record, named by the
spelling most cases use (the first in alphabetical order on a tie); nothing else is merged. Each
merge of different spellings is printed to stderr. A case keeps `manager` (the name, now the staff
record's) for the scripts that read it. The folding is written out here rather than imported from
`rvneet.services`, so that this revision keeps doing what it did when the service changes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sys
import unicodedata
from collections import Counter
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Recorded as a case manager but meaning nobody (as `report workload` read them).
_NOBODY = frozenset({"", "-", "—", "–"})


def _folded(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _shown(text: str) -> str:
    """A stored name as printed: control characters written out, as rvneet shows them."""
    return "".join(c if c.isprintable() else f"<U+{ord(c):04X}>" for c in text)


def _trimmed(name: str) -> str:
    return " ".join(name.split())


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("user", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("retired_on", sa.Date(), nullable=True),
        sa.Column("retire_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.CheckConstraint(
            "role IN ('case-manager', 'coordinator', 'admin')", name=op.f("ck_staff_role")
        ),
        sa.CheckConstraint(
            "(retired_on IS NULL) = (retire_reason IS NULL)",
            name=op.f("ck_staff_retired_with_reason"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("ref", name=op.f("uq_staff_ref")),
        sa.UniqueConstraint("user", name=op.f("uq_staff_user")),
    )
    op.create_table(
        "manager_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("from_id", sa.Integer(), nullable=True),
        sa.Column("to_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_manager_changes_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["from_id"], ["staff.id"], name=op.f("fk_manager_changes_from_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["to_id"], ["staff.id"], name=op.f("fk_manager_changes_to_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_changes")),
    )
    with op.batch_alter_table("manager_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_manager_changes_case_id"), ["case_id"], unique=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("manager_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_cases_manager_id"), ["manager_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_manager_id_staff"), "staff", ["manager_id"], ["id"]
        )
    _staff_from_cases()


def _staff_from_cases() -> None:
    """One staff record per folded manager name; each case points at its record."""
    connection = op.get_bind()
    cases = connection.execute(
        sa.text("SELECT id, manager FROM cases WHERE manager IS NOT NULL ORDER BY id")
    ).fetchall()
    spellings: dict[str, Counter[str]] = {}
    for _case_id, manager in cases:
        if (name := _trimmed(manager)) not in _NOBODY:
            spellings.setdefault(_folded(name), Counter())[name] += 1
    chosen: dict[str, tuple[int, str]] = {}
    for number, key in enumerate(sorted(spellings), start=1):
        counts = spellings[key]
        name = min(counts, key=lambda spelling: (-counts[spelling], spelling))
        ref = f"S-{number:04d}"
        # No id given: PostgreSQL's sequence must hand out the ids, later ones included.
        connection.execute(
            sa.text("INSERT INTO staff (ref, name, role) VALUES (:ref, :name, 'case-manager')"),
            {"ref": ref, "name": name},
        )
        staff_id = connection.execute(
            sa.text("SELECT id FROM staff WHERE ref = :ref"), {"ref": ref}
        ).scalar_one()
        chosen[key] = (staff_id, name)
        if len(counts) > 1:
            merged = ", ".join(f'"{_shown(s)}" ({counts[s]})' for s in sorted(counts))
            print(
                f'rvneet: case managers merged into staff {ref} "{_shown(name)}": {merged}',
                file=sys.stderr,
            )
    updates = []
    for case_id, manager in cases:
        name = _trimmed(manager)
        if name in _NOBODY:
            continue
        staff_id, canonical = chosen[_folded(name)]
        updates.append({"staff": staff_id, "name": canonical, "case": case_id})
    if updates:
        connection.execute(
            sa.text("UPDATE cases SET manager_id = :staff, manager = :name WHERE id = :case"),
            updates,
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cases_manager_id_staff"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_cases_manager_id"))
        batch_op.drop_column("manager_id")
    with op.batch_alter_table("manager_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_manager_changes_case_id"))
    op.drop_table("manager_changes")
    op.drop_table("staff")
