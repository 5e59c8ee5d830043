"""`rvneet shell`: one process, the book opened once, the same commands without the start-up cost.

Each line is run by the root command itself (`RvneetGroup.main`), as if typed after `rvneet` with
the global options given to `rvneet shell` before it: a command has its own transaction and audit
entries as it would in a process of its own, and an error is its usual one line, after which the
session goes on. On a terminal the line is read with `readline` (history, Tab completion of
commands, options and references); otherwise commands are read from stdin, one a line.
"""

import contextlib
import os
import shlex
import sys
from pathlib import Path
from typing import Any

import typer

from rvneet.i18n import _

PROMPT = "rvneet> "
LEAVE = frozenset({"exit", "quit", "välju"})
HISTORY_LINES = 1000


def shell_command(ctx: typer.Context) -> None:
    """Work in one session: type commands as after `rvneet`, without waiting for each to start.

    The global options given before `shell` (--db, --user, --lang, --no-input) apply to every
    command in it. On a terminal: Tab completes commands, options and references (Y-0001,
    RV-2025-001, M-001), the arrow keys recall earlier lines (kept in your user state folder,
    personal codes hidden), Ctrl-C cancels the line, Ctrl-D or exit leaves. Without a terminal,
    commands are read from stdin, one a line; the exit code is 1 when one of them failed.

    \b
    Examples: rvneet --user kadri shell
              rvneet --lang et shell < tänased-kontaktid.txt
    """
    from rvneet.db import engines_kept
    from rvneet.domain.errors import InvalidInput

    root = ctx.find_root()
    if isinstance(root.obj, dict) and root.obj.get("rvneet.in_shell"):
        raise InvalidInput(_("already in rvneet shell"))  # `--lang et shell` typed inside
    session = Session(root.command, global_args(root.params), shared(root))
    with engines_kept():  # the book is opened once, each command still in its own transaction
        failed = session.interactive() if sys.stdin.isatty() else session.from_lines(sys.stdin)
    raise typer.Exit(1 if failed else 0)


def global_args(params: dict[str, Any]) -> list[str]:
    """The global options of `rvneet … shell` as arguments to put before every line's command."""
    args: list[str] = []
    for name in ("db", "user", "lang"):
        if params.get(name) is not None:
            args += [f"--{name}", str(params[name])]
    if params.get("no_input"):
        args.append("--no-input")
    return args


def shared(root: Any) -> dict[str, Any]:
    """What the commands of a session share: the key typed once, the access check done once."""
    state = root.obj if isinstance(root.obj, dict) else {}
    state.setdefault("rvneet.keys", {})
    state["rvneet.in_shell"] = True
    return state


class Session:
    """The commands typed in one `rvneet shell`."""

    def __init__(self, command: Any, prefix: list[str], state: dict[str, Any]) -> None:
        self.command = command
        self.prefix = prefix
        self.state = state

    def run(self, line: str) -> int | None:
        """Run one line; its exit code, or None when the line asks to leave."""
        try:
            words = shlex.split(line)
        except ValueError:
            fail(_("the line has an unclosed quote"))
            return 2
        if words and words[0] == "rvneet":
            words = words[1:]  # pasted from the README or a help text
        if not words:
            return 0
        if words[0] in LEAVE:
            return None
        if words[0] in {"help", "abi"}:
            words = ["--help"]
        try:
            self.command.main(
                [*self.prefix, *words], prog_name="rvneet", obj=self.state, standalone_mode=False
            )
        except SystemExit as exc:  # RvneetGroup ends every command this way
            return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except KeyboardInterrupt:
            fail(_("cancelled"))
            return 130
        finally:
            sys.stdout.flush()
        return 0

    def from_lines(self, lines: Any) -> bool:
        """Run every line of `lines` (a file); whether any of them failed."""
        failed = False
        for line in lines:
            if line.lstrip().startswith("#"):
                continue
            code = self.run(line)
            if code is None:
                break
            failed = failed or code != 0
        return failed

    def interactive(self) -> bool:
        """Read lines at a terminal until Ctrl-D or exit; False: a person saw every error."""
        import signal

        # Ctrl-C must cancel the line even when rvneet was started ignoring SIGINT (a parent such as
        # a job runner or a test worker may ignore it, and a child inherits that).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        history = history_path()
        readline = self._readline(history)
        print(_("Commands as after rvneet; Tab completes, help lists the commands, exit leaves."))
        try:
            while True:
                try:
                    line = input(PROMPT)
                except KeyboardInterrupt:  # Ctrl-C cancels the line being typed
                    print()
                    continue
                except EOFError:  # Ctrl-D
                    print()
                    break
                if self.run(line) is None:
                    break
        finally:
            if readline is not None and history is not None:
                save_history(readline, history)
        return False

    def _readline(self, history: Path | None) -> Any:
        """GNU readline (or libedit) with our completion and the history read; None without it."""
        try:
            import readline
        except ImportError:  # Windows without pyreadline: lines are still read, without history
            return None
        if history is not None and history.exists():
            with contextlib.suppress(OSError):  # an unreadable history is no reason to stop
                readline.read_history_file(history)
        readline.set_completer_delims(" \t\n")  # RV-2025-001 is one word
        readline.set_completer(self.completer(readline))
        if "libedit" in (readline.__doc__ or ""):
            readline.parse_and_bind("bind ^I rl_complete")
        else:
            readline.parse_and_bind("tab: complete")
        return readline

    def completer(self, readline: Any) -> Any:
        """A readline completer offering what Tab offers in bash after `rvneet`."""
        found: list[str] = []

        def complete(text: str, state: int) -> str | None:
            if state == 0:
                line = readline.get_line_buffer()[: readline.get_endidx()]
                found[:] = self.completions(line)
            return found[state] + " " if state < len(found) else None

        return complete

    def completions(self, line: str) -> list[str]:
        """The words completing the last word of `line` (commands, options, references)."""
        from typer._click.shell_completion import get_completion_class
        from typer._completion_classes import completion_init

        try:
            words = shlex.split(line)
        except ValueError:
            return []
        incomplete = "" if not words or line.endswith(" ") else words.pop()
        if words and words[0] == "rvneet":
            words = words[1:]
        completion_init()
        cls = get_completion_class("bash")
        if cls is None:
            return []
        try:
            items = cls(self.command, {"obj": self.state}, "rvneet", "_RVNEET_COMPLETE")
            return [
                str(item.value)
                for item in items.get_completions([*self.prefix, *words], incomplete)
            ]
        except Exception:
            return []


def fail(message: str) -> None:
    """An error of the session itself, in one line as a command's error is."""
    print(_("Error: {message}").format(message=message), file=sys.stderr)


def history_path() -> Path | None:
    """The shell's history file, in the user state folder; None when that cannot be made."""
    from platformdirs import user_state_path

    from rvneet.files.folders import make_private_dir

    folder = user_state_path("rvneet", appauthor=False)
    try:
        make_private_dir(folder)
    except OSError:
        return None
    return folder / "shell_history"


def save_history(readline: Any, path: Path) -> None:
    """Keep the last lines typed, readable by their owner only, personal codes hidden."""
    from rvneet.domain.personal_code import redact_codes

    count = readline.get_current_history_length()
    lines = [readline.get_history_item(i) for i in range(1, count + 1)]
    text = "".join(redact_codes(line) + "\n" for line in lines[-HISTORY_LINES:] if line)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)  # an older file made with looser rights
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError:
        pass  # the session's work is done; a history not kept is no error
