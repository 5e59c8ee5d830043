"""Validated input for new records, shared by the CLI and (later) the batch import.

Each model applies the domain rules once; a `pydantic.ValidationError` is turned into one readable
line by `services.validation`.
"""

from __future__ import annotations

import datetime as dt
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rvneet.domain.enums import (
    CloseReason,
    ContactChannel,
    Light,
    Model,
    NeedCategory,
    NeetGroup,
    NetworkRole,
    RiskLevel,
    Sex,
    WelfareDomain,
)
from rvneet.domain.errors import InvalidInput
from rvneet.domain.personal_code import parse_personal_code


def _not_future(day: dt.date, what: str, today: dt.date) -> None:
    if day > today:
        raise ValueError(f"{what} {day.isoformat()} is in the future")


class _Input(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")


class NewYouth(_Input):
    """A youth to register: a name, and a personal code or a birth date and sex."""

    name: str
    id_code: str | None = None
    birth_date: dt.date | None = None
    sex: Sex | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value:
            raise ValueError("the name is empty")
        if len(value) > 200:
            raise ValueError("the name is longer than 200 characters")
        return value

    @model_validator(mode="after")
    def _identity(self) -> Self:
        if self.id_code:
            try:
                code = parse_personal_code(self.id_code)
            except InvalidInput as exc:
                raise ValueError(str(exc)) from None
            if self.birth_date is not None and self.birth_date != code.birth_date:
                raise ValueError(
                    "the birth date contradicts the personal code "
                    f"(the code gives {code.birth_date.isoformat()})"
                )
            if self.sex is not None and self.sex != code.sex:
                raise ValueError(
                    f"the sex contradicts the personal code (the code gives {code.sex})"
                )
            self.id_code = code.code
            self.birth_date = code.birth_date
            self.sex = code.sex
        else:
            self.id_code = None
            if self.birth_date is None or self.sex is None:
                raise ValueError(
                    "without a personal code both the birth date and the sex are needed"
                )
        assert self.birth_date is not None
        _not_future(self.birth_date, "the birth date", dt.date.today())
        return self


class NewCase(_Input):
    """A case to open, before the youth's eligibility is checked against the model."""

    model: Model
    start: dt.date
    risk: RiskLevel | None = None
    light: Light | None = None
    group: NeetGroup | None = None
    manager: str | None = None
    support_requested: bool = False
    allow_ineligible: str | None = None

    @model_validator(mode="after")
    def _by_model(self) -> Self:
        _not_future(self.start, "the start date", dt.date.today())
        if self.model is Model.RV:
            if self.risk is None:
                raise ValueError("an RV case needs --risk medium|high")
            if self.light is not None or self.group is not None:
                raise ValueError("--light and --group are for NEET cases, not RV")
        else:
            if self.light is None or self.group is None:
                raise ValueError("a NEET case needs --light red|yellow|green and --group neet|risk")
            if self.risk is not None:
                raise ValueError("--risk is for RV cases; a NEET case takes --light")
            if self.support_requested:
                raise ValueError("--support-requested is for RV cases (SKA implementation support)")
        if self.allow_ineligible is not None and not self.allow_ineligible:
            raise ValueError("--allow-ineligible needs a reason")
        return self


class NewAssessment(_Input):
    """A dated risk level (RV) or traffic light (NEET)."""

    date: dt.date
    risk: RiskLevel | None = None
    light: Light | None = None

    @model_validator(mode="after")
    def _one_level(self) -> Self:
        _not_future(self.date, "the assessment date", dt.date.today())
        if (self.risk is None) == (self.light is None):
            raise ValueError("give either --risk (RV) or --light (NEET)")
        return self


class Closing(_Input):
    """The end of a case."""

    end: dt.date
    reason: CloseReason

    @field_validator("end")
    @classmethod
    def _end(cls, value: dt.date) -> dt.date:
        _not_future(value, "the end date", dt.date.today())
        return value


class NewStageChange(_Input):
    """A dated move into a stage; the stage is checked against the case's model by the service."""

    stage: str
    date: dt.date
    note: str | None = None

    @field_validator("date")
    @classmethod
    def _date(cls, value: dt.date) -> dt.date:
        _not_future(value, "the date", dt.date.today())
        return value


class NewContact(_Input):
    """A contact with the youth; a network meeting is a contact by meeting."""

    date: dt.date
    channel: ContactChannel
    place: str | None = None
    with_roles: tuple[NetworkRole, ...] = ()
    network_meeting: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _meeting(self) -> Self:
        _not_future(self.date, "the contact date", dt.date.today())
        if self.network_meeting and self.channel is not ContactChannel.MEETING:
            raise ValueError("a network meeting (--network) needs --channel meeting")
        return self


class NewNeeds(_Input):
    """A needs assessment: categories, months spent NEET, motivation 1–5, welfare domains 1–5."""

    date: dt.date
    needs: tuple[NeedCategory, ...]
    neet_months: int | None = Field(default=None, ge=0, le=240)
    motivation: int | None = Field(default=None, ge=1, le=5)
    domains: dict[WelfareDomain, int] = {}
    note: str | None = None

    @model_validator(mode="after")
    def _needs(self) -> Self:
        _not_future(self.date, "the assessment date", dt.date.today())
        if not self.needs:
            raise ValueError("give at least one --need")
        for domain, score in self.domains.items():
            if not 1 <= score <= 5:
                raise ValueError(f"the score of {domain.value} must be 1–5, not {score}")
        return self
