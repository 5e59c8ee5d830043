"""`find` by a case manager and the NGTS import by a coordinator on a PostgreSQL book (issue 18,
migration 0016): row-level security hides another manager's youths and the coordinator's column
privileges withhold names and codes, so two SECURITY DEFINER functions give what rvneet's rules
allow and nothing more. The same book is built on an SQLite file, where the CLI applies the rules
itself, and the outputs compared; plain psycopg tries to get more out of the functions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import CODE_F_2010, CODE_M_2010, MUNICIPALITY
from pg import PgServer
from typer.testing import CliRunner, Result

from rvneet.cli import app

# Logins of this module only: roles are the server's, shared by every test book on it.
KADRI, TIIT, MARI = "fnd_kadri", "fnd_tiit", "fnd_mari"
DENIED = "42501"  # insufficient_privilege
OWNER = "postgres"
LIST_DATE = "2025-03-15"
NEW_CODE = "39501010004"  # on the list, not in the book
# An NGTS list as Estonian Excel saves it: Jüri's name written otherwise, Kati's as the book has it.
LIST = [
    ["isikukood", "eesnimi", "perekonnanimi", "telefon", "aadress", "viimane haridus"],
    [CODE_M_2010, "Jyri", "Põldsaar", "5555 0101", "Pikk 1, Viljandi", "põhiharidus"],
    [CODE_F_2010, "Kati", "Põld", "", "", "põhiharidus"],
    [NEW_CODE, "Uku", "Uus", "5555 0103", "", ""],
]
# The same list again a week later: a phone changed, an address given, Jüri's name back.
LIST_AGAIN = [
    LIST[0],
    [CODE_M_2010, "Jüri", "Põldsaar", "5555 0199", "Pikk 1, Viljandi", "põhiharidus"],
    [CODE_F_2010, "Kati", "Põld", "", "Tallinna 5, Viljandi", "põhiharidus"],
    LIST[3],
]


def invoke(db: str, login: str | None, *args: str) -> Result:
    """`rvneet --db DB ARGS`, as `login` on a server (the connection's) or on a file (RVNEET_USER)."""
    return CliRunner().invoke(
        app, ["--db", db, *args], prog_name="rvneet", env={"RVNEET_USER": login}
    )


def ok(db: str, login: str | None, *args: str) -> str:
    result = invoke(db, login, *args)
    assert result.exit_code == 0, (login, args, result.stdout, result.stderr)
    return str(result.stdout)


class Book:
    """A book built by the same commands on a server (one login per person) and on a file."""

    def __init__(self, server: PgServer, name: str, file: Path) -> None:
        self.server = server
        self.name = name
        self.file = str(file)

    def url(self, login: str = OWNER, name: str | None = None) -> str:
        return f"postgresql://{login}@/{name or self.name}?host={self.server.socket_dir}"

    def connect(self, login: str, name: str | None = None) -> Any:
        """A plain psycopg connection as `login` (autocommit)."""
        return psycopg.connect(self.url(login, name), autocommit=True)

    def both(self, login: str | None, *args: str) -> tuple[str, str]:
        """`args` run as `login` on the server and on the file: the two outputs."""
        on_server = ok(self.url(login or OWNER), None, *args)
        return on_server, ok(self.file, login, *args)


def build(book: Book) -> None:
    """Tiit's youths Jüri (open case) and Õie (closed case), Kadri's Kati (open case), and Peeter,
    nobody's yet; the same on both engines."""
    book.both(None, "init", "--municipality", MUNICIPALITY)
    book.both(None, "staff", "add", "--name", "Kadri Põld", "--user", KADRI)
    book.both(None, "staff", "add", "--name", "Tiit Org", "--user", TIIT)
    book.both(None, "staff", "add", "--name", "Mari Mets", "--user", MARI, "--role", "coordinator")
    neet = ("--model", "neet", "--group", "risk", "--light", "yellow", "--start", "2025-02-03")
    book.both(TIIT, "youth", "add", "--name", "Jüri Põldsaar", "--id-code", CODE_M_2010)
    book.both(TIIT, "case", "open", "--youth", "Y-0001", *neet)
    book.both(TIIT, "youth", "add", "--name", "Õie Kask", "--birth-date", "2010-05-05", "--sex", "F")
    book.both(TIIT, "case", "open", "--youth", "Y-0002", *neet)
    book.both(TIIT, "case", "contact", "NEET-2025-002", "--date", "2025-02-10", "--channel", "sms")
    book.both(TIIT, "case", "close", "NEET-2025-002", "--end", "2025-02-28", "--reason", "moved")
    book.both(KADRI, "youth", "add", "--name", "Kati Põld", "--id-code", CODE_F_2010)
    book.both(KADRI, "case", "open", "--youth", "Y-0003", *neet)
    book.both(None, "youth", "add", "--name", "Peeter Pold", "--birth-date", "2010-05-05",
              "--sex", "M")  # fmt: skip


@pytest.fixture(scope="module")
def book(pg_server: PgServer | None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Book]:
    if pg_server is None:
        from pg import _WHY_NOT

        pytest.skip(f"PostgreSQL: {_WHY_NOT[0]}")
    pg_server.forget_logins()  # logins other tests left in rvneet's group roles
    found = Book(pg_server, pg_server.new_database(), tmp_path_factory.mktemp("find") / "rv.db")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("RVNEET_USER", raising=False)
        build(found)
        yield found
    pg_server.drop(found.name)


# --- find by a case manager ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["pold", "POLD", "oie", CODE_M_2010, CODE_M_2010[-4:], "05.05.2010", "2010-05-05", "y-0002",
     "NEET-2025-001", "Jüri Põld"],
)  # fmt: skip
def test_a_case_managers_find_on_a_server_is_the_files(book: Book, text: str) -> None:
    for fmt in ("json", "table", "csv"):
        on_server, on_file = book.both(KADRI, "find", text, "--format", fmt)
        assert on_server == on_file, (text, fmt)
