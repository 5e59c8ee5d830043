"""Reading the tables people bring: CSV (as Excel and other programs write it), XLSX and JSON.

Every reader yields the same thing — numbered rows of cells keyed by the file's own header — and
streams the file, so a 100 000-row list never sits in memory as a whole (JSON excepted).
Row numbers are what the user sees in a spreadsheet: the header is row 1, the first record row 2;
in a JSON array the first object is row 1.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import os
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from rvneet.domain.errors import InvalidInput
from rvneet.files.output import os_reason
from rvneet.files.write import restore
from rvneet.i18n import N_, _, message_language, translate


class FileFormat(StrEnum):
    """The formats rvneet reads."""

    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


_BY_SUFFIX = {".csv": FileFormat.CSV, ".txt": FileFormat.CSV, ".tsv": FileFormat.CSV}
_BY_SUFFIX |= {".xlsx": FileFormat.XLSX, ".xlsm": FileFormat.XLSX, ".json": FileFormat.JSON}
# Estonian Excel writes CSV in Windows-1257 (Baltic) unless told to use UTF-8.
FALLBACK_ENCODING = "cp1257"
_CHUNK = 1 << 20

# An XLSX workbook is a zip archive: a file of a few MB can unpack to GBs (a "zip bomb") and
# openpyxl would parse all of it. The archive's directory is checked before openpyxl opens it.
# Real workbooks stay far below both limits: a 100 000-row list of youths unpacks to about
# 50 MiB, an export of a 1 000-youth book to 7 MiB, and their parts are packed 3 to 15 to 1.
MAX_UNPACKED_ENV = "RVNEET_XLSX_MAX_MB"
MAX_RATIO_ENV = "RVNEET_XLSX_MAX_RATIO"
DEFAULT_MAX_UNPACKED_MB = 256
DEFAULT_MAX_RATIO = 100
# A part that unpacks to less than this is harmless whatever its ratio (tiny XML packs well).
_RATIO_FLOOR = 1 << 20


@dataclass(frozen=True)
class Row:
    """One record of a file: its row number and its cells by the file's column names."""

    number: int
    cells: dict[str, Any]


@dataclass
class Table:
    """An open file: its format, column names (as written in the file) and rows (an iterator)."""

    path: Path
    format: FileFormat
    header: list[str]
    rows: Iterator[Row]
    encoding: str | None = None
    delimiter: str | None = None


def format_of(path: Path, given: str | None = None) -> FileFormat:
    """The format asked for, else the one the file name's extension says."""
    if given:
        return FileFormat(given)
    try:
        return _BY_SUFFIX[path.suffix.lower()]
    except KeyError:
        raise InvalidInput(
            _(
                "cannot tell the format of {name} from its extension; "
                "give --format csv, xlsx or json"
            ).format(name=path.name)
        ) from None


