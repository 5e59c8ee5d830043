"""PostgreSQL's own tools for a server book: `pg_dump` and `pg_restore`, found and run safely.

The tools are found as the tests find the server (`pg_config --bindir`, the newest
/usr/lib/postgresql/*/bin, then PATH). The book's libpq address is handed to them through the
environment (PGHOST, PGDATABASE, PGPASSWORD, …), never on their command line, where any user of the
computer could read it (`ps`), and never in a message. Files they write are created under umask 077.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import subprocess
from pathlib import Path

from rvneet.domain.errors import DatabaseError
from rvneet.i18n import _

# Seconds a tool may run before it is stopped (a large book dumps in minutes, not hours).
TIMEOUT_SECONDS = 6 * 3600
# libpq's connection keywords and the environment variable each has (libpq's "Environment
# Variables"); a keyword without one cannot be handed over and is refused.
ENVIRONMENT = {
    "host": "PGHOST",
    "hostaddr": "PGHOSTADDR",
    "port": "PGPORT",
    "dbname": "PGDATABASE",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
    "sslmode": "PGSSLMODE",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcrl": "PGSSLCRL",
    "sslcrldir": "PGSSLCRLDIR",
    "sslsni": "PGSSLSNI",
    "sslnegotiation": "PGSSLNEGOTIATION",
    "ssl_min_protocol_version": "PGSSLMINPROTOCOLVERSION",
    "ssl_max_protocol_version": "PGSSLMAXPROTOCOLVERSION",
    "requirepeer": "PGREQUIREPEER",
    "gssencmode": "PGGSSENCMODE",
    "krbsrvname": "PGKRBSRVNAME",
    "channel_binding": "PGCHANNELBINDING",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "client_encoding": "PGCLIENTENCODING",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "load_balance_hosts": "PGLOADBALANCEHOSTS",
    "require_auth": "PGREQUIREAUTH",
}


def bindir_candidates() -> list[Path]:
    """Folders that may hold the tools, best first: `pg_config --bindir`, the newest
    /usr/lib/postgresql/*/bin (Debian's, one per version), and PATH's folders."""
    found: list[Path] = []
    if pg_config := shutil.which("pg_config"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=10
            ).stdout.strip()
            if out:
                found.append(Path(out))
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
        reverse=True,
    )
    found += [Path(p) for p in versions]
    return found


def tool(name: str) -> Path:
    """The program `name` (pg_dump, pg_restore), or one line saying it is missing and what to do."""
    for folder in bindir_candidates():
        if (folder / name).is_file() and os.access(folder / name, os.X_OK):
            return folder / name
    if on_path := shutil.which(name):
        return Path(on_path)
    raise DatabaseError(
        _(
            "{tool} is not installed: a server book is backed up with PostgreSQL's own tools; "
            "install them (Debian: apt install postgresql-client)"
        ).format(tool=name)
    )


def libpq_environment(url: str) -> dict[str, str]:
    """The environment for a tool to reach the database at `url`: the current one, with every
    part of the address as libpq's own variable (so no part is on the command line)."""
    from psycopg import conninfo

    address = url.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        parts = conninfo.conninfo_to_dict(address)
    except Exception as exc:  # psycopg.ProgrammingError: libpq could not parse it
        from rvneet.db import server_label

        raise DatabaseError(
            _("{url} is not a PostgreSQL address ({reason})").format(
                url=server_label(url), reason=" ".join(str(exc).split())
            )
        ) from None
    env = dict(os.environ)
    for keyword, value in parts.items():
        if value is None:
            continue
        if keyword not in ENVIRONMENT:
            raise DatabaseError(
                _(
                    "the address setting {keyword} cannot be given to PostgreSQL's tools; "
                    "put it in a service file (PGSERVICEFILE) and use service=NAME"
                ).format(keyword=keyword)
            )
        env[ENVIRONMENT[keyword]] = str(value)
    return env


def run_tool(name: str, args: list[str], url: str | None) -> subprocess.CompletedProcess[str]:
    """Run PostgreSQL's `name` with `args` on the database at `url` (through the environment; None:
    a tool that only reads a file), files it creates private to their owner. Raises DatabaseError,
    one line in words, when it fails: the tool's own first error line, without the password."""
    program = tool(name)
    env = libpq_environment(url) if url else dict(os.environ)
    try:
        done = subprocess.run(
            [str(program), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            umask=0o077,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise DatabaseError(
            _("{tool} could not be run: {reason}").format(tool=name, reason=exc)
        ) from None
    if done.returncode != 0:
        raise DatabaseError(
            _("{tool} failed: {reason}").format(
                tool=name, reason=tool_reason(done.stderr, env.get("PGPASSWORD"))
            )
        )
    return done


def tool_reason(stderr: str, password: str | None = None) -> str:
    """A tool's first error line, its program name prefix and any password left out."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error:" in line] or lines or ["?"]
    line = errors[0]
    for prefix in ("pg_dump: error: ", "pg_restore: error: ", "pg_dump: ", "pg_restore: "):
        if line.startswith(prefix):
            line = line[len(prefix) :]
            break
    if password:
        line = line.replace(password, "***")
    from rvneet.domain.personal_code import redact_codes

    return redact_codes(line)


def dump_revision(path: Path) -> str:
    """The schema revision recorded in the pg_dump archive `path` (its `alembic_version` row), read
    by pg_restore without a server; DatabaseError when it is not such an archive, or damaged."""
    done = run_tool(
        "pg_restore", ["--data-only", "--table=alembic_version", "--file=-", str(path)], None
    )
    lines = done.stdout.splitlines()
    for line, value in itertools.pairwise(lines):
        if line.startswith("COPY ") and "alembic_version" in line and value.strip() != "\\.":
            return value.strip()
    raise DatabaseError(_("{path} holds no rvneet schema revision").format(path=path))


def dump_tables(path: Path) -> set[str]:
    """The tables a pg_dump archive creates (its table of contents, read by pg_restore --list)."""
    done = run_tool("pg_restore", ["--list", str(path)], None)
    tables = set()
    for line in done.stdout.splitlines():
        # "215; 1259 16390 TABLE public audit_log postgres": id; catalog oids, kind, schema, name.
        head, _sep, entry = line.partition("; ")
        words = entry.split()
        if head.strip().isdigit() and len(words) >= 5 and words[2:3] == ["TABLE"]:
            tables.add(words[4])
    return tables
