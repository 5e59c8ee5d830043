"""`rvneet import youths|cases|assessments|contacts|template` through the real CLI and real files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    CODE_F_1999_LEAP,
    CODE_F_2010,
    CODE_M_1995,
    CODE_M_2010,
    Ok,
    Run,
    dump,
    query,
    refused,
    show,
)
from openpyxl import Workbook, load_workbook
from stdnum.ee import ik
from typer.testing import CliRunner

from rvneet.cli import app

# --- helpers ---------------------------------------------------------------------------------------


def personal_code(first_ten: str) -> str:
    """A valid personal code from its first ten digits (century+sex, yymmdd, serial)."""
    return first_ten + ik.calc_check_digit(first_ten + "0")


def csv_text(rows: Sequence[Sequence[Any]], delimiter: str = ",", newline: str = "\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerows(rows)
    return buffer.getvalue()


def write_csv(
    path: Path,
    rows: Sequence[Sequence[Any]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    newline: str = "\n",
) -> Path:
    path.write_bytes(csv_text(rows, delimiter, newline).encode(encoding))
    return path


def write_xlsx(path: Path, sheets: Sequence[tuple[str, Sequence[Sequence[Any]]]]) -> Path:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    for index, (title, rows) in enumerate(sheets):
        sheet = first if index == 0 else workbook.create_sheet()
        sheet.title = title
        for row in rows:
            sheet.append(list(row))
    workbook.save(path)
    return path


def read_csv(path: Path, delimiter: str = ",") -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=delimiter))


def youth_list(ok: Ok) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(ok("youth", "list", "--format", "json"))
    return rows


def names(ok: Ok) -> list[str]:
    return [y["name"] for y in youth_list(ok)]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def imported(ok: Ok, kind: str, path: Path, *args: str) -> str:
    """Import that must succeed; returns the summary's first line."""
    return ok("import", kind, str(path), *args).splitlines()[0]


def counts(new: int = 0, updated: int = 0, unchanged: int = 0) -> str:
    return f"{new} new, {updated} updated, {unchanged} unchanged, 0 refused"


