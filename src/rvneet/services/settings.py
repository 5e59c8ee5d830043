"""Settings stored in the database itself, such as the municipality it belongs to."""

from __future__ import annotations

from sqlmodel import Session

from rvneet.domain.access import Capability
from rvneet.domain.errors import Conflict, InvalidInput
from rvneet.domain.tables import Setting
from rvneet.i18n import _
from rvneet.services.permissions import require

MUNICIPALITY = "municipality"


def municipality(session: Session) -> str:
    """The municipality (*KOV*) named at `rvneet init`."""
    setting = session.get(Setting, MUNICIPALITY)
    return setting.value if setting else ""


def clean_municipality(name: str) -> str:
    """The municipality name as stored: stripped, non-empty."""
    name = name.strip()
    if not name:
        raise InvalidInput(_("the municipality name is empty"))
    return name


def set_municipality(session: Session, name: str) -> bool:
    """Record the municipality of a new database. True if it was set now, False if it already was.

    A database belongs to one municipality: naming another one is refused.
    """
    require(session, Capability.SETTINGS)
    name = clean_municipality(name)
    current = session.get(Setting, MUNICIPALITY)
    if current is None:
        session.add(Setting(key=MUNICIPALITY, value=name))
        return True
    if current.value != name:
        raise Conflict(
            _("this database already belongs to {municipality}").format(
                municipality=repr(current.value)
            )
        )
    return False


PSEUDONYM_KEY = "pseudonym_key"


def pseudonym_key(session: Session) -> str | None:
    """The secret that turns references into pseudonyms in this database's exports, if made yet.

    It never leaves the database: exports leave it out, so pseudonyms cannot be traced back.
    """
    setting = session.get(Setting, PSEUDONYM_KEY)
    return setting.value if setting else None


def create_pseudonym_key(session: Session) -> str:
    """The pseudonym secret, created (64 random hex digits) the first time it is asked for."""
    import secrets

    current = session.get(Setting, PSEUDONYM_KEY)
    if current is not None:
        return current.value
    key = secrets.token_hex(32)
    session.add(Setting(key=PSEUDONYM_KEY, value=key))
    return key


RV_FOLLOWUP = "rv_followup"


def rv_followup(session: Session) -> bool:
    """Whether closing an RV case schedules the 6-month follow-up (on unless turned off).

    The follow-up is the NEET model's (stage 3.6); the RV agreement does not ask for it, so it is a
    setting of the municipality: good practice, on by default.
    """
    setting = session.get(Setting, RV_FOLLOWUP)
    return setting is None or setting.value != "off"


def set_rv_followup(session: Session, on: bool) -> bool:
    """Turn the RV follow-up on or off; True if it changed. Recorded in the audit log."""
    require(session, Capability.SETTINGS)
    from rvneet.services.audit import audit_bulk

    old = "on" if rv_followup(session) else "off"
    new = "on" if on else "off"
    if old == new:
        return False
    current = session.get(Setting, RV_FOLLOWUP)
    if current is None:
        session.add(Setting(key=RV_FOLLOWUP, value=new))
    else:
        current.value = new
        session.add(current)
    session.flush()
    # Settings are no audited table (their key is text): the change is logged here by hand.
    audit_bulk(session, "settings", "update", [(0, "rv-followup", {"value": [old, new]})])
    return True


WORKLOAD_WEIGHTS = "workload_weights"
# What an open NEET case weighs in `report workload` by the light of its situation.
DEFAULT_WEIGHTS = {"red": 3, "yellow": 2, "green": 1}
# The largest weight a light can be given.
MAX_WEIGHT = 100


def workload_weights(session: Session) -> dict[str, int]:
    """The weight of each light (red, yellow, green) in the weighted load of `report workload`."""
    import json

    setting = session.get(Setting, WORKLOAD_WEIGHTS)
    stored = json.loads(setting.value) if setting else {}
    return {light: int(stored.get(light, weight)) for light, weight in DEFAULT_WEIGHTS.items()}


def set_workload_weights(
    session: Session, *, red: int | None = None, yellow: int | None = None, green: int | None = None
) -> bool:
    """Change the weights of the lights (what is not given stays); True if they changed.

    A weight is a whole number 0 to 100. Recorded in the audit log.
    """
    require(session, Capability.SETTINGS)
    import json

    from rvneet.services.audit import audit_bulk

    old = workload_weights(session)
    given = {"red": red, "yellow": yellow, "green": green}
    for light, weight in given.items():
        if weight is not None and not 0 <= weight <= MAX_WEIGHT:
            raise InvalidInput(
                _("the weight --{light} must be 0 to {most}").format(light=light, most=MAX_WEIGHT)
            )
    new = {light: old[light] if weight is None else weight for light, weight in given.items()}
    if new == old:
        return False
    value = json.dumps(new)
    current = session.get(Setting, WORKLOAD_WEIGHTS)
    if current is None:
        session.add(Setting(key=WORKLOAD_WEIGHTS, value=value))
    else:
        current.value = value
        session.add(current)
    session.flush()
    changes = {light: [old[light], new[light]] for light in new if old[light] != new[light]}
    audit_bulk(session, "settings", "update", [(0, "workload-weights", changes)])
    return True


CONSENT_AGE = "consent_age"
# Below this age (on the consent's date) a data-sharing consent given by the youth alone is warned
# about: a guardian's consent is expected. 16 is the GDPR art. 8 default; a municipality may choose
# its own age.
DEFAULT_CONSENT_AGE = 16
# The ages the setting may take: a minor's, as a guardian speaks only for a minor.
CONSENT_AGES = range(1, 19)


def consent_age(session: Session) -> int:
    """The age below which a youth's own data-sharing consent is warned about (default 16)."""
    setting = session.get(Setting, CONSENT_AGE)
    return int(setting.value) if setting else DEFAULT_CONSENT_AGE


def set_consent_age(session: Session, age: int) -> bool:
    """Change the consent age (1 to 18); True if it changed. Recorded in the audit log."""
    require(session, Capability.SETTINGS)
    from rvneet.services.audit import audit_bulk

    if age not in CONSENT_AGES:
        raise InvalidInput(
            _("the consent age must be {least} to {most}").format(
                least=CONSENT_AGES.start, most=CONSENT_AGES.stop - 1
            )
        )
    old = consent_age(session)
    if age == old:
        return False
    current = session.get(Setting, CONSENT_AGE)
    if current is None:
        session.add(Setting(key=CONSENT_AGE, value=str(age)))
    else:
        current.value = str(age)
        session.add(current)
    session.flush()
    audit_bulk(session, "settings", "update", [(0, "consent-age", {"value": [old, age]})])
    return True
