"""docs/import.md documents every column of every import, by its English and Estonian name."""

from __future__ import annotations

from pathlib import Path

import pytest

from rvneet.domain.columns import COLUMNS

DOC = Path(__file__).parents[1] / "docs" / "import.md"


@pytest.mark.parametrize("kind", sorted(COLUMNS))
def test_every_column_is_documented(kind: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split(f"## {kind}\n", 1)
    assert len(section) == 2, f"docs/import.md has no section '## {kind}'"
    body = section[1].split("\n## ", 1)[0]
    for column in COLUMNS[kind]:
        for name in (column.field, column.et, *column.aliases):
            assert f"`{name}`" in body, f"{kind}: column {name!r} is not in docs/import.md"
