"""A restore killed at any moment leaves the previous book, or the backup's with its restore entry.

A real `rvneet db restore` of a book of ROWS youths is killed with SIGKILL (no clean-up of any kind)
after a random delay, again and again: while Python starts, while it saves the safety copy, while it
prepares the backup's copy and writes its audit entry, while it copies that into the book, or after
it finished. Each time `rvneet audit verify` and `rvneet db check --full` must pass, and the book
must hold either its previous content (with no restore in its log) or the backup's, whose newest
audit entry is the restore. Before the fix, the backup's content could be there without that entry
(the copy and the entry were two transactions).

`make test` kills it a few times; `make soak` (RVNEET_SOAK=1) many times. The delays are random
from a fixed seed, RVNEET_CRASH_SEED to change it; a failure names the delay that caused it.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from books import CRASH_SEED, SOAK, cli, kill_after, start_rvneet, watch
from conftest import MUNICIPALITY, Run, query

from bench.generate import plan_youths, write_youths_csv

ROWS = 20_000
KILLS = 60 if SOAK else 4
SEED = CRASH_SEED


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the book as it is, a backup of it from before one more youth was added), each made by
    rvneet itself and closed."""
    folder = tmp_path_factory.mktemp("restore-crash")
    source = folder / "noored.csv"
    write_youths_csv(source, plan_youths(ROWS, seed=1))
    book, backup = folder / "book.db", folder / "backup.db"
    ok = cli(book)
    for args in (
        ("init", "--municipality", MUNICIPALITY),
        ("import", "youths", str(source)),
        ("db", "backup", str(backup)),
        ("youth", "add", "--name", "Uus Noor", "--birth-date", "2010-05-06", "--sex", "F"),
    ):
        ok(*args)  # in-process: only the restores below need processes of their own
    return book, backup


def start_restore(db: Path, backup: Path) -> subprocess.Popen[bytes]:
    return start_rvneet(db, "db", "restore", str(backup), "--yes")


def reset(db: Path, template: Path) -> None:
    """The previous book again, and no safety copy. A private copy a killed restore left beside it
    stays: the next restore must remove it."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    for copy in db.parent.glob(f"{db.name}.before-restore-*"):
        copy.unlink()
    shutil.copyfile(template, db)
    db.chmod(0o600)


def youths(db: Path) -> int:
    return int(query(db, "SELECT count(*) FROM youths")[0][0])


def staged(db: Path) -> list[Path]:
    return list(db.parent.glob(f".{db.name}.restore-*"))


def test_a_restore_killed_at_random_moments_leaves_one_book_or_the_other(
    db_path: Path, books: tuple[Path, Path], run: Run
) -> None:
    template, backup = books
    db = db_path
    reset(db, template)
    # One restore to the end. The time it takes, and when it starts writing the book (its -wal
    # grows), set the range of the delays below.
    duration, written = watch(start_restore(db, backup), db, every=0.005)
    assert youths(db) == ROWS
    writing = written if written is not None else duration * 0.8
    reset(db, template)

    rng = random.Random(SEED)
    outcomes = []
    for kill in range(KILLS):
        # Every other kill falls after it starts writing the book (where the copy and its audit
        # entry were apart), the others anywhere up to a little past the end.
        low, high = (writing * 0.9, duration) if kill % 2 == 0 else (0.0, duration * 1.1)
        delay = rng.uniform(low, high)
        kill_after(start_restore(db, backup), delay)
        where = (
            f"kill {kill + 1} of {KILLS} after {delay:.2f} s; the restore took {duration:.2f} s, "
            f"writing from {writing:.2f} s (seed {SEED})"
        )

        verified = run("--db", str(db), "audit", "verify")
        assert verified.exit_code == 0, (where, verified.stdout, verified.stderr)
        checked = run("--db", str(db), "db", "check", "--full")
        assert checked.exit_code == 0, (where, checked.stdout, checked.stderr)
        count = youths(db)
        assert count in (ROWS, ROWS + 1), (where, count)
        restores = query(db, "SELECT changes FROM audit_log WHERE action = 'restore'")
        if count == ROWS:
            # Would fail if services/maintenance.restore_database wrote the backup's content into
            # the book before its restore entry (two transactions; 3 kills in 54 found that).
            newest = query(
                db, "SELECT entity, action, changes FROM audit_log ORDER BY id DESC LIMIT 1"
            )
            assert [row[:2] for row in newest] == [("database", "restore")], (where, newest)
            assert json.loads(newest[0][2])["restored_from"] == [None, backup.name], where
            assert len(restores) == 1, where
        else:
            assert restores == [], (where, restores)
        outcomes.append(count)
        reset(db, template)

    # A restore that runs to its end removes the private copies killed ones left behind.
    finished = start_restore(db, backup)
    assert finished.wait() == 0
    assert staged(db) == []
    assert youths(db) == ROWS

    print(f"{KILLS} restores killed (seed {SEED}): {outcomes.count(ROWS + 1)} left the previous "
          f"book, {outcomes.count(ROWS)} the backup's")  # fmt: skip


def test_an_encrypted_book_is_restored_with_its_entry(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The private copy of a restore is keyed like the book: encrypted on disk, and its audit
    entry written through SQLCipher."""
    pytest.importorskip("sqlcipher3.dbapi2", reason="the encrypted extra is not installed")
    monkeypatch.setenv("RVNEET_KEY", "võti")
    book = tmp_path / "encrypted.db"
    backup = tmp_path / "encrypted-backup.db"
    for args in (
        ("init", "--municipality", MUNICIPALITY),
        ("youth", "add", "--name", "Mari Maasikas", "--birth-date", "2010-01-02", "--sex", "F"),
        ("db", "backup", str(backup)),
        ("youth", "add", "--name", "Jaan Tamm", "--birth-date", "2010-03-04", "--sex", "M"),
        ("db", "restore", str(backup), "--yes"),
    ):
        result = run("--db", str(book), *args)
        assert result.exit_code == 0, (args, result.stderr)
    listed = run("--db", str(book), "audit", "--format", "json", "--limit", "1")
    # Breaks if restore_database's private copy is not opened with the book's key.
    assert [(e["entity"], e["action"]) for e in json.loads(listed.stdout)] == [
        ("database", "restore")
    ]
    assert run("--db", str(book), "db", "check", "--full").exit_code == 0
    assert b"Maasikas" not in book.read_bytes()
    assert staged(book) == []


def test_a_restore_removes_the_private_copies_killed_ones_left(
    initialised: Path, run: Run, tmp_path: Path
) -> None:
    backup = tmp_path / "backup.db"
    assert run("db", "backup", str(backup)).exit_code == 0
    left = [initialised.parent / f".{initialised.name}.restore-abc123.tmp"]
    left += [Path(f"{left[0]}-wal"), Path(f"{left[0]}-journal")]
    for path in left:
        path.write_bytes(b"a backup's personal data")
    other = initialised.parent / ".other.db.restore-abc123.tmp"  # another book's: not ours
    other.write_bytes(b"")
    result = run("db", "restore", str(backup), "--yes")
    assert result.exit_code == 0, result.stderr
    # Breaks if restore_database stops calling _remove_stale_copies.
    assert [p for p in left if p.exists()] == []
    assert other.exists()
