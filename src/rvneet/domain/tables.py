"""The tables of the case book, as SQLModel classes.

The schema is created and changed only by the Alembic migrations in `migrations/`; a test checks that
these classes and the migrations agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

# SQLite can only alter tables by copying them (Alembic batch mode), which needs named constraints.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


class Setting(SQLModel, table=True):
    """A setting of this database, such as the municipality (*KOV*) it belongs to."""

    __tablename__ = "settings"

    key: str = Field(primary_key=True)
    value: str


class Youth(SQLModel, table=True):
    """A young person (*noor*) the municipality works with. Reference `Y-0001`."""

    __tablename__ = "youths"
    __table_args__ = (
        CheckConstraint("sex IN ('M', 'F')", name="sex"),
        # A youth is whole, or erased (`services.erasure`) with only the birth month kept.
        CheckConstraint(
            "(erased_on IS NULL AND birth_date IS NOT NULL AND birth_month IS NULL"
            " AND erasure_reason IS NULL)"
            " OR (erased_on IS NOT NULL AND birth_date IS NULL AND id_code IS NULL"
            " AND birth_month IS NOT NULL)",
            name="erasure",
        ),
    )
    # The birth date with the name identifies a person; the erasure reason is free text.
    __audit_redact__ = frozenset({"name", "id_code", "birth_date", "erasure_reason"})

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True)
    name: str
    id_code: str | None = Field(default=None, unique=True)
    birth_date: dt.date | None = None  # None once erased
    sex: str
    # Set by erasure only: the day, why (free text), and the birth year-month (YYYY-MM) kept.
    birth_month: str | None = None
    erased_on: dt.date | None = None
    erasure_reason: str | None = None


class Staff(SQLModel, table=True):
    """A person who works in the book (*töötaja*): a case manager, coordinator, auditor or admin.

    Reference `S-0001`. `user` is the login that `RVNEET_USER` (or `--user`) gives; retired staff are
    kept for history and get no new cases.
    """

    __tablename__ = "staff"
    __table_args__ = (
        CheckConstraint("role IN ('case-manager', 'coordinator', 'auditor', 'admin')", name="role"),
        CheckConstraint(
            "(retired_on IS NULL) = (retire_reason IS NULL)", name="retired_with_reason"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True)
    name: str
    user: str | None = Field(default=None, unique=True)
    role: str = "case-manager"
    email: str | None = None
    retired_on: dt.date | None = None
    retire_reason: str | None = None
    # How much weighted load (`report workload`) they can carry; None when not set.
    capacity: int | None = None


class Case(SQLModel, table=True):
    """A case (*juhtum*) of one youth under one model. Reference `RV-2025-001` / `NEET-2025-001`."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("model IN ('rv', 'neet')", name="model"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_after_start"),
        CheckConstraint("(end_date IS NULL) = (close_reason IS NULL)", name="closed_with_reason"),
        CheckConstraint(
            "(model = 'rv' AND neet_group IS NULL) OR (model = 'neet' AND neet_group IN ('neet', 'risk'))",
            name="group_by_model",
        ),
        # One open case per youth and model, enforced by the database as well as the service.
        Index(
            "ux_cases_open_per_model",
            "youth_id",
            "model",
            unique=True,
            sqlite_where=text("end_date IS NULL"),
            postgresql_where=text("end_date IS NULL"),
        ),
        Index("ix_cases_model_start", "model", "start_date"),
        # Reports find the cases active in a period by their end: open, or closed after its start.
        Index("ix_cases_model_end_start", "model", "end_date", "start_date"),
        CheckConstraint(
            "(wellbeing_start IS NULL OR wellbeing_start BETWEEN 1 AND 10)"
            " AND (wellbeing_end IS NULL OR wellbeing_end BETWEEN 1 AND 10)",
            name="wellbeing",
        ),
        CheckConstraint(
            "(satisfaction_manager IS NULL OR satisfaction_manager BETWEEN 1 AND 5)"
            " AND (satisfaction_overall IS NULL OR satisfaction_overall BETWEEN 1 AND 5)",
            name="satisfaction",
        ),
        CheckConstraint(
            "channel IN ('ngts-list', 'mobile-youth-work', 'referral', 'self', 'school', 'other')",
            name="channel",
        ),
        CheckConstraint("age_at_start IS NULL OR age_at_start >= 0", name="age_at_start"),
        CheckConstraint(
            "(resolution_youth IS NULL OR resolution_youth BETWEEN 1 AND 5)"
            " AND (resolution_manager IS NULL OR resolution_manager BETWEEN 1 AND 5)",
            name="resolution",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True)
    youth_id: int = Field(
        sa_column=Column(Integer, ForeignKey("youths.id"), nullable=False, index=True)
    )
    model: str
    seq: int
    start_date: dt.date
    end_date: dt.date | None = None
    close_reason: str | None = None
    neet_group: str | None = None
    # The case manager's name, kept in step with `manager_id` for the scripts that read it.
    manager: str | None = None
    # The case manager now (a staff record); `manager_changes` keeps who it was before.
    manager_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("staff.id"), nullable=True, index=True)
    )
    ineligible_reason: str | None = None
    # The outcome at closing (the NEET model's Table 1); all optional.
    in_education: bool | None = None
    in_employment: bool | None = None
    wellbeing_start: int | None = None
    wellbeing_end: int | None = None
    satisfaction_manager: int | None = None
    satisfaction_overall: int | None = None
    # How the youth was reached (`domain.enums.ReachChannel`); cases from before it was kept: other.
    channel: str = Field(default="other", sa_column_kwargs={"server_default": "other"})
    # The youth's age on the start date, frozen when the youth is erased (no birth date after it).
    age_at_start: int | None = None
    # Table 1 row 2 (0012): the resolution assessed at closing by the youth and by the case manager.
    resolution_youth: int | None = None
    resolution_manager: int | None = None


