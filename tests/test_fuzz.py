"""Bad input at scale (issue 7, docs/security.md): arbitrary files, periods and option values.

Every importer gets arbitrary bytes and text, and files with the right header and arbitrary cells;
the period parser and the main commands get arbitrary values. Whatever comes in: an exit code of
the documented set, never a traceback, one `Error:` line last on stderr when refused, and the
database exactly as it was after a refusal (no partial write).

The default run keeps each test to a few dozen examples (the whole file in ~20 s on 2 cores);
`HYPOTHESIS_PROFILE=soak` (registered in conftest.py, e.g. via `make soak`) runs many more. Each test
records how many inputs it ran; pytest's summary prints the total ("fuzz: N inputs ...").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    CODE_F_2010,
    CODE_M_2010,
    MUNICIPALITY,
    Run,
    build_template,
    dump,
    open_and_closed_cases,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rvneet.domain.period import parse_period

DOCUMENTED_EXITS = {0, 1, 2, 3, 4}
SOAK = os.environ.get("HYPOTHESIS_PROFILE") == "soak"


def fuzz(examples: int) -> settings:
    """`examples` per test in the default run; the soak profile's own number under soak."""
    return settings(
        max_examples=settings().max_examples if SOAK else examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory, "fuzz", open_and_closed_cases)


class Counter:
    """How many inputs a test ran, recorded as the `fuzz_examples` property for the summary."""

    def __init__(self) -> None:
        self.n = 0


@pytest.fixture
def counted(record_property: Callable[[str, object], None]) -> Iterator[Counter]:
    counter = Counter()
    yield counter
    record_property("fuzz_examples", counter.n)


def check_outcome(run: Run, db_path: Path, args: list[str], *, import_listing: bool = False) -> int:
    """Run `rvneet ARGS`; assert a clean outcome and, on refusal, an unchanged database."""
    before = dump(db_path)
    result = run(*args)
    code = result.exit_code
    shown = f"{args!r}\nstdout: {result.stdout[-500:]}\nstderr: {result.stderr[-1500:]}"
    assert code in DOCUMENTED_EXITS, shown
    assert result.exception is None or isinstance(result.exception, SystemExit), shown
    assert "Traceback" not in result.stderr and "Error: unexpected" not in result.stderr, shown
    if code != 0:
        lines = result.stderr.splitlines()
        assert lines and lines[-1].startswith("Error: "), shown
        if not import_listing:
            # One Error line; a warning (e.g. about the file's mode) may come before it.
            assert all(line.startswith("Warning: ") for line in lines[:-1]), shown
        assert dump(db_path) == before, shown
    return code


# --- files for every importer ---------------------------------------------------------------------

KINDS = {
    "youths": ["ref", "name", "id_code", "birth_date", "sex"],
    "cases": ["case", "youth", "id_code", "model", "start", "risk", "light", "group", "manager",
              "instrument", "channel", "support_requested", "allow_ineligible", "end",
              "close_reason"],
    "assessments": ["case", "date", "risk", "light", "instrument"],
    "contacts": ["case", "date", "channel", "place", "with", "network_meeting", "note"],
    "ngts": ["id_code", "name", "first_name", "last_name", "phone", "email", "address",
             "guardian", "guardian_contact", "last_education", "last_employment"],
}  # fmt: skip
EXTRA_ARGS = {"ngts": ["--list-date", "2025-03-15"]}

# Cell values near the valid ones, so that rows get past the header into validation and writing.
PLAUSIBLE = st.sampled_from(
    [
        "", " ", "Y-0001", "Y-0002", "Y-9999", "RV-2025-001", "NEET-2025-001", "RV-2024-001",
        CODE_F_2010, CODE_M_2010, "61001010008", "39501010004", "rv", "neet", "RV", "high",
        "medium", "low", "red", "yellow", "green", "neet", "risk", "M", "F", "naine", "x",
        "2025-02-03", "2025-03-01", "03.02.2025", "31.02.2025", "2099-01-01", "1900-01-01",
        "yes", "no", "jah", "ei", "meeting", "phone", "goals-met", "moved", "Mari Maasikas",
        "=1+1", "@SUM(A1)", "-5", "0", "1e9", "ngts-list", "\u00a0", "'", '"', ";", ",",
    ]
)  # fmt: skip
CELL = st.one_of(PLAUSIBLE, st.text(max_size=20))
JSON_VALUE = st.one_of(
    PLAUSIBLE,
    st.text(max_size=10),
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=1),
)


