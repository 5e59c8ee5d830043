"""Need-to-know access enforced by PostgreSQL (issue 18, migration 0015): each staff member works
as their own login, and the server's GRANTs and row-level security give each role only what it may
see, whatever client connects. The attempts go through plain psycopg, as a `psql` session would;
the CLI is run as each login too. The test server trusts every local login (`--auth=trust`), so
what is tested is the database's grants and policies, not passwords.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import MUNICIPALITY, Ok, Run, audit_log, refused
from pg import PgServer
from typer.testing import CliRunner, Result

from rvneet.cli import app
from rvneet.services.audit import PERSONAL_TABLES

# Logins of this module only: roles are the server's, shared by every test book on it.
KADRI, TIIT, MARI, AIVAR, ANNE = "rls_kadri", "rls_tiit", "rls_mari", "rls_aivar", "rls_anne"
LOGINS = (KADRI, TIIT, MARI, AIVAR, ANNE)
DENIED = "42501"  # insufficient_privilege: a GRANT missing, or a row-level security policy


class Book:
    """The module's book on the server: its database name and the server."""

    def __init__(self, server: PgServer, name: str) -> None:
        self.server = server
        self.name = name

    def url(self, login: str = "postgres") -> str:
        """The book's address as `login`."""
        return f"postgresql://{login}@/{self.name}?host={self.server.socket_dir}"

    def connect(self, login: str) -> Any:
        """A plain psycopg connection as `login` (autocommit)."""
        return psycopg.connect(self.url(login), autocommit=True)

    def cli(self, login: str, *args: str) -> Result:
        """`rvneet --db URL-as-login ARGS` in-process."""
        # Without RVNEET_USER: the login is who is working.
        return CliRunner().invoke(
            app, ["--db", self.url(login), *args], prog_name="rvneet", env={"RVNEET_USER": None}
        )

    def ok(self, login: str, *args: str) -> str:
        """As `cli`, for a command that must succeed: its stdout."""
        result = self.cli(login, *args)
        assert result.exit_code == 0, (login, args, result.stdout, result.stderr)
        return str(result.stdout)


@pytest.fixture(scope="module")
def book(pg_server: PgServer | None) -> Iterator[Book]:
    """A book with two case managers' cases, a coordinator, an auditor and an admin, each with a
    login given by `access grant` or `staff add --user`, as the database's owner does."""
    if pg_server is None:
        from pg import _WHY_NOT

        pytest.skip(f"PostgreSQL: {_WHY_NOT[0]}")
    pg_server.forget_logins()  # logins other tests left in rvneet's group roles
    name = pg_server.new_database()
    found = Book(pg_server, name)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("RVNEET_USER", raising=False)
        owner = "postgres"
        found.ok(owner, "init", "--municipality", MUNICIPALITY)
        found.ok(owner, "staff", "add", "--name", "Kadri Põld", "--user", KADRI)
        found.ok(owner, "staff", "add", "--name", "Tiit Org")
        found.ok(owner, "access", "grant", TIIT, "--role", "case-manager", "--staff", "S-0002")
        found.ok(
            owner, "staff", "add", "--name", "Mari Mets", "--user", MARI, "--role", "coordinator"
        )
        found.ok(owner, "staff", "add", "--name", "Aivar Aru", "--user", AIVAR, "--role", "auditor")
        found.ok(owner, "staff", "add", "--name", "Anne Allik", "--user", ANNE, "--role", "admin")
        for login, youth, code in ((KADRI, "Kati Kask", "Y-0001"), (TIIT, "Toomas Tamm", "Y-0002")):
            found.ok(
                login, "youth", "add", "--name", youth, "--birth-date", "2009-04-01", "--sex", "F"
            )
            found.ok(
                login, "case", "open", "--youth", code, "--model", "neet", "--start", "2025-02-03",
                "--group", "neet", "--light", "yellow",
            )  # fmt: skip
            found.ok(login, "case", "contact", f"NEET-2025-00{code[-1]}", "--date", "2025-02-10",
                     "--channel", "phone", "--note", "Rääkisime emaga")  # fmt: skip
        yield found
    pg_server.drop(name)


