"""A throwaway PostgreSQL server for the tests: `initdb` into a temporary folder, listening on a Unix
socket in that folder only (no TCP port to collide), stopped and removed at the end of the session.

`PgServer.start()` returns None with the reason when no server can be had (no binaries, initdb or
pg_ctl failed); the fixtures in tests/conftest.py then skip the PostgreSQL tests with that one line.
As root (sessions and CI), the server runs as the `postgres` system user: PostgreSQL refuses root.
Under pytest-xdist every worker starts its own server (a second or two), so nothing is shared.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

SUPERUSER = "postgres"
# The login of the engine-aware tests' books: the name they work under (RVNEET_USER, conftest), so
# that on a server, too, the audit log names them alone (a superuser working under another name
# is recorded with its login as well).
TESTER = "tester"
DEFAULT_PORT = 5432


def bindir() -> Path | None:
    """Where initdb and pg_ctl are: `pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin."""
    if pg_config := shutil.which("pg_config"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=10
            ).stdout.strip()
            if (Path(out) / "initdb").exists():
                return Path(out)
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    if initdb := shutil.which("initdb"):
        return Path(initdb).parent
    return None


@dataclass
class PgServer:
    """One server in `folder` (data in folder/data, socket in folder), run as `run_as` if set."""

    folder: Path
    bin: Path
    run_as: str | None
    databases: list[str] = field(default_factory=list)
    # The server's port: its socket's name (.s.PGSQL.PORT), and the TCP port where it listens.
    port: int = DEFAULT_PORT
    _admin: Any = None

    @property
    def socket_dir(self) -> Path:
        """The folder holding the server's Unix socket (the `host` of a libpq URL)."""
        return self.folder

    def _cmd(self, *args: str) -> list[str]:
        prefix = ["runuser", "-u", self.run_as, "--"] if self.run_as else []
        return [*prefix, *args]

    @classmethod
    def start(
        cls,
        port: int = DEFAULT_PORT,
        settings: Mapping[str, str] | None = None,
        hba: str | None = None,
        files: Mapping[str, bytes] | None = None,
    ) -> tuple[PgServer | None, str]:
        """A running server, or None and why not (one line).

        `port` names its socket (and is its TCP port where `settings` give listen_addresses);
        `settings` come after the defaults, so they may override them; `hba` replaces
        pg_hba.conf; `files` are written into the data folder before the start, 0600 and owned by
        the server's user (the server refuses a TLS key others may read). tests/test_pg_tls.py
        starts such a server."""
        if os.environ.get("RVNEET_NO_POSTGRES"):
            return None, "RVNEET_NO_POSTGRES is set"
        bin_ = bindir()
        if bin_ is None:
            return (
                None,
                "no PostgreSQL server binaries (install Debian's postgresql: make postgres)",
            )
        try:
            import psycopg  # noqa: F401
        except ImportError:
            return None, "psycopg is not installed (pip install -e '.[server]')"
        run_as = None
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                return None, "running as root without runuser: PostgreSQL refuses to run as root"
            run_as = SUPERUSER
        # A short path: a Unix socket's path is limited to about 100 bytes.
        folder = Path(tempfile.mkdtemp(prefix="rvneet-pg-", dir=memory_folder()))
        server = cls(folder=folder, bin=bin_, run_as=run_as, port=port)
        if run_as:
            shutil.chown(folder, user=run_as)
        data = folder / "data"
        try:
            subprocess.run(
                server._cmd(
                    str(bin_ / "initdb"),
                    "-D",
                    str(data),
                    "--auth=trust",
                    "-U",
                    SUPERUSER,
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-sync",
                ),
                capture_output=True,
                text=True,
                check=True,
                timeout=120,
            )
            server._prepare(data, hba, files or {})
            # Nothing here is replicated or must outlive a crash: no syncs, and the least WAL.
            options = (
                f"-c listen_addresses='' -c unix_socket_directories='{folder}' -c fsync=off"
                f" -c synchronous_commit=off -c full_page_writes=off -c port={port}"
                " -c wal_level=minimal -c max_wal_senders=0"
            )
            # pg_ctl hands the options to a shell: each value quoted for it.
            for name, value in (settings or {}).items():
                options += f" -c {name}={shlex.quote(value)}"
            subprocess.run(
                server._cmd(
                    str(bin_ / "pg_ctl"),
                    "-D",
                    str(data),
                    "-w",
                    "-l",
                    str(folder / "log"),
                    "-o",
                    options,
                    "start",
                ),
                capture_output=True,
                text=True,
                check=True,
                timeout=120,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            detail = getattr(exc, "stderr", None) or str(exc)
            server.remove()
            line = " ".join(str(detail).split())[:200]
            return None, f"the throwaway PostgreSQL server did not start: {line}"
        try:
            server.admin(f"CREATE ROLE {TESTER} LOGIN SUPERUSER")
        except Exception as exc:  # psycopg's error: a server that cannot be used is stopped too
            server.stop()
            line = " ".join(str(exc).split())[:200]
            return None, f"the throwaway PostgreSQL server cannot be reached: {line}"
        return server, ""

    def _prepare(self, data: Path, hba: str | None, files: Mapping[str, bytes]) -> None:
        """Write pg_hba.conf and `files` into the data folder as the server's user owns it."""
        written = {**files, **({"pg_hba.conf": hba.encode()} if hba is not None else {})}
        for name, content in written.items():
            path = data / name
            path.unlink(missing_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(content)
            if self.run_as:
                shutil.chown(path, user=self.run_as, group=self.run_as)

    def url(self, database: str, login: str = SUPERUSER) -> str:
        """The libpq URL of `database` on this server's socket, as a user would give `--db`."""
        port = f"&port={self.port}" if self.port != DEFAULT_PORT else ""
        return f"postgresql://{login}@/{database}?host={self.socket_dir}{port}"

    def admin(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE) as the superuser, over
        the process's one connection to the server's `postgres` database."""
        import psycopg

        if self._admin is None or self._admin.closed or self._admin.broken:
            self._admin = psycopg.connect(
                dbname="postgres",
                user=SUPERUSER,
                host=str(self.socket_dir),
                port=self.port,
                autocommit=True,
            )
        self._admin.execute(sql)

    def forget_logins(self) -> None:
        """Take every login out of rvneet's group roles. Roles are the server's, not a database's:
        a login one test made a case manager would be refused another role by the next test's
        `staff add --user` or `access grant` (a login has one rvneet role on a server)."""
        self.admin(
            "DO $$ DECLARE r record; BEGIN"
            " FOR r IN SELECT g.rolname AS grp, m.rolname AS member FROM pg_auth_members a"
            " JOIN pg_roles g ON g.oid = a.roleid JOIN pg_roles m ON m.oid = a.member"
            " WHERE g.rolname LIKE 'rvneet\\_%' AND m.rolcanlogin LOOP"
            " EXECUTE format('REVOKE %I FROM %I', r.grp, r.member); END LOOP; END $$"
        )

    def new_database(self, template: str | None = None) -> str:
        """A fresh, empty database (or a copy of `template`): its name."""
        # Letters only: a run of 11 digits in a random name reads as a personal code, which
        # messages quoting the address hide (seen once: t_b1d0e81085544799).
        name = "t_" + uuid.uuid4().hex[:16].translate(str.maketrans("0123456789", "ghijklmnop"))
        self.admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.databases.append(name)
        return name

    def drop(self, name: str) -> None:
        """Drop a database made by `new_database` (the server's files stay small)."""
        with contextlib.suppress(Exception):
            self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Stop at once (`-m immediate`: the data is thrown away) and remove the folder."""
        if self._admin is not None:
            self._admin.close()
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(
                self._cmd(
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.folder / "data"),
                    "-m",
                    "immediate",
                    "stop",
                ),
                capture_output=True,
                timeout=60,
            )
        self.remove()

    def remove(self) -> None:
        """Remove the server's folder."""
        shutil.rmtree(self.folder, ignore_errors=True)


def memory_folder() -> str | None:
    """The folder in memory (tmpfs) where the tests' books and the servers' folders go, or None
    (the system's temporary folder) when RVNEET_TEST_DISK is set or the machine has none. On a
    disk, every book a test empties and refills, and each database made and dropped, was written
    out (fsync=off spares the waits, not the writes), at a speed that varies on a shared machine."""
    memory = "/dev/shm"
    if os.environ.get("RVNEET_TEST_DISK") or not os.path.isdir(memory):
        return None
    return memory if os.access(memory, os.W_OK) else None


# --- pytest: the engine a test's book is on ----------------------------------------------------

# Modules about the SQLite file itself (its modes, side files, copies, locks, encryption, disk) and
# `db backup`/`check`/`restore` of a file (test_pg_backup.py has the server's): never given a
# PostgreSQL book.
SQLITE_ONLY = frozenset(
    {
        "test_access.py",
        # The audit log attacked through the file with sqlite3: SQLite's triggers, its loose
        # types, `db check --full` (test_postgres.py attacks the server's log).
        "test_audit_attacks.py",
        "test_concurrency.py",
        "test_crash.py",
        "test_db.py",
        "test_db_admin.py",
        "test_encryption.py",
        "test_i18n_admin.py",
        "test_erasure_disk.py",
        "test_output_paths.py",
        "test_read_only.py",
        "test_restore_crash.py",
    }
)
ENGINES = ("sqlite", "postgresql")
_TEMPLATE = "rvneet_template"


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--engine`: which engine the books of engine-aware tests are on."""
    parser.addoption(
        "--engine",
        choices=(*ENGINES, "both"),
        default=None,
        help="sqlite or postgresql: run every test that uses the `initialised` book on that engine "
        "only; both: every such test on both, the tests marked postgresql_on_request too. "
        "Default: both, but for the modules in tests/pg.py's SQLITE_ONLY, the tests marked "
        "sqlite_only, and the tests marked postgresql_on_request (SQLite only).",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Give the tests that use a book (`initialised`, `book`: whatever takes `engine`) the engine
    as a parameter: every such test runs on both engines, but those about the SQLite file."""
    if "engine" not in metafunc.fixturenames:
        return
    chosen = metafunc.config.getoption("--engine")
    if (
        metafunc.definition.get_closest_marker("sqlite_only")
        or metafunc.definition.path.name in SQLITE_ONLY
    ):
        engines: tuple[str, ...] = ("sqlite",)
    elif chosen in ENGINES:
        engines = (chosen,)
    elif chosen is None and metafunc.definition.get_closest_marker("postgresql_on_request"):
        engines = ("sqlite",)
    else:
        engines = ENGINES
    metafunc.parametrize("engine", engines, indirect=True)


