"""What differs between the two engines (SQLite files and PostgreSQL servers) in the few statements
that go straight to the database driver, below SQLAlchemy's own translation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

# Rows given to the driver at once by `insert_rows` on SQLite: memory stays flat for any import.
_BATCH = 5000
# The driver's placeholder: SQLite's module takes "?", psycopg "%s".
_PLACEHOLDER = {"qmark": "?", "format": "%s", "pyformat": "%s", "numeric": "?"}


def marks(connection: Any, count: int) -> str:
    """`count` placeholders for a raw VALUES list, separated by commas, in the driver's style."""
    return ", ".join([_PLACEHOLDER[connection.dialect.paramstyle]] * count)


def is_server(connection: Any) -> bool:
    """Whether `connection` is to a PostgreSQL server (not an SQLite file)."""
    return bool(connection.dialect.name == "postgresql")


def ids_given(connection: Any, table: str) -> None:
    """After rows were inserted into `table` with their ids given: PostgreSQL's sequence for the id
    is moved past them, so the next row the ORM inserts does not take an id already used. (SQLite
    takes the largest id plus one by itself.)"""
    if not is_server(connection):
        return
    sequence = f"pg_get_serial_sequence('{table}', 'id')"
    if connection.exec_driver_sql(f"SELECT has_sequence_privilege({sequence}, 'UPDATE')").scalar():
        connection.exec_driver_sql(
            f"SELECT setval({sequence}, (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
        )
    else:
        # A login that does not own the sequence (the imports now take their ids with nextval,
        # `new_ids`; an export or a copy is loaded by the owner): migration 0016's function moves
        # it, for youths and NGTS entries only.
        connection.exec_driver_sql("SELECT rvneet_ids_given(%s)", (table,))


def new_ids(connection: Any, table: str, count: int) -> list[int] | None:
    """On PostgreSQL, `count` ids for new rows of `table` taken from its id sequence; None on
    SQLite, where the caller counts on from the largest id (one writer at a time).

    Taking them with nextval needs only USAGE on the sequence, which every writing role has;
    moving the sequence past ids counted by the caller (setval) needs UPDATE, which only the
    sequence's owner has, and a login writing at the same time would be given the same ids."""
    if not is_server(connection):
        return None
    rows = connection.exec_driver_sql(
        f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",
        (count,),
    )
    return [int(r[0]) for r in rows]


def last_over_every_row(connection: Any, function: str, *args: str) -> int | None:
    """On PostgreSQL, the number a reference counts from over every row of its table, by the
    SECURITY DEFINER `function` of migration 0015 (row-level security shows a case manager only
    some rows, and a number counted over those would be given twice); None on SQLite, where the
    caller counts the rows itself."""
    if not is_server(connection):
        return None
    marks_ = ", ".join(["%s"] * len(args))
    return int(connection.exec_driver_sql(f"SELECT {function}({marks_})", tuple(args)).scalar())


def insert_rows(
    connection: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Insert `rows` (values in the order of `columns`) into `table`, in the connection's open
    transaction, so memory stays flat: on PostgreSQL with one COPY (psycopg's `cursor.copy`) that
    the rows stream into, on SQLite in batches with the driver's executemany. A refused row fails
    the statement and so the whole transaction, on both.

    `rows` must not query the same connection while it is read: on PostgreSQL the COPY is open
    (psycopg refuses another statement then, which rolls the whole write back). `table` and
    `columns` are our own names, never a user's.
    """
    names = ", ".join(f'"{c}"' for c in columns)
    # PostgreSQL refuses COPY FROM into a table whose row-level security applies to the login
    # (every login but a superuser's, as 0015 forces it): those rows go in with executemany.
    if (
        is_server(connection)
        and not connection.exec_driver_sql("SELECT row_security_active(%s)", (table,)).scalar()
    ):
        _copy(connection, table, names, rows)
        return
    statement = f"INSERT INTO {table} ({names}) VALUES ({marks(connection, len(columns))})"
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            connection.exec_driver_sql(statement, batch)
            batch = []
    if batch:
        connection.exec_driver_sql(statement, batch)


def _copy(connection: Any, table: str, names: str, rows: Iterable[Sequence[Any]]) -> None:
    # One COPY for all rows, not one per batch: the server files each chunk psycopg sends while
    # the rows after it are still being made, where a COPY per batch waited for the server at the
    # end of every batch (a fifth of a 100 000-row import's time).
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
