"""`rvneet db copy SOURCE TARGET`: a whole book moved between a SQLite file and a PostgreSQL
database (either way, or between two of a kind), verified before it is committed.

The source is only read, in one read transaction (one snapshot). Everything on the target happens
in one transaction: the migrations up to head, every table's rows in foreign-key order with their
ids (the audit log verbatim: its triggers allow INSERT), PostgreSQL's sequences moved past those
ids, the checks (rows per table, the audit chain as `rvneet audit verify` checks it, and the JSON of
Lisa 4 and the NEET report for every half-year of the book, on both sides) and the copy's own audit
entry, appended after the copied chain. A failure anywhere rolls it all back: the target stays as
empty as it was.

The tables are those of the target's schema once migrated (reflected, in dependency order), not a
list kept here: a table a later migration adds is copied too. Their values are read and written with
the column types rvneet's own models declare (a date stays a date, a flag a flag on both engines),
or the reflected type for a table the models do not know.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rvneet.db import Database, _connection_revision, driver_reason, head_revision, known_revisions
from rvneet.domain.errors import DatabaseError
from rvneet.domain.personal_code import redact_codes
from rvneet.i18n import _, translate

if TYPE_CHECKING:
    from sqlalchemy import Connection, Table

# Rows read and written at a time: a large book keeps its memory flat.
BATCH = 2000
# At most this many tables are named when a target is refused for holding rows.
NAMED_TABLES = 3
VERSION_TABLE = "alembic_version"
Progress = Callable[[int], None]


@dataclass(frozen=True)
class CopyInfo:
    """A copy that was committed: from where, to where, the rows of each table, the audit chain's
    entries and newest hash (after the copy's own entry), and the half-years whose reports
    agreed."""

    source: str
    target: str
    tables: dict[str, int]
    audit_entries: int
    last_hash: str
    periods: list[str]

    @property
    def rows(self) -> int:
        """Rows copied, every table together."""
        return sum(self.tables.values())

    def as_dict(self) -> dict[str, Any]:
        """The record `rvneet db copy --format json` prints."""
        return {
            "source": self.source,
            "target": self.target,
            "tables": self.tables,
            "rows": self.rows,
            "audit_entries": self.audit_entries,
            "last_hash": self.last_hash,
            "periods_checked": self.periods,
        }


def copy_book(source: Database, target: Database, progress: Progress | None = None) -> CopyInfo:
    """Copy the whole book `source` into the empty `target`, verify it and commit; see the module.

    `target` is accepted when it holds no tables (an empty PostgreSQL database, a SQLite file that
    is new or empty), an rvneet schema with no rows, or one just made by `rvneet init` for the
    source's municipality (its one setting is replaced by the source's). `progress(rows)` is
    called as rows are copied. Raises DatabaseError, having written nothing, when anything is
    refused or differs.
    """
    _not_the_same(source, target)
    if source.url is None and not source.path.exists():
        raise DatabaseError(_("no database at {path}").format(path=source.where))
    created = _prepare_file(target)
    try:
        with _reading(source) as src:
            _check_source(src, source)
            info = _copy_into(src, source, target, progress)
    except BaseException:
        if created:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{target.path}{suffix}").unlink(missing_ok=True)
        raise
    return info


def _not_the_same(source: Database, target: Database) -> None:
    if source.url or target.url:
        same = source.url == target.url
    else:
        same = source.path.absolute() == target.path.absolute() or (
            source.path.exists()
            and target.path.exists()
            and os.path.samefile(source.path, target.path)
        )
    if same:
        raise DatabaseError(
            _("{source} and {target} are the same database; name another target").format(
                source=source.where, target=target.where
            )
        )


def _prepare_file(target: Database) -> bool:
    """A target file is created empty (0600) when missing; True when it was."""
    if target.url:
        return False
    target.check_folder()
    if target.path.exists():
        if not target.path.is_file():
            raise DatabaseError(_("{path} is not a file").format(path=target.path))
        return False
    try:
        fd = os.open(target.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError as exc:
        raise DatabaseError(
            _("cannot create {path}: {reason}").format(path=target.path, reason=exc.strerror)
        ) from None
    os.close(fd)
    return True


@contextmanager
def _reading(source: Database) -> Iterator[Connection]:
    """The source in one read transaction (one snapshot); a driver error is one line."""
    from sqlalchemy.exc import SQLAlchemyError

    engine = source.engine(write=False)
    try:
        with engine.connect() as connection, connection.begin():
            yield connection
    except SQLAlchemyError as exc:
        raise DatabaseError(
            _("cannot read database {path}: {reason}").format(
                path=source.where, reason=_reason(exc)
            )
        ) from None
    finally:
        engine.dispose()


def _reason(exc: BaseException) -> str:
    """The driver's message on one line, without a personal code a value in it may hold.

    psycopg's DETAIL line (which quotes the values of a refused row) is left out."""
    orig = getattr(exc, "orig", None)
    primary = getattr(getattr(orig, "diag", None), "message_primary", None)
    return redact_codes(" ".join(str(primary).split()) if primary else driver_reason(exc))