def _denied(con: Any, sql: str, params: tuple[Any, ...] = ()) -> None:
    with pytest.raises(psycopg.Error) as caught:
        con.execute(sql, params)
    assert caught.value.sqlstate == DENIED, caught.value


def _case_id(book: Book, ref: str) -> int:
    with book.connect("postgres") as con:
        return int(con.execute("SELECT id FROM cases WHERE ref = %s", (ref,)).fetchone()[0])


# --- the catalog -------------------------------------------------------------------------------


def test_every_personal_table_has_row_level_security_enabled_and_forced(book: Book) -> None:
    with book.connect("postgres") as con:
        rows = dict(
            (name, (enabled, forced))
            for name, enabled, forced in con.execute(
                "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class"
                " WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
            )
        )
    assert {t: rows[t] for t in PERSONAL_TABLES} == {t: (True, True) for t in PERSONAL_TABLES}


def test_the_logins_are_plain_and_own_nothing(book: Book) -> None:
    with book.connect("postgres") as con:
        for login in LOGINS:
            row = con.execute(
                "SELECT rolsuper, rolbypassrls, rolcanlogin, rolcreaterole, rolcreatedb,"
                " (SELECT count(*) FROM pg_class WHERE relowner = r.oid)"
                " + (SELECT count(*) FROM pg_proc WHERE proowner = r.oid)"
                " FROM pg_roles r WHERE rolname = %s",
                (login,),
            ).fetchone()
            assert row == (False, False, True, False, False, 0), login


def test_the_security_definer_functions_are_pinned_and_not_public(book: Book) -> None:
    with book.connect("postgres") as con:
        rows = con.execute(
            "SELECT proname, proconfig, has_function_privilege('public', oid, 'EXECUTE')"
            " FROM pg_proc WHERE prosecdef AND pronamespace = 'public'::regnamespace"
        ).fetchall()
    assert rows, "no SECURITY DEFINER function"
    for name, config, public in rows:
        assert not public, name
        assert any(c.startswith("search_path=") for c in config or []), name


# --- a case manager ----------------------------------------------------------------------------


def test_a_case_manager_sees_only_their_own_cases_and_youths(book: Book) -> None:
    with book.connect(KADRI) as con:
        assert con.execute("SELECT ref FROM cases").fetchall() == [("NEET-2025-001",)]
        assert con.execute("SELECT name FROM youths").fetchall() == [("Kati Kask",)]
        assert con.execute("SELECT count(*) FROM contacts").fetchone() == (1,)
        assert con.execute("SELECT count(*) FROM stage_changes").fetchone() == (1,)


def test_a_case_manager_cannot_change_or_delete_another_managers_rows(book: Book) -> None:
    other = _case_id(book, "NEET-2025-002")
    with book.connect(KADRI) as con:
        assert (
            con.execute("UPDATE cases SET manager_id = NULL WHERE id = %s", (other,)).rowcount == 0
        )
        assert (
            con.execute("UPDATE contacts SET note = 'x' WHERE case_id = %s", (other,)).rowcount == 0
        )
        assert con.execute("DELETE FROM contacts WHERE case_id = %s", (other,)).rowcount == 0
        assert con.execute("UPDATE youths SET name = 'x' WHERE ref = 'Y-0002'").rowcount == 0
    with book.connect("postgres") as con:
        assert con.execute("SELECT note FROM contacts WHERE case_id = %s", (other,)).fetchall() == [
            ("Rääkisime emaga",)
        ]