class Assessment(SQLModel, table=True):
    """A dated risk level (RV, *riskihindamine*) or traffic light (NEET, *valgusfoor*) of a case."""

    __tablename__ = "assessments"
    __table_args__ = (
        CheckConstraint(
            "(risk IN ('medium', 'high') AND light IS NULL)"
            " OR (light IN ('red', 'yellow', 'green') AND risk IS NULL)",
            name="one_level",
        ),
    )
    __audit_redact__ = frozenset({"instrument"})  # free text, erased with the youth

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(
        sa_column=Column(Integer, ForeignKey("cases.id"), nullable=False, index=True)
    )
    date: dt.date
    risk: str | None = None
    light: str | None = None
    instrument: str | None = None  # RV: the risk assessment instrument used, free text
    # Withdrawn (`services.corrections`): kept, left out of everything but `case show --history`.
    withdrawn_at: dt.date | None = None
    withdrawn_by: str | None = None
    withdrawn_reason: str | None = None


class AuditEntry(SQLModel, table=True):
    """One change to (or reading of) one record: who, when (UTC), what, old → new.

    Written by `services.audit` only, as a hash chain; triggers refuse UPDATE and DELETE (0005).
    """

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: str  # ISO 8601 UTC timestamp; text so that SQLite keeps the time zone
    user: str
    entity: str
    entity_id: int
    entity_ref: str | None = None
    action: str
    changes: str  # JSON object {field: [old, new]}
    # The previous entry's `hash` (64 zeros for the first), and SHA-256 hex of it and this entry's
    # content (services.audit.entry_hash). The '' default only let migration 0005 add the columns.
    prev_hash: str = Field(sa_column_kwargs={"server_default": ""})
    hash: str = Field(sa_column_kwargs={"server_default": ""})


def _case_fk() -> Any:
    return Field(sa_column=Column(Integer, ForeignKey("cases.id"), nullable=False, index=True))


class StageChange(SQLModel, table=True):
    """A dated move of a case into a stage of its model (see `domain.stages`)."""

    __tablename__ = "stage_changes"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = _case_fk()
    stage: str
    date: dt.date
    note: str | None = None
    # Withdrawn (`services.corrections`): kept, left out of everything but `case show --history`.
    withdrawn_at: dt.date | None = None
    withdrawn_by: str | None = None
    withdrawn_reason: str | None = None