def _check_source(connection: Connection, source: Database) -> None:
    stored = _connection_revision(connection)
    head = head_revision()
    if stored == head:
        return
    if stored is None:
        raise DatabaseError(
            _("{path} is empty; there is nothing to copy").format(path=source.where)
        )
    if stored == "":
        raise DatabaseError(_("{path} is not an rvneet database").format(path=source.where))
    if stored not in known_revisions():
        raise DatabaseError(
            _(
                "database {path} has schema {schema}, newer than this rvneet knows "
                "({head}); upgrade rvneet"
            ).format(path=source.where, schema=stored, head=head)
        )
    raise DatabaseError(
        _(
            "{path} has schema {schema}, older than this rvneet's {head}; upgrade it first "
            "(any command on it does, e.g. rvneet --db SOURCE audit verify)"
        ).format(path=source.where, schema=stored, head=head)
    )


def _check_target(connection: Connection, target: Database) -> str | None:
    """The target's schema revision (None when it holds no tables), or a refusal naming what it
    holds: another program's tables, rows, or a schema newer than this rvneet knows."""
    from sqlalchemy import inspect, text

    names = sorted(inspect(connection).get_table_names())
    if not names:
        return None
    if VERSION_TABLE not in names:
        shown = ", ".join(names[:NAMED_TABLES]) + (", …" if len(names) > NAMED_TABLES else "")
        raise DatabaseError(
            _(
                "{path} holds tables of another program ({tables}); copy only into an empty "
                "database"
            ).format(path=target.where, tables=shown)
        )
    stored = _connection_revision(connection) or ""
    if stored not in known_revisions():
        raise DatabaseError(
            _(
                "database {path} has schema {schema}, newer than this rvneet knows "
                "({head}); upgrade rvneet"
            ).format(path=target.where, schema=stored or "?", head=head_revision())
        )
    held = []
    for name in names:
        if name == VERSION_TABLE:
            continue
        count = connection.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
        if count:
            held.append(f"{name} ({count})")
    if held == ["settings (1)"] and _municipality(connection) is not None:
        return stored  # what `rvneet init` writes, and nothing else: replaced by the source's
    if held:
        shown = ", ".join(held[:NAMED_TABLES]) + (", …" if len(held) > NAMED_TABLES else "")
        raise DatabaseError(
            _(
                "{path} is not empty: it holds rows in {tables}; copy only into an empty "
                "database (or a new file)"
            ).format(path=target.where, tables=shown)
        )
    return stored


def _municipality(connection: Connection) -> str | None:
    """The municipality a book was made for (`rvneet init --municipality`), if recorded."""
    from sqlalchemy import text

    from rvneet.services.settings import MUNICIPALITY

    value = connection.execute(
        text("SELECT value FROM settings WHERE key = :key"), {"key": MUNICIPALITY}
    ).scalar()
    return None if value is None else str(value)


def _replace_init(src: Connection, dst: Connection, source: Database, target: Database) -> None:
    """A target just made by `rvneet init` holds its municipality only: the source's takes its
    place, when it is the same one (a book belongs to one municipality)."""
    from sqlalchemy import text

    made_for = _municipality(dst)
    if made_for is None:
        return
    belongs_to = _municipality(src)
    if belongs_to is not None and belongs_to != made_for:
        raise DatabaseError(
            _(
                "{target} was made for {municipality}, but {source} belongs to {other}; copy "
                "into an empty database"
            ).format(
                target=target.where,
                municipality=repr(made_for),
                source=source.where,
                other=repr(belongs_to),
            )
        )
    dst.execute(text("DELETE FROM settings"))


