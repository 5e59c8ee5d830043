"""`youth add` without a personal code warns about a youth already registered with the same name,
birth date and sex (and `--strict` refuses); an import matches such youths as it always has."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any, Literal

import pytest
from conftest import CODE_F_2010, Ok, Run, dump, refused
from hypothesis import given
from hypothesis import strategies as st

WARNING = (
    "Warning: a youth with the same name, birth date and sex is already registered as {refs}; "
    "if this is the same person, use that reference (--strict refuses instead)"
)


def add(run: Run, name: str, *extra: str, birth: str = "2010-05-01", sex: str = "F") -> Any:
    return run("youth", "add", "--name", name, "--birth-date", birth, "--sex", sex, *extra)


def youths(ok: Ok) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(ok("youth", "list", "--format", "json"))
    return rows


@pytest.fixture
def kadri(run: Run, initialised: Path) -> str:
    """Kadri Põld, born 2010-05-01, registered without a personal code."""
    result = add(run, "Kadri Põld")
    assert result.exit_code == 0 and result.stderr == "", result.stderr
    return str(result.stdout.strip())


@pytest.mark.parametrize(
    "name",
    [
        "Kadri Põld",
        "  kadri   PÕLD ",
        "Kadri Pold",  # without the diacritic: a warning had better be too broad
        unicodedata.normalize("NFD", "Kadri Põld"),  # õ as o + combining tilde
    ],
    ids=["same", "case-and-spacing", "no-diacritic", "nfd"],
)
def test_same_person_warns_and_is_added(run: Run, ok: Ok, kadri: str, name: str) -> None:
    result = add(run, name)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "Y-0002"
    assert result.stderr.strip() == WARNING.format(refs=kadri)
    assert [y["youth"] for y in youths(ok)] == ["Y-0001", "Y-0002"]


def test_warning_names_every_match_and_no_personal_data(run: Run, kadri: str) -> None:
    add(run, "Kadri Põld")
    result = add(run, "KADRI PÕLD")
    assert result.exit_code == 0
    assert result.stderr.strip() == WARNING.format(refs="Y-0001, Y-0002")
    assert "Kadri" not in result.stderr and "2010" not in result.stderr


def test_warning_in_estonian(run: Run, kadri: str) -> None:
    result = run("--lang", "et", "youth", "add", "--name", "Kadri Põld", "--birth-date",
                 "2010-05-01", "--sex", "N")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == (
        "Hoiatus: sama nime, sünnikuupäeva ja sooga noor on juba kirjas viitega Y-0001; kui see "
        "on sama inimene, kasuta seda viidet (--strict keeldub selle asemel)"
    )


def test_strict_refuses_and_writes_nothing(run: Run, kadri: str, initialised: Path) -> None:
    line = refused(run, initialised, "youth", "add", "--name", "kadri pold", "--birth-date",
                   "2010-05-01", "--sex", "F", "--strict")  # fmt: skip
    assert line == (
        "Error: a youth with the same name, birth date and sex is already registered as Y-0001; "
        "nothing was added"
    )


def test_strict_adds_a_youth_with_no_match(run: Run, kadri: str) -> None:
    result = add(run, "Kadri Põld", "--strict", birth="2010-05-02")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.strip() == "Y-0002"


@pytest.mark.parametrize(
    ("name", "birth", "sex"),
    [
        ("Kadri Põld", "2010-05-02", "F"),  # another birth date
        ("Kadri Põld", "2010-05-01", "M"),  # another sex
        ("Kadri Põllu", "2010-05-01", "F"),  # another name
    ],
    ids=["birth-date", "sex", "name"],
)
def test_another_person_is_added_without_warning(
    run: Run, kadri: str, name: str, birth: str, sex: str
) -> None:
    result = add(run, name, birth=birth, sex=sex)
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout.strip() == "Y-0002"


def test_with_a_personal_code_no_warning(run: Run, ok: Ok, initialised: Path) -> None:
    # Mari Maasikas, born 2010-01-01, F: first without a code, then with one (even --strict).
    assert add(run, "Mari Maasikas", birth="2010-01-01").stderr == ""
    result = run("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010, "--strict")
    assert result.exit_code == 0
    assert result.stderr == "" and result.stdout.strip() == "Y-0002"
    assert len(youths(ok)) == 2


def test_json_output_keeps_stdout_clean(run: Run, kadri: str) -> None:
    result = add(run, "Kadri Põld", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["youth"] == "Y-0002"
    assert result.stderr.startswith("Warning: ")


def test_import_matches_as_before(ok: Ok, run: Run, kadri: str, tmp_path: Path) -> None:
    path = tmp_path / "noored.csv"
    path.write_text("nimi,sünniaeg,sugu\nKadri Põld,01.05.2010,naine\n", encoding="utf-8")
    result = run("import", "youths", str(path))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "youths from noored.csv: 0 new, 0 updated, 1 unchanged, 0 refused"
    )
    assert "Warning" not in result.stderr
    assert [y["youth"] for y in youths(ok)] == ["Y-0001"]


def test_erased_youth_is_not_matched(run: Run, ok: Ok, kadri: str, initialised: Path) -> None:
    ok("youth", "erase", kadri, "--reason", "request of the youth", "--yes")
    before = dump(initialised)
    result = add(run, "Kadri Põld", "--strict")
    assert result.exit_code == 0 and result.stderr == ""
    assert dump(initialised) != before


# The Estonian alphabet with the letters of foreign names it takes in; both cases.
ALPHABET = "abcdefghijklmnopqrsšzžtuvwõäöüxyéèçñ"
letters = st.text(st.sampled_from(ALPHABET + ALPHABET.upper()), min_size=1, max_size=12)


@given(st.lists(letters, min_size=1, max_size=4), st.data())
def test_folding_ignores_case_spacing_and_normal_form(
    parts: list[str], data: st.DataObject
) -> None:
    from rvneet.services.lookups import folded_name  # new with the check: the rest runs on main

    name = " ".join(parts)
    spaces = [" " * data.draw(st.integers(1, 3)) for _ in parts]
    variant = "".join(s + p for s, p in zip(spaces, parts, strict=True)) + " "
    form: Literal["NFC", "NFD"] = data.draw(st.sampled_from(["NFC", "NFD"]))
    variant = unicodedata.normalize(form, variant.upper() if data.draw(st.booleans()) else variant)
    assert folded_name(variant) == folded_name(name)
