"""References for shell completion: one small read-only query, and never an error.

Completion runs on every Tab press, so this reads the book with the standard `sqlite3` module
(SQLCipher's with a key) rather than SQLAlchemy: no migration is run, nothing is written, nothing is
audited (references are no personal data). A missing, locked, encrypted-without-key or older book
completes nothing. A book on PostgreSQL is read through a reading engine (`db.server_engine`).
"""

from __future__ import annotations

from pathlib import Path

# At most this many references are offered: a shell lists them all on a double Tab.
MOST = 200

# kind → the query of its references starting with a prefix (`?` twice: the prefix, the limit).
# Retired members and staff and erased youths are left out; open cases come first.
_QUERIES = {
    "youth": "SELECT ref FROM youths WHERE erased_on IS NULL AND ref LIKE ? ESCAPE '\\' ORDER BY ref LIMIT ?",
    "case": (
        "SELECT ref FROM cases WHERE ref LIKE ? ESCAPE '\\' "
        "ORDER BY end_date IS NOT NULL, model, seq DESC LIMIT ?"
    ),
    "member": (
        "SELECT ref FROM network_members WHERE retired_on IS NULL AND ref LIKE ? ESCAPE '\\' "
        "ORDER BY ref LIMIT ?"
    ),
    # The staff register (S-0001) may not exist in an older book: then nothing is offered.
    "staff": "SELECT ref FROM staff WHERE retired_on IS NULL AND ref LIKE ? ESCAPE '\\' ORDER BY ref LIMIT ?",
}
# The goals and activities of one case, by their number in it (`?`: the case reference).
_NUMBERS = {
    "goal": "goals",
    "activity": "support_activities",
}


def references(path: Path | str, key: str | None, kind: str, prefix: str = "") -> list[str]:
    """The references of `kind` (youth, case, member, staff) starting with `prefix` (any case)."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    # References are upper case: an upper-case prefix matches on PostgreSQL too, whose LIKE
    # minds the case (SQLite's does not).
    like = escaped.upper() + "%"
    return _read(path, key, _QUERIES[kind], (like, MOST))


def numbers(path: Path | str, key: str | None, kind: str, case_ref: str) -> list[str]:
    """The numbers of a case's goals or activities (`kind` goal or activity), in order."""
    sql = (
        f"SELECT t.number FROM {_NUMBERS[kind]} t JOIN cases c ON c.id = t.case_id "
        "WHERE c.ref = ? ORDER BY t.number LIMIT ?"
    )
    return _read(path, key, sql, (case_ref.strip().upper(), MOST))


def _read(path: Path | str, key: str | None, sql: str, params: tuple[object, ...]) -> list[str]:
    """The first column of `sql`'s rows as text; [] when the book cannot be read as it is."""
    from rvneet.encryption import connect

    if isinstance(path, str):
        return _read_server(path, sql, params)
    if not path.is_file():
        return []  # never create a file by completing
    try:
        con = connect(path, key, read_only=True, timeout=0.2)
    except Exception:
        return []
    try:
        return [str(row[0]) for row in con.execute(sql, params)]
    except Exception:
        return []
    finally:
        con.close()


def _read_server(url: str, sql: str, params: tuple[object, ...]) -> list[str]:
    """`_read` of the book on PostgreSQL at `url`: [] when it cannot be read (no driver, no
    server, no schema yet)."""
    from rvneet.db import server_engine

    try:
        engine = server_engine(url, write=False)
        try:
            with engine.connect() as con:
                rows = con.exec_driver_sql(sql.replace("?", "%s"), params).all()
        finally:
            engine.dispose()
    except Exception:
        return []
    return [str(row[0]) for row in rows]