def refused_rows(run: Run, db_path: Path, *args: str) -> list[str]:
    """An import refused for bad rows: the rows on stderr, then one `Error:` summary; nothing
    written, nothing on stdout, no traceback. Returns the stderr lines."""
    before = dump(db_path)
    result = run(*args)
    assert result.exit_code == 1, (args, result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
    lines = result.stderr.strip("\n").splitlines()
    assert lines[-1].startswith("Error: "), lines
    assert lines[-1].endswith("nothing was imported"), lines
    assert all(line.startswith("  row ") for line in lines[:-1]), lines
    assert dump(db_path) == before
    return lines


def row_lines(lines: list[str]) -> list[str]:
    return [line.strip() for line in lines if line.startswith("  row ")]


def future(days: int = 30) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


# Names with every Estonian letter beyond ASCII.
NAMES = ["Õie Põldsüü-Ütt", "Šarlote Žukova-Kašžina", "Jüri Ärni Käär-Öövel"]


def three_youths(header: Sequence[str] = ("nimi", "sünniaeg", "sugu")) -> list[list[str]]:
    return [
        list(header),
        [NAMES[0], "01.03.2008", "naine"],
        [NAMES[1], "2008-03-01", "N"],
        [NAMES[2], "15.11.2009", "mees"],
    ]


# --- youths: formats, encodings, delimiters, headers -----------------------------------------------


@pytest.mark.usefixtures("initialised")
@pytest.mark.parametrize(
    ("delimiter", "encoding", "suffix"),
    [
        (",", "utf-8", ".csv"),
        (";", "utf-8", ".csv"),
        (";", "utf-8-sig", ".csv"),
        (";", "cp1257", ".csv"),
        (",", "cp1257", ".csv"),
        ("\t", "utf-16", ".txt"),
    ],
    ids=["comma-utf8", "semicolon-utf8", "semicolon-bom", "semicolon-cp1257", "comma-cp1257",
         "tab-utf16"],
)  # fmt: skip
def test_youths_from_csv_in_each_encoding_and_delimiter(
    ok: Ok, tmp_path: Path, delimiter: str, encoding: str, suffix: str
) -> None:
    path = write_csv(
        tmp_path / f"noored{suffix}",
        three_youths(),
        delimiter=delimiter,
        encoding=encoding,
        newline="\r\n",
    )
    assert imported(ok, "youths", path) == f"youths from noored{suffix}: {counts(new=3)}"
    listed = youth_list(ok)
    assert [y["name"] for y in listed] == NAMES
    assert [(y["birth_date"], y["sex"]) for y in listed] == [
        ("2008-03-01", "F"),
        ("2008-03-01", "F"),
        ("2009-11-15", "M"),
    ]


@pytest.mark.usefixtures("initialised")
def test_explicit_encoding_cp1257(ok: Ok, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "noored.csv", three_youths(), delimiter=";", encoding="cp1257")
    assert counts(new=3) in imported(ok, "youths", path, "--encoding", "cp1257")
    assert names(ok) == NAMES


@pytest.mark.usefixtures("initialised")
def test_wrong_explicit_encoding_is_refused_in_one_line(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "noored.csv", three_youths(), delimiter=";", encoding="cp1257")
    line = refused(run, db_path, "import", "youths", str(path), "--encoding", "utf-8")
    assert "not utf-8 text" in line and "--encoding" in line
    line = refused(run, db_path, "import", "youths", str(path), "--encoding", "klingon")
    assert "unknown encoding 'klingon'" in line


@pytest.mark.usefixtures("initialised")
def test_estonian_headers_and_both_date_forms(ok: Ok, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "noored.csv",
        [
            ["nimi", "isikukood", "sünniaeg", "sugu"],
            ["Mari Maasikas", "", "01.03.2008", "naine"],
            ["Jaan Tamm", "", "2008-03-01", "mees"],
            ["Kati Kask", CODE_F_2010, "", ""],
            ["Toomas Tamm", CODE_M_2010, "05.05.2010", "M"],
        ],
        delimiter=";",
    )
    assert counts(new=4) in imported(ok, "youths", path)
    got = [(y["name"], y["birth_date"], y["sex"]) for y in youth_list(ok)]
    assert got == [
        ("Mari Maasikas", "2008-03-01", "F"),
        ("Jaan Tamm", "2008-03-01", "M"),
        ("Kati Kask", "2010-01-01", "F"),
        ("Toomas Tamm", "2010-05-05", "M"),
    ]
    kati = json.loads(ok("youth", "show", "Y-0003", "--format", "json"))
    assert kati["id_code"] == CODE_F_2010


@pytest.mark.usefixtures("initialised")
@pytest.mark.parametrize(
    "header",
    [
        ["name", "id_code", "birth_date", "sex"],
        ["Name", "ID code", "Birth date*", "SEX"],
        ["full_name", "personal_code", "date_of_birth", "sex"],
        ["Ees- ja perekonnanimi", "IK", "Sünnikuupäev", "Sugu"],
    ],
    ids=["english", "english-as-people-write-it", "english-aliases", "estonian-aliases"],
)
def test_english_headers_and_aliases(ok: Ok, tmp_path: Path, header: list[str]) -> None:
    path = write_csv(
        tmp_path / "youths.csv",
        [header, ["Mari Maasikas", CODE_F_2010, "", ""], ["Olga Ivanova", "", "2011-07-15", "F"]],
    )
    assert counts(new=2) in imported(ok, "youths", path)
    got = [(y["name"], y["birth_date"], y["sex"]) for y in youth_list(ok)]
    assert got == [("Mari Maasikas", "2010-01-01", "F"), ("Olga Ivanova", "2011-07-15", "F")]


@pytest.mark.usefixtures("initialised")
def test_youths_from_xlsx_with_date_cells_number_codes_and_sheet(
    ok: Ok, run: Run, db_path: Path, tmp_path: Path
) -> None:
    path = write_xlsx(
        tmp_path / "noored.xlsx",
        [
            ("Juhend", [["nimi"], ["Loe mind"]]),
            (
                "Noored",
                [
                    ["nimi", "isikukood", "sünniaeg", "sugu"],
                    [NAMES[0], None, dt.datetime(2008, 3, 1), "naine"],
                    [NAMES[1], int(CODE_F_2010), None, None],  # a code Excel keeps as a number
                    [None, None, None, None],  # an empty row is skipped
                    [NAMES[2], None, "15.11.2009", "M"],
                ],
            ),
        ],
    )
    assert counts(new=3) in imported(ok, "youths", path, "--sheet", "Noored")
    got = [(y["name"], y["birth_date"], y["sex"]) for y in youth_list(ok)]
    assert got == [
        (NAMES[0], "2008-03-01", "F"),
        (NAMES[1], "2010-01-01", "F"),
        (NAMES[2], "2009-11-15", "M"),
    ]
    assert json.loads(ok("youth", "show", "Y-0002", "--format", "json"))["id_code"] == CODE_F_2010
    # The same sheet again changes nothing.
    assert counts(unchanged=3) in imported(ok, "youths", path, "--sheet", "Noored")
    # Without --sheet the first sheet is read: its "nimi" row is a youth without a birth date.
    lines = refused_rows(run, db_path, "import", "youths", str(path))
    assert "row 2: without a personal code both the birth date and the sex are needed" in (
        row_lines(lines)
    )
    line = refused(run, db_path, "import", "youths", str(path), "--sheet", "Lehed")
    assert "has no sheet 'Lehed'" in line and "Juhend, Noored" in line


@pytest.mark.usefixtures("initialised")
def test_bad_xlsx_rows_are_numbered_as_the_spreadsheet_shows_them(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    path = write_xlsx(
        tmp_path / "noored.xlsx",
        [("Sheet", [["name", "id_code"], ["Mari", CODE_F_2010], ["Jaan", "51005050270"]])],
    )
    lines = refused_rows(run, db_path, "import", "youths", str(path))
    assert row_lines(lines) == ["row 3, id_code: invalid personal code: the check digit is wrong"]


@pytest.mark.usefixtures("initialised")
def test_youths_from_json_array_of_objects(ok: Ok, tmp_path: Path) -> None:
    path = tmp_path / "noored.json"
    path.write_text(
        json.dumps(
            [
                {"name": NAMES[0], "birth_date": "01.03.2008", "sex": "naine"},
                {"name": NAMES[1], "id_code": int(CODE_M_2010)},
                {"name": NAMES[2], "id_code": CODE_F_2010, "ref": None},
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    assert imported(ok, "youths", path) == f"youths from noored.json: {counts(new=3)}"
    got = [(y["name"], y["birth_date"], y["sex"]) for y in youth_list(ok)]
    assert got == [
        (NAMES[0], "2008-03-01", "F"),
        (NAMES[1], "2010-05-05", "M"),
        (NAMES[2], "2010-01-01", "F"),
    ]
    # An object with the rows under "rows" is read the same way; nothing changes.
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"rows": json.loads(path.read_text(encoding="utf-8"))}))
    assert counts(unchanged=3) in imported(ok, "youths", wrapped)


@pytest.mark.usefixtures("initialised")
def test_json_rows_are_numbered_from_one(run: Run, db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "noored.json"
    path.write_text(json.dumps([{"name": "", "id_code": CODE_F_2010}]))
    assert row_lines(refused_rows(run, db_path, "import", "youths", str(path))) == [
        "row 1, name: is empty"
    ]


@pytest.mark.usefixtures("initialised")
def test_format_option_reads_a_file_with_another_extension(
    ok: Ok, run: Run, db_path: Path, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "noored.dat", three_youths(), delimiter=";")
    line = refused(run, db_path, "import", "youths", str(path))
    assert "cannot tell the format of noored.dat" in line and "--format" in line
    assert counts(new=3) in imported(ok, "youths", path, "--format", "csv")


# --- youths: the same file twice, updates, matching ------------------------------------------------


@pytest.mark.usefixtures("initialised")
def test_the_same_file_twice_changes_nothing(ok: Ok, db_path: Path, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "noored.csv",
        [
            ["name", "id_code", "birth_date", "sex"],
            ["Mari Maasikas", CODE_F_2010, "", ""],
            ["Jaan Tamm", CODE_M_1995, "", ""],
            ["Olga Ivanova", "", "2011-07-15", "F"],
        ],
    )
    assert counts(new=3) in imported(ok, "youths", path)
    before = dump(db_path)
    assert imported(ok, "youths", path) == f"youths from noored.csv: {counts(unchanged=3)}"
    assert dump(db_path) == before


@pytest.mark.usefixtures("initialised")
def test_a_changed_name_is_one_update_audited_without_the_name(
    ok: Ok, db_path: Path, tmp_path: Path
) -> None:
    rows = [["name", "id_code"], ["Mari Maasikas", CODE_F_2010], ["Jaan Tamm", CODE_M_1995]]
    path = write_csv(tmp_path / "noored.csv", rows)
    imported(ok, "youths", path)
    rows[1][0] = "Mari Kuusk-Vaarikas"
    write_csv(path, rows)
    assert (
        imported(ok, "youths", path) == f"youths from noored.csv: {counts(updated=1, unchanged=1)}"
    )
    assert names(ok) == ["Mari Kuusk-Vaarikas", "Jaan Tamm"]
    updates = query(
        db_path,
        "SELECT entity_ref, changes FROM audit_log WHERE entity = 'youths' AND action = 'update'",
    )
    assert len(updates) == 1
    ref, changes = updates[0]
    assert ref == "Y-0001"
    assert json.loads(changes) == {"name": ["[redacted]", "[redacted]"]}
    everything = " ".join(
        str(cell) for row in query(db_path, "SELECT * FROM audit_log") for cell in row
    )
    for secret in ("Kuusk", "Maasikas", "Jaan Tamm", CODE_F_2010, CODE_M_1995):
        assert secret not in everything


@pytest.mark.usefixtures("initialised")
def test_a_youth_registered_by_hand_is_matched_by_ref_or_code(ok: Ok, tmp_path: Path) -> None:
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    path = write_csv(
        tmp_path / "noored.csv",
        [
            ["viide", "nimi", "isikukood"],
            ["y-0001", "Mari Maasikas", CODE_F_2010],
            ["", "Jaan", CODE_M_2010],
        ],
    )
    assert counts(new=1, unchanged=1) in imported(ok, "youths", path)
    write_csv(path, [["isikukood", "nimi"], [CODE_F_2010, "Mari Maasikas"]])
    assert counts(unchanged=1) in imported(ok, "youths", path)
    write_csv(path, [["viide", "nimi", "isikukood"], ["Y-0001", "Mari Kuusk", CODE_F_2010]])
    assert counts(updated=1) in imported(ok, "youths", path)
    assert names(ok) == ["Mari Kuusk", "Jaan"]


@pytest.mark.usefixtures("initialised")
def test_a_name_can_be_changed_by_reference_alone(ok: Ok, tmp_path: Path) -> None:
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    path = write_csv(tmp_path / "noored.csv", [["viide", "nimi"], ["Y-0001", "Mari Kuusk"]])
    assert counts(updated=1) in imported(ok, "youths", path)
    assert names(ok) == ["Mari Kuusk"]


@pytest.mark.usefixtures("initialised")
def test_youths_without_code_are_matched_by_name_birth_date_and_sex(
    ok: Ok, db_path: Path, tmp_path: Path
) -> None:
    ok("youth", "add", "--name", "Olga Ivanova", "--birth-date", "2011-07-15", "--sex", "F")
    path = write_csv(
        tmp_path / "noored.csv",
        [
            ["nimi", "sünniaeg", "sugu"],
            ["Olga Ivanova", "15.07.2011", "naine"],
            ["Olga Ivanova", "15.07.2011", "mees"],  # another person: another sex
            ["Olga Ivanova", "16.07.2011", "naine"],  # another person: another birth date
        ],
        delimiter=";",
    )
    assert counts(new=2, unchanged=1) in imported(ok, "youths", path)
    before = dump(db_path)
    write_csv(
        path,
        [
            ["name", "birth_date", "sex"],
            ["Olga Ivanova", "2011-07-16", "F"],
            ["Olga Ivanova", "2011-07-15", "M"],
            ["Olga Ivanova", "2011-07-15", "F"],
        ],
    )
    assert counts(unchanged=3) in imported(ok, "youths", path)
    assert dump(db_path) == before
    assert len(youth_list(ok)) == 3


# --- youths: bad rows ------------------------------------------------------------------------------

BAD_ROWS = [
    pytest.param(
        [["nimi", "isikukood"], ["Mari", "61001010008"]],
        ["row 2, isikukood: invalid personal code: the check digit is wrong"],
        id="check-digit",
    ),
    pytest.param(
        [["name", "id_code"], ["Mari", "6100101000"]],
        ["row 2, id_code: invalid personal code: it must have 11 digits"],
        id="code-length",
    ),
    pytest.param(
        [["Nimi", "Isikukood"], ["Mari", CODE_F_2010], ["  ", CODE_M_2010]],
        ["row 3, Nimi: is empty"],
        id="empty-name",
    ),
    pytest.param(
        [["nimi", "sünniaeg", "sugu"], ["Mari", "31.02.2008", "naine"]],
        ["row 2, sünniaeg: '31.02.2008' is not a date (no such day)"],
        id="impossible-date",
    ),
    pytest.param(
        [["nimi", "sünniaeg", "sugu"], ["Mari", "March 1st", "naine"]],
        ["row 2, sünniaeg: 'March 1st' is not a date; write 2025-03-01 or 01.03.2025"],
        id="unreadable-date",
    ),
    pytest.param(
        [["name", "birth_date", "sex"], ["Mari", "2008-03-01", "x"]],
        ["row 2, sex: 'x' is not a sex; write M or F (mees/naine)"],
        id="unknown-sex",
    ),
    pytest.param(
        [["name", "birth_date", "sex"], ["Mari", future(), "F"]],
        [f"row 2: the birth date {future()} is in the future"],
        id="future-birth-date",
    ),
    pytest.param(
        [["nimi", "isikukood", "sünniaeg"], ["Mari", CODE_F_2010, "02.01.2010"]],
        ["row 2: the birth date contradicts the personal code (the code gives 2010-01-01)"],
        id="birth-date-contradicts-code",
    ),
    pytest.param(
        [["nimi", "isikukood", "sugu"], ["Mari", CODE_F_2010, "mees"]],
        ["row 2: the sex contradicts the personal code (the code gives F)"],
        id="sex-contradicts-code",
    ),
    pytest.param(
        [["nimi", "isikukood"], ["Mari", CODE_F_2010], ["Mari M.", CODE_F_2010]],
        ["row 3, isikukood: the same personal code as row 2"],
        id="same-code-twice",
    ),
    pytest.param(
        [["name", "birth_date", "sex"], ["Olga", "2011-07-15", "F"], ["Olga", "15.07.2011", "N"]],
        ["row 3: the same name, birth date and sex as row 2"],
        id="same-person-twice",
    ),
    pytest.param(
        [["viide", "nimi", "isikukood"], ["Y-0099", "Mari", CODE_F_2010]],
        ["row 2, viide: no youth Y-0099; leave it empty to register a new youth"],
        id="unknown-ref",
    ),
    pytest.param(
        [["name", "id_code"], ["Mari", CODE_F_2010, "Tartu"]],
        ["row 2: more cells than columns (Tartu)"],
        id="more-cells-than-columns",
    ),
]


@pytest.mark.usefixtures("initialised")
def test_a_nul_character_in_a_cell_is_a_bad_row_on_both_engines(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    rows = [["name", "birth_date", "sex"], ["Mari Maasikas", "2008-03-01", "F"],
            ["Mari\x00 Maasikas", "2008-03-01", "F"]]  # fmt: skip
    path = write_csv(tmp_path / "noored.csv", rows)
    lines = refused_rows(run, db_path, "import", "youths", str(path))
    assert row_lines(lines) == ["row 3, name: holds a NUL character (\\x00), which is not text"]


@pytest.mark.usefixtures("initialised")
@pytest.mark.parametrize(("rows", "expected"), BAD_ROWS)
def test_bad_youth_rows_are_listed_and_nothing_is_written(
    run: Run, db_path: Path, tmp_path: Path, rows: list[list[str]], expected: list[str]
) -> None:
    path = write_csv(tmp_path / "noored.csv", rows, delimiter=";")
    lines = refused_rows(run, db_path, "import", "youths", str(path))
    assert row_lines(lines) == expected
    bad = len(expected)
    total = len(rows) - 1
    assert lines[-1] == (
        f"Error: {bad} of {total} row{'s' if total != 1 else ''} in noored.csv "
        f"{'is' if bad == 1 else 'are'} bad; nothing was imported"
    )


@pytest.mark.usefixtures("initialised")
def test_every_bad_row_is_listed_in_order(run: Run, db_path: Path, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "noored.csv",
        [
            ["nimi", "isikukood", "sünniaeg", "sugu"],
            ["Hea Noor", CODE_M_2010, "", ""],
            ["Mari", "", "01.03.2008", "x"],
            ["", CODE_F_2010, "", ""],
            ["Jaan", "61001010008", "", ""],
            ["Teine Hea", CODE_M_1995, "", ""],
        ],
        delimiter=";",
    )
    lines = refused_rows(run, db_path, "import", "youths", str(path))
    assert row_lines(lines) == [
        "row 3, sugu: 'x' is not a sex; write M or F (mees/naine)",
        "row 4, nimi: is empty",
        "row 5, isikukood: invalid personal code: the check digit is wrong",
    ]
    assert lines[-1] == "Error: 3 of 5 rows in noored.csv are bad; nothing was imported"


# --- youths: problems with the whole file ----------------------------------------------------------


def _make_file(tmp_path: Path, name: str, content: bytes | None) -> Path:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    return path


@pytest.mark.usefixtures("initialised")
@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("noored.csv", b"name,colour\nMari,red\n", "unknown column 'colour' in the youths file"),
        ("noored.csv", b"id_code\n61001010009\n", "the youths file has no column name"),
        ("noored.csv", b"", "noored.csv is empty (no header row)"),
        ("noored.csv", b",,\nMari,,\n", "noored.csv: the first line is empty"),
        ("noored.csv", b"name,Name\nMari,Mari\n", "column 'Name' appears twice in the header"),
        ("noored.csv", b"nimi,name\nMari,Mari\n", "columns 'nimi' and 'name' both give name"),
        ("puudub.csv", None, "no file "),
        ("noored.xlsx", b"name,id_code\nMari,61001010009\n", "noored.xlsx is not an XLSX workbook"),
        ("noored.json", b'[{"name": "Mari",]', "noored.json is not valid JSON"),
        ("noored.json", b'{"name": "Mari"}', "expected a JSON array of objects, one per row"),
        ("noored.json", b'["Mari"]', "expected a JSON array of objects, one per row"),
        ("noored.ods", b"name\nMari\n", "cannot tell the format of noored.ods"),
    ],
    ids=["unknown-column", "missing-column", "empty", "no-header", "same-column-twice",
         "two-names-for-one-column", "missing-file", "not-xlsx", "invalid-json",
         "json-object", "json-strings", "unknown-extension"],
)  # fmt: skip
def test_a_bad_file_is_refused_in_one_line(
    run: Run, db_path: Path, tmp_path: Path, name: str, content: bytes | None, words: str
) -> None:
    path = _make_file(tmp_path, name, content)
    line = refused(run, db_path, "import", "youths", str(path))
    assert words in line


@pytest.mark.usefixtures("initialised")
def test_a_bad_file_kind_of_cases_is_refused_in_one_line(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    path = _make_file(tmp_path, "juhtumid.csv", b"noor;mudel\nY-0001;rv\n")
    assert "the cases file has no column start" in refused(
        run, db_path, "import", "cases", str(path)
    )


@pytest.mark.usefixtures("initialised")
def test_an_empty_json_array_is_refused_in_one_line(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    path = _make_file(tmp_path, "noored.json", b"[]")
    line = refused(run, db_path, "import", "youths", str(path))
    assert line.startswith("Error: ")


@pytest.mark.usefixtures("initialised")
def test_a_csv_file_starting_with_a_blank_line_is_not_an_unexpected_error(
    run: Run, tmp_path: Path
) -> None:
    path = _make_file(tmp_path, "noored.csv", b"\r\nname;id_code\r\nMari;61001010009\r\n")
    result = run("import", "youths", str(path))
    assert "unexpected" not in result.stderr, result.stderr
    assert result.exit_code in (0, 1)


# --- all or nothing --------------------------------------------------------------------------------


@pytest.mark.usefixtures("initialised")
def test_a_bad_last_row_of_fifty_imports_nothing(
    ok: Ok, run: Run, db_path: Path, tmp_path: Path
) -> None:
    ok("youth", "add", "--name", "Juba Olemas", "--id-code", CODE_M_1995)
    rows: list[list[str]] = [["nimi", "isikukood"]]
    rows += [[f"Noor {n:02d}", personal_code(f"60803010{n:02d}")] for n in range(49)]
    rows.append(["Viimane", "60803019999"])
    path = write_csv(tmp_path / "suur.csv", rows, delimiter=";")
    before = dump(db_path)
    lines = refused_rows(run, db_path, "import", "youths", str(path))
    assert row_lines(lines) == [
        "row 51, isikukood: invalid personal code: the check digit is wrong"
    ]
    assert lines[-1] == "Error: 1 of 50 rows in suur.csv is bad; nothing was imported"
    assert dump(db_path) == before
    assert names(ok) == ["Juba Olemas"]
    # Fixed, the same file imports whole.
    rows[-1][1] = personal_code("6080301999")
    write_csv(path, rows, delimiter=";")
    assert counts(new=50) in imported(ok, "youths", path)
    assert len(youth_list(ok)) == 51


# --- the --errors file -----------------------------------------------------------------------------


@pytest.mark.usefixtures("initialised")
def test_errors_file_holds_the_bad_rows_to_fix_and_import(
    ok: Ok, run: Run, db_path: Path, tmp_path: Path
) -> None:
    source = write_csv(
        tmp_path / "noored.csv",
        [
            ["nimi", "isikukood", "sünniaeg", "sugu"],
            ["Hea Noor", CODE_M_2010, "", ""],
            ["Mari Maasikas", "", "01.03.2008", "x"],
            ["Jaan Tamm", "39501010005", "", ""],
        ],
        delimiter=";",
    )
    errors = tmp_path / "vead.csv"
    result = run("import", "youths", str(source), "--errors", str(errors))
    assert result.exit_code == 1
    assert f"The bad rows, with the reasons, are in {errors}" in result.stderr
    assert mode(errors) == 0o600
    table = read_csv(errors, delimiter=";")  # the delimiter of the file it came from
    assert table == [
        ["nimi", "isikukood", "sünniaeg", "sugu", "row", "error"],
        ["Mari Maasikas", "", "01.03.2008", "x", "3", "sugu: 'x' is not a sex; write M or F (mees/naine)"],
        ["Jaan Tamm", "39501010005", "", "", "4", "isikukood: invalid personal code: the check digit is wrong"],
    ]  # fmt: skip
    assert names(ok) == []
    # Fix the two cells in the errors file: it imports as it is, its extra columns ignored.
    table[1][3] = "naine"
    table[2][1] = CODE_M_1995
    write_csv(errors, table, delimiter=";")
    assert counts(new=2) in imported(ok, "youths", errors)
    assert names(ok) == ["Mari Maasikas", "Jaan Tamm"]


@pytest.mark.usefixtures("initialised")
def test_errors_file_as_xlsx(ok: Ok, run: Run, tmp_path: Path) -> None:
    source = write_csv(
        tmp_path / "noored.csv",
        [["name", "birth_date", "sex"], ["Mari", "01.03.2008", "?"], ["Jaan", "2008-02-30", "M"]],
    )
    errors = tmp_path / "vead.xlsx"
    assert run("import", "youths", str(source), "--errors", str(errors)).exit_code == 1
    assert mode(errors) == 0o600
    sheet = load_workbook(errors).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["name", "birth_date", "sex", "row", "error"]
    assert values[1][:4] == ["Mari", "01.03.2008", "?", 2]
    assert values[2][:4] == ["Jaan", "2008-02-30", "M", 3]
    assert "'2008-02-30' is not a date" in str(values[2][4])
    sheet.cell(row=2, column=3, value="F")
    sheet.cell(row=3, column=2, value=dt.datetime(2008, 2, 28))
    sheet.parent.save(errors)
    assert counts(new=2) in imported(ok, "youths", errors)


@pytest.mark.usefixtures("initialised")
def test_an_errors_file_of_an_errors_file_can_be_fixed_and_imported(
    ok: Ok, run: Run, tmp_path: Path
) -> None:
    source = write_csv(
        tmp_path / "noored.csv",
        [["name", "birth_date", "sex"], ["Mari", "01.03.2008", "x"], ["Jaan", "2008-02-30", "y"]],
    )
    first, second = tmp_path / "vead1.csv", tmp_path / "vead2.csv"
    assert run("import", "youths", str(source), "--errors", str(first)).exit_code == 1
    table = read_csv(first)
    table[1][2] = "F"  # fix one row of two
    write_csv(first, table)
    assert run("import", "youths", str(first), "--errors", str(second)).exit_code == 1
    again = read_csv(second)
    assert again[0] == ["name", "birth_date", "sex", "row", "error"]
    again[1][1], again[1][2] = "2008-02-28", "M"
    write_csv(second, again)
    assert counts(new=1) in imported(ok, "youths", second)


@pytest.mark.usefixtures("initialised")
def test_no_errors_file_when_the_file_itself_is_refused(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    source = _make_file(tmp_path, "noored.csv", b"name,colour\nMari,red\n")
    errors = tmp_path / "vead.csv"
    refused(run, db_path, "import", "youths", str(source), "--errors", str(errors))
    assert not errors.exists()


# --- dry run and the JSON summary ------------------------------------------------------------------

SUMMARY_KEYS = {
    "kind", "file", "rows", "new", "updated", "unchanged", "refused", "dry_run", "written", "notes",
    "errors",
}  # fmt: skip


@pytest.mark.usefixtures("initialised")
def test_dry_run_says_what_would_change_and_writes_nothing(
    ok: Ok, db_path: Path, tmp_path: Path
) -> None:
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    path = write_csv(
        tmp_path / "noored.csv",
        [["name", "id_code"], ["Mari Kuusk", CODE_F_2010], ["Jaan", CODE_M_2010], ["Kati", CODE_M_1995]],
    )  # fmt: skip
    before = dump(db_path)
    out = ok("import", "youths", str(path), "--dry-run")
    assert out == (
        f"youths from noored.csv: {counts(new=2, updated=1)} (dry run: nothing was written)"
    )
    assert dump(db_path) == before
    summary = json.loads(ok("import", "youths", str(path), "--dry-run", "--output", "json"))
    assert set(summary) == SUMMARY_KEYS
    assert summary == {
        "kind": "youths", "file": "noored.csv", "rows": 3, "new": 2, "updated": 1,
        "unchanged": 0, "refused": 0, "dry_run": True, "written": False, "notes": [], "errors": [],
    }  # fmt: skip
    assert dump(db_path) == before


@pytest.mark.usefixtures("initialised")
def test_json_summary_of_a_written_and_of_a_refused_import(
    ok: Ok, run: Run, db_path: Path, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "noored.csv", [["name", "id_code"], ["Mari", CODE_F_2010]])
    summary = json.loads(ok("import", "youths", str(path), "-o", "json"))
    assert summary == {
        "kind": "youths", "file": "noored.csv", "rows": 1, "new": 1, "updated": 0,
        "unchanged": 0, "refused": 0, "dry_run": False, "written": True, "notes": [], "errors": [],
    }  # fmt: skip
    write_csv(path, [["name", "id_code"], ["Mari", CODE_F_2010], ["Jaan", "123"]])
    before = dump(db_path)
    result = run("import", "youths", str(path), "--output", "json")
    assert result.exit_code == 1
    refusal = json.loads(result.stdout)
    assert set(refusal) == SUMMARY_KEYS
    assert (refusal["rows"], refusal["refused"], refusal["written"]) == (2, 1, False)
    assert refusal["errors"] == [
        {"row": 3, "column": "id_code", "reason": "invalid personal code: it must have 11 digits"}
    ]
    assert result.stderr.strip().splitlines() == [
        "Error: 1 of 2 rows in noored.csv is bad; nothing was imported"
    ]
    assert dump(db_path) == before


@pytest.mark.usefixtures("initialised")
def test_a_dry_run_with_bad_rows_is_refused(run: Run, db_path: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "noored.csv", [["name", "id_code"], ["Mari", "123"]])
    lines = refused_rows(run, db_path, "import", "youths", str(path), "--dry-run")
    assert row_lines(lines) == ["row 2, id_code: invalid personal code: it must have 11 digits"]


# --- cases -----------------------------------------------------------------------------------------


def add_people(ok: Ok) -> None:
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    ok("youth", "add", "--name", "Jaan Tamm", "--id-code", CODE_M_2010)
    ok("youth", "add", "--name", "Liis Lepp", "--id-code", CODE_F_1999_LEAP)
    ok("youth", "add", "--name", "Toomas Tamm", "--id-code", CODE_M_1995)


def open_cases(ok: Ok) -> None:
    add_people(ok)
    ok(
        "case",
        "open",
        "--youth",
        "Y-0001",
        "--model",
        "rv",
        "--start",
        "2025-02-01",
        "--risk",
        "high",
    )
    ok(
        "case", "open", "--youth", "Y-0003", "--model", "neet", "--start", "2025-02-03",
        "--light", "red", "--group", "neet",
    )  # fmt: skip


def copy_db(source: Path, target: Path) -> None:
    from_db, to_db = sqlite3.connect(source), sqlite3.connect(target)
    try:
        from_db.backup(to_db)
    finally:
        from_db.close()
        to_db.close()
    target.chmod(0o600)


def build_once(
    factory: pytest.TempPathFactory, template_db: Path, name: str, build: Callable[[Ok], None]
) -> Path:
    """A copy of the initialised database with `build(ok)` run on it, made once per module."""
    path = factory.mktemp(name) / "rvneet.db"
    copy_db(template_db, path)
    runner = CliRunner()

    def ok(*args: str) -> str:
        result = runner.invoke(app, ["--db", str(path), "--user", "tester", *args])
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result.stdout.strip()

    build(ok)
    return path


@pytest.fixture(scope="module")
def people_db(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Path:
    return build_once(tmp_path_factory, template_db, "people", add_people)


@pytest.fixture(scope="module")
def cases_db(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Path:
    return build_once(tmp_path_factory, template_db, "cases", open_cases)


@pytest.fixture
def people(people_db: Path, db_path: Path) -> Path:
    """Y-0001 Mari F 2010-01-01, Y-0002 Jaan M 2010-05-05, Y-0003 Liis F 1999-02-28,
    Y-0004 Toomas M 1995-01-01."""
    copy_db(people_db, db_path)
    return db_path


CASE_HEADER = ["case", "youth", "id_code", "model", "start", "risk", "light", "group", "manager",
               "end", "close_reason"]  # fmt: skip


def case_list(ok: Ok) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(ok("case", "list", "--format", "json"))
    return rows


@pytest.mark.usefixtures("people")
def test_cases_are_opened_by_youth_ref_and_by_personal_code(
    ok: Ok, db_path: Path, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "juhtumid.csv",
        [
            CASE_HEADER,
            ["", "Y-0001", "", "rv", "2025-02-01", "high", "", "", "Kati Kask", "", ""],
            ["", "", CODE_F_1999_LEAP, "NEET", "03.02.2025", "", "red", "neet", "", "", ""],
        ],
    )
    out = ok("import", "cases", str(path))
    assert out.splitlines()[0] == f"cases from juhtumid.csv: {counts(new=2)}"
    assert "no participation consent" in out and "RV-2025-001" in out
    got = [(c["case"], c["youth"], c["model"], c["level"], c["manager"]) for c in case_list(ok)]
    assert sorted(got) == [
        ("NEET-2025-001", "Y-0003", "neet", "red", None),
        ("RV-2025-001", "Y-0001", "rv", "high", "Kati Kask"),
    ]
    before = dump(db_path)
    assert imported(ok, "cases", path) == f"cases from juhtumid.csv: {counts(unchanged=2)}"
    assert dump(db_path) == before


@pytest.mark.usefixtures("people")
def test_cases_closed_by_import_and_then_unchanged(
    ok: Ok, run: Run, db_path: Path, tmp_path: Path
) -> None:
    rows = [
        ["juhtum", "noor", "mudel", "algus", "riskitase", "lõpp", "lõpetamise põhjus"],
        ["", "Y-0001", "rv", "2025-02-01", "high", "", ""],
        ["", "Y-0002", "rv", "2025-02-01", "medium", "01.06.2025", "goals-met"],
    ]
    path = write_csv(tmp_path / "juhtumid.csv", rows, delimiter=";")
    assert counts(new=2) in imported(ok, "cases", path)
    assert show(ok, "RV-2025-001")["status"] == "open"
    closed = show(ok, "RV-2025-002")
    assert (closed["end"], closed["close_reason"]) == ("2025-06-01", "goals-met")
    # The first case closed in the file: one update; then nothing changes.
    rows[1] = ["RV-2025-001", "Y-0001", "rv", "2025-02-01", "high", "2025-07-01", "moved"]
    write_csv(path, rows, delimiter=";")
    assert counts(updated=1, unchanged=1) in imported(ok, "cases", path)
    first = show(ok, "RV-2025-001")
    assert (first["end"], first["close_reason"]) == ("2025-07-01", "moved")
    before = dump(db_path)
    assert counts(unchanged=2) in imported(ok, "cases", path)
    assert dump(db_path) == before
    # Another closing for a closed case is refused, in the end column.
    rows[2][5] = "02.06.2025"
    write_csv(path, rows, delimiter=";")
    [line] = row_lines(refused_rows(run, db_path, "import", "cases", str(path)))
    assert line.startswith("row 3, lõpp: RV-2025-002 was closed on 2025-06-01")
    assert "reopen the case first" in line


@pytest.mark.usefixtures("people")
def test_cases_take_the_channel_and_an_import_can_set_it_later(
    ok: Ok, run: Run, db_path: Path, tmp_path: Path
) -> None:
    rows = [
        ["noor", "mudel", "algus", "valgusfoor", "sihtrühm", "riskitase", "leidmise viis"],
        ["Y-0003", "neet", "2025-02-03", "red", "neet", "", "ngts-list"],
        ["Y-0001", "rv", "2025-02-01", "", "", "high", ""],
    ]
    path = write_csv(tmp_path / "juhtumid.csv", rows, delimiter=";")
    assert counts(new=2) in imported(ok, "cases", path)
    assert {c["case"]: c["channel"] for c in case_list(ok)} == {
        "RV-2025-001": "other",
        "NEET-2025-001": "ngts-list",
    }
    # Given for a case in the book, the channel is updated (and audited); empty leaves it.
    rows[1][-1], rows[2][-1] = "", "school"
    write_csv(path, rows, delimiter=";")
    assert counts(updated=1, unchanged=1) in imported(ok, "cases", path)
    assert {c["case"]: c["channel"] for c in case_list(ok)} == {
        "RV-2025-001": "school",
        "NEET-2025-001": "ngts-list",
    }
    rows[2][-1] = "kuulujutt"
    write_csv(path, rows, delimiter=";")
    [line] = row_lines(refused_rows(run, db_path, "import", "cases", str(path)))
    assert line.startswith("row 3, leidmise viis: 'kuulujutt' is not one of ngts-list,")


# One good row of a cases file; each bad-row test changes some of its cells.
CASE_ROW = dict.fromkeys(CASE_HEADER, "") | {
    "youth": "Y-0001", "model": "rv", "start": "2025-02-01", "risk": "high",
}  # fmt: skip


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"youth": "Y-0099"}, "row 2, youth: no youth Y-0099"),
        (
            {"youth": "", "id_code": CODE_M_2010[:-1] + "0"},
            "row 2, id_code: invalid personal code: the check digit is wrong",
        ),
        (
            {"youth": "", "id_code": personal_code("5100505999")},
            "row 2, id_code: no youth with this personal code; import the youths first",
        ),
        ({"youth": ""}, "row 2: give the youth's reference (youth) or personal code"),
        ({"id_code": CODE_M_2010}, "row 2, id_code: this personal code is not Y-0001's"),
        ({"risk": ""}, "row 2: an RV case needs --risk medium|high"),
        (
            {"risk": "low"},
            "row 2, risk: 'low' is not one of medium, high (Estonian: keskmine, kõrge)",
        ),
        ({"model": "rw"}, "row 2, model: 'rw' is not one of rv, neet"),
        (
            {"youth": "Y-0004"},
            "row 2: Ringist välja is for youths aged 12–18; the youth is 30 on 2025-02-01; "
            "to open it anyway give --allow-ineligible REASON",
        ),
        (
            {"model": "neet", "youth": "Y-0004", "risk": "", "light": "green", "group": "neet"},
            "row 2: the NEET group is for youths aged 15–29; the youth is 30 on 2025-02-01; "
            "to open it anyway give --allow-ineligible REASON",
        ),
        (
            {"end": "2025-03-01"},
            "row 2, close_reason: a closed case needs both the end date and the close reason",
        ),
        (
            {"end": "2025-01-01", "close_reason": "moved"},
            "row 2, end: the end date 2025-01-01 is before the case start 2025-02-01",
        ),
        ({"case": "RV-2025-009"}, "row 2, case: no case RV-2025-009"),
    ],
    ids=["unknown-youth", "bad-code", "unknown-code", "no-youth", "ref-and-code-disagree",
         "rv-without-risk", "unknown-risk", "unknown-model", "rv-too-old", "neet-too-old",
         "end-without-reason", "end-before-start", "unknown-case"],
)  # fmt: skip
def test_bad_case_rows_are_refused(
    run: Run, db_path: Path, tmp_path: Path, change: dict[str, str], expected: str
) -> None:
    row = CASE_ROW | change
    path = write_csv(tmp_path / "juhtumid.csv", [list(row), list(row.values())])
    lines = refused_rows(run, db_path, "import", "cases", str(path))
    assert row_lines(lines) == [expected]


@pytest.mark.usefixtures("people")
def test_a_bad_case_row_leaves_no_trace_of_the_good_ones(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    good = CASE_ROW
    bad = CASE_ROW | {"youth": "Y-0002", "risk": ""}
    path = write_csv(
        tmp_path / "juhtumid.csv", [list(good), list(good.values()), list(bad.values())]
    )
    lines = refused_rows(run, db_path, "import", "cases", str(path))
    assert row_lines(lines) == ["row 3: an RV case needs --risk medium|high"]
    assert query(db_path, "SELECT count(*) FROM cases") == [(0,)]
    assert query(db_path, "SELECT count(*) FROM audit_log WHERE entity = 'cases'") == [(0,)]


# --- assessments and contacts ----------------------------------------------------------------------


@pytest.fixture
def cases(cases_db: Path, db_path: Path) -> Path:
    """The people above; RV-2025-001 of Y-0001 (from 2025-02-01, high) and NEET-2025-001 of Y-0003
    (from 2025-02-03, red, group neet)."""
    copy_db(cases_db, db_path)
    return db_path


@pytest.mark.usefixtures("cases")
def test_assessments_import_and_reimport_unchanged(ok: Ok, db_path: Path, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "hindamised.csv",
        [
            ["juhtum", "kuupäev", "riskitase", "valgusfoor", "hindamisvahend"],
            ["rv-2025-001", "01.03.2025", "medium", "", "YLS/CMI"],
            ["NEET-2025-001", "2025-03-02", "", "Yellow", ""],
        ],
        delimiter=";",
    )
    assert imported(ok, "assessments", path) == f"assessments from hindamised.csv: {counts(new=2)}"
    assert show(ok, "RV-2025-001")["level"] == "medium"
    assert show(ok, "NEET-2025-001")["level"] == "yellow"
    before = dump(db_path)
    assert counts(unchanged=2) in imported(ok, "assessments", path)
    assert dump(db_path) == before


@pytest.mark.usefixtures("cases")
@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        (
            ["juhtum", "kuupäev", "riskitase"],
            ["RV-2099-001", "2025-03-01", "high"],
            "row 2, juhtum: no case RV-2099-001",
        ),
        (
            ["case", "date", "risk"],
            ["RV-2099-001", "2025-03-01", "high"],
            "row 2, case: no case RV-2099-001",
        ),
        (
            ["case", "date", "light"],
            ["RV-2025-001", "2025-03-01", "red"],
            "row 2: RV-2025-001 is an RV case: assess it with --risk medium|high",
        ),
        (
            ["case", "date", "risk"],
            ["RV-2025-001", "2025-01-01", "high"],
            "row 2, date: the assessment date 2025-01-01 is before the case start 2025-02-01",
        ),
        (
            ["case", "date", "risk"],
            ["RV-2025-001", "", "high"],
            "row 2, date: is empty",
        ),
    ],
    ids=["unknown-case-et", "unknown-case-en", "light-for-rv", "before-start", "no-date"],
)
def test_bad_assessment_rows_are_refused(
    run: Run, db_path: Path, tmp_path: Path, header: list[str], row: list[str], expected: str
) -> None:
    path = write_csv(tmp_path / "hindamised.csv", [header, row])
    assert row_lines(refused_rows(run, db_path, "import", "assessments", str(path))) == [expected]


@pytest.mark.usefixtures("cases")
@pytest.mark.parametrize("kind", ["assessments", "contacts"])
def test_a_future_date_is_refused(run: Run, db_path: Path, tmp_path: Path, kind: str) -> None:
    extra = ["risk", "high"] if kind == "assessments" else ["channel", "phone"]
    path = write_csv(
        tmp_path / f"{kind}.csv",
        [["case", "date", extra[0]], ["RV-2025-001", future(), extra[1]]],
    )
    [line] = row_lines(refused_rows(run, db_path, "import", kind, str(path)))
    assert line.startswith("row 2") and f"date {future()} is in the future" in line


@pytest.mark.usefixtures("cases")
@pytest.mark.parametrize("kind", ["assessments", "contacts"])
def test_a_future_date_is_refused_in_the_date_column(
    run: Run, db_path: Path, tmp_path: Path, kind: str
) -> None:
    extra = ["riskitase", "high"] if kind == "assessments" else ["kanal", "phone"]
    path = write_csv(
        tmp_path / f"{kind}.csv",
        [["juhtum", "kuupäev", extra[0]], ["RV-2025-001", future(), extra[1]]],
    )
    [line] = row_lines(refused_rows(run, db_path, "import", kind, str(path)))
    assert line.startswith("row 2, kuupäev: "), line


@pytest.mark.usefixtures("cases")
def test_contacts_import_and_reimport_unchanged(ok: Ok, db_path: Path, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "kontaktid.csv",
        [
            ["case", "date", "channel", "place", "with", "network_meeting", "note"],
            ["RV-2025-001", "2025-02-10", "meeting", "noortekeskus", "youth-worker, police", "jah", ""],
            ["RV-2025-001", "11.02.2025", "phone", "", "", "", "helistas ise"],
            ["NEET-2025-001", "2025-02-12", "email", "", "", "no", ""],
        ],
    )  # fmt: skip
    assert imported(ok, "contacts", path) == f"contacts from kontaktid.csv: {counts(new=3)}"
    rows = query(
        db_path,
        "SELECT date, channel, place, with_roles, network_meeting, note FROM contacts ORDER BY date",
    )
    assert rows == [
        ("2025-02-10", "meeting", "noortekeskus", "youth-worker,police", 1, None),
        ("2025-02-11", "phone", None, None, 0, "helistas ise"),
        ("2025-02-12", "email", None, None, 0, None),
    ]
    before = dump(db_path)
    assert counts(unchanged=3) in imported(ok, "contacts", path)
    assert dump(db_path) == before


@pytest.mark.usefixtures("cases")
@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        (
            ["juhtum", "kuupäev", "kanal"],
            ["NEET-2099-001", "2025-03-01", "phone"],
            "row 2, juhtum: no case NEET-2099-001",
        ),
        (
            ["case", "date", "channel"],
            ["RV-2099-001", "2025-03-01", "phone"],
            "row 2, case: no case RV-2099-001",
        ),
        (
            ["case", "date", "channel"],
            ["RV-2025-001", "2025-03-01", "pigeon"],
            "row 2, channel: 'pigeon' is not one of email, sms, phone, meeting, online "
            "(Estonian: e-kiri, sms, telefon, kohtumine, veebis)",
        ),
        (
            ["case", "date", "channel", "network_meeting"],
            ["RV-2025-001", "2025-03-01", "phone", "maybe"],
            "row 2, network_meeting: 'maybe' is not yes or no",
        ),
        (
            ["case", "date", "channel"],
            ["RV-2025-001", "2025-01-31", "phone"],
            "row 2, date: the contact date 2025-01-31 is before the case start 2025-02-01",
        ),
    ],
    ids=["unknown-case-et", "unknown-case-en", "unknown-channel", "bad-flag", "before-start"],
)
def test_bad_contact_rows_are_refused(
    run: Run, db_path: Path, tmp_path: Path, header: list[str], row: list[str], expected: str
) -> None:
    path = write_csv(tmp_path / "kontaktid.csv", [header, row])
    assert row_lines(refused_rows(run, db_path, "import", "contacts", str(path))) == [expected]


