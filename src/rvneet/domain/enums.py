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


class ReachChannel(StrEnum):
    """How the youth was found and reached (the NEET model's stage 2, *noore leidmine*)."""

    NGTS_LIST = "ngts-list"  # the youth-guarantee support system's monitoring list
    MOBILE_YOUTH_WORK = "mobile-youth-work"
    REFERRAL = "referral"  # referred by a specialist
    SELF = "self"  # the youth turned to the case manager
    SCHOOL = "school"
    OTHER = "other"


class ContactChannel(StrEnum):
    """How the case manager reached the youth (*kontakti loomine*)."""

    EMAIL = "email"
    SMS = "sms"
    PHONE = "phone"
    MEETING = "meeting"
    ONLINE = "online"


class NeedCategory(StrEnum):
    """The NEET model's categories of need (*vajadused*)."""

    EDUCATION = "education"
    WORK = "work"
    HEALTH = "health"
    INSTITUTIONAL_CARE = "institutional-care"
    RISK_BEHAVIOUR = "risk-behaviour"
    LIFE_EVENT = "life-event"
    OBLIGATIONS = "obligations"
    OTHER = "other"


class WelfareDomain(StrEnum):
    """Domains of the child-welfare triangle assessed for minors (*lapse heaolu kolmnurk*)."""

    PHYSICAL = "physical"
    HEALTH = "health"
    PSYCHOLOGICAL = "psychological"
    EMOTIONAL = "emotional"
    SOCIAL = "social"
    COGNITIVE = "cognitive"
    EDUCATIONAL = "educational"
    ECONOMIC = "economic"
    PARENTING = "parenting"


class NetworkRole(StrEnum):
    """The role of a network member (*võrgustikuliige*) in either model."""

    CHILD_PROTECTION = "child-protection"
    SOCIAL_WORKER = "social-worker"
    YOUTH_WORKER = "youth-worker"
    MOBILE_YOUTH_WORKER = "mobile-youth-worker"
    POLICE = "police"
    PROBATION = "probation"
    PROSECUTOR = "prosecutor"
    SCHOOL_SUPPORT = "school-support"
    TOOTUKASSA = "tootukassa"
    RAJALEIDJA = "rajaleidja"
    PSYCHOLOGIST = "psychologist"
    PSYCHIATRIST = "psychiatrist"
    DEBT_COUNSELLOR = "debt-counsellor"
    OTHER = "other"


class Tier(StrEnum):
    """NEET network tier: the core group (*tuumikgrupp*) or the wider network (*laiem võrgustik*)."""

    CORE = "core"
    WIDER = "wider"


class ConsentScope(StrEnum):
    """What a consent (*nõusolek*) covers."""

    DATA_SHARING = "data-sharing"
    PARTICIPATION = "participation"


class ConsentGiver(StrEnum):
    """Who gave the consent: the youth, or the guardian of a minor."""

    YOUTH = "youth"
    GUARDIAN = "guardian"


class SupportKind(StrEnum):
    """What the municipality asks SKA for (RV agreement 3.5 and 4.6)."""

    IMPLEMENTATION = "implementation"
    PROCESS_MANAGEMENT = "process-management"


class SupportAnswer(StrEnum):
    """SKA's answer to a support request."""

    GRANTED = "granted"
    REFUSED = "refused"


class GoalState(StrEnum):
    """The state of a goal in the case plan (*juhtumiplaan*)."""

    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class ActivityStatus(StrEnum):
    """The state of a support activity (*tugitegevus*)."""

    ONGOING = "ongoing"
    COMPLETED = "completed"
    DROPPED = "dropped"
    NOT_SUITABLE = "not-suitable"


class FollowUpStatus(StrEnum):
    """The state of the 6-month follow-up (*järeltugi*)."""

    DUE = "due"
    DONE = "done"
    SKIPPED = "skipped"
