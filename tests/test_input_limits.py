"""Input files and small limits: every row of a workbook, no zip bombs, private folders, and dates
in the years 1900 to 2099 (docs/security.md, "Input files and small limits")."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from conftest import MUNICIPALITY, Ok, Run, dump, query, refused
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from stdnum.ee import ik

from rvneet.cli.common import parse_date
from rvneet.domain.period import parse_period
from rvneet.files.columns import parse_day
from rvneet.files.read import MAX_RATIO_ENV, MAX_UNPACKED_ENV

SHEET = "xl/worksheets/sheet1.xml"

# --- workbooks ---------------------------------------------------------------------------------


def youths_workbook(path: Path, count: int) -> Path:
    """A workbook of `count` youths without personal codes: name, birth date, sex."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["name", "birth_date", "sex"])
    for number in range(count):
        sheet.append([f"Noor {number:05d}", dt.date(2010, 1, 1) + dt.timedelta(days=number), "F"])
    workbook.save(path)
    return path


def rewrite(source: Path, target: Path, part: str, change: Iterator[bytes] | bytes) -> Path:
    """A copy of the workbook `source` with the zip part `part` replaced, written in chunks."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename != part:
                new.writestr(info, old.read(info), zipfile.ZIP_DEFLATED)
                continue
            with new.open(part, "w", force_zip64=True) as stream:
                for chunk in [change] if isinstance(change, bytes) else change:
                    stream.write(chunk)
    return target


def with_dimension(source: Path, target: Path, ref: str, part: str = SHEET) -> Path:
    """The workbook with its sheet's `<dimension>` header saying `ref`, whatever it holds."""
    with zipfile.ZipFile(source) as old:
        xml = old.read(part).decode("utf-8")
    xml = re.sub(r"<dimension [^>]*/>", "", xml)
    # The header comes after <sheetPr> (openpyxl's write-only mode, used by exports, has none).
    opening = re.search(r"<worksheet[^>]*>", xml)
    assert opening is not None
    anchor = "</sheetPr>" if "</sheetPr>" in xml else opening[0]
    xml = xml.replace(anchor, f'{anchor}<dimension ref="{ref}"/>', 1)
    return rewrite(source, target, part, xml.encode("utf-8"))


def bomb(source: Path, target: Path, mib: int) -> Path:
    """The workbook with `mib` MiB of spaces in its sheet: valid XML, packed about 1000 to 1."""
    with zipfile.ZipFile(source) as old:
        head, tail = old.read(SHEET).split(b"<sheetData>", 1)
    blank = b" " * (1 << 20)
    chunks = iter([head, *(blank for _ in range(mib)), b"<sheetData>" + tail])
    return rewrite(source, target, SHEET, chunks)


def youths(ok: Ok) -> int:
    return len(json.loads(ok("youth", "list", "--format", "json")))


# --- every row of a sheet --------------------------------------------------------------------------


@pytest.mark.usefixtures("initialised")
def test_every_row_is_imported_whatever_the_dimension_header_says(ok: Ok, tmp_path: Path) -> None:
    # Breaks without worksheet.reset_dimensions() in files/read._open_xlsx: openpyxl's read-only
    # mode stops at the row the header names and 2 of the 10 youths were imported, silently.
    path = with_dimension(
        youths_workbook(tmp_path / "n.xlsx", 10), tmp_path / "noored.xlsx", "A1:C3"
    )
    assert ok("import", "youths", str(path)).endswith(": 10 new, 0 updated, 0 unchanged, 0 refused")
    assert youths(ok) == 10
    # A header saying more rows than there are gives no phantom rows either.
    path = with_dimension(youths_workbook(tmp_path / "m.xlsx", 3), tmp_path / "m2.xlsx", "A1:C9999")
    assert ok("import", "youths", str(path), "--dry-run").endswith(
        ": 0 new, 0 updated, 3 unchanged, 0 refused (dry run: nothing was written)"
    )


def test_an_export_is_loaded_whole_whatever_its_dimension_headers_say(
    ok: Ok, initialised: Path, template_db: Path, tmp_path: Path
) -> None:
    for number in range(6):
        ok("youth", "add", "--name", f"Noor {number}", "--birth-date", "2010-01-01", "--sex", "M")
    ok("export", str(tmp_path / "book.xlsx"))
    with zipfile.ZipFile(tmp_path / "book.xlsx") as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    shrunk = tmp_path / "book.xlsx"
    for number, part in enumerate(sheets):  # every sheet says it is two rows long
        shrunk = with_dimension(shrunk, tmp_path / f"shrunk{number}.xlsx", "A1:B2", part)
    fresh = tmp_path / "fresh.db"
    fresh.write_bytes(template_db.read_bytes())
    fresh.chmod(0o600)
    # Breaks without sheet.reset_dimensions() in services/export/readers._sheet_rows (1 youth, not 6).
    ok("--db", str(fresh), "import", "export", str(shrunk))
    assert query(fresh, "SELECT count(*) FROM youths") == [(6,)]


