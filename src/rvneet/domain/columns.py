"""The columns of each kind of import file, in English and Estonian (documented in docs/import.md).

The English name is also the JSON key; the Estonian name is the header of a template made with
`--lang et`. Either, or a listed alias, may head a column.
"""

from __future__ import annotations

from rvneet.domain.enums import (
    CloseReason,
    ContactChannel,
    Light,
    Model,
    NeetGroup,
    ReachChannel,
    RiskLevel,
)
from rvneet.files.columns import Column

YOUTH_COLUMNS = (
    Column(
        "ref",
        "viide",
        aliases=("youth", "noor"),
        example="",
        help="rvneet's reference (Y-0001) of a youth already registered; empty for a new youth.",
    ),
    Column(
        "name",
        "nimi",
        required=True,
        aliases=("full_name", "ees- ja perekonnanimi"),
        example="Mari Maasikas",
        help="First and last name.",
    ),
    Column(
        "id_code",
        "isikukood",
        aliases=("personal_code", "ik"),
        example="61001010009",
        help="Estonian personal code; gives birth date and sex. Empty for a youth without one.",
    ),
    Column(
        "birth_date",
        "sünniaeg",
        kind="date",
        aliases=("sünnikuupäev", "date_of_birth"),
        example="",
        help="Needed only without a personal code: 2010-01-01 or 01.01.2010.",
    ),
    Column(
        "sex",
        "sugu",
        kind="sex",
        example="",
        help="Needed only without a personal code: M or F (mees/naine, M/N).",
    ),
)

_CASE = Column(
    "case", "juhtum", required=True, aliases=("case_ref",), example="RV-2025-001", help="The case."
)
_DATE = Column("date", "kuupäev", kind="date", required=True, example="2025-03-01", help="The day.")

CASE_COLUMNS = (
    Column(
        "case",
        "juhtum",
        aliases=("case_ref",),
        help="rvneet's reference of a case already in the book; empty for a new case.",
    ),
    Column(
        "youth",
        "noor",
        aliases=("youth_ref", "viide"),
        example="Y-0001",
        help="The youth's reference; or give id_code instead.",
    ),
    Column(
        "id_code",
        "isikukood",
        aliases=("personal_code", "ik"),
        help="The youth's personal code, instead of the reference.",
    ),
    Column("model", "mudel", required=True, choices=Model, example="rv", help="rv or neet."),
    Column(
        "start",
        "algus",
        kind="date",
        required=True,
        aliases=("start_date", "alguskuupäev"),
        example="2025-02-01",
        help="The day the case was opened.",
    ),
    Column("risk", "riskitase", choices=RiskLevel, example="high", help="RV: medium or high."),
    Column(
        "light",
        "valgusfoor",
        choices=Light,
        help="NEET: red, yellow or green.",
    ),
    Column("group", "sihtrühm", choices=NeetGroup, help="NEET: neet or risk."),
    Column(
        "manager",
        "juhtumikorraldaja",
        aliases=("case_manager",),
        example="Kati Kask",
        help="The case manager.",
    ),
    Column(
        "instrument",
        "hindamisvahend",
        help="RV: the risk assessment instrument used.",
    ),
    Column(
        "channel",
        "leidmise viis",
        choices=ReachChannel,
        aliases=("reached_through",),
        help="How the youth was reached: "
        + ", ".join(c.value for c in ReachChannel)
        + ". Empty: other (a new case) or unchanged (a case in the book).",
    ),
    Column(
        "support_requested",
        "rakendustugi",
        kind="flag",
        aliases=("ska_support",),
        example="no",
        help="RV: SKA implementation support requested when the case was opened (yes/no).",
    ),
    Column(
        "allow_ineligible",
        "erandi põhjus",
        aliases=("ineligible_reason",),
        help="Opens a case outside the model's age range, giving the reason (as --allow-ineligible).",
    ),
    Column(
        "end",
        "lõpp",
        kind="date",
        aliases=("end_date", "lõppkuupäev"),
        help="The day the case was closed; empty while it is open.",
    ),
    Column(
        "close_reason",
        "lõpetamise põhjus",
        choices=CloseReason,
        aliases=("reason", "põhjus"),
        help="Why it was closed: " + ", ".join(r.value for r in CloseReason) + ".",
    ),
)

