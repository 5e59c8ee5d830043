"""Every bad input of issue 2: one `Error:` line on stderr, no traceback, a non-zero exit, and the
database exactly as it was."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import (
    CODE_F_2010,
    Run,
    build_template,
    dump,
    open_and_closed_cases,
)
from stdnum.ee import ik

Ok = Callable[..., str]

TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()


def with_check_digit(first_ten: str) -> str:
    """A code whose check digit is right, whatever the other digits say."""
    return first_ten + ik.calc_check_digit(first_ten + "0")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The book, built once through the CLI for the whole module (each test gets a copy)."""
    return build_template(tmp_path_factory, "bad-input", open_and_closed_cases)


def add_youth(*extra: str) -> list[str]:
    return ["youth", "add", "--name", "Uus Noor", *extra]


def open_case(youth: str = "Y-0002", start: str = "2025-03-03", *extra: str) -> list[str]:
    return ["case", "open", "--youth", youth, "--start", start, *extra]


RV = ["--model", "rv", "--risk", "high"]
NEET = ["--model", "neet", "--light", "red"]

BAD_INPUT: dict[str, list[str]] = {
    # personal codes
    "code-wrong-checksum": add_youth("--id-code", "61001010005"),
    "code-too-short": add_youth("--id-code", "6100101000"),
    "code-too-long": add_youth("--id-code", "610010100099"),
    "code-not-digits": add_youth("--id-code", "6100101000A"),
    "code-impossible-day": add_youth("--id-code", with_check_digit("6100230000")),
    "code-no-leap-day": add_youth("--id-code", with_check_digit("6100229000")),
    "code-impossible-century": add_youth("--id-code", with_check_digit("9100101000")),
    "code-duplicate": add_youth("--id-code", CODE_F_2010),
    "code-contradicts-sex": add_youth("--id-code", with_check_digit("6100505000"), "--sex", "M"),
    "youth-without-sex": add_youth("--birth-date", "2010-01-01"),
    "youth-empty-name": ["youth", "add", "--name", " ", "--birth-date", "2010-01-01", "--sex", "F"],
    "youth-unknown-sex": add_youth("--birth-date", "2010-01-01", "--sex", "X"),
    "youth-born-in-the-future": add_youth("--birth-date", TOMORROW, "--sex", "F"),
    "youth-impossible-birth-date": add_youth("--birth-date", "2010-02-30", "--sex", "F"),
    # unknown references
    "unknown-youth-show": ["youth", "show", "Y-0099"],
    "unknown-youth-open": open_case("Y-0099", "2025-03-03", *RV),
    "malformed-youth-ref": ["youth", "show", "Mari"],
    "unknown-case-show": ["case", "show", "RV-2025-099"],
    "unknown-case-assess": [
        "case",
        "assess",
        "RV-2025-099",
        "--date",
        "2025-04-01",
        "--risk",
        "high",
    ],
    "unknown-case-close": [
        "case",
        "close",
        "NEET-2025-099",
        "--end",
        "2025-04-01",
        "--reason",
        "moved",
    ],
    # dates
    "start-in-the-future": open_case("Y-0002", TOMORROW, *RV),
    "start-not-a-date": open_case("Y-0002", "2025-13-01", *RV),
    "end-in-the-future": ["case", "close", "RV-2025-001", "--end", TOMORROW, "--reason", "moved"],
    "end-before-start": [
        "case",
        "close",
        "RV-2025-001",
        "--end",
        "2025-02-02",
        "--reason",
        "moved",
    ],
    "close-a-closed-case": [
        "case",
        "close",
        "RV-2024-001",
        "--end",
        "2024-10-31",
        "--reason",
        "moved",
    ],
    "assess-before-start": [
        "case",
        "assess",
        "RV-2025-001",
        "--date",
        "2025-02-02",
        "--risk",
        "medium",
    ],
    "assess-after-end": [
        "case",
        "assess",
        "RV-2024-001",
        "--date",
        "2024-10-01",
        "--risk",
        "medium",
    ],
    "assess-in-the-future": [
        "case",
        "assess",
        "RV-2025-001",
        "--date",
        TOMORROW,
        "--risk",
        "medium",
    ],
    # case rules
    "second-open-rv": open_case("Y-0001", "2025-03-03", *RV),
    "rv-age-out-of-range": open_case("Y-0002", "2021-03-03", *RV),
    "start-before-birth": open_case("Y-0002", "2009-03-03", *RV, "--allow-ineligible", "x"),
    "allow-ineligible-empty": open_case("Y-0002", "2021-03-03", *RV, "--allow-ineligible", ""),
    "rv-without-risk": open_case("Y-0002", "2025-03-03", "--model", "rv"),
    "neet-without-group": open_case("Y-0002", "2025-03-03", *NEET),
    # closed vocabularies
    "unknown-model": open_case("Y-0002", "2025-03-03", "--model", "ringist", "--risk", "high"),
    "unknown-model-list": ["case", "list", "--model", "other"],
    "unknown-risk": open_case("Y-0002", "2025-03-03", "--model", "rv", "--risk", "low"),
    "unknown-light": open_case(
        "Y-0002", "2025-03-03", "--model", "neet", "--light", "blue", "--group", "neet"
    ),
    "unknown-assess-risk": [
        "case",
        "assess",
        "RV-2025-001",
        "--date",
        "2025-04-01",
        "--risk",
        "extreme",
    ],
    "unknown-assess-light": [
        "case",
        "assess",
        "NEET-2025-001",
        "--date",
        "2025-04-01",
        "--light",
        "orange",
    ],
    "unknown-group": open_case("Y-0002", "2025-03-03", *NEET, "--group", "youth"),
    "unknown-reason": ["case", "close", "RV-2025-001", "--end", "2025-04-01", "--reason", "bored"],
    "unknown-format": ["case", "list", "--format", "xml"],
    # periods
    "period-half-3": ["report", "lisa4", "--period", "2025H3"],
    "period-quarter-5": ["report", "lisa4", "--period", "2025Q5"],
    "period-month-13": ["report", "lisa4", "--period", "2025-13"],
    "period-month-00": ["report", "lisa4", "--period", "2025-00"],
    "period-impossible-day": ["report", "lisa4", "--period", "2025-02-30..2025-03-01"],
    "period-dots-only": ["report", "lisa4", "--period", ".."],
    "period-open-end": ["report", "lisa4", "--period", "2025-01-01.."],
    "period-backwards": ["report", "lisa4", "--period", "2025-06-30..2025-01-01"],
    "period-empty": ["report", "lisa4", "--period", ""],
    "period-words": ["report", "lisa4", "--period", "last year"],
    "period-missing": ["report", "lisa4"],
}


