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
    book.both(
        TIIT, "youth", "add", "--name", "Õie Kask", "--birth-date", "2010-05-05", "--sex", "F"
    )
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
    ["pold", "POLD", "ÕIE", "oie", CODE_M_2010, CODE_M_2010[-4:], "05.05.2010", "2010-05-05", "y-0002",
     "NEET-2025-001", "Jüri Põld"],
)  # fmt: skip
def test_a_case_managers_find_on_a_server_is_the_files(book: Book, text: str) -> None:
    for fmt in ("json", "table", "csv"):
        on_server, on_file = book.both(KADRI, "find", text, "--format", fmt)
        assert on_server == on_file, (text, fmt)


def test_another_managers_youth_is_found_by_reference_and_open_case_only(book: Book) -> None:
    on_server, _ = book.both(KADRI, "find", "pold", "--format", "json")
    assert json.loads(on_server) == [
        {"kind": "youth", "reference": "Y-0001", "label": "", "matched": "name", "code_end": None,
         "birth_date": None, "erased": False, "open_case_elsewhere": True},
        {"kind": "youth", "reference": "Y-0003", "label": "Kati Põld", "matched": "name",
         "code_end": CODE_F_2010[-4:], "birth_date": "2010-01-01", "erased": False,
         "open_case_elsewhere": None},
        {"kind": "youth", "reference": "Y-0004", "label": "Peeter Pold", "matched": "name",
         "code_end": None, "birth_date": "2010-05-05", "erased": False,
         "open_case_elsewhere": None},
        {"kind": "staff", "reference": "S-0001", "label": "Kadri Põld (fnd_kadri)",
         "matched": "name", "code_end": None, "birth_date": None, "erased": False,
         "open_case_elsewhere": None},
    ]  # fmt: skip
    on_server, _ = book.both(KADRI, "find", "05.05.2010")
    assert "another case manager's: open case" in on_server
    assert "another case manager's: no open case" in on_server
    assert "Jüri" not in on_server and "Õie" not in on_server and "Kask" not in on_server
    hidden = [line for line in on_server.splitlines() if "Y-0001" in line or "Y-0002" in line]
    assert len(hidden) == 2 and not any(
        "2010" in line or CODE_M_2010[-4:] in line for line in hidden
    ), hidden


def test_a_servers_find_by_personal_code_is_an_audited_read(book: Book) -> None:
    def reads() -> list[tuple[Any, ...]]:
        with book.connect(OWNER) as con:
            return con.execute(
                "SELECT \"user\", entity, entity_ref FROM audit_log WHERE action = 'read'"
                " AND \"user\" = %s ORDER BY id", (KADRI,)
            ).fetchall()  # fmt: skip

    before = reads()
    book.both(KADRI, "find", CODE_M_2010)
    assert reads() == [*before, (KADRI, "youths", "Y-0001")]
    # Called with plain psycopg, the function records the read itself.
    with book.connect(KADRI) as con:
        found = con.execute("SELECT * FROM rvneet_find_elsewhere(%s)", (CODE_M_2010[-4:],))
        assert [d.name for d in found.description] == ["ref", "open_case_elsewhere"]
        assert found.fetchall() == [("Y-0001", True)]
    assert reads() == [*before, *[(KADRI, "youths", "Y-0001")] * 2]
    assert "audit log intact" in ok(book.url(), None, "audit", "verify")


def _denied(con: Any, sql: str, params: tuple[Any, ...] = ()) -> None:
    with pytest.raises(psycopg.Error) as caught:
        con.execute(sql, params)
    assert caught.value.sqlstate == DENIED, caught.value


@pytest.mark.parametrize(
    "text", ["", " ", "x" * 201, "S-0002", "M-001", "31.02.2010", "Kadri", "Kati"]
)
def test_the_find_function_gives_a_case_manager_nothing_find_would_not(
    book: Book, text: str
) -> None:
    with book.connect(KADRI) as con:
        assert con.execute("SELECT * FROM rvneet_find_elsewhere(%s)", (text,)).fetchall() == []