# --- templates -------------------------------------------------------------------------------------


def test_template_prints_the_english_header_and_an_example(ok: Ok) -> None:
    assert ok("import", "template", "youths").splitlines() == [
        "ref,name,id_code,birth_date,sex",
        ",Mari Maasikas,61001010009,,",
    ]


def test_template_in_estonian(ok: Ok) -> None:
    lines = ok("import", "template", "youths", "--lang", "et").splitlines()
    assert lines[0] == "viide,nimi,isikukood,sünniaeg,sugu"
    cases = ok("import", "template", "cases", "--lang", "et").splitlines()[0].split(",")
    assert cases[:5] == ["juhtum", "noor", "isikukood", "mudel", "algus"]
    assert "lõpetamise põhjus" in cases


def test_template_follows_the_chosen_language(ok: Ok, monkeypatch: pytest.MonkeyPatch) -> None:
    # Would break if `import template` kept its own English default (cli/importing.py template).
    estonian = "viide,nimi,isikukood,sünniaeg,sugu"
    assert ok("--lang", "et", "import", "template", "youths").splitlines()[0] == estonian
    monkeypatch.setenv("RVNEET_LANG", "et")
    assert ok("import", "template", "youths").splitlines()[0] == estonian
    assert ok("import", "template", "youths", "--lang", "en").splitlines()[0].startswith("ref,")