ASSESSMENT_COLUMNS = (
    _CASE,
    _DATE,
    Column("risk", "riskitase", choices=RiskLevel, example="medium", help="RV: medium or high."),
    Column("light", "valgusfoor", choices=Light, help="NEET: red, yellow or green."),
    Column("instrument", "hindamisvahend", help="RV: the instrument used."),
)

CONTACT_COLUMNS = (
    _CASE,
    _DATE,
    Column(
        "channel",
        "kanal",
        required=True,
        choices=ContactChannel,
        example="meeting",
        help=", ".join(c.value for c in ContactChannel) + ".",
    ),
    Column("place", "koht", example="noortekeskus", help="Where a meeting took place."),
    Column(
        "with",
        "osalejad",
        kind="list",
        aliases=("with_roles",),
        help="Network roles present, comma-separated (see rvneet case contact --help).",
    ),
    Column(
        "network_meeting",
        "võrgustikukohtumine",
        kind="flag",
        example="no",
        help="yes for a meeting of the case network (channel meeting).",
    ),
    Column("note", "märkus", help="A short note; personal, never in reports."),
)

# The NGTS monitoring list (*NGTS nimekiri*, youth-guarantee support system) as a municipality
# receives it: one row per youth, identified by the personal code, with contacts from the registers.
NGTS_COLUMNS = (
    Column(
        "id_code",
        "isikukood",
        required=True,
        aliases=("personal_code", "ik"),
        example="60604200154",
        help="Estonian personal code; required on this list. A youth already registered is "
        "matched by it.",
    ),
    Column(
        "name",
        "nimi",
        aliases=("full_name", "ees- ja perekonnanimi"),
        example="Mari Maasikas",
        help="First and last name; or give first_name and last_name instead.",
    ),
    Column("first_name", "eesnimi", aliases=("eesnimed",), help="The first name, with last_name."),
    Column("last_name", "perekonnanimi", aliases=("surname",), help="The last name."),
    Column(
        "phone",
        "telefon",
        aliases=("tel", "telefoninumber"),
        example="5555 0101",
        help="The youth's phone number.",
    ),
    Column(
        "email",
        "e-post",
        aliases=("e-mail", "meil"),
        example="mari@example.ee",
        help="The youth's e-mail address.",
    ),
    Column("address", "aadress", aliases=("elukoht",), help="The address the registers give."),
    Column(
        "guardian",
        "seaduslik esindaja",
        aliases=("legal_guardian", "eestkostja"),
        help="The legal guardian of a minor, by name.",
    ),
    Column(
        "guardian_contact",
        "esindaja kontakt",
        aliases=("seadusliku esindaja kontakt",),
        help="The guardian's phone or e-mail.",
    ),
    Column(
        "last_education",
        "viimane haridus",
        aliases=("haridustase", "education"),
        example="põhiharidus",
        help="The last education the registers know, as the list writes it.",
    ),
    Column(
        "last_employment",
        "viimane töökoht",
        aliases=("viimane töö", "employment"),
        help="The last employment the registers know, as the list writes it.",
    ),
)

# kind -> its columns; `rvneet import template KIND` and docs/import.md follow this.
COLUMNS: dict[str, tuple[Column, ...]] = {
    "youths": YOUTH_COLUMNS,
    "cases": CASE_COLUMNS,
    "assessments": ASSESSMENT_COLUMNS,
    "contacts": CONTACT_COLUMNS,
    "ngts": NGTS_COLUMNS,
}