def _migrate(connection: Connection) -> None:
    """The target's schema brought to head inside the copy's transaction."""
    from alembic import command
    from alembic.config import Config

    from rvneet.db import migrations_dir

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _tables(connection: Connection) -> list[Table]:
    """The target's tables in dependency order (a referenced table before the tables that refer to
    it), each with rvneet's own column types where its models declare the table."""
    from sqlalchemy import Column, MetaData, Table

    from rvneet.domain.tables import metadata as models

    reflected = MetaData()
    reflected.reflect(bind=connection)
    tables = []
    for table in reflected.sorted_tables:
        if table.name == VERSION_TABLE:
            continue
        known = models.tables.get(table.name)
        columns = [
            Column(
                c.name,
                known.c[c.name].type if known is not None and c.name in known.c else c.type,
                primary_key=c.primary_key,
            )
            for c in table.columns
        ]
        tables.append(Table(table.name, MetaData(), *columns))
    return tables


def _count(connection: Connection, table: Table) -> int:
    from sqlalchemy import func, select

    return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _rows(connection: Connection, table: Table) -> Iterator[list[dict[str, Any]]]:
    """The rows of `table` in batches, in primary-key order (ids as they were)."""
    from sqlalchemy import select

    # On the statement, not the connection (which would keep it for every later statement).
    query = select(table).order_by(*table.primary_key.columns).execution_options(yield_per=BATCH)
    result = connection.execute(query)
    for part in result.mappings().partitions(BATCH):
        yield [dict(row) for row in part]


def _copy_into(
    src: Connection, source: Database, target: Database, progress: Progress | None
) -> CopyInfo:
    from sqlalchemy import insert
    from sqlalchemy.exc import SQLAlchemyError

    from rvneet.storage.dialect import ids_given, is_server

    engine = target.engine(write=True, foreign_keys=False)
    try:
        with engine.connect() as dst, dst.begin():
            try:
                if _check_target(dst, target) != head_revision():
                    _migrate(dst)
            except SQLAlchemyError as exc:
                raise DatabaseError(
                    _("cannot prepare {path} for the copy ({reason}); nothing changed").format(
                        path=target.where, reason=_reason(exc)
                    )
                ) from None
            _replace_init(src, dst, source, target)
            tables = _tables(dst)
            counts = {t.name: _count(src, t) for t in tables}
            done = 0
            for table in tables:
                try:
                    for rows in _rows(src, table):
                        dst.execute(insert(table), rows)
                        done += len(rows)
                        if progress is not None:
                            progress(done)
                    if "id" in table.c:
                        ids_given(dst, table.name)
                except (SQLAlchemyError, ValueError) as exc:
                    # ValueError: a value the source holds that its column's type cannot read.
                    raise DatabaseError(
                        _(
                            "copying table {table} into {path} failed ({reason}); nothing was "
                            "written to it"
                        ).format(table=table.name, path=target.where, reason=_reason(exc))
                    ) from None
            _same_counts(dst, tables, counts, target)
            if not is_server(dst):
                _references_hold(dst, target)
            periods = _same_reports(src, dst, target)
            chain = _append_and_verify(src, dst, source, target, sum(counts.values()))
    except SQLAlchemyError as exc:
        # Reaching the target, or its commit: the source's own errors are named where they occur.
        raise DatabaseError(
            _("copying into {path} failed ({reason}); nothing was written to it").format(
                path=target.where, reason=_reason(exc)
            )
        ) from None
    finally:
        engine.dispose()
    return CopyInfo(
        source=source.where,
        target=target.where,
        tables=counts,
        audit_entries=chain[0],
        last_hash=chain[1],
        periods=periods,
    )


def _differs(target: Database, what: str) -> DatabaseError:
    return DatabaseError(
        _("the copy differs from its source: {what}; nothing was written to {path}").format(
            what=what, path=target.where
        )
    )


def _same_counts(
    dst: Connection, tables: list[Table], counts: dict[str, int], target: Database
) -> None:
    for table in tables:
        copied = _count(dst, table)
        if copied != counts[table.name]:
            raise _differs(
                target,
                _("table {table} has {copied} rows, the source {count}").format(
                    table=table.name, copied=copied, count=counts[table.name]
                ),
            )