@contextmanager
def open_table(
    path: Path,
    *,
    fmt: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> Iterator[Table]:
    """Open a CSV, XLSX or JSON file for reading rows; InvalidInput when it cannot be read."""
    if not path.is_file():
        raise InvalidInput(_("no file {path}").format(path=path))
    kind = format_of(path, fmt)
    if kind is FileFormat.CSV:
        with _open_csv(path, encoding) as table:
            yield table
    elif kind is FileFormat.XLSX:
        with _open_xlsx(path, sheet) as table:
            yield table
    else:
        yield _open_json(path, encoding)


def clean(value: Any) -> Any:
    """A cell as rvneet sees it: text stripped, and escaped by `neutralise`; empty text is None."""
    if isinstance(value, str):
        value = value.strip()
        if value.startswith("'"):  # `restore` only changes such text: no call for every cell
            value = restore(value)
        return value or None
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _check_header(path: Path, header: list[str]) -> list[str]:
    names = [str(h).strip() if h is not None else "" for h in header]
    if not any(names):
        raise InvalidInput(
            _("{name} has no header row (the first row names the columns)").format(name=path.name)
        )
    seen: set[str] = set()
    for name in names:
        key = name.casefold()
        if key and key in seen:
            raise InvalidInput(
                _("{name}: column {column} appears twice in the header").format(
                    name=path.name, column=repr(name)
                )
            )
        seen.add(key)
    return names


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without a BOM), UTF-16 with a BOM, else Windows-1257."""
    with path.open("rb") as handle:
        start = handle.read(4)
        if start.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return FALLBACK_ENCODING
    return "utf-8"


def sniff_delimiter(header_line: str) -> str:
    """The delimiter of a header line: `;` (Estonian Excel), tab, or `,` — whichever it has most of."""
    counts = {d: header_line.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def check_encoding(encoding: str) -> None:
    """Refuse what is not the name of a text encoding (rot13, base64 and zlib are codecs too)."""
    try:
        info = codecs.lookup(encoding)
    except (LookupError, ValueError):  # ValueError: a NUL character in the name
        raise InvalidInput(
            _("unknown encoding {encoding}; e.g. utf-8 or cp1257").format(encoding=repr(encoding))
        ) from None
    # CodecInfo marks the bytes-to-bytes and str-to-str codecs that open() refuses.
    if not getattr(info, "_is_text_encoding", True):
        raise InvalidInput(
            _("{encoding} is not a text encoding; e.g. utf-8 or cp1257").format(
                encoding=repr(encoding)
            )
        )


@contextmanager
def _open_csv(path: Path, encoding: str | None) -> Iterator[Table]:
    if encoding:
        check_encoding(encoding)
    used = encoding or detect_encoding(path)
    with path.open(encoding=used, newline="") as handle:
        try:
            first = handle.readline()
        except UnicodeError:  # decode errors, and the plain UnicodeError of utf-16 or punycode
            raise InvalidInput(
                _("{name} is not {encoding} text; try another --encoding").format(
                    name=path.name, encoding=used
                )
            ) from None
        delimiter = sniff_delimiter(first.lstrip("\ufeff"))
        handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header_cells = next(reader, None)
        except (csv.Error, UnicodeError) as exc:
            raise InvalidInput(
                _("{name}: cannot read the header ({reason})").format(
                    name=path.name, reason=_csv_reason(exc)
                )
            ) from None
        if header_cells is None:
            raise InvalidInput(_("{name} is empty (no header row)").format(name=path.name))
        if not any(c.strip() for c in header_cells):
            raise InvalidInput(
                _("{name}: the first line is empty; the first row must name the columns").format(
                    name=path.name
                )
            )
        header_cells[0] = header_cells[0].lstrip("\ufeff")
        header = _check_header(path, header_cells)
        yield Table(
            path, FileFormat.CSV, header, _csv_rows(path, reader, header, used), used, delimiter
        )


def _csv_rows(path: Path, reader: Any, header: list[str], encoding: str) -> Iterator[Row]:
    number = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except UnicodeError:
            raise InvalidInput(
                _("{name}: row {row} is not {encoding} text; try another --encoding").format(
                    name=path.name, row=number + 1, encoding=encoding
                )
            ) from None
        except csv.Error as exc:
            raise InvalidInput(
                _("{name}: row {row}: {reason}").format(
                    name=path.name, row=number + 1, reason=_csv_reason(exc)
                )
            ) from None
        number += 1
        if not "".join(cells).strip():
            continue  # blank lines, e.g. at the end of a file saved by Excel
        yield Row(number, _cells(header, cells))


def _cells(header: list[str], values: list[Any]) -> dict[str, Any]:
    cells = {name: clean(v) for name, v in zip(header, values, strict=False) if name}
    extra = [clean(v) for v in values[len(header) :]]
    if any(v is not None for v in extra):
        # More cells than columns: keep them visible so the row is refused, not silently cut.
        cells["(no column)"] = ", ".join(str(v) for v in extra if v is not None)
    return cells


@contextmanager
def _open_xlsx(path: Path, sheet: str | None) -> Iterator[Table]:
    from openpyxl import load_workbook

    # openpyxl parses a zip of XML parts and, on a damaged part, raises whatever its parser hits
    # (ParseError, IndexError, KeyError, zlib.error, ...). Only openpyxl's own calls on the file
    # are guarded this broadly: any error there means the file cannot be read, never a bug of ours.
    try:
        # A file object, not the path: openpyxl would refuse a workbook whose name is not .xlsx.
        handle = path.open("rb")
    except OSError as exc:
        raise InvalidInput(
            _("cannot read {name}: {reason}").format(name=path.name, reason=os_reason(exc))
        ) from None
    try:
        check_xlsx_archive(handle, path.name)
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
        except Exception as exc:
            raise InvalidInput(
                _("{name} is not an XLSX workbook ({reason})").format(
                    name=path.name, reason=_reason(exc)
                )
            ) from None
        try:
            try:
                names = list(workbook.sheetnames)
                if sheet is not None and sheet not in names:
                    raise InvalidInput(
                        _("{name} has no sheet {sheet} (it has: {sheets})").format(
                            name=path.name, sheet=repr(sheet), sheets=", ".join(names)
                        )
                    )
                worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
                # The sheet's <dimension> header may say fewer rows than it holds (or more):
                # openpyxl would stop (or pad) there. Every row it holds is read instead.
                worksheet.reset_dimensions()
                values = worksheet.iter_rows(values_only=True)
                first = next(values, None)
            except InvalidInput:
                raise
            except Exception as exc:
                raise _damaged(path, exc) from None
            if first is None:
                raise InvalidInput(_("{name} is empty (no header row)").format(name=path.name))
            header = _check_header(path, [str(clean(h) or "") for h in first])
            yield Table(path, FileFormat.XLSX, header, _xlsx_rows(path, header, values))
        finally:
            workbook.close()
    finally:
        handle.close()


def _limit(env: str, default: int) -> int:
    """A limit from the environment variable `env` (a whole number above 0), else `default`."""
    text = os.environ.get(env, "").strip()
    if not text:
        return default
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise InvalidInput(
            _("{env} must be a whole number above 0, not {value}").format(env=env, value=repr(text))
        )
    return int(text)


def check_xlsx_archive(handle: IO[bytes], name: str) -> None:
    """Refuse a workbook whose parts unpack to more than the limits allow, before it is parsed.

    Reads only the zip's central directory. The sizes it declares are the ones that count:
    Python's zipfile never unpacks a part beyond its declared size (a part that would is
    refused as damaged when it is read). Leaves `handle` at its start.
    """
    max_mb = _limit(MAX_UNPACKED_ENV, DEFAULT_MAX_UNPACKED_MB)
    max_ratio = _limit(MAX_RATIO_ENV, DEFAULT_MAX_RATIO)
    try:
        with zipfile.ZipFile(handle) as archive:
            parts = archive.infolist()
    except Exception as exc:  # zipfile on a damaged archive: BadZipFile, EOFError, ValueError...
        raise InvalidInput(
            _("{name} is not an XLSX workbook ({reason})").format(name=name, reason=_reason(exc))
        ) from None
    finally:
        handle.seek(0)
    unpacked = sum(part.file_size for part in parts)
    if unpacked > max_mb << 20:
        raise InvalidInput(
            _(
                "{name} unpacks to {size} MiB, more than the {limit} MiB a workbook may hold "
                "(set {env} to allow more)"
            ).format(name=name, size=-(-unpacked >> 20), limit=max_mb, env=MAX_UNPACKED_ENV)
        )
    for part in parts:
        if part.file_size >= _RATIO_FLOOR and part.file_size > max_ratio * part.compress_size:
            raise InvalidInput(
                _(
                    "{name} holds a part packed {ratio} to 1, more than the {limit} to 1 a "
                    "workbook may have (set {env} to allow more)"
                ).format(
                    name=name,
                    ratio=part.file_size // max(part.compress_size, 1),
                    limit=max_ratio,
                    env=MAX_RATIO_ENV,
                )
            )


def _reason(exc: Exception) -> str:
    """A library's reason for refusing a workbook; zipfile's common one in the user's language."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if text == "File is not a zip file":  # zipfile's words for a .xls or a CSV named .xlsx
        return _("File is not a zip file")
    return text


