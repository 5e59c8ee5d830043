"""`rvneet youth add|list|show` through the real CLI, and the help of every command."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CODE_F_2010, CODE_M_1995, CODE_M_2010, Run

Ok = Callable[..., str]


def flat(text: str) -> str:
    """Output with every run of whitespace (table borders' line breaks included) as one space."""
    return " ".join(text.split())


@pytest.mark.usefixtures("initialised")
def test_add_with_code_prints_only_the_reference(ok: Ok) -> None:
    assert ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010) == "Y-0001"


@pytest.mark.usefixtures("initialised")
def test_add_with_code_derives_birth_date_and_sex(ok: Ok) -> None:
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    ok("youth", "add", "--name", "Jaan Tamm", "--id-code", CODE_M_1995)
    mari = json.loads(ok("youth", "show", "Y-0001", "--format", "json"))
    jaan = json.loads(ok("youth", "show", "Y-0002", "--format", "json"))
    assert (mari["birth_date"], mari["sex"], mari["id_code"]) == ("2010-01-01", "F", CODE_F_2010)
    assert (jaan["birth_date"], jaan["sex"], jaan["id_code"]) == ("1995-01-01", "M", CODE_M_1995)


@pytest.mark.usefixtures("initialised")
def test_add_with_code_accepts_a_matching_birth_date_and_sex(ok: Ok) -> None:
    ref = ok(
        "youth", "add", "--name", "Mari", "--id-code", CODE_F_2010,
        "--birth-date", "2010-01-01", "--sex", "F",
    )  # fmt: skip
    assert ref == "Y-0001"


@pytest.mark.usefixtures("initialised")
def test_add_without_code_takes_birth_date_and_sex(ok: Ok) -> None:
    ref = ok("youth", "add", "--name", "Olga Ivanova", "--birth-date", "2011-07-15", "--sex", "F")
    assert ref == "Y-0001"
    record = json.loads(ok("youth", "show", "Y-0001", "--format", "json"))
    assert (record["birth_date"], record["sex"], record["id_code"]) == ("2011-07-15", "F", None)


@pytest.mark.usefixtures("initialised")
@pytest.mark.parametrize(
    "given",
    [["--birth-date", "2011-07-15"], ["--sex", "M"], []],
    ids=["no-sex", "no-birth-date", "neither"],
)
def test_add_without_code_needs_birth_date_and_sex(run: Run, given: list[str]) -> None:
    result = run("youth", "add", "--name", "Olga", *given)
    assert result.exit_code != 0
    assert result.stderr.startswith("Error:")
    assert "birth date and the sex are needed" in result.stderr
    assert result.stdout == ""


@pytest.mark.usefixtures("initialised")
def test_add_format_json_prints_the_created_record(ok: Ok) -> None:
    out = ok("youth", "add", "--name", "Jaan Tamm", "--id-code", CODE_M_2010, "--format", "json")
    record = json.loads(out)
    assert isinstance(record, dict)
    assert record["youth"] == "Y-0001"
    assert record["name"] == "Jaan Tamm"
    assert record["birth_date"] == "2010-05-05"
    assert record["sex"] == "M"
    assert record["id_code"] == CODE_M_2010
    assert isinstance(record["age"], int)


@pytest.mark.usefixtures("initialised")
def test_references_increase(ok: Ok) -> None:
    refs = [
        ok("youth", "add", "--name", "A", "--id-code", CODE_F_2010),
        ok("youth", "add", "--name", "B", "--birth-date", "2009-01-01", "--sex", "M"),
        ok("youth", "add", "--name", "C", "--id-code", CODE_M_2010),
    ]
    assert refs == ["Y-0001", "Y-0002", "Y-0003"]


@pytest.mark.usefixtures("initialised")
@pytest.mark.parametrize(
    ("given", "words"),
    [
        (["--birth-date", "2010-01-02"], "birth date contradicts"),
        (["--sex", "M"], "sex contradicts"),
    ],
)
def test_add_refuses_birth_date_or_sex_contradicting_the_code(
    run: Run, ok: Ok, given: list[str], words: str
) -> None:
    result = run("youth", "add", "--name", "Mari", "--id-code", CODE_F_2010, *given)
    assert result.exit_code != 0
    assert result.stderr.startswith("Error:")
    assert words in result.stderr
    assert json.loads(ok("youth", "list", "--format", "json")) == []


@pytest.mark.usefixtures("initialised")
def test_add_refuses_a_duplicate_code_naming_the_existing_youth(run: Run, ok: Ok) -> None:
    ok("youth", "add", "--name", "Jaan Tamm", "--id-code", CODE_M_1995)
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    result = run("youth", "add", "--name", "Mari M.", "--id-code", CODE_F_2010)
    assert result.exit_code != 0
    assert result.stderr.startswith("Error:")
    assert "Y-0002" in result.stderr
    assert CODE_F_2010 not in result.stderr
    assert len(json.loads(ok("youth", "list", "--format", "json"))) == 2


