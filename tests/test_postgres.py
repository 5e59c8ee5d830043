"""A book on a PostgreSQL server (`--db postgresql://…`): the same migrations, the same audit chain
and its append-only triggers, and the same reports, to the byte, as a SQLite file holding the same
book. Runs against the throwaway server of tests/pg.py; skips, saying why, where there is none."""

from __future__ import annotations

import json
import runpy
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from books import next_youths
from conftest import CODE_F_2010, MUNICIPALITY, Run
from pg import PgServer, connect

from rvneet.db import head_revision

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
# The reports, checks and listings compared between the engines, all with --format json
# (--no-timestamp where a report has a time of making).
COMPARED = [
    ("report", "lisa4", "--period", "2025H1", "--no-timestamp"),
    ("report", "lisa4", "--period", "2025H2", "--no-timestamp"),
    ("report", "neet", "--period", "2025", "--no-timestamp"),
    ("report", "workload", "--no-timestamp"),
    ("report", "followups", "--period", "2025", "--no-timestamp"),
    ("report", "feedback", "--period", "2025", "--no-timestamp"),
    ("report", "model", "--period", "2025", "--no-timestamp"),
    ("report", "model", "--period", "2025", "--no-timestamp", "--no-suppress"),
    ("today", "--date", "2025-06-02", "--manager", "kadri"),
    ("check",),
    ("youth", "list"),
    ("case", "list"),
    ("network", "list"),
    ("outreach", "list"),
    ("followup", "due", "--as-of", "2026-11-23"),
    ("case", "show", "RV-2025-001"),
    ("case", "show", "NEET-2025-001"),
]


@pytest.fixture(scope="module")
def server(pg_server: PgServer | None) -> PgServer:
    """The test process's server; the module is skipped, saying why, without one."""
    if pg_server is None:
        from pg import _WHY_NOT

        pytest.skip(f"PostgreSQL: {_WHY_NOT[0]}")
    return pg_server