def test_template_as_xlsx_file(ok: Ok, tmp_path: Path) -> None:
    path = tmp_path / "noored.xlsx"
    out = ok("import", "template", "youths", "--output", str(path), "--lang", "et")
    assert str(path) in out
    assert mode(path) == 0o600
    sheet = load_workbook(path).worksheets[0]
    assert [c.value for c in sheet[1]] == ["viide", "nimi", "isikukood", "sünniaeg", "sugu"]
    assert sheet["B2"].value == "Mari Maasikas"
    assert sheet["C2"].value == "61001010009"  # text, so Excel keeps every digit


def test_template_as_csv_file_is_private(ok: Ok, tmp_path: Path) -> None:
    path = tmp_path / "kontaktid.csv"
    path.write_text("old\n")
    path.chmod(0o644)
    ok("import", "template", "contacts", "--output", str(path))
    assert mode(path) == 0o600
    assert read_csv(path, ";")[0] == [
        "case",
        "date",
        "channel",
        "place",
        "with",
        "network_meeting",
        "note",
    ]


@pytest.mark.usefixtures("initialised")
@pytest.mark.parametrize(("lang", "suffix"), [("en", "csv"), ("et", "csv"), ("et", "xlsx")])
def test_the_templates_examples_import_in_order(
    ok: Ok, tmp_path: Path, lang: str, suffix: str
) -> None:
    for kind in ("youths", "cases", "assessments", "contacts"):
        path = tmp_path / f"{kind}.{suffix}"
        ok("import", "template", kind, "--lang", lang, "--output", str(path))
        assert imported(ok, kind, path) == f"{kind} from {path.name}: {counts(new=1)}"
    assert names(ok) == ["Mari Maasikas"]
    case = show(ok, "RV-2025-001")
    assert (case["youth"], case["level"], case["manager"]) == ("Y-0001", "medium", "Kati Kask")


