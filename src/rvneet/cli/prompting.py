"""Asking on a terminal for an option a command was not given, as `gh` does.

Click refuses a missing required option with `MissingParameter`; the root command (`RvneetGroup`)
catches it, asks for the value here when a person is at a terminal, and runs the command again
with `--option=value` added. Nothing has run before a command's options are parsed, so running it
again is safe. In a pipe, with `--no-input` or with `RVNEET_NO_INPUT=1` nothing is asked and the
command fails as it always did. A command whose option is needed only in some cases (`--risk` on
an RV case) calls `require` before it does anything.
"""

import os
import sys
from enum import StrEnum

import typer
from typer._click.core import Context
from typer._click.exceptions import MissingParameter, UsageError
from typer.core import TyperOption

from rvneet.i18n import _

NO_INPUT_ENV = "RVNEET_NO_INPUT"


def on_terminal() -> bool:
    """Whether a person is at the keyboard: stdin and stdout are both terminals."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def no_input(ctx: Context | None) -> bool:
    """Whether asking is switched off by the global `--no-input` or `RVNEET_NO_INPUT`."""
    if ctx is not None and ctx.find_root().params.get("no_input"):
        return True
    return os.environ.get(NO_INPUT_ENV, "").strip().lower() not in {"", "0", "false", "no"}


def may_ask(ctx: Context | None) -> bool:
    """Whether a missing option may be asked for: on a terminal, unless `--no-input`."""
    return not no_input(ctx) and on_terminal()


def require(ctx: Context, *names: str) -> None:
    """Ask for the options `names` (parameter names, `risk`) of `ctx`'s command, on a terminal.

    For options a command needs only in some cases. Raises `MissingParameter` for the first one
    when it can be asked for (the root command then asks and runs the command again); does
    nothing otherwise, and the command goes on to refuse as it always did.
    """
    if not may_ask(ctx):
        return
    for name in names:
        for param in ctx.command.params:
            if param.name == name and isinstance(param, TyperOption):
                raise MissingParameter(ctx=ctx, param=param)


def answer_for(exc: MissingParameter) -> list[str] | None:
    """The arguments to add for the option `exc` says is missing, asked on the terminal.

    None when nothing may be asked (a pipe, `--no-input`, a missing argument rather than an option):
    the error then stands.
    """
    param, ctx = exc.param, exc.ctx
    if not isinstance(param, TyperOption) or param.is_flag or param.nargs != 1:
        return None
    if ctx is None or not param.opts or not may_ask(ctx):
        return None
    flag = max(param.opts, key=len)

    label, default = prompt_label(param, flag)
    while True:
        try:
            answer = typer.prompt(label, default=default, err=True)
        except typer.Abort:
            print(file=sys.stderr)  # Ctrl-D or Ctrl-C: the error goes on a line of its own
            raise
        try:
            param.get_runtime_param().coerce(answer, param=param, ctx=ctx)
        except UsageError as error:  # said in one line, in the user's language; asked again
            # As every error line: no personal code, control characters written out.
            from rvneet.domain.personal_code import redact_codes
            from rvneet.domain.visible import visible

            message = " ".join(visible(redact_codes(error.message)).splitlines())
            print(_("Error: {message}").format(message=message), file=sys.stderr)
        else:
            break
    return [f"{flag}={answer}"]


def prompt_label(param: TyperOption, flag: str) -> tuple[str, str | None]:
    """What the question says (the option, its choices or its help) and the default Enter takes.

    The choices are listed with their Estonian forms (Estonian first in Estonian); a date offers
    today.
    """
    from rvneet.domain.enums import choices_text

    choices = param.type_descriptor.choices if param.type_descriptor.is_choice else None
    if choices and isinstance(choices[0], StrEnum):
        return f"{flag} — {choices_text(type(choices[0]))}", None
    if choices:
        return f"{flag} — {', '.join(str(c) for c in choices)}", None
    default = _("today") if param.metavar == "DATE" else None
    text = (param.help or "").strip()
    return (f"{flag} — {text}" if text else flag), default
