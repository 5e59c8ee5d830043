"""Only an admin hands a case over, on a PostgreSQL book too (issue 18)

PostgreSQL only; on SQLite this revision does nothing (rvneet refuses `case reassign` to anyone but
an admin itself).

Row-level security (0015) lets a case manager change the cases they manage and those shared with
them, and the rows of those cases: from `psql` they could set another manager on a case (giving it
away, or, where it is only shared with them, taking it) or write a hand-over into its history.
A trigger on `cases` (a change of `manager_id`) and on `manager_changes` (any row) lets that
through only for the person whose staff record in the book is an admin, the tables' owner or a
superuser, as `case reassign` does; anyone else gets PostgreSQL's insufficient_privilege.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUARD = """
CREATE FUNCTION rvneet_handover_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
BEGIN
  IF rvneet_my_role() = 'admin'
     OR pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER')
     OR (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) THEN
    RETURN COALESCE(NEW, OLD);
  END IF;
  RAISE EXCEPTION 'only an admin hands a case over to another case manager'
    USING ERRCODE = 'insufficient_privilege';
END
$$"""
TRIGGERS = {
    "cases_handover_guard": (
        "BEFORE UPDATE OF manager_id ON cases FOR EACH ROW"
        " WHEN (OLD.manager_id IS DISTINCT FROM NEW.manager_id)"
    ),
    "manager_changes_guard": "BEFORE INSERT OR UPDATE OR DELETE ON manager_changes FOR EACH ROW",
}


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    schema = connection.exec_driver_sql("SELECT quote_ident(current_schema())").scalar()
    op.execute(GUARD.replace("{schema}", str(schema)))
    op.execute("REVOKE EXECUTE ON FUNCTION rvneet_handover_guard() FROM PUBLIC")
    for name, when in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION rvneet_handover_guard()")


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER manager_changes_guard ON manager_changes")
    op.execute("DROP TRIGGER cases_handover_guard ON cases")
    op.execute("DROP FUNCTION rvneet_handover_guard()")
