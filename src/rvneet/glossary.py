"""rvneet's Estonian terms (glossary.toml): one term per concept, in the seeds' own words.

The data file is shared by the code and the tests (tests/test_glossary.py checks the catalog
against its forbidden synonyms); `python -m rvneet.glossary` renders it into docs/glossary.md.
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

GLOSSARY = Path(__file__).resolve().parent / "glossary.toml"
DOC = Path(__file__).resolve().parents[2] / "docs" / "glossary.md"
SEEDS = {
    "neet": "NEET cooperation model (2022)",
    "rv": "RV cooperation agreement (2024–2025)",
    "neet, rv": "both",
    "-": "standard Estonian",
}


@dataclass(frozen=True)
class Term:
    """A concept: its English name, its one Estonian term, where the seed says it, and the
    patterns its forbidden synonyms match."""

    english: str
    estonian: str
    seed: str
    section: str
    forbidden: tuple[str, ...]
    note: str = ""

    def patterns(self) -> list[re.Pattern[str]]:
        """The forbidden synonyms, compiled."""
        return [re.compile(pattern) for pattern in self.forbidden]


@dataclass(frozen=True)
class Item:
    """A correction of the review of rvneet's Estonian: applied, or answered with a reason."""

    id: str
    status: str
    answer: str


def load(path: Path = GLOSSARY) -> tuple[list[Term], list[Item]]:
    """The terms and the review's items of the glossary file."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    terms = [
        Term(
            english=t["english"],
            estonian=t["estonian"],
            seed=t["seed"],
            section=t["section"],
            forbidden=tuple(t.get("forbidden", ())),
            note=t.get("note", ""),
        )
        for t in data["term"]
    ]
    items = [Item(i["id"], i["status"], i["answer"]) for i in data["item"]]
    return terms, items


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(path: Path = GLOSSARY) -> str:
    """docs/glossary.md: the terms, then every correction of the review with its answer."""
    terms, items = load(path)
    lines = [
        "# Glossary: rvneet's Estonian terms",
        "",
        "One Estonian term per concept, in the words of the two models' own texts: the NEET",
        "cooperation model (Haridus- ja Noorteamet, 2022) and the Ringist välja cooperation agreement",
        "of the Social Insurance Board (2024–2025). Where they are silent, plain standard Estonian.",
        "The Estonian screens, help texts and reports use the term; the words in the last column are",
        "never used for the concept (a test checks the Estonian catalog against them).",
        "",
        "Generated from `src/rvneet/glossary.toml` by `python -m rvneet.glossary`; edit that file.",
        "",
        "| English | Estonian | Source | Not used |",
        "|---|---|---|---|",
    ]
    for term in terms:
        source = f"{SEEDS.get(term.seed, term.seed)}: {term.section}"
        if term.note:
            source += f". {term.note}"
        avoided = ", ".join(f"`{p}`" for p in term.forbidden) or "—"
        lines.append(
            f"| {_cell(term.english)} | **{_cell(term.estonian)}** | {_cell(source)} | "
            f"{_cell(avoided)} |"
        )
    lines += [
        "",
        "## The review's corrections and what became of them",
        "",
        "T1–T30 are the thirty most important corrections of the review of rvneet's Estonian;",
        "L1–L12 its lower-priority list, in its order.",
        "",
        "| # | Status | Answer |",
        "|---|---|---|",
    ]
    lines += [f"| {i.id} | {i.status} | {_cell(i.answer)} |" for i in items]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Write docs/glossary.md from the glossary file."""
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC}", file=sys.stderr)


if __name__ == "__main__":
    main()