@st.composite
def csv_text(draw: st.DrawFn, kind: str) -> str:
    header = draw(st.permutations(KINDS[kind]))
    header = header[: draw(st.integers(1, len(header)))]
    rows = draw(st.lists(st.lists(CELL, min_size=len(header), max_size=len(header)), max_size=4))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@st.composite
def json_text(draw: st.DrawFn, kind: str) -> str:
    keys = st.sampled_from([*KINDS[kind], "other"])
    rows = draw(st.lists(st.dictionaries(keys, JSON_VALUE, max_size=6), max_size=4))
    wrapped: Any = draw(st.sampled_from(["list", "object", "scalar"]))
    data: Any = rows if wrapped == "list" else {"rows": rows} if wrapped == "object" else rows[:1]
    return json.dumps(data)


def file_content(kind: str) -> st.SearchStrategy[tuple[str, bytes]]:
    """(suffix, bytes): arbitrary bytes or text under any suffix, or well-formed files of junk."""
    suffix = st.sampled_from([".csv", ".json", ".xlsx", ".txt", ""])
    raw = st.tuples(suffix, st.binary(max_size=300))
    text = st.tuples(
        suffix, st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass"))
    )
    cp1257 = st.tuples(st.just(".csv"), csv_text(kind).map(lambda t: t.encode("cp1257", "replace")))
    csv_file = st.tuples(st.just(".csv"), csv_text(kind).map(str.encode))
    json_file = st.tuples(st.just(".json"), json_text(kind).map(str.encode))
    return st.one_of(raw, text, cp1257, csv_file, json_file)


# Text encodings, codecs that are not text encodings (open() refuses them), and ones that raise a
# plain UnicodeError rather than a UnicodeDecodeError.
CODECS = ["utf-8", "cp1257", "latin-1", "utf-16", "utf-32", "punycode", "idna", "utf-7",
          "rot13", "base64", "hex", "zlib", "bz2", "uu", "quopri", "mbcs", "nope"]  # fmt: skip
ENCODING = st.one_of(st.none(), st.none(), st.sampled_from(CODECS), st.text(max_size=10))


@pytest.mark.parametrize("suffix", [".csv", ".json", ".json-newline"])
@pytest.mark.parametrize("encoding", ["rot13", "base64", "utf-16", "punycode", "\x00"])
def test_an_encoding_that_cannot_read_the_file_is_refused(
    run: Run, book: Path, tmp_path: Path, encoding: str, suffix: str
) -> None:
    texts = {
        ".csv": "name,birth_date,sex\nMari,2008-01-01,F\n",
        ".json": '[{"name": "Mari"}]',
        ".json-newline": "\n",  # punycode's message then quotes the line break
    }
    source = tmp_path / f"noored{suffix.split('-')[0]}"
    source.write_text(texts[suffix], encoding="utf-8")
    # Found by this file's fuzzing: these ended as "unexpected LookupError/UnicodeError/ValueError"
    # before files/read.check_encoding refused non-text codecs (and a NUL in the name) and the
    # readers caught UnicodeError; and as an error of two lines before cli/__init__._fail joined
    # the lines of a message.
    code = check_outcome(run, book, ["import", "youths", str(source), "--encoding", encoding])
    assert code == 1


@pytest.mark.parametrize("kind", list(KINDS))
def test_any_file_given_to_an_importer(
    run: Run, book: Path, tmp_path: Path, kind: str, counted: Counter
) -> None:
    @fuzz(30)
    @given(content=file_content(kind), dry_run=st.booleans(), encoding=ENCODING)
    def check(content: tuple[str, bytes], dry_run: bool, encoding: str | None) -> None:
        counted.n += 1
        suffix, data = content
        source = tmp_path / f"input{suffix}"
        source.write_bytes(data)
        args = ["import", kind, str(source), *EXTRA_ARGS.get(kind, [])]
        args += ["--dry-run"] if dry_run else []
        args += ["--encoding", encoding] if encoding is not None else []
        check_outcome(run, book, args, import_listing=True)

    check()


