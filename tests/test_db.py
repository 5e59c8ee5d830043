"""The database file: init, where it lives, its pragmas, schema versions and upgrades."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import MUNICIPALITY, Run, dump, execute
from typer.testing import Result

from rvneet.db import Database, head_revision, known_revisions, migrations_dir

Ok = Callable[..., str]

EXIT_REFUSED = 1
EXIT_DATABASE = 4


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def one_error_line(result: Result) -> str:
    """The command failed with exactly one line on stderr starting with `Error:`; return it."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), result.stderr
    return lines[0]


def stored_revision(path: Path) -> list[tuple[object, ...]]:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT version_num FROM alembic_version").fetchall()
    finally:
        con.close()


# --- init ----------------------------------------------------------------------------------------


def test_init_creates_a_private_file(run: Run, db_path: Path) -> None:
    result = run("init", "--municipality", MUNICIPALITY)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Created ")
    assert str(db_path) in result.stdout
    assert MUNICIPALITY in result.stdout
    assert result.stderr == ""
    assert mode(db_path) == 0o600
    for suffix in ("-wal", "-shm"):
        companion = db_path.with_name(db_path.name + suffix)
        if companion.exists():
            assert mode(companion) == 0o600
    assert stored_revision(db_path) == [(head_revision(),)]


def test_init_again_changes_nothing(ok: Ok, initialised: Path) -> None:
    before = dump(initialised)
    assert "nothing to do" in ok("init", "--municipality", MUNICIPALITY)
    assert "nothing to do" in ok("init", "--municipality", f"  {MUNICIPALITY} ")
    assert dump(initialised) == before
    assert mode(initialised) == 0o600


def test_init_with_another_municipality_is_refused(run: Run, initialised: Path) -> None:
    before = dump(initialised)
    result = run("init", "--municipality", "Tartu linn")
    assert result.exit_code == EXIT_REFUSED
    line = one_error_line(result)
    assert MUNICIPALITY in line
    assert result.stdout == ""
    assert dump(initialised) == before


def test_init_with_empty_municipality_is_refused(run: Run, db_path: Path) -> None:
    result = run("init", "--municipality", "  ")
    assert result.exit_code == EXIT_REFUSED
    assert "municipality" in one_error_line(result)
    assert not db_path.exists()


@pytest.mark.parametrize(
    "args",
    [
        ("youth", "list"),
        ("case", "list"),
        ("youth", "show", "Y-0001"),
        ("case", "show", "RV-2025-001"),
        ("youth", "add", "--name", "Mari Maasikas", "--birth-date", "2010-01-01", "--sex", "F"),
        ("report", "lisa4", "--period", "2025H1"),
    ],
    ids=" ".join,
)
def test_commands_on_a_missing_database_point_to_init(
    run: Run, db_path: Path, args: tuple[str, ...]
) -> None:
    result = run(*args)
    assert result.exit_code == EXIT_DATABASE
    line = one_error_line(result)
    assert "rvneet init" in line
    assert str(db_path) in line
    assert not db_path.exists()
    assert list(db_path.parent.iterdir()) == []


@pytest.mark.parametrize(
    "args", [("init", "--municipality", MUNICIPALITY), ("youth", "list")], ids=" ".join
)
def test_db_in_a_missing_folder_is_refused(run: Run, tmp_path: Path, args: tuple[str, ...]) -> None:
    folder = tmp_path / "no" / "such"
    result = run("--db", str(folder / "kov.db"), *args)
    assert result.exit_code == EXIT_DATABASE
    assert "does not exist" in one_error_line(result)
    assert not (tmp_path / "no").exists()


