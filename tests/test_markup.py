"""Stored text on screen: rich markup, escape sequences and control characters in what people typed.

A name, note, place or municipality is shown as typed, never read as rich markup (`[/]` used to
crash every table with exit 70, `Kati Kask [asendaja]` lost its bracket, `[link=…]` became a link)
and a control character is written out (`<U+001B>`) instead of reaching the terminal.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from books import once_per_run
from conftest import CODE_F_1999_LEAP
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from rvneet.cli import app
from rvneet.db import Database
from rvneet.domain.visible import visible

# Every free-text field a person or an import file can fill, and the case it ends up in.
FIELDS = (
    "municipality",
    "name",
    "member",
    "org",
    "manager",
    "instrument",
    "place",
    "contact_note",
    "stage_note",
    "goal",
    "goal_reason",
    "kind",
    "feedback",
    "justification",
    "answer_note",
    "reopen_reason",
    "skip_reason",
    "needs_note",
    "followup_note",
    "no_consent_reason",
    "ineligible_reason",
    "address",
    "guardian",
    "guardian_contact",
    "last_education",
    "last_employment",
)
NGTS_FIELDS = ("address", "guardian", "guardian_contact", "last_education", "last_employment")

# The fields some screen shows; the others (notes, reasons, feedback) are only in JSON and CSV.
SHOWN = frozenset(FIELDS) - {
    "place",
    "contact_note",
    "stage_note",
    "feedback",
    "justification",
    "answer_note",
    "reopen_reason",
    "skip_reason",
    "needs_note",
    "followup_note",
}

# Every screen that shows stored text: lists, records, the case plan, and each table report.
SCREENS: tuple[tuple[str, ...], ...] = (
    ("youth", "list"),
    ("youth", "show", "Y-0001"),
    ("youth", "show", "Y-0002"),
    ("youth", "show", "Y-0003"),
    ("youth", "show", "Y-0004"),
    ("case", "list"),
    ("case", "show", "RV-2025-001"),
    ("case", "show", "NEET-2025-001"),
    ("case", "show", "RV-2025-002"),
    ("case", "plan", "RV-2025-001"),
    ("case", "plan", "NEET-2025-001"),
    ("network", "list"),
    ("network", "show", "M-001"),
    ("followup", "due", "--as-of", "2025-12-31"),
    ("outreach", "list"),
    ("check", "--warn-only"),
    ("audit", "--limit", "0"),
    ("report", "lisa4", "--period", "2025"),
    ("report", "neet", "--period", "2025"),
    ("report", "workload", "--as-of", "2025-03-01"),
    ("report", "followups", "--period", "2025"),
)

Invoke = Callable[..., Result]
SOAK = os.environ.get("HYPOTHESIS_PROFILE") == "soak"


def invoker(db: Path, columns: int = 1000, terminal: bool = False) -> Invoke:
    """`rvneet --db DB ARGS...` in-process, on a screen `columns` wide (wide: no cell wraps)."""
    runner = CliRunner()
    env = {"COLUMNS": str(columns), "TTY_COMPATIBLE": "1" if terminal else "0"}

    def invoke(*args: str) -> Result:
        return runner.invoke(app, ["--db", str(db), "--user", "tester", *args], env=env)

    return invoke


def fill(invoke: Invoke, texts: dict[str, str], folder: Path) -> None:
    """A book with `texts[field]` in every free-text field, through the commands people use (and
    an NGTS list file, written in `folder`)."""

    def ok(*args: str) -> str:
        result = invoke(*args)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result.stdout.strip()

    ok("init", "--municipality", texts["municipality"])
    ok("youth", "add", "--name", texts["name"], "--birth-date", "2010-01-01", "--sex", "F")
    ok("youth", "add", "--name", texts["name"], "--birth-date", "2005-01-01", "--sex", "M")
    ok("youth", "add", "--name", texts["name"], "--birth-date", "2000-01-01", "--sex", "M")
    for youth, given_by in (("Y-0001", "guardian"), ("Y-0003", "youth")):
        for scope in ("participation", "data-sharing"):
            ok("youth", "consent", youth, "--date", "2025-01-02", "--scope", scope,
               "--given-by", given_by)  # fmt: skip
    ok("youth", "consent", "Y-0002", "--date", "2025-01-02", "--scope", "participation",
       "--given-by", "youth")  # fmt: skip
    ok("network", "add", "--name", texts["member"], "--role", "youth-worker", "--org", texts["org"])
    ok("staff", "add", "--name", texts["manager"])
    rv = ok("case", "open", "--youth", "Y-0001", "--model", "rv", "--start", "2025-01-06",
            "--risk", "high", "--manager", texts["manager"], "--instrument", texts["instrument"])  # fmt: skip
    ok("case", "contact", rv, "--date", "2025-01-07", "--channel", "meeting",
       "--place", texts["place"], "--note", texts["contact_note"])  # fmt: skip
    ok(
        "case",
        "stage",
        rv,
        "risk-assessment",
        "--date",
        "2025-01-08",
        "--note",
        texts["stage_note"],
    )
    ok("case", "member", "add", rv, "M-001", "--date", "2025-01-09")
    ok("case", "goal", "add", rv, texts["goal"], "--date", "2025-01-10")
    ok("case", "goal", "add", rv, texts["goal"], "--date", "2025-01-10")
    ok("case", "goal", "drop", rv, "2", "--date", "2025-01-20", "--reason", texts["goal_reason"])
    ok("case", "activity", "add", rv, "--member", "M-001", "--kind", texts["kind"],
       "--start", "2025-01-11")  # fmt: skip
    ok("case", "activity", "end", rv, "1", "--date", "2025-01-25", "--status", "completed",
       "--feedback", texts["feedback"], "--satisfaction", "4")  # fmt: skip
    ok("case", "support-request", rv, "--date", "2025-01-12", "--kind", "process-management",
       "--justification", texts["justification"])  # fmt: skip
    ok("case", "support-answer", rv, "1", "--date", "2025-01-26", "--granted",
       "--note", texts["answer_note"])  # fmt: skip
    ok("case", "close", rv, "--end", "2025-02-01", "--reason", "goals-met")
    ok("case", "reopen", rv, "--date", "2025-02-03", "--reason", texts["reopen_reason"])
    ok("case", "close", rv, "--end", "2025-02-10", "--reason", "goals-met")
    ok("followup", "skip", rv, "--reason", texts["skip_reason"])
    neet = ok("case", "open", "--youth", "Y-0002", "--model", "neet", "--group", "neet",
              "--start", "2025-01-06", "--light", "red", "--manager", texts["manager"],
              "--channel", "self")  # fmt: skip
    ok("case", "needs", neet, "--date", "2025-01-07", "--need", "work", "--neet-months", "3",
       "--motivation", "3", "--note", texts["needs_note"])  # fmt: skip
    ok("case", "member", "add", neet, "M-001", "--date", "2025-01-09",
       "--no-consent-reason", texts["no_consent_reason"])  # fmt: skip
    ok("case", "goal", "add", neet, texts["goal"], "--date", "2025-01-10")
    ok("case", "close", neet, "--end", "2025-02-01", "--reason", "goals-met")
    ok("followup", "record", neet, "--date", "2025-08-01", "--reached", "yes",
       "--note", texts["followup_note"])  # fmt: skip
    ok("case", "open", "--youth", "Y-0003", "--model", "rv", "--start", "2025-01-06",
       "--risk", "high", "--manager", texts["manager"],
       "--allow-ineligible", texts["ineligible_reason"])  # fmt: skip
    ok("case", "close", "RV-2025-002", "--end", "2025-03-01", "--reason", "moved")  # follow-up due
    ngts = folder / "ngts.json"
    entry = {"id_code": CODE_F_1999_LEAP, "name": texts["name"]}
    ngts.write_text(json.dumps([entry | {f: texts[f] for f in NGTS_FIELDS}]), encoding="utf-8")
    ok("import", "ngts", str(ngts), "--list-date", "2025-03-15")  # Y-0004


def squeezed(text: str) -> str:
    """`text` without whitespace: a cell's text is found whatever its padding."""
    return "".join(text.split())