@pytest.fixture(name="engine")
def engine_fixture(request: pytest.FixtureRequest) -> str:
    """The engine of this test's book: "sqlite" unless the test was given "postgresql"."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | None]:
    """The throwaway server of this test process, or None when it cannot be had."""
    server, why = PgServer.start()
    _WHY_NOT[0] = why
    try:
        yield server
    finally:
        if server is not None:
            server.stop()


_WHY_NOT = [""]


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer | None) -> str | None:
    """A database on the server made once by `rvneet init` (the name), copied for each test."""
    if pg_server is None:
        return None
    from conftest import MUNICIPALITY
    from typer.testing import CliRunner

    from rvneet.cli import app

    pg_server.admin(f'CREATE DATABASE "{_TEMPLATE}"')
    result = CliRunner().invoke(
        app,
        ["--db", pg_server.url(_TEMPLATE), "init", "--municipality", MUNICIPALITY],
        prog_name="rvneet",
    )
    assert result.exit_code == 0, result.stderr
    return _TEMPLATE


class PgBook(str):
    """A test's book on PostgreSQL: its URL (what RVNEET_DB holds), where a file's Path would be."""


def pg_book(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> PgBook:
    """The test's book on the server, as the template database is, at RVNEET_DB. Skips the test,
    saying why, when there is no server.

    CREATE DATABASE … TEMPLATE took 0.3–0.6 s on a busy 2-core machine; one database per test
    process, emptied and refilled with the template's rows, takes a tenth of that. It is made anew
    from the template when a test changed its schema (a trigger dropped, a table altered)."""
    server: PgServer | None = request.getfixturevalue("pg_server")
    template: str | None = request.getfixturevalue("pg_template")
    if server is None or template is None:
        pytest.skip(f"PostgreSQL: {_WHY_NOT[0]}")
    url = PgBook(server.url(_BOOK, TESTER))
    server.forget_logins()
    if not _STATE:
        _STATE["rows"] = _rows_of(server.url(template))
        _fresh_book(server, template)
    elif not _reset(url):
        _fresh_book(server, template)
    monkeypatch.setenv("RVNEET_DB", url)
    _keep_engines(request, url)
    return url


def _keep_engines(request: pytest.FixtureRequest, url: str) -> None:
    """Keep the server's engines for the whole test, as `rvneet shell` keeps them for its
    commands: each command still has its own transactions and audit entries, but not its own
    connection, whose start (a new server process, its catalog caches cold) was half of a
    command's time on a server.

    The engine of the test process's book at `url` goes on to the next test, which finds the
    book emptied and refilled by `_reset`: a new engine per test was a new server process and
    SQLAlchemy's first questions to the server (its version, its settings) each time."""
    from rvneet import db

    kept = db.engines_kept(servers_only=True)
    kept.__enter__()
    engines = db._KEPT_ENGINES.get()
    assert engines is not None
    engines.update(_BOOK_ENGINES)

    def done() -> None:
        _BOOK_ENGINES.clear()
        if (url,) in engines:
            _BOOK_ENGINES[(url,)] = engines.pop((url,))
        kept.__exit__(None, None, None)

    request.addfinalizer(done)


