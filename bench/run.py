"""`make bench`: issue 6's benchmarks, each beside its reference, written to bench/results.md.

Usage: python -m bench.run [--quick] [--keep] [--only NAME ...] [--out FILE]

Builds a municipality (1 000 youths) and a national (100 000 youths) book with `bench.generate`,
in a temporary folder, or reuses those in bench/.cache/ made by the same generator (its version and
source), seed and schema; `--keep` stores what it builds there for the next run.

Every figure is the median of several runs of a whole process (wall time; peak memory is the
process's maximum resident set size from wait4), measured beside its reference in the same run, so
the ratio can be compared between machines. Slow rows get fewer runs (the table says how many),
so that the whole run stays under 10 minutes on a 2-core machine. A command this version of rvneet
does not have (`report neet` before it lands) is reported as not available.

The PostgreSQL rows (issue 18) run on tests/pg.py's throwaway server (imported from there: initdb
into a temporary folder, a Unix socket only, removed at the end), the national book copied into it
by `bench.pgbook`; each stands beside SQLite's figure of the same run. Without a server (no binaries,
no psycopg) they are skipped, and the table says why in one line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import generate

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results.md"
BIN = Path(sys.executable).parent
PERIOD = "2025H1"
PERIOD_DAYS = ("2025-01-01", "2025-06-30")
DIAGNOSTIC = "(diagnostic)"
AS_OF = generate.BOOK_END.isoformat()  # the book's last day: the same follow-ups are due on any day
SEED = generate.DEFAULT_SEED
SIZES = {"municipality": 1_000, "national": 100_000}
IMPORT_ROWS = 100_000
BUDGET = 600.0  # seconds for the whole run


# ---------------------------------------------------------------------------------------------
# Measuring whole processes.


@dataclass
class Measure:
    """Runs of one process: wall seconds and peak RSS (MB) of each, or why it could not run."""

    label: str
    seconds: list[float] = field(default_factory=list)
    memory: list[float] = field(default_factory=list)
    error: str | None = None
    cpu: list[float] = field(default_factory=list)  # user + system seconds of each run

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak(self) -> float:
        return max(self.memory)

    @property
    def runs(self) -> int:
        return len(self.seconds)


def spawn(
    argv: Sequence[str], env: dict[str, str], stdin: Path | None = None
) -> tuple[float, float, int, str, float]:
    """Run one process with stdout to /dev/null (stdin from `stdin`, else /dev/null): wall
    seconds, peak RSS in MB, exit code, stderr tail, CPU seconds (user + system)."""
    with tempfile.TemporaryFile() as err:
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, str(stdin or os.devnull), os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_DUP2, err.fileno(), 2),
        ]
        started = time.perf_counter()
        pid = os.posix_spawn(argv[0], list(argv), env, file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        elapsed = time.perf_counter() - started
        err.seek(0)
        tail = err.read().decode("utf-8", "replace").strip().splitlines()
    code, cpu = os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime
    return elapsed, usage.ru_maxrss / 1024, code, (tail or [""])[-1], cpu


class Bench:
    """Runs the measurements within the time budget and collects the table rows."""

    def __init__(self, folder: Path, *, quick: bool, keep: bool) -> None:
        self.folder = folder
        self.quick = quick
        self.keep = keep
        self.started = time.perf_counter()
        self.env = {
            # An installed rvneet runs from bytecode (pip compiles it); a session that sets
            # PYTHONDONTWRITEBYTECODE would compile every module of src/ again in every run.
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith("RVNEET_") and k != "PYTHONDONTWRITEBYTECODE"
            },
            # This checkout's code, whatever the venv's editable install points at.
            "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])),
            "RVNEET_USER": "bench",
            "COLUMNS": "120",
            "XDG_DATA_HOME": str(folder / "xdg"),
        }
        self.rows: list[Row] = []
        self._orm: Measure | None = None
        self.floor = 0.0  # MB: the largest this process was when it spawned a measured one
        self.notes: list[str] = []
        # SQLite's measures that the PostgreSQL rows stand beside, by row ("lisa4-national", ...).
        self.sqlite: dict[str, Measure] = {}
        # The throwaway PostgreSQL server of the PostgreSQL rows, or None and why not.
        self.server: Any = None
        self.server_why = ""

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def orm_floor(self) -> Measure:
        """What every database command pays before its first query: Python, SQLAlchemy, SQLModel
        and rvneet's table classes imported (measured once, beside the first row that shows it)."""
        if self._orm is None:
            self._orm = self.measure(
                "python: import SQLAlchemy, SQLModel and rvneet's tables",
                python("import sqlalchemy, sqlmodel, rvneet.domain.tables"),
                runs=9,
            )
        return self._orm

    def measure(
        self,
        label: str,
        argv: Sequence[str],
        *,
        runs: int,
        budget: float = 60.0,
        before: Callable[[int], None] | None = None,
        stdin: Path | None = None,
    ) -> Measure:
        """Up to `runs` runs of `argv`, fewer when the next one would take the row past `budget`
        seconds or the whole run past its own budget; `before(i)` prepares run i (not timed)."""
        result = Measure(label)
        spent = 0.0
        for run in range(1 if self.quick else runs):
            if before is not None:
                before(run)
            self.floor = max(self.floor, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
            seconds, memory, code, tail, cpu = spawn(argv, self.env, stdin)
            if code != 0:
                result.error = f"exit {code}: {tail}"[:200]
                break
            result.seconds.append(seconds)
            result.memory.append(memory)
            result.cpu.append(cpu)
            spent += seconds
            left = BUDGET - 30 - self.elapsed
            if spent + seconds > budget or seconds * 2 > left:
                break
        status = f"{result.median * 1000:8.0f} ms x{result.runs}" if result.ok else result.error
        print(f"  {label:<60} {status}", file=sys.stderr, flush=True)
        return result

    def measure_each(
        self,
        label: str,
        argv: Callable[[], Sequence[str]],
        *,
        runs: int,
        before: Callable[[int], None],
    ) -> Measure:
        """`measure` of a command that `before(i)` changes for each run (a new database's URL,
        another youth): `argv()` gives the command after it."""
        result = Measure(label)
        for run in range(1 if self.quick else runs):
            before(run)
            one = self.measure(f"{label} #{run + 1}", argv(), runs=1)
            if not one.ok:
                result.error = one.error
                break
            result.seconds += one.seconds
            result.memory += one.memory
            result.cpu += one.cpu
        return result

    def rvneet(self, db: Path, *args: str) -> list[str]:
        """`rvneet --db DB ARGS...`"""
        return [*rvneet(), "--db", str(db), *args]

    def tool(
        self,
        label: str,
        name: str,
        *args: str,
        runs: int,
        before: Callable[[int], None] | None = None,
    ) -> Measure:
        """A reference tool installed beside rvneet (sqlite-utils), or why it could not run."""
        path = BIN / name
        if not path.exists():
            return Measure(label, error=f"{name} is not installed (pip install {name})")
        return self.measure(label, [str(path), *args], runs=runs, before=before)

    def add(self, row: Row) -> None:
        self.rows.append(row)

    def available(self, *command: str) -> bool:
        """Whether this rvneet has `command` (its --help exits 0)."""
        _, _, code, _, _ = spawn([*rvneet(), *command, "--help"], self.env)
        return code == 0

    def help_text(self, *command: str) -> str:
        return subprocess.run(
            [*rvneet(), *command, "--help"], env=self.env, capture_output=True, text=True
        ).stdout


@dataclass
class Row:
    """One line of the results table."""

    what: str
    measure: Measure | None
    references: list[Measure] = field(default_factory=list)
    target: str = ""
    met: bool | None = None
    note: str = ""
    section: str = "national"


def rvneet() -> list[str]:
    script = BIN / "rvneet"
    return [str(script)] if script.exists() else [sys.executable, "-m", "rvneet"]


def python(code: str, *args: str) -> list[str]:
    return [sys.executable, "-c", code, *args]


# ---------------------------------------------------------------------------------------------
# The books.


def generator_key(youths: int) -> dict[str, object]:
    """What a cached book must have been made with to be reused."""
    source = Path(generate.__file__).read_bytes()
    versions = SRC.parent / "migrations" / "versions"
    schema = sorted(p.name.split("_", 1)[0] for p in versions.glob("[0-9][0-9][0-9][0-9]_*.py"))
    return {
        "generator": generate.GENERATOR_VERSION,
        "source": hashlib.sha256(source).hexdigest()[:16],
        "seed": SEED,
        "youths": youths,
        "schema": schema[-1] if schema else None,
    }


def book(name: str, youths: int, folder: Path, keep: bool) -> tuple[Path, float | None]:
    """The book of `youths`: from the cache when it matches, else generated (seconds it took)."""
    key = generator_key(youths)
    cached, stamp = CACHE / f"{name}.db", CACHE / f"{name}.json"
    if cached.exists() and stamp.exists() and json.loads(stamp.read_text()).get("key") == key:
        print(f"{name}: reusing {cached.relative_to(ROOT)}", file=sys.stderr)
        return cached, json.loads(stamp.read_text()).get("seconds")
    target = cached if keep else folder / f"{name}.db"
    if keep:
        CACHE.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{cached}{suffix}").unlink(missing_ok=True)
        stamp.unlink(missing_ok=True)
    print(f"{name}: generating {youths} youths into {target}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{ROOT}"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.generate",
            "--youths",
            str(youths),
            "--seed",
            str(SEED),
            str(target),
        ],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    if keep:
        stamp.write_text(json.dumps({"key": key, "seconds": round(seconds, 1)}))
    return target, seconds


def book_facts(path: Path) -> dict[str, int]:
    with sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True) as con:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        counts = {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    con.close()
    counts["events"] = sum(counts.get(t, 0) for t in generate.EVENT_TABLES)
    counts["MB"] = round(path.stat().st_size / 1e6)
    return counts


def youth_without_open_case(path: Path) -> str:
    """A youth of NEET age (16-28 on the book's last day) with no open NEET case."""
    return youths_without_open_case(path, 1)[0]


def youths_without_open_case(path: Path, count: int) -> list[str]:
    """The first `count` youths of NEET age (16-28 on the book's last day) with no open NEET case."""
    end = generate.BOOK_END
    oldest, youngest = generate.add_years(end, -28), generate.add_years(end, -16)
    with sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True) as con:
        rows = con.execute(
            "SELECT ref FROM youths y WHERE birth_date > ? AND birth_date <= ? AND NOT EXISTS"
            " (SELECT 1 FROM cases c WHERE c.youth_id = y.id AND c.model = 'neet'"
            "  AND c.end_date IS NULL) ORDER BY id LIMIT ?",
            (oldest.isoformat(), youngest.isoformat(), count),
        ).fetchall()
    con.close()
    return [str(r[0]) for r in rows]