@pytest.mark.usefixtures("initialised")
def test_an_unknown_template_kind_is_refused(run: Run, db_path: Path) -> None:
    line = refused(run, db_path, "import", "template", "goals")
    assert line.startswith("Error: no import of 'goals'; choose one of youths, cases, assessments")


def test_an_xlsx_template_needs_an_output_file(run: Run) -> None:
    result = run("import", "template", "youths", "--format", "xlsx")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "an XLSX template needs --output FILE" in result.stderr


# --- formula neutralisation ------------------------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=2+2",
    "   =3+3",
]


@pytest.mark.usefixtures("initialised")
def test_formula_like_names_are_listed_as_text(ok: Ok, tmp_path: Path) -> None:
    path = tmp_path / "noored.json"
    rows = [{"name": name, "birth_date": "2008-03-01", "sex": "F"} for name in FORMULAS]
    path.write_text(json.dumps(rows))
    assert counts(new=len(FORMULAS)) in imported(ok, "youths", path)
    stored = [name.strip() for name in FORMULAS]  # names are stored trimmed
    assert names(ok) == stored
    listed = list(csv.DictReader(io.StringIO(ok("youth", "list", "--format", "csv"))))
    for row, name in zip(listed, stored, strict=True):
        assert row["name"] == "'" + name, row["name"]
        assert row["name"].startswith("'")