def test_db_option_wins_over_environment(
    run: Run, ok: Ok, initialised: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.db"
    assert "Created" in ok("--db", str(other), "init", "--municipality", "Tartu linn")
    ref = ok(
        "--db",
        str(other),
        "youth",
        "add",
        "--name",
        "Mari Maasikas",
        "--birth-date",
        "2010-01-01",
        "--sex",
        "F",
    )
    assert ref == "Y-0001"
    assert "Mari Maasikas" in ok("--db", str(other), "youth", "list")
    assert "none" in ok("youth", "list")  # RVNEET_DB still names the first database

    con = sqlite3.connect(initialised)
    try:
        assert con.execute("SELECT count(*) FROM youths").fetchone() == (0,)
        assert con.execute("SELECT value FROM settings").fetchall() == [(MUNICIPALITY,)]
    finally:
        con.close()


def test_db_option_works_when_environment_names_a_missing_file(
    run: Run, ok: Ok, tmp_path: Path, db_path: Path
) -> None:
    other = tmp_path / "other.db"
    ok("--db", str(other), "init", "--municipality", MUNICIPALITY)
    assert "none" in ok("--db", str(other), "youth", "list")
    assert not db_path.exists()


def test_default_path_is_the_user_data_folder(
    ok: Ok, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_path: Path
) -> None:
    monkeypatch.delenv("RVNEET_DB")
    expected = tmp_path / "xdg-data" / "rvneet" / "rvneet.db"
    out = ok("init", "--municipality", MUNICIPALITY)
    assert out == f"Created {expected} for {MUNICIPALITY}"
    assert expected.is_file()
    assert mode(expected) == 0o600
    assert mode(expected.parent) == 0o700
    assert not db_path.exists()
    assert "none" in ok("youth", "list")


def test_default_folder_is_not_created_by_other_commands(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("RVNEET_DB")
    result = run("youth", "list")
    assert result.exit_code == EXIT_DATABASE
    assert "rvneet init" in one_error_line(result)
    assert not (tmp_path / "xdg-data").exists()


# --- connections ---------------------------------------------------------------------------------


def test_connections_have_our_pragmas(initialised: Path) -> None:
    engine = Database(initialised, "tester").engine(write=False)
    try:
        with engine.connect() as connection:

            def pragma(name: str) -> object:
                return connection.exec_driver_sql(f"PRAGMA {name}").scalar()

            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
            assert pragma("busy_timeout") == 5000
    finally:
        engine.dispose()


def test_file_is_in_wal_mode_for_any_reader(initialised: Path) -> None:
    con = sqlite3.connect(initialised)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        con.close()


def test_foreign_keys_are_enforced(initialised: Path) -> None:
    from sqlalchemy.exc import IntegrityError

    engine = Database(initialised, "tester").engine(write=True)
    try:
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO cases (ref, youth_id, model, seq, start_date)"
                " VALUES ('RV-2025-001', 999, 'rv', 1, '2025-01-01')"
            )
    finally:
        engine.dispose()
    con = sqlite3.connect(initialised)
    try:
        assert con.execute("SELECT count(*) FROM cases").fetchone() == (0,)
    finally:
        con.close()


# --- schema versions -----------------------------------------------------------------------------


def downgrade_to_base(path: Path) -> None:
    """Undo every migration, as if the file had been made before the first schema."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    engine = Database(path, "tester").engine(write=True)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
    finally:
        engine.dispose()


def test_older_schema_is_upgraded_with_a_notice(run: Run, initialised: Path) -> None:
    downgrade_to_base(initialised)
    assert stored_revision(initialised) == []

    result = run("youth", "list")
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "upgraded" in lines[0]
    assert str(initialised) in lines[0]
    assert head_revision() in lines[0]
    assert stored_revision(initialised) == [(head_revision(),)]

    again = run("youth", "list")
    assert again.exit_code == 0
    assert again.stderr == ""


def test_older_schema_is_upgraded_by_init(ok: Ok, initialised: Path) -> None:
    downgrade_to_base(initialised)
    assert "Created" in ok("init", "--municipality", MUNICIPALITY)
    assert stored_revision(initialised) == [(head_revision(),)]


@pytest.mark.parametrize(
    "args", [("youth", "list"), ("init", "--municipality", MUNICIPALITY)], ids=" ".join
)
def test_newer_schema_is_refused(run: Run, initialised: Path, args: tuple[str, ...]) -> None:
    execute(initialised, "UPDATE alembic_version SET version_num = '9999'")
    before = dump(initialised)
    result = run(*args)
    assert result.exit_code == EXIT_DATABASE
    line = one_error_line(result)
    assert "newer" in line
    assert "9999" in line
    assert dump(initialised) == before


def _other_sqlite(path: Path) -> None:
    execute(
        path,
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)",
        "INSERT INTO notes VALUES (1, 'x')",
    )


def _text_file(path: Path) -> None:
    path.write_text("name,code\nMari,61001010009\n" * 50, encoding="utf-8")


@pytest.mark.parametrize("make", [_other_sqlite, _text_file], ids=["sqlite", "text"])
@pytest.mark.parametrize(
    "args", [("youth", "list"), ("init", "--municipality", MUNICIPALITY)], ids=" ".join
)
def test_a_file_that_is_not_an_rvneet_database_is_refused(
    run: Run, db_path: Path, make: Callable[[Path], None], args: tuple[str, ...]
) -> None:
    make(db_path)
    db_path.chmod(0o600)  # no warning about its mode beside the error
    before = db_path.read_bytes()
    result = run(*args)
    assert result.exit_code == EXIT_DATABASE
    assert "not an rvneet database" in one_error_line(result)
    assert db_path.read_bytes() == before


def test_an_empty_file_points_to_init(run: Run, ok: Ok, db_path: Path) -> None:
    db_path.touch(mode=0o600)
    result = run("youth", "list")
    assert result.exit_code == EXIT_DATABASE
    assert "rvneet init" in one_error_line(result)
    assert db_path.stat().st_size == 0
    assert "Created" in ok("init", "--municipality", MUNICIPALITY)
    assert "none" in ok("youth", "list")


def test_models_and_migrations_agree(initialised: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from rvneet.domain.tables import metadata

    engine = Database(initialised, "tester").engine(write=False)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def test_known_revisions_are_alembics() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(migrations_dir()))
    newest_first = [s.revision for s in script.walk_revisions()]
    assert known_revisions() == list(reversed(newest_first))
    assert head_revision() == script.get_current_head()


def test_cli_import_leaves_heavy_libraries_unloaded() -> None:
    code = (
        "import rvneet.cli, sys; print('sqlalchemy' in sys.modules, 'sqlmodel' in sys.modules,"
        " 'alembic' in sys.modules, 'pydantic' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.split() == ["False"] * 4


def test_a_folder_name_with_question_mark_and_hash_works(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "KOV?andmed#2025"
    folder.mkdir()
    path = folder / "rvneet.db"
    assert run("--db", str(path), "init", "--municipality", "Viljandi linn").exit_code == 0
    result = run("--db", str(path), "youth", "list", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "[]"


# Asks, from another process, whether someone holds SQLite's shared lock on the file (the bytes
# from PENDING_BYTE + 2, 510 of them): what a writer closing its last connection tries to take
# before it deletes the -wal and -shm.
LOCK_PROBE = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 510, 0x40000002)
except OSError:
    print("held")
else:
    print("free")
"""


def test_commands_keep_the_locks_of_the_other_connections_of_their_process(
    initialised: Path, run: Run
) -> None:
    """An idle connection in WAL mode (as `rvneet shell` keeps its own) holds a shared lock on the
    file, which tells another process closing its last connection that the -wal and -shm are in
    use. Closing any descriptor of the file drops every lock of the process on it: a command that
    opened the file itself to read its header left the -wal and -shm to be deleted under them."""

    def lock() -> str:
        probe = [sys.executable, "-c", LOCK_PROBE, str(initialised)]
        return subprocess.run(probe, capture_output=True, text=True, check=True).stdout.strip()

    con = sqlite3.connect(initialised)
    try:
        con.execute("SELECT count(*) FROM youths").fetchone()
        assert lock() == "held"
        for args in (
            ("youth", "list"),
            ("youth", "add", "--name", "Mari Maasikas", "--birth-date", "2009-04-01", "--sex", "F"),
            ("db", "check"),
        ):
            result = run(*args)
            assert result.exit_code == 0, result.stderr
            assert lock() == "held", args
    finally:
        con.close()