@pytest.fixture(scope="module")
def demo(server: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """examples/load.sh loaded into a SQLite file and into a PostgreSQL database (the same book)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    server.forget_logins()  # the demo's logins may hold other roles from an earlier test
    name = server.new_database()
    url = server.url(name)
    loader = runpy.run_path(str(EXAMPLES / "load.py"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RVNEET_USER", "demo")
        for target in (str(path), url):
            patch.setenv("RVNEET_DB", target)
            loader["main"](EXAMPLES / "load.sh")
    yield path, url
    server.drop(name)


def _output(run: Run, db: str, *args: str) -> str:
    result = run("--db", db, *args, "--format", "json")
    # `check` exits 1 when a rule fails (the demo book has some): the same on both engines.
    assert result.exit_code == (1 if args[0] == "check" else 0), (args, result.stderr)
    return str(result.stdout)


@pytest.mark.parametrize("command", COMPARED, ids=lambda c: "-".join(c[:3]).replace("--", ""))
def test_reports_are_the_same_on_both_engines(
    demo: tuple[Path, str], run: Run, command: tuple[str, ...]
) -> None:
    path, url = demo
    on_file = _output(run, str(path), *command)
    assert json.loads(on_file)  # a report with content, not an empty answer on both
    assert _output(run, url, *command) == on_file


# The reports test_report_print.py prints in headless Chromium (on SQLite in `make test`): the
# same page from both engines, byte for byte, so a server's book prints as the file does.
PRINTED = [
    ("lisa4", "--period", "2025H1"),
    ("lisa4", "--period", "2025H1", "--trend", "4"),
    ("neet", "--period", "2025"),
    ("workload", "--as-of", "2025-06-30"),
    ("followups", "--period", "2025H2"),
]


@pytest.mark.parametrize("lang", ["et", "en"])
@pytest.mark.parametrize("report", PRINTED, ids=lambda r: "-".join(r[:1] + r[3:]))
def test_report_pages_are_the_same_on_both_engines(
    demo: tuple[Path, str], run: Run, report: tuple[str, ...], lang: str
) -> None:
    pages = []
    for db in (str(demo[0]), demo[1]):
        result = run("--db", db, "report", *report, "--format", "html", "--lang", lang,
                     "--no-timestamp")  # fmt: skip
        assert result.exit_code == 0, result.stderr
        pages.append(result.stdout)
    assert "<table" in pages[0]
    assert pages[1] == pages[0]


def test_the_next_reference_after_an_import_is_the_same(demo: tuple[Path, str], run: Run) -> None:
    """Imported rows came with their ids: PostgreSQL's sequences must have moved past them."""
    path, url = demo
    added = next_youths(run, str(path), url)
    assert added[0] == added[1] and added[0].startswith("Y-")


def test_the_audit_chain_of_the_demo_book_is_intact(demo: tuple[Path, str], run: Run) -> None:
    _, url = demo
    result = run("--db", url, "audit", "verify")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("audit log intact:")


def _as_login(url: str, login: str) -> str:
    """The same book's address as another login."""
    return url.replace("postgresql://postgres@", f"postgresql://{login}@", 1)


# The coordinator of the demo book (`staff add --user aallik --role coordinator`, which on a server
# makes the login too) reads only statistics columns (migration 0015): every report is the same.
@pytest.mark.parametrize(
    "command",
    [c for c in COMPARED if c[0] in ("report", "check")],
    ids=lambda c: "-".join(c[:3]).replace("--", ""),
)
def test_the_coordinators_reports_are_the_owners(
    demo: tuple[Path, str], run: Run, command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, url = demo
    owner = _output(run, url, *command)
    monkeypatch.delenv("RVNEET_USER")  # the login is who is working
    assert _output(run, _as_login(url, "aallik"), *command) == owner


def test_a_case_managers_login_lists_their_own_cases(
    demo: tuple[Path, str], run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, url = demo
    # Tiit is a case manager (Kadri, the demo's admin, sees every case).
    owners_view = _output(run, url, "case", "list", "--manager", "tiit")
    monkeypatch.delenv("RVNEET_USER")
    assert _output(run, _as_login(url, "tiit"), "case", "list") == owners_view
    assert json.loads(owners_view)
    everyone = _output(run, url, "case", "list")
    assert len(json.loads(owners_view)) < len(json.loads(everyone))


@pytest.fixture
def empty(server: PgServer) -> Iterator[str]:
    """An empty PostgreSQL database: its URL."""
    name = server.new_database()
    yield server.url(name)
    server.drop(name)


def test_init_runs_every_migration_on_an_empty_database(empty: str, run: Run) -> None:
    result = run("--db", empty, "init", "--municipality", MUNICIPALITY)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Created postgresql://")
    with connect(empty) as con:
        assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (head_revision(),)
        ]
    again = run("--db", empty, "init", "--municipality", MUNICIPALITY)
    assert again.exit_code == 0 and "nothing to do" in again.stdout


def test_a_command_before_init_points_to_it(empty: str, run: Run) -> None:
    result = run("--db", empty, "youth", "list")
    assert result.exit_code == 4, result.stdout
    assert result.stderr.strip().splitlines() == [
        f"Error: {empty} is empty; create the database with: rvneet init --municipality NAME"
    ]


def test_the_audit_log_is_append_only_for_any_client(empty: str, run: Run) -> None:
    assert run("--db", empty, "init", "--municipality", MUNICIPALITY).exit_code == 0
    added = run("--db", empty, "youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    assert added.exit_code == 0, added.stderr
    import psycopg

    for statement in (
        "UPDATE audit_log SET action = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ):
        with connect(empty) as con, pytest.raises(psycopg.Error, match="append-only"):
            con.execute(statement)
    with connect(empty) as con:
        con.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_delete")
    result = run("--db", empty, "audit", "verify")
    assert result.exit_code == 1
    assert "audit_log_no_delete is not as rvneet created it" in result.stderr


def test_a_service_name_reaches_the_book_as_libpq_finds_it(
    demo: tuple[Path, str],
    server: PgServer,
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    _, url = demo
    database = url.split("?")[0].rsplit("/", 1)[1]
    services = tmp_path / "pg_service.conf"
    services.write_text(
        f"[rvneet_demo]\nhost={server.socket_dir}\ndbname={database}\nuser=postgres\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    by_url = _output(run, url, "case", "list")
    assert _output(run, "postgresql://?service=rvneet_demo", "case", "list") == by_url
    monkeypatch.setenv("PGSERVICE", "rvneet_demo")
    assert _output(run, "postgresql://", "case", "list") == by_url
    missing = run("--db", "postgresql://?service=nowhere", "case", "list")
    assert missing.exit_code == 4
    assert len(missing.stderr.strip().splitlines()) == 1, missing.stderr
    assert 'service "nowhere" not found' in missing.stderr


def test_an_unreachable_server_is_one_line(run: Run, tmp_path: Path) -> None:
    result = run("--db", f"postgresql://postgres@/nobody?host={tmp_path}", "youth", "list")
    assert result.exit_code == 4
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: cannot read database postgresql://")


def test_without_the_driver_one_line_says_what_to_install(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg raises ImportError
    result = run("--db", "postgresql://someone@db.example/book", "youth", "list")
    assert result.exit_code == 4
    assert result.stderr.strip().splitlines() == [
        "Error: a PostgreSQL database needs the psycopg driver: pip install 'rvneet[server]'"
    ]


def test_an_erasure_on_a_server_book_leaves_the_chain_intact_and_no_copy_in_the_table_files(
    empty: str, server: PgServer, run: Run
) -> None:
    assert run("--db", empty, "init", "--municipality", MUNICIPALITY).exit_code == 0
    # The erased youth between others, so that their rows share its pages.
    names = ["Kaarel Kuusk", "Mari Maasikas", "Liisa Lepik"]
    for name, code in zip(names, ("", CODE_F_2010, ""), strict=True):
        who = ["--id-code", code] if code else ["--birth-date", "2010-02-02", "--sex", "F"]
        added = run("--db", empty, "youth", "add", "--name", name, *who)
        assert added.exit_code == 0, added.stderr
    opened = run("--db", empty, "case", "open", "--youth", "Y-0002", "--model", "neet",
                 "--start", "2025-03-03", "--light", "red", "--group", "risk",
                 "--allow-ineligible", "tested")  # fmt: skip
    assert opened.exit_code == 0, opened.stderr
    closed = run("--db", empty, "case", "close", "NEET-2025-001", "--end", "2025-06-30",
                 "--reason", "moved")  # fmt: skip
    assert closed.exit_code == 0, closed.stderr
    erased = run("--db", empty, "youth", "erase", "Y-0002", "--reason", "request", "--yes")
    assert erased.exit_code == 0, erased.stderr
    with connect(empty) as con:
        assert con.execute("SELECT name, id_code FROM youths ORDER BY id").fetchall() == [
            ("Kaarel Kuusk", None),
            ("(erased)", None),
            ("Liisa Lepik", None),
        ]
        con.execute("CHECKPOINT")  # the pages as they are now, written to the table files
        (oid,) = con.execute(
            "SELECT oid FROM pg_database WHERE datname = current_database()"
        ).fetchone()
    files = [f for f in (server.folder / "data" / "base" / str(oid)).iterdir() if f.is_file()]
    held = b"".join(f.read_bytes() for f in files)
    assert b"Kaarel Kuusk" in held and b"Liisa Lepik" in held  # the search finds what is there
    assert b"Mari Maasikas" not in held and CODE_F_2010.encode() not in held
    assert run("--db", empty, "audit", "verify").exit_code == 0


def test_an_admin_who_may_not_vacuum_is_told_the_owner_compacts(
    empty: str, server: PgServer, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An admin login is not the tables' owner, and PostgreSQL skips a VACUUM of them with only a
    warning: the erasure holds, says that the old row versions may stay, and the owner's compact
    takes them out of the table files."""
    assert run("--db", empty, "init", "--municipality", MUNICIPALITY).exit_code == 0
    server.forget_logins()
    admin = "pgt_erasing_admin"
    added = run("--db", empty, "staff", "add", "--name", "Anne Allik", "--user", admin,
                "--role", "admin")  # fmt: skip
    assert added.exit_code == 0, added.stderr
    for name, code in (("Kaarel Kuusk", None), ("Mari Maasikas", CODE_F_2010)):
        who = ["--id-code", code] if code else ["--birth-date", "2010-02-02", "--sex", "F"]
        assert run("--db", empty, "youth", "add", "--name", name, *who).exit_code == 0
    monkeypatch.delenv("RVNEET_USER")
    erased = run("--db", _as_login(empty, admin), "youth", "erase", "Y-0002", "--reason",
                 "request", "--yes")  # fmt: skip
    assert erased.exit_code == 0, erased.stderr
    assert erased.stderr.strip().splitlines() == [
        f"Warning: your login may not VACUUM every table of {_as_login(empty, admin)}, so the "
        "erased values' old row versions may stay in the server's table files: the database "
        "owner runs: rvneet db check --compact"
    ]
    compacted = run("--db", empty, "db", "check", "--compact")
    assert compacted.exit_code == 0, compacted.stderr
    with connect(empty) as con:
        con.execute("CHECKPOINT")
        (oid,) = con.execute(
            "SELECT oid FROM pg_database WHERE datname = current_database()"
        ).fetchone()
    folder = server.folder / "data" / "base" / str(oid)
    held = b"".join(f.read_bytes() for f in folder.iterdir() if f.is_file())
    assert b"Kaarel Kuusk" in held
    assert b"Mari Maasikas" not in held and CODE_F_2010.encode() not in held


def test_an_older_book_is_upgraded_by_its_owner_and_another_login_is_told_so(
    empty: str, server: PgServer, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from books import downgrade_to

    from rvneet.db import known_revisions

    assert run("--db", empty, "init", "--municipality", MUNICIPALITY).exit_code == 0
    server.forget_logins()
    manager = "pgt_upgrading_manager"
    added = run("--db", empty, "staff", "add", "--name", "Tiit Org", "--user", manager)
    assert added.exit_code == 0, added.stderr
    earlier, head = known_revisions()[-2:]
    downgrade_to(empty, earlier)
    monkeypatch.delenv("RVNEET_USER")
    refused = run("--db", _as_login(empty, manager), "case", "list")
    assert refused.exit_code == 4
    assert refused.stderr.strip().splitlines() == [
        f"Error: database {_as_login(empty, manager)} has schema {earlier} and must be upgraded "
        f"to {head} by the owner of its tables (the login that ran rvneet init): they run: "
        "rvneet init"
    ]
    upgraded = run("--db", empty, "init", "--municipality", MUNICIPALITY)
    assert upgraded.exit_code == 0, upgraded.stderr
    assert run("--db", _as_login(empty, manager), "case", "list").exit_code == 0


def test_a_nul_character_in_a_whole_book_import_is_one_line_and_nothing_written(
    demo: tuple[Path, str], empty: str, run: Run, tmp_path: Path
) -> None:
    """PostgreSQL refuses a NUL in text outright (a file would store it): rvneet finds it first."""
    path, _ = demo
    good = tmp_path / "book.json"
    assert run("--db", str(path), "export", str(good)).exit_code == 0
    bad = tmp_path / "bad.json"
    bad.write_text(
        good.read_text(encoding="utf-8").replace('"Karl Tamm"', '"Karl\\u0000 Tamm"', 1),
        encoding="utf-8",
    )
    assert run("--db", empty, "init", "--municipality", MUNICIPALITY).exit_code == 0
    result = run("--db", empty, "import", "export", str(bad))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: bad.json: table youths, row 1, name: holds a NUL character (\\x00), which is not text"
    ]
    with connect(empty) as con:
        assert con.execute("SELECT count(*) FROM youths").fetchone() == (0,)


def test_a_password_from_pgpassfile_is_used_as_libpq_uses_it(
    empty: str, server: PgServer, run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A login that must give a password (the test server trusts every other local login): libpq
    finds it in PGPASSFILE; without it, one line and nothing more, never the password."""
    assert run("--db", empty, "init", "--municipality", MUNICIPALITY).exit_code == 0
    login, secret = "pgt_with_password", "s3cret-Parool"
    server.admin(f"DROP ROLE IF EXISTS {login}")
    server.admin(f"CREATE ROLE {login} LOGIN SUPERUSER PASSWORD '{secret}'")
    hba = server.folder / "data" / "pg_hba.conf"
    trusting = hba.read_text(encoding="utf-8")
    hba.write_text(f"local all {login} scram-sha-256\n{trusting}", encoding="utf-8")
    server.admin("SELECT pg_reload_conf()")
    try:
        address = _as_login(empty, login)
        monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
        refused = run("--db", address, "youth", "list")
        assert refused.exit_code == 4
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1 and "password" in lines[0] and secret not in lines[0], lines
        passfile = tmp_path / "pgpass"
        passfile.write_text(f"*:*:*:{login}:{secret}\n", encoding="utf-8")
        passfile.chmod(0o600)
        monkeypatch.setenv("PGPASSFILE", str(passfile))
        monkeypatch.delenv("RVNEET_USER")
        listed = run("--db", address, "youth", "list", "--format", "json")
        assert listed.exit_code == 0, listed.stderr
        assert listed.stdout.strip() == "[]"
    finally:
        hba.write_text(trusting, encoding="utf-8")
        server.admin("SELECT pg_reload_conf()")
        server.admin(f"DROP ROLE IF EXISTS {login}")
