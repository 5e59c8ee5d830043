"""Import templates: the headers of a kind of file, in English or Estonian, and an example row."""

from __future__ import annotations

from pathlib import Path

from rvneet.domain.columns import COLUMNS
from rvneet.domain.errors import InvalidInput
from rvneet.i18n import _


def template_rows(kind: str, lang: str) -> tuple[list[str], list[str]]:
    """The header (in `lang`, et or en) and one example row of a `kind` import file."""
    columns = COLUMNS.get(kind)
    if columns is None:
        raise InvalidInput(
            _("no import of {kind}; choose one of {kinds}").format(
                kind=repr(kind), kinds=", ".join(COLUMNS)
            )
        )
    header = [c.et if lang == "et" else c.field for c in columns]
    return header, [c.example for c in columns]


def write_template(
    path: Path,
    header: list[str],
    example: list[str],
    fmt: str | None,
    *,
    delimiter: str = ";",
    lang: str = "en",
) -> None:
    """Write a template as CSV or XLSX (from `fmt`, else the file's extension), mode 0600.

    A CSV file is UTF-8 with a byte order mark and `delimiter` (`;` by default) between cells:
    what Excel in Estonian opens as columns with õ, ä, ö, ü intact. `rvneet import` reads it back.
    An XLSX file is laid out for `lang` (files.write.write_xlsx).
    """
    from rvneet.files.write import Sheet, open_private, write_csv, write_xlsx

    chosen = fmt or ("xlsx" if path.suffix.lower() == ".xlsx" else "csv")
    if chosen == "xlsx":
        write_xlsx(path, [Sheet("import", header, [example], listing=False)], lang=lang)
        return
    with open_private(path, encoding="utf-8-sig") as handle:
        write_csv(handle, header, [example], delimiter=delimiter)