def test_a_case_manager_cannot_add_a_contact_to_another_managers_case(book: Book) -> None:
    other = _case_id(book, "NEET-2025-002")
    with book.connect(KADRI) as con:
        _denied(
            con,
            "INSERT INTO contacts (case_id, date, channel, network_meeting)"
            " VALUES (%s, '2025-03-01', 'phone', false)",
            (other,),
        )
        # Nor open a case for another manager's youth (which would show them the youth), or
        # move a case of their own to that youth or to someone else.
        other_youth = "(SELECT youth_id FROM cases WHERE id = %s)"
        with book.connect("postgres") as owner:
            (youth,) = owner.execute(f"SELECT {other_youth}", (other,)).fetchone()
        _denied(
            con,
            "INSERT INTO cases (ref, youth_id, model, seq, start_date, neet_group, manager_id,"
            " channel) SELECT 'NEET-2025-099', %s, 'neet', 99, '2025-03-01', 'neet', id, 'other'"
            ' FROM staff WHERE "user" = %s',
            (youth, KADRI),
        )
        _denied(
            con,
            "UPDATE cases SET youth_id = %s WHERE ref = 'NEET-2025-001'",
            (youth,),
        )
        mine = _case_id(book, "NEET-2025-001")
        _denied(con, "UPDATE cases SET manager_id = manager_id + 1 WHERE id = %s", (mine,))


def test_a_case_manager_may_not_read_the_audit_log_or_truncate_anything(book: Book) -> None:
    with book.connect(KADRI) as con:
        _denied(con, "SELECT changes FROM audit_log")
        _denied(con, "TRUNCATE contacts")
        _denied(con, "SELECT * FROM agreements FOR UPDATE")


def test_a_case_manager_cannot_pass_as_someone_else_in_the_audit_log(book: Book) -> None:
    with book.connect(KADRI) as con:
        _denied(
            con,
            'INSERT INTO audit_log (at, "user", entity, entity_id, action, changes, prev_hash,'
            " hash) VALUES ('2025-01-01T00:00:00Z', %s, 'cases', 1, 'read', '{}', '', '')",
            (TIIT,),
        )


def test_a_case_managers_cli_lists_only_their_cases_and_refuses_another(book: Book) -> None:
    listed = json.loads(book.ok(TIIT, "case", "list", "--format", "json"))
    assert [c["case"] for c in listed] == ["NEET-2025-002"]
    refused = book.cli(TIIT, "case", "show", "NEET-2025-001")
    assert refused.exit_code == 3 and "no case 'NEET-2025-001'" in refused.stderr


def test_a_shared_case_is_seen_until_the_share_ends(book: Book) -> None:
    shared = _case_id(book, "NEET-2025-002")
    with book.connect("postgres") as con:
        con.execute(
            "INSERT INTO case_shares (case_id, staff_id, shared_on, until, reason)"
            " SELECT %s, id, current_date, current_date + 7, 'puhkus' FROM staff WHERE \"user\" = %s",
            (shared, KADRI),
        )
    try:
        with book.connect(KADRI) as con:
            refs = {r[0] for r in con.execute("SELECT ref FROM cases")}
            assert refs == {"NEET-2025-001", "NEET-2025-002"}
            assert con.execute("SELECT count(*) FROM youths").fetchone() == (2,)
        with book.connect("postgres") as con:
            con.execute("UPDATE case_shares SET ended_on = current_date")
        with book.connect(KADRI) as con:
            assert con.execute("SELECT ref FROM cases").fetchall() == [("NEET-2025-001",)]
    finally:
        with book.connect("postgres") as con:
            con.execute("DELETE FROM case_shares")


