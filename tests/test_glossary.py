"""Issue 19: one Estonian term per concept (src/rvneet/glossary.toml, rendered in docs/glossary.md).

The Estonian catalog must not use a forbidden synonym of a glossary concept, nor write a NEET-/RV-
compound two ways; every correction of the review is applied or answered with a reason.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from babel.messages.pofile import read_po

from rvneet.domain.enums import ESTONIAN, LABELS
from rvneet.domain.stages import STAGES
from rvneet.glossary import DOC, load, render
from rvneet.i18n_catalog import PO_PATH

TERMS, ITEMS = load()
REVIEW = [f"T{n}" for n in range(1, 31)] + [f"L{n}" for n in range(1, 13)]
COMPOUND = re.compile(r"\b(RV|NEET)([ -])([a-zõäöüšž]+)")


def estonian_texts() -> list[tuple[str, str]]:
    """(where, Estonian text) for every translation in the catalog and every Estonian word of a
    choice or stage that people type or read (former forms, kept only as input, left out)."""
    with PO_PATH.open("rb") as f:
        catalog = read_po(f, locale="et")
    texts: list[tuple[str, str]] = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = [message.string] if isinstance(message.string, str) else message.string or ()
        texts += [(msgid, s) for s in strings if s]
    for table in (ESTONIAN, LABELS):
        for enum, forms in table.items():
            texts += [(f"{enum.__name__}.{m}", form) for m, form in forms.items()]
    texts += [(f"stage {s.name}", s.estonian) for stages in STAGES.values() for s in stages]
    return texts


TEXTS = estonian_texts()


def test_the_glossary_page_is_the_data_file_rendered() -> None:
    # Breaks when glossary.toml changes without `python -m rvneet.glossary`.
    assert DOC.read_text(encoding="utf-8") == render()


def test_every_correction_of_the_review_is_applied_or_answered() -> None:
    assert [item.id for item in ITEMS] == REVIEW
    for item in ITEMS:
        assert item.status in ("applied", "answered"), item
        assert len(item.answer) > 10, item


@pytest.mark.parametrize("term", TERMS, ids=lambda t: t.english)
def test_the_catalog_uses_no_forbidden_synonym(term: object) -> None:
    from rvneet.glossary import Term

    assert isinstance(term, Term)
    found = [
        (pattern.pattern, where[:60], text[:120])
        for pattern in term.patterns()
        for where, text in TEXTS
        if pattern.search(text)
    ]
    assert not found, f"{term.english} is {term.estonian!r}; found: {found}"


def test_a_compound_of_an_abbreviation_is_written_one_way() -> None:
    # NEET-juhtum and NEET juhtum both in the catalog is one concept written two ways.
    ways: dict[tuple[str, str], set[str]] = defaultdict(set)
    for _where, text in TEXTS:
        for match in COMPOUND.finditer(text):
            abbreviation, joint, word = match.groups()
            ways[(abbreviation, word[:5])].add(joint)
    assert not [key for key, joints in ways.items() if len(joints) > 1]


def test_the_check_finds_what_it_should() -> None:
    # Each forbidden pattern is a working regular expression, and the checks are not vacuous:
    # the words the review named are caught.
    samples = {
        "Ootel järeltoe kontaktid": "6-month follow-up (contact)",
        "Sulge juhtum": "close a case, closed, closing",
        "NGTS nimekiri": "NGTS monitoring list",
        "Tasand": "network membership (tier)",
        "Esindaja kontakt": "legal guardian",
    }
    by_name = {term.english: term for term in TERMS}
    for text, name in samples.items():
        assert any(p.search(text) for p in by_name[name].patterns()), text