# The engine of the book kept from one test to the next (`_keep_engines`).
_BOOK_ENGINES: dict[tuple[Any, ...], Any] = {}


def pg_copy_book(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, source: Path
) -> PgBook:
    """The test's book on the server holding every row of the SQLite book `source` (a module's
    template, the demo book), at RVNEET_DB, as `rvneet db copy` would move it. Skips the test,
    saying why, when there is no server.

    The rows are read from the file once per test process (again if the file changed) and put
    into the process's one book database as `pg_book` puts the template's: a module's book is
    built once, through the CLI on SQLite, and each of its tests runs on PostgreSQL."""
    server: PgServer | None = request.getfixturevalue("pg_server")
    template: str | None = request.getfixturevalue("pg_template")
    if server is None or template is None:
        pytest.skip(f"PostgreSQL: {_WHY_NOT[0]}")
    url = PgBook(server.url(_BOOK, TESTER))
    if not _STATE:
        _STATE["rows"] = _rows_of(server.url(template))
        _fresh_book(server, template)
    key = f"{source}@{Path(source).stat().st_mtime_ns}"
    if key not in _COPIES:
        _COPIES[key] = _rows_from_sqlite(Path(source), server.url(template))
    if not _reset(url, _COPIES[key]):
        _fresh_book(server, template)  # a test before changed the schema
        if not _reset(url, _COPIES[key]):
            why = _STATE.get("error", "")
            raise AssertionError(f"the rows of {source} could not be put into {url}: {why}")
    monkeypatch.setenv("RVNEET_DB", url)
    _keep_engines(request, url)
    return url


