"""Pages of a listing: a person reads the first screenful, a script takes every row.

A listing query runs twice at most: a count of the matching rows and the rows of one page (LIMIT
and OFFSET in SQL), so the first page of 16 000 open cases costs what a page costs, not 16 000 rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from rvneet.domain.errors import InvalidInput
from rvneet.i18n import _

Query = TypeVar("Query", bound=Any)


@dataclass(frozen=True)
class Page:
    """Which rows to return: `size` rows of page `number` (from 1); `size` None means every row."""

    size: int | None = None
    number: int = 1

    def __post_init__(self) -> None:
        if self.size is not None and self.size < 0:
            raise InvalidInput(_("--limit must be 0 (every row) or more"))
        if self.number < 1:
            raise InvalidInput(_("--page must be 1 or more"))

    @property
    def offset(self) -> int:
        """Rows before this page."""
        return (self.number - 1) * (self.size or 0)

    def apply(self, query: Query) -> Query:
        """The query limited to this page (unchanged when every row is asked for)."""
        if not self.size:
            return query
        return query.limit(self.size).offset(self.offset)


EVERY_ROW = Page()


@dataclass(frozen=True)
class Paged:
    """One page of a listing and how many rows the whole listing has."""

    rows: list[dict[str, Any]]
    total: int
    page: Page

    @property
    def first(self) -> int:
        """The 1-based position of the page's first row (0 when the page is empty)."""
        return self.page.offset + 1 if self.rows else 0

    @property
    def last(self) -> int:
        """The position of the page's last row."""
        return self.page.offset + len(self.rows)
