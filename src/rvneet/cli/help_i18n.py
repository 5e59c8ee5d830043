"""The --help texts in the user's language: looked up in the gettext catalog when help is rendered.

The catalog (src/rvneet/locale/et/LC_MESSAGES/rvneet.po, compiled to rvneet.mo) is keyed by the
English text exactly as the code has it; `python -m rvneet.i18n_catalog` regenerates it.
Only the standard library here: `import rvneet.cli` must stay light (tests/test_startup.py).
"""

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rvneet.i18n import DOMAIN, LOCALEDIR, translation

__all__ = ["DOMAIN", "LOCALEDIR", "translation"]

# Click's and Typer's own words on a help page; Typer looks them up with the stdlib's gettext.
CLICK_STRINGS = (
    "Usage: ",
    "Options",
    "Arguments",
    "Commands",
    "Show this message and exit.",
    "required",
    "default: {default}",
    "env var: {var}",
    "Missing command.",
    "No such command {name!r}.",
    "Aborted!",
    # The usage line's placeholders (Click's options_metavar and subcommand_metavar).
    "[OPTIONS]",
    "COMMAND",
    "[ARGS]...",
)
_USAGE_WORDS = re.compile(r"\[OPTIONS\]|\bCOMMAND\b|\[ARGS\]\.\.\.")


def _commands(command: Any, path: str = "rvneet") -> Iterator[tuple[str, Any]]:
    """Every command and group under `command` (itself first), with its command path."""
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _commands(sub, f"{path} {name}")


def help_texts(command: Any) -> Iterator[tuple[str, str]]:
    """(command path, text) for every help text a person reads in the tree under `command`."""
    for path, cmd in _commands(command):
        for text in (cmd.help, cmd.short_help, cmd.epilog):
            if text:
                yield path, text
        for param in cmd.params:
            if getattr(param, "help", None):
                yield path, param.help


def translate_tree(command: Any, lang: str) -> None:
    """Give every help text in the tree under `command` in `lang` (English: as the code has it).

    The English texts are kept on each object the first time, so one tree can be translated
    again and again (the shell and the tests reuse one tree for many commands).
    """
    if command.__dict__.get("_rvneet_lang", "en") == lang:
        return  # already in `lang`: a tree is translated only when its language changes
    tr = None if lang == "en" else translation(lang)
    for _path, cmd in _commands(command):
        if "_help_option" in cmd.__dict__:
            # Click makes --help's own option once, in the language of that run: make it again.
            cmd._help_option = None
        for obj, attrs in (
            (cmd, ("help", "short_help", "epilog")),
            *((p, ("help",)) for p in cmd.params),
        ):
            english = obj.__dict__.setdefault(
                "_rvneet_english", {a: getattr(obj, a, None) for a in attrs}
            )
            for attr, text in english.items():
                if text:
                    setattr(obj, attr, text if tr is None else tr.gettext(text))
    command._rvneet_lang = lang


def lang_option(args: Sequence[str], valued: Sequence[str] = ("--db", "--user")) -> str | None:
    """The value of the global `--lang` in the command line `args`, else None.

    Only the root's options are looked at (those before the command name); `valued` are the
    root's other options that take a value, skipped with it. A command's own --lang (import
    template, report) is its business.
    """
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--lang":
            return args[i + 1] if i + 1 < len(args) else None
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
        if arg in valued:
            i += 1
        elif not arg.startswith("-") or arg == "--":
            break
        i += 1
    return None


@contextmanager
def click_words(lang: str) -> Iterator[None]:
    """Click's and Typer's own help words (Usage:, Options, [required]…) in `lang` meanwhile."""
    if lang == "en":
        yield
        return
    import typer.core
    from typer._click import core as click_core
    from typer._click import formatting

    tr = translation(lang)
    original_gettext = typer.core._
    original_write_usage = formatting.HelpFormatter.write_usage
    original_help_option = click_core.Command.get_help_option

    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        # `Kasutus: rvneet [VALIKUD] KÄSK [ARGUMENDID]…`: the placeholders, not the metavars.
        args = _USAGE_WORDS.sub(lambda m: tr.gettext(m.group(0)), args)
        original_write_usage(self, prog, args, tr.gettext("Usage: ") if prefix is None else prefix)

    def get_help_option(self: Any, ctx: Any) -> Any:
        option = original_help_option(self, ctx)
        if option is not None and option.help:
            option.help = tr.gettext(option.help)
        return option

    typer.core._ = tr.gettext
    formatting.HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]
    click_core.Command.get_help_option = get_help_option  # type: ignore[method-assign]
    try:
        yield
    finally:
        typer.core._ = original_gettext
        formatting.HelpFormatter.write_usage = original_write_usage  # type: ignore[method-assign]
        click_core.Command.get_help_option = original_help_option  # type: ignore[method-assign]
