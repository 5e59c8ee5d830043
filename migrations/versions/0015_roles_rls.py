"""roles and row-level security: need-to-know access enforced by a PostgreSQL server (issue 18)

PostgreSQL only; on SQLite this revision does nothing (a file's owner reads it all).

Four group roles (NOLOGIN, cluster-wide, created when missing; every book on the server shares
them): rvneet_case_manager, rvneet_coordinator, rvneet_auditor, rvneet_admin. A person's own
login is made a member of one of them (`rvneet access grant`) and mapped to their staff record
(`staff.user`). Every table holding personal data gets ENABLE and FORCE ROW LEVEL SECURITY and
policies per group:

- the owner (who ran this migration) and rvneet_admin: every row;
- rvneet_case_manager: the cases they manage or that are shared with them (an active
  `case_shares` row), every row of those cases, the youths of those cases and youths with no case
  at all (new ones, those on the NGTS list), the network register, NGTS entries and outreach;
- rvneet_coordinator: every row, but only the columns without names, personal codes, contact
  details or free text (column privileges);
- rvneet_auditor: the audit log and their own staff record.

Every policy but the owner's also asks for an active (not retired) staff record of that role in
this book (`rvneet_my_role`): a group role is the server's, so it alone opens no book.

Who is working is `session_user` (the login), never a setting a client could change. "My staff
id" and "my cases" are SECURITY DEFINER functions owned by the owner (search_path pinned, EXECUTE
revoked from PUBLIC), so a policy does not recurse through another table's policies. Everyone may
INSERT into audit_log (a non-admin only as themselves) and read the chain's tail (`id`, `hash`);
the append-only triggers of 0006 stay. audit_log is not copied.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CASE_MANAGER = "rvneet_case_manager"
COORDINATOR = "rvneet_coordinator"
AUDITOR = "rvneet_auditor"
ADMIN = "rvneet_admin"
GROUPS = (CASE_MANAGER, COORDINATOR, AUDITOR, ADMIN)

# Tables whose rows belong to one case (case_id).
CASE_TABLES = (
    "assessments",
    "stage_changes",
    "contacts",
    "needs_assessments",
    "goals",
    "case_members",
    "support_activities",
    "support_requests",
    "reopenings",
    "followups",
    "manager_changes",
    "case_shares",
)
# Rows of a needs assessment (assessment_id → needs_assessments).
ASSESSMENT_TABLES = ("needs", "welfare_scores")
# Shared with every case manager: the network register, the NGTS list and its outreach.
TEAM_TABLES = ("network_members", "feedback", "ngts_entries", "outreach_attempts")
PERSONAL_TABLES = (
    "youths",
    "cases",
    *CASE_TABLES,
    *ASSESSMENT_TABLES,
    "consents",
    "corrections",
    *TEAM_TABLES,
    "staff",
    "audit_log",
)
# No personal data: readable by every group (settings, the schema version) or by the coordinator.
COMMON_TABLES = ("alembic_version", "settings")
STATISTICS_TABLES = ("agreements", "agreement_amendments", "agreement_deadlines", "submissions")
# Columns the coordinator may not read: names, personal codes, contact details and free text.
# (staff.name stays: the workload report names the case managers.)
HIDDEN_COLUMNS = frozenset(
    {
        "name",
        "id_code",
        "email",
        "phone",
        "address",
        "guardian",
        "guardian_contact",
        "note",
        "place",
        "text",
        "reason",
        "justification",
        "answer_note",
        "feedback",
        "provider_note",
        "skip_reason",
        "ineligible_reason",
        "no_consent_reason",
        "retire_reason",
        "withdrawn_reason",
        "erasure_reason",
        "instrument",
        "changes",
    }
)
SHOWN_NAMES = {"staff": frozenset({"name"})}

# The role of the person working in this book: their active staff record's (None: no access here,
# whatever group role the login is in; group roles are the server's, shared by its books).
MY_ROLE = """
CREATE FUNCTION rvneet_my_role() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
  SELECT role FROM staff WHERE "user" = session_user AND retired_on IS NULL
$$"""
MY_STAFF_ID = """
CREATE FUNCTION rvneet_my_staff_id() RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
  SELECT id FROM staff
   WHERE "user" = session_user AND retired_on IS NULL AND role = 'case-manager'
$$"""
SHARED_CASE_IDS = """
CREATE FUNCTION rvneet_shared_case_ids() RETURNS SETOF integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
  SELECT cs.case_id FROM case_shares cs JOIN staff s ON s.id = cs.staff_id
   WHERE s."user" = session_user AND s.retired_on IS NULL AND s.role = 'case-manager'
     AND cs.ended_on IS NULL AND cs.until >= current_date
$$"""
MY_CASE_IDS = """
CREATE FUNCTION rvneet_my_case_ids() RETURNS SETOF integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
  SELECT c.id FROM cases c JOIN staff s ON s.id = c.manager_id
   WHERE s."user" = session_user AND s.retired_on IS NULL AND s.role = 'case-manager'
  UNION
  SELECT rvneet_shared_case_ids()