def _damaged(path: Path, exc: Exception) -> InvalidInput:
    return InvalidInput(
        _("{name} is a damaged XLSX workbook ({reason})").format(
            name=path.name, reason=_reason(exc)
        )
    )


# The csv module's reasons for a line it cannot read, as it writes them in English.
_CSV_REASONS = {
    "line contains NUL": N_("line contains NUL"),
    "unexpected end of data": N_("unexpected end of data"),
}
_FIELD_LIMIT = re.compile(r"field larger than field limit \((\d+)\)")


def _csv_reason(exc: Exception) -> str:
    """Why the csv module could not read a line, in the user's language where it is a known one."""
    if isinstance(exc, UnicodeError):
        return _decode_reason(exc)
    text = str(exc)
    if match := _FIELD_LIMIT.fullmatch(text):
        return _("field larger than field limit ({limit})").format(limit=match.group(1))
    known = _CSV_REASONS.get(text)
    return translate(known) if known else text


def _decode_reason(exc: UnicodeError) -> str:
    """Why text could not be decoded: Python's words in English (as ever), ours in Estonian."""
    if message_language() == "en" or not isinstance(exc, UnicodeDecodeError):
        return str(exc)
    return _("byte {byte} at position {position} is not {encoding} text").format(
        byte=f"0x{exc.object[exc.start]:02x}", position=exc.start, encoding=exc.encoding
    )