@st.composite
def xlsx_bytes(draw: st.DrawFn, kind: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    header = draw(st.lists(st.sampled_from(KINDS[kind]), min_size=1, max_size=6, unique=True))
    sheet.append(header)
    xlsx_cell = st.one_of(
        PLAUSIBLE,
        st.text(
            alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=10
        ),
        st.integers(-(10**12), 10**12),
        st.floats(allow_nan=False, allow_infinity=False, width=32),
        st.booleans(),
        st.none(),
        st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)),
    )
    for row in draw(
        st.lists(st.lists(xlsx_cell, min_size=len(header), max_size=len(header)), max_size=3)
    ):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["youths", "cases", "ngts"])
def test_any_spreadsheet_given_to_an_importer(
    run: Run, book: Path, tmp_path: Path, kind: str, counted: Counter
) -> None:
    @fuzz(10)
    @given(data=xlsx_bytes(kind), sheet=st.one_of(st.none(), st.text(max_size=8)))
    def check(data: bytes, sheet: str | None) -> None:
        counted.n += 1
        source = tmp_path / "input.xlsx"
        source.write_bytes(data)
        args = ["import", kind, str(source), *EXTRA_ARGS.get(kind, [])]
        if sheet is not None:
            args += ["--sheet", sheet]
        check_outcome(run, book, args, import_listing=True)

    check()


