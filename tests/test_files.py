"""Property tests of the file layer: formula escaping, cell parsers, encoding and delimiter sniffing,
and reading arbitrary bytes as a CSV file (rvneet.files)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rvneet.domain.errors import InvalidInput
from rvneet.files.columns import parse_count, parse_day, parse_flag, parse_sex
from rvneet.files.read import detect_encoding, open_table, sniff_delimiter
from rvneet.files.write import neutralise, restore

# Nothing is recorded outside tmp_path: no example database in the working folder.
FAST = settings(max_examples=150, database=None, deadline=None)
WITH_TMP = settings(
    max_examples=100,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Characters a spreadsheet starts a formula with, and the whitespace it skips before one.
FORMULA_START = ("=", "+", "-", "@")
LEADING_BLANKS = " \t\r\n"

# Text that leans towards the interesting cases: formula characters, blanks and apostrophes.
formula_ish = st.text(alphabet=st.sampled_from("=+-@'\t\r\n xA1(\"),;"), max_size=12)
any_text = st.one_of(st.text(), formula_ish, st.builds(lambda a, b: a + b, formula_ish, st.text()))


# --- neutralise / restore --------------------------------------------------------------------------


@FAST
@given(any_text)
@example('=HYPERLINK("http://evil","x")')
@example("'=1+1")
@example("''@SUM(A1)")
@example("  =1")
@example("\t=1")
@example("\r\n-1")
@example("'")
@example("")
def test_restore_undoes_neutralise(text: str) -> None:
    assert restore(neutralise(text)) == text


@FAST
@given(any_text)
@example("=1+1")
@example("+1")
@example("-1")
@example("@SUM(A1)")
@example("\t=1")
@example("\r=1")
@example("   =1")
@example("\n=1")
def test_neutralised_text_never_starts_a_formula(text: str) -> None:
    """What a spreadsheet would see — the cell after its leading blanks — is never a formula unless
    the cell starts with the apostrophe that makes it text."""
    cell = neutralise(text)
    seen = cell.lstrip(LEADING_BLANKS)
    formula_like = seen.startswith(FORMULA_START) or cell.startswith(("\t", "\r"))
    assert cell.startswith("'") or not formula_like, repr(cell)


@FAST
@given(any_text)
def test_neutralise_changes_only_by_one_leading_apostrophe(text: str) -> None:
    cell = neutralise(text)
    assert cell in (text, "'" + text)


# --- cell parsers ----------------------------------------------------------------------------------


@FAST
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)))
@example(dt.date(1900, 1, 1))
@example(dt.date(2099, 12, 31))
@example(dt.date(2024, 2, 29))
def test_parse_day_reads_iso_and_dotted_dates(day: dt.date) -> None:
    assert parse_day(day.isoformat()) == day
    assert parse_day(f"{day.day:02d}.{day.month:02d}.{day.year:04d}") == day
    assert parse_day(f" {day.day}.{day.month}.{day.year:04d} ") == day
    assert parse_day(day) == day
    assert parse_day(dt.datetime(day.year, day.month, day.day, 0, 0)) == day


@FAST
@given(st.text())
@example("31.02.2025")
@example("2025-02-30")
@example("00.00.0000")
@example("2025-13-01")
@example("99.99.9999")
@example("\uff11\uff12.\uff10\uff13.\uff12\uff10\uff12\uff15")  # full-width digits
@example("2025-W01-1x")
def test_parse_day_refuses_text_only_with_value_error(text: str) -> None:
    try:
        parse_day(text)
    except ValueError as exc:
        assert str(exc)
    # A date parsed from text is fine too; any other exception fails the test.


@FAST
@given(st.text())
@example("")
@example("jah")
@example("EI")
@example("\x00")
def test_parse_flag_raises_only_value_error(text: str) -> None:
    try:
        assert parse_flag(text) in (True, False)
    except ValueError as exc:
        assert str(exc)


@FAST
@given(st.text())
@example("naine")
@example("MEES")
@example("ß")
def test_parse_sex_raises_only_value_error(text: str) -> None:
    try:
        assert parse_sex(text) in ("M", "F")
    except ValueError as exc:
        assert str(exc)


@FAST
@given(st.one_of(st.text(), st.text(alphabet="+-0123456789 ", max_size=40)))
@example("\uff11\uff12")  # full-width digits
@example("+-1")
@example("1" * 5000)
def test_parse_count_raises_only_value_error(text: str) -> None:
    try:
        assert isinstance(parse_count(text), int)
    except ValueError as exc:
        assert str(exc)


@FAST
@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_parse_count_reads_whole_numbers(number: int) -> None:
    assert parse_count(str(number)) == number
    assert parse_count(f" {number} ") == number


@pytest.mark.parametrize(
    ("text", "expected"),
    [("jah", True), ("Ei", False), ("yes", True), ("0", False), ("x", True), ("TRUE", True)],
)
def test_parse_flag_words(text: str, expected: bool) -> None:
    assert parse_flag(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("mees", "M"), ("Naine", "F"), ("m", "M"), ("N", "F"), ("f", "F"), ("female", "F")],
)
def test_parse_sex_words(text: str, expected: str) -> None:
    assert parse_sex(text) == expected


# --- delimiter and encoding ------------------------------------------------------------------------

header_names = st.text(
    alphabet=st.characters(blacklist_characters=";,\t\r\n", blacklist_categories=["Cs"]),
    min_size=1,
    max_size=15,
)


@FAST
@given(st.lists(header_names, min_size=2, max_size=12))
def test_sniff_delimiter_picks_semicolon(names: list[str]) -> None:
    assert sniff_delimiter(";".join(names)) == ";"
    assert sniff_delimiter(";".join(names) + "\r\n") == ";"


@FAST
@given(st.lists(header_names, min_size=2, max_size=12))
def test_sniff_delimiter_picks_tab_and_comma(names: list[str]) -> None:
    assert sniff_delimiter("\t".join(names)) == "\t"
    assert sniff_delimiter(",".join(names)) == ","


def test_sniff_delimiter_defaults_to_comma_for_one_column() -> None:
    assert sniff_delimiter("nimi") == ","
    assert sniff_delimiter("") == ","


@WITH_TMP
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=200))
@example("nimi;isikukood\nMari Maasikas;61001010009\n")
@example("Õie Ütt")
def test_detect_encoding_reads_utf8_back(tmp_path: Path, text: str) -> None:
    if text.startswith("\ufeff"):
        text = text[1:]  # a leading U+FEFF is a byte order mark, not text
    path = tmp_path / "utf8.csv"
    path.write_bytes(text.encode("utf-8"))
    assert path.read_bytes().decode(detect_encoding(path)) == text


@WITH_TMP
@given(st.text(max_size=200))
def test_detect_encoding_reads_utf8_with_bom_back(tmp_path: Path, text: str) -> None:
    text = "".join(c for c in text if not 0xD800 <= ord(c) <= 0xDFFF)
    path = tmp_path / "bom.csv"
    path.write_bytes(text.encode("utf-8-sig"))
    assert path.read_bytes().decode(detect_encoding(path)) == text


@WITH_TMP
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=100))
def test_detect_encoding_reads_utf16_with_bom_back(tmp_path: Path, text: str) -> None:
    path = tmp_path / "utf16.txt"
    path.write_bytes(text.encode("utf-16"))  # with a byte order mark, as Excel's "Unicode text"
    assert path.read_bytes().decode(detect_encoding(path)) == text


# Windows-1257 text with no byte in 0x80-0xBF: the Baltic letters (õ ä ö ü š ž Õ Ä Ö Ü Š Ž, and the
# Latvian and Lithuanian ones) are all 0xC0-0xFF, which never begin valid UTF-8 without a following
# continuation byte, so such a file cannot be mistaken for UTF-8. (A byte of 0x80-0xBF after an
# upper-case letter — e.g. "ÄÆ" — is valid UTF-8 and would be: that ambiguity is inherent.)
BALTIC = "".join(bytes([b]).decode("cp1257") for b in range(0xC0, 0x100))
ASCII_PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F)) + "\t\r\n"
cp1257_text = st.tuples(
    st.text(alphabet=ASCII_PRINTABLE + BALTIC, max_size=100),
    st.sampled_from(BALTIC),
    st.text(alphabet=ASCII_PRINTABLE + BALTIC, max_size=100),
).map("".join)


@WITH_TMP
@given(cp1257_text)
@example("nimi;sünniaeg\nÕie Ütt;01.03.2008\nŠarlote Žukova;2008-03-01\n")
@example("Jüri Õunapuu")
def test_detect_encoding_recognises_windows_1257(tmp_path: Path, text: str) -> None:
    path = tmp_path / "cp1257.csv"
    path.write_bytes(text.encode("cp1257"))
    assert detect_encoding(path) == "cp1257"
    assert path.read_bytes().decode(detect_encoding(path)) == text


def test_estonian_letters_are_all_in_the_unambiguous_range() -> None:
    assert set("õäöüšžÕÄÖÜŠŽ") <= set(BALTIC)


# --- reading arbitrary bytes -----------------------------------------------------------------------

csv_ish_bytes = st.one_of(
    st.binary(max_size=300),
    st.lists(
        st.sampled_from(
            [b"name", b"id_code", b";", b",", b"\t", b"\n", b"\r\n", b"\r", b'"', b"\xef\xbb\xbf",
             b"\xff\xfe", b"\xfe\xff", b"\x00", b"\x81", b"\xc3\xa4", b"\xe4", b" ", b"=1", b"'"]
        ),
        max_size=40,
    ).map(b"".join),
)  # fmt: skip


@WITH_TMP
@given(csv_ish_bytes)
@example(b"")
@example(b"\xef\xbb\xbf")
@example(b"\xff\xfe")
@example(b"\xff\xfeA")
@example(b'"')
@example(b"a,a")
@example(b"\x81\x81")
@example(b"name\n\x81")
@example(b"name\n\nMari\n")
@example(b" \nname\n")
def test_open_table_reads_rows_or_raises_invalid_input(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    try:
        with open_table(path) as table:
            assert all(isinstance(h, str) for h in table.header)
            for row in table.rows:
                assert row.number >= 2
                assert isinstance(row.cells, dict)
    except InvalidInput as exc:
        assert str(exc) and "\n" not in str(exc).strip()


@pytest.mark.parametrize(
    "data",
    [b"\nname\nMari\n", b"\r\nname\r\nMari\r\n", "\nnimi\nÕie\n".encode("utf-16")],
    ids=["lf", "crlf", "utf-16"],
)
def test_a_blank_first_line_is_refused_plainly(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "blank-first.csv"
    path.write_bytes(data)
    try:
        with open_table(path) as table:
            rows = list(table.rows)
    except InvalidInput:
        return  # a one-line refusal is fine too
    assert table.header == ["name"] or table.header == ["nimi"]
    assert len(rows) == 1
