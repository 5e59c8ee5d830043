"""How `case show --history` writes a correction's changes for people: `Reached through: other →
referral` in English, `Noorteni jõudmise viis: muu → suunamine` in Estonian.

JSON keeps the stored field names and values; only the table is written in words.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from rvneet.domain.enums import (
    ActivityStatus,
    AnswerSource,
    Assessor,
    CloseReason,
    ConsentGiver,
    ConsentScope,
    ContactChannel,
    FollowUpStatus,
    GoalExtent,
    GoalState,
    Light,
    Model,
    NeetGroup,
    ReachChannel,
    RiskLevel,
    Sex,
    SupportAnswer,
    SupportKind,
    shown_stored,
)
from rvneet.i18n import N_, format_date, message_language, translate

# A correctable field → its label (English, N_) and the vocabularies its value may come from
# (`channel` is how a case's youth was reached, or how a contact took place).
FIELDS: dict[str, tuple[str, tuple[type[StrEnum], ...]]] = {
    "answer": (N_("Answer"), (SupportAnswer,)),
    "answer_note": (N_("Answer note"), ()),
    "answered_on": (N_("Answered on"), ()),
    "assessed_by": (N_("Assessed by"), (Assessor,)),
    "birth_date": (N_("Birth date"), ()),
    "channel": (N_("Channel"), (ReachChannel, ContactChannel)),
    "close_reason": (N_("Reason for closing"), (CloseReason,)),
    "date": (N_("Date"), ()),
    "done_on": (N_("Reached on"), ()),
    "due": (N_("Due"), ()),
    "end_date": (N_("End"), ()),
    "ended_on": (N_("Ended on"), ()),
    "extent": (N_("Extent"), (GoalExtent,)),
    "given_by": (N_("Given by"), (ConsentGiver,)),
    "id_code": (N_("Personal code"), ()),
    "in_education": (N_("In education"), ()),
    "in_employment": (N_("In employment"), ()),
    "justification": (N_("Justification"), ()),
    "kind": (N_("Kind"), (SupportKind,)),
    "light": (N_("Situation (light)"), (Light,)),
    "manager": (N_("Case manager"), ()),
    "model": (N_("Model"), (Model,)),
    "name": (N_("Name"), ()),
    "neet_group": (N_("NEET group"), (NeetGroup,)),
    "note": (N_("Note"), ()),
    "planned_end": (N_("Planned end"), ()),
    "provider_note": (N_("Provider's note"), ()),
    "reason": (N_("Reason"), ()),
    "risk": (N_("Risk level"), (RiskLevel,)),
    "satisfaction": (N_("Satisfaction (1–5)"), ()),
    "scope": (N_("Scope"), (ConsentScope,)),
    "sex": (N_("Sex"), (Sex,)),
    "source": (N_("Source"), (AnswerSource,)),
    "stage": (N_("Stage"), ()),
    "start_date": (N_("Start"), ()),
    "state": (N_("State"), (GoalState, ActivityStatus, FollowUpStatus)),
    "status": (N_("Status"), (GoalState, ActivityStatus, FollowUpStatus)),
    "text": (N_("Text"), ()),
    "wellbeing": (N_("Wellbeing (1–10)"), ()),
    "wellbeing_end": (N_("Wellbeing at the end (1–10)"), ()),
    "wellbeing_start": (N_("Wellbeing at the start (1–10)"), ()),
}
YES_NO = {True: N_("yes"), False: N_("no")}


def change_text(field: str, old: Any, new: Any) -> str:
    """One changed field as people read it, in the message language: `label: old → new`."""
    label, vocabularies = FIELDS.get(field, (None, ()))
    shown = translate(label) if label else field
    return f"{shown}: {_value(old, field, vocabularies)} → {_value(new, field, vocabularies)}"


def _value(value: Any, field: str, vocabularies: tuple[type[StrEnum], ...]) -> str:
    """A stored value in words: a vocabulary's label, yes/no, a date as the language writes it."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return translate(YES_NO[value])
    if field == "stage":
        from rvneet.domain.stages import stage_label

        return stage_label(str(value), None, message_language())
    text = str(value)
    for vocabulary in vocabularies:
        if text in {member.value for member in vocabulary}:
            return shown_stored(vocabulary, text)
    return str(format_date(text, message_language()))