def damage(data: bytes, part: int, how: str, junk: bytes) -> bytes:
    """The XLSX workbook `data` with one of its zip parts truncated, emptied or replaced by junk."""
    source = zipfile.ZipFile(io.BytesIO(data))
    items = source.infolist()
    target = items[part % len(items)].filename
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as damaged:
        for item in items:
            content = source.read(item.filename)
            if item.filename == target:
                content = {"truncate": content[: len(content) // 2], "empty": b""}.get(how, junk)
            damaged.writestr(item, content)
    return out.getvalue()


DAMAGE = st.tuples(
    st.integers(0, 100), st.sampled_from(["truncate", "empty", "junk"]), st.binary(max_size=40)
)


def workbook_bytes(header: list[str], row: list[Any]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(header)
    workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["youths", "cases"])
def test_a_damaged_spreadsheet_given_to_an_importer(
    run: Run, book: Path, tmp_path: Path, kind: str, counted: Counter
) -> None:
    base = workbook_bytes(KINDS[kind], ["Y-0001"] * len(KINDS[kind]))

    @fuzz(15)
    @given(how=DAMAGE, name=st.sampled_from(["input.xlsx", "input.csv"]))
    def check(how: tuple[int, str, bytes], name: str) -> None:
        counted.n += 1
        source = tmp_path / name
        source.write_bytes(damage(base, *how))
        args = ["import", kind, str(source), "--format", "xlsx"]
        check_outcome(run, book, args, import_listing=True)

    check()


@pytest.fixture(scope="module")
def export_xlsx(template: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The fuzz book exported as XLSX, made once."""
    from typer.testing import CliRunner

    from rvneet.cli import app

    target = tmp_path_factory.mktemp("export") / "book.xlsx"
    result = CliRunner().invoke(app, ["--db", str(template), "export", str(target)])
    assert result.exit_code == 0, result.stderr
    return target.read_bytes()


@pytest.mark.sqlite_only  # empties the book by copying its file
def test_a_damaged_export_given_to_the_export_import(
    run: Run, initialised: Path, tmp_path: Path, export_xlsx: bytes, counted: Counter
) -> None:
    @fuzz(15)
    @given(how=DAMAGE)
    def check(how: tuple[int, str, bytes]) -> None:
        counted.n += 1
        source = tmp_path / "book.xlsx"
        source.write_bytes(damage(export_xlsx, *how))
        code = check_outcome(
            run, initialised, ["import", "export", str(source)], import_listing=True
        )
        if code == 0:  # a part the reader does not need (a theme, the app properties) was damaged
            shutil.copyfile(tmp_path / "empty.db", initialised)  # empty again for the next file

    shutil.copyfile(initialised, tmp_path / "empty.db")
    check()


# Found by the fuzzing above: each ended as an unexpected ParseError or IndexError before
# files/read._open_xlsx and services/export/readers._sheet_rows refused what openpyxl cannot read.
DAMAGED_CASES = {
    "import-truncated-sheet": ("youths", "xl/worksheets/sheet1.xml", "truncate"),
    "import-junk-workbook": ("youths", "xl/workbook.xml", "junk"),
    "import-junk-styles": ("youths", "xl/styles.xml", "junk"),
    "export-junk-sheet": ("export", "xl/worksheets/sheet2.xml", "junk"),
    "export-empty-content-types": ("export", "[Content_Types].xml", "empty"),
    "export-truncated-workbook": ("export", "xl/workbook.xml", "truncate"),
}


@pytest.mark.parametrize("case", list(DAMAGED_CASES.values()), ids=list(DAMAGED_CASES))
def test_known_damaged_workbooks_are_refused(
    run: Run, book: Path, tmp_path: Path, export_xlsx: bytes, case: tuple[str, str, str]
) -> None:
    kind, part, how = case
    data = export_xlsx if kind == "export" else workbook_bytes(KINDS[kind], ["x"] * 5)
    names = [item.filename for item in zipfile.ZipFile(io.BytesIO(data)).infolist()]
    source = tmp_path / "damaged.xlsx"
    source.write_bytes(damage(data, names.index(part), how, b"junk"))
    target = book
    if kind == "export":
        target = tmp_path / "empty.db"
        assert run("--db", str(target), "init", "--municipality", MUNICIPALITY).exit_code == 0
        target.chmod(0o600)
    result_code = check_outcome(
        run, target, ["--db", str(target), "import", kind, str(source)], import_listing=True
    )
    assert result_code == 1


def test_any_file_given_to_the_export_import(
    run: Run, initialised: Path, tmp_path: Path, counted: Counter
) -> None:
    tables = st.dictionaries(
        st.sampled_from(["youths", "cases", "settings", "assessments", "nope"]),
        st.lists(
            st.dictionaries(
                st.sampled_from(["id", "ref", "name", "youth_id", "x"]), JSON_VALUE, max_size=4
            ),
            max_size=3,
        ),
        max_size=3,
    )
    header = st.fixed_dictionaries(
        {
            "format": st.sampled_from(["rvneet-export", "other"]),
            "version": st.sampled_from([1, 2, "1"]),
        },
        optional={
            "schema": st.sampled_from(["0001", "0004", "9999", 4]),
            "pseudonymized": JSON_VALUE,
            "municipality": JSON_VALUE,
        },
    )
    export_like = st.builds(lambda h, t: json.dumps({**h, "tables": t}).encode(), header, tables)
    content = st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode), export_like)

    @fuzz(30)
    @given(data=content, suffix=st.sampled_from([".json", ".xlsx", ".csv"]))
    def check(data: bytes, suffix: str) -> None:
        counted.n += 1
        source = tmp_path / f"export{suffix}"
        source.write_bytes(data)
        check_outcome(run, initialised, ["import", "export", str(source)], import_listing=True)

    check()


# --- the period parser ----------------------------------------------------------------------------

PERIODISH = st.one_of(
    st.text(max_size=20),
    st.from_regex(
        r"\A-?[0-9]{1,5}(-?(H|Q|h|q)?[0-9]{1,3})?(\.\.-?[0-9]{0,5}(-[0-9]{1,2}){0,2})?\Z"
    ),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\.\.[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),
)


def test_the_period_parser_raises_only_value_error(counted: Counter) -> None:
    @fuzz(300)
    @given(text=PERIODISH)
    def check(text: str) -> None:
        counted.n += 1
        try:
            period = parse_period(text)
        except ValueError as exc:
            assert "\n" not in str(exc)
            return
        assert period.start <= period.end  # both days included: one day is a period

    check()


def test_any_period_given_to_a_report(run: Run, book: Path, counted: Counter) -> None:
    @fuzz(25)
    @given(text=PERIODISH, report=st.sampled_from(["lisa4", "neet", "workload"]))
    def check(text: str, report: str) -> None:
        counted.n += 1
        check_outcome(run, book, ["report", report, "--period", text, "--format", "json"])

    check()


# --- option values to the main commands ------------------------------------------------------------


def value(*plausible: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(plausible), st.text(max_size=15), PLAUSIBLE)


def options(spec: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[list[str]]:
    """Some of the options in `spec`, each with a drawn value."""
    pairs = st.lists(st.sampled_from(list(spec)), unique=True, max_size=len(spec)).flatmap(
        lambda names: st.tuples(*(st.tuples(st.just(n), spec[n]) for n in names))
    )
    return pairs.map(lambda ps: [item for pair in ps for item in pair])


DATE = value("2025-02-03", "2025-03-01", "2024-09-30", "2099-01-01", "01.03.2025", "2025-02-30")
COMMANDS: dict[str, tuple[list[str], st.SearchStrategy[list[str]]]] = {
    "youth add": (
        ["youth", "add"],
        options({"--name": value("Mari", "  ", ""), "--id-code": value(CODE_F_2010, "123"),
                 "--birth-date": DATE, "--sex": value("M", "F", "X")}),
    ),
    "case open": (
        ["case", "open"],
        options({"--youth": value("Y-0001", "Y-0002", "Y-0003"), "--model": value("rv", "neet"),
                 "--start": DATE, "--risk": value("high", "medium"),
                 "--light": value("red", "green"), "--group": value("neet", "risk"),
                 "--manager": value("Kati"), "--allow-ineligible": value("reason", ""),
                 "--channel": value("ngts-list", "mobile-youth-work")}),
    ),
    "case assess": (
        ["case", "assess"],
        st.tuples(value("RV-2025-001", "NEET-2025-001", "RV-2024-001"),
                  options({"--date": DATE, "--risk": value("high", "medium"),
                           "--light": value("red", "green"), "--instrument": value("YLS")})
                  ).map(lambda t: [t[0], *t[1]]),
    ),
    "case close": (
        ["case", "close"],
        st.tuples(value("RV-2025-001", "NEET-2025-001"),
                  options({"--end": DATE, "--reason": value("goals-met", "moved"),
                           "--education": value("yes", "no"), "--wellbeing-start": value("3", "-1", "99"),
                           "--satisfaction-overall": value("5", "0")})
                  ).map(lambda t: [t[0], *t[1]]),
    ),
    "case stage": (
        ["case", "stage"],
        st.tuples(value("RV-2025-001", "NEET-2025-001"), value("network", "contact", "referral"),
                  options({"--date": DATE, "--note": value("note")})
                  ).map(lambda t: [t[0], t[1], *t[2]]),
    ),
    "case list": (
        ["case", "list"],
        options({"--model": value("rv", "neet"), "--stage": value("network", "contact"),
                 "--format": value("json", "csv", "table")}),
    ),
    "report lisa4": (
        ["report", "lisa4"],
        options({"--period": value("2025H1", "2025", "2025-01..2025-06"),
                 "--format": value("json", "csv", "table"), "--lang": value("et", "en"),
                 "--suppress-below": value("5", "1", "-3", "x")}),
    ),
}  # fmt: skip


@pytest.mark.parametrize("command", list(COMMANDS))
def test_any_option_values_to_a_main_command(
    run: Run, book: Path, command: str, counted: Counter
) -> None:
    words, args = COMMANDS[command]

    @fuzz(25)
    @given(args=args)
    def check(args: list[str]) -> None:
        counted.n += 1
        check_outcome(run, book, [*words, *args])

    check()


DEEP = "[" * 100_000
DEEP_FILES = {
    "import-array": ("youths", DEEP),
    "import-cell": ("youths", '[{"name": ' + DEEP + "]" * 100_000 + "}]"),
    "export-row": (
        "export",
        '{"format": "rvneet-export", "version": 1, "schema": "0004", "municipality": "x", '
        '"pseudonymized": false, "tables": {"youths": [{"name": ' + DEEP + "}]}}",
    ),
    "export-header": ("export", '{"format": "rvneet-export", "municipality": ' + DEEP + "}"),
}


@pytest.mark.parametrize("case", list(DEEP_FILES.values()), ids=list(DEEP_FILES))
def test_json_nested_too_deeply_is_refused(
    run: Run, initialised: Path, tmp_path: Path, case: tuple[str, str]
) -> None:
    kind, text = case
    source = tmp_path / "deep.json"
    source.write_text(text, encoding="utf-8")
    # Found by hand beside this file's fuzzing: json's RecursionError ended as an unexpected error
    # before files/read._open_json and export's _JsonStream.value caught it.
    assert check_outcome(run, initialised, ["import", kind, str(source)]) == 1
