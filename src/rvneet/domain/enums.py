"""The closed vocabularies of the two models. Values are the stable machine forms.

The values are English and are what is stored and what JSON and CSV output carry. A person may also
type a value's Estonian form (`--risk kõrge`); ESTONIAN below is the one place those forms live, and
`parse_choice` is the one place that reads either.
"""

import unicodedata
from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


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
    """How the youth was reached (the NEET model's stage 2, *noorteni jõudmine*)."""

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


class OutreachResult(StrEnum):
    """What an outreach attempt to a youth of the NGTS list came to (*noorteni jõudmine*)."""

    NO_ANSWER = "no-answer"
    DECLINED = "declined"  # the youth did not want support
    NOT_NEET = "not-neet"  # the youth studies or works after all
    MOVED = "moved"  # lives elsewhere now
    REACHED = "reached"


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
    NETWORK_LEAD = "network-lead"  # koostöövõrgustiku eestvedaja (NEET model)
    NGTS_WORKER = "ngts-worker"  # noortegarantii tugisüsteemi töötaja (RV agreement 2.3)
    YOUTH_CASE_MANAGER = "youth-case-manager"  # noorte juhtumikorraldaja (NEET model)
    OTHER = "other"


class FeedbackAspect(StrEnum):
    """What a 360° feedback score is about beside the overall one (NEET model Table 1 row 4)."""

    PLANNING = "planning"
    INFORMATION_FLOW = "information-flow"
    KEEPING_AGREEMENTS = "keeping-agreements"


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
    """The state of the 6-month follow-up contact (*järelkontakt*)."""

    DUE = "due"
    DONE = "done"
    SKIPPED = "skipped"


class StaffRole(StrEnum):
    """What a staff member does in the book (`rvneet staff`)."""

    CASE_MANAGER = "case-manager"  # juhtumikorraldaja
    COORDINATOR = "coordinator"
    AUDITOR = "auditor"  # reads the audit log only
    ADMIN = "admin"


class YesNo(StrEnum):
    """A yes/no answer typed by a person."""

    YES = "yes"
    NO = "no"


class GoalExtent(StrEnum):
    """How far a goal was reached (Table 1 row 2, "mil määral")."""

    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


class AnswerSource(StrEnum):
    """Where the follow-up's answer came from (Table 1 row 2): the youth, or a register."""

    YOUTH = "youth"
    REGISTER = "register"


class Assessor(StrEnum):
    """Who assessed a youth's needs (Table 1 row 1): the case manager or the youth."""

    CASE_MANAGER = "case-manager"  # from the youth's information
    YOUTH = "youth"  # the youth's own self-assessment


