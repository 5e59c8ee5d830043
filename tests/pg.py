"""A throwaway PostgreSQL server for the tests: `initdb` into a temporary folder, listening on a Unix
socket in that folder only (no TCP port to collide), stopped and removed at the end of the session.

`PgServer.start()` returns None with the reason when no server can be had (no binaries, initdb or
pg_ctl failed); the fixtures in tests/conftest.py then skip the PostgreSQL tests with that one line.
As root (sessions and CI), the server runs as the `postgres` system user: PostgreSQL refuses root.
Under pytest-xdist every worker starts its own server (a second or two), so nothing is shared.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER = "postgres"


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

    @property
    def socket_dir(self) -> Path:
        """The folder holding the server's Unix socket (the `host` of a libpq URL)."""
        return self.folder

    def _cmd(self, *args: str) -> list[str]:
        prefix = ["runuser", "-u", self.run_as, "--"] if self.run_as else []
        return [*prefix, *args]

    @classmethod
    def start(cls) -> tuple[PgServer | None, str]:
        """A running server, or None and why not (one line)."""
        if os.environ.get("RVNEET_NO_POSTGRES"):
            return None, "RVNEET_NO_POSTGRES is set"
        bin_ = bindir()
        if bin_ is None:
            return None, "no PostgreSQL server binaries (install Debian's postgresql: make postgres)"
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
        folder = Path(tempfile.mkdtemp(prefix="rvneet-pg-"))
        server = cls(folder=folder, bin=bin_, run_as=run_as)
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
            options = (
                f"-c listen_addresses='' -c unix_socket_directories='{folder}' -c fsync=off"
                " -c synchronous_commit=off -c full_page_writes=off"
            )
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
        return server, ""

    def url(self, database: str) -> str:
        """The libpq URL of `database` on this server's socket, as a user would give `--db`."""
        return f"postgresql://{SUPERUSER}@/{database}?host={self.socket_dir}"

    def admin(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE) as the superuser."""
        import psycopg

        with psycopg.connect(
            dbname="postgres", user=SUPERUSER, host=str(self.socket_dir), autocommit=True
        ) as con:
            con.execute(sql)  # type: ignore[arg-type]

    def new_database(self, template: str | None = None) -> str:
        """A fresh, empty database (or a copy of `template`): its name."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        self.admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.databases.append(name)
        return name

    def drop(self, name: str) -> None:
        """Drop a database made by `new_database` (the server's files stay small)."""
        with contextlib.suppress(Exception):
            self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Stop at once (`-m immediate`: the data is thrown away) and remove the folder."""
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(
                self._cmd(
                    str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop"
                ),
                capture_output=True,
                timeout=60,
            )
        self.remove()

    def remove(self) -> None:
        """Remove the server's folder."""
        shutil.rmtree(self.folder, ignore_errors=True)
