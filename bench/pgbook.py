"""The bench's synthetic book on PostgreSQL: an SQLite book (bench/generate.py) copied row for row into a
database that `rvneet init` made on the server, so both engines are measured on the same book.

Usage: python -m bench.pgbook BOOK.db URL

Every table is emptied (what `init` wrote) and filled with COPY from the file, as a replica (no
trigger fires and no foreign key is checked while the tables fill, which needs the superuser the
throwaway server gives); each id sequence is moved past the rows, and the database is vacuumed and
analysed as autovacuum would after a load, so the planner knows the tables' sizes.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path
from typing import Any


def copy_book(db: Path, url: str) -> dict[str, int]:
    """Copy every row of the SQLite book `db` into the PostgreSQL book at `url`; rows per table."""
    import psycopg

    source = sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True)
    counts: dict[str, int] = {}
    try:
        with psycopg.connect(url) as con:
            con.execute("SET session_replication_role = replica")
            tables = [
                str(r[0])
                for r in con.execute(
                    "SELECT table_name FROM information_schema.tables"
                    " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
                    " AND table_name <> 'alembic_version' ORDER BY table_name"
                )
            ]
            for table in tables:
                con.execute(f'DELETE FROM "{table}"')
            for table in tables:
                counts[table] = _copy_table(source, con, table)
    finally:
        source.close()
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("VACUUM (ANALYZE)")
    return counts


def _copy_table(source: sqlite3.Connection, con: Any, table: str) -> int:
    columns = [
        str(r[0])
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
            (table,),
        )
    ]
    names = ", ".join(f'"{c}"' for c in columns)
    count = 0
    # SQLite's 0/1 go into boolean columns as COPY's text '0'/'1', which PostgreSQL reads as such.
    with con.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in source.execute(f'SELECT {names} FROM "{table}"'):
            copy.write_row(row)
            count += 1
    if "id" in columns:
        con.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f' (SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"), false)'
        )
    return count


def main() -> None:
    """Copy the book named on the command line; prints the rows and seconds it took."""
    db, url = Path(sys.argv[1]), sys.argv[2]
    started = time.perf_counter()
    counts = copy_book(db, url)
    print(f"{sum(counts.values())} rows in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