# --- zip bombs -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("initialised")
def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_parsed(
    tmp_path: Path, db_path: Path
) -> None:
    # 300 MiB of spaces in the sheet, packed in about 0.3 MiB. Breaks without check_xlsx_archive
    # in files/read._open_xlsx: openpyxl parses all of it and the import succeeds, slowly.
    path = bomb(youths_workbook(tmp_path / "n.xlsx", 3), tmp_path / "bomb.xlsx", 300)
    assert path.stat().st_size < 2 << 20
    # A fresh process, measured alone: its peak memory is what rvneet took.
    probe = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "print(done.stdout + done.stderr, end='')\n"
    )
    before = dump(db_path)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            probe,
            sys.executable,
            "-m",
            "rvneet",
            "import",
            "youths",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    status, peak_kib = (int(v) for v in done.stdout.splitlines()[0].split())
    lines = done.stdout.splitlines()[1:]
    assert status == 1 and len(lines) == 1, done.stdout
    assert lines[0] == (
        f"Error: bomb.xlsx unpacks to 301 MiB, more than the 256 MiB a workbook may hold "
        f"(set {MAX_UNPACKED_ENV} to allow more)"
    )
    assert peak_kib < 200 * 1024  # rvneet itself takes about 70 MB; the sheet would take 300+
    assert dump(db_path) == before


@pytest.mark.usefixtures("initialised")
def test_a_part_packed_too_tightly_is_refused(run: Run, db_path: Path, tmp_path: Path) -> None:
    # 20 MiB of spaces: within the size limit, but packed about 1000 to 1 (a real sheet: 3-15).
    path = bomb(youths_workbook(tmp_path / "n.xlsx", 3), tmp_path / "bomb.xlsx", 20)
    line = refused(run, db_path, "import", "youths", str(path))
    assert re.fullmatch(
        rf"Error: bomb\.xlsx holds a part packed \d+ to 1, more than the 100 to 1 a workbook may "
        rf"have \(set {MAX_RATIO_ENV} to allow more\)",
        line,
    ), line
    # The same check guards `import export`.
    line = refused(run, db_path, "import", "export", str(path))
    assert "holds a part packed" in line


