"""`rvneet db backup | check | restore` on real SQLite files, a concurrent writer included."""

import json
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from books import downgrade_to
from conftest import Ok, Run, dump, execute, query, refused

from rvneet.db import head_revision

EXIT_DATABASE = 4
CHECKS = ["quick", "foreign_keys", "schema"]
CHECK_KEYS = {"check", "ok", "result", "detail", "problems"}


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    assert "unexpected" not in lines[0] and "Traceback" not in stderr
    return lines[0]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def youths(path: Path) -> list[str]:
    return [r[0] for r in query(path, "SELECT ref FROM youths ORDER BY ref")]


def add_youth(ok: Ok, name: str = "Mari Maasikas") -> str:
    return ok("youth", "add", "--name", name, "--birth-date", "2010-01-01", "--sex", "F")


@pytest.fixture
def book(ok: Ok, initialised: Path) -> Path:
    """The test's database with one youth in it."""
    assert add_youth(ok) == "Y-0001"
    return initialised


@pytest.fixture
def backup(ok: Ok, book: Path, tmp_path: Path) -> Path:
    """A backup of `book`, made by `rvneet db backup`."""
    path = tmp_path / "backup.db"
    ok("db", "backup", str(path))
    return path


# Backup


def test_backup_is_a_private_rvneet_database_with_the_same_rows(
    ok: Ok, book: Path, tmp_path: Path
) -> None:
    target = tmp_path / "copy.db"
    out = ok("db", "backup", str(target))
    assert str(target) in out
    assert f"schema {head_revision()}" in out
    assert mode(target) == 0o600
    assert dump(target) == dump(book)
    assert query(target, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
    # One self-contained file: no journal beside it, and rollback mode so none is made on reading.
    assert not Path(f"{target}-wal").exists()
    assert query(target, "PRAGMA journal_mode") == [("delete",)]


def test_backup_json_record(ok: Ok, book: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    record = json.loads(ok("db", "backup", str(target), "--format", "json"))
    assert record == {
        "database": str(book),
        "backup": str(target),
        "bytes": target.stat().st_size,
        "schema": head_revision(),
    }


def test_backup_refuses_an_existing_file_unless_forced(
    run: Run, ok: Ok, book: Path, tmp_path: Path
) -> None:
    target = tmp_path / "copy.db"
    target.write_text("keep me", encoding="utf-8")
    target.chmod(0o644)
    line = refused(run, book, "db", "backup", str(target))
    assert "already exists" in line and "--force" in line
    assert target.read_text(encoding="utf-8") == "keep me"

    ok("db", "backup", str(target), "--force")
    assert dump(target) == dump(book)
    assert mode(target) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_backup_refuses_a_missing_folder(run: Run, book: Path, tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "copy.db"
    assert "does not exist" in refused(run, book, "db", "backup", str(target))
    assert not target.parent.exists()


def test_backup_refuses_the_database_itself(run: Run, book: Path) -> None:
    assert "database itself" in refused(run, book, "db", "backup", str(book), "--force")


def test_backup_of_a_missing_database_points_to_init(run: Run, tmp_path: Path) -> None:
    result = run("db", "backup", str(tmp_path / "copy.db"))
    assert result.exit_code == EXIT_DATABASE
    assert "rvneet init" in one_error_line(result.stderr)
    assert not (tmp_path / "copy.db").exists()


WRITER = """
import sqlite3, sys, time
from pathlib import Path
con = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)
stop, end = Path(sys.argv[2]), time.monotonic() + 5
i = 0
while not stop.exists() and time.monotonic() < end:
    con.execute("BEGIN IMMEDIATE")
    con.executemany(
        "INSERT INTO settings (key, value) VALUES (?, ?)",
        [(f"load-{i}-{j}", "x" * 500) for j in range(20)],
    )
    con.execute("COMMIT")
    i += 1
con.close()
"""


def settings_count(path: Path) -> int:
    return int(query(path, "SELECT count(*) FROM settings")[0][0])


def test_backup_while_another_process_writes_is_consistent(
    ok: Ok, book: Path, tmp_path: Path
) -> None:
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(book), str(stop)])
    try:
        deadline = time.monotonic() + 10
        while settings_count(book) < 2000:  # a database of a megabyte or more, still growing
            assert writer.poll() is None, "the writer stopped early"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        before = settings_count(book)
        target = tmp_path / "during.db"
        ok("db", "backup", str(target))
        after = settings_count(book)
        assert writer.poll() is None, "the backup did not overlap the writer"
        time.sleep(0.1)
    finally:
        stop.touch()
        assert writer.wait(timeout=20) == 0
    assert query(target, "PRAGMA integrity_check") == [("ok",)]
    assert query(target, "PRAGMA foreign_key_check") == []
    copied = settings_count(target)
    assert before <= copied <= after
    assert copied % 20 == 1  # whole transactions only: the municipality row and batches of 20
    assert settings_count(book) > after


# Check


def check(run: Run, *args: str) -> tuple[int, list[dict[str, object]], str]:
    result = run("db", "check", "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout), result.stderr


def test_check_passes_on_a_good_database(run: Run, book: Path) -> None:
    code, rows, stderr = check(run)
    assert code == 0, stderr
    assert stderr == ""
    assert [r["check"] for r in rows] == CHECKS
    assert all(set(r) == CHECK_KEYS for r in rows)
    assert all(r["ok"] is True and r["result"] == "ok" and r["problems"] == [] for r in rows)


def test_check_full_runs_the_integrity_check(run: Run, book: Path) -> None:
    code, rows, _ = check(run, "--full")
    assert code == 0
    assert rows[0]["check"] == "integrity"
    assert "integrity_check" in str(rows[0]["detail"])
    assert [r["check"] for r in rows] == [
        "integrity",
        "foreign_keys",
        "schema",
        "audit",
        "audit_chain",
        "audit_triggers",
    ]
    assert rows[3]["ok"] is True


def test_check_full_finds_records_and_the_audit_log_apart(run: Run, book: Path) -> None:
    # A youth written past the audit (raw SQL), and the audited youth Y-0001 gone without a trace.
    execute(
        book,
        "INSERT INTO youths (id, ref, name, birth_date, sex)"
        " VALUES (7, 'Y-0007', 'Peidus Noor', '2010-01-01', 'F')",
        "DELETE FROM youths WHERE id = 1",
    )
    code, rows, stderr = check(run, "--full")
    assert code == EXIT_DATABASE
    assert one_error_line(stderr).endswith("has problems: audit (see the listing above)")
    audit = rows[3]
    assert (audit["check"], audit["ok"]) == ("audit", False)
    # Would fail without `_audit` in services/maintenance.py `check_database`. Ids, never names.
    assert audit["problems"] == [
        "youths record 7 has no audit entry of its creation",
        "youths record 1 is in the audit log but missing",
    ]
    assert "Peidus" not in json.dumps(rows)
    # The quick check leaves the audit log alone.
    assert check(run)[0] == 0


def test_check_table(ok: Ok, book: Path) -> None:
    out = ok("db", "check")
    for word in ("Check", "quick", "foreign_keys", "schema", "ok"):
        assert word in out


def test_check_finds_a_broken_foreign_key(run: Run, ok: Ok, book: Path) -> None:
    ok(
        "case",
        "open",
        "--youth",
        "Y-0001",
        "--model",
        "rv",
        "--start",
        "2025-02-03",
        "--risk",
        "high",
    )
    execute(book, "UPDATE cases SET youth_id = 999")
    before = book.read_bytes()
    code, rows, stderr = check(run)
    assert code == EXIT_DATABASE
    line = one_error_line(stderr)
    assert "foreign_keys" in line
    by_check = {r["check"]: r for r in rows}
    assert by_check["quick"]["ok"] is True
    assert by_check["foreign_keys"]["ok"] is False
    assert by_check["foreign_keys"]["result"] == "problem"
    assert "cases row 1 refers to a missing youths" in str(by_check["foreign_keys"]["problems"])
    assert book.read_bytes() == before


def corrupt(path: Path) -> None:
    """Fill the database to a few hundred pages, then overwrite the cell pointers of the middle third.

    SQLite keeps no checksums, so garbage inside a row's text would go unnoticed: the damage is put
    where its checks look.
    """
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=DELETE")  # everything in the main file
    con.executemany(
        "INSERT INTO settings (key, value) VALUES (?, ?)",
        [(f"filler-{i:05d}", "v" * 300) for i in range(2000)],
    )
    con.commit()
    page_size, pages = (
        con.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_size", "page_count")
    )
    con.close()
    with path.open("r+b") as f:
        for page in range(pages // 3, 2 * pages // 3):
            f.seek(page * page_size + 16)
            f.write(bytes((i * 37 + 11) % 256 for i in range(64)))


def test_check_finds_a_corrupted_file(run: Run, book: Path) -> None:
    corrupt(book)
    for args in ((), ("--full",)):
        code, rows, stderr = check(run, *args)
        assert code == EXIT_DATABASE, stderr
        assert "has problems" in one_error_line(stderr)
        assert rows[0]["ok"] is False
        assert rows[0]["problems"]


def test_check_of_a_newer_schema_is_a_problem(run: Run, book: Path) -> None:
    execute(book, "UPDATE alembic_version SET version_num = '9999'")
    code, rows, stderr = check(run)
    assert code == EXIT_DATABASE
    one_error_line(stderr)
    assert rows[2]["ok"] is False and "9999" in str(rows[2]["detail"])


def test_check_of_a_missing_database(run: Run, tmp_path: Path) -> None:
    result = run("db", "check")
    assert result.exit_code == EXIT_DATABASE
    assert "no database" in one_error_line(result.stderr)


def test_check_works_on_a_read_only_file(run: Run, book: Path) -> None:
    before = book.read_bytes()
    book.chmod(0o400)
    try:
        code, _, stderr = check(run)
    finally:
        book.chmod(0o600)
    assert code == 0, stderr
    assert book.read_bytes() == before


def test_check_takes_no_write_lock(run: Run, book: Path) -> None:
    """It runs while another connection holds the write lock, and does not wait for it."""
    con = sqlite3.connect(book, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT INTO settings (key, value) VALUES ('held', 'x')")
        started = time.monotonic()
        code, _, stderr = check(run)
        assert code == 0, stderr
        assert time.monotonic() - started < 3
    finally:
        con.execute("ROLLBACK")
        con.close()


# Restore


def test_restore_round_trip(run: Run, ok: Ok, book: Path, backup: Path) -> None:
    assert add_youth(ok, "Karl Tamm") == "Y-0002"
    result = run("db", "restore", str(backup), "--yes")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert youths(book) == ["Y-0001"]

    copies = list(book.parent.glob(f"{book.name}.before-restore-*"))
    assert len(copies) == 1
    safety = copies[0]
    assert str(safety) in result.stdout
    assert len(safety.name.rsplit("-", 1)[1]) == len("20250101T120000Z")
    assert mode(safety) == 0o600
    assert youths(safety) == ["Y-0001", "Y-0002"]

    audit = query(book, "SELECT user, entity_id, changes FROM audit_log WHERE entity = 'database'")
    assert len(audit) == 1
    user, entity_id, changes = audit[0]
    assert (user, entity_id) == ("tester", 0)
    assert json.loads(changes) == {
        "restored_from": [None, backup.name],
        "safety_copy": [None, safety.name],
    }
    assert query(book, "SELECT action FROM audit_log WHERE entity = 'database'") == [("restore",)]
    # Still a working rvneet database in WAL mode.
    assert query(book, "PRAGMA journal_mode") == [("wal",)]
    assert add_youth(ok, "Karl Tamm") == "Y-0002"


def test_restore_asks_and_goes_ahead_on_yes(run: Run, ok: Ok, book: Path, backup: Path) -> None:
    add_youth(ok, "Karl Tamm")
    result = run("db", "restore", str(backup), input="y\n")
    assert result.exit_code == 0, result.stderr
    assert "Replace" in result.stdout and "before-restore" in result.stdout
    assert youths(book) == ["Y-0001"]


def test_restore_declined_changes_nothing(run: Run, ok: Ok, book: Path, backup: Path) -> None:
    add_youth(ok, "Karl Tamm")
    before = dump(book)
    result = run("db", "restore", str(backup), input="n\n")
    assert result.exit_code == 1
    assert one_error_line(result.stderr) == "Error: aborted"
    assert dump(book) == before
    assert list(book.parent.glob("*.before-restore-*")) == []


def test_restore_json_record(run: Run, book: Path, backup: Path) -> None:
    result = run("db", "restore", str(backup), "--yes", "--format", "json")
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    assert set(record) == {"database", "restored_from", "restored_schema", "schema", "safety_copy"}
    assert record["database"] == str(book)
    assert record["schema"] == record["restored_schema"] == head_revision()
    assert Path(record["safety_copy"]).exists()


def _missing(path: Path) -> None:
    path.unlink()


def _text(path: Path) -> None:
    path.unlink()
    path.write_text("name,code\nMari,61001010009\n" * 50, encoding="utf-8")


def _other_sqlite(path: Path) -> None:
    path.unlink()
    execute(path, "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")


def _no_version(path: Path) -> None:
    execute(path, "DROP TABLE alembic_version")


def _newer(path: Path) -> None:
    execute(path, "UPDATE alembic_version SET version_num = '9999'")


@pytest.mark.parametrize(
    ("spoil", "expected"),
    [
        (_missing, "no file"),
        (_text, "not an rvneet database"),
        (_other_sqlite, "not an rvneet database"),
        (_no_version, "not an rvneet database"),
        (_newer, "9999, newer than this rvneet knows"),
        (corrupt, "is damaged"),
    ],
    ids=["missing", "text", "other-sqlite", "no-alembic-version", "newer-schema", "damaged"],
)
def test_restore_refuses_a_file_it_cannot_use(
    run: Run, book: Path, backup: Path, spoil: Callable[[Path], None], expected: str
) -> None:
    spoil(backup)
    line = refused(run, book, "db", "restore", str(backup), "--yes", code=EXIT_DATABASE)
    assert expected in line
    assert list(book.parent.glob("*.before-restore-*")) == []


def test_restore_refuses_the_database_itself(run: Run, book: Path) -> None:
    line = refused(run, book, "db", "restore", str(book), "--yes", code=EXIT_DATABASE)
    assert "database itself" in line


def test_restore_of_an_older_schema_upgrades_it(run: Run, ok: Ok, book: Path, backup: Path) -> None:
    downgrade_to(backup, "0001")
    assert query(backup, "SELECT version_num FROM alembic_version") == [("0001",)]

    result = run("db", "restore", str(backup), "--yes")
    assert result.exit_code == 0, result.stderr
    assert "upgraded" in result.stderr
    assert query(book, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
    assert youths(book) == ["Y-0001"]
    assert ok("db", "check")


def test_restore_into_a_new_path(run: Run, backup: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "new.db"
    target.parent.mkdir()
    result = run("--db", str(target), "db", "restore", str(backup), "--yes", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["safety_copy"] is None
    assert mode(target) == 0o600
    assert youths(target) == ["Y-0001"]
    assert list(target.parent.glob("*.before-restore-*")) == []


def test_restore_is_seen_by_a_connection_left_open(
    run: Run, ok: Ok, book: Path, backup: Path
) -> None:
    """The backup API writes through SQLite's locks and WAL: an open reader sees the new content."""
    add_youth(ok, "Karl Tamm")
    con = sqlite3.connect(book)
    try:
        assert con.execute("SELECT count(*) FROM youths").fetchone() == (2,)
        result = run("db", "restore", str(backup), "--yes")
        assert result.exit_code == 0, result.stderr
        assert con.execute("SELECT count(*) FROM youths").fetchone() == (1,)
        assert con.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    finally:
        con.close()
