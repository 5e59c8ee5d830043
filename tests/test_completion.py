"""Shell completion (issue 15): commands, options, choices and references from the book."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CODE_F_2010, CODE_M_2010, Run, build_template, query
from hypothesis import given, settings
from hypothesis import strategies as st
from pg import connect_book

from rvneet.services.completion import numbers, references

Ok = Callable[..., str]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    def build(ok: Ok) -> None:
        ok("init", "--municipality", "Viljandi linn")
        ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
        ok("youth", "add", "--name", "Jaan Tamm", "--id-code", CODE_M_2010)
        ok("case", "open", "--youth", "Y-0001", "--model", "rv", "--start", "2025-03-03",
           "--risk", "high")  # fmt: skip
        ok("network", "add", "--name", "Kati Kask", "--role", "youth-worker", "--org", "Noortek")
        ok("case", "goal", "add", "RV-2025-001", "Back to school", "--date", "2025-03-10")
        ok("case", "goal", "add", "RV-2025-001", "A summer job", "--date", "2025-03-10")
        ok("case", "activity", "add", "RV-2025-001", "--member", "M-001", "--kind", "counselling",
           "--start", "2025-03-12", "--no-consent-reason", "urgent")  # fmt: skip

    return build_template(tmp_path_factory, "completion", build)


def complete(run: Run, line: str) -> list[str]:
    """What bash is offered for the last word of `line`, through Typer's completion protocol
    (as `rvneet --install-completion` sets it up for bash)."""
    words = line.split(" ")
    env = {
        "_RVNEET_COMPLETE": "complete_bash",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(words) - 1),
    }
    os.environ.update(env)
    try:
        result = run()
    finally:
        for name in env:
            del os.environ[name]
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result.stdout.split()


def test_commands_options_and_choices_complete(run: Run, book: Path) -> None:
    assert complete(run, "rvneet case sho") == ["show"]
    assert "--risk" in complete(run, "rvneet case open --r")
    assert complete(run, "rvneet case open --model ") == ["rv", "neet"]


def test_references_from_the_book_complete(run: Run, book: Path) -> None:
    assert complete(run, "rvneet youth show ") == ["Y-0001", "Y-0002"]
    assert complete(run, "rvneet youth show Y-0002") == ["Y-0002"]
    assert complete(run, "rvneet case show ") == ["RV-2025-001"]
    assert complete(run, "rvneet case open --youth Y") == ["Y-0001", "Y-0002"]
    assert complete(run, "rvneet network show ") == ["M-001"]
    assert complete(run, "rvneet case activity add RV-2025-001 --member ") == ["M-001"]
    assert complete(run, "rvneet audit --ref ") == ["Y-0001", "Y-0002", "RV-2025-001"]


def test_goals_and_activities_of_the_case_typed_before_complete(run: Run, book: Path) -> None:
    assert complete(run, "rvneet case goal done RV-2025-001 ") == ["1", "2"]
    assert complete(run, "rvneet case activity end RV-2025-001 ") == ["1"]
    assert complete(run, "rvneet case goal done NEET-2025-009 ") == []


def test_completing_writes_nothing_and_audits_nothing(run: Run, book: Path) -> None:
    before = query(book, "SELECT count(*) FROM audit_log")
    file = isinstance(book, Path)  # not a book on PostgreSQL (tests/pg.py)
    modified = book.stat().st_mtime_ns if file else None
    complete(run, "rvneet youth show ")
    assert query(book, "SELECT count(*) FROM audit_log") == before
    assert (book.stat().st_mtime_ns if file else None) == modified


def test_a_missing_book_completes_nothing(run: Run, tmp_path: Path) -> None:
    missing = tmp_path / "none" / "rvneet.db"
    assert complete(run, f"rvneet --db {missing} youth show ") == []
    assert not missing.parent.exists()
    not_a_book = tmp_path / "notes.txt"
    not_a_book.write_text("not a database\n")
    assert complete(run, f"rvneet --db {not_a_book} case show ") == []


def test_staff_complete_active_staff_and_nothing_in_a_book_without_the_register(
    book: Path,
) -> None:
    assert references(book, None, "staff") == []  # an empty register
    con = connect_book(book)
    con.execute(
        "INSERT INTO staff (ref, name, role, retired_on, retire_reason) VALUES"
        " ('S-0001', 'A', 'case-manager', NULL, NULL),"
        " ('S-0002', 'B', 'case-manager', '2025-01-01', 'left')"
    )
    con.commit()
    assert references(book, None, "staff") == ["S-0001"]
    con.execute("DROP TABLE manager_changes")
    # An older book, before the register.
    if isinstance(con, sqlite3.Connection):
        con.execute("PRAGMA foreign_keys = OFF")
        con.execute("DROP TABLE staff")
    else:
        con.execute("DROP TABLE staff CASCADE")
    con.commit()
    con.close()
    assert references(book, None, "staff") == []


def test_the_completers_read_the_book_directly(book: Path) -> None:
    assert references(book, None, "youth", "Y-000") == ["Y-0001", "Y-0002"]
    assert references(book, None, "case", "rv") == ["RV-2025-001"]  # any case, as typed
    assert references(book, None, "youth", "%") == []  # a LIKE wildcard is no wildcard
    assert numbers(book, None, "goal", "rv-2025-001") == ["1", "2"]
    assert numbers(book, None, "activity", "RV-2025-001") == ["1"]


def test_the_console_script_completes_a_reference(book: Path) -> None:
    env = {
        **os.environ,
        "_RVNEET_COMPLETE": "complete_bash",
        "COMP_WORDS": "rvneet case show R",
        "COMP_CWORD": "3",
    }
    result = subprocess.run(
        [sys.executable, "-m", "rvneet", "case", "show", "R"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["RV-2025-001"], result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_are_offered_the_same_references(run: Run, book: Path, shell: str) -> None:
    env = {
        "_RVNEET_COMPLETE": f"complete_{shell}",
        "_TYPER_COMPLETE_ARGS": "rvneet case show ",
        "_TYPER_COMPLETE_FISH_ACTION": "get-args",  # what fish's script asks for the words
    }
    os.environ.update(env)
    try:
        result = run()
    finally:
        for name in env:
            del os.environ[name]
    assert result.exit_code == 0, result.stderr
    assert "RV-2025-001" in result.stdout


@settings(max_examples=60, deadline=None)
@given(prefix=st.text(max_size=12))
def test_any_typed_prefix_offers_only_references_starting_with_it(
    template: Path, prefix: str
) -> None:
    for kind in ("youth", "case", "member", "staff"):
        offered = references(template, None, kind, prefix)
        assert all(ref.casefold().startswith(prefix.casefold()) for ref in offered), (kind, offered)