class Contact(SQLModel, table=True):
    """A contact with the youth or a network meeting (*kontakt*, *võrgustikukohtumine*)."""

    __tablename__ = "contacts"
    __table_args__ = (
        CheckConstraint(
            "channel IN ('email', 'sms', 'phone', 'meeting', 'online')", name="channel"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = _case_fk()
    date: dt.date
    channel: str
    place: str | None = None
    with_roles: str | None = None  # comma-separated network roles present
    network_meeting: bool = False
    note: str | None = None
    # Withdrawn (`services.corrections`): kept, left out of everything but `case show --history`.
    withdrawn_at: dt.date | None = None
    withdrawn_by: str | None = None
    withdrawn_reason: str | None = None


class NeedsAssessment(SQLModel, table=True):
    """A dated needs assessment (*vajaduste hindamine*): categories, time NEET, motivation."""

    __tablename__ = "needs_assessments"
    __table_args__ = (
        CheckConstraint("motivation IS NULL OR motivation BETWEEN 1 AND 5", name="motivation"),
        CheckConstraint("neet_months IS NULL OR neet_months >= 0", name="neet_months"),
        CheckConstraint("assessed_by IN ('case-manager', 'youth')", name="assessed_by"),
        CheckConstraint("wellbeing IS NULL OR wellbeing BETWEEN 1 AND 10", name="wellbeing"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = _case_fk()
    date: dt.date
    neet_months: int | None = None
    motivation: int | None = None
    note: str | None = None
    # Withdrawn (`services.corrections`): kept, left out of everything but `case show --history`.
    withdrawn_at: dt.date | None = None
    withdrawn_by: str | None = None
    withdrawn_reason: str | None = None
    # Table 1 row 1 (0012): the statuses and who assessed (`domain.enums.Assessor`), and row 2's
    # wellbeing baseline 1–10, recorded when given rather than typed at closing.
    in_education: bool | None = None
    in_employment: bool | None = None
    assessed_by: str = Field(
        default="case-manager", sa_column_kwargs={"server_default": "case-manager"}
    )
    wellbeing: int | None = None


class Need(SQLModel, table=True):
    """One need category found in a needs assessment."""

    __tablename__ = "needs"

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("needs_assessments.id"), nullable=False, index=True)
    )
    category: str


class WelfareScore(SQLModel, table=True):
    """A child-welfare triangle domain scored 1–5 in a needs assessment of a minor."""

    __tablename__ = "welfare_scores"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score"),)

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("needs_assessments.id"), nullable=False, index=True)
    )
    domain: str
    score: int


class Goal(SQLModel, table=True):
    """A goal of the case plan (*juhtumiplaan* / *tegevuskava*), numbered within its case."""

    __tablename__ = "goals"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'done', 'dropped')", name="state"),
        CheckConstraint("extent IS NULL OR extent IN ('full', 'partial', 'none')", name="extent"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = _case_fk()
    number: int
    text: str
    added_on: dt.date
    due: dt.date | None = None
    state: str = "open"
    state_date: dt.date | None = None
    reason: str | None = None
    # Withdrawn (`services.corrections`): kept, left out of everything but `case show --history`.
    withdrawn_at: dt.date | None = None
    withdrawn_by: str | None = None
    withdrawn_reason: str | None = None
    # How far a done goal was reached (`domain.enums.GoalExtent`, 0012); None before: full.
    extent: str | None = None


class NetworkMember(SQLModel, table=True):
    """A specialist of the network (*võrgustik*). Reference `M-001`. Retired, never deleted."""

    __tablename__ = "network_members"
    __table_args__ = (CheckConstraint("tier IN ('core', 'wider')", name="tier"),)

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True)
    name: str
    role: str
    org: str
    tier: str = "core"
    email: str | None = None
    phone: str | None = None
    retired_on: dt.date | None = None


class CaseMember(SQLModel, table=True):
    """A network member taking part in a case; the RV youth's trusted person (*usaldusisik*)."""

    __tablename__ = "case_members"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = _case_fk()
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("network_members.id"), nullable=False, index=True)
    )
    trusted_person: bool = False
    added_on: dt.date
    removed_on: dt.date | None = None
    no_consent_reason: str | None = None


