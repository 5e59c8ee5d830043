"""Run the `$ rvneet …` examples of README.md and docs/*.md and compare their output with the page.

    python docs/examples.py --check [FILE ...]    # exit 1 and show the differences when one drifted
    python docs/examples.py --update [FILE ...]   # write every example's output in place (make docs)

An example is a `$ …` line inside a fenced block; the lines after it, up to the next `$` line or the
end of the block, are what it prints (stdout and stderr, in order). A line `...` alone stands for
any number of lines: a block whose output still matches keeps it, one that drifted is written out
in full by `--update`. The rules of a page (docs/development.md, "The examples in the docs"):

- `<!-- examples: book=demo|empty|none -->` outside a block starts a fresh book for the commands
  after it: a copy of the demo book (examples/load.sh, loaded as kadri), a new book with nothing in
  it, or no database at all. A page starts on the demo book.
- `<!-- example: exit-only (why) -->` just before a block compares only whether each command
  failed as the page says (`Error:` in its output) or succeeded; `<!-- example: skip (why) -->`
  does not run it.
- The clock stands at 2026-11-30 09:00 UTC, the user is kadri, the terminal 100 columns wide, the
  home folder reads /home/kadri and the database is ~/kov/rvneet.db. `$ export A=B` sets a variable
  for the rest of the page, `COLUMNS=90 rvneet …` for one line; `> FILE` redirects stdout; other
  commands (`sha256sum`) run in the shell in the page's folder.

`rvneet` runs in this process through typer's CliRunner: the demo book is built once per run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import difflib
import io
import os
import re
import runpy
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
HOME = "/home/kadri"
CLOCK = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
COLUMNS = "100"
USER = "kadri"
BOOKS = ("demo", "empty", "none")

_PAGE_MARK = re.compile(r"<!--\s*examples:\s*book=(\w+)\s*-->")
_BLOCK_MARK = re.compile(r"<!--\s*example:\s*(exit-only|skip)\b.*-->")
_QUESTION = re.compile(r"\[(?:y/N|j/E)\]: (\S+)$")
_QUESTION_ASKED = re.compile(r"\[(?:y/N|j/E)\]: ")
_ASSIGN = re.compile(r"^[A-Z_][A-Z0-9_]*=")


def pages() -> list[Path]:
    """README.md and the guides in docs/ (the glossary is generated from glossary.toml)."""
    docs = sorted(p for p in (ROOT / "docs").glob("*.md") if p.name != "glossary.md")
    return [ROOT / "README.md", *docs]


@dataclass
class Example:
    """One `$ …` line of a page and the output the page shows after it."""

    line: int  # index of the `$` line in the page's lines
    command: str
    expected: list[str]
    mode: str = "compare"  # compare | exit-only | skip


@dataclass
class Book:
    """A `<!-- examples: book=… -->` mark: the examples after it start on this book."""

    line: int
    kind: str


@dataclass
class Page:
    """A Markdown page as its lines and the marks and examples found in them."""

    path: Path
    lines: list[str]
    items: list[Example | Book] = field(default_factory=list)


def parse(path: Path) -> Page:
    """The book marks and examples of the page at `path`, in order."""
    lines = path.read_text(encoding="utf-8").split("\n")
    page = Page(path, lines)
    in_block = False
    mode = "compare"
    current: Example | None = None
    for number, line in enumerate(lines):
        if line.startswith("```"):
            if in_block:
                in_block, current, mode = False, None, "compare"
            else:
                in_block = True
                mode = _block_mode(lines, number)
            continue
        if not in_block:
            if found := _PAGE_MARK.search(line):
                if found.group(1) not in BOOKS:
                    raise SystemExit(f"{path}:{number + 1}: unknown book {found.group(1)!r}")
                page.items.append(Book(number, found.group(1)))
            continue
        if line.startswith("$ "):
            current = Example(number, line[2:], [], mode)
            page.items.append(current)
        elif current is not None:
            current.expected.append(line)
    return page


def _block_mode(lines: list[str], fence: int) -> str:
    """The mode a comment just before the block at `fence` gives it (blank lines between allowed)."""
    before = fence - 1
    while before >= 0 and not lines[before].strip():
        before -= 1
    if before >= 0 and (found := _BLOCK_MARK.search(lines[before])):
        return found.group(1)
    return "compare"


class Runner:
    """Runs a page's examples, each page and each book in a folder of its own."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self._demo: Path | None = None
        self.env: dict[str, str | None] = {}
        self.folder = scratch
        self.pending = "demo"
        self._command: Any = None  # the click command tree of rvneet.cli.app
        self.folders: list[Path] = []

    def close(self) -> None:
        """Remove the pages' folders (the scratch folder is the caller's)."""
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)
        self.folders.clear()

    def demo_book(self) -> Path:
        """The demo book, loaded once from examples/load.sh as kadri at the fixed clock."""
        if self._demo is None:
            folder = self.scratch / "demo-build"
            folder.mkdir()
            shutil.copytree(EXAMPLES, folder / "examples")
            self._demo = folder / "demo.db"
            env = {**self.base_env(folder), "RVNEET_DB": str(self._demo)}
            loader = runpy.run_path(str(EXAMPLES / "load.py"))
            with (
                _environment(env),
                contextlib.chdir(folder),
                contextlib.redirect_stdout(io.StringIO()),
            ):
                loader["main"](EXAMPLES / "load.sh")
        return self._demo

    def base_env(self, folder: Path) -> dict[str, str | None]:
        """The environment every example starts with, in `folder` as the home folder."""
        return {
            "HOME": str(folder),
            "RVNEET_DB": str(folder / "kov" / "rvneet.db"),
            "RVNEET_USER": USER,
            "COLUMNS": COLUMNS,
            "LANG": "C.UTF-8",
            "XDG_DATA_HOME": str(folder / ".local" / "share"),
            "XDG_STATE_HOME": str(folder / ".local" / "state"),
            "RVNEET_LANG": None,
            "LC_ALL": None,
            "LC_MESSAGES": None,
            "RVNEET_KEY": None,
            "RVNEET_DEBUG": None,
            "RVNEET_NO_INPUT": None,
        }

    def start_page(self) -> None:
        """A page starts with its own variables and on the demo book."""
        self.env = {}
        self.start_book("demo")

    def start_book(self, kind: str) -> None:
        """The next command gets a fresh book of `kind`, in a new folder (no engine sees the old)."""
        self.folder = _home_folder()
        self.folders.append(self.folder)
        for name in ("kov", "backups"):
            (self.folder / name).mkdir()
        shutil.copytree(EXAMPLES, self.folder / "examples")
        self.pending = kind

    def _environment(self) -> dict[str, str | None]:
        env = self.base_env(self.folder)
        for name, value in self.env.items():
            env[name] = None if value is None else _expand(value, self.folder)
        return env

    def _make_book(self, env: dict[str, str | None]) -> None:
        kind, self.pending = self.pending, ""
        if not kind or kind == "none":
            return
        target = Path(env["RVNEET_DB"] or "")
        if not target.is_absolute():
            target = self.folder / target
        target.parent.mkdir(parents=True, exist_ok=True)
        if kind == "demo":
            shutil.copyfile(self.demo_book(), target)
            target.chmod(0o600)
        else:
            code, _ = self._rvneet(["init", "--municipality", "Viljandi linn"], {**env})
            if code:
                raise SystemExit("could not make an empty book")

    def run(self, command: str, answers: str = "") -> tuple[int, str]:
        """The exit code and the output of one `$` line, paths shown under /home/kadri; `answers`
        are typed at its questions."""
        words = shlex.split(command, comments=True)
        extra: dict[str, str | None] = {}
        while words and _ASSIGN.match(words[0]):
            name, value = words.pop(0).split("=", 1)
            extra[name] = value
        if words and words[0] == "export":
            for assignment in words[1:]:
                name, value = assignment.split("=", 1)
                self.env[name] = value
            return 0, ""
        env = {**self._environment(), **extra}
        if words[:1] != ["rvneet"]:
            return self._shell(command, env)
        if "|" in words:
            raise SystemExit(f"a pipe is not run in the examples: {command}")
        target = None
        if ">" in words:
            at = words.index(">")
            target, words = words[at + 1], words[:at]
        self._make_book(env)
        args = [_expand(word, self.folder) for word in words[1:]]
        code, output = self._rvneet(args, env, answers)
        if answers:  # a terminal echoes what is typed at a question; the runner does not
            typed = iter(answers.splitlines())
            output = _QUESTION_ASKED.sub(lambda m: m.group(0) + next(typed, "") + "\n", output)
        if target is not None:
            if target != "/dev/null":
                (self.folder / _expand(target, self.folder)).write_text(output, encoding="utf-8")
            output = ""
        return code, self._shown(output)

    def _rvneet(
        self, args: list[str], env: dict[str, str | None], answers: str = ""
    ) -> tuple[int, str]:
        import typer.main
        import typer.testing

        from rvneet.cli import app

        if self._command is None:  # the command tree costs ~0.2 s to build: once per run
            self._command = typer.main.get_command(app)
        build = typer.testing._get_command
        typer.testing._get_command = lambda _: self._command  # type: ignore[assignment]
        try:
            with contextlib.chdir(self.folder):
                result = typer.testing.CliRunner().invoke(
                    app, args, prog_name="rvneet", env=env, input=answers
                )
        finally:
            typer.testing._get_command = build
        if result.exit_code == 70 or (
            result.exception is not None and not isinstance(result.exception, SystemExit)
        ):
            raise SystemExit(f"rvneet {' '.join(args)} crashed: {result.exception!r}")
        return result.exit_code, result.output

    def _shell(self, command: str, env: dict[str, str | None]) -> tuple[int, str]:
        self._make_book(env)
        full = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
        done = subprocess.run(
            command, shell=True, cwd=self.folder, env=full, capture_output=True, text=True
        )
        return done.returncode, self._shown(done.stdout + done.stderr)

    def _shown(self, output: str) -> str:
        return output.replace(str(self.folder), HOME)


