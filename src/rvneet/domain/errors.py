"""Errors a user can cause and fix. The CLI prints them as one line and exits with `exit_code`.

Exit codes are a contract with scripts (docs/import-export.md, "For scripts"): 1 refused,
2 malformed command line, 3 unknown reference, 4 database problem.
"""


class RvneetError(Exception):
    """Base of every expected error; its message is shown to the user as it is."""

    exit_code = 1


class InvalidInput(RvneetError):
    """A value the user gave breaks a rule (a wrong date, an ineligible age, ...)."""


class NotFound(RvneetError):
    """A reference names no record."""

    exit_code = 3


class Conflict(RvneetError):
    """The request clashes with what is already recorded (a duplicate, a closed case, ...)."""


class DatabaseError(RvneetError):
    """The database file is missing, unreadable or of another schema version."""

    exit_code = 4


class DiskFull(DatabaseError):
    """A file or the database could not be written: no room on the disk, or the file too large."""


class AccessRefused(RvneetError):
    """The working login's role may not do this (on a server: its GRANTs or row-level security)."""
