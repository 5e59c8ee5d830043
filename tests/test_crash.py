"""An import killed at any moment leaves the database sound, holding none or all of the file.

A real `rvneet import youths` of 50 000 rows is killed with SIGKILL (no clean-up of any kind) after a
random delay, again and again: while Python starts, while it reads and checks the rows, while it
writes them and their audit entries, while it commits or checkpoints, or after it finished. Each
time, `rvneet db check --full` must pass (integrity, foreign keys, the records against the audit
log) and the book must hold 0 or 50 000 youths.

`make test` kills it a few times; `make soak` (RVNEET_SOAK=1) many times. The delays are random
from a fixed seed, RVNEET_CRASH_SEED to change it; a failure names the delay that caused it.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest
from books import CRASH_SEED, SOAK, kill_after, start_rvneet, watch
from conftest import Run, query

from bench.generate import plan_youths, write_youths_csv

ROWS = 50_000
KILLS = 60 if SOAK else 3
SEED = CRASH_SEED


@pytest.fixture(scope="session")
def youths_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A youths import file of ROWS made-up youths (bench/generate.py), written once."""
    path = tmp_path_factory.mktemp("crash") / "noored.csv"
    write_youths_csv(path, plan_youths(ROWS, seed=1))
    return path


def start_import(db: Path, source: Path) -> subprocess.Popen[bytes]:
    return start_rvneet(db, "import", "youths", str(source))


def reset(db: Path, template: Path) -> None:
    """The empty book again: the file and its -wal and -shm removed, the template copied."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, db)
    db.chmod(0o600)


def youths(db: Path) -> int:
    return int(query(db, "SELECT count(*) FROM youths")[0][0])


def test_an_import_killed_at_random_moments_leaves_none_or_all_of_the_file(
    initialised: Path, template_db: Path, youths_csv: Path, run: Run
) -> None:
    db = initialised
    # One import to the end: the book holds the whole file. The time it takes, and when it starts
    # writing (its -wal grows), set the range of the delays below.
    duration, writing = watch(start_import(db, youths_csv), db, every=0.01)
    assert youths(db) == ROWS
    assert writing is not None
    reset(db, template_db)

    rng = random.Random(SEED)
    outcomes = []
    for kill in range(KILLS):
        # Every other kill falls while it writes (the short part that matters most), the others
        # anywhere up to a little past the end, so that some runs finish or die checkpointing.
        low, high = (writing, duration) if kill % 2 == 0 else (0.0, duration * 1.1)
        delay = rng.uniform(low, high)
        kill_after(start_import(db, youths_csv), delay)
        where = (
            f"kill {kill + 1} of {KILLS} after {delay:.2f} s; the import took {duration:.2f} s, "
            f"writing from {writing:.2f} s (seed {SEED})"
        )

        # Would fail if the import committed in more than one transaction (services/imports
        # `run_import`: one `db.session(write=True)`; e.g. a COMMIT after each batch of
        # `insert_youths` leaves part of the file), or committed youths and their audit entries
        # apart (the `audit` check), or ran without a journal (a killed writer would leave half
        # its pages; rvneet.db `_on_connect` sets journal_mode=WAL).
        checked = run("--db", str(db), "db", "check", "--full")
        assert checked.exit_code == 0, (where, checked.stdout, checked.stderr)
        count = youths(db)
        assert count in (0, ROWS), (where, count)
        outcomes.append(count)
        if count == ROWS:
            reset(db, template_db)

    print(f"{KILLS} kills (seed {SEED}): {outcomes.count(0)} left nothing, "
          f"{outcomes.count(ROWS)} came after the commit")  # fmt: skip
