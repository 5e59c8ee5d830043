"""A book on a PostgreSQL server reached over TLS, as libpq does it (issue 18): `sslmode` and
`sslrootcert` in the URL or in libpq's environment, the password from PGPASSFILE, and `db backup`
and `db restore` (pg_dump, pg_restore) over the same connection. The module starts its own
throwaway server (tests/pg.py's), with a private CA made by the `openssl` command, TCP on
127.0.0.1 allowed only over TLS; the server log says which connections were encrypted. Skips,
saying why, without PostgreSQL's server binaries or openssl."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import CODE_F_2010, MUNICIPALITY, Run
from pg import SUPERUSER, PgServer

# The book's owner, as docs/server.md sets it up: a login that may create roles, not a superuser.
LOGIN = "tls_owner"
SECRET = "Tls-Parool-42"
# Only the superuser may use the socket (to set up); TCP must be TLS with a password, else refused.
HBA = f"""\
local all {SUPERUSER} trust
hostssl all all 127.0.0.1/32 scram-sha-256
hostnossl all all 127.0.0.1/32 reject
"""


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["openssl", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=60
    )


def _ca(folder: Path, name: str) -> None:
    """A self-signed CA: `name`.pem and its key `name`.key (EC keys: made in milliseconds)."""
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2",
        "-subj", f"/CN=rvneet test {name}", cwd=folder,
    )  # fmt: skip


def _server_certificate(folder: Path) -> None:
    """server.crt and server.key for localhost and 127.0.0.1, signed by ca.pem."""
    _openssl(
        "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost", cwd=folder,
    )  # fmt: skip
    (folder / "server.ext").write_text(
        "subjectAltName = DNS:localhost, IP:127.0.0.1\n"
        "basicConstraints = CA:FALSE\n"
        "extendedKeyUsage = serverAuth\n",
        encoding="utf-8",
    )
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-set_serial", "1", "-days", "2", "-extfile", "server.ext", "-out", "server.crt",
        cwd=folder,
    )  # fmt: skip


def _free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now (the OS's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class TlsServer:
    """The module's server: TLS on 127.0.0.1:`port`, its CA `ca`, another CA `other_ca`."""

    server: PgServer
    port: int
    ca: Path
    other_ca: Path
    passfile: Path

    def database(self) -> str:
        """A new empty database owned by LOGIN: its name."""
        name = self.server.new_database()
        self.server.admin(f'ALTER DATABASE "{name}" OWNER TO {LOGIN}')
        return name

    def url(self, database: str, query: str = "") -> str:
        """The database's address over TCP, as a user gives it: no password in it."""
        address = f"postgresql://{LOGIN}@127.0.0.1:{self.port}/{database}"
        return f"{address}?{query}" if query else address

    def verified(self, database: str, ca: Path | None = None) -> str:
        """The address with `sslmode=verify-full` and the CA (this server's unless given)."""
        return self.url(database, f"sslmode=verify-full&sslrootcert={ca or self.ca}")

    def connections(self, database: str) -> list[str]:
        """What the server log says of each connection LOGIN made to `database`: the rest of its
        "connection authorized" line (application_name, "SSL enabled (protocol=…)")."""
        log = (self.server.folder / "log").read_text(encoding="utf-8", errors="replace")
        pattern = rf"connection authorized: user={LOGIN} database={re.escape(database)}\b(.*)"
        return re.findall(pattern, log)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    """A server of its own, with TLS; stopped and its folder removed at the end."""
    if shutil.which("openssl") is None:
        pytest.skip("PostgreSQL over TLS: no openssl command to make the certificates")
    folder = tmp_path_factory.mktemp("tls")
    _ca(folder, "ca")
    _ca(folder, "other-ca")
    _server_certificate(folder)
    port = _free_port()
    server, why = PgServer.start(
        port=port,
        settings={"ssl": "on", "listen_addresses": "127.0.0.1", "log_connections": "on"},
        hba=HBA,
        files={name: (folder / name).read_bytes() for name in ("server.crt", "server.key")},
    )
    if server is None:
        pytest.skip(f"PostgreSQL: {why}")
    try:
        server.admin(f"CREATE ROLE {LOGIN} LOGIN CREATEROLE PASSWORD '{SECRET}'")
        passfile = folder / "pgpass"
        passfile.write_text(f"127.0.0.1:{port}:*:{LOGIN}:{SECRET}\n", encoding="utf-8")
        passfile.chmod(0o600)  # libpq ignores a password file others may read
        yield TlsServer(server, port, folder / "ca.pem", folder / "other-ca.pem", passfile)
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def libpq_env(tls: TlsServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The password from PGPASSFILE, as every test here gives it."""
    _use_libpq_env(tls, monkeypatch)


def _use_libpq_env(tls: TlsServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The password from PGPASSFILE; no TLS setting of the caller's own environment; the login is
    who works (no RVNEET_USER), as for anyone on a server."""
    monkeypatch.setenv("PGPASSFILE", str(tls.passfile))
    for name in ("PGSSLMODE", "PGSSLROOTCERT", "PGSSLCERT", "PGSSLKEY", "PGSERVICE", "PGPASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("RVNEET_USER", raising=False)


def _ok(run: Run, url: str, *args: str) -> str:
    result = run("--db", url, *args)
    assert result.exit_code == 0, (args, result.stderr)
    assert SECRET not in result.stdout + result.stderr
    return str(result.stdout)


def _names(run: Run, url: str) -> list[str]:
    """The youths' names, as `youth list --format json` reads them over `url`."""
    return [y["name"] for y in json.loads(_ok(run, url, "youth", "list", "--format", "json"))]


@dataclass
class Book:
    """The module's book, made over TLS (the URL's settings): its database and what init said."""

    database: str
    url: str
    created: str


@pytest.fixture(scope="module")
def book(tls: TlsServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Book]:
    """`init`, `staff add` and `youth add` over a URL with sslmode=verify-full and sslrootcert,
    once for the module (the migrations are the slow part); the tests add to it, never remove."""
    from typer.testing import CliRunner

    from rvneet.cli import app

    name = tls.database()
    url = tls.verified(name)
    with pytest.MonkeyPatch.context() as patch:
        # As conftest's isolated_env (a test's own fixture, too late here) keeps them.
        _use_libpq_env(tls, patch)
        patch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
        for variable in ("RVNEET_LANG", "LC_ALL", "LC_MESSAGES"):
            patch.delenv(variable, raising=False)
        patch.setenv("LANG", "C.UTF-8")
        runner = CliRunner()
        outputs = []
        for command in (
            ("init", "--municipality", MUNICIPALITY),
            ("staff", "add", "--name", "Kadri Põld"),
            ("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010),
        ):
            result = runner.invoke(app, ["--db", url, *command], prog_name="rvneet")
            assert result.exit_code == 0, (command, result.stderr)
            outputs.append(result.stdout)
    yield Book(name, url, outputs[0])


def _all_encrypted(tls: TlsServer, database: str, at_least: int) -> None:
    """Every connection to `database` was TLS, and there were `at_least` of them."""
    seen = tls.connections(database)
    assert len(seen) >= at_least, seen
    assert all(" SSL enabled (protocol=TLS" in line for line in seen), seen


def _refused(run: Run, url: str, *args: str) -> str:
    """A command refused in one line (exit 4, a database that cannot be reached): the line."""
    result = run("--db", url, *args)
    assert result.exit_code == 4, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr and "unexpected" not in lines[0]
    assert SECRET not in result.stderr
    return lines[0]


def test_a_book_over_tls_verified_by_the_url(tls: TlsServer, book: Book, run: Run) -> None:
    """`sslmode=verify-full&sslrootcert=…` in the URL: init and the writes (the `book` fixture)
    and reads work, and the server logged every one of rvneet's connections as encrypted."""
    assert book.created == f"Created {book.url} for {MUNICIPALITY}\n"
    assert "Mari Maasikas" in _names(run, book.url)
    report = _ok(run, book.url, "report", "lisa4", "--period", "2025H1", "--format", "json",
                 "--no-timestamp")  # fmt: skip
    assert json.loads(report)["municipality"] == MUNICIPALITY
    _all_encrypted(tls, book.database, at_least=5)


def test_a_book_over_tls_verified_by_libpqs_environment(
    tls: TlsServer, book: Book, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PGSSLMODE=verify-full and PGSSLROOTCERT with a bare URL: another CA there is refused (so
    they are read), the server's own works, encrypted."""
    url = tls.url(book.database)
    monkeypatch.setenv("PGSSLMODE", "verify-full")
    monkeypatch.setenv("PGSSLROOTCERT", str(tls.other_ca))
    assert "certificate verify failed" in _refused(run, url, "youth", "list")
    before = len(tls.connections(book.database))
    monkeypatch.setenv("PGSSLROOTCERT", str(tls.ca))
    _ok(run, url, "youth", "add", "--name", "Jaan Tamm", "--birth-date", "2010-05-05", "--sex", "M")
    assert "Jaan Tamm" in _names(run, url)
    _all_encrypted(tls, book.database, at_least=before + 2)


def test_a_connection_without_tls_is_refused_by_the_server_in_one_line(
    tls: TlsServer, book: Book, run: Run
) -> None:
    """`sslmode=disable`: pg_hba.conf's `hostnossl … reject` refuses it before any password."""
    before = tls.connections(book.database)
    url = tls.url(book.database, "sslmode=disable")
    line = _refused(run, url, "youth", "add", "--name", "Uus Noor", "--birth-date", "2010-01-01",
                    "--sex", "F")  # fmt: skip
    assert line.startswith(f"Error: cannot read database {url}: "), line
    assert line.endswith(f'database "{book.database}", no encryption'), line
    assert tls.connections(book.database) == before


def test_a_server_certificate_of_another_ca_is_refused_in_one_line(
    tls: TlsServer, book: Book, run: Run
) -> None:
    """`sslmode=verify-full` with a CA that did not sign the server's certificate: libpq's reason,
    before the password is sent."""
    before = tls.connections(book.database)
    url = tls.verified(book.database, tls.other_ca)
    line = _refused(run, url, "youth", "list")
    assert line.startswith(f"Error: cannot read database {url}: "), line
    assert "certificate verify failed" in line, line
    assert tls.connections(book.database) == before


def test_backup_and_restore_over_tls(
    tls: TlsServer, book: Book, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pg_dump and pg_restore get the URL's TLS settings (as libpq's variables: without them they
    would still connect, with TLS but unverified): the backup (0600) restores into an empty
    database, and the tools' connections were encrypted too."""
    import rvneet.storage.pgtools as pgtools

    verified: list[tuple[str, str | None, str | None]] = []
    real = subprocess.run

    def spy(args: list[str], **options: Any) -> Any:
        env = options.get("env") or {}
        if env.get("PGPORT") == str(tls.port):  # on the server, not pg_restore reading a file
            verified.append((Path(args[0]).name, env.get("PGSSLMODE"), env.get("PGSSLROOTCERT")))
        return real(args, **options)

    monkeypatch.setattr(pgtools.subprocess, "run", spy)
    # The login owns the book's tables and is no superuser: pg_dump reads its rows with
    # row-level security on (rvneet forces it on the owner too, whose policy shows every row).
    backup = tmp_path / "book.dump"
    made = _ok(run, book.url, "db", "backup", str(backup))
    assert made.startswith(f"Backed up {book.url} to {backup} (")
    assert backup.stat().st_mode & 0o777 == 0o600
    target = tls.database()
    restored = _ok(run, tls.verified(target), "db", "restore", str(backup), "--yes")
    assert restored.startswith(f"Restored {tls.verified(target)} from {backup} (schema ")
    settings = ("verify-full", str(tls.ca))
    assert verified == [("pg_dump", *settings), ("pg_restore", *settings)]
    names = _names(run, tls.verified(target))
    assert "Mari Maasikas" in names and names == _names(run, book.url)
    assert "application_name=pg_dump SSL enabled" in "\n".join(tls.connections(book.database))
    assert "application_name=pg_restore SSL enabled" in "\n".join(tls.connections(target))
    _all_encrypted(tls, target, at_least=2)
