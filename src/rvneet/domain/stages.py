"""The ordered stages of each model, defined once.

Stages may repeat or go back (the NEET model says its stages overlap); only their dates are ordered.
"""

from __future__ import annotations

from dataclasses import dataclass

from rvneet.domain.enums import Model, fold
from rvneet.i18n import _, message_language


@dataclass(frozen=True)
class Stage:
    """A stage of a model's process with its Estonian name (and former Estonian names, still
    accepted as input but never shown)."""

    name: str
    estonian: str
    former: tuple[str, ...] = ()


STAGES: dict[Model, tuple[Stage, ...]] = {
    Model.RV: (
        Stage("referral", "suunamine"),
        Stage("risk-assessment", "riskihindamine"),
        Stage("network", "võrgustiku kokkukutsumine"),
        Stage("action-plan", "tegevuskava"),
        Stage("implementation", "võrgustikukohtumised"),
        Stage("closing", "lõpetamine"),
        # The 6-month contact is *järelsuhtlus* (NEET 3.6); *järeltugi* is the name before issue 19.
        Stage("follow-up", "järelsuhtlus", ("järeltugi",)),
    ),
    Model.NEET: (
        Stage("contact", "kontakti loomine"),
        Stage("needs-and-goals", "vajaduste selgitamine ja eesmärkide seadmine"),
        Stage("action", "noore tegutsemine"),
        Stage("support", "toe pakkumine", ("toetamine",)),
        Stage("resolution", "vajaduste lahenemise hindamine"),
        Stage("follow-up", "järelsuhtlus ja -tugi"),
    ),
}

FOLLOW_UP = "follow-up"
# A reopened case goes back to the work stage before closing.
REOPEN_STAGE = {Model.RV: "implementation", Model.NEET: "support"}
ALL_STAGES: tuple[str, ...] = tuple(
    dict.fromkeys(stage.name for stages in STAGES.values() for stage in stages)
)


def stage_names(model: Model) -> tuple[str, ...]:
    """The stage names of `model`, in process order."""
    return tuple(stage.name for stage in STAGES[model])


def first_stage(model: Model) -> str:
    """The stage a new case starts in."""
    return STAGES[model][0].name


def find_stage(model: Model | None, text: str) -> str | None:
    """The stage of `model` (of either model when None) named by `text`, or None.

    A stage is named by its machine name (`needs-and-goals`) or its Estonian name, compared as
    enum values are (`parse_choice`): no case, no diacritics, spaces as hyphens (`jarelsuhtlus`); a former Estonian name (`järeltugi`) too.
    """
    wanted = fold(text)
    models = [model] if model is not None else list(STAGES)
    for stages in (STAGES[m] for m in models):
        for stage in stages:
            if wanted in (fold(name) for name in (stage.name, stage.estonian, *stage.former)):
                return stage.name
    return None


def check_stage(model: Model, stage: str) -> str:
    """`stage` (its name or Estonian name) as its name, or ValueError naming the stages of `model`."""
    name = find_stage(model, stage)
    if name is None:
        raise ValueError(
            _("{stage} is not a stage of {model}; use one of: {stages}").format(
                stage=repr(stage), model=model.value.upper(), stages=stages_text(model)
            )
        )
    return name


def stages_text(model: Model | None = None) -> str:
    """The stage names of `model` (of both when None) for a message; in Estonian, each stage's
    Estonian name follows its name (`network (võrgustiku kokkukutsumine)`)."""
    names = stage_names(model) if model is not None else ALL_STAGES
    if message_language() != "et":
        return ", ".join(names)
    return ", ".join(f"{name} ({stage_label(name, model, 'et')})" for name in names)


def stage_label(name: str, model: Model | str | None, lang: str) -> str:
    """A stage as people read it: its Estonian name in Estonian (the model's own, when `model` is
    given: follow-up is *järelsuhtlus* in RV and *järelsuhtlus ja -tugi* in NEET), else its name.

    A name that is no stage (old data) is shown as stored.
    """
    if lang != "et":
        return name
    models = [Model(model)] if model in tuple(Model) else list(STAGES)
    for m in models:
        for stage in STAGES[m]:
            if stage.name == name:
                return stage.estonian
    return name