_COPIES: dict[str, dict[str, Any]] = {}


def _rows_from_sqlite(source: Path, url: str) -> dict[str, Any]:
    """Every row of the SQLite book `source` as `_reset` puts rows back (the template's schema
    fingerprint; booleans, stored as 0/1, as booleans; dates stay ISO text, which PostgreSQL
    reads into its date and timestamp columns)."""
    with connect(url) as con:
        booleans = {
            (str(t), str(c))
            for t, c in con.execute(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND data_type = 'boolean'"
            )
        }
        tables = _tables(con)
    data: dict[str, Any] = {"fingerprint": _STATE["rows"]["fingerprint"]}
    file = sqlite3.connect(source)
    try:
        present = {r[0] for r in file.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        for table in tables:
            if table not in present:
                continue
            cursor = file.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cursor.description]
            flags = [(table, n) in booleans for n in names]
            data[table] = (
                names,
                [
                    tuple(
                        v if v is None or not f else bool(v) for v, f in zip(r, flags, strict=True)
                    )
                    for r in cursor.fetchall()
                ],
            )
    finally:
        file.close()
    return data


_BOOK = "rvneet_book"
_STATE: dict[str, Any] = {}
# What a test may change besides rows: columns, triggers, functions, constraints, indexes.
_SCHEMA_FINGERPRINT = """
SELECT md5(
  coalesce((SELECT string_agg(c.relname || '.' || a.attname || ':'
                              || format_type(a.atttypid, a.atttypmod)
                              || CAST(a.attnotnull AS text), ',' ORDER BY c.relname, a.attnum)
              FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
             WHERE c.relnamespace = CAST(current_schema() AS regnamespace)
               AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped), '')
  || coalesce((SELECT string_agg(tgname || CAST(tgenabled AS text) || CAST(tgfoid AS text), ','
                                 ORDER BY tgname)
                 FROM pg_trigger WHERE NOT tgisinternal), '')
  || coalesce((SELECT string_agg(proname || md5(prosrc), ',' ORDER BY proname)
                 FROM pg_proc WHERE pronamespace = CAST(current_schema() AS regnamespace)), '')
  || coalesce((SELECT string_agg(conname || CAST(oid AS text), ',' ORDER BY conname)
                 FROM pg_constraint
                WHERE connamespace = CAST(current_schema() AS regnamespace)), '')
  || coalesce((SELECT string_agg(CAST(indexrelid AS text), ',' ORDER BY indexrelid)
                 FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
                WHERE c.relnamespace = CAST(current_schema() AS regnamespace)), ''))
"""


