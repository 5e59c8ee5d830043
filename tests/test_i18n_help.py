"""The --help texts in Estonian (issue 8): a gettext catalog, complete, placeholders kept, at render time."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
import typer.main
from babel.messages.pofile import read_po
from conftest import Run

from rvneet.cli import app
from rvneet.cli.help_i18n import CLICK_STRINGS, DOMAIN, LOCALEDIR, help_texts
from rvneet.i18n_catalog import MO_PATH, PO_PATH, compiled, source_messages

# Command paths whose help is translated so far; a new text under them without an Estonian
# translation fails test_every_help_text_has_a_translation.
TRANSLATED = ("rvneet",)


def _catalog() -> dict[str, str]:
    with PO_PATH.open("rb") as f:
        catalog = read_po(f, locale="et")
    # A plural (ngettext) entry is keyed by its singular, with its first form as its translation.
    return {
        str(m.id if isinstance(m.id, str) else m.id[0]): str(
            m.string if isinstance(m.string, str) else (m.string or [""])[0]
        )
        for m in catalog
        if m.id and not m.fuzzy
    }


def _done(path: str) -> bool:
    return any(path == p or path.startswith(p + " ") for p in TRANSLATED)


def test_every_help_text_has_a_translation() -> None:
    # Breaks when an option's help= or a docstring is added or changed and the .po not updated.
    catalog = _catalog()
    missing = [
        (path, text)
        for path, text in help_texts(typer.main.get_command(app))
        if _done(path) and not catalog.get(text)
    ]
    missing += [("click", text) for text in CLICK_STRINGS if not catalog.get(text)]
    assert not missing, "run `make i18n` and translate:\n" + "\n".join(map(str, missing))


# What a translation must carry over verbatim: format fields, option names, environment
# variables, references, ISO dates, and the \b marker that keeps an example on one line.
_KEPT = re.compile(
    r"\{[^}]*\}|%[sd]|--[a-z][a-z-]*|\$?\bRVNEET_[A-Z_]+|\b[A-Z]+-\d{4}(?:-\d{3})?\b"
    r"|\d{4}-\d{2}-\d{2}|\x08"
)


def _kept(text: str) -> list[str]:
    return sorted(set(_KEPT.findall(text)))


def _translation_problems(msgid: str, msgstr: str) -> list[str]:
    """What a translation drops of its English: {fields}, --options, references, the example."""
    problems = [f"drops {kept!r}" for kept in sorted(set(_kept(msgid)) - set(_kept(msgstr)))]
    problems += [
        f"changes the example {line!r}"
        for line in msgid.splitlines()
        if line.startswith("Example: ")
        and "Näide: " + line.removeprefix("Example: ") not in msgstr.splitlines()
    ]
    if msgid.count("\b") != msgstr.count("\b"):
        problems.append("changes the \\b markers")
    return problems


def test_translation_keeps_placeholders_options_and_examples() -> None:
    # Breaks when a msgstr drops or renames a {field}, an --option, a reference or the example.
    # One test over the whole catalog (not one per text): 1 300 tests cost half a minute of fixtures.
    problems = [
        f"{msgid!r}: {problem}"
        for msgid, msgstr in sorted(_catalog().items())
        if msgstr
        for problem in _translation_problems(msgid, msgstr)
    ]
    assert not problems, "\n".join(problems)


def test_committed_mo_is_the_compiled_po() -> None:
    # Breaks when the .po is edited without `make i18n`: the wheel would ship stale help.
    assert MO_PATH.read_bytes() == compiled()


def test_catalog_loads_with_the_standard_library() -> None:
    tr = gettext.translation(DOMAIN, str(LOCALEDIR), languages=["et"])
    assert tr.gettext("Options") == "Valikud"


@pytest.mark.parametrize("how", ["env", "option"])
def test_case_open_help_in_estonian(run: Run, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    # Breaks if RvneetGroup.main stops calling translate_tree / click_words.
    if how == "env":
        monkeypatch.setenv("RVNEET_LANG", "et")
        result = run("case", "open", "--help")
    else:
        result = run("--lang", "et", "case", "open", "--help")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Kasutus: rvneet case open [VALIKUD]" in out
    assert "Valikud:" in out
    assert "Näide: rvneet case open --youth Y-0001 --model rv --start 2025-03-03 --risk high" in out
    assert "juhtumikorraldaja" in out.lower()
    for english in (
        "Usage:",
        "Options:",
        "Open a case",
        "Show this message and exit.",
        "The case manager",
        "[required]",
        "[default:",
        "Example:",
        "[OPTIONS]",
    ):
        assert english not in out, english


def test_english_stays_the_default(run: Run) -> None:
    result = run("case", "open", "--help")
    assert result.exit_code == 0
    assert "Usage: rvneet case open" in result.stdout
    assert "Open a case and print its reference" in result.stdout
    assert "Show this message and exit." in result.stdout


def test_estonian_help_does_not_leak_into_the_next_run(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Breaks if click_words does not restore Click's words after an Estonian run.
    assert run("--lang", "et", "case", "--help").exit_code == 0
    assert "Usage: rvneet case" in run("case", "--help").stdout


def test_package_ships_the_catalog() -> None:
    assert Path(LOCALEDIR, "et", "LC_MESSAGES", f"{DOMAIN}.mo").is_file()


def test_root_help_and_group_without_command_in_estonian(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Breaks if lang_option misses --lang=et, or the translation only reached subcommands.
    result = run("--db", "x.db", "--lang=et", "--help")
    assert "Kasutus: rvneet [VALIKUD] KÄSK [ARGUMENDID]…" in result.stdout
    assert "Käsud:" in result.stdout
    assert "Juhtumite avamine, hindamine, lõpetamine ja vaatamine." in result.stdout
    monkeypatch.setenv("RVNEET_LANG", "et")
    result = run("followup")
    assert "Järelkontakt: noorega võetakse uuesti ühendust" in result.stdout
    assert "Usage:" not in result.stdout
    # The usage line's placeholders in Estonian too (issue 19); English keeps Click's.
    assert "Kasutus: rvneet followup [VALIKUD] KÄSK [ARGUMENDID]…" in result.stdout
    monkeypatch.setenv("RVNEET_LANG", "en")
    assert "Usage: rvneet [OPTIONS] COMMAND [ARGS]..." in run("--help").stdout


def test_a_commands_own_lang_option_does_not_choose_the_help_language(run: Run) -> None:
    # `import template --lang et` names the template's headers, not the language of the help;
    # breaks if lang_option scans past the command name.
    result = run("import", "template", "youths", "--lang", "et", "--help")
    assert "Usage: rvneet import template" in result.stdout


def test_catalog_holds_only_texts_of_the_command_tree_and_the_source() -> None:
    # Breaks when a help text or a _() message is changed in the code and its old entry stays in
    # the .po (`make i18n` drops it): the catalog is the extract, nothing more.
    extracted = {text for _, text in help_texts(typer.main.get_command(app))} | set(CLICK_STRINGS)
    extracted |= {m if isinstance(m, str) else m[0] for _, m in source_messages()}
    assert set(_catalog()) == extracted
