"""Roles as the CLI checks them (issue 18): each role by a representative command of every group,
and what `find` gives a case manager about other case managers' youths.

| staff | login | role |
|---|---|---|
| S-0001 Anna Aru | anna | case-manager: RV-2025-001 (Y-0001) |
| S-0002 Bert Berg | bert | case-manager: RV-2025-002 (Y-0002) |
| S-0003 Cora Cole | cora | coordinator |
| S-0004 Aivo Audit | audi | auditor |
| S-0005 Ada Admin | ada | admin |
| S-0006 Siim Saar | siim | case-manager: RV-2025-001 is shared with him |
| — | tester | no staff record: the file's owner, an admin |

Y-0003 has no case. A refusal is one line naming the role, exit code 1, nothing written (the
`refused` helper compares every row of the book, the audit log included).

The table runs on a SQLite file in full, each user by `--user`. On a PostgreSQL server each user
works as their own login (the owner as the database's owner) and the same cells must give the same
output and the same audit entries, or, where the server refuses before rvneet can, that refusal
in one line (`server_refusal` says where and why). Each cell on a server costs a book reset and a
command there, so `make test` runs a slice of it (`SLICE`: every command, and every role in each
group of commands); `make test-pg` (`--engine postgresql`, or `both`) runs every cell.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from books import copy_book
from conftest import CODE_F_2010, CODE_M_2010, Ok, Run, build_template, query, refused
from pg import PgServer, pg_copy_book
from typer.testing import CliRunner, Result

from rvneet.cli import app

CM_A, CM_B, COORD, AUDITOR, ADMIN, OWNER = "anna", "bert", "cora", "audi", "ada", "tester"
SHARED = "siim"
USERS = (CM_A, CM_B, COORD, AUDITOR, ADMIN, OWNER, SHARED)
ADMINS = {ADMIN, OWNER}
MANAGERS = {CM_A, CM_B, SHARED}
# Who may work on manager A's case: A and the manager it is shared with.
ON_A = {CM_A, SHARED}
NGTS_LIST = Path(__file__).resolve().parents[1] / "examples" / "ngts-2025-03.csv"
UNTIL = (dt.date.today() + dt.timedelta(days=30)).isoformat()
# What each role's refusal begins with.
PHRASES = {
    CM_A: "a case manager",
    CM_B: "a case manager",
    SHARED: "a case manager",
    COORD: "a coordinator sees statistics only",
    AUDITOR: "an auditor reads the audit log only",
}
# Refusals in other words than the role's.
OTHER_REFUSALS = {
    ("case share", SHARED): "only the manager of RV-2025-001 or an admin may share it",
}


def build(ok: Ok) -> None:
    ok("init", "--municipality", "Viljandi linn")
    ok("staff", "add", "--name", "Anna Aru", "--user", CM_A)
    ok("staff", "add", "--name", "Bert Berg", "--user", CM_B)
    ok("staff", "add", "--name", "Cora Cole", "--user", COORD, "--role", "coordinator")
    ok("staff", "add", "--name", "Aivo Audit", "--user", AUDITOR, "--role", "auditor")
    ok("staff", "add", "--name", "Ada Admin", "--user", ADMIN, "--role", "admin")
    ok("staff", "add", "--name", "Siim Saar", "--user", SHARED)
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    ok("youth", "add", "--name", "Jaan Tamm", "--id-code", CODE_M_2010)
    ok("youth", "add", "--name", "Kati Tamm", "--birth-date", "2001-07-14", "--sex", "F")
    rv = ("case", "open", "--model", "rv", "--risk", "high", "--start", "2025-02-03")
    ok(*rv, "--youth", "Y-0001", "--manager", "S-0001")
    ok(*rv, "--youth", "Y-0002", "--manager", "S-0002")
    ok("case", "share", "RV-2025-001", "--with", "S-0006", "--until", UNTIL, "--reason", "cover")
    ok("network", "add", "--name", "Priit Raud", "--role", "police", "--org", "Prefektuur")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory, "roles", build)


# These tests work on a copy of the template, on the engine pytest gives them (SQLite unless
# `--engine postgresql|both`, where they run as the server's owner with `--user`).
ON_THE_TEMPLATE = pytest.mark.usefixtures("book")

# A representative invocation of every command group (on manager A's case) and who may run it.
COMMANDS: list[tuple[str, tuple[str, ...], set[str]]] = [
    ("case show", ("case", "show", "RV-2025-001"), ON_A | ADMINS),
    (
        "case contact",
        ("case", "contact", "RV-2025-001", "--date", "2025-03-01", "--channel", "phone"),
        ON_A | ADMINS,
    ),
    (
        "case stage",
        ("case", "stage", "RV-2025-001", "risk-assessment", "--date", "2025-03-02"),
        ON_A | ADMINS,
    ),
    (
        "case assess",
        ("case", "assess", "RV-2025-001", "--date", "2025-03-03", "--risk", "medium"),
        ON_A | ADMINS,
    ),
    (
        "case goal",
        ("case", "goal", "add", "RV-2025-001", "School", "--date", "2025-03-04"),
        ON_A | ADMINS,
    ),
    (
        "case close",
        ("case", "close", "RV-2025-001", "--end", "2025-06-30", "--reason", "goals-met"),
        ON_A | ADMINS,
    ),
    (
        "case reassign",
        ("case", "reassign", "RV-2025-001", "--manager", "S-0002", "--date", "2025-03-05"),
        ADMINS,  # a handover is an admin's: not the manager's, nor a borrower's
    ),
    (
        "case share",
        ("case", "share", "RV-2025-001", "--with", "S-0002", "--until", UNTIL, "--reason", "cover"),
        {CM_A} | ADMINS,
    ),
    (
        "case open",
        (
            "case",
            "open",
            "--youth",
            "Y-0003",
            "--model",
            "neet",
            "--group",
            "neet",
            "--start",
            "2025-06-01",
            "--light",
            "red",
        ),
        MANAGERS | ADMINS,
    ),
    ("case list", ("case", "list"), MANAGERS | ADMINS),
    ("youth show", ("youth", "show", "Y-0001"), ON_A | ADMINS),
    ("youth list", ("youth", "list"), MANAGERS | ADMINS),
    (
        "youth add",
        ("youth", "add", "--name", "Uus Noor", "--birth-date", "2005-05-05", "--sex", "F"),
        MANAGERS | ADMINS,
    ),
    ("youth erase", ("youth", "erase", "Y-0003", "--reason", "request", "--yes"), ADMINS),
    ("find", ("find", "maasikas"), MANAGERS | ADMINS),
    ("today", ("today", "--manager", "S-0001"), {CM_A} | ADMINS),
    ("followup due", ("followup", "due"), MANAGERS | ADMINS),
    ("network list", ("network", "list"), MANAGERS | ADMINS),
    ("outreach list", ("outreach", "list"), MANAGERS | ADMINS),
    ("report lisa4", ("report", "lisa4", "--period", "2025H1"), {COORD} | ADMINS),
    ("report neet", ("report", "neet", "--period", "2025"), {COORD} | ADMINS),
    ("report workload", ("report", "workload"), {COORD} | ADMINS),
    ("check", ("check", "--period", "2025H1", "--warn-only"), {COORD} | ADMINS),
    ("agreement list", ("agreement", "list"), {COORD} | ADMINS),
    ("settings", ("settings", "consent-age", "15"), {COORD} | ADMINS),
    ("audit", ("audit",), {AUDITOR} | ADMINS),
    ("audit verify", ("audit", "verify"), {AUDITOR} | ADMINS),
    ("staff list", ("staff", "list"), ADMINS),
    ("staff add", ("staff", "add", "--name", "Uus Töötaja"), ADMINS),
    ("retention", ("retention",), ADMINS),
    ("db check", ("db", "check"), ADMINS),
    (
        "import ngts",
        ("import", "ngts", str(NGTS_LIST), "--list-date", "2025-03-15"),
        {COORD} | ADMINS,
    ),
]


@ON_THE_TEMPLATE
@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize(("name", "args", "allowed"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_each_role_runs_what_it_may_and_is_refused_the_rest(
    run: Run, db_path: Path, user: str, name: str, args: tuple[str, ...], allowed: set[str]
) -> None:
    if user in allowed:
        result = run("--user", user, *args)
        assert result.exit_code == 0, (user, name, result.stdout, result.stderr)
        return
    line = refused(run, db_path, "--user", user, *args)
    assert OTHER_REFUSALS.get((name, user), PHRASES[user]) in line, (user, name, line)


@ON_THE_TEMPLATE
def test_export_is_the_admins_only(run: Run, db_path: Path, tmp_path: Path) -> None:
    for user in (CM_A, COORD, AUDITOR):
        refused(run, db_path, "--user", user, "export", str(tmp_path / "out.json"))
        assert not (tmp_path / "out.json").exists()
    assert run("--user", ADMIN, "export", str(tmp_path / "out.json")).exit_code == 0


@ON_THE_TEMPLATE
def test_a_retired_login_is_refused_and_nothing_is_written(ok: Ok, run: Run, db_path: Path) -> None:
    ok("staff", "retire", "S-0002", "--date", "2025-06-30", "--reason", "moved away")
    line = refused(run, db_path, "--user", CM_B, "case", "list")
    assert "retired" in line and "S-0002" in line


@ON_THE_TEMPLATE
def test_find_gives_a_case_manager_only_the_reference_of_another_managers_youth(
    ok: Ok, db_path: Path
) -> None:
    hits = json.loads(ok("--user", CM_A, "find", "tamm", "--format", "json"))
    assert hits == [
        {"kind": "youth", "reference": "Y-0002", "label": "", "matched": "name", "code_end": None,
         "birth_date": None, "erased": False, "open_case_elsewhere": True},
        # Y-0003 has no case: a youth to reach, theirs to see.
        {"kind": "youth", "reference": "Y-0003", "label": "Kati Tamm", "matched": "name",
         "code_end": None, "birth_date": "2001-07-14", "erased": False,
         "open_case_elsewhere": None},
    ]  # fmt: skip
    # By the other manager's case reference: the youth's reference, no case reference.
    by_case = json.loads(ok("--user", CM_A, "find", "RV-2025-002", "--format", "json"))
    assert [(h["kind"], h["reference"], h["label"]) for h in by_case] == [("youth", "Y-0002", "")]
    # By the last 4 digits of the personal code: no name, no digits, no birth date.
    screen = ok("--user", CM_A, "find", CODE_M_2010[-4:])
    assert "Y-0002" in screen and "Tamm" not in screen and CODE_M_2010[-4:] not in screen
    assert "another case manager's: open case" in screen
    # Their own youth in full; the admin sees everyone in full.
    mine = json.loads(ok("--user", CM_A, "find", "maasikas", "--format", "json"))
    assert mine[0]["label"] == "Mari Maasikas" and mine[0]["open_case_elsewhere"] is None
    everyone = json.loads(ok("--user", ADMIN, "find", "tamm", "--format", "json"))
    assert {h["label"] for h in everyone} == {"Jaan Tamm", "Kati Tamm"}


@ON_THE_TEMPLATE
def test_reading_another_managers_youth_further_is_refused(run: Run, db_path: Path) -> None:
    line = refused(run, db_path, "--user", CM_A, "youth", "show", "Y-0002")
    assert "Y-0002 is not one of them" in line
    line = refused(run, db_path, "--user", CM_A, "case", "show", "RV-2025-002")
    assert "RV-2025-002 is not one of them" in line
    line = refused(run, db_path, "--user", CM_A, "youth", "show", CODE_M_2010)
    assert CODE_M_2010 not in line


@ON_THE_TEMPLATE
def test_lists_hold_only_a_case_managers_own(ok: Ok) -> None:
    cases = json.loads(ok("--user", CM_A, "case", "list", "--format", "json"))
    assert [c["case"] for c in cases] == ["RV-2025-001"]
    youths = json.loads(ok("--user", CM_A, "youth", "list", "--format", "json"))
    assert [y["youth"] for y in youths] == ["Y-0001", "Y-0003"]


def test_the_roles_hold_on_either_engine(ok: Ok, run: Run, initialised: Path) -> None:
    # The same rules on PostgreSQL (the database enforces them again with (A)'s roles).
    for name, login, role in (("Anna Aru", CM_A, "case-manager"), ("Bert Berg", CM_B,
                              "case-manager"), ("Cora Cole", COORD, "coordinator"),
                              ("Aivo Audit", AUDITOR, "auditor")):  # fmt: skip
        ok("staff", "add", "--name", name, "--user", login, "--role", role)
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    ok("youth", "add", "--name", "Jaan Tamm", "--id-code", CODE_M_2010)
    rv = ("case", "open", "--model", "rv", "--risk", "high", "--start", "2025-02-03")
    ok(*rv, "--youth", "Y-0001", "--manager", "S-0001")
    ok(*rv, "--youth", "Y-0002", "--manager", "S-0002")
    ok("--user", CM_A, "case", "show", "RV-2025-001")
    for user in (CM_B, COORD, AUDITOR):
        assert PHRASES[user] in refused(run, initialised, "--user", user, "case", "show",
                                        "RV-2025-001")  # fmt: skip
    ok("--user", COORD, "report", "lisa4", "--period", "2025H1")
    refused(run, initialised, "--user", AUDITOR, "report", "lisa4", "--period", "2025H1")
    ok("--user", AUDITOR, "audit", "verify")
    ok("--user", CM_A, "case", "share", "RV-2025-001", "--with", CM_B, "--until", UNTIL,
       "--reason", "cover")  # fmt: skip
    ok("--user", CM_B, "case", "show", "RV-2025-001")
    hits = json.loads(ok("--user", CM_A, "find", "tamm", "--format", "json"))
    assert [(h["reference"], h["label"], h["open_case_elsewhere"]) for h in hits] == [
        ("Y-0002", "", True)
    ]


# --- The same table on a PostgreSQL server ------------------------------------------------------
#
# Each user works as their own login (the owner as the database's owner), with no --user: the
# server's grants and row-level security (migration 0015) hold beside rvneet's own checks. An
# allowed command gives what it gives on a file, byte for byte; a refusal is one line, exit 1 (3
# where the server hides the row), and the book, its audit log included, is unchanged.

# The owner of the server's book: the login that ran `init` (the test server's superuser).
SERVER_OWNER = "tester"  # tests/pg.py TESTER: the books' login
GROUP_ROLES = {
    CM_A: "rvneet_case_manager",
    CM_B: "rvneet_case_manager",
    SHARED: "rvneet_case_manager",
    COORD: "rvneet_coordinator",
    AUDITOR: "rvneet_auditor",
    ADMIN: "rvneet_admin",
}
# The commands that read manager A's case (or its youth, Y-0001) before anything else.
ON_THE_CASE = {name for name, args, _ in COMMANDS if "RV-2025-001" in args} | {"youth show"}


def login_of(user: str) -> str:
    """The PostgreSQL login `user` works as."""
    return SERVER_OWNER if user == OWNER else user


def server_refusal(user: str, name: str) -> tuple[int, str] | None:
    """The exit code and line a server gives where it refuses before rvneet does (None: rvneet
    refuses, or allows, as on a file). rvneet asks about the role first; a case manager's command
    then finds its case or youth, and on a server that read is already filtered."""
    table = "youths" if name == "youth show" else "cases"
    if name in ON_THE_CASE and name != "case reassign" and user == CM_B:
        # Row-level security hides manager A's case from manager B: rvneet finds no such case,
        # which on a server does not even say that it exists.
        return 3, (
            "Error: no youth 'Y-0001'" if table == "youths" else "Error: no case 'RV-2025-001'"
        )
    return None


# The default run's slice of the table on a server: every command once, and every role at least
# once in each group of commands (case work; reports and imports; the audit log and
# administration), the cells where the server differs among them. `--engine postgresql|both`
# (make test-pg) runs every cell.
SLICE: dict[str, set[tuple[str, str]]] = {
    "case work": {
        ("case show", CM_B),
        ("case contact", COORD),
        ("case stage", AUDITOR),
        ("case assess", CM_A),
        ("case goal", SHARED),
        ("case close", OWNER),
        ("case reassign", CM_A),
        ("case reassign", SHARED),
        ("case share", CM_A),
        ("case open", CM_B),
        ("case list", COORD),
        ("youth show", CM_A),
        ("youth list", AUDITOR),
        ("youth add", CM_B),
        ("youth erase", CM_A),
        ("find", CM_B),
        ("today", CM_A),
        ("followup due", ADMIN),
        ("network list", COORD),
        ("outreach list", AUDITOR),
    },
    "reports and imports": {
        ("report lisa4", COORD),
        ("report neet", OWNER),
        ("report neet", SHARED),
        ("report workload", CM_A),
        ("check", CM_B),
        ("agreement list", AUDITOR),
        ("settings", COORD),
        ("import ngts", COORD),
        ("import ngts", ADMIN),
    },
    "the audit log and administration": {
        ("audit", AUDITOR),
        ("audit verify", COORD),
        ("audit verify", SHARED),
        ("staff list", CM_A),
        ("staff add", ADMIN),
        ("retention", CM_B),
        ("db check", OWNER),
    },
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The cells of the table on a server: all of them with `--engine postgresql|both`, else
    the `SLICE` (each cell costs a book reset and a command on the server)."""
    if metafunc.definition.name != "test_each_role_on_postgresql_as_on_a_file":
        return
    every = metafunc.config.getoption("--engine") in ("postgresql", "both")
    chosen = []
    for name, args, allowed in COMMANDS:
        for user in USERS:
            if not every and not any((name, user) in cells for cells in SLICE.values()):
                continue
            chosen.append(pytest.param(name, args, user in allowed, user, id=f"{name}-{user}"))
    metafunc.parametrize(("name", "args", "allowed", "user"), chosen)


