"""The `--errors` file: the bad rows of a refused import as they were, with the reasons beside them."""

from __future__ import annotations

from pathlib import Path

from rvneet.i18n import _, message_language
from rvneet.services.imports.base import ImportResult

# Machine names, read back when the fixed file is imported: the same in every language.
ROW_COLUMN = "row"
REASON_COLUMN = "error"


def write_errors_file(path: Path, result: ImportResult) -> int:
    """Write the bad rows (CSV, or XLSX for a .xlsx name) so the user can fix and re-import them.

    The file's own columns come first, unchanged, so the fixed file imports as it is; the row
    number and the reasons are the last two columns. Returns the number of rows written.
    """
    from rvneet.files.write import open_private, write_csv, write_xlsx

    reasons: dict[int, list[str]] = {}
    for error in result.errors:
        where = f"{error.column}: " if error.column else ""
        reasons.setdefault(error.row, []).append(where + error.reason)
    # A fixed errors file imported again keeps only its own columns; new row and error come last.
    own = [h for h in result.header if h.strip().casefold() not in (ROW_COLUMN, REASON_COLUMN)]
    header = [*own, ROW_COLUMN, REASON_COLUMN]
    rows = [
        [*(cells.get(h) for h in own), number, "; ".join(reasons.get(number, []))]
        for number, cells in sorted(result.bad_rows.items())
    ]
    if path.suffix.lower() == ".xlsx":
        write_xlsx(path, [(_("errors"), header, rows)], lang=message_language())
    else:
        # With a BOM, so that Excel reads õ, ä, ö, ü and š as the user typed them.
        with open_private(path, encoding="utf-8-sig") as handle:
            write_csv(handle, header, rows, delimiter=result.delimiter)
    return len(rows)
