"""The tour in Estonian (issue 8's "done when"): no English word a user would meet.

Every `$ rvneet …` line of README.md and of docs/casework.md (the walk through a case that was the
README's tour until issue 20) is run twice through the real CLI, once in English and once
with RVNEET_LANG=et: first on a new book, in the README's order, then on the demo book
(examples/load.sh), where every case, report and listing has something to show. The English run
tells which words are English: every word it prints that is not data (a name, a place, a typed
note: the README's command lines and the example files hold them all) and not the same in both
languages (NEET, SKA, rvneet…). The Estonian run must print none of them, on stdout or stderr.
Machine output (JSON, CSV) stays English by design and is not read for words.
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path

import pytest
from books import copy_book
from typer.testing import CliRunner

from rvneet.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
TOUR = (README, ROOT / "docs" / "casework.md")
EXAMPLES = ROOT / "examples"

# Words that are the same in Estonian: names of the models, agencies, formats and the program,
# units and codes, and English words that are also Estonian words.
SAME_IN_BOTH = {
    "rvneet",
    "neet",
    "ringist",
    "välja",
    "ska",
    "kov",
    "ngts",
    "lisa",
    "json",
    "csv",
    "xlsx",
    "html",
    "sqlite",
    "sqlcipher",
    "chmod",
    "jq",
    "rajaleidja",
    "töötukassa",
    "sha",
    "wal",
    "shm",
    "bak",
    "utc",
    "kib",
    "mib",
    "sms",
}
_WORD = re.compile(r"[^\W\d_]{3,}")
MACHINE = re.compile(r"--format[ =](json|csv)|-f (json|csv)")


def _tour_lines() -> list[str]:
    return [line for page in TOUR for line in page.read_text(encoding="utf-8").splitlines()]


def readme_commands() -> list[list[str]]:
    """The arguments after `rvneet` of every `$ rvneet …` line of the tour's pages, in order."""
    found = []
    for line in _tour_lines():
        if not line.startswith("$ rvneet "):
            continue
        command = line[2:].split(" | ")[0].split(" > ")[0]
        found.append(shlex.split(command, comments=True)[1:])
    return found


# Code inside a message is the same in every language: an option, a command to run, a path, a file
# name (`rvneet.db.before-restore-…`).
# A SHA-256 digest (`report lisa4 --submit`) is code too: its letters are no words.
_CODE = re.compile(
    r"--[\w-]+|rvneet [^;)\n]*|/[^\s:;,)']+|\S+\.db\S*|\w+\.(?:csv|xlsx|json|html)\b"
    r"|\b[0-9a-f]{64}\b"
    r"|\bRVNEET_[A-Z_]+"  # an environment variable's name
)


def words(text: str) -> set[str]:
    """The words of `text` (three letters or more, case-folded), leaving out options and commands."""
    return {w.casefold() for w in _WORD.findall(_CODE.sub(" ", text))}


def _typed_values(line: str) -> str:
    """The data a command line types: its values and arguments, not its command, options or words
    of a vocabulary (`--risk high` types no data; `--name "Karl Tamm"` does)."""
    import typer.main

    from rvneet.domain import enums

    vocabulary = {
        m.value
        for e in vars(enums).values()
        if isinstance(e, type) and issubclass(e, StrEnum)
        for m in e
    }
    command = typer.main.get_command(app)
    kept = []
    for token in shlex.split(line, comments=True)[1:]:
        commands = getattr(command, "commands", {})
        if token in commands:
            command = commands[token]
        elif not token.startswith("-") and token not in vocabulary:
            kept.append(token)
    return " ".join(kept)


def data_words() -> set[str]:
    """Words of the data the tour types or loads: names, places, notes."""
    lines = [line[2:] for line in _tour_lines()]
    lines += (EXAMPLES / "load.sh").read_text(encoding="utf-8").replace("\\\n", " ").splitlines()
    typed = "\n".join(_typed_values(line) for line in lines if line.startswith("rvneet "))
    typed += (EXAMPLES / "ngts-2025-03.csv").read_text(encoding="cp1257")  # as NGTS writes it
    import openpyxl

    for row in openpyxl.load_workbook(EXAMPLES / "noored.xlsx").active.iter_rows(values_only=True):
        typed += " ".join(str(cell) for cell in row if cell is not None) + "\n"
    typed += " tester"  # RVNEET_USER in the tests (conftest)
    return {w.casefold() for w in _WORD.findall(typed)}


def tour(workdir: Path, lang: str, demo: Path | None) -> Iterator[tuple[str, str, str]]:
    """(command line, stdout, stderr) of each README command run in `lang` in `workdir`, on a copy
    of the book `demo` if given, else from no book."""
    runner = CliRunner()
    env = {"RVNEET_LANG": lang, "RVNEET_DB": str(workdir / "rvneet.db")}
    workdir.mkdir()
    shutil.copytree(EXAMPLES, workdir / "examples")
    (workdir / "backups").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(workdir)
        patch.setenv("RVNEET_DB", env["RVNEET_DB"])
        if demo:
            copy_book(demo, workdir / "rvneet.db")
        for args in readme_commands():
            args = [a.replace("~", str(workdir)) for a in args]
            if args[:2] == ["--lang", "et"]:  # a README line showing Estonian: as the run's
                args = ["--lang", lang, *args[2:]]
            result = runner.invoke(app, args, prog_name="rvneet", env=env)
            yield " ".join(args), result.stdout, result.stderr


@pytest.mark.parametrize("demo", [False, True], ids=["new-book", "demo-book"])
def test_readme_tour_in_estonian_has_no_english(
    tmp_path: Path, demo: bool, demo_book: Path
) -> None:
    # Breaks when any text the tour shows (an error, a warning, a title, a header, a value in a
    # table, a report label) is not marked for the catalog or has no Estonian translation.
    data = data_words()
    english_run = list(tour(tmp_path / "en", "en", demo_book if demo else None))
    estonian_run = list(tour(tmp_path / "et", "et", demo_book if demo else None))
    leaks = []
    for (line, en_out, en_err), (_, et_out, et_err) in zip(english_run, estonian_run, strict=True):
        english = words(en_err) | (set() if MACHINE.search(line) else words(en_out))
        english -= data | SAME_IN_BOTH
        shown = words(et_err) | (set() if MACHINE.search(line) else words(et_out))
        if found := sorted(english & shown):
            leaks.append(f"rvneet {line}: {', '.join(found)}")
    assert not leaks, "English in the Estonian tour:\n" + "\n".join(leaks)
