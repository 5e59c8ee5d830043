"""Enum values typed on the command line may be Estonian (`--risk kõrge`); stored and JSON stay English."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import pytest
from conftest import CODE_F_2010, Ok, Run, query, refused, show
from hypothesis import given
from hypothesis import strategies as st

from rvneet.domain.columns import ASSESSMENT_COLUMNS
from rvneet.domain.enums import ESTONIAN, Light, RiskLevel, YesNo, estonian, fold, parse_choice

ENUMS = sorted(ESTONIAN, key=lambda enum: enum.__name__)
MEMBERS = [member for enum in ENUMS for member in enum]


def test_an_rv_case_is_opened_assessed_and_closed_in_estonian(
    initialised: Path, ok: Ok, run: Run
) -> None:
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    # --risk kõrge reaching the case as "high": breaks if choice_option's parser is dropped from
    # RiskOption in cli/case.py (Typer refuses 'kõrge') or if ESTONIAN maps it to medium.
    ok(
        "case", "open", "--youth", "Y-0001", "--model", "rv", "--start", "2025-03-03",
        "--risk", "kõrge", "--channel", "pöördus-ise",
    )  # fmt: skip
    record = show(ok, "RV-2025-001")
    assert (record["level"], record["channel"]) == ("high", "self")

    ok("case", "assess", "RV-2025-001", "--date", "2025-05-12", "--risk", "Keskmine")
    assert show(ok, "RV-2025-001")["level"] == "medium"

    ok(
        "case", "close", "RV-2025-001", "--end", "2025-12-19", "--reason", "eesmärgid-täidetud",
        "--education", "jah", "--employment", "EI",
    )  # fmt: skip
    record = show(ok, "RV-2025-001")
    assert record["close_reason"] == "goals-met"
    assert (record["outcome"]["in_education"], record["outcome"]["in_employment"]) == (True, False)
    # Stored English: the database keeps the machine forms whatever was typed.
    assert query(initialised, "SELECT close_reason FROM cases") == [("goals-met",)]
    listed = json.loads(ok("case", "list", "--format", "json"))
    assert (listed[0]["level"], listed[0]["close_reason"]) == ("medium", "goals-met")


def test_a_neet_case_takes_the_light_and_group_in_estonian_and_ascii(
    initialised: Path, ok: Ok
) -> None:
    ok("youth", "add", "--name", "Jaan Tamm", "--birth-date", "2005-05-05", "--sex", "m")
    # "ROHELINE"/"punane" would be refused without ESTONIAN's Light entries (domain/enums.py).
    ok(
        "case", "open", "--youth", "Y-0001", "--model", "neet", "--start", "2025-03-03",
        "--light", "ROHELINE", "--group", "neet", "--channel", "ngts-nimekiri", "-f", "json",
    )  # fmt: skip
    record = show(ok, "NEET-2025-001")
    assert (record["level"], record["group"], record["channel"]) == ("green", "neet", "ngts-list")
    ok("case", "assess", "NEET-2025-001", "--date", "2025-04-01", "--light", "punane")
    assert show(ok, "NEET-2025-001")["level"] == "red"
    ok(
        "case",
        "contact",
        "NEET-2025-001",
        "--date",
        "2025-04-02",
        "--channel",
        "kohtumine",
        "--with",
        "noorsootootaja",
        "--with",
        "politsei",
    )  # fmt: skip  (ASCII for ö: fold())
    assert query(initialised, "SELECT channel, with_roles FROM contacts") == [
        ("meeting", "youth-worker,police")
    ]


def test_sex_and_consent_take_estonian_forms(initialised: Path, ok: Ok) -> None:
    ok("youth", "add", "--name", "Liis Lepp", "--birth-date", "2010-05-01", "--sex", "N")
    assert json.loads(ok("youth", "show", "Y-0001", "-f", "json"))["sex"] == "F"
    ok("youth", "consent", "Y-0001", "--date", "2025-03-03", "--scope", "andmete-jagamine",
       "--given-by", "esindaja")  # fmt: skip
    assert query(initialised, "SELECT scope, given_by FROM consents") == [
        ("data-sharing", "guardian")
    ]


def test_a_bad_value_is_refused_in_one_line_naming_both_forms(initialised: Path, run: Run) -> None:
    ok_youth = run("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    assert ok_youth.exit_code == 0
    line = refused(
        run, initialised,
        "case", "open", "--youth", "Y-0001", "--model", "rv", "--start", "2025-03-03",
        "--risk", "madal",
        code=2,
    )  # fmt: skip
    # The parser's message (domain/enums.py parse_choice) names the English and Estonian forms.
    assert "'madal' is not one of medium, high (Estonian: keskmine, kõrge)" in line


def test_help_lists_the_estonian_forms(run: Run) -> None:
    # choice_option in cli/common.py appends "Estonian: ..." to the option's help.
    text = " ".join(run("case", "open", "--help").stdout.split())
    assert "Estonian: keskmine, kõrge." in text
    assert "Estonian: punane, kollane, roheline." in text
    assert "Estonian: jah, ei." in " ".join(run("case", "close", "--help").stdout.split())


def _cased(text: str, flips: list[bool]) -> str:
    """`text` with the letters `flips` marks in upper case (a short list leaves the rest)."""
    padded = flips + [False] * len(text)
    return "".join(c.upper() if flip else c for c, flip in zip(text, padded, strict=False))


@given(member=st.sampled_from(MEMBERS), flips=st.lists(st.booleans(), max_size=40))
def test_every_form_in_any_case_parses_to_its_member(member: StrEnum, flips: list[bool]) -> None:
    # Breaks if parse_choice compared case-sensitively or skipped the Estonian form.
    for form in (member.value, estonian(member)):
        assert parse_choice(type(member), _cased(form, flips)) is member
        assert parse_choice(type(member), f" {_cased(form, flips)} ") is member


@pytest.mark.parametrize("enum", ENUMS, ids=lambda enum: enum.__name__)
def test_no_two_members_of_an_enum_share_a_form(enum: type[StrEnum]) -> None:
    # Folded (no case, no diacritics), so "korge" cannot name two members either.
    owners: dict[str, StrEnum] = {}
    for member in enum:
        for form in {fold(member.value), fold(estonian(member))}:
            assert owners.setdefault(form, member) is member, (enum.__name__, form)


def test_ascii_spelling_and_spaces_are_taken() -> None:
    assert parse_choice(RiskLevel, "korge") is RiskLevel.HIGH
    assert parse_choice(Light, "Punane") is Light.RED
    assert parse_choice(YesNo, "JAH") is YesNo.YES
    with pytest.raises(ValueError, match="not one of yes, no"):
        parse_choice(YesNo, "jaa")


def test_import_columns_take_the_same_estonian_forms() -> None:
    # files/columns.parse_choice delegates to domain parse_choice; a copy of its own would break this.
    risk = next(c for c in ASSESSMENT_COLUMNS if c.field == "risk")
    assert risk.parse("kõrge") is RiskLevel.HIGH
    with pytest.raises(ValueError, match=r"\(Estonian: keskmine, kõrge\)"):
        risk.parse("madal")