# ---------------------------------------------------------------------------------------------
# The references.

INSERT_ONE = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("PRAGMA journal_mode=WAL")
with con:
    con.execute(
        "INSERT INTO cases (ref, youth_id, model, seq, start_date, neet_group)"
        " SELECT 'NEET-2099-001', id, 'neet', 1, ?, 'neet' FROM youths WHERE ref = ?",
        (sys.argv[2], sys.argv[3]),
    )
"""

EXECUTEMANY = """
import csv, sqlite3, sys
con = sqlite3.connect(sys.argv[2])
con.execute("CREATE TABLE youths (id INTEGER PRIMARY KEY, name TEXT, id_code TEXT UNIQUE,"
            " birth_date TEXT, sex TEXT)")
with open(sys.argv[1], encoding="utf-8", newline="") as handle, con:
    rows = csv.reader(handle, delimiter=";")
    next(rows)
    con.executemany("INSERT INTO youths (name, id_code, birth_date, sex) VALUES (?, ?, ?, ?)",
                    ((n, c or None, b or None, s or None) for n, c, b, s in rows))
"""

# Lisa 4's summary as one hand-written query: the RV cases active in the period as the book stood
# on its last day (a closing undone by a later reopening still counts; a case closed before the
# period and reopened after it was not active), their risk level on that day and whether
# implementation support was requested by then, counted every way.
LISA4_SQL = """
WITH active AS (
  SELECT c.youth_id, c.start_date, y.sex,
         CAST(strftime('%Y', c.start_date) AS INTEGER) - CAST(strftime('%Y', y.birth_date) AS INTEGER)
           - (strftime('%m-%d', c.start_date) < strftime('%m-%d', y.birth_date)) AS age,
         CASE WHEN c.end_date <= :end THEN c.end_date
              ELSE (SELECT r.previous_end FROM reopenings r WHERE r.case_id = c.id
                       AND r.previous_end <= :end AND r.date > :end) END AS end_seen,
         (SELECT a.risk FROM assessments a WHERE a.case_id = c.id AND a.date <= :end
           AND a.risk IS NOT NULL ORDER BY a.date DESC, a.id DESC LIMIT 1) AS risk,
         EXISTS (SELECT 1 FROM support_requests s WHERE s.case_id = c.id
                  AND s.kind = 'implementation' AND s.date <= :end) AS support
    FROM cases c JOIN youths y ON y.id = c.youth_id
   WHERE c.model = 'rv' AND c.start_date <= :end AND (c.end_date IS NULL OR c.end_date >= :start)
     AND NOT EXISTS (SELECT 1 FROM reopenings x WHERE x.case_id = c.id
                      AND x.previous_end < :start AND x.date > :end))