# Each typed value's Estonian form, in the models' own words (docs/glossary.md). A value missing here
# has no form of its own in Estonian (rv, sms, Rajaleidja): the English value is also the Estonian one.
ESTONIAN: dict[type[StrEnum], dict[str, str]] = {
    Sex: {Sex.F: "N"},  # naine; M (mees) is M in both languages, as the personal code's forms write
    RiskLevel: {RiskLevel.MEDIUM: "keskmine", RiskLevel.HIGH: "kõrge"},
    Light: {Light.RED: "punane", Light.YELLOW: "kollane", Light.GREEN: "roheline"},
    NeetGroup: {NeetGroup.NEET: "NEET-olukorras", NeetGroup.RISK: "NEET-riskis"},
    CloseReason: {
        CloseReason.GOALS_MET: "eesmärgid-saavutatud",
        CloseReason.MOVED: "elukoht-muutus",
        CloseReason.DECLINED: "loobus",
        CloseReason.LOST_CONTACT: "kontakt-katkes",
        CloseReason.TRANSFERRED: "üle-antud",
        CloseReason.OTHER: "muu",
    },
    ReachChannel: {
        ReachChannel.NGTS_LIST: "ngts-seirenimekiri",
        ReachChannel.MOBILE_YOUTH_WORK: "mobiilne-noorsootöö",
        ReachChannel.REFERRAL: "suunamine",
        ReachChannel.SELF: "isiklik-pöördumine",
        ReachChannel.SCHOOL: "kool",
        ReachChannel.OTHER: "muu",
    },
    ContactChannel: {
        ContactChannel.EMAIL: "e-kiri",
        ContactChannel.PHONE: "telefon",
        ContactChannel.MEETING: "kohtumine",
        ContactChannel.ONLINE: "veebis",
    },
    OutreachResult: {
        OutreachResult.NO_ANSWER: "ei-vastanud",
        OutreachResult.DECLINED: "loobus",
        OutreachResult.NOT_NEET: "ei-ole-neet",
        OutreachResult.MOVED: "elukoht-muutus",
        OutreachResult.REACHED: "saadi-ühendust",
    },
    NeedCategory: {
        NeedCategory.EDUCATION: "haridus",
        NeedCategory.WORK: "töö",
        NeedCategory.HEALTH: "tervis",
        NeedCategory.INSTITUTIONAL_CARE: "asendushooldus",
        NeedCategory.RISK_BEHAVIOUR: "riskikäitumine",
        NeedCategory.LIFE_EVENT: "elusündmus",
        NeedCategory.OBLIGATIONS: "kohustused",
        NeedCategory.OTHER: "muu",
    },
    WelfareDomain: {
        WelfareDomain.PHYSICAL: "füüsiline",
        WelfareDomain.HEALTH: "tervis",
        WelfareDomain.PSYCHOLOGICAL: "psühholoogiline",
        WelfareDomain.EMOTIONAL: "emotsionaalne",
        WelfareDomain.SOCIAL: "sotsiaalne",
        WelfareDomain.COGNITIVE: "kognitiivne",
        WelfareDomain.EDUCATIONAL: "hariduslik",
        WelfareDomain.ECONOMIC: "majanduslik",
        WelfareDomain.PARENTING: "vanemlikud-oskused",
    },
    NetworkRole: {
        NetworkRole.CHILD_PROTECTION: "lastekaitsetöötaja",
        NetworkRole.SOCIAL_WORKER: "sotsiaaltöötaja",
        NetworkRole.YOUTH_WORKER: "noorsootöötaja",
        NetworkRole.MOBILE_YOUTH_WORKER: "mobiilne-noorsootöötaja",
        NetworkRole.POLICE: "politsei",
        NetworkRole.PROBATION: "kriminaalhooldaja",
        NetworkRole.PROSECUTOR: "prokurör",
        NetworkRole.SCHOOL_SUPPORT: "kooli-tugispetsialist",
        NetworkRole.TOOTUKASSA: "töötukassa-esindaja",
        NetworkRole.PSYCHOLOGIST: "psühholoog",
        NetworkRole.PSYCHIATRIST: "psühhiaater",
        NetworkRole.DEBT_COUNSELLOR: "võlanõustaja",
        NetworkRole.NETWORK_LEAD: "koostöövõrgustiku-eestvedaja",
        NetworkRole.NGTS_WORKER: "noortegarantii-tugisüsteemi-töötaja",
        NetworkRole.YOUTH_CASE_MANAGER: "noorte-juhtumikorraldaja",
        NetworkRole.OTHER: "muu",
    },
    Tier: {Tier.CORE: "tuumikgrupp", Tier.WIDER: "laiem-võrgustik"},
    ConsentScope: {
        ConsentScope.DATA_SHARING: "andmete-jagamine",
        ConsentScope.PARTICIPATION: "osalemine",
    },
    ConsentGiver: {ConsentGiver.YOUTH: "noor", ConsentGiver.GUARDIAN: "seaduslik-esindaja"},
    SupportKind: {
        SupportKind.IMPLEMENTATION: "rakendustugi",
        SupportKind.PROCESS_MANAGEMENT: "protsessijuhtimise-tugi",
    },
    SupportAnswer: {SupportAnswer.GRANTED: "rahuldatud", SupportAnswer.REFUSED: "keeldutud"},
    GoalState: {
        GoalState.OPEN: "avatud",
        GoalState.DONE: "saavutatud",
        GoalState.DROPPED: "loobutud",
    },
    ActivityStatus: {
        ActivityStatus.ONGOING: "käib",
        ActivityStatus.COMPLETED: "lõpetatud",
        ActivityStatus.DROPPED: "katkestatud",
        ActivityStatus.NOT_SUITABLE: "ei-sobinud",
    },
    FollowUpStatus: {
        FollowUpStatus.DUE: "ootel",
        FollowUpStatus.DONE: "tehtud",
        FollowUpStatus.SKIPPED: "vahele-jäetud",
    },
    YesNo: {YesNo.YES: "jah", YesNo.NO: "ei"},
    FeedbackAspect: {
        FeedbackAspect.PLANNING: "planeerimine",
        FeedbackAspect.INFORMATION_FLOW: "info-liikumine",
        FeedbackAspect.KEEPING_AGREEMENTS: "kokkulepete-järgimine",
    },
    Assessor: {Assessor.CASE_MANAGER: "juhtumikorraldaja", Assessor.YOUTH: "noor"},
    AnswerSource: {AnswerSource.YOUTH: "noor", AnswerSource.REGISTER: "register"},
    GoalExtent: {
        GoalExtent.FULL: "täielikult",
        GoalExtent.PARTIAL: "osaliselt",
        GoalExtent.NONE: "ei-saavutatud",
    },
}

