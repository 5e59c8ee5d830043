"""Stored text made safe to show: characters a terminal would act on are written out visibly.

A name, note or municipality is typed by people and imported from files; shown raw, an escape
sequence (ESC) recolours or clears the screen, a carriage return overwrites the line and a bidi
override reorders what follows. `visible` writes each such character as `<U+001B>` instead.
Rich markup (`[bold]`, `[/]`) is a separate matter: screens show stored text as rich `Text`, which
is never read as markup (see `cli.common.table`).
"""

import re

# C0 controls but line feed and tab (a note may have lines; rich expands a tab to spaces), DEL and
# the C1 controls; the bidi embeddings, overrides and isolates; the line and paragraph separators.
_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _written_out(match: re.Match[str]) -> str:
    return f"<U+{ord(match.group()):04X}>"


def visible(text: str) -> str:
    """`text` with every control or bidi-control character written as `<U+XXXX>`.

    A Windows line break (CR LF) stays a line break; a lone CR is written out.
    """
    if not _HIDDEN.search(text):
        return text
    return _HIDDEN.sub(_written_out, text.replace("\r\n", "\n"))