SELECT 'youths', NULL, count(DISTINCT youth_id) FROM active
UNION ALL SELECT 'cases_active', NULL, count(*) FROM active
UNION ALL SELECT 'cases_started', NULL, count(*) FROM active WHERE start_date >= :start
UNION ALL SELECT 'cases_ended', NULL, count(*) FROM active WHERE end_seen IS NOT NULL
UNION ALL SELECT 'cases_ongoing_at_end', NULL, count(*) FROM active WHERE end_seen IS NULL
UNION ALL SELECT 'by_sex', sex, count(*) FROM active GROUP BY sex
UNION ALL SELECT 'by_age', age, count(*) FROM active GROUP BY age
UNION ALL SELECT 'by_risk', risk, count(*) FROM active GROUP BY risk
UNION ALL SELECT 'by_support_requested', CASE support WHEN 1 THEN 'yes' ELSE 'no' END, count(*)
           FROM active GROUP BY support
"""

LISA4_REFERENCE = """
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
rows = con.execute(sys.argv[2], {"start": sys.argv[3], "end": sys.argv[4]}).fetchall()
print(json.dumps(rows))
"""


def lisa4_reference_agrees(bench: Bench, db: Path) -> str:
    """Check once that the hand-written query gives the figures rvneet prints."""
    ours = subprocess.run(
        [*rvneet(), "--db", str(db), "report", "lisa4", "--period", PERIOD, "--format", "json"],
        env=bench.env,
        capture_output=True,
        text=True,
    )
    theirs = subprocess.run(
        python(LISA4_REFERENCE, str(db), LISA4_SQL, *PERIOD_DAYS), capture_output=True, text=True
    )
    if ours.returncode or theirs.returncode:
        return "could not compare the reference with rvneet's figures"
    report = json.loads(ours.stdout)
    figures = report.get("summary", report)
    mismatches = []
    for key, group, count in json.loads(theirs.stdout):
        value = figures.get(key)
        if group is not None and isinstance(value, dict):
            value = value.get(str(group))
        if value != count:
            mismatches.append(
                f"{key}{'/' + str(group) if group is not None else ''}: {value} vs {count}"
            )
    if mismatches:
        return "the reference query disagrees with rvneet: " + "; ".join(mismatches[:5])
    return "the reference query's figures equal rvneet's JSON summary (checked in this run)"


# ---------------------------------------------------------------------------------------------
# The rows of issue 6.


def bench_help(bench: Bench, books: dict[str, Path]) -> None:
    ours = bench.measure("rvneet --help", [*rvneet(), "--help"], runs=9)
    refs = [bench.measure("python -c pass", python("pass"), runs=9)]
    refs.append(bench.tool("sqlite-utils --help", "sqlite-utils", "--help", runs=9))
    bench.add(
        Row(
            "`rvneet --help` (cold start)",
            ours,
            refs,
            "≤ 150 ms",
            _le(ours, 0.150),
            section="start",
        )
    )


def bench_open(bench: Bench, books: dict[str, Path]) -> None:
    for name, db in books.items():
        youth = youth_without_open_case(db)
        copy = bench.folder / f"open-{name}.db"

        def fresh(_: int, db: Path = db, copy: Path = copy) -> None:
            clear(copy)
            shutil.copyfile(db, copy)
            # On disk before the clock starts: else the run's first fsync (a commit, a WAL
            # checkpoint) waits for the copy's dirty pages, ~0.3 s for the national book.
            handle = os.open(copy, os.O_RDONLY)
            try:
                os.fsync(handle)
            finally:
                os.close(handle)

        args = f"case open --youth {youth} --model neet --start {AS_OF} --light yellow --group neet"
        ours = bench.measure(
            f"rvneet case open ({name})", bench.rvneet(copy, *args.split()), runs=5, before=fresh
        )
        bench.sqlite[f"open-{name}"] = ours
        ref = bench.measure(
            f"python: import sqlite3 + one insert ({name})",
            python(INSERT_ONE, str(copy), AS_OF, youth),
            runs=5,
            before=fresh,
        )
        clear(copy)
        what = f"`rvneet case open` ({_size(name)}; a fresh copy of the book each run)"
        floor = bench.orm_floor()
        bench.add(Row(what, ours, [ref, floor], "≤ 300 ms", _le(ours, 0.300), section=name))


def bench_import(bench: Bench, books: dict[str, Path]) -> None:
    source = youths_csv(bench)
    target = bench.folder / "import.db"

    def fresh(_: int) -> None:
        clear(target)
        init = bench.rvneet(target, "init", "-m", "Bench")
        subprocess.run(init, env=bench.env, check=True, stdout=subprocess.DEVNULL)

    ours = bench.measure(
        f"rvneet import youths ({IMPORT_ROWS:,} rows)",
        bench.rvneet(target, "import", "youths", str(source)),
        runs=3,
        before=fresh,
    )
    bench.sqlite["import"] = ours
    empty = lambda _: clear(target)  # noqa: E731
    refs = [
        bench.tool(
            "sqlite-utils insert --csv",
            "sqlite-utils",
            *f"insert {target} youths {source} --csv --delimiter ;".split(),
            runs=3,
            before=empty,
        ),
        bench.measure(
            "python: csv + sqlite3.executemany",
            python(EXECUTEMANY, str(source), str(target)),
            runs=3,
            before=empty,
        ),
    ]
    clear(target)
    met = ours.median <= 4.0 and ours.peak <= 250 if ours.ok else None
    what = f"`rvneet import youths` of a {IMPORT_ROWS:,}-row CSV (a fresh database each run)"
    bench.add(Row(what, ours, refs, "≤ 4 s, peak ≤ 250 MB", met, section="import"))


def bench_lisa4(bench: Bench, books: dict[str, Path]) -> None:
    for name, db in books.items():
        argv = bench.rvneet(db, "report", "lisa4", "--period", PERIOD)
        ours = bench.measure(f"rvneet report lisa4 ({name})", argv, runs=5, budget=40)
        bench.sqlite[f"lisa4-{name}"] = ours
        as_json = bench.measure(
            f"rvneet report lisa4 -f json ({name})", [*argv, "-f", "json"], runs=5
        )
        ref = bench.measure(
            f"python: sqlite3, one query ({name})",
            python(LISA4_REFERENCE, str(db), LISA4_SQL, *PERIOD_DAYS),
            runs=5,
        )
        what = f"`rvneet report lisa4 --period {PERIOD}` ({_size(name)}; table on the screen)"
        refs = [ref, bench.orm_floor()]
        bench.add(Row(what, ours, refs, "≤ 500 ms", _le(ours, 0.5), section=name))
        bench.add(Row("… the same with `--format json`", as_json, [ref], DIAGNOSTIC, section=name))


def bench_neet(bench: Bench, books: dict[str, Path]) -> None:
    if not bench.available("report", "neet"):
        what = f"`rvneet report neet --period {PERIOD}`"
        bench.add(
            Row(what, None, [], "≤ 1 s", None, "not available: this rvneet has no `report neet`")
        )
        return
    for name, db in books.items():
        argv = bench.rvneet(db, "report", "neet", "--period", PERIOD)
        ours = bench.measure(f"rvneet report neet ({name})", argv, runs=5, budget=40)
        bench.sqlite[f"neet-{name}"] = ours
        what = f"`rvneet report neet --period {PERIOD}` ({_size(name)})"
        bench.add(Row(what, ours, [bench.orm_floor()], "≤ 1 s", _le(ours, 1.0), section=name))


def bench_lists(bench: Bench, books: dict[str, Path]) -> None:
    listings = (
        ("case list", ["case", "list", "--open"], "every open case is listed"),
        (
            "followup due",
            ["followup", "due", "--as-of", AS_OF],
            "every overdue follow-up is listed",
        ),
    )
    for command, args, everything in listings:
        page = first_page_options(bench.help_text(*command.split()))
        shown = " ".join(args + page)
        note = "" if page else f"no paging: {everything}"
        for name, db in books.items():
            argv = bench.rvneet(db, *args, *page)
            ours = bench.measure(f"rvneet {shown} ({name})", argv, runs=3, budget=30)
            what = f"`rvneet {shown}` ({_size(name)}; table on the screen)"
            refs = [bench.orm_floor()]
            bench.add(Row(what, ours, refs, "≤ 300 ms", _le(ours, 0.3), note, section=name))
            if name == "national":
                as_csv = bench.measure(
                    f"rvneet {shown} -f csv ({name})", [*argv, "-f", "csv"], runs=3, budget=20
                )
                bench.add(
                    Row("… the same with `--format csv`", as_csv, [], DIAGNOSTIC, section=name)
                )


def bench_export(bench: Bench, books: dict[str, Path]) -> None:
    results = {}
    for name, db in sorted(books.items(), key=lambda item: item[0] == "national"):
        out = bench.folder / f"export-{name}.json"
        argv = bench.rvneet(db, "export", str(out), "--force")
        runs = 2 if name == "national" else 3
        results[name] = bench.measure(f"rvneet export ({name})", argv, runs=runs, budget=50)
        out.unlink(missing_ok=True)
    ours, small = results["national"], results["municipality"]
    met, note = None, ""
    if ours.ok and small.ok:
        # Streamed: the national book (100x the rows) may not need much more memory than the 1k one.
        flat = ours.peak <= max(small.peak * 1.5, small.peak + 64)
        met = ours.median <= 30 and flat
        note = f"peak {ours.peak:.0f} MB vs {small.peak:.0f} MB for the 1k book: {'flat' if flat else 'not flat'}"
    bench.add(
        Row(
            "`rvneet export` of the national book (JSON)",
            ours,
            [],
            "≤ 30 s, memory flat",
            met,
            note,
            section="national",
        )
    )
    bench.add(
        Row(
            "`rvneet export` of the 1k book (JSON)",
            small,
            [],
            "(memory baseline)",
            None,
            section="municipality",
        )
    )


def bench_others(bench: Bench, books: dict[str, Path]) -> None:
    """Commands issue 6 sets no target for, on the national book, when this rvneet has them."""
    others = (
        ("report workload", f"report workload --as-of {AS_OF}"),
        ("report followups", f"report followups --period {PERIOD}"),
        ("check", f"check --period {PERIOD} --warn-only"),
    )
    for command, args in others:
        what = f"`rvneet {args}` (national book; table on the screen)"
        if not bench.available(*command.split()):
            note = f"not available: this rvneet has no `{command}`"
            bench.add(Row(what, None, [], "(none set)", None, note, section="other"))
            continue
        argv = bench.rvneet(books["national"], *args.split())
        ours = bench.measure(f"rvneet {args} (national)", argv, runs=3, budget=20)
        bench.add(Row(what, ours, [], "(none set)", None, section="other"))


# Contacts typed in the long `rvneet shell` session of bench_shell, beyond the one of the short one.
SHELL_CONTACTS = 20


def bench_shell(bench: Bench, books: dict[str, Path]) -> None:
    """`case contact` inside `rvneet shell` (issue 15), beside the same command as a process.

    The time of one command inside the shell is the difference between a session of 1 + N
    contacts and one of 1 contact (each a whole process, stdin from a file), divided by N: the
    start-up and the first command's set-up are paid by both and cancel out.
    """
    db = books["municipality"]
    with sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True) as con:
        ref = con.execute("SELECT ref FROM cases WHERE end_date IS NULL ORDER BY id").fetchone()[0]
    con.close()
    copy = bench.folder / "shell-municipality.db"

    def fresh(_: int) -> None:
        clear(copy)
        shutil.copyfile(db, copy)
        handle = os.open(copy, os.O_RDONLY)  # on disk before the clock starts, as in bench_open
        try:
            os.fsync(handle)
        finally:
            os.close(handle)

    line = f"case contact {ref} --date {AS_OF} --channel phone"
    process = bench.measure(
        "rvneet case contact (municipality)",
        bench.rvneet(copy, *line.split()),
        runs=5,
        before=fresh,
    )
    sessions = []
    for count in (1, 1 + SHELL_CONTACTS):
        lines = bench.folder / f"shell-{count}.txt"
        lines.write_text(f"{line}\n" * count, encoding="utf-8")
        sessions.append(
            bench.measure(
                f"rvneet shell with {count} contact(s) (municipality)",
                bench.rvneet(copy, "shell"),
                runs=5,
                before=fresh,
                stdin=lines,
            )
        )
    clear(copy)
    short, long = sessions
    per = Measure("rvneet case contact inside rvneet shell")
    note = ""
    if short.ok and long.ok:
        per.seconds = [(long.median - short.median) / SHELL_CONTACTS]
        per.memory = [long.peak]
        # CPU time moves less than wall time when other processes share the cores.
        cpu = (statistics.median(long.cpu) - statistics.median(short.cpu)) / SHELL_CONTACTS
        note = (
            f"; CPU {_ms(cpu)} a command inside, {_ms(statistics.median(process.cpu))} as a process"
        )
    else:
        per.error = short.error or long.error
    what = (
        "`rvneet case contact` inside `rvneet shell` (1k book; per command: a session of"
        f" {1 + SHELL_CONTACTS} contacts less one of 1, ÷ {SHELL_CONTACTS}; peak of the long"
        " session)"
    )
    per_runs = min(short.runs, long.runs)
    bench.add(
        Row(
            what,
            per,
            [process],
            "≤ 30 ms",
            _le(per, 0.030),
            f"sessions run x{per_runs}{note}",
            section="municipality",
        )
    )


# ---------------------------------------------------------------------------------------------
# PostgreSQL (issue 18): the same books on a throwaway server, beside SQLite's figures of this run.


def start_server() -> tuple[Any, str]:
    """tests/pg.py's throwaway server (initdb into a temporary folder, a Unix socket only, fsync
    off as for the tests), or None and why not in one line."""
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from pg import PgServer
    except ImportError as exc:  # pytest, which tests/pg.py imports, is a dev extra
        return None, f"tests/pg.py cannot be imported ({exc}): pip install -e '.[dev,server]'"
    finally:
        sys.path.pop(0)
    server, why = PgServer.start()
    return server, why


def server_book(bench: Bench, server: Any, db: Path | None) -> str:
    """A new database on `server` made by `rvneet init` (its URL), holding the book `db` if given."""
    url = str(server.url(server.new_database()))
    init = [*rvneet(), "--db", url, "init", "-m", "Bench"]
    subprocess.run(init, env=bench.env, check=True, stdout=subprocess.DEVNULL)
    if db is not None:
        env = {**bench.env, "PYTHONPATH": f"{SRC}{os.pathsep}{ROOT}"}
        copied = subprocess.run(
            [sys.executable, "-m", "bench.pgbook", str(db), url],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        bench.notes.append(f"PostgreSQL: the {db.stem} book copied into the server ({copied}).")
    return url


def bench_postgresql(bench: Bench, books: dict[str, Path]) -> None:
    """`import youths` (COPY), Lisa 4, NEET, `case open` and `case list --mine` on PostgreSQL."""
    if bench.server is None:
        why = f"skipped: no PostgreSQL server ({bench.server_why})"
        print(f"  PostgreSQL rows {why}", file=sys.stderr, flush=True)
        bench.add(Row("PostgreSQL rows", None, [], "", None, why, section="postgresql"))
        return
    server = bench.server
    national = books["national"]
    url = server_book(bench, server, national)

    def beside(key: str, label: str, argv: list[str], runs: int) -> Measure:
        """SQLite's measure of this run (made again when its row was not run)."""
        if key not in bench.sqlite:
            bench.sqlite[key] = bench.measure(label, argv, runs=runs, budget=40)
        return sqlite_ref(bench, key)[0]

    # import youths: a fresh database each run, as for SQLite.
    source = youths_csv(bench)
    target: list[str] = []

    def fresh(_: int) -> None:
        drop(server, target)
        target.append(server_book(bench, server, None))

    ours = bench.measure_each(
        f"rvneet import youths ({IMPORT_ROWS:,} rows, PostgreSQL)",
        lambda: [*rvneet(), "--db", target[0], "import", "youths", str(source)],
        runs=3,
        before=fresh,
    )
    drop(server, target)
    refs = sqlite_ref(bench, "import")
    met = ours.median <= 4.0 if ours.ok else None
    what = f"`rvneet import youths` of a {IMPORT_ROWS:,}-row CSV (COPY; a fresh database each run)"
    bench.add(Row(what, ours, refs, "≤ 4 s", met, cpu_note(ours, refs), section="postgresql"))

    for key, args, runs in (
        ("lisa4", ["report", "lisa4", "--period", PERIOD], 5),
        ("neet", ["report", "neet", "--period", PERIOD], 5),
    ):
        shown = " ".join(args)
        ours = bench.measure(
            f"rvneet {shown} (national, PostgreSQL)",
            [*rvneet(), "--db", url, *args],
            runs=runs,
            budget=40,
        )
        ref = beside(
            f"{key}-national", f"rvneet {shown} (national)", bench.rvneet(national, *args), runs
        )
        met = ours.median <= 1.5 * ref.median if ours.ok and ref.ok else None
        what = f"`rvneet {shown}` (national book)"
        note = cpu_note(ours, [ref])
        bench.add(Row(what, ours, [ref], "≤ 1.5x SQLite", met, note, section="postgresql"))

    # case open: another youth each run (a server book is not copied for each run as a file is).
    youths = iter(youths_without_open_case(national, 10))
    opened: list[str] = []

    def next_youth(_: int) -> None:
        opened[:] = [next(youths)]

    ours = bench.measure_each(
        "rvneet case open (national, PostgreSQL)",
        lambda: [
            *rvneet(),
            "--db",
            url,
            *f"case open --youth {opened[0]} --model neet --start {AS_OF} --light yellow"
            " --group neet".split(),
        ],
        runs=5,
        before=next_youth,
    )
    refs = sqlite_ref(bench, "open-national")
    what = "`rvneet case open` (national book; another youth each run)"
    bench.add(Row(what, ours, refs, "(none set)", None, cpu_note(ours, refs), section="postgresql"))

    # case list --mine: the bench's login manages one case manager's share of the national book.
    args = ["case", "list", "--mine", "--limit", "50"]
    ref = beside(
        "mine-national", "rvneet case list --mine (national)", bench.rvneet(national, *args), 3
    )
    ours = bench.measure(
        "rvneet case list --mine (national, PostgreSQL)",
        [*rvneet(), "--db", url, *args],
        runs=3,
        budget=30,
    )
    what = "`rvneet case list --mine --limit 50` (national book; table on the screen)"
    bench.add(
        Row(what, ours, [ref], "(none set)", None, cpu_note(ours, [ref]), section="postgresql")
    )