@pytest.mark.usefixtures("initialised")
def test_formula_cells_survive_a_csv_round_trip(ok: Ok, tmp_path: Path) -> None:
    evil = FORMULAS[0]
    path = write_csv(
        tmp_path / "noored.csv",
        [["name", "birth_date", "sex"], [evil, "2008-03-01", "F"], ["'" + evil, "2008-03-02", "F"]],
    )
    assert counts(new=2) in imported(ok, "youths", path)
    # A cell rvneet escaped itself ("'=...") comes back as the value it escaped.
    assert names(ok) == [evil, evil]


@pytest.mark.usefixtures("initialised")
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_errors_file_neutralises_formula_cells(
    ok: Ok, run: Run, tmp_path: Path, suffix: str
) -> None:
    source = write_csv(
        tmp_path / "noored.csv",
        [["name", "birth_date", "sex"]] + [[f, "2008-03-01", "?"] for f in FORMULAS],
    )
    errors = tmp_path / f"vead.{suffix}"
    assert run("import", "youths", str(source), "--errors", str(errors)).exit_code == 1
    stored = [f.strip() for f in FORMULAS]
    if suffix == "csv":
        cells = [row[0] for row in read_csv(errors)[1:]]
    else:
        sheet = load_workbook(errors).worksheets[0]
        column = [sheet.cell(row=r, column=1) for r in range(2, 2 + len(FORMULAS))]
        assert all(cell.data_type == "s" for cell in column)
        cells = [str(cell.value) for cell in column]
    assert cells == ["'" + name for name in stored]
    # Fixed, the errors file imports the names as they were, without the apostrophe.
    if suffix == "csv":
        table = read_csv(errors)
        for row in table[1:]:
            row[2] = "F"
        write_csv(errors, table)
    else:
        workbook = load_workbook(errors)
        for r in range(2, 2 + len(FORMULAS)):
            workbook.worksheets[0].cell(row=r, column=3, value="F")
        workbook.save(errors)
    assert counts(new=len(FORMULAS)) in imported(ok, "youths", errors)
    assert names(ok) == stored


@pytest.mark.usefixtures("initialised")
def test_a_case_outside_the_age_range_imports_with_the_reason_given(ok: Ok, tmp_path: Path) -> None:
    """The column `allow_ineligible` (erandi põhjus) is the file's form of --allow-ineligible."""
    ok("youth", "add", "--name", "Jaan Tamm", "--id-code", CODE_M_1995)
    path = write_csv(
        tmp_path / "juhtumid.csv",
        [
            ["noor", "mudel", "algus", "riskitase", "erandi põhjus"],
            ["Y-0001", "rv", "2025-02-01", "high", "võrgustiku otsus"],
        ],
    )
    assert counts(new=1) in imported(ok, "cases", path)
    [case] = json.loads(ok("case", "list", "--format", "json"))
    assert case["youth"] == "Y-0001" and case["model"] == "rv"