ESTONIAN[StaffRole] = {
    StaffRole.CASE_MANAGER: "juhtumikorraldaja",
    StaffRole.COORDINATOR: "koordinaator",
    StaffRole.AUDITOR: "audiitor",
    StaffRole.ADMIN: "administraator",
}

# Estonian forms used before the terms were aligned with the seeds (issue 19): still accepted as
# input, so scripts and habits keep working, but never shown.
FORMER: dict[type[StrEnum], dict[str, tuple[str, ...]]] = {
    NeetGroup: {NeetGroup.NEET: ("olukorras",), NeetGroup.RISK: ("riskis",)},
    CloseReason: {
        CloseReason.GOALS_MET: ("eesmärgid-täidetud",),
        CloseReason.MOVED: ("kolis",),
        CloseReason.LOST_CONTACT: ("kontakt-kadus",),
    },
    ReachChannel: {ReachChannel.NGTS_LIST: ("ngts-nimekiri",), ReachChannel.SELF: ("pöördus-ise",)},
    NetworkRole: {
        NetworkRole.CHILD_PROTECTION: ("lastekaitse", "lastekaitsespetsialist"),
        NetworkRole.PROBATION: ("kriminaalhooldus",),
        NetworkRole.PROSECUTOR: ("prokuratuur",),
        NetworkRole.SCHOOL_SUPPORT: ("tugispetsialist",),
        NetworkRole.TOOTUKASSA: ("töötukassa",),
    },
    ConsentGiver: {ConsentGiver.GUARDIAN: ("esindaja",)},
    SupportKind: {SupportKind.PROCESS_MANAGEMENT: ("protsessijuhtimine",)},
    GoalState: {GoalState.DONE: ("tehtud", "täidetud")},
}

# How a value reads in an Estonian sentence or table cell, where it differs from its typed form:
# words, never an input token (`eesmärgid saavutatud`, not `eesmärgid-saavutatud`). The same words
# as the reports' labels. JSON and CSV keep the English value.
LABELS: dict[type[StrEnum], dict[str, str]] = {
    Model: {Model.RV: "Ringist välja", Model.NEET: "NEET"},
    Sex: {Sex.M: "mees", Sex.F: "naine"},
    NeetGroup: {
        NeetGroup.NEET: "NEET-olukorras noored (15–29)",
        NeetGroup.RISK: "NEET-riskis noored (14–19)",
    },
    CloseReason: {
        CloseReason.GOALS_MET: "eesmärgid saavutatud",
        CloseReason.MOVED: "elukoht muutus",
        CloseReason.DECLINED: "noor loobus",
        CloseReason.LOST_CONTACT: "kontakt katkes",
        CloseReason.TRANSFERRED: "üle antud",
    },
    ReachChannel: {
        ReachChannel.NGTS_LIST: "NGTS-i seirenimekiri",
        ReachChannel.MOBILE_YOUTH_WORK: "mobiilne noorsootöö",
        ReachChannel.REFERRAL: "spetsialisti suunamine",
        ReachChannel.SELF: "isiklik pöördumine",
        ReachChannel.OTHER: "muu",
    },
    ContactChannel: {ContactChannel.SMS: "SMS"},
    OutreachResult: {
        OutreachResult.NO_ANSWER: "ei vastanud",
        OutreachResult.DECLINED: "noor loobus",
        OutreachResult.NOT_NEET: "ei ole NEET-olukorras",
        OutreachResult.MOVED: "elukoht muutus",
        OutreachResult.REACHED: "noorega saadi ühendust",
    },
    WelfareDomain: {WelfareDomain.PARENTING: "vanemlikud oskused"},
    NetworkRole: {
        NetworkRole.MOBILE_YOUTH_WORKER: "mobiilne noorsootöötaja",
        NetworkRole.SCHOOL_SUPPORT: "kooli tugispetsialist",
        NetworkRole.TOOTUKASSA: "Töötukassa esindaja (karjäärispetsialist)",
        NetworkRole.RAJALEIDJA: "Rajaleidja",
        NetworkRole.NETWORK_LEAD: "koostöövõrgustiku eestvedaja",
        NetworkRole.NGTS_WORKER: "noortegarantii tugisüsteemi töötaja",
        NetworkRole.YOUTH_CASE_MANAGER: "noorte juhtumikorraldaja",
    },
    Tier: {Tier.WIDER: "laiem võrgustik"},
    FeedbackAspect: {
        FeedbackAspect.INFORMATION_FLOW: "info liikumine",
        FeedbackAspect.KEEPING_AGREEMENTS: "kokkulepete järgimine",
    },
    ConsentScope: {ConsentScope.DATA_SHARING: "andmete jagamine"},
    ConsentGiver: {ConsentGiver.GUARDIAN: "seaduslik esindaja"},
    SupportKind: {SupportKind.PROCESS_MANAGEMENT: "protsessijuhtimise tugi"},
    ActivityStatus: {ActivityStatus.NOT_SUITABLE: "ei sobinud"},
    FollowUpStatus: {FollowUpStatus.SKIPPED: "vahele jäetud"},
    GoalExtent: {GoalExtent.NONE: "ei saavutatud"},
}


