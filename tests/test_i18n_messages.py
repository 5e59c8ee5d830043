"""Messages in Estonian (issue 8): every marked text translated, nothing left unmarked, usage errors.

The catalog side: `make i18n` extracts every `_()`, `N_()`, `ngettext()` of src/rvneet; a test here
fails when one has no Estonian translation. The code side: a text a person reads that is not
marked at all cannot be extracted, so the source is scanned for the places where such text goes
(errors raised, warnings, echoed lines) and fails on a bare literal or f-string there.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from conftest import Run

from rvneet.i18n import _, translate, use_language
from rvneet.i18n_catalog import PO_PATH, source_messages

SRC = Path(__file__).resolve().parents[1] / "src" / "rvneet"

# Calls whose first argument a person reads: it must come from the catalog (`_()`, `ngettext()`,
# `.format` on one of them) or be a value (a reference, a number, another message).
USER_FACING = {
    "InvalidInput",
    "NotFound",
    "Conflict",
    "DatabaseError",
    "RvneetError",
    "BadParameter",
    "warn",
    "_fail",
    "echo",
    "print_rich",
    "secho",
}
# A line saying why its text is the same in every language (a program name and version).
UNTRANSLATED = "# untranslated:"
# Modules that are not user-facing: the catalog tool prints for developers running `make i18n`.
NOT_USER_FACING = {"i18n_catalog.py"}


def _catalog() -> dict[str, str]:
    with PO_PATH.open("rb") as f:
        catalog = read_po(f, locale="et")
    # An ngettext entry is keyed by its singular; its first form stands for it being translated.
    return {
        str(m.id if isinstance(m.id, str) else m.id[0]): str(
            m.string if isinstance(m.string, str) else (m.string or [""])[0]
        )
        for m in catalog
        if m.id
    }


def test_every_source_message_has_an_estonian_translation() -> None:
    # Breaks when a _() text is added or changed in the code and not translated in the .po.
    catalog = _catalog()
    missing = sorted(
        {
            (path, m if isinstance(m, str) else m[0])
            for path, m in source_messages()
            if not catalog.get(m if isinstance(m, str) else m[0])
        }
    )
    assert not missing, "run `make i18n` and translate:\n" + "\n".join(map(str, missing))


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _bare_text(node: ast.expr) -> bool:
    """A literal a person would read (it has letters), or an f-string or `+` with such a literal."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and any(c.isalpha() for c in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(_bare_text(v) for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _bare_text(node.left) or _bare_text(node.right)
    return False