class SupportActivity(SQLModel, table=True):
    """A support activity (*tugitegevus*) brokered to a network member, numbered within its case."""

    __tablename__ = "support_activities"
    __table_args__ = (
        CheckConstraint(
            "status IN ('ongoing', 'completed', 'dropped', 'not-suitable')", name="status"
        ),
        CheckConstraint(
            "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5", name="satisfaction"
        ),
    )
    __audit_redact__ = frozenset({"kind"})  # free text, erased with the youth

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = _case_fk()
    number: int
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("network_members.id"), nullable=False, index=True)
    )
    kind: str
    start_date: dt.date
    planned_end: dt.date | None = None
    status: str = "ongoing"
    ended_on: dt.date | None = None
    feedback: str | None = None
    satisfaction: int | None = None
    # Why it went to a provider outside the case without the youth's data-sharing consent.
    no_consent_reason: str | None = None
    # Withdrawn (`services.corrections`): kept, left out of everything but `case show --history`.
    withdrawn_at: dt.date | None = None
    withdrawn_by: str | None = None
    withdrawn_reason: str | None = None
    # The support provider's own information on the activity (Table 1 row 2, 0012); free text.
    provider_note: str | None = None


class Consent(SQLModel, table=True):
    """A dated consent, or its withdrawal, of a youth or their guardian (*nõusolek*)."""

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint("scope IN ('data-sharing', 'participation')", name="scope"),
        CheckConstraint("given_by IN ('youth', 'guardian')", name="given_by"),
    )

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = Field(
        sa_column=Column(Integer, ForeignKey("youths.id"), nullable=False, index=True)
    )
    date: dt.date
    scope: str
    given_by: str
    withdrawn: bool = False
    # Withdrawn (`services.corrections`): kept, left out of everything but `case show --history`.
    withdrawn_at: dt.date | None = None
    withdrawn_by: str | None = None
    withdrawn_reason: str | None = None


