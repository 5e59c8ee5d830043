"""Writing files: owner-only (0600), and spreadsheet cells that can never run as formulas.

A spreadsheet program runs a cell that starts with `=`, `+`, `-` or `@` (also after spaces, or after
a tab or carriage return) as a formula — a way to smuggle commands into a coordinator's Excel. Every
text cell rvneet writes to CSV or XLSX goes through `neutralise`, which puts an apostrophe in front
of such a value; `restore` takes exactly one off again on import, so a value survives a round trip.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import itertools
import math
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from rvneet.domain.errors import InvalidInput
from rvneet.i18n import N_, _, translate

# A value a spreadsheet would evaluate, or one already escaped (so that escaping is reversible).
_DANGEROUS = re.compile(r"^'*[ \t\r\n]*[=+\-@\t\r]")


def neutralise(value: str) -> str:
    """`value` made safe to put in a spreadsheet cell: `'` in front of anything formula-like."""
    return "'" + value if _DANGEROUS.match(value) else value


def restore(value: str) -> str:
    """The inverse of `neutralise`: the value as it was before rvneet wrote it."""
    if value.startswith("'") and _DANGEROUS.match(value[1:]):
        return value[1:]
    return value


def cell_text(value: Any) -> str:
    """A value as the text of a CSV cell: empty for None, yes/no for booleans, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(str(value))


@contextlib.contextmanager
def open_private(path: Path, *, binary: bool = False, encoding: str = "utf-8") -> Iterator[IO[Any]]:
    """Open `path` for writing, created readable and writable by its owner only (0600).

    The text goes to a temporary file beside `path`, renamed onto it when the block ends
    (`files.output.written_whole`): `path` is the old file or the whole new one, never half of
    it. Raises InvalidInput (one line for the user) when the folder is missing or not writable,
    DiskFull when there is no room.
    """
    from rvneet.files.output import open_output

    if not path.parent.is_dir():
        raise InvalidInput(
            _("cannot write {path}: folder {folder} does not exist").format(
                path=path, folder=path.parent
            )
        )
    with open_output(path, binary=binary, encoding=encoding) as handle:
        yield handle


def write_csv(
    target: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]], *, delimiter: str = ","
) -> int:
    """Write a header and rows as CSV, every cell through `cell_text`; returns the row count."""
    writer = csv.writer(target, delimiter=delimiter, lineterminator="\n")
    writer.writerow([cell_text(h) for h in header])
    count = 0
    for row in rows:
        writer.writerow([cell_text(v) for v in row])
        count += 1
    return count


# The control characters an XLSX cell cannot hold: openpyxl's ILLEGAL_CHARACTERS_RE, the rule
# `rvneet export` refuses them by (a test checks the two agree); written here without openpyxl.
XLSX_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def _written_out(match: re.Match[str]) -> str:
    """Such a character as the screens show it (`<U+001B>`, as `domain.visible` writes it): the
    cell can be found and fixed, where openpyxl would refuse the whole file, quoting the value."""
    return f"<U+{ord(match.group()):04X}>"


