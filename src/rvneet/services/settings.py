"""Settings stored in the database itself, such as the municipality it belongs to."""

from __future__ import annotations

from sqlmodel import Session

from rvneet.domain.errors import Conflict, InvalidInput
from rvneet.domain.tables import Setting
from rvneet.i18n import _

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