def test_only_an_admin_hands_a_case_over_even_from_psql(book: Book) -> None:
    """Row-level security lets a case manager change their own case's row; the trigger of
    migration 0017 refuses them a new manager on it, or a hand-over in its history."""
    case_id = _case_id(book, "NEET-2025-001")
    with book.connect(KADRI) as con:
        _denied(con, "UPDATE cases SET manager_id = 2 WHERE id = %s", (case_id,))
        _denied(
            con,
            "INSERT INTO manager_changes (case_id, from_id, to_id, date)"
            " VALUES (%s, 1, 2, '2025-03-01')",
            (case_id,),
        )
        # The rest of the row stays theirs to change.
        assert (
            con.execute(
                "UPDATE cases SET manager_id = manager_id WHERE id = %s", (case_id,)
            ).rowcount
            == 1
        )
    with book.connect(ANNE) as con, con.transaction(force_rollback=True):
        assert (
            con.execute("UPDATE cases SET manager_id = 2 WHERE id = %s", (case_id,)).rowcount == 1
        )


# --- the coordinator ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT name FROM youths",
        "SELECT id_code FROM youths",
        "SELECT * FROM youths",
        "SELECT note FROM contacts",
        "SELECT text FROM goals",
        "SELECT phone, email FROM ngts_entries",
        "SELECT name FROM network_members",
        "SELECT changes FROM audit_log",
    ],
)
def test_the_coordinator_reads_no_names_codes_or_free_text(book: Book, sql: str) -> None:
    with book.connect(MARI) as con:
        _denied(con, sql)


def test_the_coordinator_reads_the_statistics_columns_of_every_case(book: Book) -> None:
    with book.connect(MARI) as con:
        assert con.execute("SELECT count(*) FROM cases").fetchone() == (2,)
        assert con.execute("SELECT ref, sex FROM youths ORDER BY ref").fetchall() == [
            ("Y-0001", "F"),
            ("Y-0002", "F"),
        ]
        _denied(con, "UPDATE cases SET channel = 'other'")


@pytest.mark.parametrize(
    "command",
    [
        ("report", "lisa4", "--period", "2025H1", "--no-timestamp"),
        ("report", "neet", "--period", "2025", "--no-timestamp"),
        ("report", "model", "--period", "2025", "--no-timestamp"),
        ("report", "workload", "--no-timestamp"),
        ("report", "followups", "--period", "2025", "--no-timestamp"),
        ("check",),
    ],
    ids=lambda c: "-".join(c[:2]),
)
def test_the_coordinators_reports_are_the_admins(book: Book, command: tuple[str, ...]) -> None:
    def output(login: str) -> str:
        result = book.cli(login, *command, "--format", "json")
        assert result.exit_code in (0, 1), (login, result.stderr)  # check: 1 when a rule fails
        return str(result.stdout)

    coordinator = output(MARI)
    assert json.loads(coordinator)
    assert coordinator == output(ANNE)


def test_the_coordinators_case_show_is_refused_in_one_line(book: Book) -> None:
    result = book.cli(MARI, "case", "show", "NEET-2025-001")
    assert result.exit_code == 1
    # rvneet refuses the role before it reads; the server would refuse the read itself.
    assert result.stderr.strip().splitlines() == [
        "Error: a coordinator sees statistics only: they may not read or change cases"
    ]
    with book.connect(MARI) as con:
        _denied(con, "SELECT name FROM youths")


# --- the auditor and everyone ------------------------------------------------------------------


@pytest.mark.parametrize("table", ["youths", "cases", "contacts", "ngts_entries", "agreements"])
def test_the_auditor_reads_nothing_but_the_audit_log(book: Book, table: str) -> None:
    with book.connect(AIVAR) as con:
        _denied(con, f"SELECT count(*) FROM {table}")


def test_the_auditor_verifies_the_chain(book: Book) -> None:
    assert book.ok(AIVAR, "audit", "verify").startswith("audit log intact:")
    with book.connect(AIVAR) as con:
        assert con.execute("SELECT count(*) FROM audit_log").fetchone()[0] > 10


@pytest.mark.parametrize("login", ["postgres", *LOGINS])
@pytest.mark.parametrize(
    "sql", ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"]
)
def test_nobody_changes_the_audit_log(book: Book, login: str, sql: str) -> None:
    with book.connect(login) as con, pytest.raises(psycopg.Error):
        con.execute(sql)


