"""The export files read as a stream: each reader gives the header, then (table name, rows as
{column: value}) in file order. Damaged or foreign files are refused with one clear line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Protocol

from rvneet.domain.errors import InvalidInput
from rvneet.files.write import restore
from rvneet.i18n import N_, _, translate
from rvneet.services.export.shape import HEADER_KEYS, META_SHEET

_CHUNK = 1 << 20  # characters of a JSON file read at a time


class Reader(Protocol):
    """An export file being read: its header first, then its tables in file order."""

    def header(self) -> dict[str, Any]: ...

    def tables(self) -> Iterator[tuple[str, Iterator[dict[str, Any]]]]: ...


@contextmanager
def open_export(path: Path, kind: str) -> Iterator[Reader]:
    """The reader of the JSON or XLSX export at `path`; a file that cannot be opened is refused."""
    if kind == "json":
        try:
            with path.open(encoding="utf-8") as handle:
                yield _JsonExport(handle, path.name)
        except UnicodeDecodeError:
            raise InvalidInput(_("{file} is not UTF-8 text").format(file=path.name)) from None
        return
    from openpyxl import load_workbook

    from rvneet.files.read import check_xlsx_archive

    try:
        # A file object, not the path: openpyxl would refuse a workbook whose name is not .xlsx.
        stream = path.open("rb")
    except OSError as exc:
        raise InvalidInput(
            _("cannot read {file}: {reason}").format(file=path.name, reason=exc.strerror)
        ) from None
    try:
        check_xlsx_archive(stream, path.name)  # a zip bomb is refused before openpyxl parses it
        try:
            workbook = load_workbook(stream, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl on a damaged file raises whatever its parser hits
            raise InvalidInput(
                _("{file} is not an XLSX workbook ({reason})").format(
                    file=path.name, reason=_reason(exc)
                )
            ) from None
        try:
            yield _XlsxExport(workbook, path.name)
        finally:
            workbook.close()
    finally:
        stream.close()


def _reason(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _sheet_rows(sheet: Any, name: str) -> Iterator[tuple[Any, ...]]:
    """The rows of a worksheet; a damaged sheet (any error of openpyxl's reader) is refused.

    Only openpyxl's own `next()` is guarded, so an error of ours is never taken for damage.
    """
    try:
        sheet.reset_dimensions()  # every row the sheet holds, whatever its <dimension> says
        rows = sheet.iter_rows(values_only=True)
    except Exception as exc:
        raise InvalidInput(_damaged(name, exc)) from None
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except Exception as exc:
            raise InvalidInput(_damaged(name, exc)) from None
        yield cells


def _damaged(name: str, exc: Exception) -> str:
    return _("{file} is damaged ({reason}); nothing was imported").format(
        file=name, reason=_reason(exc)
    )


# What Python's json parser says, as a person reads it (lower case, as the message shows it);
# a text not listed here is shown as json wrote it.
_JSON_PROBLEMS = frozenset(
    {
        N_("expecting value"),
        N_("expecting ',' delimiter"),
        N_("expecting ':' delimiter"),
        N_("expecting property name enclosed in double quotes"),
        N_("invalid control character at"),
        N_("invalid \\escape"),
        N_("invalid \\uxxxx escape"),
    }
)


def _json_problem(message: str) -> str:
    """A json parser's message (lower case) in the user's language, when it is one we know."""
    text = message.lower()
    return translate(text) if text in _JSON_PROBLEMS else text


class _JsonStream:
    """Just enough of a streaming JSON parser for the export's shape: the punctuation of the
    outer objects and arrays is read here, every value (a header value, a row) by `json`."""

    _SPACE = " \t\n\r"

    def __init__(self, handle: IO[str], name: str) -> None:
        self._handle = handle
        self._name = name
        self._buffer = ""
        self._pos = 0
        self._consumed = 0  # characters dropped from the buffer, for positions in messages
        self._eof = False
        self._decoder = json.JSONDecoder()

    def _more(self) -> bool:
        if self._eof:
            return False
        chunk = self._handle.read(_CHUNK)
        if not chunk:
            self._eof = True
            return False
        self._consumed += self._pos
        self._buffer = self._buffer[self._pos :] + chunk
        self._pos = 0
        return True

    def peek(self) -> str:
        """The next character that is not white space; empty at the end of the file."""
        while True:
            buffer, pos, end = self._buffer, self._pos, len(self._buffer)
            while pos < end and buffer[pos] in self._SPACE:
                pos += 1
            self._pos = pos
            if pos < end:
                return buffer[pos]
            if not self._more():
                return ""

    def expect(self, allowed: str) -> str:
        """Consume one of the punctuation characters `allowed`."""
        found = self.peek()
        if not found or found not in allowed:
            if len(allowed) == 1:
                raise self.error(_("{char} expected").format(char=repr(allowed)))
            raise self.error(
                _("{first} or {second} expected").format(
                    first=repr(allowed[0]), second=repr(allowed[1])
                )
            )
        self._pos += 1
        return found

    def value(self) -> Any:
        if not self.peek():
            raise self.error(_("a value expected"))
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError as exc:
                if self._more():
                    continue
                self._pos = exc.pos
                problem = _json_problem(exc.msg)
                raise self.error(problem, cut=exc.msg.startswith("Unterminated")) from None
            except RecursionError:  # json's parser recurses once per level of nesting
                raise self.error(_("a value nested too deeply")) from None
            if end == len(self._buffer) and self._more():
                continue  # a number or literal may go on in the next chunk
            self._pos = end
            return value

    def error(self, what: str, *, cut: bool = False) -> InvalidInput:
        # A file cut inside `true`, `false` or `null` leaves a prefix json does not call unfinished.
        rest = self._buffer[self._pos :].rstrip()
        cut = cut or (bool(rest) and any(w.startswith(rest) for w in ("true", "false", "null")))
        if self._eof and (cut or self._pos >= len(self._buffer.rstrip())):
            return InvalidInput(
                _("{file} ends too early (is the file cut short?)").format(file=self._name)
            )
        where = self._consumed + self._pos
        return InvalidInput(
            _("{file} is not a valid export: {problem} at character {where}").format(
                file=self._name, problem=what, where=where
            )
        )


def _bad_key(name: str, key: Any) -> str:
    return _("{file} is not an rvneet export (key {key})").format(file=name, key=repr(key))


class _JsonExport:
    def __init__(self, handle: IO[str], name: str) -> None:
        self._stream = _JsonStream(handle, name)
        self._name = name
        self._has_tables = False

    def header(self) -> dict[str, Any]:
        """The keys before `tables`; the file is left at the start of the tables."""
        stream = self._stream
        first = stream.peek()
        if first != "{":
            refused = (
                _("{file} is not an rvneet export (it is empty)")
                if not first
                else _("{file} is not an rvneet export (not a JSON object)")
            )
            raise InvalidInput(refused.format(file=self._name))
        stream.expect("{")
        header: dict[str, Any] = {}
        while stream.peek() != "}":
            key = stream.value()
            stream.expect(":")
            if key == "tables":
                self._has_tables = True
                return header
            if key not in HEADER_KEYS or key in header:
                raise InvalidInput(_bad_key(self._name, key))
            header[key] = stream.value()
            if stream.expect(",}") == "}":
                break
        return header  # no tables: refused by the header check, or when the tables are read

    def tables(self) -> Iterator[tuple[str, Iterator[dict[str, Any]]]]:
        if not self._has_tables:
            raise InvalidInput(_('{file} has no "tables"').format(file=self._name))
        stream = self._stream
        stream.expect("{")
        if stream.peek() == "}":
            stream.expect("}")
        else:
            while True:
                name = stream.value()
                if not isinstance(name, str):
                    raise stream.error(_("a table name expected"))
                stream.expect(":")
                stream.expect("[")
                rows = self._rows(name)
                yield name, rows
                for _row in rows:  # the caller may stop early; the file goes on after the table
                    pass
                if stream.expect(",}") == "}":
                    break
        stream.expect("}")
        if stream.peek():
            raise stream.error(_("the end of the file expected"))

    def _rows(self, table: str) -> Iterator[dict[str, Any]]:
        stream = self._stream
        if stream.peek() == "]":
            stream.expect("]")
            return
        number = 0
        while True:
            row = stream.value()
            number += 1
            if not isinstance(row, dict):
                raise InvalidInput(
                    _("{file}: table {table}, row {row} is not an object").format(
                        file=self._name, table=table, row=number
                    )
                )
            yield row
            if stream.expect(",]") == "]":
                return


class _XlsxExport:
    def __init__(self, workbook: Any, name: str) -> None:
        self._workbook = workbook
        self._name = name

    def _sheets(self) -> list[Any]:
        try:
            return list(self._workbook.worksheets)
        except Exception as exc:  # openpyxl reading a damaged workbook part
            raise InvalidInput(_damaged(self._name, exc)) from None

    def header(self) -> dict[str, Any]:
        sheets = self._sheets()
        if not sheets or sheets[0].title != META_SHEET:
            raise InvalidInput(
                _("{file} is not an rvneet export (its first sheet is not {sheet})").format(
                    file=self._name, sheet=repr(META_SHEET)
                )
            )
        rows = _sheet_rows(sheets[0], self._name)
        next(rows, None)  # key, value
        header: dict[str, Any] = {}
        for cells in rows:
            key, value = [*cells, None, None][:2]
            if key is None:
                continue
            key = restore(str(key))
            if key not in HEADER_KEYS or key in header:
                raise InvalidInput(_bad_key(self._name, key))
            if isinstance(value, str):
                value = restore(value)
                if key == "pseudonymized" and value in ("yes", "no"):
                    value = value == "yes"
            elif isinstance(value, float) and value.is_integer():
                value = int(value)
            header[key] = "" if key == "municipality" and value is None else value
        return header

    def tables(self) -> Iterator[tuple[str, Iterator[dict[str, Any]]]]:
        for sheet in self._sheets()[1:]:
            rows = _sheet_rows(sheet, self._name)
            first = next(rows, None) or ()
            columns = [restore(str(c)) if c is not None else "" for c in first]
            while columns and not columns[-1]:
                columns.pop()
            if len(set(columns)) != len(columns):
                raise InvalidInput(
                    _("{file}: sheet {sheet} names a column twice").format(
                        file=self._name, sheet=sheet.title
                    )
                )
            yield sheet.title, self._rows(sheet.title, columns, rows)

    def _rows(
        self, table: str, columns: list[str], rows: Iterator[tuple[Any, ...]]
    ) -> Iterator[dict[str, Any]]:
        width = len(columns)
        for number, cells in enumerate(rows, 1):
            if all(c is None for c in cells):
                continue
            if any(c is not None for c in cells[width:]):
                raise InvalidInput(
                    _("{file}: table {table}, row {row} has more cells than columns").format(
                        file=self._name, table=table, row=number
                    )
                )
            values = list(cells[:width]) + [None] * (width - len(cells))
            yield dict(zip(columns, values, strict=True))