def estonian(member: StrEnum) -> str:
    """The member's Estonian form; its value when Estonian has no form of its own."""
    return ESTONIAN.get(type(member), {}).get(member, member.value)


def label(member: StrEnum) -> str:
    """The member as it reads in Estonian: its words (LABELS), else its Estonian form."""
    return LABELS.get(type(member), {}).get(member, estonian(member))


def shown(member: StrEnum, lang: str | None = None) -> str:
    """The member as people read it: its Estonian words (`label`) in Estonian, else its value."""
    from rvneet.i18n import message_language

    return label(member) if (lang or message_language()) == "et" else member.value


def typed(member: StrEnum, lang: str | None = None) -> str:
    """The member as a person types it: its Estonian form in Estonian, else its value."""
    from rvneet.i18n import message_language

    return estonian(member) if (lang or message_language()) == "et" else member.value


def shown_stored(enum: type[E], value: str, lang: str | None = None) -> str:
    """A stored value of `enum` as people read it (`high` → `kõrge` in Estonian), in `lang` or the
    message language; a value outside the vocabulary (old or imported data) as stored."""
    try:
        return shown(enum(value), lang)
    except ValueError:
        return value


def fold(text: str) -> str:
    """A typed value as it is compared: no case, no diacritics (kõrge = korge), `_`/space as `-`."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "-".join(plain.replace("_", " ").split())


def forms(member: StrEnum) -> tuple[str, ...]:
    """The forms that name the member: its value, its Estonian form, its Estonian words (`label`),
    then its former Estonian forms (FORMER), without repeats."""
    former = FORMER.get(type(member), {}).get(member, ())
    return tuple(dict.fromkeys((member.value, estonian(member), label(member), *former)))


def parse_choice(enum: type[E], text: str) -> E:
    """The member of `enum` named by `text` in English or Estonian; ValueError naming both otherwise."""
    wanted = fold(text)
    for member in enum:
        if any(fold(form) == wanted for form in forms(member)):
            return member
    from rvneet.i18n import _

    raise ValueError(
        _("{value!r} is not one of {choices}").format(
            value=text.strip(), choices=choices_text(enum)
        )
    )


def estonian_forms_text(enum: type[StrEnum]) -> str:
    """Every value's Estonian form in the values' order (`neet, riskis`) for a help text; empty when
    Estonian has no form of its own for any of them."""
    if all(estonian(member) == member.value for member in enum):
        return ""
    return ", ".join(estonian(member) for member in enum)


def choices_text(enum: type[StrEnum]) -> str:
    """`medium, high (Estonian: keskmine, kõrge)`: the values, then the Estonian forms that differ.

    In Estonian messages the Estonian forms come first: `keskmine, kõrge (inglise keeles: medium, high)`.
    """
    from rvneet.i18n import _

    english = ", ".join(member.value for member in enum)
    et = estonian_forms_text(enum)
    return (
        _("{english} (Estonian: {estonian})").format(english=english, estonian=et)
        if et
        else english
    )