@pytest.fixture
def two_youths(initialised: Path, ok: Ok) -> None:
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    ok("youth", "add", "--name", "Olga Ivanova", "--birth-date", "2011-07-15", "--sex", "F")
    ok(
        "case",
        "open",
        "--youth",
        "Y-0001",
        "--model",
        "rv",
        "--start",
        "2025-02-03",
        "--risk",
        "high",
    )


@pytest.mark.usefixtures("two_youths")
def test_list_table(ok: Ok) -> None:
    out = flat(ok("youth", "list"))
    assert "Y-0001" in out and "Y-0002" in out
    assert "Mari Maasikas" in out and "Olga Ivanova" in out
    assert CODE_F_2010 not in out


@pytest.mark.usefixtures("two_youths")
def test_list_json_is_an_array_with_stable_keys(ok: Ok) -> None:
    rows = json.loads(ok("youth", "list", "--format", "json"))
    assert isinstance(rows, list)
    assert [list(r) for r in rows] == [
        [
            "youth",
            "name",
            "birth_date",
            "birth_month",
            "sex",
            "age",
            "status",
            "erased_on",
            "open_cases",
        ]
    ] * 2
    assert [(r["youth"], r["open_cases"]) for r in rows] == [("Y-0001", 1), ("Y-0002", 0)]
    assert rows[1]["birth_date"] == "2011-07-15"
    assert CODE_F_2010 not in json.dumps(rows)


@pytest.mark.usefixtures("two_youths")
def test_list_csv_has_a_header_and_no_codes(ok: Ok) -> None:
    out = ok("youth", "list", "--format", "csv")
    lines = out.splitlines()
    assert lines[0] == "youth,name,birth_date,sex,age,open_cases,status"
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["youth"] for r in rows] == ["Y-0001", "Y-0002"]
    assert rows[0]["name"] == "Mari Maasikas"
    assert CODE_F_2010 not in out


@pytest.mark.usefixtures("initialised")
def test_list_when_empty(ok: Ok) -> None:
    assert json.loads(ok("youth", "list", "--format", "json")) == []
    assert (
        ok("youth", "list", "--format", "csv") == "youth,name,birth_date,sex,age,open_cases,status"
    )
    assert "none" in ok("youth", "list")


@pytest.mark.usefixtures("two_youths")
def test_show_table_has_name_code_and_cases(ok: Ok) -> None:
    out = flat(ok("youth", "show", "Y-0001"))
    assert "Y-0001" in out
    assert "Mari Maasikas" in out
    assert CODE_F_2010 in out
    assert "2010-01-01" in out
    assert "RV-2025-001" in out


@pytest.mark.usefixtures("two_youths")
def test_show_json_has_name_code_and_cases(ok: Ok) -> None:
    record = json.loads(ok("youth", "show", "y-0001", "--format", "json"))
    assert record["youth"] == "Y-0001"
    assert record["name"] == "Mari Maasikas"
    assert record["id_code"] == CODE_F_2010
    assert [c["case"] for c in record["cases"]] == ["RV-2025-001"]


def _leaf_commands() -> list[list[str]]:
    """Every command of the CLI, found by walking the app, so a new command cannot go unchecked."""
    from typer.main import get_command

    from rvneet.cli import app

    found: list[list[str]] = []

    def walk(command: Any, path: list[str]) -> None:
        children = getattr(command, "commands", None)
        if children:
            for name, child in children.items():
                walk(child, [*path, name])
        else:
            found.append(path)

    walk(get_command(app), [])
    return found


COMMANDS = _leaf_commands()


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_help_has_an_example(run: Run, command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0, result.stderr
    assert "Example" in result.stdout


@pytest.mark.parametrize("group", [[], ["youth"], ["case"], ["report"]], ids=repr)
def test_group_help(run: Run, group: list[str]) -> None:
    result = run(*group, "--help")
    assert result.exit_code == 0, result.stderr
    assert "Usage" in result.stdout


def test_the_help_examples_work_as_written(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Copying each example from --help, in the order a user meets them, works."""
    monkeypatch.chdir(tmp_path)
    order = [
        ["init"],
        ["youth", "add"],
        ["youth", "list"],
        ["youth", "show"],
        ["case", "open"],
        ["case", "assess"],
        ["case", "list"],
        ["case", "show"],
        ["report", "lisa4"],
        ["case", "close"],
    ]
    for command in order:
        help_text = run(*command, "--help").stdout
        # The first example of the command ("Example: rvneet …" or "Examples: rvneet …").
        line = next(x for x in help_text.splitlines() if re.search(r"Examples?: rvneet ", x))
        argv = shlex.split(re.split(r"Examples?:", line, maxsplit=1)[1].strip(" │"))
        assert argv[0] == "rvneet"
        result = run(*argv[1:])
        assert result.exit_code == 0, (argv, result.stderr)
    assert (tmp_path / "lisa4-2025H1.xlsx").exists()


@pytest.mark.parametrize("group", [[], ["case"], ["network"]], ids=repr)
def test_a_group_without_a_command_shows_its_help_and_no_error(run: Run, group: list[str]) -> None:
    result = run(*group)
    assert result.exit_code == 2
    assert "Usage" in result.stdout + result.stderr
    assert "Error" not in result.stdout + result.stderr