$$"""
MY_YOUTH_IDS = """
CREATE FUNCTION rvneet_my_youth_ids() RETURNS SETOF integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
  SELECT youth_id FROM cases WHERE id IN (SELECT rvneet_my_case_ids())
$$"""
YOUTHS_WITH_CASES = """
CREATE FUNCTION rvneet_youths_with_cases() RETURNS SETOF integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
  SELECT DISTINCT youth_id FROM cases
$$"""
# The next reference's number, counted over every row (a case manager sees only some): without
# them two case managers would be given the same Y-0001 or RV-2025-001.
LAST_YOUTH_NUMBER = """
CREATE FUNCTION rvneet_last_youth_number() RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
  SELECT COALESCE(MAX(CAST(substr(ref, 3) AS integer)), 0) FROM youths
$$"""
LAST_CASE_SEQ = """
CREATE FUNCTION rvneet_last_case_seq(prefix text) RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
  SELECT COALESCE(MAX(seq), 0) FROM cases WHERE substr(ref, 1, length(prefix)) = prefix
$$"""
# `rvneet check` asks whether a case outside the age range has a reason, which the coordinator
# may not read: the cases that have one.
CASES_WITH_REASON = """
CREATE FUNCTION rvneet_cases_with_ineligible_reason() RETURNS SETOF integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
  SELECT id FROM cases WHERE btrim(ineligible_reason, E' \\t\\r\\n') <> ''
$$"""
FUNCTIONS = {
    "rvneet_my_role()": MY_ROLE,
    "rvneet_my_staff_id()": MY_STAFF_ID,
    "rvneet_shared_case_ids()": SHARED_CASE_IDS,
    "rvneet_my_case_ids()": MY_CASE_IDS,
    "rvneet_my_youth_ids()": MY_YOUTH_IDS,
    "rvneet_youths_with_cases()": YOUTHS_WITH_CASES,
    "rvneet_last_youth_number()": LAST_YOUTH_NUMBER,
    "rvneet_last_case_seq(text)": LAST_CASE_SEQ,
    "rvneet_cases_with_ineligible_reason()": CASES_WITH_REASON,
}

MY_CASE = "{col} IN (SELECT rvneet_my_case_ids())"
# A youth a case manager may see: one of their cases' youths, or a youth nobody has a case for.
MY_YOUTH = (
    "(NOT ({col} IN (SELECT rvneet_youths_with_cases()))"
    " OR {col} IN (SELECT rvneet_my_youth_ids()))"
)


def _case_manager_rule(table: str) -> str:
    """The USING / WITH CHECK expression of a case manager's policy on `table`."""
    if table == "cases":
        return "manager_id = rvneet_my_staff_id() OR id IN (SELECT rvneet_shared_case_ids())"
    if table == "youths":
        return MY_YOUTH.format(col="id")
    if table in CASE_TABLES:
        return MY_CASE.format(col="case_id")
    if table in ASSESSMENT_TABLES:
        return "assessment_id IN (SELECT id FROM needs_assessments)"
    if table == "consents":
        return MY_YOUTH.format(col="youth_id")
    if table == "corrections":
        return (
            f"({MY_CASE.format(col='case_id')})"
            f" OR (case_id IS NULL AND youth_id IS NOT NULL AND {MY_YOUTH.format(col='youth_id')})"
            " OR (case_id IS NULL AND youth_id IS NULL)"
        )
    return "true"


def _is(role: str) -> str:
    """The person working has `role` in this book (a scalar subquery: evaluated once a query)."""
    return f"(SELECT rvneet_my_role()) = '{role}'"


def _policies(table: str) -> list[str]:
    """CREATE POLICY statements for `table` (RLS enabled and forced). Every policy but the owner's
    also asks for an active staff record of that role in this book (`rvneet_my_role`)."""
    p = f"CREATE POLICY rvneet_{{name}} ON {table}"
    admin = _is("admin")
    statements = [
        p.format(name="owner") + " TO CURRENT_USER USING (true) WITH CHECK (true)",
        p.format(name="admin") + f" TO {ADMIN} USING ({admin}) WITH CHECK ({admin})",
    ]
    anyone = "(SELECT rvneet_my_role()) IS NOT NULL"
    if table == "audit_log":
        # The chain's tail is read by every writer (column privileges keep it to id and hash);
        # an entry names the login that wrote it.
        statements += [
            p.format(name="read") + f" FOR SELECT TO {CASE_MANAGER}, {COORDINATOR}, {AUDITOR}"
            f" USING ({anyone})",
            p.format(name="append") + f" FOR INSERT TO {CASE_MANAGER}, {COORDINATOR}, {AUDITOR}"
            f' WITH CHECK ("user" = session_user AND {anyone})',
        ]
        return statements
    if table == "staff":
        statements += [
            p.format(name="read")
            + f" FOR SELECT TO {CASE_MANAGER}, {COORDINATOR} USING ({anyone})",
            p.format(name="auditor") + f' FOR SELECT TO {AUDITOR} USING ("user" = session_user)',
        ]
        return statements
    rule = f"({_case_manager_rule(table)}) AND {_is('case-manager')}"
    check = rule
    if table == "cases":
        # A case only for a youth they may see: else opening a case for another manager's youth
        # (the foreign key does not ask the policies) would show them that youth.
        check = f"{rule} AND {MY_YOUTH.format(col='youth_id')}"
    coordinator = _is("coordinator")
    statements += [
        p.format(name="case_manager") + f" TO {CASE_MANAGER} USING ({rule}) WITH CHECK ({check})",
        p.format(name="coordinator") + f" FOR SELECT TO {COORDINATOR} USING ({coordinator})",
    ]
    if table in ("youths", "ngts_entries"):
        # `import ngts` adds the list's youths and entries.
        statements.append(
            p.format(name="coordinator_import")
            + f" FOR INSERT TO {COORDINATOR} WITH CHECK ({coordinator})"
        )
    return statements