def test_the_audit_log_names_the_login_that_wrote(book: Book) -> None:
    with book.connect("postgres") as con:
        rows = con.execute(
            "SELECT DISTINCT \"user\" FROM audit_log WHERE entity = 'cases' AND action = 'insert'"
        ).fetchall()
        reads = con.execute(
            "SELECT \"user\" FROM audit_log WHERE action = 'read' ORDER BY id DESC LIMIT 1"
        ).fetchall()
    assert {r[0] for r in rows} == {KADRI, TIIT}
    book.ok(KADRI, "case", "show", "NEET-2025-001")
    with book.connect("postgres") as con:
        last = con.execute(
            "SELECT \"user\", entity_ref FROM audit_log WHERE action = 'read' ORDER BY id DESC"
            " LIMIT 1"
        ).fetchone()
    assert last == (KADRI, "NEET-2025-001"), reads


def test_a_user_option_naming_someone_else_is_refused(book: Book) -> None:
    before = book.ok("postgres", "audit", "verify")
    result = book.cli(KADRI, "--user", TIIT, "case", "list")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: --user {TIIT} is not the login {KADRI} this connection uses: on a server the "
        "audit log records the login; leave out --user and RVNEET_USER"
    ]
    assert book.ok("postgres", "audit", "verify") == before


def test_audit_verify_names_each_table_without_row_level_security(book: Book) -> None:
    with book.connect("postgres") as con:
        con.execute("ALTER TABLE youths NO FORCE ROW LEVEL SECURITY")
        con.execute("ALTER TABLE goals DISABLE ROW LEVEL SECURITY")
    try:
        result = book.cli(AIVAR, "audit", "verify")
    finally:
        with book.connect("postgres") as con:
            con.execute("ALTER TABLE youths FORCE ROW LEVEL SECURITY")
            con.execute("ALTER TABLE goals ENABLE ROW LEVEL SECURITY")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "row-level security is not enabled and forced on table youths",
        "row-level security is not enabled and forced on table goals",
        "Error: personal data on the server is not protected by row-level security: 2 tables; "
        + result.stderr.split("2 tables; ")[1].strip(),
    ]


# --- access list / revoke ----------------------------------------------------------------------


def test_access_list_shows_every_login_and_whether_it_can_log_in(book: Book) -> None:
    rows = json.loads(book.ok("postgres", "access", "list", "--format", "json"))
    assert [(r["login"], r["staff"], r["role"], r["on_server"], r["can_log_in"]) for r in rows] == [
        (AIVAR, "S-0004", "auditor", True, True),
        (ANNE, "S-0005", "admin", True, True),
        (KADRI, "S-0001", "case-manager", True, True),
        (MARI, "S-0003", "coordinator", True, True),
        (TIIT, "S-0002", "case-manager", True, True),
    ]


def test_only_the_owner_gives_or_takes_away_access(book: Book) -> None:
    for login in (KADRI, MARI, ANNE):
        result = book.cli(login, "access", "revoke", TIIT)
        assert result.exit_code == 1, login
        assert len(result.stderr.strip().splitlines()) == 1
    assert json.loads(book.ok("postgres", "access", "list", "--format", "json"))[-1]["can_log_in"]


def test_a_revoked_login_cannot_connect_and_a_grant_gives_it_back(book: Book) -> None:
    assert book.ok("postgres", "access", "revoke", TIIT).startswith(f"{TIIT} (S-0002)")
    try:
        with pytest.raises(psycopg.OperationalError, match="CONNECT"):
            book.connect(TIIT)
        listed = json.loads(book.ok("postgres", "access", "list", "--format", "json"))
        assert listed[-1]["login"] == TIIT and listed[-1]["can_log_in"] is False
    finally:
        book.ok("postgres", "access", "grant", TIIT, "--role", "case-manager")
    with book.connect(TIIT) as con:
        assert con.execute("SELECT ref FROM cases").fetchall() == [("NEET-2025-002",)]


