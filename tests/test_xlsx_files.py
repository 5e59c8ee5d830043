"""Issue 21: every XLSX rvneet writes reads right in a spreadsheet program and prints on A4.

The demo book (examples/load.sh) is loaded once; every kind of workbook (the four reports, an import
template, an `--errors` file, an export) is written once in each language. The layout is checked
in the file (widths, date formats, frozen header, autofilter, print setup), then the files are
opened in LibreOffice Calc (headless, one call for all of them) and printed to PDF, whose text
must hold every label and reference whole, no `###`, and dates in the file's language.
`make test` installs Debian's libreoffice-calc-nogui and poppler-utils where it may; elsewhere
the LibreOffice test is skipped, saying why.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from books import copy_book, once_per_run
from openpyxl.utils import get_column_letter
from typer.testing import CliRunner

from rvneet.cli import app
from rvneet.files.write import MAX_WIDTH

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

# name → (arguments after `rvneet`, language); the output file is added.
REPORTS = {
    "lisa4": ("report", "lisa4", "--period", "2025H1"),
    "neet": ("report", "neet", "--period", "2025"),
    "workload": ("report", "workload", "--as-of", "2025-06-30"),
    "followups": ("report", "followups", "--period", "2025H2"),
}
ISO = re.compile(r"\b\d{4}-\d\d-\d\d\b")
ESTONIAN = re.compile(r"\b\d\d\.\d\d\.\d{4}\b")
BAD_YOUTHS = "name;birth_date;sex\nMari Maasikas;2010-13-45;F\nJüri Juurikas;2009-02-30;M\n"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, demo_book: Path) -> dict[str, tuple[Path, str]]:
    """name → (workbook, its language), written from the demo book once per test run."""
    folder = once_per_run(tmp_path_factory, "xlsx-files", lambda f: _write(f, demo_book), "")
    made = json.loads((folder / "made.json").read_text(encoding="utf-8"))
    return {name: (folder / f"{name}.xlsx", lang) for name, lang in made.items()}


def _write(folder: Path, demo_book: Path) -> None:
    """Every kind of workbook written into the new `folder`, and `made.json`: name → language."""
    folder.mkdir()
    db = folder / "demo.db"
    made: dict[str, str] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        patch.setenv("RVNEET_DB", str(db))
        patch.setenv("RVNEET_USER", "tester")
        patch.setenv("XDG_STATE_HOME", str(folder / "state"))
        patch.setenv("LANG", "C.UTF-8")
        for name in ("RVNEET_LANG", "LC_ALL", "LC_MESSAGES", "RVNEET_DEBUG"):
            patch.delenv(name, raising=False)
        copy_book(demo_book, db)
        runner = CliRunner()

        def write(name: str, lang: str, *args: str, code: int = 0) -> None:
            target = folder / f"{name}.xlsx"
            argv = [a.replace("{out}", str(target)) for a in args]
            result = runner.invoke(app, ["--lang", lang, *argv], prog_name="rvneet")
            assert result.exit_code == code, (argv, result.stdout, result.stderr)
            made[name] = lang

        for lang in ("et", "en"):
            for name, args in REPORTS.items():
                write(f"{name}-{lang}", lang, *args, "--format", "xlsx", "--output", "{out}")
            write(f"template-{lang}", lang, "import", "template", "youths", "--output", "{out}")
            bad = folder / f"bad-{lang}.csv"
            bad.write_text(BAD_YOUTHS, encoding="utf-8")
            write(f"errors-{lang}", lang, "import", "youths", str(bad), "--errors", "{out}", code=1)
        write("lisa4-suppressed-en", "en", *REPORTS["lisa4"], "--format", "xlsx",
              "--output", "{out}", "--suppress-below", "3")  # fmt: skip
        write("export-en", "en", "export", "{out}")
        write("trend-et", "et", *REPORTS["lisa4"], "--trend", "4", "--format", "xlsx",
              "--output", "{out}")  # fmt: skip
    (folder / "made.json").write_text(json.dumps(made), encoding="utf-8")


def _sheets(path: Path) -> list[Any]:
    return list(openpyxl.load_workbook(path).worksheets)


def test_every_workbook_is_laid_out_to_read_and_print(files: dict[str, tuple[Path, str]]) -> None:
    # Breaks if files/write.write_xlsx stops setting a sheet's widths, frozen bold header, print
    # setup (A4, fit to one page wide, header repeated, title and page numbers) or date formats.
    for name, (path, lang) in files.items():
        for sheet in _sheets(path):
            where = f"{name}: {sheet.title}"
            assert sheet.freeze_panes == "A2", where
            assert all(cell.font.bold for cell in sheet[1] if cell.value), where
            assert sheet.page_setup.paperSize == 9, where  # A4
            assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0, where
            assert sheet.sheet_properties.pageSetUpPr.fitToPage, where
            assert sheet.print_title_rows == "$1:$1", where
            assert "&P" in sheet.oddFooter.center.text, where
            assert sheet.oddHeader.center.text, where
            dates = [c for row in sheet.iter_rows(min_row=2) for c in row if c.is_date]
            expected = "dd.mm.yyyy" if lang == "et" else "yyyy-mm-dd"
            assert all(c.number_format == expected for c in dates), where
            for column, cells in enumerate(sheet.iter_cols(min_row=2), 1):
                letter = openpyxl.utils.get_column_letter(column)
                width = sheet.column_dimensions[letter].width
                # A wrapped cell (a note under a report's heading, a long text) may be wider.
                shown = (
                    10 if c.is_date else len(str(c.value))
                    for c in cells
                    if c.value is not None and not c.alignment.wrap_text
                )
                longest = max(shown, default=0)
                assert width >= longest, (where, letter, width, longest)
                assert width <= MAX_WIDTH, (where, letter)


def test_listings_have_an_autofilter_and_summaries_do_not(
    files: dict[str, tuple[Path, str]],
) -> None:
    # Breaks if write_xlsx stops putting an autofilter over a listing (Sheet.listing).
    summary, listing = _sheets(files["lisa4-et"][0])
    assert summary.auto_filter.ref is None
    last = get_column_letter(listing.max_column)  # the listing's every column, as it grows
    assert listing.auto_filter.ref == f"A1:{last}{listing.max_row}"
    assert [c.value for c in listing["E"][1:] if c.is_date], "the listing's dates are date cells"
    assert _sheets(files["errors-en"][0])[0].auto_filter.ref
    meta, *tables = _sheets(files["export-en"][0])
    assert meta.auto_filter.ref is None and all(t.auto_filter.ref for t in tables)


def test_wide_sheets_print_in_landscape_and_the_header_names_the_report(
    files: dict[str, tuple[Path, str]],
) -> None:
    # Breaks if the orientation stops following the sheet's width, or the page header stops
    # naming the report, municipality and period (in the file's language).
    summary, managers = _sheets(files["workload-et"][0])
    assert summary.page_setup.orientation == "portrait"
    assert managers.page_setup.orientation == "landscape"
    header = _sheets(files["lisa4-et"][0])[0].oddHeader.center.text
    assert (
        header
        == "Lisa 4 – Ringist välja rakendamise seirearuanne, Viljandi linn, 2025H1 (01.01.2025 … 30.06.2025)"
    )
    footer = _sheets(files["lisa4-et"][0])[0].oddFooter.center.text
    assert footer == "Lehekülg &P / &N"
    assert _sheets(files["lisa4-en"][0])[0].oddFooter.center.text == "Page &P of &N"


# --- LibreOffice Calc --------------------------------------------------------------------------


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"no {name} here: `make test` installs Debian's {package} when it can")
    return path


@pytest.fixture(scope="module")
def printed(
    files: dict[str, tuple[Path, str]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """name → the text of the workbook printed to PDF by LibreOffice Calc (pdftotext -layout),
    printed once per test run."""
    soffice = _tool("soffice", "libreoffice-calc-nogui")
    pdftotext = _tool("pdftotext", "poppler-utils")

    def print_all(out: Path) -> None:
        out.mkdir()
        # A private profile: parallel runs (pytest -n) would otherwise share and lock one.
        profile = (out / "profile").as_uri()
        subprocess.run(
            [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
             "--outdir", str(out), *(str(path) for path, _ in files.values())],
            capture_output=True, timeout=180, check=True,
        )  # fmt: skip
        for name in files:
            pdf = out / f"{name}.pdf"
            assert pdf.exists(), f"LibreOffice made no PDF of {name}"
            text = subprocess.run(
                [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
            ).stdout
            (out / f"{name}.txt").write_text(text, encoding="utf-8")

    out = once_per_run(tmp_path_factory, "xlsx-pdf", print_all, "")
    return {name: (out / f"{name}.txt").read_text(encoding="utf-8") for name in files}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def test_libreoffice_shows_every_label_and_reference_whole(
    files: dict[str, tuple[Path, str]], printed: dict[str, str]
) -> None:
    # Breaks if a column is too narrow for its labels, references or dates (cut text, `###`), or
    # the widths stop covering what LibreOffice prints (files/write._widths).
    for name, (path, _lang) in files.items():
        text = printed[name]
        assert "###" not in text, name
        lines = [_one_line(line) for line in text.splitlines()]
        for sheet in _sheets(path):
            for row in sheet.iter_rows(min_row=1):
                for cell in row:
                    value = cell.value
                    if not isinstance(value, str) or not value.strip():
                        continue
                    if cell.alignment.wrap_text and len(value) > 30:
                        continue  # a heading or note that wraps: its words are checked below
                    shown = _one_line(value)
                    assert any(shown in line for line in lines), (name, sheet.title, value)
    every_word = _one_line(printed["lisa4-suppressed-en"])
    assert "primary and complementary" in every_word and "<3" in every_word


def test_libreoffice_shows_dates_in_the_files_language(printed: dict[str, str]) -> None:
    # Breaks if an Estonian file shows an ISO date (a date cell's format, or the heading and page
    # header written by render.heading without for_people), or an English one 31.12.2025.
    for name, text in printed.items():
        if name.startswith("errors"):
            continue  # the rows as the user typed them, and reasons that show both forms
        if name.endswith("-et"):
            assert not ISO.search(text), (name, ISO.search(text))
        else:
            assert not ESTONIAN.search(text), (name, ESTONIAN.search(text))
    assert "(01.01.2025 … 30.06.2025)" in printed["lisa4-et"]
    assert "16.09.2024" in printed["lisa4-et"] and "2024-09-16" in printed["lisa4-en"]
    assert "RV-2024-001" in printed["lisa4-et"]
    assert "Lehekülg 1 / 2" in printed["lisa4-et"] and "Page 1 of 2" in printed["lisa4-en"]
