"""`rvneet find TEXT` and a personal code wherever a youth reference is taken, through the CLI.

The book: Y-0001 Mari Kask (a code), Y-0002 Jüri Kask (no code, born 15.03.2010), Y-0003 Erik Tamm
(erased), the youths of examples/ngts-2025-03.csv (Y-0004..; guardian Tiina Saar), network member
M-001 Kadri Põld, and Mari's case RV-2025-001 managed by Anu Šokk.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
from pathlib import Path

import pytest
from conftest import (
    CODE_F_2010,
    CODE_M_1995,
    CODE_M_2010,
    Ok,
    Run,
    build_template,
    query,
    refused,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rvneet.domain.enums import Sex
from rvneet.services.find import YOUTH

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ngts-2025-03.csv"

FIELDS = [
    "kind",
    "reference",
    "label",
    "matched",
    "code_end",
    "birth_date",
    "erased",
    "open_case_elsewhere",
]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    def build(ok: Ok) -> None:
        ok("init", "--municipality", "Viljandi linn")
        ok("youth", "add", "--name", "Mari Kask", "--id-code", CODE_F_2010)
        ok("youth", "add", "--name", "Jüri Kask", "--birth-date", "2010-03-15", "--sex", "M")
        ok("youth", "add", "--name", "Erik Tamm", "--id-code", CODE_M_2010)
        ok("youth", "erase", "Y-0003", "--reason", "request of the youth", "--yes")
        ok("import", "ngts", str(EXAMPLE), "--list-date", "2025-03-15")
        ok("network", "add", "--name", "Kadri Põld", "--role", "youth-worker", "--org", "Noored")
        ok("staff", "add", "--name", "Anu Šokk")
        ok(
            "case", "open", "--youth", "Y-0001", "--model", "rv", "--start", "2025-03-03",
            "--risk", "high", "--manager", "Anu Šokk",
        )  # fmt: skip

    return build_template(tmp_path_factory, "find", build)


def found(ok: Ok, *args: str) -> list[dict[str, object]]:
    hits: list[dict[str, object]] = json.loads(ok("find", *args, "--format", "json"))
    return hits


def refs(ok: Ok, *args: str) -> list[tuple[object, object]]:
    return [(h["kind"], h["reference"]) for h in found(ok, *args)]


def test_a_part_of_a_name_without_diacritics_finds_the_network_member(ok: Ok, book: Path) -> None:
    assert refs(ok, "pold") == [("network-member", "M-001")]
    assert refs(ok, "PÕLD") == [("network-member", "M-001")]


def test_a_name_finds_youths_in_estonian_order_and_never_the_erased(ok: Ok, book: Path) -> None:
    assert refs(ok, "kask") == [("youth", "Y-0002"), ("youth", "Y-0001")]
    assert refs(ok, "tamm") == []
    assert refs(ok, "erased") == []


def test_a_full_code_and_its_last_4_digits_find_the_youth(ok: Ok, book: Path) -> None:
    spaced = f"{CODE_F_2010[:6]} {CODE_F_2010[6:]}"
    for text in (CODE_F_2010, spaced):
        [hit] = found(ok, text)
        assert hit["reference"] == "Y-0001" and hit["matched"] == "personal-code"
        assert hit["code_end"] == CODE_F_2010[-4:]
    assert [h["reference"] for h in found(ok, CODE_F_2010[-4:])] == ["Y-0001"]


def test_no_output_holds_a_full_personal_code(run: Run, book: Path) -> None:
    for fmt in ("table", "json", "csv"):
        result = run("find", CODE_F_2010, "--format", fmt)
        assert result.exit_code == 0
        assert "Y-0001" in result.stdout and CODE_F_2010 not in result.stdout
    assert f"…{CODE_F_2010[-4:]}" in run("find", CODE_F_2010).stdout


def test_a_code_search_is_an_audited_read_without_the_code(ok: Ok, book: Path) -> None:
    ok("find", CODE_F_2010)
    ok("find", CODE_F_2010[-4:])
    reads = query(
        book, "SELECT entity, entity_ref, user, changes FROM audit_log WHERE action='read'"
    )
    assert reads == [("youths", "Y-0001", "tester", "{}")] * 2
    text = " ".join(str(row) for row in query(book, "SELECT * FROM audit_log"))
    assert CODE_F_2010 not in text


def test_a_name_search_is_not_audited(ok: Ok, book: Path) -> None:
    ok("find", "kask")
    assert query(book, "SELECT count(*) FROM audit_log WHERE action='read'") == [(0,)]


@pytest.mark.parametrize("day", ["15.03.2010", "2010-03-15"])
def test_a_birth_date_in_either_form_finds_the_youth(ok: Ok, book: Path, day: str) -> None:
    [hit] = found(ok, day)
    assert (hit["reference"], hit["matched"], hit["birth_date"]) == (
        "Y-0002",
        "birth-date",
        "2010-03-15",
    )


@pytest.mark.parametrize(
    ("text", "kind", "ref"),
    [
        ("y-0002", "youth", "Y-0002"),
        ("RV-2025-001", "case", "RV-2025-001"),
        ("m-001", "network-member", "M-001"),
    ],
)
def test_each_reference_finds_its_record(
    ok: Ok, book: Path, text: str, kind: str, ref: str
) -> None:
    assert refs(ok, text) == [(kind, ref)]


def test_an_unknown_reference_finds_nothing(ok: Ok, book: Path) -> None:
    assert refs(ok, "NEET-2025-001") == []
    assert ok("find", "Y-0999") == "Found: none"


def test_a_guardians_name_finds_the_ngts_entry(ok: Ok, book: Path) -> None:
    hits = [h for h in found(ok, "tiina saar") if h["kind"] == "ngts-entry"]
    assert len(hits) == 1 and "2025-03-15" in str(hits[0]["label"])


def test_a_case_manager_is_found_by_name(ok: Ok, book: Path) -> None:
    assert refs(ok, "sokk") == [("staff", "S-0001")]
    assert refs(ok, "s-0001") == [("staff", "S-0001")]


def test_an_erased_youth_is_found_only_by_reference_and_shows_as_erased(
    run: Run, ok: Ok, book: Path
) -> None:
    [hit] = found(ok, "Y-0003")
    assert hit["erased"] is True and hit["code_end"] is None
    assert "erased" in run("find", "Y-0003").stdout
    assert refs(ok, CODE_M_2010[-4:]) == []


def test_csv_has_the_stable_fields(ok: Ok, book: Path) -> None:
    rows = list(csv.reader(io.StringIO(ok("find", "kask", "--format", "csv"))))
    assert rows[0] == FIELDS
    assert rows[2] == [
        "youth",
        "Y-0001",
        "Mari Kask",
        "name",
        CODE_F_2010[-4:],
        "2010-01-01",
        "no",
        "",
    ]
    assert set(found(ok, "kask")[0]) == set(FIELDS)


def test_the_limit_says_when_more_matched(run: Run, book: Path) -> None:
    result = run("find", "kask", "--limit", "1")
    assert result.exit_code == 0 and "1 of 2 hits shown" in result.stdout
    result = run("find", "kask", "--limit", "1", "--format", "json")
    assert len(json.loads(result.stdout)) == 1
    assert result.stderr == "Warning: 1 of 2 hits shown; every hit: --limit 0\n"
    assert len(json.loads(run("find", "kask", "--limit", "0", "--format", "json").stdout)) == 2


def test_stored_text_is_escaped(run: Run, ok: Ok, book: Path) -> None:
    ok("network", "add", "--name", "Kask [bold]\x1b[2J", "--role", "youth-worker", "--org", "X")
    out = run("find", "kask").stdout
    assert "[bold]" in out and "\x1b" not in out


def test_bad_text_is_refused_in_one_line(run: Run, book: Path) -> None:
    assert "check digit" in refused(run, book, "find", CODE_M_2010[:-1] + "9")
    assert refused(run, book, "find", "  ")
    assert refused(run, book, "find", "31.02.2010")
    assert "longer than 200" in refused(run, book, "find", "x" * 201)


def test_youth_show_takes_a_personal_code(ok: Ok, book: Path) -> None:
    spaced = f"{CODE_F_2010[:6]} {CODE_F_2010[6:]}"
    assert json.loads(ok("youth", "show", spaced, "--format", "json"))["youth"] == "Y-0001"


def test_case_open_takes_a_personal_code(ok: Ok, book: Path) -> None:
    ref = ok(
        "case", "open", "--youth", CODE_F_2010, "--model", "neet", "--start", "2025-04-01",
        "--light", "green", "--group", "neet",
    )  # fmt: skip
    assert query(book, f"SELECT y.ref FROM cases c JOIN youths y ON y.id = c.youth_id "
                 f"WHERE c.ref = '{ref}'") == [("Y-0001",)]  # fmt: skip


def test_an_unknown_code_is_refused_with_the_code_masked(run: Run, book: Path) -> None:
    line = refused(run, book, "youth", "show", CODE_M_1995, code=3)
    assert line == "Error: no youth '<personal code>'"
    assert CODE_M_1995 not in line


def test_estonian_output(run: Run, book: Path) -> None:
    out = run("--lang", "et", "find", "pold").stdout
    assert "võrgustiku liige" in out and "nimi" in out
    assert "Leitud" in out and "Liik" in out and "Vaste" in out
    assert "isikukoodi 4 viimast numbrit" in run("--lang", "et", "find", CODE_F_2010[-4:]).stdout


# The Estonian alphabet with the letters of foreign names it takes in; both cases.
ALPHABET = "abcdefghijklmnopqrsšzžtuvwõäöüxyéèçñ"
letters = st.text(st.sampled_from(ALPHABET + ALPHABET.upper()), min_size=2, max_size=10)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(letters, min_size=1, max_size=3), st.data())
def test_any_part_of_a_name_finds_the_youth_however_written(
    initialised: Path, parts: list[str], data: st.DataObject
) -> None:
    from rvneet.db import Database
    from rvneet.services.find import find
    from rvneet.services.youths import add_youth

    name = " ".join(parts)
    start = data.draw(st.integers(0, len(name) - 1))
    part = name[start : data.draw(st.integers(start + 1, len(name)))].strip() or name
    # Typed without diacritics, in another case or normal form: still found.
    typed = "".join(
        c for c in unicodedata.normalize("NFD", part.swapcase()) if not unicodedata.combining(c)
    )
    with Database(initialised, "tester").session(write=True) as session:
        youth = add_youth(session, name=name, birth_date=dt.date(2010, 5, 1), sex=Sex.F)
        hits = find(session, typed)
        assert (YOUTH, youth.ref) in [(h.kind, h.reference) for h in hits]
        session.rollback()