def test_a_login_in_another_role_on_the_server_is_refused(book: Book) -> None:
    result = book.cli("postgres", "access", "grant", KADRI, "--role", "coordinator")
    assert result.exit_code == 1
    assert "already in rvneet_case_manager" in result.stderr
    with book.connect("postgres") as con:
        assert con.execute('SELECT role FROM staff WHERE "user" = %s', (KADRI,)).fetchone() == (
            "case-manager",
        )


def test_an_admin_backs_up_every_row_but_restores_nothing(book: Book, tmp_path: Path) -> None:
    """pg_dump reads with row-level security off, which only a superuser may: an admin's backup
    reads through the admins' policy instead, and holds every row the owner's does."""
    from pg import pg_dump

    backup = tmp_path / "anne.dump"
    assert book.ok(ANNE, "db", "backup", str(backup)).startswith("Backed up ")
    target = book.server.new_database()
    try:
        restored = Book(book.server, target)
        assert restored.ok("postgres", "db", "restore", str(backup), "--yes").startswith("Restored")
        before, after = dict(pg_dump(book.url())), dict(pg_dump(restored.url()))
        # The restore records itself in the restored log.
        assert after.pop("audit_log")[:-1] == before.pop("audit_log")
        assert after == before
    finally:
        book.server.drop(target)
    # An admin does not own the tables, which a restore replaces: refused before anything changes.
    rows = pg_dump(book.url())
    result = book.cli(ANNE, "db", "restore", str(backup), "--yes")
    assert result.exit_code == 1, result.stderr
    assert result.stderr.strip() == (
        f"Error: {book.url(ANNE)} is restored by the owner of its tables (the login that ran "
        "rvneet init), as the restore replaces them; nothing changed"
    )
    assert pg_dump(book.url()) == rows
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anne.dump"]
    # A case manager is refused every db command, as on a file.
    result = book.cli(KADRI, "db", "backup", str(tmp_path / "kadri.dump"))
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "kadri.dump").exists()


@pytest.mark.parametrize(
    "command",
    [
        ("report", "lisa4", "--period", "2025H1"),
        ("case", "list"),
        ("db", "backup", "{tmp}/stranger.dump"),
        ("db", "copy", "{url}", "{tmp}/copy.db"),
        ("export", "{tmp}/export.json"),
    ],
    ids=lambda c: " ".join(c[:2]) if c[0] != "export" else "export",
)
def test_a_login_without_a_staff_record_that_sees_nothing_is_refused(
    book: Book, tmp_path: Path, command: tuple[str, ...]
) -> None:
    """A login in the admins' group role on the server but with no staff record in this book:
    row-level security shows it no row, so working as the book's owner (as a login without a
    staff record does on a file) it would get a Lisa 4 of zeros, an empty backup or copy."""
    stranger = "rls_stranger"
    book.server.admin(f"DROP ROLE IF EXISTS {stranger}")
    book.server.admin(f"CREATE ROLE {stranger} LOGIN IN ROLE rvneet_admin")
    book.server.admin(f'GRANT CONNECT ON DATABASE "{book.name}" TO {stranger}')
    args = [a.format(tmp=tmp_path, url=book.url(stranger)) for a in command]
    try:
        result = book.cli(stranger, *args)
    finally:
        book.server.admin(f'REVOKE CONNECT ON DATABASE "{book.name}" FROM {stranger}')
        book.server.admin(f"DROP ROLE {stranger}")
    assert result.exit_code == 1, result.stderr
    assert result.stderr.strip() == (
        f"Error: login {stranger} has no staff record in this book, so the server shows it no "
        "personal data: the owner gives access with rvneet access grant"
    )
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []


