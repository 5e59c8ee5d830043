"""What differs between the two engines (SQLite files and PostgreSQL servers) in the few statements
that go straight to the database driver, below SQLAlchemy's own translation."""

from __future__ import annotations

from typing import Any

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
    if is_server(connection):
        connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f" (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
        )


def last_over_every_row(connection: Any, function: str, *args: str) -> int | None:
    """On PostgreSQL, the number a reference counts from over every row of its table, by the
    SECURITY DEFINER `function` of migration 0015 (row-level security shows a case manager only
    some rows, and a number counted over those would be given twice); None on SQLite, where the
    caller counts the rows itself."""
    if not is_server(connection):
        return None
    marks_ = ", ".join(["%s"] * len(args))
    return int(connection.exec_driver_sql(f"SELECT {function}({marks_})", tuple(args)).scalar())
