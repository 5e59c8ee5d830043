"""Issue 19: values shown to people in Estonian are words, never input tokens or English codes.

Every table and `show` screen is rendered in Estonian on the demo book (examples/load.sh), and no
cell may hold a hyphenated input token (`eesmärgid-saavutatud`, `laiem-võrgustik`) or an English
code (`rv`, `goals-met`, `M`, `high`); the same screens in English keep the English values, and
JSON keeps them whatever the language.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path

import pytest
from books import copy_book
from typer.testing import CliRunner

from rvneet.cli import app
from rvneet.domain import enums
from rvneet.domain.enums import ESTONIAN, FORMER, LABELS, estonian, label

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
VOCABULARIES = [
    e
    for e in vars(enums).values()
    if isinstance(e, type) and issubclass(e, StrEnum) and e is not StrEnum
]
# Typed forms with a hyphen that are not how the value reads (its label has no such token).
TOKENS = sorted(
    {
        form
        for enum in VOCABULARIES
        for member in enum
        for form in (member.value, estonian(member), *FORMER.get(enum, {}).get(member, ()))
        if "-" in form and form not in label(member)
    }
)
TOKEN = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, TOKENS)) + r")(?![\w-])")
# An English value standing alone in a cell, where Estonian has words of its own for it.
CODES = {
    member.value
    for enum in VOCABULARIES
    for member in enum
    if label(member) != member.value and (enum in ESTONIAN or enum in LABELS)
}
_CELL = re.compile(r"[│┃]")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_book: Path) -> Iterator[Path]:
    """A copy of the demo book for the module (the screens only read it). A wide terminal:
    the values are checked here, not the wrapping of headers (tests/test_table_widths.py)."""
    workdir = tmp_path_factory.mktemp("demo")
    shutil.copytree(EXAMPLES, workdir / "examples")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(workdir)
        patch.setenv("RVNEET_DB", str(workdir / "rvneet.db"))
        patch.setenv("RVNEET_USER", "tester")
        patch.setenv("COLUMNS", "400")
        patch.delenv("RVNEET_LANG", raising=False)
        copy_book(demo_book, workdir / "rvneet.db")
        yield workdir


@pytest.fixture
def on_demo(demo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test reads the module's demo book (conftest gives every test a database of its own)."""
    monkeypatch.setenv("RVNEET_DB", str(demo / "rvneet.db"))
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.delenv("RVNEET_LANG", raising=False)
    return demo


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), prog_name="rvneet")
    assert result.exit_code in (0, 1), (args, result.stdout, result.stderr)
    return result.stdout


def _refs(kind: str) -> list[str]:
    paged = () if kind == "network" else ("--limit", "0")
    rows = json.loads(_run(kind, "list", "--format", "json", *paged))
    key = {"case": "case", "youth": "youth", "network": "member"}[kind]
    return [row[key] for row in rows]


def screens() -> Iterator[list[str]]:
    """Every listing and `show` screen of the demo book, as command lines."""
    yield ["case", "list", "--limit", "0"]
    yield ["youth", "list", "--limit", "0"]
    yield ["network", "list"]
    yield ["followup", "due", "--limit", "0"]
    yield ["outreach", "list"]
    yield ["check", "--period", "2025", "--warn-only"]
    yield ["retention", "--older-than", "1"]
    yield ["find", "tamm"]
    yield ["audit", "--limit", "0"]
    for report in ("lisa4", "neet", "followups"):
        yield ["report", report, "--period", "2025"]
    yield ["report", "workload", "--as-of", "2025-06-30"]
    for ref in _refs("case"):
        yield ["case", "show", ref]
        yield ["case", "plan", ref]
    for ref in _refs("youth"):
        yield ["youth", "show", ref]
    for ref in _refs("network"):
        yield ["network", "show", ref]


def cells(text: str) -> Iterator[str]:
    """The cells of the tables in `text`, and every other line as a whole."""
    for line in text.splitlines():
        if _CELL.search(line):
            yield from (cell.strip() for cell in _CELL.split(line) if cell.strip())
        elif line.strip() and not set(line.strip()) <= set("─━┏┓┗┛┡┩└┘┌┐├┤┼╇╋┳┻┬┴╭╮╰╯"):
            yield line.strip()


def offences(text: str) -> list[str]:
    """The input tokens and English codes among the values of an Estonian screen."""
    found = []
    for cell in cells(text):
        found += [f"token {m.group(1)!r} in {cell!r}" for m in TOKEN.finditer(cell)]
        parts = {p.strip() for p in re.split(r"[,;]\s*|\s+\(|\)", cell)}
        found += [f"code {part!r} in {cell!r}" for part in sorted(parts & CODES)]
    return found


def test_every_estonian_screen_shows_words_not_tokens_or_codes(on_demo: Path) -> None:
    seen = []
    for args in screens():
        out = _run("--lang", "et", *args)
        seen.append(args[:2])
        assert not offences(out), (args, offences(out))
    assert len(seen) > 30  # the demo book has cases, youths and members to show


def test_english_screens_keep_the_values(on_demo: Path) -> None:
    # English output is unchanged: the codes are what an English screen shows.
    case_list = _run("case", "list", "--limit", "0")
    assert "rv" in set(cells(case_list)) and "Ringist välja" not in case_list
    shown = _run("case", "show", "NEET-2025-001")
    assert "NEET, group neet" in shown and "NEET-olukorras" not in shown
    estonian_show = _run("--lang", "et", "case", "show", "NEET-2025-001")
    assert "NEET-olukorras noored (15–29)" in estonian_show


def test_json_keeps_the_tokens_in_estonian(on_demo: Path) -> None:
    rows = json.loads(_run("--lang", "et", "case", "list", "--format", "json", "--limit", "0"))
    assert {row["model"] for row in rows} == {"rv", "neet"}
    record = json.loads(_run("--lang", "et", "case", "show", "NEET-2025-001", "--format", "json"))
    assert record["group"] in ("neet", "risk")


def test_the_check_catches_a_token_and_a_code() -> None:
    # Not vacuous: the old screens' values are caught.
    assert offences("│ Seis │ suletud (eesmärgid-täidetud) │")
    assert offences("│ Mudel │ rv │")
    assert offences("│ Noor │ Jaan (Y-0001), M, vanus 17 │")
    assert offences("│ Kuuluvus │ laiem-võrgustik │")
    assert not offences(
        "│ Seis │ lõpetatud (eesmärgid saavutatud) │ e-kiri │ NEET-olukorras noored │"
    )


def test_report_and_xlsx_headers_use_the_screens_words(on_demo: Path) -> None:
    # The Lisa 4 XLSX (for SKA) and the screens name the same things the same way.
    import openpyxl

    target = on_demo / "lisa4.xlsx"
    _run(
        "--lang",
        "et",
        "report",
        "lisa4",
        "--period",
        "2025",
        "--format",
        "xlsx",
        "--output",
        str(target),
    )
    header = next(openpyxl.load_workbook(target)["Juhtumid"].iter_rows(values_only=True))
    screen = _run("--lang", "et", "case", "show", "RV-2024-001") + _run(
        "--lang", "et", "case", "list", "--limit", "0"
    )
    for word in ("Juhtum", "Riskitase", "SKA rakendustuge taotletud", "Algus", "Lõpp"):
        assert word in header and word in screen, word
    workload = _run("--lang", "et", "report", "workload", "--as-of", "2025-06-30")
    assert "RV: kõrge risk" in workload and "NEET: punane olukord" in workload
