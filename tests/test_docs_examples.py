"""Every `$ rvneet …` example of README.md and docs/*.md prints what the page shows (issue 20).

docs/examples.py runs them on the book each page names (the demo book of examples/load.sh, built
once per test process, an empty book or none) at a fixed clock; `make docs` writes the outputs again.
"""

from __future__ import annotations

import re
import runpy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = runpy.run_path(str(ROOT / "docs" / "examples.py"), run_name="docs_examples")
PAGES = EXAMPLES["pages"]()


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One runner, so one demo book, for every page this process checks."""
    runner = EXAMPLES["Runner"](tmp_path_factory.mktemp("docs-examples"))
    yield runner
    runner.close()


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_example_prints_what_the_page_shows(page: Path, runner: Any) -> None:
    problems = EXAMPLES["run"]([page], update=False, runner=runner)
    assert not problems, "drifted (make docs writes the outputs again):\n" + "\n".join(problems)


def test_every_page_has_examples_and_points_nowhere_outside() -> None:
    # The README and the guides that show commands keep showing them; no link leaves the repository.
    shown = {p.name: EXAMPLES["parse"](p).items for p in PAGES}
    for name in ("README.md", "casework.md", "reports.md", "import-export.md", "security.md"):
        assert shown[name], f"{name} has no examples"
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        assert "../shared" not in text and "DOMAIN.md" not in text, page.name


def _anchors(page: Path) -> set[str]:
    """The anchors GitHub gives the headings of `page` (lower case, punctuation dropped, - for
    spaces), outside fenced blocks."""
    found, fenced = set(), False
    for line in page.read_text(encoding="utf-8").split("\n"):
        fenced ^= line.startswith("```")
        if not fenced and (heading := re.match(r"#+ (.*)", line)):
            found.add(re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-"))
    return found


def test_every_link_between_the_pages_leads_somewhere_in_the_repository() -> None:
    broken = []
    for page in PAGES:
        for link in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            if link.startswith(("http://", "https://", "mailto:")):
                continue
            name, _, anchor = link.partition("#")
            target = (page.parent / name).resolve() if name else page
            if not target.is_relative_to(ROOT) or not target.exists():
                broken.append(f"{page.name}: {link}")
            elif anchor and target.suffix == ".md" and anchor not in _anchors(target):
                broken.append(f"{page.name}: {link} (no such heading)")
    assert not broken


def test_the_readme_stays_short() -> None:
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 250


def test_a_drifted_output_is_found_and_written_again(tmp_path: Path, runner: Any) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- examples: book=empty -->\n\n```console\n$ rvneet youth add --name 'Mari Maasikas'"
        " --id-code 61001010009\nY-0002\n$ rvneet case show NEET-2099-001\n```\n",
        encoding="utf-8",
    )
    problems = EXAMPLES["run"]([page], update=True, runner=runner)
    assert len(problems) == 2
    assert page.read_text(encoding="utf-8").split("\n")[4:7] == [
        "Y-0001",
        "$ rvneet case show NEET-2099-001",
        "Error: no case 'NEET-2099-001'",
    ]
    assert EXAMPLES["run"]([page], update=False, runner=runner) == []
