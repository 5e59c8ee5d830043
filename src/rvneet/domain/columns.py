"""The columns of each kind of import file, in English and Estonian (documented in docs/import.md).

The English name is also the JSON key; the Estonian name is the header of a template made with
`--lang et`. Either, or a listed alias, may head a column. The names are data (what a file's header
may say); a column's `help` is a text for people, marked N_ and read with `Column.description`.
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
from rvneet.i18n import N_

YOUTH_COLUMNS = (
    Column(
        "ref",
        "viide",
        aliases=("youth", "noor"),
        example="",
        help=N_(
            "rvneet's reference (Y-0001) of a youth already registered; empty for a new youth."
        ),
    ),
    Column(
        "name",
        "nimi",
        required=True,
        aliases=("full_name", "ees- ja perekonnanimi"),
        example="Mari Maasikas",
        help=N_("First and last name."),
    ),
    Column(
        "id_code",
        "isikukood",
        aliases=("personal_code", "ik"),
        example="61001010009",
        help=N_("Estonian personal code; gives birth date and sex. Empty for a youth without one."),
    ),
    Column(
        "birth_date",
        "sünniaeg",
        kind="date",
        aliases=("sünnikuupäev", "date_of_birth"),
        example="",
        help=N_("Needed only without a personal code: 2010-01-01 or 01.01.2010."),
    ),
    Column(
        "sex",
        "sugu",
        kind="sex",
        example="",
        help=N_("Needed only without a personal code: M or F (mees/naine, M/N)."),
    ),
)

_CASE = Column(
    "case",
    "juhtum",
    required=True,
    aliases=("case_ref",),
    example="RV-2025-001",
    help=N_("The case."),
)
_DATE = Column(
    "date", "kuupäev", kind="date", required=True, example="2025-03-01", help=N_("The day.")
)

CASE_COLUMNS = (
    Column(
        "case",
        "juhtum",
        aliases=("case_ref",),
        help=N_("rvneet's reference of a case already in the book; empty for a new case."),
    ),
    Column(
        "youth",
        "noor",
        aliases=("youth_ref", "viide"),
        example="Y-0001",
        help=N_("The youth's reference; or give id_code instead."),
    ),
    Column(
        "id_code",
        "isikukood",
        aliases=("personal_code", "ik"),
        help=N_("The youth's personal code, instead of the reference."),
    ),
    Column("model", "mudel", required=True, choices=Model, example="rv", help=N_("rv or neet.")),
    Column(
        "start",
        "algus",
        kind="date",
        required=True,
        aliases=("start_date", "alguskuupäev"),
        example="2025-02-01",
        help=N_("The day the case was opened."),
    ),
    Column("risk", "riskitase", choices=RiskLevel, example="high", help=N_("RV: medium or high.")),
    Column(
        "light",
        "valgusfoor",
        choices=Light,
        help=N_("NEET: red, yellow or green."),
    ),
    Column("group", "sihtrühm", choices=NeetGroup, help=N_("NEET: neet or risk.")),
    Column(
        "manager",
        "juhtumikorraldaja",
        aliases=("case_manager",),
        example="Kati Kask",
        help=N_("The case manager."),
    ),
    Column(
        "instrument",
        "hindamisvahend",
        help=N_("RV: the risk assessment instrument used."),
    ),
    Column(
        "channel",
        "noorteni jõudmise viis",
        choices=ReachChannel,
        aliases=("reached_through", "leidmise viis"),  # the Estonian header before issue 19
        help=N_(
            "How the youth was reached: {choices}. "
            "Empty: other (a new case) or unchanged (a case in the book)."
        ),
    ),
    Column(
        "support_requested",
        "rakendustugi",
        kind="flag",
        aliases=("ska_support",),
        example="no",
        help=N_("RV: SKA implementation support requested when the case was opened (yes/no)."),
    ),
    Column(
        "allow_ineligible",
        "erandi põhjus",
        aliases=("ineligible_reason",),
        help=N_(
            "Opens a case outside the model's age range, giving the reason (as --allow-ineligible)."
        ),
    ),
    Column(
        "end",
        "lõpp",
        kind="date",
        aliases=("end_date", "lõppkuupäev"),
        help=N_("The day the case was closed; empty while it is open."),
    ),
    Column(
        "close_reason",
        "lõpetamise põhjus",
        choices=CloseReason,
        aliases=("reason", "põhjus"),
        help=N_("Why it was closed: {choices}."),
    ),
)

ASSESSMENT_COLUMNS = (
    _CASE,
    _DATE,
    Column(
        "risk", "riskitase", choices=RiskLevel, example="medium", help=N_("RV: medium or high.")
    ),
    Column("light", "valgusfoor", choices=Light, help=N_("NEET: red, yellow or green.")),
    Column("instrument", "hindamisvahend", help=N_("RV: the instrument used.")),
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
        help=N_("How the contact was made: {choices}."),
    ),
    Column("place", "koht", example="noortekeskus", help=N_("Where a meeting took place.")),
    Column(
        "with",
        "osalejad",
        kind="list",
        aliases=("with_roles",),
        help=N_("Network roles present, comma-separated (see rvneet case contact --help)."),
    ),
    Column(
        "network_meeting",
        "võrgustikukohtumine",
        kind="flag",
        example="no",
        help=N_("yes for a meeting of the case network (channel meeting)."),
    ),
    Column("note", "märkus", help=N_("A short note; personal, never in reports.")),
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
        help=N_(
            "Estonian personal code; required on this list. A youth already registered is "
            "matched by it."
        ),
    ),
    Column(
        "name",
        "nimi",
        aliases=("full_name", "ees- ja perekonnanimi"),
        example="Mari Maasikas",
        help=N_("First and last name; or give first_name and last_name instead."),
    ),
    Column(
        "first_name", "eesnimi", aliases=("eesnimed",), help=N_("The first name, with last_name.")
    ),
    Column("last_name", "perekonnanimi", aliases=("surname",), help=N_("The last name.")),
    Column(
        "phone",
        "telefon",
        aliases=("tel", "telefoninumber"),
        example="5555 0101",
        help=N_("The youth's phone number."),
    ),
    Column(
        "email",
        "e-post",
        aliases=("e-mail", "meil"),
        example="mari@example.ee",
        help=N_("The youth's e-mail address."),
    ),
    Column("address", "aadress", aliases=("elukoht",), help=N_("The address the registers give.")),
    Column(
        "guardian",
        "seaduslik esindaja",
        aliases=("legal_guardian", "eestkostja"),
        help=N_("The legal guardian of a minor, by name."),
    ),
    Column(
        "guardian_contact",
        "esindaja kontakt",
        aliases=("seadusliku esindaja kontakt",),
        help=N_("The guardian's phone or e-mail."),
    ),
    Column(
        "last_education",
        "viimane haridus",
        aliases=("haridustase", "education"),
        example="põhiharidus",
        help=N_("The last education the registers know, as the list writes it."),
    ),
    Column(
        "last_employment",
        "viimane töökoht",
        aliases=("viimane töö", "employment"),
        help=N_("The last employment the registers know, as the list writes it."),
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