# --- on a SQLite file: only the mapping, and plain words about what protects the file ------------


@pytest.fixture
def staffed(initialised: Path, ok: Ok) -> Path:
    """A file book with a case manager without a login and an admin with one."""
    ok("staff", "add", "--name", "Kadri Põld")
    ok("staff", "add", "--name", "Anne Allik", "--user", "anne", "--role", "admin")
    return initialised


@pytest.mark.sqlite_only
def test_on_a_file_access_grant_maps_the_login_and_says_what_protects_the_file(
    staffed: Path, run: Run, ok: Ok
) -> None:
    result = run("--user", "anne", "access", "grant", "kadri", "--role", "case-manager",
                 "--staff", "S-0001")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "kadri works as case-manager for S-0001\n"
    assert result.stderr.startswith("Warning: a book in a file has no logins of its own")
    assert json.loads(ok("staff", "show", "S-0001", "--format", "json"))["user"] == "kadri"
    rows = json.loads(ok("access", "list", "--format", "json"))
    assert rows == [
        {"login": "anne", "staff": "S-0002", "role": "admin", "retired_on": None,
         "on_server": None, "can_log_in": None},
        {"login": "kadri", "staff": "S-0001", "role": "case-manager", "retired_on": None,
         "on_server": None, "can_log_in": None},
    ]  # fmt: skip
    grants = [e for e in audit_log(staffed) if e["action"] == "grant"]
    assert [(g["user"], g["entity_ref"], json.loads(g["changes"])) for g in grants] == [
        ("anne", "S-0001", {"login": [None, "kadri"], "role": ["case-manager", "case-manager"]})
    ]
    assert ok("audit", "verify").startswith("audit log intact:")


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("grant", "kadri", "--role", "coordinator"), 3, "no staff member has the login kadri"),
        (("grant", "Kadri Põld", "--role", "admin", "--staff", "S-0001"), 1, "cannot be a login"),
        (("grant", "pg_kadri", "--role", "admin", "--staff", "S-0001"), 1, "cannot be a login"),
        (("grant", "anne", "--role", "admin", "--staff", "S-0001"), 1, "already S-0002"),
        (("revoke", "anne"), 1, "a book in a file has no logins to take away"),
        (("revoke", "nobody"), 3, "no staff member has the login nobody"),
    ],
)
def test_on_a_file_a_wrong_grant_or_revoke_is_refused_writing_nothing(
    staffed: Path, run: Run, args: tuple[str, ...], code: int, message: str
) -> None:
    line = refused(run, staffed, "--user", "anne", "access", *args, code=code)
    assert message in line


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "args", [("list",), ("grant", "x", "--role", "admin", "--staff", "S-0001")]
)
def test_only_an_admin_gives_access(staffed: Path, run: Run, ok: Ok, args: tuple[str, ...]) -> None:
    ok("staff", "add", "--name", "Mari Mets", "--user", "mari", "--role", "coordinator")
    line = refused(run, staffed, "--user", "mari", "access", *args)
    assert line == "Error: a coordinator may not give or take away access: only an admin may"


def test_a_role_changed_on_the_server_needs_the_login_taken_away_first(book: Book) -> None:
    with book.connect("postgres") as con:
        before = con.execute("SELECT count(*) FROM audit_log").fetchone()
    result = book.cli("postgres", "staff", "edit", "S-0001", "--role", "coordinator")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: the login {KADRI} is already in rvneet_case_manager on this server (every book "
        f"on it shares these roles); take it away first with: rvneet access revoke {KADRI}, or "
        "give this person another login"
    ]
    with book.connect("postgres") as con:
        assert con.execute("SELECT count(*) FROM audit_log").fetchone() == before
        assert con.execute("SELECT role FROM staff WHERE ref = 'S-0001'").fetchone() == (
            "case-manager",
        )


