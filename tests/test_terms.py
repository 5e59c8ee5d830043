"""Issue 19: the seeds' Estonian words are typed and shown; the words they replaced are still typed.

A correction of ESTONIAN-TERMS.md that changed a word a person types (a choice's Estonian form, a
stage name) keeps the old word as input (`FORMER`, `Stage.former`), so scripts and habits keep
working, while screens show the new word. JSON, CSV and English output keep the English values.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import pytest
from conftest import CODE_F_2010, Ok, Run, show

from rvneet.domain.enums import (
    ESTONIAN,
    FORMER,
    LABELS,
    CloseReason,
    NeetGroup,
    ReachChannel,
    fold,
    forms,
    label,
    parse_choice,
)
from rvneet.domain.stages import STAGES, find_stage, stage_label

FORMER_FORMS = [
    (enum, member, old)
    for enum, by_member in FORMER.items()
    for member, olds in by_member.items()
    for old in olds
]
VOCABULARIES = sorted(set(ESTONIAN) | set(LABELS), key=lambda enum: enum.__name__)


@pytest.mark.parametrize(("enum", "member", "old"), FORMER_FORMS, ids=lambda v: str(v))
def test_a_former_estonian_form_still_names_its_value(
    enum: type[StrEnum], member: str, old: str
) -> None:
    # Breaks if a form is dropped from FORMER or parse_choice stops reading it.
    assert parse_choice(enum, old) == member
    assert parse_choice(enum, old.upper()) == member


@pytest.mark.parametrize("enum", VOCABULARIES, ids=lambda e: e.__name__)
def test_every_form_names_one_value_only(enum: type[StrEnum]) -> None:
    # A label or former form equal to another value's form would make a typed word ambiguous.
    owner: dict[str, StrEnum] = {}
    for member in enum:
        for form in forms(member):
            assert owner.setdefault(fold(form), member) == member, (form, member)
            assert parse_choice(enum, form) == member


@pytest.mark.parametrize("enum", VOCABULARIES, ids=lambda e: e.__name__)
def test_labels_are_words_not_tokens(enum: type[StrEnum]) -> None:
    # An Estonian value on screen reads as words: never a hyphenated input token like
    # `eesmärgid-saavutatud` (a hyphen inside a word such as `e-kiri` or `NEET-olukorras` is fine).
    for member in enum:
        shown = label(member)
        for word in shown.split():
            parts = word.strip("(),").split("-")
            assert len(parts) == 1 or parts[0].isupper() or len(parts[0]) == 1, (member, shown)


@pytest.mark.parametrize(
    ("model", "old", "name", "new"),
    [
        ("rv", "järeltugi", "follow-up", "järelsuhtlus"),
        ("neet", "toetamine", "support", "toe pakkumine"),
    ],
)
def test_a_former_stage_name_is_still_typed_and_the_new_one_shown(
    model: str, old: str, name: str, new: str
) -> None:
    from rvneet.domain.enums import Model

    assert find_stage(Model(model), old) == name
    assert find_stage(Model(model), new) == name
    assert stage_label(name, model, "et") == new
    assert old not in {stage.estonian for stages in STAGES.values() for stage in stages}


def test_old_and_new_forms_are_typed_new_words_shown(initialised: Path, ok: Ok, run: Run) -> None:
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    ok("youth", "add", "--name", "Jaan Tamm", "--birth-date", "2005-05-05", "--sex", "m")
    # Old forms (before issue 19) on one case, new forms on the other.
    ok(
        "case", "open", "--youth", "Y-0001", "--model", "neet", "--start", "2025-03-03",
        "--light", "punane", "--group", "riskis", "--channel", "pöördus-ise",
    )  # fmt: skip
    ok(
        "case", "open", "--youth", "Y-0002", "--model", "neet", "--start", "2025-03-03",
        "--light", "punane", "--group", "NEET-olukorras", "--channel", "isiklik-pöördumine",
    )  # fmt: skip
    ok("case", "close", "NEET-2025-001", "--end", "2025-06-01", "--reason", "kolis")
    ok("case", "close", "NEET-2025-002", "--end", "2025-06-01", "--reason", "elukoht-muutus")
    first, second = show(ok, "NEET-2025-001"), show(ok, "NEET-2025-002")
    assert (first["group"], first["channel"], first["close_reason"]) == ("risk", "self", "moved")
    assert (second["group"], second["channel"], second["close_reason"]) == ("neet", "self", "moved")

    et = ok("--lang", "et", "case", "show", "NEET-2025-001")
    for text in ("NEET-riskis noored (14–19)", "isiklik pöördumine", "lõpetatud (elukoht muutus)",
                 "naine, "):  # fmt: skip
        assert text in et, text
    for token in ("riskis,", "pöördus-ise", "kolis", "elukoht-muutus", "suletud", " F,"):
        assert token not in et, token

    en = ok("case", "show", "NEET-2025-002")
    for text in ("NEET, group neet", "closed (moved)", "self"):
        assert text in en, text
    assert "NEET-olukorras" not in en and "lõpetatud" not in en

    listed = json.loads(ok("--lang", "et", "case", "list", "--format", "json"))
    assert {row["model"] for row in listed} == {"neet"}  # JSON keeps the machine values


def test_closing_reasons_read_as_the_report_writes_them() -> None:
    # The screen's words for a close reason, a group and a channel are the report's (report neet).
    from rvneet.i18n import translate
    from rvneet.reports.neet import CHANNELS, GROUPS, REASONS

    for enum, words in ((CloseReason, REASONS), (NeetGroup, GROUPS), (ReachChannel, CHANNELS)):
        for member in enum:
            if member.value in words and member.value != "other":
                assert label(member) == translate(words[member.value], "et"), member
