"""Writing files: owner-only (0600), and spreadsheet cells that can never run as formulas.

A spreadsheet program runs a cell that starts with `=`, `+`, `-` or `@` (also after spaces, or after
a tab or carriage return) as a formula — a way to smuggle commands into a coordinator's Excel. Every
text cell rvneet writes to CSV or XLSX goes through `neutralise`, which puts an apostrophe in front
of such a value; `restore` takes exactly one off again on import, so a value survives a round trip.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import errno
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from rvneet.domain.errors import InvalidInput
from rvneet.i18n import N_, _, translate

# The operating system's reasons a file cannot be opened, as the C library writes them in English
# (exc.strerror), so that they can be said in the user's language.
_OS_REASONS = {
    errno.EACCES: N_("Permission denied"),
    errno.EPERM: N_("Operation not permitted"),
    errno.EISDIR: N_("Is a directory"),
    errno.ENOTDIR: N_("Not a directory"),
    errno.ENOENT: N_("No such file or directory"),
    errno.EROFS: N_("Read-only file system"),
    errno.ENOSPC: N_("No space left on device"),
    errno.ENAMETOOLONG: N_("File name too long"),
}


def os_reason(exc: OSError) -> str:
    """Why the operating system refused a file, in the user's language (the C library's words
    for an errno it has no translation of)."""
    known = _OS_REASONS.get(exc.errno or 0)
    return translate(known) if known else str(exc.strerror or exc)


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


def write_xlsx(
    path: Path, sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]
) -> None:
    """Write (title, header, rows) sheets to an XLSX file created 0600, streaming the rows.

    openpyxl's write-only mode keeps memory flat however many rows there are.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    try:
        for title, header, rows in sheets:
            sheet = workbook.create_sheet(title=title[:31])
            _stream_beside(sheet, path)
            bold = []
            for name in header:
                cell = WriteOnlyCell(sheet, value=xlsx_cell(name))
                cell.font = Font(bold=True)
                bold.append(cell)
            sheet.append(bold)
            for row in rows:
                sheet.append([_typed_cell(sheet, v) for v in row])
        with open_private(path, binary=True) as handle:
            _save(workbook, handle)
    except BaseException as exc:
        _discard(workbook)
        from rvneet.files.output import disk_full, is_full

        if is_full(exc):  # the rows' temporaries filled the disk before the file was opened
            raise disk_full(path) from None
        raise


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


def _typed_cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    value = xlsx_cell(value)
    if isinstance(value, str):
        # Stored as text whatever it looks like: openpyxl would otherwise read "=..." as a formula.
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    return value
