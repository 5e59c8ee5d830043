"""Issue 15, a case manager's day: `followup due --within` shows the days to go, `report --output`
keeps an existing file without `--force`, `import template --format csv` opens in Estonian Excel,
and Ctrl-C during an import says in one line that nothing was imported."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from books import process_env
from conftest import MUNICIPALITY, Run, build_template, dump, query, refused

from bench.generate import plan_youths, write_youths_csv

Ok = Callable[..., str]


EARLY = "NEET-2025-001"  # closed 2025-03-31: follow-up due 2025-09-30
LATE = "NEET-2025-002"  # closed 2025-05-15: follow-up due 2025-11-15


def build_book(ok: Ok) -> None:
    ok("init", "--municipality", MUNICIPALITY)
    neet = ("case", "open", "--model", "neet", "--light", "yellow", "--group", "neet")
    for name, youth in (("Kati Kask", "Y-0001"), ("Mart Tamm", "Y-0002")):
        ok("youth", "add", "--name", name, "--birth-date", "2005-01-01", "--sex", "F")
        ok(*neet, "--youth", youth, "--start", "2025-01-06")
    ok("case", "close", EARLY, "--end", "2025-03-31", "--reason", "moved")
    ok("case", "close", LATE, "--end", "2025-05-15", "--reason", "moved")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The book, built once through the CLI for the whole module (each test gets a copy)."""
    return build_template(tmp_path_factory, "small-day", build_book)


def table_row(table: str, ref: str) -> list[str]:
    """The cells of the table row of `ref`, stripped."""
    line = next(line for line in table.splitlines() if ref in line)
    return [cell.strip() for cell in line.split("│")[1:-1]]


# --- followup due --within: days to go -----------------------------------------------------------


@pytest.mark.usefixtures("book")
def test_due_within_gives_the_days_to_go_of_those_not_yet_due(ok: Ok) -> None:
    rows = json.loads(
        ok("followup", "due", "--as-of", "2025-11-10", "--within", "10", "--format", "json")
    )
    got = [(r["case"], r["due"], r["days_overdue"], r["days_to_go"]) for r in rows]
    assert got == [(EARLY, "2025-09-30", 41, 0), (LATE, "2025-11-15", 0, 5)]
    csv = ok("followup", "due", "--as-of", "2025-11-10", "--within", "10", "--format", "csv")
    assert csv.splitlines()[0] == "case,youth,model,manager,end,due,days_overdue,days_to_go"
    assert csv.splitlines()[2].endswith(",2025-11-15,0,5")


@pytest.mark.usefixtures("book")
def test_due_table_shows_the_count_that_applies(ok: Ok) -> None:
    table = ok("followup", "due", "--as-of", "2025-11-10", "--within", "10")
    assert "Days overdue" in table and "Days to go" in table
    assert table_row(table, EARLY)[-2:] == ["41", ""]
    assert table_row(table, LATE)[-2:] == ["", "5"]
    # Due today: 0 days overdue, nothing to go.
    today = ok("followup", "due", "--as-of", "2025-11-15")
    assert table_row(today, LATE)[-2:] == ["0", ""]


@pytest.mark.usefixtures("book")
def test_due_table_in_estonian(ok: Ok) -> None:
    table = ok("--lang", "et", "followup", "due", "--as-of", "2025-11-10", "--within", "10")
    assert "Hilinenud päevi" in table and "Päevi tähtajani" in table
    assert table_row(table, LATE)[-2:] == ["", "5"]


# --- report --output: not over an existing file without --force ----------------------------------

REPORTS = {
    "lisa4": ("--period", "2025H1"),
    "neet": ("--period", "2025"),
    "workload": ("--as-of", "2025-06-30"),
    "followups": ("--period", "2025H2"),
}


@pytest.mark.usefixtures("book")
@pytest.mark.parametrize("name", sorted(REPORTS))
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "table"])
def test_report_keeps_an_existing_output_without_force(
    run: Run, ok: Ok, db_path: Path, tmp_path: Path, name: str, fmt: str
) -> None:
    target = tmp_path / f"report.{fmt}"
    target.write_text("keep me\n")
    args = ("report", name, *REPORTS[name], "--format", fmt, "--output", str(target))
    line = refused(run, db_path, *args, code=2)
    assert f"{target} exists; add --force to overwrite it" in line
    assert target.read_text() == "keep me\n"
    ok(*args, "--force")
    assert target.read_bytes() != b"keep me\n"
    assert target.stat().st_size > 0