class SupportRequest(SQLModel, table=True):
    """A written request to SKA for support (RV agreement 3.5), numbered within its case."""

    __tablename__ = "support_requests"
    __table_args__ = (
        CheckConstraint("kind IN ('implementation', 'process-management')", name="kind"),
        CheckConstraint("answer IS NULL OR answer IN ('granted', 'refused')", name="answer"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = _case_fk()
    number: int
    date: dt.date
    kind: str
    justification: str | None = None
    answer: str | None = None
    answered_on: dt.date | None = None
    answer_note: str | None = None
    # Withdrawn (`services.corrections`): kept, left out of everything but `case show --history`.
    withdrawn_at: dt.date | None = None
    withdrawn_by: str | None = None
    withdrawn_reason: str | None = None


class Reopening(SQLModel, table=True):
    """A closed case reopened: the closing it undid is kept here."""

    __tablename__ = "reopenings"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = _case_fk()
    date: dt.date
    reason: str
    previous_end: dt.date
    previous_reason: str


class FollowUp(SQLModel, table=True):
    """The contact 6 months after a case closes (*järelsuhtlus*, NEET model stage 3.6)."""

    __tablename__ = "followups"
    __table_args__ = (
        CheckConstraint("status IN ('due', 'done', 'skipped')", name="status"),
        CheckConstraint("source IS NULL OR source IN ('youth', 'register')", name="source"),
        CheckConstraint("wellbeing IS NULL OR wellbeing BETWEEN 1 AND 10", name="wellbeing"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = _case_fk()
    due: dt.date
    status: str = "due"
    done_on: dt.date | None = None
    reached: bool | None = None
    in_education: bool | None = None
    in_employment: bool | None = None
    note: str | None = None
    skip_reason: str | None = None
    # Withdrawn (`services.corrections`): kept, left out of everything but `case show --history`.
    withdrawn_at: dt.date | None = None
    withdrawn_by: str | None = None
    withdrawn_reason: str | None = None
    # Table 1 row 2 (0012): where the answer came from (`domain.enums.AnswerSource`), and the
    # youth's wellbeing then, 1–10.
    source: str | None = None
    wellbeing: int | None = None


class NgtsEntry(SQLModel, table=True):
    """A youth on the NGTS monitoring list (*NGTS nimekiri*) of one date, as the list gives them.

    The youth-guarantee support system's list is made twice a year (March, October) from state
    registers; a youth appears once per list, with the contacts and the last education and
    employment the registers knew then.
    """

    __tablename__ = "ngts_entries"
    __table_args__ = (
        UniqueConstraint("youth_id", "list_date", name="uq_ngts_entries_youth_list_date"),
        CheckConstraint("age_on_list IS NULL OR age_on_list >= 0", name="age_on_list"),
    )
    # The contacts, and the education and employment as free text (an employer's name identifies).
    __audit_redact__ = frozenset(
        {"address", "guardian", "guardian_contact", "last_education", "last_employment"}
    )

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = Field(sa_column=Column(Integer, ForeignKey("youths.id"), nullable=False))
    list_date: dt.date = Field(index=True)
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    guardian: str | None = None  # the legal guardian (*seaduslik esindaja*) of a minor
    guardian_contact: str | None = None
    last_education: str | None = None  # free text as the list gives it, e.g. "põhiharidus"
    last_employment: str | None = None
    # The youth's age on the list date, frozen when the youth is erased.
    age_on_list: int | None = None


class OutreachAttempt(SQLModel, table=True):
    """An attempt to reach a youth of an NGTS list without opening a case (*noorteni jõudmine*):
    its day, channel and result, on the youth's entry of one list."""

    __tablename__ = "outreach_attempts"
    __table_args__ = (
        CheckConstraint(
            "channel IN ('email', 'sms', 'phone', 'meeting', 'online')", name="channel"
        ),
        CheckConstraint(
            "result IN ('no-answer', 'declined', 'not-neet', 'moved', 'reached')", name="result"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(
        sa_column=Column(Integer, ForeignKey("ngts_entries.id"), nullable=False, index=True)
    )
    date: dt.date
    channel: str
    result: str
    note: str | None = None


class ManagerChange(SQLModel, table=True):
    """A dated change of a case's manager (`case reassign`): from whom, to whom, why."""

    __tablename__ = "manager_changes"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = _case_fk()
    from_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("staff.id"), nullable=True)
    )
    to_id: int = Field(sa_column=Column(Integer, ForeignKey("staff.id"), nullable=False))
    date: dt.date
    reason: str | None = None


class CaseShare(SQLModel, table=True):
    """A case shared with another staff member until a date, and why (`rvneet case share`).

    The staff member reads and writes the case as its manager does until `until`; a share is ended
    early by setting `ended_on`, never deleted.
    """

    __tablename__ = "case_shares"
    __audit_redact__ = frozenset({"reason"})  # free text, erased with the youth
    __table_args__ = (
        CheckConstraint("until >= shared_on", name="until_after_shared"),
        CheckConstraint("ended_on IS NULL OR ended_on >= shared_on", name="ended_after_shared"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = _case_fk()
    staff_id: int = Field(
        sa_column=Column(Integer, ForeignKey("staff.id"), nullable=False, index=True)
    )
    shared_on: dt.date
    until: dt.date
    reason: str
    ended_on: dt.date | None = None


class Correction(SQLModel, table=True):
    """A correction or withdrawal of a record typed wrong: who, when, why, old → new (as audited).

    `entity`/`entity_id` name the record's table and id; `case_id` or `youth_id` where it belongs.
    `changes` is a JSON object {field: [old, new]} redacted as the audit log redacts it.
    """

    __tablename__ = "corrections"
    __table_args__ = (CheckConstraint("action IN ('correct', 'withdraw')", name="action"),)
    __audit_redact__ = frozenset({"changes"})  # holds the same values the audit entry holds

    id: int | None = Field(default=None, primary_key=True)
    at: str  # ISO 8601 UTC timestamp, as in the audit log
    user: str
    entity: str
    entity_id: int
    case_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("cases.id"), nullable=True, index=True)
    )
    youth_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("youths.id"), nullable=True, index=True)
    )
    record: str  # what was corrected as people type it: `C-12`, `closing`, `RV-2025-001`, `Y-0004`
    action: str
    changes: str
    reason: str


class Agreement(SQLModel, table=True):
    """An RV cooperation agreement with SKA (*koostöökokkulepe*): its period, case limit (4.3) and
    contacts. Reference: its number, e.g. `2-10/29628-1`. Amended (6.2) or ended early (6.3–6.4),
    never deleted; at most one is in force on a day (the service refuses overlaps)."""

    __tablename__ = "agreements"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="end_after_start"),
        CheckConstraint("case_limit >= 1", name="case_limit"),
        CheckConstraint("(ended_on IS NULL) = (end_reason IS NULL)", name="ended_with_reason"),
    )
    # Contacts name people (the representatives, clause 7), the end reason is free text: recorded
    # as changed only.
    __audit_redact__ = frozenset({"ska_contact", "kov_contact", "end_reason"})

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True)  # the agreement's number as SKA gives it
    signed: dt.date
    start_date: dt.date
    end_date: dt.date  # the last day in force: the agreed end, or the termination date
    case_limit: int
    ska_contact: str | None = None
    kov_contact: str | None = None
    note: str | None = None
    # Set by `agreement end` (termination): the day and why; end_date is then that day.
    ended_on: dt.date | None = None
    end_reason: str | None = None


