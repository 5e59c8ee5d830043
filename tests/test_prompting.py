"""Less typing (issue 15): on a terminal a missing option is asked for; in a pipe it fails as before."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CODE_F_2010, Run, dump, query, refused

import rvneet.cli.prompting

Ok = Callable[..., str]


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make rvneet believe a person is at a terminal (CliRunner's stdin and stdout are not)."""
    monkeypatch.setattr(rvneet.cli.prompting, "on_terminal", lambda: True)
    monkeypatch.delenv("RVNEET_NO_INPUT", raising=False)


@pytest.fixture
def youth(initialised: Path, ok: Ok) -> str:
    """Y-0001, born 2010-01-01: in RV's ages (12–18) from 2022 to 2028."""
    return ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)


def test_a_youth_without_a_code_is_asked_its_birth_date_and_sex(
    initialised: Path, run: Run, terminal: None
) -> None:
    result = run("youth", "add", "--name", "Kadri Põld", input="15.03.2010\nX\nF\n")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().endswith("Y-0001")
    # The question lists the choices with their Estonian forms; a wrong answer is asked again.
    assert "--sex — M, F (Estonian: M, N):" in result.stderr
    assert "Error: 'X' is not one of M, F" in result.stderr
    assert query(initialised, "SELECT birth_date, sex FROM youths") == [("2010-03-15", "F")]


def test_a_youth_with_a_code_is_asked_nothing_else(
    initialised: Path, run: Run, terminal: None
) -> None:
    result = run("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010, input="")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "Y-0001"
    assert result.stderr == ""


def test_an_rv_case_without_risk_asks_for_it_and_enter_takes_today(
    youth: str, run: Run, terminal: None
) -> None:
    result = run("case", "open", "--youth", youth, "--model", "rv", input="\nhigh\n")
    assert result.exit_code == 0, result.stderr
    assert "--start — Start date. [today]:" in result.stderr
    assert "--risk — medium, high (Estonian: keskmine, kõrge):" in result.stderr
    ref = result.stdout.strip().splitlines()[-1]  # after the answers CliRunner echoes
    record = json.loads(run("case", "show", ref, "-f", "json").stdout)
    assert record["level"] == "high"
    assert record["start"] == dt.date.today().isoformat()


def test_in_estonian_the_choices_are_offered_in_estonian_first(
    youth: str, run: Run, terminal: None
) -> None:
    result = run(
        "--lang", "et", "case", "open", "--youth", youth, "--model", "rv", input="täna\nkõrge\n"
    )
    assert result.exit_code == 0, result.stderr
    assert "[täna]:" in result.stderr
    assert "--risk — keskmine, kõrge (inglise keeles: medium, high):" in result.stderr


def test_in_a_pipe_a_missing_option_fails_as_before(youth: str, run: Run, db_path: Path) -> None:
    line = refused(run, db_path, "case", "open", "--youth", youth, "--model", "rv", code=2)
    assert "Missing option '--start'" in line
    line = refused(
        run, db_path, "case", "open", "--youth", youth, "--model", "rv", "--start", "2025-03-03"
    )
    assert "--risk" in line


@pytest.mark.parametrize("how", ["option", "env"])
def test_no_input_fails_as_before_even_on_a_terminal(
    youth: str, run: Run, db_path: Path, terminal: None, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    args = ["case", "open", "--youth", youth, "--model", "rv", "--start", "2025-03-03"]
    if how == "option":
        args.insert(0, "--no-input")
    else:
        monkeypatch.setenv("RVNEET_NO_INPUT", "1")
    assert "--risk" in refused(run, db_path, *args)


def test_no_answer_at_the_question_writes_nothing(
    youth: str, run: Run, db_path: Path, terminal: None
) -> None:
    before = dump(db_path)
    result = run("case", "open", "--youth", youth, "--model", "rv", input="2025-03-03\n")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == "Error: aborted"
    assert dump(db_path) == before


def test_a_neet_case_asks_for_its_light_and_group_in_estonian_words(
    youth: str, run: Run, terminal: None
) -> None:
    result = run(
        "case", "open", "--youth", youth, "--model", "neet", "--start", "2025-03-03",
        input="kollane\nriskis\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "--light — red, yellow, green (Estonian: punane, kollane, roheline):" in result.stderr
    ref = result.stdout.strip().splitlines()[-1]
    record = json.loads(run("case", "show", ref, "-f", "json").stdout)
    assert (record["level"], record["group"]) == ("yellow", "risk")


def test_a_wrong_answer_is_shown_without_its_control_characters(
    initialised: Path, run: Run, terminal: None
) -> None:
    result = run("youth", "add", "--name", "Kadri Põld", input="15.03.2010\n\x1b[2J\nN\n")
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stderr
    assert "Error: '\\x1b[2J' is not one of M, F" in result.stderr