def assert_refused_cleanly(run: Run, args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code not in (0, None), result.stdout
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and lines[0][len("Error: ") :].strip()
    assert "unexpected" not in lines[0]
    assert "Traceback" not in result.output
    assert "Traceback" not in result.stdout
    assert result.stdout == ""


@pytest.mark.parametrize("args", list(BAD_INPUT.values()), ids=list(BAD_INPUT))
def test_bad_input_is_refused_and_changes_nothing(run: Run, book: Path, args: list[str]) -> None:
    before = dump(book)
    assert_refused_cleanly(run, args)
    assert dump(book) == before


@pytest.mark.parametrize(
    "args",
    [
        ["init", "--municipality", "Viljandi linn"],
        ["youth", "add", "--name", "Uus Noor", "--birth-date", "2010-01-01", "--sex", "F"],
        ["youth", "list"],
        ["report", "lisa4", "--period", "2025H1"],
    ],
    ids=["init", "youth-add", "youth-list", "lisa4"],
)
@pytest.mark.parametrize("how", ["option", "env"])
def test_a_database_in_a_missing_folder_is_refused(
    run: Run, book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], how: str
) -> None:
    missing = tmp_path / "no-such-folder" / "rvneet.db"
    before = dump(book)
    if how == "option":
        assert_refused_cleanly(run, ["--db", str(missing), *args])
    else:
        monkeypatch.setenv("RVNEET_DB", str(missing))
        assert_refused_cleanly(run, args)
    assert not missing.parent.exists()
    assert dump(book) == before


def test_the_invalid_code_is_not_repeated_in_the_message(run: Run, book: Path) -> None:
    code = with_check_digit("6100230000")
    result = run(*add_youth("--id-code", code))
    assert result.exit_code != 0
    assert code not in result.stderr
    assert "personal code" in result.stderr
