"""The ordered stages of each model, defined once.

Stages may repeat or go back (the NEET model says its stages overlap); only their dates are ordered.
"""

from __future__ import annotations

from dataclasses import dataclass

from rvneet.domain.enums import Model


@dataclass(frozen=True)
class Stage:
    """A stage of a model's process with its Estonian name."""

    name: str
    estonian: str


STAGES: dict[Model, tuple[Stage, ...]] = {
    Model.RV: (
        Stage("referral", "suunamine"),
        Stage("risk-assessment", "riskihindamine"),
        Stage("network", "võrgustiku kokkukutsumine"),
        Stage("action-plan", "tegevuskava"),
        Stage("implementation", "võrgustikukohtumised"),
        Stage("closing", "lõpetamine"),
        Stage("follow-up", "järeltugi"),
    ),
    Model.NEET: (
        Stage("contact", "kontakti loomine"),
        Stage("needs-and-goals", "vajaduste selgitamine ja eesmärkide seadmine"),
        Stage("action", "noore tegutsemine"),
        Stage("support", "toetamine"),
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


def check_stage(model: Model, stage: str) -> str:
    """`stage` normalised, or ValueError naming the stages of `model`."""
    name = stage.strip().lower()
    names = stage_names(model)
    if name not in names:
        raise ValueError(
            f"{stage!r} is not a stage of {model.value.upper()}; use one of: {', '.join(names)}"
        )
    return name
