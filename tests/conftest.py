"""Shared fixtures: every test gets its own database file and user, never the real default path.

Books that take seconds to build are built once per test run and copied (`template_db`,
`demo_book`, `build_template`; the helpers are in tests/books.py). A module never copies another's
fixture or helper: what two modules need lives here or in books.py."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.testing
from books import cli, copy_book, demo, once_per_run
from hypothesis import settings

# The engine a test's book is on, and the throwaway PostgreSQL server (tests/pg.py).
from pg import (  # noqa: F401
    PgBook,
    engine_fixture,
    memory_folder,
    pg_book,
    pg_copy_book,
    pg_dump,
    pg_query,
    pg_server,
    pg_template,
    pytest_addoption,
    pytest_generate_tests,
)
from shared_sql import share_compiled_sql
from typer.testing import CliRunner, Result

from rvneet.cli import app

# Building the command tree from the Typer app costs about 0.2 s; every CliRunner.invoke(app, …)
# in the suite would pay it. The tree is reusable (help texts are translated from the English kept
# on it), as `rvneet shell` reuses it, so the tests build it once per process.
_typer_get_command = typer.testing._get_command
_trees: dict[int, Any] = {}


def _cached_command(typer_app: Any) -> Any:
    if typer_app is not app:
        return _typer_get_command(typer_app)
    if id(typer_app) not in _trees:
        _trees[id(typer_app)] = _typer_get_command(typer_app)
    return _trees[id(typer_app)]


typer.testing._get_command = _cached_command  # type: ignore[assignment]

MUNICIPALITY = "Viljandi linn"

share_compiled_sql()  # tests/shared_sql.py: the compiled SQL of one command serves the next

# `HYPOTHESIS_PROFILE=soak` (make soak): many more examples for tests that take the profile's number,
# such as tests/test_fuzz.py. The default run keeps their own small numbers.
settings.register_profile(
    "soak", max_examples=int(os.environ.get("RVNEET_SOAK_EXAMPLES", "2000")), deadline=None
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


# The books of the tests live in memory (tmpfs) where the machine has one: every SQLite commit
# waits for the disk otherwise. What a test proves does not depend on it (a killed process loses
# nothing a skipped sync would keep); a test that needs a disk's speed takes `disk_path`.
# `--basetemp DIR` or RVNEET_TEST_DISK=1 puts everything on a disk (the throwaway PostgreSQL
# servers' folders too: `pg.memory_folder`).
_IN_MEMORY = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """Point the run's temporary folder at tmpfs (in the main process: xdist gives each worker a
    folder inside it)."""
    if (
        config.option.basetemp is None
        and not hasattr(config, "workerinput")
        and (memory := memory_folder()) is not None
    ):
        import tempfile

        config.option.basetemp = tempfile.mkdtemp(prefix="rvneet-tests-", dir=memory)
        config.stash[_IN_MEMORY] = config.option.basetemp


def pytest_unconfigure(config: pytest.Config) -> None:
    """Free the memory the run's folder took."""
    if folder := config.stash.get(_IN_MEMORY, None):
        shutil.rmtree(folder, ignore_errors=True)


# The modules of the longest tests (10 to 45 s each on a 2-core machine), longest first. xdist
# hands tests out in collection order: started first, they run beside the many short ones, instead
# of one of them keeping a worker busy at the end while the other waits. Whole modules move, so that
# a module's fixtures are still made once.
LONGEST_FIRST = (
    "test_pg_concurrency.py",
    "test_concurrency.py",
    "test_xlsx_files.py",
    "test_crash.py",
    "test_suppression.py",
    "test_tour_et.py",
    "test_postgres.py",
    "test_restore_crash.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the modules of `LONGEST_FIRST` first, in its order; the rest keep theirs."""

    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)