# Control characters and bidi controls, as `visible` writes them out.
HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def screens(invoke: Invoke, lang: str = "en") -> str:
    """Every screen, which must each succeed with nothing of the stored text acted on; all output."""
    outputs = []
    for args in SCREENS:
        result = invoke("--lang", lang, *args)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        assert not result.stderr or "unexpected" not in result.stderr, (args, result.stderr)
        shown = result.stdout + result.stderr
        assert not HIDDEN.search(shown), (args, shown)  # no ESC, CR, BEL, C1, bidi override
        outputs.append(shown)
    return "\n".join(outputs)


HOSTILE = {
    "brackets": "Kati Kask [asendaja] [/] Mari",
    "a link and an emoji code": "[link=https://x.example]y[/link] :smile: [bold red]on[/]",
    "a colour and escaped tags": "\x1b[31mred Mets \\[bold]x\\",
    "control characters": "Lill\r\x07\x08\x0b\x0c\x1b]0;title\x07\x7f\x9b\u202eabc\u2066",
}


@pytest.fixture(scope="module", params=sorted(HOSTILE))
def hostile_book(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A book with one hostile text in every free-text field, built once per test run (shared by
    the xdist workers)."""

    def build(path: Path) -> None:
        folder = path.parent / f"{path.name}.files"
        folder.mkdir()
        fill(invoker(path), dict.fromkeys(FIELDS, HOSTILE[request.param]), folder)
        path.chmod(0o600)

    return once_per_run(tmp_path_factory, f"markup-{sorted(HOSTILE).index(request.param)}", build)


@pytest.fixture
def hostile(hostile_book: Path, tmp_path: Path) -> tuple[Path, str]:
    """A copy of the hostile book (showing a record writes to the audit log) and its text."""
    path = tmp_path / "book.db"
    shutil.copyfile(hostile_book, path)
    path.chmod(0o600)
    text = sqlite3.connect(hostile_book).execute("SELECT name FROM youths").fetchone()[0]
    return path, text


@pytest.mark.parametrize("lang", ["en", "et"])
def test_every_screen_shows_stored_text_as_typed(hostile: tuple[Path, str], lang: str) -> None:
    # Breaks without `plain` in cli/common.table and reports/render.render_table: `[/]` exits 70,
    # `[asendaja]` and `[link=…]` disappear, ESC reaches the output.
    path, text = hostile
    invoke = invoker(path)
    expected = squeezed(visible(text))
    for args in SCREENS:
        result = invoke("--lang", lang, *args)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        assert not HIDDEN.search(result.stdout + result.stderr), (args, result.stdout)
        if args[0] not in {"audit", "check"}:
            # Every other screen shows at least one stored text (a report: the municipality).
            assert expected in squeezed(result.stdout), (args, expected, result.stdout)


def test_the_six_commands_of_the_issue_show_markup_literally(hostile: tuple[Path, str]) -> None:
    path, text = hostile
    invoke = invoker(path, columns=120)  # a narrow screen: long cells wrap, nothing crashes
    for args in (
        ("youth", "list"),
        ("case", "list"),
        ("case", "show", "RV-2025-001"),
        ("case", "plan", "RV-2025-001"),
        ("network", "list"),
        ("report", "workload", "--as-of", "2025-03-01"),
    ):
        result = invoke(*args)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        assert "\x1b" not in result.stdout
    youths = invoker(path)("youth", "list").stdout
    assert squeezed(visible(text)) in squeezed(youths)


def test_on_a_terminal_stored_text_is_not_run(hostile: tuple[Path, str]) -> None:
    # On a terminal rich writes its own colours (ESC sequences) but never the stored ones: no
    # stored colour, no hyperlink (OSC 8), no window title (OSC 0).
    path, text = hostile
    invoke = invoker(path, terminal=True)
    for args in SCREENS:
        result = invoke(*args)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        out = result.stdout
        assert "\x1b[31mred" not in out and "\x1b]8;" not in out and "\x1b]0;" not in out, out
        plain_text = re.sub(r"\x1b\[[0-9;]*m", "", out)  # rich's own styles
        assert not HIDDEN.search(plain_text), (args, plain_text)
    shown = re.sub(r"\x1b\[[0-9;]*m", "", invoke("youth", "list").stdout)
    assert squeezed(visible(text)) in squeezed(shown)


def test_named_examples_of_the_issue(run: Callable[..., Result], initialised: Path) -> None:
    # The exact texts of the issue, looked at on the screen.
    names = ["Kati Kask [asendaja]", "[link=https://x]y[/link]", "\x1b[31mred", "a\rb", "[/]"]
    for name in names:
        result = run("youth", "add", "--name", name, "--birth-date", "2010-01-01", "--sex", "F")
        assert result.exit_code == 0, result.stderr
    result = run("youth", "list")
    assert result.exit_code == 0, result.stderr
    for line in (
        "Kati Kask [asendaja]",
        "[link=https://x]y[/link]",
        "<U+001B>[31mred",
        "a<U+000D>b",
    ):
        assert line in result.stdout
    assert "│ [/]" in result.stdout
    assert "\x1b" not in result.stdout and "\r" not in result.stdout


def test_an_error_quoting_a_typed_value_shows_its_control_characters(
    run: Callable[..., Result], initialised: Path
) -> None:
    # Breaks without `visible` in cli._fail: the ESC of a typed reference reached the terminal.
    result = run("import", "youths", "no\x1b[2Jsuch\u202e.csv")
    assert result.exit_code != 0
    assert "no<U+001B>[2Jsuch<U+202E>.csv" in result.stderr
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1


def test_a_municipality_with_a_control_character_in_an_xlsx_and_html_report(
    tmp_path: Path,
) -> None:
    # Breaks without `visible` in render.write_xlsx: openpyxl refused the heading (exit 70).
    invoke = invoker(tmp_path / "book.db")
    assert invoke("init", "--municipality", "Vil\x1bjandi <b>").exit_code == 0
    result = invoke("report", "lisa4", "--period", "2025", "--format", "xlsx",
                    "--output", str(tmp_path / "r.xlsx"))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    from openpyxl import load_workbook

    heading = load_workbook(tmp_path / "r.xlsx").worksheets[0]["A1"].value
    assert "Vil<U+001B>jandi <b>" in heading
    page = invoke("report", "lisa4", "--period", "2025", "--format", "html").stdout
    assert "Vil&lt;U+001B&gt;jandi &lt;b&gt;" in page and "\x1b" not in page


def test_visible_writes_out_controls_and_keeps_text() -> None:
    assert visible("Mari Maasikas") == "Mari Maasikas"
    assert visible("a\x1bb\x9bc\u202ed\x7f") == "a<U+001B>b<U+009B>c<U+202E>d<U+007F>"
    assert visible("one\r\ntwo\tthree\rfour") == "one\ntwo\tthree<U+000D>four"


# Text drawn from markup, escapes and control characters; no NUL (a command-line argument cannot
# hold one), line breaks and tabs only inside (a cell keeps a note's lines; they are tested above).
TOKENS = st.sampled_from(
    [
        "[", "]", "[/]", "[/", "[b]", "[bold red]", "[link=https://x]", "[/link]", "\\", "\\[",
        ":smile:", ":", "=", "/", "#", "@", "a", "Ä", "õ", " ", "\x1b", "\x1b[31m", "\x1b]8;;",
        "\r", "\x07", "\x08", "\x7f", "\x85", "\x9b", "\u202e", "\u2067", "\u2028", "<", "&",
        "%s", "{x}",
    ]
)  # fmt: skip
TEXTS = st.lists(TOKENS, min_size=1, max_size=6).map("".join)


@pytest.fixture(scope="module")
def empty_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database at the newest schema with no municipality yet: `init` names it."""
    path = tmp_path_factory.mktemp("empty") / "rvneet.db"
    Database(path, "tester").create()
    return path


# An example runs some sixty commands (about 5 s): a few in the default run, the soak profile's
# number under soak. No shrinking: it would run for many minutes; the failing texts are printed.
@settings(
    max_examples=settings().max_examples if SOAK else 3,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(texts=st.fixed_dictionaries({field: TEXTS for field in FIELDS}))
def test_any_stored_text_on_every_screen(
    empty_book: Path, tmp_path: Path, texts: dict[str, str]
) -> None:
    # Wrapped in letters: the commands strip the ends of what is typed, and refuse empty text.
    texts = {field: f"q{text}q" for field, text in texts.items()}
    path = tmp_path / "any.db"
    path.unlink(missing_ok=True)
    shutil.copyfile(empty_book, path)
    path.chmod(0o600)
    invoke = invoker(path)
    fill(invoke, texts, tmp_path)
    shown = squeezed(screens(invoke))
    for field in SHOWN:
        assert squeezed(visible(texts[field])) in shown, (field, visible(texts[field]))
