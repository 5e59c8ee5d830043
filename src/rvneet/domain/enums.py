"""The closed vocabularies of the two models. Values are the stable machine forms."""

from enum import StrEnum


class Model(StrEnum):
    """The cooperation model a case follows."""

    RV = "rv"  # Ringist välja
    NEET = "neet"  # NEET cooperation model


class Sex(StrEnum):
    """Sex as recorded in the personal code (*isikukood*) or entered for youths without one."""

    M = "M"
    F = "F"


class RiskLevel(StrEnum):
    """RV risk level (*riskitase*); RV takes only medium and high risk youths."""

    MEDIUM = "medium"
    HIGH = "high"


class Light(StrEnum):
    """NEET traffic light (*valgusfoor*). It describes the situation, never the youth."""

    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"


class NeetGroup(StrEnum):
    """NEET target group: in the NEET situation (15–29) or at risk of it (14–19)."""

    NEET = "neet"
    RISK = "risk"


class CloseReason(StrEnum):
    """Why a case was closed (*lõpetamise põhjus*)."""

    GOALS_MET = "goals-met"
    MOVED = "moved"
    DECLINED = "declined"
    LOST_CONTACT = "lost-contact"
    TRANSFERRED = "transferred"
    OTHER = "other"