def _tables(con: Any) -> list[str]:
    return [str(r[0]) for r in con.execute(_TABLE_NAMES)]


def _rows_of(url: str) -> dict[str, Any]:
    """The template's schema fingerprint and every row of every table, with column names."""
    with connect(url) as con:
        data: dict[str, Any] = {"fingerprint": con.execute(_SCHEMA_FINGERPRINT).fetchone()[0]}
        for table in _tables(con):
            cursor = con.execute(f'SELECT * FROM "{table}"')
            names = [d.name for d in cursor.description or ()]
            data[table] = (names, cursor.fetchall())
        return data


def _fresh_book(server: PgServer, template: str) -> None:
    for con in _CONNECTIONS.values():
        con.close()
    _CONNECTIONS.clear()
    for engine in _BOOK_ENGINES.values():
        engine.dispose()
    _BOOK_ENGINES.clear()
    server.drop(_BOOK)
    server.admin(f'CREATE DATABASE "{_BOOK}" TEMPLATE "{template}"')


def _reset(url: str, rows: dict[str, Any] | None = None) -> bool:
    """Empty the book and put the template's rows (or `rows`) back, in one transaction; False
    (nothing done) when its schema differs from the template's or it cannot be had at once.

    Over the test process's one connection to the book, in two round trips: the schema's
    fingerprint, then one script (every DELETE, INSERT and sequence) made once per set of rows.
    A statement each took a tenth of a second per test on a busy machine."""
    import psycopg

    rows = _STATE["rows"] if rows is None else rows
    for attempt in (1, 2):
        con = _book_connection(url)
        try:
            found = con.execute(_SCHEMA_FINGERPRINT).fetchone()
            if found is None or found[0] != rows["fingerprint"]:
                con.rollback()
                return False
            con.execute(_reset_script(con, rows))
            con.commit()
            return True
        except psycopg.OperationalError as exc:
            # The book was dropped and made anew (`_fresh_book`) since: connect again, once.
            _CONNECTIONS.pop(url, None)
            _STATE["error"] = " ".join(str(exc).split())
            if attempt == 2:
                return False
        except psycopg.Error as exc:
            con.rollback()
            _STATE["error"] = " ".join(str(exc).split())
            return False
    return False


