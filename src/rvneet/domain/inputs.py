"""Validated input for new records, shared by the CLI and (later) the batch import.

Each model applies the domain rules once; a `pydantic.ValidationError` is turned into one readable
line by `services.validation`.
"""

from __future__ import annotations

import datetime as dt
from typing import Self

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from rvneet.domain.dates import FIRST_DAY
from rvneet.domain.enums import (
    ActivityStatus,
    AnswerSource,
    Assessor,
    CloseReason,
    ConsentGiver,
    ConsentScope,
    ContactChannel,
    GoalExtent,
    GoalState,
    Light,
    Model,
    NeedCategory,
    NeetGroup,
    NetworkRole,
    ReachChannel,
    RiskLevel,
    Sex,
    StaffRole,
    SupportKind,
    Tier,
    WelfareDomain,
    shown,
)
from rvneet.domain.errors import InvalidInput
from rvneet.domain.personal_code import parse_personal_code
from rvneet.i18n import _, format_date, message_language


def _day(day: dt.date) -> object:
    """A date inside a message: ISO in English, 31.12.2025 in Estonian."""
    return format_date(day, message_language())


def _not_future(day: dt.date, what: str, today: dt.date) -> None:
    """Refuse a day after `today`, or before 1900 (`domain.dates`: a birth date from a personal
    code of the 1800s, a date given to the services directly); `what` names the date, already in
    the message language."""
    if day > today:
        raise ValueError(_("{what} {day} is in the future").format(what=what, day=_day(day)))
    if day < FIRST_DAY:
        raise ValueError(
            _("{what} {day} is before {first}").format(
                what=what, day=_day(day), first=FIRST_DAY.year
            )
        )


