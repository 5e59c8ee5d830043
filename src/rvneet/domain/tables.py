"""The tables of the case book, as SQLModel classes.

The schema is created and changed only by the Alembic migrations in `migrations/`; a test checks that
these classes and the migrations agree.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, MetaData, text
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
    __table_args__ = (CheckConstraint("sex IN ('M', 'F')", name="sex"),)
    __audit_redact__ = frozenset({"name", "id_code"})

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True)
    name: str
    id_code: str | None = Field(default=None, unique=True)
    birth_date: dt.date
    sex: str


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
        ),
        Index("ix_cases_model_start", "model", "start_date"),
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
    manager: str | None = None
    support_requested: bool = False
    ineligible_reason: str | None = None


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

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(
        sa_column=Column(Integer, ForeignKey("cases.id"), nullable=False, index=True)
    )
    date: dt.date
    risk: str | None = None
    light: str | None = None


class AuditEntry(SQLModel, table=True):
    """One change to one record: who, when (UTC), what, old → new. Written by `services.audit`."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: str  # ISO 8601 UTC timestamp; text so that SQLite keeps the time zone
    user: str
    entity: str
    entity_id: int
    entity_ref: str | None = None
    action: str
    changes: str  # JSON object {field: [old, new]}


AUDITED = (Youth, Case, Assessment)