_CONNECTIONS: dict[str, Any] = {}
_SCRIPTS: dict[int, tuple[dict[str, Any], str]] = {}


def _book_connection(url: str) -> Any:
    """The test process's connection to the book at `url` (in a transaction, not autocommit)."""
    import psycopg

    con = _CONNECTIONS.get(url)
    if con is None or con.closed or con.broken:
        con = psycopg.connect(url)
        con.execute("SET lock_timeout = '2s'")
        con.commit()
        _CONNECTIONS[url] = con
    return con


def _reset_script(con: Any, rows: dict[str, Any]) -> str:
    """The SQL that empties the book and puts `rows` back (made once per set of rows)."""
    from psycopg import sql

    made = _SCRIPTS.get(id(rows))
    if made is not None and made[0] is rows:
        return made[1]
    tables = _tables(con)
    # As a replica: no trigger fires (the audit log's append-only ones) and no foreign key is
    # checked while the tables are refilled. DELETE, not TRUNCATE: these tables hold a few rows,
    # and TRUNCATE makes new files for every table and index (several times slower here).
    parts = ["SET LOCAL session_replication_role = replica"]
    parts += [f'DELETE FROM "{table}"' for table in tables]
    for table in tables:
        names, values = rows.get(table, ([], []))
        if values:
            columns = ", ".join(f'"{n}"' for n in names)
            literals = ",\n".join(
                "(" + ", ".join(sql.Literal(v).as_string(con) for v in row) + ")" for row in values
            )
            parts.append(f'INSERT INTO "{table}" ({columns}) VALUES {literals}')
        if "id" in names:
            parts.append(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f' (SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"), false)'
            )
    script = ";\n".join(parts)
    _SCRIPTS[id(rows)] = (rows, script)
    return script


def connect(url: str) -> Any:
    """A plain psycopg connection to a test's book (autocommit: each statement its own)."""
    import psycopg

    return psycopg.connect(url, autocommit=True)


def pg_query(url: str, sql: str) -> list[tuple[Any, ...]]:
    """The rows of `sql` on the book at `url`, as sqlite3 gives them (see `BookConnection`);
    it commits at once."""
    con, kept = _helper_connection(url)
    try:
        sql = _USER.sub('"user"', sql.replace("%", "%%"))
        with _as_sqlite_error():
            rows = _Rows(con.execute(sql), None).fetchall()
        if kept:
            con.commit()
        return rows
    except BaseException:
        if kept and not con.closed:
            con.rollback()
        raise
    finally:
        if not kept:
            con.close()


def pg_dump(url: str) -> list[tuple[str, list[tuple[object, ...]]]]:
    """Every row of every table of the book at `url` (conftest.dump for PostgreSQL), read in
    two round trips: the tables' names, then every table's rows at once."""
    con, kept = _helper_connection(url)
    try:
        tables = [str(r[0]) for r in con.execute(_TABLE_NAMES)]
        with con.cursor() as cursor:
            # No parameters: psycopg sends the statements as one script, a result each.
            cursor.execute(";\n".join(f'SELECT * FROM "{t}" ORDER BY 1' for t in tables))
            dumped: list[tuple[str, list[tuple[object, ...]]]] = []
            for table in tables:
                # Values as SQLite gives them, so that books on the two engines compare too.
                dumped.append((table, [tuple(_as_sqlite(v) for v in r) for r in cursor.fetchall()]))
                cursor.nextset()
        return dumped
    finally:
        if not kept:
            con.close()
        elif not con.closed:
            con.rollback()