def _columns(table: str) -> list[str]:
    rows = op.get_bind().exec_driver_sql(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = %(t)s ORDER BY ordinal_position",
        {"t": table},
    )
    return [str(r[0]) for r in rows]


def _quoted(columns: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    schema = connection.exec_driver_sql("SELECT quote_ident(current_schema())").scalar()
    database = connection.exec_driver_sql("SELECT quote_ident(current_database())").scalar()
    for group in GROUPS:
        # Roles are cluster-wide: another book on the server may have created them already.
        op.execute(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{group}')"
            f" THEN CREATE ROLE {group} NOLOGIN; END IF; END $$"
        )
    # Only the logins given access (`rvneet access grant`) may connect to this book.
    op.execute(f"REVOKE CONNECT ON DATABASE {database} FROM PUBLIC")
    op.execute(f"GRANT USAGE ON SCHEMA {schema} TO {', '.join(GROUPS)}")
    for signature, body in FUNCTIONS.items():
        op.execute(body.format(schema=schema))
        op.execute(f"REVOKE EXECUTE ON FUNCTION {signature} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO {CASE_MANAGER}, {ADMIN}")
    op.execute(f"GRANT EXECUTE ON FUNCTION rvneet_my_role() TO {', '.join(GROUPS)}")
    op.execute(f"GRANT EXECUTE ON FUNCTION rvneet_last_youth_number() TO {COORDINATOR}")
    op.execute(f"GRANT EXECUTE ON FUNCTION rvneet_cases_with_ineligible_reason() TO {COORDINATOR}")
    everyone = ", ".join(GROUPS)
    writers = f"{CASE_MANAGER}, {COORDINATOR}, {ADMIN}"
    for table in COMMON_TABLES:
        op.execute(f"GRANT SELECT ON {table} TO {everyone}")
    op.execute(f"GRANT INSERT, UPDATE, DELETE ON settings TO {COORDINATOR}, {ADMIN}")
    for table in STATISTICS_TABLES:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {COORDINATOR}, {ADMIN}")
        op.execute(f"GRANT SELECT ON {table} TO {CASE_MANAGER}")
    op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {writers}")
    # The auditor writes nothing but may append to the log like everyone.
    log_ids = connection.exec_driver_sql(
        "SELECT pg_get_serial_sequence('audit_log', 'id')"
    ).scalar()
    op.execute(f"GRANT USAGE ON SEQUENCE {log_ids} TO {AUDITOR}")
    for table in PERSONAL_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        for statement in _policies(table):
            op.execute(statement)
        if table == "audit_log":
            op.execute(f"GRANT SELECT, INSERT ON audit_log TO {AUDITOR}, {ADMIN}")
            op.execute(f"GRANT SELECT (id, hash), INSERT ON audit_log TO {writers}")
            continue
        if table == "staff":
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON staff TO {ADMIN}")
            op.execute(f"GRANT SELECT ON staff TO {CASE_MANAGER}, {AUDITOR}")
        else:
            op.execute(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {CASE_MANAGER}, {ADMIN}"
            )
        shown = [
            c
            for c in _columns(table)
            if c not in HIDDEN_COLUMNS or c in SHOWN_NAMES.get(table, frozenset())
        ]
        op.execute(f"GRANT SELECT ({_quoted(shown)}) ON {table} TO {COORDINATOR}")
        if table in ("youths", "ngts_entries"):
            op.execute(f"GRANT INSERT ON {table} TO {COORDINATOR}")


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    schema = connection.exec_driver_sql("SELECT quote_ident(current_schema())").scalar()
    database = connection.exec_driver_sql("SELECT quote_ident(current_database())").scalar()
    for table in PERSONAL_TABLES:
        names = connection.exec_driver_sql(
            "SELECT policyname FROM pg_policies WHERE schemaname = current_schema()"
            " AND tablename = %(t)s",
            {"t": table},
        )
        for (name,) in list(names):
            op.execute(f'DROP POLICY "{name}" ON {table}')
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    groups = ", ".join(GROUPS)
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {groups}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {groups}")
    for signature in FUNCTIONS:
        op.execute(f"DROP FUNCTION {signature}")
    op.execute(f"REVOKE USAGE ON SCHEMA {schema} FROM {groups}")
    op.execute(f"GRANT CONNECT ON DATABASE {database} TO PUBLIC")
    # The group roles stay: other books on the server may use them.
