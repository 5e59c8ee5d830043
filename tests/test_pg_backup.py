"""`db backup`, `db restore` and `db check` on a server book: PostgreSQL's own tools (pg_dump,
pg_restore) and catalog, the same options and messages as on a file, dump files readable by their
owner only, the address never on a tool's command line; `export` and `import export` unchanged.
Runs against the throwaway server of tests/pg.py; skips, saying why, where there is none."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import MUNICIPALITY, Run
from pg import PgServer, connect, pg_dump

from rvneet.db import head_revision

# Reports compared before a change and after the restore (all --format json --no-timestamp).
REPORTS = [
    ("report", "lisa4", "--period", "2025H1", "--no-timestamp"),
    ("report", "neet", "--period", "2025", "--no-timestamp"),
    ("youth", "list"),
    ("case", "list"),
]


@pytest.fixture(scope="module")
def server(pg_server: PgServer | None) -> PgServer:
    """The test process's server; the module is skipped, saying why, without one."""
    if pg_server is None:
        from pg import _WHY_NOT

        pytest.skip(f"PostgreSQL: {_WHY_NOT[0]}")
    return pg_server


@pytest.fixture
def book(server: PgServer, demo_book: Path, run: Run) -> Iterator[str]:
    """The demo book on a fresh server database (moved there by `db copy`): its URL."""
    name = server.new_database()
    url = server.url(name)
    copied = run("db", "copy", str(demo_book), url)
    assert copied.exit_code == 0, copied.stderr
    yield url
    server.drop(name)


@pytest.fixture(scope="module")
def shared(server: PgServer, demo_book: Path) -> Iterator[str]:
    """The demo book on the server for the tests that only read it (made once for the module)."""
    from typer.testing import CliRunner

    from rvneet.cli import app

    name = server.new_database()
    url = server.url(name)
    copied = CliRunner().invoke(app, ["db", "copy", str(demo_book), url], prog_name="rvneet")
    assert copied.exit_code == 0, copied.stderr
    yield url
    server.drop(name)


def _state(run: Run, url: str) -> list[str]:
    outputs = []
    for command in REPORTS:
        result = run("--db", url, *command, "--format", "json")
        assert result.exit_code == 0, (command, result.stderr)
        outputs.append(result.stdout)
    return outputs


def test_backup_change_restore_gives_the_book_as_it_was(
    book: str, tmp_path: Path, run: Run
) -> None:
    before = _state(run, book)
    backup = tmp_path / "book.dump"
    made = run("--db", book, "db", "backup", str(backup), "--format", "json")
    assert made.exit_code == 0, made.stderr
    info = json.loads(made.stdout)
    assert info["backup"] == str(backup) and info["bytes"] == backup.stat().st_size > 0
    assert info["database"] == book
    assert backup.stat().st_mode & 0o777 == 0o600
    # A change after the backup: a youth, and a contact on a case.
    added = run(
        "--db",
        book,
        "youth",
        "add",
        "--name",
        "Uus Noor",
        "--birth-date",
        "2010-01-01",
        "--sex",
        "F",
    )
    assert added.exit_code == 0, added.stderr
    contact = run(
        "--db", book, "case", "contact", "RV-2025-001", "--date", "2025-06-10", "--channel", "phone"
    )
    assert contact.exit_code == 0, contact.stderr
    assert _state(run, book) != before
    restored = run("--db", book, "db", "restore", str(backup), "--yes")
    assert restored.exit_code == 0, restored.stderr
    lines = restored.stdout.splitlines()
    assert lines[0].startswith(f"Saved the previous database as {tmp_path}/")
    assert lines[1].startswith(f"Restored {book} from {backup} (schema ")
    assert _state(run, book) == before
    # The previous content was saved, private, beside the backup; the restore is in the log.
    (safety,) = [p for p in tmp_path.iterdir() if ".before-restore-" in p.name]
    assert safety.stat().st_mode & 0o777 == 0o600 and safety.name.endswith(".dump")
    verified = run("--db", book, "audit", "verify")
    assert verified.exit_code == 0, verified.stderr
    with connect(book) as con:
        last = con.execute("SELECT action, changes FROM audit_log ORDER BY id DESC").fetchone()
    assert last is not None and last[0] == "restore"
    assert json.loads(last[1])["restored_from"] == [None, "book.dump"]


