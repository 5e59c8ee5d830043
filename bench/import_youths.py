"""Benchmark: `rvneet import youths` of a 100 000-row CSV, beside raw `sqlite3.executemany`.

Usage: python bench/import_youths.py [--rows N] [--runs K]

Each run is a whole `rvneet` process on a fresh database; the figure is the median of the runs,
with the peak memory (maximum resident set size) of the process. The reference inserts the same
rows with the standard library alone, so the ratio can be compared between machines.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
RVNEET = Path(sys.executable).with_name("rvneet")


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one process."""
    started = time.perf_counter()
    quiet = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)]
    pid = os.posix_spawn(args[0], args, env, file_actions=quiet)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(args)}")
    return elapsed, usage.ru_maxrss / 1024


def reference(source: Path, folder: Path) -> float:
    """Seconds to insert the same rows with sqlite3.executemany into a plain table."""
    con = sqlite3.connect(folder / "reference.db")
    con.execute("CREATE TABLE youths (id INTEGER PRIMARY KEY, name TEXT, id_code TEXT UNIQUE)")
    started = time.perf_counter()
    with source.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter=";")
        next(rows)
        with con:
            con.executemany("INSERT INTO youths (name, id_code) VALUES (?, ?)", rows)
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def main() -> None:
    """Run the benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "youths.csv"
        subprocess.run(
            [sys.executable, str(HERE / "youths_csv.py"), str(args.rows), str(source)], check=True
        )
        times, memory, refs = [], [], []
        for run in range(args.runs):
            db = folder / f"run{run}.db"
            env = {**os.environ, "RVNEET_DB": str(db), "RVNEET_USER": "bench"}
            timed([str(RVNEET), "init", "-m", "Bench"], env)
            seconds, mb = timed([str(RVNEET), "import", "youths", str(source)], env)
            times.append(seconds)
            memory.append(mb)
            (folder / "reference.db").unlink(missing_ok=True)
            refs.append(reference(source, folder))
        median, ref = statistics.median(times), statistics.median(refs)
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
        )
        print()
        print("| what | median s | peak MB | reference s | ratio |")
        print("|---|---|---|---|---|")
        print(
            f"| rvneet import youths, {args.rows:,} rows | {median:.2f} | {max(memory):.0f} "
            f"| {ref:.2f} (sqlite3.executemany) | {median / ref:.1f}x |"
        )


if __name__ == "__main__":
    main()
