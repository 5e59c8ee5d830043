"""Errors a user can cause and fix. The CLI prints them as one line and exits non-zero."""


class RvneetError(Exception):
    """Base of every expected error; its message is shown to the user as it is."""

    exit_code = 1


class InvalidInput(RvneetError):
    """A value the user gave breaks a rule (a wrong date, an ineligible age, ...)."""


class NotFound(RvneetError):
    """A reference names no record."""


class Conflict(RvneetError):
    """The request clashes with what is already recorded (a duplicate, a closed case, ...)."""


class DatabaseError(RvneetError):
    """The database file is missing, unreadable or of another schema version."""