def _violations(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or UNTRANSLATED in lines[node.lineno - 1]:
            continue
        name = _name(node.func)
        if isinstance(node.func, ast.Name) and name in {"_", "N_", "ngettext"}:
            # Babel extracts literal texts only; `_(f"…")` or `_(variable)` never reaches the .po.
            if not node.args or not isinstance(node.args[0], ast.Constant):
                found.append(f"{path.name}:{node.lineno}: {name}() of a non-literal")
        elif name in USER_FACING and node.args and _bare_text(node.args[0]):
            found.append(f"{path.name}:{node.lineno}: {name}() of an unmarked text")
    return found


def test_no_unmarked_text_where_people_read_it() -> None:
    # Breaks when a raise, warn() or echo() gets a bare English text or f-string: it could not be
    # translated. Mark it _("… {field} …").format(field=…).
    found = [
        violation
        for path in sorted(SRC.rglob("*.py"))
        if path.name not in NOT_USER_FACING
        for violation in _violations(path)
    ]
    assert not found, "\n".join(found)


def test_the_scan_finds_unmarked_text(tmp_path: Path) -> None:
    # The scan itself can fail: each of these is one violation.
    sample = tmp_path / "sample.py"
    sample.write_text(
        "raise InvalidInput(f'no case {ref}')\n"
        "warn('the file is old')\n"
        "typer.echo(_(f'{n} rows'))\n"
        "raise NotFound(_('no case {ref}').format(ref=ref))\n"
        "typer.echo(ref)\n"
        "typer.echo(f'rvneet {version}')  # untranslated: the program's name\n"
    )
    assert len(_violations(sample)) == 3


@pytest.mark.parametrize(
    ("args", "estonian", "english"),
    [
        (["case", "list", "--bogus"], "Viga: Sellist valikut pole: --bogus", "No such option"),
        (["case", "lst"], "Kas mõtlesid 'list'?", "Did you mean"),
        (["case", "open"], "Puudub valik '--youth'.", "Missing option"),
        (["case", "open", "--youth"], "Valik '--youth' vajab väärtust.", "requires an argument"),
        (
            ["case", "list", "--format", "xml"],
            "Vigane '--format' / '-f' väärtus: 'xml' ei ole",
            "is not one of",
        ),
        (["case", "list", "extra"], "Liigsed argumendid (extra)", "unexpected extra"),
        (["case", "list", "--limit", "x"], "see peab olema täisarv", "Input should be"),
        (
            ["case", "open", "--youth", "Y-1", "--model", "rv", "--risk", "kõrg"],
            "keskmine, kõrge (inglise keeles: medium, high)",
            "Estonian:",
        ),
        (["followup", "due", "--as-of", "2025-13-01"], "ei ole kuupäev", "is not a date"),
    ],
)
def test_usage_errors_in_estonian(
    run: Run, monkeypatch: pytest.MonkeyPatch, args: list[str], estonian: str, english: str
) -> None:
    # Breaks if _usage_message stops calling translate_usage, or a RULES shape no longer matches.
    monkeypatch.setenv("RVNEET_LANG", "et")
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith("Viga: ")
    assert estonian in result.stderr
    assert english not in result.stderr
    assert "(vaata 'rvneet " in result.stderr or "--youth" in args


def test_usage_errors_stay_english_by_default(run: Run) -> None:
    result = run("case", "list", "--bogus")
    assert result.stderr.startswith(
        "Error: No such option: --bogus (see 'rvneet case list --help')"
    )


def test_message_language_is_the_commands_and_reset_after_it(run: Run) -> None:
    # Breaks if RvneetGroup.main leaves Estonian set after an Estonian run.
    assert run("--lang", "et", "case", "list", "--bogus").stderr.startswith("Viga: ")
    with use_language("en"):
        assert _("Error: {message}") == "Error: {message}"
    assert run("case", "list", "--bogus").stderr.startswith("Error: ")


def test_translate_takes_a_language_of_its_own() -> None:
    assert translate("Error: {message}", "et") == "Viga: {message}"
    assert translate("Error: {message}", "en") == "Error: {message}"
    assert translate("a text not in the catalog", "et") == "a text not in the catalog"


@pytest.mark.parametrize(
    ("answer", "confirmed"),
    [("j\n", True), ("jah\n", True), ("y\n", True), ("\n", False), ("ei\n", False), ("", False)],
)
def test_confirm_takes_yes_in_either_language(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    answer: str,
    confirmed: bool,
) -> None:
    # Breaks if confirm stops taking j/jah, or an empty answer (the default, no) goes on.
    import io

    import typer

    from rvneet.cli.common import confirm

    monkeypatch.setattr("sys.stdin", io.StringIO(answer))
    with use_language("et"):
        if confirmed:
            confirm("Kustutada Y-0001?", err=True)
        else:
            with pytest.raises(typer.Abort):
                confirm("Kustutada Y-0001?", err=True)
    assert "Kustutada Y-0001? [j/E]: " in capsys.readouterr().err


def test_confirm_asks_again_after_an_unclear_answer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    from rvneet.cli.common import confirm

    monkeypatch.setattr("sys.stdin", io.StringIO("võib-olla\njah\n"))
    with use_language("et"):
        confirm("Kustutada?")
    assert "Vasta jah või ei." in capsys.readouterr().out


def test_an_empty_text_stays_empty() -> None:
    # gettext("") returns the catalog's header; a headerless column must not show it.
    assert translate("", "et") == ""
    with use_language("et"):
        assert _("") == ""


def _fields(text: str) -> set[str]:
    """The named fields `str.format` fills in `text` ({ref}, {value!r}, {n:,}), by name."""
    import string

    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_translation_has_exactly_the_fields_of_its_english() -> None:
    # Breaks when a translation adds or misspells a {field} (a KeyError in Estonian only, a crash
    # where English works) or drops one (a value missing from the message).
    with PO_PATH.open("rb") as f:
        catalog = read_po(f, locale="et")
    wrong = []
    for m in catalog:
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string or ())
        expected = set().union(*(_fields(i) for i in ids))
        for text in strings:
            # A plural's singular may leave out {n} ("one row" for n=1), never add a field.
            if not _fields(text) <= expected or (len(ids) == 1 and _fields(text) != expected):
                wrong.append(f"{ids[0]!r} → {text!r}")
    assert not wrong, "\n".join(wrong)


def test_fields_are_read_as_format_reads_them() -> None:
    assert _fields("{ref} {value!r} {total:,} {{not a field}}") == {"ref", "value", "total"}