def test_a_damaged_or_foreign_file_is_refused_in_one_line(
    shared: str, tmp_path: Path, run: Run, demo_book: Path
) -> None:
    before = pg_dump(shared)
    backup = tmp_path / "book.dump"
    assert run("--db", shared, "db", "backup", str(backup)).exit_code == 0
    damaged = tmp_path / "damaged.dump"
    data = backup.read_bytes()
    damaged.write_bytes(data[:40] + bytes(b ^ 0x5A for b in data[40:200]) + data[200:])
    for bad in (damaged, demo_book, tmp_path / "missing.dump"):
        result = run("--db", shared, "db", "restore", str(bad), "--yes")
        assert result.exit_code == 4, (bad, result.stdout)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
        assert "unexpected" not in lines[0]
    assert pg_dump(shared) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.dump", "damaged.dump"]


def test_backup_keeps_an_existing_file_without_force(shared: str, tmp_path: Path, run: Run) -> None:
    backup = tmp_path / "book.dump"
    backup.write_text("keep me")
    refused = run("--db", shared, "db", "backup", str(backup))
    assert refused.exit_code == 1
    assert refused.stderr.strip() == f"Error: {backup} already exists; give --force to overwrite it"
    assert backup.read_text() == "keep me"
    forced = run("--db", shared, "db", "backup", str(backup), "--force")
    assert forced.exit_code == 0, forced.stderr
    assert forced.stdout.startswith(f"Backed up {shared} to {backup} (")
    assert backup.stat().st_mode & 0o777 == 0o600


def _check(run: Run, url: str, *more: str) -> tuple[int, dict[str, Any]]:
    result = run("--db", url, "db", "check", "--format", "json", *more)
    return result.exit_code, {row["check"]: row for row in json.loads(result.stdout)}


def test_check_reads_the_servers_catalog_and_the_audit_chain(book: str, run: Run) -> None:
    code, rows = _check(run, book)
    assert code == 0, rows
    assert list(rows) == [
        "schema",
        "tables",
        "constraints",
        "indexes",
        "audit_chain",
        "audit_triggers",
        "amcheck",
    ]
    assert all(row["ok"] for row in rows.values())
    assert rows["amcheck"]["detail"].startswith("skipped: the amcheck extension is not installed")
    with connect(book) as con:
        con.execute("CREATE EXTENSION amcheck")
    code, rows = _check(run, book, "--full")
    assert code == 0, rows
    assert rows["amcheck"]["detail"].endswith("indexes checked with amcheck")
    assert rows["audit"]["detail"] == "every record and its audit entries agree"
    # A constraint added without checking the rows it holds is found.
    with connect(book) as con:
        con.execute("ALTER TABLE youths ADD CONSTRAINT later CHECK (id > 0) NOT VALID")
    result = run("--db", book, "db", "check")
    assert result.exit_code == 4
    assert "constraint later on youths is not validated" in result.stdout
    assert result.stderr.strip().endswith("has problems: constraints (see the listing above)")


def test_check_finds_a_broken_audit_chain(book: str, run: Run) -> None:
    with connect(book) as con:
        con.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
        con.execute("UPDATE audit_log SET action = 'x' WHERE id = 3")
    code, rows = _check(run, book)
    assert code == 4
    assert not rows["audit_chain"]["ok"] and not rows["audit_triggers"]["ok"]
    assert rows["audit_chain"]["detail"].startswith("broken at entry 3:")