def _within(value: int | None, low: int, high: int) -> int | None:
    """Refuse a number outside low..high in pydantic's own words for `Field(ge=, le=)`, which
    this replaces so that the message is also in the message language (English unchanged)."""
    if value is not None and value < low:
        raise ValueError(_("Input should be greater than or equal to {low}").format(low=low))
    if value is not None and value > high:
        raise ValueError(_("Input should be less than or equal to {high}").format(high=high))
    return value


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
            raise ValueError(_("the name is empty"))
        if len(value) > 200:
            raise ValueError(_("the name is longer than {limit} characters").format(limit=200))
        return value

    @field_validator("id_code")
    @classmethod
    def _id_code(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            return parse_personal_code(value).code
        except InvalidInput as exc:
            raise ValueError(str(exc)) from None

    @model_validator(mode="after")
    def _identity(self) -> Self:
        if self.id_code:
            code = parse_personal_code(self.id_code)
            if self.birth_date is not None and self.birth_date != code.birth_date:
                raise ValueError(
                    _("the birth date contradicts the personal code (the code gives {day})").format(
                        day=_day(code.birth_date)
                    )
                )
            if self.sex is not None and self.sex != code.sex:
                raise ValueError(
                    _("the sex contradicts the personal code (the code gives {sex})").format(
                        sex=shown(code.sex)
                    )
                )
            # `_id_code` left the code as parsed; what the code gives is filled in where not given
            # (a given one equals it, as checked). An import validates every row: no needless work.
            if self.birth_date is None:
                self.birth_date = code.birth_date
            if self.sex is None:
                self.sex = code.sex
        else:
            self.id_code = None
            if self.birth_date is None or self.sex is None:
                raise ValueError(
                    _("without a personal code both the birth date and the sex are needed")
                )
        assert self.birth_date is not None
        today = dt.date.today()
        if not FIRST_DAY <= self.birth_date <= today:  # the label translated only when refused
            _not_future(self.birth_date, _("the birth date"), today)
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
    instrument: str | None = None
    channel: ReachChannel = ReachChannel.OTHER

    @model_validator(mode="after")
    def _by_model(self) -> Self:
        _not_future(self.start, _("the start date"), dt.date.today())
        if self.model is Model.RV:
            if self.risk is None:
                raise ValueError(_("an RV case needs --risk medium|high"))
            if self.light is not None or self.group is not None:
                raise ValueError(_("--light and --group are for NEET cases, not RV"))
        else:
            if self.light is None or self.group is None:
                raise ValueError(
                    _("a NEET case needs --light red|yellow|green and --group neet|risk")
                )
            if self.risk is not None:
                raise ValueError(_("--risk is for RV cases; a NEET case takes --light"))
            if self.instrument is not None:
                raise ValueError(_("--instrument is for RV risk assessments"))
            if self.support_requested:
                raise ValueError(
                    _("--support-requested is for RV cases (SKA implementation support)")
                )
        if self.allow_ineligible is not None and not self.allow_ineligible:
            raise ValueError(_("--allow-ineligible needs a reason"))
        return self


class NewAssessment(_Input):
    """A dated risk level (RV, with the instrument used) or traffic light (NEET)."""

    date: dt.date
    risk: RiskLevel | None = None
    light: Light | None = None
    instrument: str | None = None

    @model_validator(mode="after")
    def _one_level(self) -> Self:
        _not_future(self.date, _("the assessment date"), dt.date.today())
        if (self.risk is None) == (self.light is None):
            raise ValueError(_("give either --risk (RV) or --light (NEET)"))
        if self.instrument is not None and self.risk is None:
            raise ValueError(_("--instrument is for RV risk assessments"))
        return self


class Closing(_Input):
    """The end of a case and its outcome (the NEET model's Table 1); the outcome is optional."""

    end: dt.date
    reason: CloseReason
    in_education: bool | None = None
    in_employment: bool | None = None
    wellbeing_start: int | None = None
    wellbeing_end: int | None = None
    satisfaction_manager: int | None = None
    satisfaction_overall: int | None = None
    resolution_youth: int | None = None
    resolution_manager: int | None = None

    @field_validator("wellbeing_start", "wellbeing_end")
    @classmethod
    def _wellbeing(cls, value: int | None) -> int | None:
        return _within(value, 1, 10)

    @field_validator(
        "satisfaction_manager", "satisfaction_overall", "resolution_youth", "resolution_manager"
    )
    @classmethod
    def _satisfaction(cls, value: int | None) -> int | None:
        return _within(value, 1, 5)

    @field_validator("end")
    @classmethod
    def _end(cls, value: dt.date) -> dt.date:
        _not_future(value, _("the end date"), dt.date.today())
        return value


class NewStageChange(_Input):
    """A dated move into a stage; the stage is checked against the case's model by the service."""

    stage: str
    date: dt.date
    note: str | None = None

    @field_validator("date")
    @classmethod
    def _date(cls, value: dt.date) -> dt.date:
        _not_future(value, _("the date"), dt.date.today())
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
        _not_future(self.date, _("the contact date"), dt.date.today())
        if self.network_meeting and self.channel is not ContactChannel.MEETING:
            raise ValueError(_("a network meeting (--network) needs --channel meeting"))
        return self


class NewNeeds(_Input):
    """A needs assessment: categories, months spent NEET, motivation 1–5, welfare domains 1–5."""

    date: dt.date
    needs: tuple[NeedCategory, ...]
    neet_months: int | None = None
    motivation: int | None = None
    domains: dict[WelfareDomain, int] = {}
    note: str | None = None
    in_education: bool | None = None
    in_employment: bool | None = None
    assessed_by: Assessor = Assessor.CASE_MANAGER
    wellbeing: int | None = None

    @field_validator("wellbeing")
    @classmethod
    def _wellbeing(cls, value: int | None) -> int | None:
        return _within(value, 1, 10)

    @field_validator("neet_months")
    @classmethod
    def _neet_months(cls, value: int | None) -> int | None:
        return _within(value, 0, 240)

    @field_validator("motivation")
    @classmethod
    def _motivation(cls, value: int | None) -> int | None:
        return _within(value, 1, 5)

    @model_validator(mode="after")
    def _needs(self) -> Self:
        _not_future(self.date, _("the assessment date"), dt.date.today())
        statuses = (self.in_education, self.in_employment, self.wellbeing)
        if not self.needs and all(value is None for value in statuses):
            raise ValueError(
                _("give at least one --need, --education, --employment or --wellbeing")
            )
        for domain, score in self.domains.items():
            if not 1 <= score <= 5:
                raise ValueError(
                    _("the score of {domain} must be 1–5, not {score}").format(
                        domain=shown(domain), score=score
                    )
                )
        return self


class Reopen(_Input):
    """Reopening a closed case, with the reason."""

    date: dt.date
    reason: str

    @model_validator(mode="after")
    def _reason(self) -> Self:
        _not_future(self.date, _("the reopening date"), dt.date.today())
        if not self.reason:
            raise ValueError(_("give the reason for reopening (--reason)"))
        return self


class FollowUpRecord(_Input):
    """The outcome of the 6-month follow-up contact."""

    date: dt.date
    reached: bool
    in_education: bool | None = None
    in_employment: bool | None = None
    note: str | None = None
    source: AnswerSource | None = None
    wellbeing: int | None = None

    @field_validator("wellbeing")
    @classmethod
    def _wellbeing(cls, value: int | None) -> int | None:
        return _within(value, 1, 10)

    @model_validator(mode="after")
    def _outcome(self) -> Self:
        _not_future(self.date, _("the follow-up date"), dt.date.today())
        if self.wellbeing is not None and not (
            self.reached and self.source is not AnswerSource.REGISTER
        ):
            raise ValueError(_("the wellbeing (--wellbeing) is the youth's own: only when reached"))
        # A register tells education and employment without the youth being reached.
        from_register = self.source is AnswerSource.REGISTER
        statuses = self.in_education is not None or self.in_employment is not None
        if not self.reached and not from_register and statuses:
            raise ValueError(
                _("education and employment can be recorded only when the youth was reached")
            )
        return self


class NewSupportRequest(_Input):
    """A written request to SKA for support (RV agreement 3.5); the service checks the case."""

    date: dt.date
    kind: SupportKind
    justification: str | None = None

    @model_validator(mode="after")
    def _justified(self) -> Self:
        _not_future(self.date, _("the request date"), dt.date.today())
        if not self.justification:
            self.justification = None
            if self.kind is SupportKind.PROCESS_MANAGEMENT:
                raise ValueError(
                    _(
                        "a process-management request needs a written justification "
                        "(--justification TEXT; agreement 3.5)"
                    )
                )
        return self


class SupportAnswerRecord(_Input):
    """SKA's answer to a support request: granted or refused, dated, with an optional note."""

    date: dt.date
    granted: bool
    note: str | None = None

    @model_validator(mode="after")
    def _answer(self) -> Self:
        _not_future(self.date, _("the answer date"), dt.date.today())
        if not self.note:
            self.note = None
        return self


def _text(value: str | None, what: str, limit: int, *, required: bool = True) -> None:
    """Refuse a missing (when required), empty or overlong free text; `what` is translated."""
    if value is None and not required:
        return
    if not value:
        raise ValueError(_("{what} is empty").format(what=what))
    if len(value) > limit:
        raise ValueError(
            _("{what} is longer than {limit} characters").format(what=what, limit=limit)
        )


class NewGoal(_Input):
    """A goal agreed in the case plan on `date`, with an optional due date."""

    text: str
    date: dt.date
    due: dt.date | None = None

    @model_validator(mode="after")
    def _goal(self) -> Self:
        _text(self.text, _("the goal text"), 500)
        _not_future(self.date, _("the goal date"), dt.date.today())
        if self.due is not None and self.due < self.date:
            raise ValueError(
                _("the due date {due} is before the day the goal was agreed ({date})").format(
                    due=_day(self.due), date=_day(self.date)
                )
            )
        return self


class GoalEnd(_Input):
    """A goal reached (done) or given up (dropped, with the reason)."""

    state: GoalState
    date: dt.date
    reason: str | None = None
    extent: GoalExtent = GoalExtent.FULL

    @model_validator(mode="after")
    def _end(self) -> Self:
        _not_future(self.date, _("the date"), dt.date.today())
        if self.state is GoalState.OPEN:
            raise ValueError(_("a goal ends as done or dropped"))
        if self.state is GoalState.DROPPED:
            _text(self.reason, _("the reason for dropping the goal (--reason)"), 500)
        return self


class NewActivity(_Input):
    """A support activity brokered to a network member, with its planned end."""

    kind: str
    start: dt.date
    planned_end: dt.date | None = None
    no_consent_reason: str | None = None

    @model_validator(mode="after")
    def _activity(self) -> Self:
        _text(self.kind, _("the kind of activity (--kind)"), 200)
        _text(self.no_consent_reason, _("the reason (--no-consent-reason)"), 500, required=False)
        _not_future(self.start, _("the start date"), dt.date.today())
        if self.planned_end is not None and self.planned_end < self.start:
            raise ValueError(
                _("the planned end {end} is before the start {start}").format(
                    end=_day(self.planned_end), start=_day(self.start)
                )
            )
        return self


class ActivityEnd(_Input):
    """How a support activity ended, the youth's feedback and satisfaction 1–5."""

    date: dt.date
    status: ActivityStatus
    feedback: str | None = None
    satisfaction: int | None = None
    provider_note: str | None = None

    @model_validator(mode="after")
    def _end(self) -> Self:
        _not_future(self.date, _("the end date"), dt.date.today())
        if self.status is ActivityStatus.ONGOING:
            raise ValueError(_("an activity ends as completed, dropped or not-suitable"))
        _text(self.feedback, _("the feedback"), 1000, required=False)
        _text(self.provider_note, _("the support provider's note"), 1000, required=False)
        if self.satisfaction is not None and not 1 <= self.satisfaction <= 5:
            raise ValueError(
                _("the satisfaction must be 1–5, not {score}").format(score=self.satisfaction)
            )
        return self


def _check_email(value: str | None, *, shown: bool = True) -> None:
    """Refuse what is not an e-mail address; `shown=False` keeps the value out of the message."""
    if value is not None and ("@" not in value.strip("@") or any(c.isspace() for c in value)):
        raise ValueError(
            _("{value} is not an e-mail address").format(value=repr(value))
            if shown
            else _("not an e-mail address")
        )


def _check_phone(value: str | None, *, shown: bool = True) -> None:
    """Refuse what is not a phone number; `shown=False` keeps the value out of the message."""
    if value is not None and (
        not any(c.isdigit() for c in value) or any(not (c.isdigit() or c in " +-()") for c in value)
    ):
        raise ValueError(
            _("{value} is not a phone number").format(value=repr(value))
            if shown
            else _("not a phone number (digits, spaces and + - ( ) only)")
        )


class NewMember(_Input):
    """A specialist joining the network, in the core group or the wider network."""

    name: str
    role: NetworkRole
    org: str
    tier: Tier = Tier.CORE
    email: str | None = None
    phone: str | None = None

    @model_validator(mode="after")
    def _member(self) -> Self:
        _text(self.name, _("the name"), 200)
        _text(self.org, _("the organisation (--org)"), 200)
        _check_email(self.email)
        _check_phone(self.phone)
        return self


class MemberLeaving(_Input):
    """The day a member left the network or a case."""

    date: dt.date

    @field_validator("date")
    @classmethod
    def _date(cls, value: dt.date) -> dt.date:
        _not_future(value, _("the date"), dt.date.today())
        return value


class NewCaseMember(_Input):
    """A network member joining a case; a reason is needed when there is no data-sharing consent."""

    date: dt.date
    trusted_person: bool = False
    no_consent_reason: str | None = None

    @model_validator(mode="after")
    def _member(self) -> Self:
        _not_future(self.date, _("the date"), dt.date.today())
        _text(self.no_consent_reason, _("the reason (--no-consent-reason)"), 500, required=False)
        return self


class NewConsent(_Input):
    """A consent, or its withdrawal, of the youth or their guardian."""

    date: dt.date
    scope: ConsentScope
    given_by: ConsentGiver
    withdraw: bool = False

    @field_validator("date")
    @classmethod
    def _date(cls, value: dt.date) -> dt.date:
        _not_future(value, _("the consent date"), dt.date.today())
        return value


class NgtsListing(_Input):
    """What the NGTS monitoring list says of a youth besides who they are (see `NewYouth`).

    A youth's contacts are not repeated in error messages: error output may end up in logs.
    """

    phone: str | None = None
    email: str | None = None
    address: str | None = None
    guardian: str | None = None
    guardian_contact: str | None = None
    last_education: str | None = None
    last_employment: str | None = None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        _check_phone(value or None, shown=False)
        return value or None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        _check_email(value or None, shown=False)
        return value or None

    @field_validator("address", "guardian", "guardian_contact", "last_education", "last_employment")
    @classmethod
    def _free_text(cls, value: str | None) -> str | None:
        if value and len(value) > 500:
            raise ValueError(_("longer than {limit} characters").format(limit=500))
        return value or None


# The largest workload capacity (weighted cases) a staff member can be given.
MAX_CAPACITY = 1000


class NewStaff(_Input):
    """A person who works in the book: a name, and optionally a login, a role and an e-mail."""

    name: str
    user: str | None = None
    role: StaffRole = StaffRole.CASE_MANAGER
    email: str | None = None
    capacity: int | None = None

    @model_validator(mode="after")
    def _staff(self) -> Self:
        _text(self.name, _("the name"), 200)
        if self.capacity is not None and not 1 <= self.capacity <= MAX_CAPACITY:
            raise ValueError(
                _("the capacity (--capacity) must be 1 to {most}").format(most=MAX_CAPACITY)
            )
        if self.user is not None:
            _text(self.user, _("the login (--user)"), 64)
            if any(c.isspace() or not c.isprintable() for c in self.user):
                raise ValueError(_("the login (--user) may not contain spaces"))
        _check_email(self.email)
        return self


class StaffLeaving(_Input):
    """The day a staff member retired, and why."""

    date: dt.date
    reason: str

    @model_validator(mode="after")
    def _leaving(self) -> Self:
        _not_future(self.date, _("the date"), dt.date.today())
        _text(self.reason, _("the reason"), 500)
        return self


class ManagerMove(_Input):
    """A case handed to another case manager on `date`, with an optional reason."""

    date: dt.date
    reason: str | None = None

    @model_validator(mode="after")
    def _move(self) -> Self:
        _not_future(self.date, _("the date"), dt.date.today())
        _text(self.reason, _("the reason"), 500, required=False)
        return self
