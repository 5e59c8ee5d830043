"""Business rules that need no database: age and eligibility for each model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rvneet.domain.enums import Model, NeetGroup
from rvneet.i18n import N_, _, format_date, message_language, translate


def age_on(birth_date: date, day: date) -> int:
    """Age in full years on `day`.

    Someone born on 29 February turns a year older on 1 March in common years.
    """
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def known_age(birth_date: date | None, day: date, frozen: int | None) -> int | None:
    """Age in full years on `day`; once the birth date is erased, the age frozen at erasure.

    Erasure keeps only the birth month, which cannot tell the age on a day of that month, so it
    stores the ages the reports need (`cases.age_at_start`, `ngts_entries.age_on_list`).
    """
    if birth_date is None:
        return frozen
    return age_on(birth_date, day)


@dataclass(frozen=True)
class AgeRange:
    """An inclusive range of ages in full years, with the rule it comes from (English, marked N_:
    translated where it is shown)."""

    low: int
    high: int
    rule: str

    def __contains__(self, age: object) -> bool:
        return isinstance(age, int) and self.low <= age <= self.high


RV_AGES = AgeRange(12, 18, N_("Ringist välja is for youths aged 12–18"))
NEET_AGES = {
    NeetGroup.NEET: AgeRange(15, 29, N_("the NEET group is for youths aged 15–29")),
    NeetGroup.RISK: AgeRange(14, 19, N_("the NEET-risk group is for youths aged 14–19")),
}


def age_range(model: Model, group: NeetGroup | None) -> AgeRange:
    """The ages a model (and, for NEET, a target group) is meant for."""
    if model is Model.RV:
        return RV_AGES
    if group is None:
        raise ValueError(_("a NEET case needs a group"))
    return NEET_AGES[group]


def eligibility_problem(
    model: Model, group: NeetGroup | None, birth_date: date, start: date
) -> str | None:
    """Why a youth born on `birth_date` is outside the model on `start`, or None when eligible."""
    return age_problem(model, group, age_on(birth_date, start), start)


def age_problem(model: Model, group: NeetGroup | None, age: int, start: date) -> str | None:
    """Why a youth aged `age` on `start` is outside the model, or None when eligible."""
    ages = age_range(model, group)
    if age in ages:
        return None
    return _("{rule}; the youth is {age} on {date}").format(
        rule=translate(ages.rule), age=age, date=format_date(start.isoformat(), message_language())
    )