def _references_hold(dst: Connection, target: Database) -> None:
    """On a SQLite target (foreign keys off while it was migrated): every reference holds."""
    broken = dst.exec_driver_sql("PRAGMA foreign_key_check").first()
    if broken is not None:
        raise _differs(
            target,
            _("table {table} row {rowid} refers to a missing {parent}").format(
                table=broken[0], rowid=broken[1], parent=broken[2]
            ),
        )


def half_years(connection: Connection) -> list[str]:
    """Every half-year from the one of the book's first case start to the one of its latest case
    start or end (`2025H1`, …); none for a book without cases."""
    from sqlalchemy import text

    first, last_start, last_end = connection.execute(
        text("SELECT MIN(start_date), MAX(start_date), MAX(end_date) FROM cases")
    ).one()
    if first is None:
        return []
    start = dt.date.fromisoformat(str(first)[:10])
    ends = [dt.date.fromisoformat(str(v)[:10]) for v in (last_start, last_end) if v is not None]
    end = max(ends)
    periods = []
    year, half = start.year, 1 if start.month <= 6 else 2
    while (year, half) <= (end.year, 1 if end.month <= 6 else 2):
        periods.append(f"{year}H{half}")
        year, half = (year, 2) if half == 1 else (year + 1, 1)
    return periods


def _report_json(connection: Connection, build: Any, period: Any) -> str:
    """A report's JSON (`--format json --no-timestamp`) made on `connection`, inside a savepoint
    that is rolled back: what a report leaves (its temporary tables) is not kept."""
    from rvneet.reports.render import render_json
    from rvneet.storage import withdrawn  # noqa: F401  (its hook hides withdrawn records)
    from rvneet.storage.audit import AuditedSession

    with AuditedSession(
        bind=connection, user="rvneet", join_transaction_mode="create_savepoint"
    ) as session:
        return render_json(build(session, period))


def _same_reports(src: Connection, dst: Connection, target: Database) -> list[str]:
    """Lisa 4 and the NEET report of every half-year, the same JSON on both sides."""
    from rvneet.domain.period import parse_period
    from rvneet.reports.lisa4 import build_lisa4
    from rvneet.reports.neet import build_neet

    periods = half_years(src)
    for label in periods:
        period = parse_period(label)
        for name, build in (("Lisa 4", build_lisa4), ("NEET", build_neet)):
            if _report_json(src, build, period) != _report_json(dst, build, period):
                raise _differs(
                    target,
                    _("report {report} for {period} is not the same").format(
                        report=name, period=label
                    ),
                )
    return periods


def _append_and_verify(
    src: Connection, dst: Connection, source: Database, target: Database, rows: int
) -> tuple[int, str]:
    """The copy's own audit entry appended after the copied chain, then the whole chain verified
    on the target as `rvneet audit verify` does; (entries, newest hash)."""
    from rvneet.services.audit_trail import verify_rows
    from rvneet.storage.audit import GENESIS, append_entries, last_hash, now_stamp
    from rvneet.storage.dialect import is_server

    copied_end = last_hash(src)
    # Where the book came from, as messages name it (a file's name only, a URL without password).
    origin = source.where if source.url else source.path.name
    changes = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode(
        {"copied_from": [None, origin], "rows_copied": [None, rows]}
    )
    append_entries(dst, [(now_stamp(), target.user, "database", 0, None, "copy", changes)])
    check = verify_rows(
        lambda sql, params: dst.exec_driver_sql(sql, params).all(),
        copied_end,
        server=is_server(dst),
    )
    problem = None
    if check.broken_id is not None:
        problem = _("broken at entry {id}: {problem}").format(
            id=check.broken_id, problem=check.problem_text()
        )
    elif check.trigger_problems:
        text, fields = check.trigger_problems[0]
        problem = translate(text).format(**fields)
    elif copied_end != GENESIS and check.expected_id is None:
        problem = _("the source's newest entry is not in the copied chain")
    if problem is not None:
        raise _differs(
            target, _("the audit log does not verify ({problem})").format(problem=problem)
        )
    return check.entries, check.last_hash
