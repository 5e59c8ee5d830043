"""The report of an unexpected error: the stack, for the developers, without anyone's data.

An unexpected error (a bug) prints one line and writes this report to a file readable by its owner
only (0600) in the platform's user log folder (e.g. `~/.local/state/rvneet/log` on Linux). The
report holds where the error happened — file, line, function and source line of every frame — and the
exception's type, but never the values of variables (they hold names and personal codes), nor the
message of a library's exception (it may quote any value). The message of rvneet's own exceptions
is kept, scrubbed: quoted values, SQL parameters and pydantic's input values are hidden, and
anything that looks like a personal code is replaced.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import tempfile
import traceback
from pathlib import Path

from rvneet import __version__
from rvneet.domain.personal_code import redact_codes
from rvneet.files.folders import make_private_dir

# SQLAlchemy appends the statement's values ("[parameters: ('Mari', '61001010009')]"); pydantic
# quotes the value it refused ("input_value='Mari'"); most other messages quote the value in error.
_SQL_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\s*(\(Background|\n|$))", re.DOTALL)
_INPUT_VALUE = re.compile(r"input_value=.*?, input_type=")
_QUOTED = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")
HIDDEN = "<hidden>"


def report_dir() -> Path:
    """Where reports go: the platform's user log folder for rvneet."""
    from platformdirs import user_log_path

    return user_log_path("rvneet", appauthor=False)


def scrub(message: str) -> str:
    """An exception message without the data it may carry: values hidden, codes redacted."""
    message = _SQL_PARAMETERS.sub(f"[parameters: {HIDDEN}]", message)
    message = _INPUT_VALUE.sub(f"input_value={HIDDEN}, input_type=", message)
    message = _QUOTED.sub(f"'{HIDDEN}'", message)
    return redact_codes(message)


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and the ones that led to it, oldest first (as Python prints them)."""
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        cause = current.__cause__
        if cause is None and not current.__suppress_context__:
            cause = current.__context__
        current = cause
    return chain[::-1]


def _described(exc: BaseException) -> str:
    """The exception's type; its scrubbed message only when rvneet raised it by its own type.

    The message of a library's exception (Python's own included) is left out whole: it quotes
    whatever value it refused (openpyxl: "'<a name>' cannot be used in worksheets"), in forms no
    scrubbing can know, and a report is never erased.
    """
    kind = type(exc)
    name = f"{kind.__module__}.{kind.__qualname__}"
    if kind.__module__.split(".")[0] != "rvneet":
        return f"{name} (message left out)"
    return f"{name}: {scrub(str(exc))}"


def format_report(exc: BaseException) -> str:
    """The text of the report: versions, then each exception's stack, type and scrubbed message."""
    lines = [
        f"rvneet {__version__} unexpected error report, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC",
        f"Python {platform.python_version()} on {platform.platform()}",
        "Variable values, library messages and quoted text are left out; personal codes are replaced.",
        "",
    ]
    for number, item in enumerate(_chain(exc)):
        if number:
            lines += ["", "which led to:", ""]
        lines.append("Traceback (most recent call last):")
        # extract_tb keeps file, line, function and the source line; no local variables.
        lines += [
            line.rstrip("\n")
            for line in traceback.format_list(traceback.extract_tb(item.__traceback__))
        ]
        lines.append(_described(item))
    return "\n".join(lines) + "\n"


def write_report(exc: BaseException) -> Path | None:
    """Write the report of `exc` to a new file (0600); its path, or None when it cannot be written."""
    folder = report_dir()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        make_private_dir(folder)
        # mkstemp creates a new file (O_EXCL) readable and writable by its owner only.
        fd, name = tempfile.mkstemp(prefix=f"error-{stamp}-", suffix=".txt", dir=folder)
    except OSError:
        return None
    path = Path(name)
    try:
        with open(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(format_report(exc))
    except OSError:
        path.unlink(missing_ok=True)
        return None
    return path