def cpu_note(ours: Measure, refs: list[Measure]) -> str:
    """The CPU time of rvneet's own process beside SQLite's: it moves less than wall time on a
    shared machine (the server's work, in its own process, is not in it)."""
    if not ours.ok or not ours.cpu:
        return ""
    note = f"rvneet's CPU {_ms(statistics.median(ours.cpu))}"
    if refs and refs[0].ok and refs[0].cpu:
        note += f" (SQLite {_ms(statistics.median(refs[0].cpu))})"
    return note


def drop(server: Any, urls: list[str]) -> None:
    """Drop the databases at `urls` (made by `server_book`) and forget them."""
    for url in urls:
        server.drop(url.rsplit("/", 1)[-1].split("?", 1)[0])
    urls.clear()


def sqlite_ref(bench: Bench, key: str) -> list[Measure]:
    """SQLite's measure of row `key` in this run, named as the reference (none if not run)."""
    if key not in bench.sqlite:
        return []
    measure = bench.sqlite[key]
    return [
        Measure(
            f"SQLite, same book and run: {measure.label}",
            list(measure.seconds),
            list(measure.memory),
            measure.error,
            list(measure.cpu),
        )
    ]


ROWS: dict[str, Callable[[Bench, dict[str, Path]], None]] = {
    "help": bench_help,
    "open": bench_open,
    "import": bench_import,
    "lisa4": bench_lisa4,
    "neet": bench_neet,
    "list": bench_lists,
    "export": bench_export,
    "others": bench_others,
    "shell": bench_shell,
    "postgresql": bench_postgresql,
}
# The books a row needs, when not both (`--only shell` builds the municipality book alone).
ROW_BOOKS = {"shell": ("municipality",), "postgresql": ("national",)}