def test_the_servers_slice_has_every_command_and_every_role_in_each_group() -> None:
    names = [name for name, _, _ in COMMANDS]
    for group, cells in SLICE.items():
        assert {user for _, user in cells} == set(USERS), group
        assert {name for name, _ in cells} <= set(names), group
    assert sorted({name for cells in SLICE.values() for name, _ in cells}) == sorted(names)


@pytest.fixture
def server_book(
    template: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The template's rows in the server's book (its address, where a file's path would be),
    each user's login in its group role."""
    url = pg_copy_book(request, monkeypatch, template)
    server: PgServer = request.getfixturevalue("pg_server")
    server.forget_logins()
    database = urlsplit(url).path.lstrip("/")
    server.admin(
        "DO $$ BEGIN "
        + " ".join(
            f"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{login}') THEN"
            f" CREATE ROLE {login} LOGIN; END IF; GRANT {group} TO {login};"
            f' GRANT CONNECT ON DATABASE "{database}" TO {login};'
            for login, group in GROUP_ROLES.items()
        )
        + " END $$"
    )
    return url  # type: ignore[return-value]


def test_each_role_on_postgresql_as_on_a_file(
    server_book: Path,
    template: Path,
    tmp_path: Path,
    name: str,
    args: tuple[str, ...],
    allowed: bool,
    user: str,
) -> None:
    runner = CliRunner()
    file = copy_book(template, tmp_path / "file.db")
    on_file = runner.invoke(app, ["--db", str(file), "--user", user, *args], prog_name="rvneet")
    address = str(server_book).replace(
        f"postgresql://{SERVER_OWNER}@", f"postgresql://{login_of(user)}@"
    )

    def on_server(*more: str) -> Result:
        # Without RVNEET_USER: the login is who is working.
        return runner.invoke(
            app, ["--db", address, *more], prog_name="rvneet", env={"RVNEET_USER": None}
        )

    if (differs := server_refusal(user, name)) is not None:
        code, expected = differs
        assert refused(on_server, server_book, *args, code=code) == expected
        return
    if not allowed:
        # rvneet refuses first, in the same words as on a file.
        assert refused(on_server, server_book, *args) == on_file.stderr.strip()
        return
    result = on_server(*args)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    if name == "db check":
        # The server's own checks, not SQLite's: another table, headed by the book's address.
        assert result.stdout.startswith(f"Check of {address}"), result.stdout
        return
    warned = on_file.stderr
    if name == "youth erase" and login_of(user) != SERVER_OWNER:
        # An admin login does not own the tables, which PostgreSQL does not let it VACUUM.
        warned += (
            f"Warning: your login may not VACUUM every table of {address}, so the erased values' "
            "old row versions may stay in the server's table files: the database owner runs: "
            "rvneet db check --compact\n"
        )
    assert (result.stdout, result.stderr) == (on_file.stdout, warned)
    # The same entries in the audit log, the server's naming the login (the owner's: its own).
    start = query(template, "SELECT max(id) FROM audit_log")[0][0]
    logged = (
        f"SELECT user, entity, entity_ref, action FROM audit_log WHERE id > {start} ORDER BY id"
    )
    as_on_file = [(login_of(u), *rest) for u, *rest in query(file, logged)]
    assert query(server_book, logged) == as_on_file