def test_a_retired_staff_members_login_sees_nothing(book: Book) -> None:
    with book.connect("postgres") as con:
        con.execute(
            "UPDATE staff SET retired_on = '2025-12-31', retire_reason = 'left'"
            ' WHERE "user" IN (%s, %s)',
            (MARI, KADRI),
        )
    try:
        for login in (MARI, KADRI):
            with book.connect(login) as con:
                assert con.execute("SELECT count(*) FROM cases").fetchone() == (0,), login
                assert con.execute("SELECT count(*) FROM youths").fetchone() == (0,), login
    finally:
        with book.connect("postgres") as con:
            con.execute("UPDATE staff SET retired_on = NULL, retire_reason = NULL")


def test_a_group_role_without_a_staff_record_in_this_book_sees_nothing(book: Book) -> None:
    with book.connect("postgres") as con:
        con.execute("DROP ROLE IF EXISTS rls_stranger")
        con.execute("CREATE ROLE rls_stranger LOGIN IN ROLE rvneet_coordinator, rvneet_admin")
        con.execute(f'GRANT CONNECT ON DATABASE "{book.name}" TO rls_stranger')
    try:
        with book.connect("rls_stranger") as con:
            for table in ("cases", "youths", "contacts", "staff", "audit_log"):
                assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
            _denied(con, "INSERT INTO network_members (ref, name, role, org, tier)"
                         " VALUES ('M-999', 'x', 'other', 'x', 'core')")  # fmt: skip
    finally:
        with book.connect("postgres") as con:
            con.execute(f'REVOKE CONNECT ON DATABASE "{book.name}" FROM rls_stranger')
            con.execute("DROP ROLE rls_stranger")


def test_an_owner_with_createrole_sets_up_a_book_and_gives_access(
    book: Book, tmp_path: Path
) -> None:
    """The path docs/server.md describes: the database belongs to a login that may create roles
    (no superuser); it runs `rvneet init` and `access grant`, and is bound by the policies too."""
    server, owner, database = book.server, "rls_owner", "rls_owned"
    server.admin(f"DROP DATABASE IF EXISTS {database}")
    server.admin(f"DROP ROLE IF EXISTS {owner}")
    server.admin(f"CREATE ROLE {owner} LOGIN CREATEROLE")
    server.admin(f"CREATE DATABASE {database} OWNER {owner}")
    owned = Book(server, database)
    try:
        owned.ok(owner, "init", "--municipality", MUNICIPALITY)
        owned.ok(owner, "staff", "add", "--name", "Kadri Põld", "--user", KADRI)
        owned.ok(login := KADRI, "youth", "add", "--name", "Kati Kask", "--birth-date",
                 "2009-04-01", "--sex", "F")  # fmt: skip
        rows = json.loads(owned.ok(owner, "access", "list", "--format", "json"))
        assert [(r["login"], r["can_log_in"]) for r in rows] == [(login, True)]
        assert owned.ok(owner, "audit", "verify").startswith("audit log intact: 3 entries")
        # A bulk import by the owner: row-level security applies to it too, where PostgreSQL
        # refuses COPY, so its rows go in one by one in the same transaction.
        source = tmp_path / "noored.csv"
        source.write_text("name,birth_date,sex\nMart Mets,2008-01-02,M\nAnna Lepp,2009-03-04,F\n")
        owned.ok(owner, "import", "youths", str(source))
        youths = json.loads(owned.ok(owner, "youth", "list", "--format", "json"))
        assert len(youths) == 3
        owned.ok(owner, "audit", "verify")
        with owned.connect(owner) as con:
            assert con.execute("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'youths'"
                               ).fetchone() == (True,)  # fmt: skip
            assert con.execute('SELECT "user" FROM audit_log ORDER BY id LIMIT 3').fetchall() == [
                (owner,), (owner,), (KADRI,)
            ]  # fmt: skip
    finally:
        server.admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        server.admin(f"DROP ROLE IF EXISTS {owner}")