def test_the_limits_are_settable(
    ok: Ok, run: Run, initialised: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bomb(youths_workbook(tmp_path / "n.xlsx", 3), tmp_path / "big.xlsx", 2)
    monkeypatch.setenv(MAX_UNPACKED_ENV, "1")
    line = refused(run, initialised, "import", "youths", str(path))
    assert line.startswith("Error: big.xlsx unpacks to 3 MiB, more than the 1 MiB")
    monkeypatch.setenv(MAX_UNPACKED_ENV, "10")
    monkeypatch.setenv(MAX_RATIO_ENV, "5")
    assert "to 1, more than the 5 to 1" in refused(run, initialised, "import", "youths", str(path))
    monkeypatch.setenv(MAX_RATIO_ENV, "100000")
    assert ok("import", "youths", str(path)).endswith(": 3 new, 0 updated, 0 unchanged, 0 refused")
    for bad in ("0", "-1", "many", "1.5", "٣"):
        monkeypatch.setenv(MAX_RATIO_ENV, bad)
        line = refused(run, initialised, "import", "youths", str(path))
        assert line == f"Error: {MAX_RATIO_ENV} must be a whole number above 0, not {bad!r}"


@pytest.mark.usefixtures("initialised")
def test_a_file_that_is_not_a_zip_is_still_one_clean_line(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "noored.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip" * 10)
    line = refused(run, db_path, "import", "youths", str(path))
    assert line.startswith("Error: noored.xlsx is not an XLSX workbook (")
    line = refused(run, db_path, "import", "export", str(path))
    assert line.startswith("Error: noored.xlsx is not an XLSX workbook (")


def test_the_example_workbook_passes_the_limits(ok: Ok, initialised: Path) -> None:
    example = Path(__file__).parent.parent / "examples" / "noored.xlsx"
    assert " new, " in ok("import", "youths", str(example), "--dry-run")


# --- private folders -------------------------------------------------------------------------------


def folders_under(root: Path) -> dict[str, int]:
    """The mode of every folder under `root` (root included), by path relative to its parent."""
    found = {root.name: stat.S_IMODE(root.stat().st_mode)}
    for folder in root.rglob("*"):
        if folder.is_dir():
            found[str(folder.relative_to(root.parent))] = stat.S_IMODE(folder.stat().st_mode)
    return found


def test_the_default_database_folder_is_private_under_umask_000(tmp_path: Path) -> None:
    # Breaks if cli.init goes back to mkdir(parents=True, mode=0o700): the levels above the
    # last one are made 0777 under umask 000.
    env = {k: v for k, v in os.environ.items() if k != "RVNEET_DB"}
    env["XDG_DATA_HOME"] = str(tmp_path / "home" / "share")
    done = subprocess.run(
        [sys.executable, "-m", "rvneet", "init", "--municipality", MUNICIPALITY],
        env=env,
        capture_output=True,
        text=True,
        umask=0,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "home" / "share" / "rvneet" / "rvneet.db").is_file()
    modes = folders_under(tmp_path / "home")
    assert set(modes) == {"home", "home/share", "home/share/rvneet"}
    assert set(modes.values()) == {0o700}, modes


@pytest.mark.sqlite_only  # db backup/restore: files only
def test_a_restore_into_the_default_place_makes_private_folders(
    ok: Ok, initialised: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "backup.db"
    ok("db", "backup", str(backup))
    env = {k: v for k, v in os.environ.items() if k != "RVNEET_DB"}
    env["XDG_DATA_HOME"] = str(tmp_path / "home" / "share")
    done = subprocess.run(
        [sys.executable, "-m", "rvneet", "db", "restore", str(backup), "--yes"],
        env=env,
        capture_output=True,
        text=True,
        umask=0,
    )
    assert done.returncode == 0, done.stderr
    modes = folders_under(tmp_path / "home")
    assert len(modes) == 3 and set(modes.values()) == {0o700}, modes


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.usefixtures("initialised", "open_umask")
def test_the_error_report_folders_are_private_under_umask_000(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rvneet.services.youths as services

    def broken(*args: object, **kwargs: object) -> object:
        raise ValueError("a bug")

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state" / "deep"))
    monkeypatch.setattr(services, "list_youths", broken)
    result = run("youth", "list")
    assert result.exit_code == 70, result.stderr
    # Breaks if error_report.write_report makes its folders with mkdir(parents=True).
    modes = folders_under(tmp_path / "state")
    assert len(modes) >= 4 and set(modes.values()) == {0o700}, modes
    assert any((tmp_path / "state").rglob("error-*.txt"))


# --- dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["case", "open", "--youth", "Y-0001", "--model", "rv", "--start", "0001-01-01"],
        ["case", "open", "--youth", "Y-0001", "--model", "rv", "--start", "1899-12-31"],
        ["youth", "add", "--name", "Mari Mets", "--birth-date", "1899-12-31", "--sex", "F"],
        ["youth", "add", "--name", "Mari Mets", "--birth-date", "2100-01-01", "--sex", "F"],
        ["report", "lisa4", "--period", "0001H1"],
        ["report", "lisa4", "--period", "1899-12-01..2025-01-31"],
        ["audit", "--since", "0001-01-01"],
    ],
    ids=["case-year-1", "case-1899", "birth-1899", "birth-2100", "period-0001H1", "range", "since"],
)
def test_a_date_outside_1900_to_2099_is_refused_in_one_line(
    ok: Ok, run: Run, initialised: Path, args: list[str]
) -> None:
    ok("youth", "add", "--name", "Karl Kask", "--birth-date", "2010-01-01", "--sex", "M")
    # Breaks without domain.dates.check_day in cli/common.parse_date (the case got RV-1-001).
    line = refused(run, initialised, *args, code=2)
    assert "the years" in line and "1900 to 2099" in line, line


def test_a_personal_code_of_the_1800s_is_refused(run: Run, initialised: Path) -> None:
    # Breaks without the FIRST_DAY check in domain/inputs._not_future: the code's century
    # digit 1 means born 1899, and the youth was registered.
    code = "1990101000" + ik.calc_check_digit("19901010000")
    line = refused(run, initialised, "youth", "add", "--name", "Vana Mees", "--id-code", code)
    assert line == "Error: the birth date 1899-01-01 is before 1900"


def test_an_import_row_of_1899_is_listed_with_its_field(
    run: Run, initialised: Path, tmp_path: Path
) -> None:
    path = tmp_path / "noored.csv"
    path.write_text(
        "name,birth_date,sex\nMari,2010-01-01,F\nJaan,31.12.1899,M\nLiis,0001-01-01,F\n",
        encoding="utf-8",
    )
    before = dump(initialised)
    result = run("import", "youths", str(path))
    assert result.exit_code == 1
    # Breaks without check_day in files/columns.parse_day (both rows imported).
    assert result.stderr.splitlines()[:2] == [
        "  row 3, birth_date: 1899-12-31 is outside the years 1900 to 2099",
        "  row 4, birth_date: 0001-01-01 is outside the years 1900 to 2099",
    ]
    assert dump(initialised) == before


@settings(max_examples=300)
@given(st.dates())
def test_the_date_parsers_take_exactly_the_years_1900_to_2099(day: dt.date) -> None:
    inside = 1900 <= day.year <= 2099
    iso, dotted = day.isoformat(), f"{day.day:02d}.{day.month:02d}.{day.year:04d}"
    parsers: list[tuple[Callable[[Any], dt.date], Any]] = [
        (parse_date, iso),
        (parse_day, iso),
        (parse_day, dotted),
        (parse_day, day),
        (parse_day, dt.datetime(day.year, day.month, day.day)),
    ]
    for parse, value in parsers:
        try:
            parsed = parse(value)
        except (ValueError, typer.BadParameter) as exc:
            assert not inside, (value, exc)
            assert "outside the years 1900 to 2099" in str(exc)
        else:
            assert inside and parsed == day, value
    for period in (f"{day.year:04d}", f"{day.year:04d}H1", f"{day.year:04d}-{day.month:02d}"):
        try:
            parse_period(period)
        except ValueError as exc:
            assert not inside and "the years must be 1900 to 2099" in str(exc)
        else:
            assert inside
