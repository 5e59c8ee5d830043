"""`youth show` and `case show` list the youth's consents (scope, given by, date, withdrawn): a
table in the user's language, a `consents` list with stable keys in JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import CODE_F_2010, CODE_M_2010, Ok, Run, query

# Oldest first; the withdrawal is its own record.
# `record` is the reference `case correct` and `case withdraw` take.
CONSENTS: list[dict[str, Any]] = [
    {"scope": "participation", "given_by": "guardian", "date": "2024-01-02", "withdrawn": False,
     "record": "K-1"},
    {"scope": "data-sharing", "given_by": "youth", "date": "2024-01-05", "withdrawn": False,
     "record": "K-2"},
    {"scope": "participation", "given_by": "guardian", "date": "2024-03-02", "withdrawn": True,
     "record": "K-3"},
]  # fmt: skip


@pytest.fixture
def youth(ok: Ok, initialised: Path) -> str:
    """A minor (born 2010-01-01) with an RV case, two consents and one withdrawal."""
    ref = ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    for record in CONSENTS:
        withdraw = ["--withdraw"] if record["withdrawn"] else []
        ok(
            "youth", "consent", ref, "--date", str(record["date"]), "--scope", str(record["scope"]),
            "--given-by", str(record["given_by"]), *withdraw,
        )  # fmt: skip
    ok("case", "open", "--youth", ref, "--model", "rv", "--start", "2024-02-01", "--risk", "high")
    return ref


def shown_json(ok: Ok, *args: str) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(ok(*args, "--format", "json"))
    return record


def row(text: str, date: str) -> str:
    """The one line of a table that holds `date`."""
    (line,) = [line for line in text.splitlines() if date in line]
    return line


@pytest.mark.parametrize("command", [("youth", "show", "Y-0001"), ("case", "show", "RV-2024-001")])
def test_json_lists_consents_with_stable_keys(ok: Ok, youth: str, command: tuple[str, ...]) -> None:
    assert shown_json(ok, *command)["consents"] == CONSENTS
    # The keys do not follow the language: JSON is for scripts.
    assert shown_json(ok, "--lang", "et", *command)["consents"] == CONSENTS


@pytest.mark.parametrize("command", [("youth", "show", "Y-0001"), ("case", "show", "RV-2024-001")])
def test_table_lists_consents_in_english(ok: Ok, youth: str, command: tuple[str, ...]) -> None:
    out = ok(*command)
    assert "Consents" in out
    assert row(out, "Scope").split() == ["┃", "Date", "┃", "Scope", "┃", "Given", "by", "┃",
                                         "Withdrawn", "┃", "Record", "┃"]  # fmt: skip
    assert row(out, "2024-01-02").split("│")[1:5] == [
        " 2024-01-02 ",
        " participation ",
        " guardian ",
        " no        ",
    ]
    assert [c.strip() for c in row(out, "2024-01-05").split("│")[1:5]] == [
        "2024-01-05", "data-sharing", "youth", "no"
    ]  # fmt: skip
    assert [c.strip() for c in row(out, "2024-03-02").split("│")[1:5]] == [
        "2024-03-02", "participation", "guardian", "yes"
    ]  # fmt: skip


@pytest.mark.parametrize("command", [("youth", "show", "Y-0001"), ("case", "show", "RV-2024-001")])
def test_table_lists_consents_in_estonian(ok: Ok, youth: str, command: tuple[str, ...]) -> None:
    out = ok("--lang", "et", *command)
    assert "Nõusolekud" in out
    assert "Consents" not in out and "Given by" not in out and "Withdrawn" not in out
    assert [c.strip() for c in row(out, "Ulatus").split("┃")[1:5]] == [
        "Kuupäev", "Ulatus", "Nõusoleku andja", "Tagasi võetud"
    ]  # fmt: skip
    assert [c.strip() for c in row(out, "02.01.2024").split("│")[1:5]] == [
        "02.01.2024", "osalemine", "seaduslik esindaja", "ei"
    ]  # fmt: skip
    assert [c.strip() for c in row(out, "02.03.2024").split("│")[1:5]] == [
        "02.03.2024", "osalemine", "seaduslik esindaja", "jah"
    ]  # fmt: skip


def test_no_consents_is_said(ok: Ok, initialised: Path) -> None:
    ref = ok("youth", "add", "--name", "Mart Tamm", "--id-code", CODE_M_2010)
    ok("case", "open", "--youth", ref, "--model", "rv", "--start", "2024-02-01", "--risk", "medium")
    assert "No consents." in ok("youth", "show", ref)
    assert "Nõusolekuid pole." in ok("--lang", "et", "case", "show", "RV-2024-001")
    assert shown_json(ok, "youth", "show", ref)["consents"] == []
    assert shown_json(ok, "case", "show", "RV-2024-001")["consents"] == []


def test_another_youths_consents_are_not_shown(ok: Ok, youth: str) -> None:
    other = ok("youth", "add", "--name", "Mart Tamm", "--id-code", CODE_M_2010)
    assert shown_json(ok, "youth", "show", other)["consents"] == []


def test_reading_is_still_audited(run: Run, ok: Ok, youth: str, initialised: Path) -> None:
    reads = "SELECT entity, entity_ref FROM audit_log WHERE action = 'read' ORDER BY id"
    before = query(initialised, reads)
    ok("youth", "show", youth)
    ok("case", "show", "RV-2024-001", "--format", "json")
    assert query(initialised, reads)[len(before) :] == [
        ("youths", "Y-0001"),
        ("cases", "RV-2024-001"),
    ]