_TABLE_NAMES = (
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname"
)


def _helper_connection(url: str) -> tuple[Any, bool]:
    """A connection for the tests' own reads and writes of the book at `url`, and whether it is
    kept: the test process's connection (`_book_connection`) for its one book database, whose
    new server process per read was a third of the server's time in the tests; a new one
    (autocommit) for any other database, which a test may drop."""
    database = url.split("?", 1)[0].rsplit("/", 1)[-1]
    if database == _BOOK:
        return _book_connection(url), True
    return connect(url), False


# --- sqlite3-like access to a test's book on either engine ----------------------------------------

_USER = re.compile(r'(?<!["\w.])user(?!["\w])', re.IGNORECASE)


def _as_sqlite(value: Any) -> Any:
    """A value as SQLite gives it back: dates as ISO text, booleans as 0/1."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class _Rows:
    """The cursor `BookConnection.execute` returns: rows as sqlite3 gives them."""

    def __init__(self, cursor: Any, row_factory: Any) -> None:
        self._cursor = cursor
        self._factory = row_factory
        self.rowcount = cursor.rowcount

    def _row(self, raw: Any) -> Any:
        values = tuple(_as_sqlite(v) for v in raw)
        if self._factory is sqlite3.Row:
            names = [d.name for d in self._cursor.description]
            return dict(zip(names, values, strict=True))
        return values

    def fetchall(self) -> list[Any]:
        """Every row left."""
        return [self._row(r) for r in self._cursor.fetchall()] if self._cursor.description else []

    def fetchone(self) -> Any:
        """The next row, or None."""
        raw = self._cursor.fetchone() if self._cursor.description else None
        return None if raw is None else self._row(raw)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


@contextlib.contextmanager
def _as_sqlite_error() -> Iterator[None]:
    """psycopg's errors raised as sqlite3 raises them: a refused constraint or a trigger's RAISE
    (the audit log's append-only triggers) as IntegrityError, any other as OperationalError."""
    import psycopg

    try:
        yield
    except (psycopg.errors.IntegrityError, psycopg.errors.RaiseException) as exc:
        raise sqlite3.IntegrityError(str(exc).splitlines()[0]) from exc
    except psycopg.DatabaseError as exc:
        raise sqlite3.OperationalError(str(exc).splitlines()[0]) from exc


class BookConnection:
    """The little of sqlite3.Connection the tests use, on a PostgreSQL book: `?` placeholders and
    a bare `user` column work, values come back as SQLite gives them. Autocommit."""

    def __init__(self, url: str) -> None:
        self._con = connect(url)
        self.row_factory: Any = None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Rows:
        """Run one statement."""
        sql = _USER.sub('"user"', sql.replace("%", "%%").replace("?", "%s"))
        with _as_sqlite_error():
            return _Rows(self._con.execute(sql, tuple(params)), self.row_factory)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for each of `rows`."""
        sql = _USER.sub('"user"', sql.replace("%", "%%").replace("?", "%s"))
        with _as_sqlite_error(), self._con.cursor() as cursor:
            cursor.executemany(sql, [tuple(r) for r in rows])

    def commit(self) -> None:
        """Nothing to do: every statement commits by itself."""

    def __enter__(self) -> BookConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        """`with con:` commits in sqlite3 and leaves the connection open: nothing to do here."""

    def close(self) -> None:
        """Close the connection."""
        self._con.close()


def connect_book(path: Any) -> Any:
    """sqlite3.connect(path), or for a book on PostgreSQL (see conftest's `_server_book`) a
    `BookConnection` that answers the same way."""
    from conftest import _server_book

    if url := _server_book(path):
        return BookConnection(url)
    return sqlite3.connect(path)
