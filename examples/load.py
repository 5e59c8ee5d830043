"""Run the `rvneet` commands of a shell script like examples/load.sh in one Python process.

`make demo` uses it: a new process per command costs about a second of imports, a hundred commands
in one process take a few seconds. Lines are `rvneet ...` commands, comments or `set`; a trailing
backslash continues a line. Stops at the first command that fails, with its line number.
"""

import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

from typer.main import get_command

from rvneet.cli import app


def commands(script: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, arguments after `rvneet`) for each command of `script`."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(script.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not pending:
            start = number
            if not line or line.startswith("#") or line.startswith("set "):
                continue
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        argv = shlex.split(" ".join([*pending, line]))
        pending = []
        if argv[0] != "rvneet":
            raise SystemExit(f"{script}:{start}: only rvneet commands are supported")
        yield start, argv[1:]


def main(script: Path) -> None:
    """Run every command of `script`; exit non-zero at the first one that fails."""
    command = get_command(app)
    for number, argv in commands(script):
        try:
            command.main(args=argv, prog_name="rvneet")
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise SystemExit(f"{script}:{number}: rvneet {' '.join(argv)} failed") from None


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).with_name("load.sh")))