def _home_folder() -> Path:
    """A new folder as long as /home/kadri (/tmp/ and 6 letters), so text that names a path wraps
    on the screen as the page shows it."""
    while True:
        folder = Path("/tmp") / secrets.token_hex(3)
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue
        assert len(str(folder)) == len(HOME)
        return folder


def _expand(value: str, folder: Path) -> str:
    """`~` as the page's home folder."""
    if value == "~" or value.startswith("~/"):
        return str(folder) + value[1:]
    return value.replace("=~/", f"={folder}/")


@contextlib.contextmanager
def _environment(env: dict[str, str | None]) -> Iterator[None]:
    """Set (or, for None, unset) variables for a block, then put them back."""
    saved = {name: os.environ.get(name) for name in env}
    try:
        for name, value in env.items():
            _set(name, value)
        yield
    finally:
        for name, value in saved.items():
            _set(name, value)


def _set(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _lines(text: str) -> list[str]:
    """Output as lines, trailing spaces and blank lines at the end left out."""
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def matches(expected: list[str], got: list[str]) -> bool:
    """Whether `got` is `expected`, a `...` line of `expected` standing for any lines."""
    expected = _lines("\n".join(expected))
    if "..." not in expected:
        return expected == got
    pattern = "".join("(?:.*\n)*" if line == "..." else re.escape(line) + "\n" for line in expected)
    return re.fullmatch(pattern, "".join(line + "\n" for line in got)) is not None


def _answers(expected: list[str]) -> str:
    """What the page shows typed at a question (`… [y/N]: y`), one answer a line."""
    typed = [found.group(1) for line in expected if (found := _QUESTION.search(line))]
    return "".join(answer + "\n" for answer in typed)


def _failed_shown(expected: list[str]) -> bool:
    return any(line.startswith(("Error:", "Viga:")) for line in expected)


def run_page(runner: Runner, page: Page) -> tuple[list[str], list[str]]:
    """(problems, the page's lines with every drifted output written in full)."""
    problems: list[str] = []
    out = list(page.lines)
    replacements: list[tuple[int, int, list[str]]] = []
    runner.start_page()
    for item in page.items:
        if isinstance(item, Book):
            runner.start_book(item.kind)
            continue
        if item.mode == "skip":
            continue
        code, output = runner.run(item.command, _answers(item.expected))
        got = _lines(output)
        name = page.path.relative_to(ROOT) if page.path.is_relative_to(ROOT) else page.path
        where = f"{name}:{item.line + 1}: $ {item.command}"
        if item.mode == "exit-only":
            if (code != 0) != _failed_shown(item.expected):
                problems.append(f"{where}\n  exit code {code}\n" + "\n".join(got))
            continue
        if not matches(item.expected, got):
            diff = difflib.unified_diff(
                _lines("\n".join(item.expected)), got, "the page", "the output", lineterm="", n=1
            )
            problems.append(where + "\n" + "\n".join(diff))
            replacements.append((item.line + 1, item.line + 1 + len(item.expected), got))
    for start, end, got in reversed(replacements):
        out[start:end] = got
    return problems, out


def run(paths: list[Path], update: bool, runner: Runner | None = None) -> list[str]:
    """Run the examples of `paths`, on `runner`'s demo book when given (the tests share one);
    write the drifted outputs back when `update`."""
    import time_machine

    problems: list[str] = []
    with contextlib.ExitStack() as stack:
        if runner is None:
            runner = Runner(Path(stack.enter_context(tempfile.TemporaryDirectory())))
            stack.callback(runner.close)
        stack.enter_context(time_machine.travel(CLOCK, tick=False))
        for path in paths:
            page = parse(path)
            found, lines = run_page(runner, page)
            problems += found
            if update and found:
                path.write_text("\n".join(lines), encoding="utf-8")
    return problems


def main(argv: list[str] | None = None) -> int:
    """The command line: `--check` (the default) or `--update`, on the pages given or all."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--update", action="store_true", help="write the outputs in place")
    parser.add_argument("--check", action="store_true", help="only compare (the default)")
    parser.add_argument("files", nargs="*", type=Path)
    options = parser.parse_args(argv)
    paths = [p.resolve() for p in options.files] or pages()
    problems = run(paths, options.update)
    for problem in problems:
        print(problem, file=sys.stderr)
    if options.update:
        print(f"{len(problems)} example outputs written again")
        return 0
    print(f"{len(problems)} examples drifted" if problems else "every example prints what it shows")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
