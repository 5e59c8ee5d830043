"""The import's progress display: on a terminal once it runs a while, never in a pipe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from books import run_on_terminal
from conftest import Run

RVNEET = Path(sys.executable).with_name("rvneet")


def _youths_csv(path: Path, rows: int) -> Path:
    lines = ["name;birth_date;sex"]
    lines += [f"Noor {i};2008-01-{i % 28 + 1:02d};{'MF'[i % 2]}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_terminal_shows_the_progress_of_a_long_import(tmp_path: Path, db_path: Path) -> None:
    env = {**os.environ, "RVNEET_DB": str(db_path), "RVNEET_PROGRESS_DELAY": "0"}
    subprocess.run([str(RVNEET), "init", "-m", "Viljandi linn"], env=env, check=True)
    source = _youths_csv(tmp_path / "noored.csv", 3000)
    code, shown = run_on_terminal([str(RVNEET), "import", "youths", str(source)], env)
    assert code == 0, shown
    assert "importing youths" in shown and "rows" in shown


def test_no_progress_when_output_is_not_a_terminal(
    run: Run, initialised: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _youths_csv(tmp_path / "noored.csv", 3000)
    monkeypatch.setenv("RVNEET_PROGRESS_DELAY", "0")
    result = run("import", "youths", str(source))
    assert result.exit_code == 0
    assert result.stderr == ""
    assert "3000 new" in result.stdout