@pytest.mark.usefixtures("book")
def test_report_writes_a_new_output_without_force(ok: Ok, tmp_path: Path) -> None:
    target = tmp_path / "neet.json"
    ok("report", "neet", "--period", "2025", "--format", "json", "--output", str(target))
    assert json.loads(target.read_text())


@pytest.mark.usefixtures("book")
def test_report_refusal_in_estonian(run: Run, db_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "neet.csv"
    target.write_text("keep me\n")
    before = dump(db_path)
    result = run(
        "--lang", "et", "report", "neet", "--period", "2025", "--output", str(target)
    )  # fmt: skip
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Viga: ")
    assert "on juba olemas; ülekirjutamiseks lisa --force" in line
    assert target.read_text() == "keep me\n"
    assert dump(db_path) == before


# --- import template --format csv: Estonian Excel ------------------------------------------------


@pytest.mark.usefixtures("initialised")
def test_csv_template_has_a_bom_and_semicolons(ok: Ok, tmp_path: Path) -> None:
    path = tmp_path / "noored.csv"
    ok("import", "template", "youths", "--lang", "et", "--format", "csv", "--output", str(path))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw[3:].decode("utf-8").splitlines()[0] == "viide;nimi;isikukood;sünniaeg;sugu"
    assert ok("import", "youths", str(path)).startswith("youths from noored.csv: 1 new")


@pytest.mark.usefixtures("initialised")
def test_csv_template_with_commas(ok: Ok, tmp_path: Path) -> None:
    path = tmp_path / "noored.csv"
    ok("import", "template", "youths", "--output", str(path), "--delimiter", ",")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw[3:].decode("utf-8").splitlines()[0] == "ref,name,id_code,birth_date,sex"
    assert ok("import", "youths", str(path)).startswith("youths from noored.csv: 1 new")


@pytest.mark.usefixtures("initialised")
def test_template_on_the_screen_keeps_commas(ok: Ok) -> None:
    assert ok("import", "template", "youths").splitlines()[0] == "ref,name,id_code,birth_date,sex"
    header = ok("import", "template", "youths", "--delimiter", ";").splitlines()[0]
    assert header == "ref;name;id_code;birth_date;sex"


@pytest.mark.usefixtures("initialised")
def test_template_refuses_another_delimiter(run: Run, db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "noored.csv"
    line = refused(
        run, db_path, "import", "template", "youths", "--output", str(path), "--delimiter", "|",
        code=2,
    )  # fmt: skip
    assert "the delimiter is ; or ," in line
    assert not path.exists()


# --- Ctrl-C during an import ---------------------------------------------------------------------

ROWS = 50_000


def _reading(pid: int, source: Path) -> bool:
    """Whether the process has `source` open: rvneet is up and importing it."""
    try:
        return any(os.readlink(fd) == str(source) for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc to see the import")
def test_ctrl_c_during_an_import_imports_nothing(initialised: Path, tmp_path: Path) -> None:
    source = tmp_path / "noored.csv"
    write_youths_csv(source, plan_youths(ROWS, seed=1))
    before = dump(initialised)
    process = subprocess.Popen(
        [sys.executable, "-m", "rvneet", "--db", str(initialised), "import", "youths", str(source)],
        env=process_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # A test runner's worker may ignore SIGINT, and a child inherits that: the import would
        # never see Ctrl-C. A terminal's user has it at its default.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not _reading(process.pid, source):
        assert process.poll() is None, "the import ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err.decode()
    assert err.decode().splitlines() == ["Interrupted: nothing was imported"]
    assert out == b""
    assert query(initialised, "SELECT count(*) FROM youths") == [(0,)]
    assert dump(initialised) == before
    reports = tmp_path / "xdg-state"
    assert not reports.exists() or not any(p.is_file() for p in reports.rglob("*"))