def _xlsx_rows(path: Path, header: list[str], values: Iterator[tuple[Any, ...]]) -> Iterator[Row]:
    number = 1
    while True:
        try:
            cells = next(values)
        except StopIteration:
            return
        except Exception as exc:  # openpyxl reading a damaged sheet, see _open_xlsx
            raise _damaged(path, exc) from None
        number += 1
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        yield Row(number, _cells(header, list(cells)))


def _open_json(path: Path, encoding: str | None) -> Table:
    if encoding:
        check_encoding(encoding)
    try:
        data = json.loads(path.read_text(encoding=encoding or "utf-8-sig"))
    except UnicodeError as exc:
        raise InvalidInput(
            _("{name} is not readable text ({reason})").format(
                name=path.name, reason=_decode_reason(exc)
            )
        ) from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            _("{name} is not valid JSON ({reason})").format(
                name=path.name, reason=_json_reason(exc)
            )
        ) from None
    except RecursionError:  # json's parser recurses once per level of nesting
        raise InvalidInput(
            _("{name} is not an import file (its JSON is nested too deeply)").format(name=path.name)
        ) from None
    if isinstance(data, dict) and isinstance(data.get("rows"), list):
        data = data["rows"]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise InvalidInput(
            _("{name}: expected a JSON array of objects, one per row").format(name=path.name)
        )
    if not data:
        raise InvalidInput(_("{name} holds no rows (an empty JSON array)").format(name=path.name))
    header: list[str] = []
    for item in data:
        for key in item:
            if key not in header:
                header.append(str(key))
    rows = (
        Row(number, {str(k): _json_cell(v) for k, v in item.items()})
        for number, item in enumerate(data, start=1)
    )
    return Table(path, FileFormat.JSON, header, rows, encoding or "utf-8")


# The json module's reasons, as it writes them in English (json.decoder's messages).
_JSON_REASONS = {
    "Expecting value": N_("Expecting value"),
    "Expecting ',' delimiter": N_("Expecting ',' delimiter"),
    "Expecting ':' delimiter": N_("Expecting ':' delimiter"),
    "Expecting property name enclosed in double quotes": N_(
        "Expecting property name enclosed in double quotes"
    ),
    "Extra data": N_("Extra data"),
    "Unterminated string starting at": N_("Unterminated string starting at"),
    "Invalid control character at": N_("Invalid control character at"),
    "Invalid \\escape": N_("Invalid \\escape"),
}


def _json_reason(exc: json.JSONDecodeError) -> str:
    """What is wrong where, as json writes it (`Expecting value: line 1 column 1 (char 0)`), in the
    user's language."""
    known = _JSON_REASONS.get(exc.msg)
    return _("{reason}: line {line} column {column} (char {char})").format(
        reason=translate(known) if known else exc.msg,
        line=exc.lineno,
        column=exc.colno,
        char=exc.pos,
    )


def _json_cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value
