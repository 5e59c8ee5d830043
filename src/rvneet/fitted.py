"""Tables laid out for the width they are printed at: listings (`cli.common.table`) and report
tables (`reports.render`).

A column of references, dates, numbers or codes is never cut: it is as wide as its widest value.
Free text wraps, folding a word only when it is longer than `FREE_TEXT_MIN`. When the table does
not fit even so, its headers wrap between words; then its droppable columns are left out, least
important first, and a line under it names them.

Imports rich only inside methods: `cli.common` imports this module at start-up.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.text import Text

# A free-text column is not squeezed narrower than this (or its longest word, if shorter).
FREE_TEXT_MIN = 16


def _longest_word(text: Text) -> int:
    from rich.cells import cell_len

    return max((cell_len(word) for word in text.plain.split()), default=0)


@dataclass
class FittedColumn:
    """A column: its header, whether it is free text that wraps, and its values' alignment."""

    header: Text
    wraps: bool = False
    justify: str = "left"


@dataclass
class FittedTable:
    """A table whose layout is chosen for the width it is printed at (see the module docstring).

    `droppable` are column numbers, least important first; `footnote` the text (with
    `{columns}`) of the line naming the left-out columns. With `split` (a report's table, where
    every column counts) a table too wide for the screen is printed as several tables instead,
    each beginning with the first column (what a row is about) and holding as many of the next
    columns as fit.
    """

    title: Text | None
    columns: list[FittedColumn]
    rows: list[list[Text]]
    droppable: Sequence[int] = ()
    footnote: str = "{columns}"
    split: bool = False

    def _width(self, number: int) -> int:
        """The width a column's values need: all of a reference or date, a word of free text."""
        if self.columns[number].wraps:
            longest = max((_longest_word(row[number]) for row in self.rows), default=1)
            return max(1, min(FREE_TEXT_MIN, longest))
        return max((row[number].cell_len for row in self.rows), default=1)

    def _header_width(self, number: int, wrap_headers: bool) -> int:
        header = self.columns[number].header
        if wrap_headers or self.columns[number].wraps:
            return _longest_word(header)
        return header.cell_len

    def _needed(self, shown: list[int], wrap_headers: bool) -> int:
        """The narrowest the table can be: its columns, their padding (1 a side) and rules."""
        widths = [max(self._width(n), self._header_width(n, wrap_headers)) for n in shown]
        return sum(widths) + 3 * len(shown) + 1

    def layout(self, width: int) -> tuple[list[int], bool]:
        """The columns shown at `width` and whether their headers must wrap."""
        shown = list(range(len(self.columns)))
        if self._needed(shown, wrap_headers=False) <= width:
            return shown, False
        for number in self.droppable:
            if self._needed(shown, wrap_headers=True) <= width:
                break
            shown.remove(number)
        return shown, True

    def groups(self, width: int) -> list[list[int]]:
        """The columns of each table a split table is printed as at `width`."""
        groups = [[0]]
        for number in range(1, len(self.columns)):
            if len(groups[-1]) > 1 and self._needed([*groups[-1], number], True) > width:
                groups.append([0])
            groups[-1].append(number)
        return groups

    def __rich_console__(self, console: Any, options: Any) -> Iterator[Any]:
        """The table, then (when columns were left out) the dim line naming them."""
        from rich.text import Text

        width = options.max_width
        if self.split and self._needed(list(range(len(self.columns))), True) > width:
            for number, group in enumerate(self.groups(width)):
                yield self._table(group, wrap_headers=True, title=number == 0)
            return
        shown, wrap_headers = self.layout(width)
        yield self._table(shown, wrap_headers)
        if dropped := [n for n in range(len(self.columns)) if n not in shown]:
            names = ", ".join(self.columns[n].header.plain for n in dropped)
            yield Text(self.footnote.format(columns=names), style="dim")

    def _table(self, shown: list[int], wrap_headers: bool, title: bool = True) -> Any:
        """A rich table of the `shown` columns."""
        from rich.table import Table

        result = Table(title=self.title if title else None, title_justify="left")
        for number in shown:
            column = self.columns[number]
            header = column.header.copy()
            justify: Any = column.justify
            if column.wraps:
                width = self._width(number)
                result.add_column(header, justify=justify, overflow="fold", min_width=width)
                continue
            width = max(self._width(number), self._header_width(number, wrap_headers))
            # The header may wrap between words; the values may not.
            header.no_wrap, header.overflow = False, "fold"
            result.add_column(
                header,
                justify=justify,
                no_wrap=True,
                min_width=width,
                max_width=width if wrap_headers else None,
            )
        for row in self.rows:
            result.add_row(*(row[number] for number in shown))
        return result