def _agreement_fk() -> Any:
    return Field(sa_column=Column(Integer, ForeignKey("agreements.id"), nullable=False, index=True))


class AgreementAmendment(SQLModel, table=True):
    """A dated amendment of an agreement (clause 6.2): what changed (JSON `{field: [old, new]}`)
    and why. Kept for good; the agreement row holds the terms now in force."""

    __tablename__ = "agreement_amendments"

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = _agreement_fk()
    date: dt.date
    reason: str
    changes: str


class AgreementDeadline(SQLModel, table=True):
    """A Lisa 4 reporting deadline of an agreement (clause 4.4): the period it is for and its day."""

    __tablename__ = "agreement_deadlines"
    __table_args__ = (
        UniqueConstraint("agreement_id", "period", name="uq_agreement_deadlines_agreement_period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = _agreement_fk()
    period: str  # a period label, e.g. 2025H1
    due: dt.date


class Submission(SQLModel, table=True):
    """Lisa 4 of a period as sent to SKA: when, by whom, and the SHA-256 of its exact JSON
    (`--no-timestamp`), with its summary kept to say later which figures changed."""

    __tablename__ = "submissions"

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(index=True)  # the period label, e.g. 2025H1
    start_date: dt.date
    end_date: dt.date
    submitted_on: dt.date
    user: str
    sha256: str
    summary: str  # the report's summary as JSON: counts only, no references
    suppressed_below: int | None = None
    early: bool = False
    reason: str | None = None  # why it was sent again (--resubmit --reason)


class Feedback(SQLModel, table=True):
    """A 360° feedback score (NEET model Table 1 row 4): a network member rates another member, or
    the holders of a role, overall or on one aspect of the process, for a period. Reference `F-1`."""

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
        CheckConstraint("about_id IS NULL OR about_id <> rater_id", name="not_self"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True)
    period: str  # the period label as typed, e.g. 2025
    start_date: dt.date
    end_date: dt.date
    rater_id: int = Field(
        sa_column=Column(Integer, ForeignKey("network_members.id"), nullable=False, index=True)
    )
    about_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("network_members.id"), nullable=True, index=True),
    )
    about_role: str  # the role rated: the rated member's role on the day, or the role given
    aspect: str | None = None  # None: an overall score
    score: int
    recorded_on: dt.date


AUDITED = (
    Staff,
    ManagerChange,
    Youth,
    Case,
    Assessment,
    StageChange,
    Contact,
    NeedsAssessment,
    Need,
    WelfareScore,
    Goal,
    NetworkMember,
    CaseMember,
    SupportActivity,
    Consent,
    SupportRequest,
    Reopening,
    FollowUp,
    NgtsEntry,
    OutreachAttempt,
    Correction,
    Agreement,
    AgreementAmendment,
    AgreementDeadline,
    Submission,
    Feedback,
    CaseShare,
)