@pytest.fixture
def disk_path() -> Iterator[Path]:
    """A folder on a disk, for a test that kills a command while it writes (on tmpfs the writing
    is over before the kill)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="rvneet-disk-", dir=Path(__file__).resolve().parents[1]))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say how many inputs the fuzz tests ran (their `fuzz_examples` property), also under xdist."""
    counts: dict[str, int] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            # Recorded at the fixture's teardown, so the teardown report carries it.
            for name, value in getattr(report, "user_properties", ()):
                if name == "fuzz_examples":
                    counts[report.nodeid] = max(value, counts.get(report.nodeid, 0))
    if counts:
        terminalreporter.write_line(
            f"fuzz: {sum(counts.values())} inputs in {len(counts)} tests (tests/test_fuzz.py; "
            f"profile {os.environ.get('HYPOTHESIS_PROFILE', 'default')})"
        )


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point RVNEET_DB at a temp file and keep the developer's own settings out of the tests."""
    db_path = tmp_path / "rvneet.db"
    monkeypatch.setenv("RVNEET_DB", str(db_path))
    monkeypatch.setenv("RVNEET_USER", "tester")
    monkeypatch.delenv("RVNEET_DEBUG", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))  # error reports
    monkeypatch.delenv("RVNEET_KEY", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    # The language comes from --lang, RVNEET_LANG or the locale: English unless a test asks.
    for name in ("RVNEET_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    yield db_path


@pytest.fixture
def db_path(isolated_env: Path) -> Path:
    return isolated_env


Run = Callable[..., Result]
Ok = Callable[..., str]


@pytest.fixture
def run() -> Run:
    """Run `rvneet ARGS...` in-process; returns the click Result (stdout and stderr apart)."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), prog_name="rvneet", input=input)

    return invoke


@pytest.fixture
def ok(run: Run) -> Callable[..., str]:
    """Run a command that must succeed; returns its stdout stripped."""

    def invoke(*args: str) -> str:
        result = run(*args)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result.stdout.strip()

    return invoke


def _init(path: Path) -> None:
    result = CliRunner().invoke(
        app, ["--db", str(path), "init", "--municipality", MUNICIPALITY], prog_name="rvneet"
    )
    assert result.exit_code == 0, result.stderr


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database made once per test run by `rvneet init`; migrations are the slow part of set-up."""
    return once_per_run(tmp_path_factory, "init", _init)


@pytest.fixture(scope="session")
def demo_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo book (examples/load.sh), loaded once per test run: copy it, never write it."""
    return demo(tmp_path_factory)


@pytest.fixture
def initialised(
    template_db: Path,
    db_path: Path,
    engine: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """A database as `rvneet init --municipality 'Viljandi linn'` leaves it (a copy of the template).

    On PostgreSQL (the `engine` parameter, tests/pg.py) a copy of the server's template database,
    at RVNEET_DB: its URL stands where the file's path would (`dump` and `query` take either).
    """
    if engine == "postgresql":
        return pg_book(request, monkeypatch)  # type: ignore[return-value]
    shutil.copyfile(template_db, db_path)
    db_path.chmod(0o600)
    return db_path


def _server_book(db_path: Path) -> str | None:
    """The PostgreSQL book a test works on instead of the file `db_path`, if it does."""
    if isinstance(db_path, PgBook):
        return db_path
    env = os.environ.get("RVNEET_DB", "")
    if env.startswith("postgresql://") and not Path(db_path).exists():
        return env  # the test names its isolated path; its book is on the server
    return None


def dump(db_path: Path) -> list[tuple[str, list[tuple[object, ...]]]]:
    """Every row of every table, to compare a database before and after a refused command."""
    if url := _server_book(db_path):
        return pg_dump(url)
    con = sqlite3.connect(db_path)
    try:
        tables = [
            r[0]
            for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        return [(t, con.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall()) for t in tables]
    finally:
        con.close()


# Valid personal codes, entirely made up. Check digit: stdnum.ee.ik.calc_check_digit(code) takes
# all 11 digits (it ignores the last one), e.g. calc_check_digit(first_ten + "0").
CODE_F_2010 = "61001010009"  # female, born 2010-01-01
CODE_M_2010 = "51005050274"  # male, born 2010-05-05
CODE_M_1995 = "39501010004"  # male, born 1995-01-01
CODE_F_1999_LEAP = "49902280006"  # female, born 1999-02-28


# Helpers shared by the test modules that build their data once (a module-scoped `template`).


@pytest.fixture
def book(
    template: Path,
    db_path: Path,
    engine: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """A fresh copy of the template book at this test's database path, private as init makes it.

    On PostgreSQL (the `engine` parameter) the template's rows in a database on the server, at
    RVNEET_DB (`pg_copy_book`): the module builds its book once, on SQLite."""
    if engine == "postgresql":
        return pg_copy_book(request, monkeypatch, template)  # type: ignore[return-value]
    return copy_book(template, db_path)


def recorded(user: str, db_path: Path) -> str:
    """How the audit log names `user` on the book at `db_path`: as given on a file; on a server,
    where the tests' login (tester) works under another name, with that login too."""
    return f"{user} (tester)" if _server_book(db_path) and user != "tester" else user


def refused(run: Run, db_path: Path, *args: str, code: int = 1, error: str = "Error: ") -> str:
    """Run a command that must be refused: one `Error:` line, nothing printed or written."""
    before = dump(db_path)
    result = run(*args)
    assert result.exit_code == code, (args, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(error), result.stderr
    assert "unexpected" not in lines[0]
    assert result.stdout == ""
    assert dump(db_path) == before
    return lines[0]


def refused_et(run: Run, db_path: Path, *args: str, code: int = 1) -> str:
    """`refused` where the language is Estonian: one `Viga:` line, nothing printed or written."""
    return refused(run, db_path, *args, code=code, error="Viga: ")


def execute(path: Path, *statements: str) -> None:
    """Raw SQL with foreign keys off (SQLite's default), as a damaged or foreign file would have."""
    con = sqlite3.connect(path)
    try:
        for sql in statements:
            con.execute(sql)
        con.commit()
    finally:
        con.close()


def query(db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    if url := _server_book(db_path):
        return pg_query(url, sql)
    con = sqlite3.connect(db_path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def audit_log(path: Path) -> list[dict[str, Any]]:
    """Every entry of the audit log as stored, oldest first (a book on either engine)."""
    from pg import connect_book

    con = connect_book(path)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute("SELECT * FROM audit_log ORDER BY id")]
    finally:
        con.close()


def show(ok: Ok, ref: str) -> dict[str, Any]:
    """`case show REF` as JSON."""
    record: dict[str, Any] = json.loads(ok("case", "show", ref, "--format", "json"))
    return record


def events(ok: Ok, ref: str, *kinds: str) -> list[tuple[str, str, str]]:
    """The timeline of `case show` as (date, event, detail), only the events of `kinds`."""
    return [
        (e["date"], e["event"], e["detail"])
        for e in show(ok, ref)["timeline"]
        if not kinds or e["event"] in kinds
    ]


def open_and_closed_cases(ok: Ok) -> None:
    """Y-0001 with open RV-2025-001 (from 2025-02-03) and open NEET-2025-001; Y-0002 with
    RV-2024-001, closed on 2024-09-30 (a `build` for `build_template`)."""
    ok("init", "--municipality", MUNICIPALITY)
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    ok("youth", "add", "--name", "Jaan Tamm", "--id-code", CODE_M_2010)
    rv = ("case", "open", "--model", "rv", "--risk", "high")
    ok(*rv, "--youth", "Y-0001", "--start", "2025-02-03")
    ok(*rv, "--youth", "Y-0002", "--start", "2024-03-01")
    ok("case", "close", "RV-2024-001", "--end", "2024-09-30", "--reason", "goals-met")
    ok(
        "case", "open", "--youth", "Y-0001", "--model", "neet", "--start", "2025-02-03",
        "--light", "yellow", "--group", "risk",
    )  # fmt: skip


def build_template(
    factory: pytest.TempPathFactory, name: str, build: Callable[[Callable[..., str]], None]
) -> Path:
    """A database built through the CLI by `build(ok)`, for a module-scoped `template`.

    It is built once per test run and shared by the xdist workers (a module's tests run on both),
    and each module gets its own copy, which it may change. Its first command is most often
    `init --municipality 'Viljandi linn'`: that book is made once per run and copied too
    (migrations are the slow part of `init`), unless RVNEET_KEY asks for an encrypted book; the
    copied `init` prints nothing."""

    def made(path: Path) -> None:
        cli_ok = cli(path)

        def ok(*args: str) -> str:
            plain = not os.environ.get("RVNEET_KEY")
            if args == ("init", "--municipality", MUNICIPALITY) and plain and not path.exists():
                copy_book(once_per_run(factory, "init-tester", lambda p: cli(p)(*args)), path)
                return ""
            return cli_ok(*args)

        build(ok)

    shared = once_per_run(factory, f"{getattr(build, '__module__', 'tests')}.{name}", made)
    path = factory.mktemp(name) / "rvneet.db"
    shutil.copyfile(shared, path)  # a file copy: an encrypted book is copied as it is
    path.chmod(0o600)
    return path