def test_a_missing_tool_is_one_line(
    shared: str, tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rvneet.storage.pgtools as pgtools

    monkeypatch.setattr(pgtools, "bindir_candidates", list)
    monkeypatch.setenv("PATH", str(tmp_path))
    result = run("--db", shared, "db", "backup", str(tmp_path / "book.dump"))
    assert result.exit_code == 4
    assert result.stderr.splitlines() == [
        "Error: pg_dump is not installed: a server book is backed up with PostgreSQL's own "
        "tools; install them (Debian: apt install postgresql-client)"
    ]
    assert list(tmp_path.iterdir()) == []


def test_the_address_goes_through_the_environment_only(
    shared: str, tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rvneet.storage.pgtools as pgtools

    calls: list[tuple[list[str], dict[str, str]]] = []
    real = subprocess.run

    def spy(args: list[str], **options: Any) -> Any:
        calls.append((list(args), dict(options.get("env") or {})))
        return real(args, **options)

    monkeypatch.setattr(pgtools.subprocess, "run", spy)
    secret = shared.replace("postgresql://postgres@", "postgresql://postgres:Salajane99@")
    result = run("--db", secret, "db", "backup", str(tmp_path / "book.dump"))
    assert result.exit_code == 0, result.stderr
    assert "Salajane99" not in result.stdout + result.stderr
    dumps = [(args, env) for args, env in calls if args[0].endswith("pg_dump")]
    assert dumps
    for args, env in dumps:
        assert not any("Salajane99" in a or "postgresql://" in a for a in args)
        assert env["PGPASSWORD"] == "Salajane99" and env["PGDATABASE"] in shared


def test_export_and_import_export_work_on_a_server_book(
    shared: str, server: PgServer, tmp_path: Path, run: Run
) -> None:
    exported = tmp_path / "book.json"
    result = run("--db", shared, "export", str(exported))
    assert result.exit_code == 0, result.stderr
    name = server.new_database()
    other = server.url(name)
    try:
        assert run("--db", other, "init", "--municipality", MUNICIPALITY).exit_code == 0
        loaded = run("--db", other, "import", "export", str(exported))
        assert loaded.exit_code == 0, loaded.stderr
        assert _state(run, other) == _state(run, shared)
        assert run("--db", other, "audit", "verify").exit_code == 0
    finally:
        server.drop(name)


def test_a_backup_restores_into_an_empty_database(
    shared: str, server: PgServer, tmp_path: Path, run: Run
) -> None:
    backup = tmp_path / "book.dump"
    assert run("--db", shared, "db", "backup", str(backup)).exit_code == 0
    name = server.new_database()
    other = server.url(name)
    try:
        restored = run("--db", other, "db", "restore", str(backup), "--yes")
        assert restored.exit_code == 0, restored.stderr
        assert restored.stdout.splitlines() == [
            f"Restored {other} from {backup} (schema {head_revision()})"
        ]
        assert _state(run, other) == _state(run, shared)
        assert run("--db", other, "audit", "verify").exit_code == 0
        assert sorted(p.name for p in tmp_path.iterdir()) == ["book.dump"]  # nothing to save
    finally:
        server.drop(name)


def test_a_backup_of_an_older_schema_is_upgraded_in_an_empty_database(
    shared: str, server: PgServer, tmp_path: Path, run: Run
) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, inspect

    from rvneet.db import migrations_dir
    from rvneet.storage.pgtools import dump_revision, run_tool

    old_name, new_name = server.new_database(), server.new_database()
    old, new = server.url(old_name), server.url(new_name)
    try:
        assert run("db", "copy", shared, old).exit_code == 0
        # The copy taken back to schema 0013 (before case_shares) and dumped there with pg_dump
        # itself: `db backup` would upgrade the book first.
        engine = create_engine(old.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(migrations_dir()))
            config.attributes["connection"] = connection
            command.downgrade(config, "0013")
        with engine.connect() as connection:
            kept = set(inspect(connection).get_table_names())
        engine.dispose()
        backup = tmp_path / "old.dump"
        run_tool("pg_dump", ["--format=custom", f"--file={backup}"], old)
        assert dump_revision(backup) == "0013"
        with connect(shared) as con:
            extra = sorted(
                {
                    r[0]
                    for r in con.execute(
                        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                    )
                }
                - kept
            )
        assert "case_shares" in extra
        # Into a book of the newest schema: refused, nothing changed.
        before = pg_dump(shared)
        refused = run("--db", shared, "db", "restore", str(backup), "--yes")
        assert refused.exit_code == 4
        assert refused.stderr.splitlines() == [
            f"Error: {backup} has schema 0013, without the tables {', '.join(extra)} that "
            f"{shared} has; restore it into an empty database, where it is upgraded"
        ]
        assert pg_dump(shared) == before
        # Into an empty database: restored and upgraded.
        restored = run("--db", new, "db", "restore", str(backup), "--yes")
        assert restored.exit_code == 0, restored.stderr
        assert f"from schema 0013 to {head_revision()}" in restored.stderr
        assert _state(run, new) == _state(run, shared)
        assert run("--db", new, "audit", "verify").exit_code == 0
    finally:
        server.drop(old_name)
        server.drop(new_name)