def test_the_functions_give_no_name_or_code_to_anyone(book: Book) -> None:
    rows = json.dumps([{"i": 0, "id_code": CODE_M_2010, "name": "Jüri Põldsaar"}])
    match: tuple[str, tuple[Any, ...]] = (
        "SELECT * FROM rvneet_ngts_match(%s, %s, %s::jsonb)",
        (LIST_DATE, [], rows),
    )
    with book.connect(KADRI) as con:
        for sql in (
            "SELECT rvneet_folded('Põld')",
            "SELECT rvneet_ids_given('youths')",
            "SELECT rvneet_audit_append('youths', 1, 'Y-0001', 'read', '{}')",
        ):
            _denied(con, sql)  # fmt: skip
        _denied(con, *match)
        # Only the reference of another manager's youth, whatever the text.
        for text in ("%", "_", "Jüri", "Y-0001", "NEET-2025-001"):
            found = con.execute("SELECT * FROM rvneet_find_elsewhere(%s)", (text,)).fetchall()
            assert found in ([], [("Y-0001", True)]), text
    with book.connect(MARI) as con:
        _denied(con, "SELECT * FROM rvneet_find_elsewhere('pold')")
        _denied(con, "SELECT name FROM youths")
        _denied(con, "SELECT id_code FROM youths")
        with con.transaction(force_rollback=True):
            found = con.execute(*match)
            assert [d.name for d in found.description] == [
                "i", "youth_id", "ref", "renamed", "entry_id", "changed"
            ]  # fmt: skip
            assert found.fetchall() == [(0, 1, "Y-0001", False, None, [])]


# --- the NGTS import by a coordinator ------------------------------------------------------------


def write_list(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(";".join(row) for row in rows) + "\n", encoding="utf-8")
    return path


def book_rows(book: Book, name: str, since: int) -> dict[str, Any]:
    """The youths, NGTS entries and audit entries after `since` (without time, login and hashes)
    of a copy."""
    with book.connect(OWNER, name) as con:
        return {
            "youths": con.execute("SELECT * FROM youths ORDER BY id").fetchall(),
            "ngts_entries": con.execute("SELECT * FROM ngts_entries ORDER BY id").fetchall(),
            "audit": sorted(
                con.execute(
                    "SELECT entity, entity_id, entity_ref, action, changes FROM audit_log"
                    " WHERE id > %s",
                    (since,),
                ).fetchall()
            ),
        }


def test_a_coordinators_ngts_import_gives_the_admins_book(book: Book, tmp_path: Path) -> None:
    first = write_list(tmp_path / "ngts.csv", LIST)
    again = write_list(tmp_path / "ngts-again.csv", LIST_AGAIN)
    copies = {who: book.server.new_database(template=book.name) for who in (MARI, OWNER)}
    try:
        with book.connect(OWNER) as con:
            since = con.execute("SELECT max(id) FROM audit_log").fetchone()[0]
        outputs: dict[str, list[str]] = {}
        for who, name in copies.items():
            url = book.url(who, name)
            outputs[who] = [
                ok(url, None, "import", "ngts", str(path), "--list-date", LIST_DATE)
                for path in (first, again)
            ]
        assert outputs[MARI] == outputs[OWNER]
        # The first import: Uku new, Jüri renamed (the list's spelling), Kati known; the second
        # changes Jüri's phone and name and Kati's address.
        assert "1 youth registered, 2 already in the book" in outputs[MARI][0]
        assert "0 new, 2 updated, 1 unchanged, 0 refused" in outputs[MARI][1]
        by_coordinator, by_owner = (book_rows(book, name, since) for name in copies.values())
        assert by_coordinator == by_owner
        assert [y[2] for y in by_coordinator["youths"]][-1:] == ["Uku Uus"]
        assert {a[3] for a in by_coordinator["audit"]} == {"insert", "update"}
        with book.connect(OWNER, copies[MARI]) as con:
            users = {r[0] for r in con.execute("SELECT DISTINCT \"user\" FROM audit_log"
                                               " WHERE entity = 'ngts_entries'")}  # fmt: skip
        assert users == {MARI}
        assert "audit log intact" in ok(book.url(OWNER, copies[MARI]), None, "audit", "verify")
    finally:
        for name in copies.values():
            book.server.drop(name)


def test_0016_is_undone_and_done_again_on_a_server(book: Book) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from rvneet.db import migrations_dir

    copy = book.server.new_database(template=book.name)
    functions = (
        "SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace"
        " AND proname IN ('rvneet_folded', 'rvneet_audit_append', 'rvneet_find_elsewhere',"
        " 'rvneet_ngts_match', 'rvneet_ids_given') ORDER BY proname"
    )
    engine = create_engine(book.url(OWNER, copy).replace("postgresql:", "postgresql+psycopg:"))
    try:
        config = Config()
        config.set_main_option("script_location", str(migrations_dir()))
        found = []
        for target in ("0015", "head"):
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                (command.downgrade if target == "0015" else command.upgrade)(config, target)
                found.append([r[0] for r in connection.exec_driver_sql(functions)])
        assert found == [[], ["rvneet_audit_append", "rvneet_find_elsewhere", "rvneet_folded",
                              "rvneet_ids_given", "rvneet_ngts_match"]]  # fmt: skip
        assert (
            json.loads(ok(book.url(KADRI, copy), None, "find", "kask", "--format", "json"))[0][
                "reference"
            ]
            == "Y-0002"
        )
    finally:
        engine.dispose()
        book.server.drop(copy)
