"""The whole case book in one file (JSON or XLSX), and such a file loaded into a new database.

The file's shape is documented in docs/export.md: a header (`format`, `version`, `schema`,
`municipality`, `pseudonymized`) and every table of the book except the audit log, in foreign-key
order, rows by primary key. Both directions stream: rows are read and written a batch at a time,
so the size of the book does not decide the memory used.

A pseudonymized export (`pseudonymize=True`) keeps only what statistics need: every text column is
left out (null) unless it holds a code (a model, a stage, a role, ...), birth dates are cut to the
month, and references become stable pseudonyms (an HMAC keyed with a secret of this database, which
never leaves it). Such a file cannot be loaded again.

The package is split by what it does: `shape` (the file's header, its tables and the file to
write), `pseudonymise` (what a pseudonymized export keeps), `write` (`rvneet export`), `read`
(`rvneet import export`) and `readers` (the JSON and XLSX files read as a stream).
"""

from rvneet.services.export.pseudonymise import (
    KEPT_TEXT,
    MONTH_ONLY,
    PSEUDONYMIZED,
    ensure_pseudonym_key,
    left_out,
)
from rvneet.services.export.read import load_book
from rvneet.services.export.shape import (
    EXCLUDED_TABLES,
    FORMAT,
    FORMATS,
    HEADER_KEYS,
    META_SHEET,
    VERSION,
    XLSX_MAX_ROWS,
    Progress,
    check_target,
    export_format,
    export_tables,
)
from rvneet.services.export.write import export_book

__all__ = [
    "EXCLUDED_TABLES",
    "FORMAT",
    "FORMATS",
    "HEADER_KEYS",
    "KEPT_TEXT",
    "META_SHEET",
    "MONTH_ONLY",
    "PSEUDONYMIZED",
    "VERSION",
    "XLSX_MAX_ROWS",
    "Progress",
    "check_target",
    "ensure_pseudonym_key",
    "export_book",
    "export_format",
    "export_tables",
    "left_out",
    "load_book",
]