def first_page_options(help_text: str) -> list[str]:
    """The options that ask `case list` for its first page, if it has paging."""
    for option, value in (("--limit", "50"), ("--page-size", "50"), ("--page", "1")):
        if option in help_text:
            return [option, value]
    return []


def youths_csv(bench: Bench) -> Path:
    """The import benchmark's file: the national book's youths (same generator), cached when kept.

    Written by another process: this one stays small, since a process it spawns reports at least
    this one's memory as its own peak (see the notes of the results).
    """
    name = f"youths-{IMPORT_ROWS}-{SEED}-{generator_key(IMPORT_ROWS)['source']}.csv"
    cached = CACHE / name
    if cached.exists():
        return cached
    path = cached if bench.keep else bench.folder / name
    if bench.keep:  # files made by an earlier generator
        for old in CACHE.glob(f"youths-{IMPORT_ROWS}-*.csv"):
            old.unlink()
    argv = [sys.executable, "-m", "bench.generate", "--youths", str(IMPORT_ROWS)]
    argv += ["--seed", str(SEED), "--csv", str(path)]
    subprocess.run(argv, check=True, env={**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{ROOT}"})
    return path


def clear(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _le(measure: Measure, limit: float) -> bool | None:
    return measure.median <= limit if measure.ok else None


def _size(name: str) -> str:
    return {"national": "national book", "municipality": "1k book"}[name]


# ---------------------------------------------------------------------------------------------
# The report.


def machine() -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with open("/proc/meminfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    version = "unknown"
    for line in (SRC / "rvneet" / "__init__.py").read_text().splitlines():
        if line.startswith("__version__"):
            version = line.split("=", 1)[1].strip().strip("\"'")
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "RAM": memory,
        "OS": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "rvneet": f"{version} (commit {commit or 'unknown'})",
    }


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _ratio(value: float) -> str:
    """A ratio with one decimal, or two significant digits below 0.1 (the shell's 0.005x)."""
    return f"{value:.1f}" if value >= 0.1 else f"{value:.2g}"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _cell(measure: Measure | None) -> tuple[str, str, str]:
    if measure is None:
        return "not available", "—", "—"
    if not measure.ok:
        return f"failed ({measure.error})", "—", "—"
    return _ms(measure.median), str(measure.runs), f"{measure.peak:.0f}"


def _refs(row: Row) -> str:
    parts = []
    for ref in row.references:
        if not ref.ok:
            parts.append(f"{ref.label}: {ref.error}")
            continue
        ratio = (
            f" → **{_ratio(row.measure.median / ref.median)}x**"
            if row.measure and row.measure.ok
            else ""
        )
        peak = f", {ref.peak:.0f} MB" if row.section == "import" else ""
        parts.append(f"{ref.label}: {_ms(ref.median)} (x{ref.runs}{peak}){ratio}")
    return "<br>".join(parts) or "—"


def _met(row: Row) -> str:
    if row.met is None:
        return "—" if row.target.startswith("(") else "not measured"
    return "**yes**" if row.met else "**no**"


def write_results(
    path: Path,
    bench: Bench,
    books: dict[str, Path],
    made: dict[str, float | None],
    loads: tuple[str, str],
) -> None:
    lines = [
        "# rvneet benchmarks",
        "",
        "Made by `make bench` (`python -m bench.run`); see bench/run.py for what each row runs. Every",
        "time is the median of the whole-process runs shown in the runs column (wall time, including",
        "Python start-up); peak is the process's maximum resident set size. Each reference ran in the",
        "same session, and the ratio (ours ÷ reference) is the figure to compare between machines.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in machine().items()]
    lines += [
        f"| date | {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC |",
        f"| load average (1, 5, 15 min) at start / end | {loads[0]} / {loads[1]} |",
        f"| whole run | {bench.elapsed / 60:.1f} min |",
        "",
        "## Books",
        "",
        f"Made by `python -m bench.generate --youths N --seed {SEED}` (generator version"
        f" {generate.GENERATOR_VERSION}); dated {generate.BOOK_START} to {generate.BOOK_END}.",
        "",
        "| book | youths | cases | RV | open cases | events | audit entries | file | generated in |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, db in books.items():
        facts = book_facts(db)
        with sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True) as con:
            open_cases, rv = con.execute(
                "SELECT sum(end_date IS NULL), sum(model = 'rv') FROM cases"
            ).fetchone()
        con.close()
        seconds = made.get(name)
        lines.append(
            f"| {name} | {facts['youths']:,} | {facts['cases']:,} | {rv / facts['cases']:.0%}"
            f" | {open_cases:,} | {facts['events']:,} | {facts['audit_log']:,} | {facts['MB']:,} MB"
            f" | {f'{seconds:.0f} s' if seconds else '—'} |"
        )
    lines += [
        "",
        "Events: " + ", ".join(generate.EVENT_TABLES) + ".",
        "",
    ]
    titles = {
        "start": "Start-up",
        "national": "National book (100 000 youths)",
        "import": "Import",
        "municipality": "Municipality book (1 000 youths)",
        "other": "Other commands on the national book (no target in issue 6)",
        "postgresql": "PostgreSQL (issue 18): the same books on a local server, beside SQLite",
    }
    for section in titles:
        rows = [r for r in bench.rows if r.section == section]
        if not rows:
            continue
        lines += [
            f"## {titles[section]}",
            "",
            "| what | median | runs | peak MB | reference (same run) → ratio | target | met |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in rows:
            median, runs, peak = _cell(row.measure)
            what = row.what + (f" — {row.note}" if row.note else "")
            lines.append(
                f"| {what} | {median} | {runs} | {peak} | {_refs(row)} | {row.target} | {_met(row)} |"
            )
        lines.append("")
    if bench.notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in bench.notes] + [""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="one run per row (a smoke test)")
    parser.add_argument("--keep", action="store_true", help="keep the books in bench/.cache/")
    parser.add_argument("--only", nargs="*", default=[], choices=list(ROWS), help="these rows only")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rvneet-bench-") as tmp:
        folder = Path(tmp)
        bench = Bench(folder, quick=args.quick, keep=args.keep)
        # Bytecode for this checkout, as `pip install` leaves for a wheel; not timed.
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(SRC)], check=True)
        start_load = load()
        books, made = {}, {}
        needed = {b for n in args.only for b in ROW_BOOKS.get(n, SIZES)} if args.only else SIZES
        for name, youths in SIZES.items():
            if name in needed:
                books[name], made[name] = book(name, youths, folder, args.keep)
        print(f"books ready after {bench.elapsed:.0f} s", file=sys.stderr)
        if not args.only or "postgresql" in args.only:
            bench.server, bench.server_why = start_server()
        try:
            for name, function in ROWS.items():
                if not args.only or name in args.only:
                    print(name, file=sys.stderr, flush=True)
                    function(bench, books)
        finally:
            if bench.server is not None:
                bench.server.stop()
        end_load = load()
        if not args.only or "lisa4" in args.only:
            check = lisa4_reference_agrees(bench, books["national"])
            bench.notes.append(f"Lisa 4 reference (national book): {check}.")
        bench.notes.append(
            "Peak memory comes from wait4's maximum resident set size. posix_spawn starts the child"
            " in the memory of the process that measures (vfork), so a figure is at least that"
            f" process's own size, at most {bench.floor:.0f} MB here: the peaks of the small"
            " references are upper bounds."
        )
        bench.notes.append(
            "Wall times depend on what else the machine is doing: compare the load average above"
            " with the machine's 2 cores. The ratios move less than the times."
        )
        write_results(args.out, bench, books, made, (start_load, end_load))
    print(f"wrote {args.out} after {bench.elapsed / 60:.1f} min", file=sys.stderr)


if __name__ == "__main__":
    main()