def xlsx_cell(value: Any) -> Any:
    """A value for an openpyxl cell: text neutralised, with each control character an XLSX cell
    cannot hold written out as `<U+XXXX>`; booleans yes/no, numbers and dates as is."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return neutralise(XLSX_ILLEGAL.sub(_written_out, value))
    return value


# The layout of every sheet rvneet writes: columns as wide as their content (in characters of the
# default font, a little more for a proportional font's wide letters) up to a maximum, beyond
# which a cell wraps; sheets wider than a portrait A4 page print in landscape.
MIN_WIDTH = 6
MAX_WIDTH = 75
DATE_WIDTH = 12
PORTRAIT_WIDTH = 95
# Rows measured for the widths: a long export streams the rest without holding it in memory.
MEASURED_ROWS = 1000
DATE_FORMATS = {"et": "dd.mm.yyyy", "en": "yyyy-mm-dd"}
DATETIME_FORMATS = {"et": "dd.mm.yyyy hh:mm:ss", "en": "yyyy-mm-dd hh:mm:ss"}
PAGE_NUMBER = N_("Page {page} of {pages}")


@dataclasses.dataclass
class Sheet:
    """A worksheet to write: its tab's title, its header row and its rows.

    `listing` puts an autofilter over the header and rows (a list people sort and filter). A sheet
    with `notes` has a heading instead of column labels (one text over the sheet, e.g. a report's
    title) followed by that many lines of text: they wrap and do not widen the first column.
    """

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    listing: bool = True
    notes: int | None = None


def write_xlsx(
    path: Path,
    sheets: Iterable[Sheet | tuple[str, Sequence[str], Iterable[Sequence[Any]]]],
    *,
    lang: str = "en",
    page_header: str | None = None,
) -> None:
    """Write sheets to an XLSX file created 0600, streaming the rows, laid out to be read and printed.

    Columns fit their content up to `MAX_WIDTH` (longer text wraps); dates are date cells shown
    as 31.12.2025 in Estonian (`lang` "et") and 2025-12-31 otherwise; the header row is bold,
    frozen and repeated on every printed page; a listing has an autofilter. Each sheet prints on
    A4, fit to one page wide (landscape when wide), with `page_header` (else the sheet's title) at
    the top of each page and its page number at the bottom. A (title, header, rows) tuple is a
    listing. openpyxl's write-only mode keeps memory flat however many rows there are.
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    try:
        for given in sheets:
            sheet_spec = given if isinstance(given, Sheet) else Sheet(*given)
            _write_sheet(workbook, sheet_spec, path, lang, page_header)
        with open_private(path, binary=True) as handle:
            _save(workbook, handle)
    except BaseException as exc:
        _discard(workbook)
        from rvneet.files.output import disk_full, is_full

        if is_full(exc):  # the rows' temporaries filled the disk before the file was opened
            raise disk_full(path) from None
        raise


def _write_sheet(
    workbook: Any, spec: Sheet, path: Path, lang: str, page_header: str | None
) -> None:
    """One sheet: widths from its first rows, then every row streamed, then its print setup."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title=spec.title[:31])
    rows = iter(spec.rows)
    first = list(itertools.islice(rows, MEASURED_ROWS))
    notes = spec.notes
    measured = first[notes:] if notes is not None else first
    widths = _widths(None if notes is not None else spec.header, measured)
    columns = max(len(widths), 1)
    for number, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = "A2"
    _print_setup(sheet, sum(widths), page_header or spec.title, lang)
    _stream_beside(sheet, path)  # writes the sheet's top (widths, pane, fit to page): set before

    wrap = Alignment(wrap_text=True, vertical="top")
    bold = Font(name="Calibri", size=11, bold=True)  # the workbook's own font, in bold
    header = []
    for name in spec.header:
        cell = WriteOnlyCell(sheet, value=xlsx_cell(name))
        cell.font, cell.alignment = bold, wrap
        header.append(cell)
    _fit_height(sheet, 1, spec.header, widths, True)
    sheet.append(header)
    date_format = DATE_FORMATS.get(lang, DATE_FORMATS["en"])
    time_format = DATETIME_FORMATS.get(lang, DATETIME_FORMATS["en"])
    count = 0
    for row in itertools.chain(first, rows):
        free = notes is not None and count < notes
        tall = _fit_height(sheet, count + 2, row, widths, free)
        cells = [_typed_cell(sheet, v, date_format, time_format, wrap, free) for v in row]
        if tall:  # the row's other cells at the top too, beside the first line of the tall one
            cells = [_at_top(sheet, cell, wrap) for cell in cells]
        sheet.append(cells)
        count += 1
    last = get_column_letter(columns)
    if spec.listing and spec.header:
        sheet.auto_filter.ref = f"A1:{last}{count + 1}"


def _print_setup(sheet: Any, width: float, page_header: str, lang: str) -> None:
    """A4, fit to one page wide (landscape when wide), the header row on every page, the report or
    sheet title at the top of each page and the page number at the bottom."""
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.orientation = "landscape" if width > PORTRAIT_WIDTH else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    # `&` starts a header code (&P is the page number): a text's own `&` is written `&&`; a header
    # holds at most 255 characters.
    sheet.oddHeader.center.text = page_header[:120].replace("&", "&&")
    sheet.oddFooter.center.text = translate(PAGE_NUMBER, lang).format(page="&P", pages="&N")


LINE_HEIGHT = 15  # points: a line of the default font (Calibri 11), as Excel spaces it


def _fit_height(
    sheet: Any, number: int, row: Sequence[Any], widths: Sequence[float], free: bool
) -> bool:
    """Make row `number` tall enough for its wrapped text: spreadsheet programs keep a row's
    height as the file says (LibreOffice does not measure it again when it opens the file)."""
    lines = 1
    for index, value in enumerate(row):
        if not isinstance(value, str) or (not free and not _wraps(value)):
            continue
        # A note spreads over the first column only; a proportional font's letters vary in width.
        room = max((widths[index] if index < len(widths) else MIN_WIDTH) - 2, 1) / 1.15
        needed = sum(max(1, math.ceil(len(line) / room)) for line in value.split("\n"))
        lines = max(lines, needed)
    if lines > 1:
        sheet.row_dimensions[number].height = LINE_HEIGHT * lines
    return lines > 1


def _at_top(sheet: Any, cell: Any, wrap: Any) -> Any:
    """A cell (or a plain value) aligned to the top of its row."""
    from openpyxl.cell import WriteOnlyCell

    if not hasattr(cell, "alignment"):  # a number or None, not yet a cell
        cell = WriteOnlyCell(sheet, value=cell)
    if not cell.alignment.wrap_text:
        cell.alignment = wrap
    return cell


def _wraps(text: str) -> bool:
    """Whether a text cell wraps: it holds a line break or is wider than a column may be."""
    return "\n" in text or _length(text) > MAX_WIDTH - 2


def _length(value: Any) -> float:
    """How many characters wide `value` shows: its longest line, a date's ten, a number's digits."""
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return DATE_WIDTH + 9
    if isinstance(value, dt.date):
        return DATE_WIDTH
    if isinstance(value, bool):
        return 3
    text = str(value)
    return max((len(line) for line in text.split("\n")), default=0)


def _widths(header: Sequence[str] | None, rows: Sequence[Sequence[Any]]) -> list[float]:
    """Each column's width: its widest cell (a bold header a little wider, with room for the
    autofilter's button), between `MIN_WIDTH` and `MAX_WIDTH`."""
    widest: list[float] = []

    def widen(index: int, width: float) -> None:
        while len(widest) <= index:
            widest.append(MIN_WIDTH)
        widest[index] = max(widest[index], width)

    for index, name in enumerate(header or ()):
        widen(index, _length(name) * 1.2 + 4)
    for row in rows:
        for index, value in enumerate(row):
            widen(index, _length(value) * 1.1 + 2)
    return [round(min(w, MAX_WIDTH), 1) for w in widest]


def _save(workbook: Any, handle: IO[bytes]) -> None:
    """`workbook.save`, but a failed save closes its zip archive while `handle` is still open (a
    zip archive left for Python to collect prints an "Exception ignored" trace)."""
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.writer.excel import ExcelWriter

    archive = ZipFile(handle, "w", ZIP_DEFLATED, allowZip64=True)
    try:
        ExcelWriter(workbook, archive).save()
    except BaseException:
        with contextlib.suppress(Exception):
            archive.close()
        raise


def _stream_beside(sheet: Any, path: Path) -> None:
    """Stream `sheet`'s rows into a private temporary beside `path` (0600, rvneet's own name, so a
    killed run's is removed by the next), not into openpyxl's own in the system's temp folder."""
    from openpyxl.worksheet import _writer

    from rvneet.files.output import temporary_name

    scratch = temporary_name(path)
    os.close(os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    _writer.ALL_TEMP_FILES.append(str(scratch))  # openpyxl removes it once the sheet is saved
    sheet._writer = _writer.WorksheetWriter(sheet, out=str(scratch))
    sheet._writer.write_top()


def _discard(workbook: Any) -> None:
    """Close a failed workbook's streams and remove their temporaries; quietly, so that no
    "Exception ignored" trace is printed when Python collects them later."""
    for sheet in workbook.worksheets:
        writer = getattr(sheet, "_writer", None)
        for stream in (getattr(sheet, "_rows", None), getattr(writer, "xf", None)):
            if stream is not None:
                with contextlib.suppress(Exception):
                    stream.close()
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.cleanup()


def _typed_cell(
    sheet: Any, value: Any, date_format: str, time_format: str, wrap: Any, free: bool
) -> Any:
    """A cell of a row: text stored as text (wrapped when longer than a column may be, or in a
    note), dates as date cells in the file's language's format, numbers as numbers."""
    from openpyxl.cell import WriteOnlyCell

    value = xlsx_cell(value)
    if isinstance(value, str):
        # Stored as text whatever it looks like: openpyxl would otherwise read "=..." as a formula.
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        if free or _wraps(value):
            cell.alignment = wrap
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = time_format if isinstance(value, dt.datetime) else date_format
        return cell
    return value
