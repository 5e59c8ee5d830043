"""Start-up cost: `rvneet --help` and every command's help stay light (issue 6: ≤ 150 ms)."""

from __future__ import annotations

import subprocess
import sys

from conftest import Run

# Walks the whole command tree as the console script builds it and renders every help page; then
# reports which heavy modules got loaded. Typer's rich help imports rich and markdown-it (~75 ms)
# unless a group is made with rich_markup_mode=None: a new typer.Typer() without it fails here.
HELP_OF_EVERY_COMMAND = """
import sys
import typer.main
from rvneet.cli import app

root = typer.main.get_command(app)

def walk(command, path):
    ctx = command.make_context(" ".join(path), [], resilient_parsing=True)
    command.get_help(ctx)
    for name, sub in getattr(command, "commands", {}).items():
        walk(sub, path + [name])

walk(root, ["rvneet"])
# (pydantic is not in the list: Typer itself converts option values with it.)
heavy = ("rich", "markdown_it", "sqlalchemy", "sqlmodel", "alembic", "openpyxl")
print(" ".join(m for m in heavy if m in sys.modules) or "none")
"""


def test_help_pages_load_neither_rich_nor_the_database_layer() -> None:
    result = subprocess.run(
        [sys.executable, "-c", HELP_OF_EVERY_COMMAND],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.strip() == "none"


def test_examples_in_help_are_kept_on_one_line(run: Run) -> None:
    # Click rewraps paragraphs; the "\\b" marker before "Example:" keeps a command copyable.
    result = run("case", "close", "--help")
    assert result.exit_code == 0
    assert (
        "Example: rvneet case close RV-2025-001 --end 2025-12-19 --reason goals-met --education yes"
        " --wellbeing-start 3 --wellbeing-end 7" in result.stdout
    )
