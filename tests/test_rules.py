"""Age, eligibility for each model, and the Estonian personal code (isikukood)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import CODE_F_1999_LEAP, CODE_F_2010, CODE_M_1995, CODE_M_2010
from hypothesis import example, given, settings
from hypothesis import strategies as st
from stdnum.ee import ik

from rvneet.domain.enums import Model, NeetGroup, Sex
from rvneet.domain.errors import InvalidInput
from rvneet.domain.personal_code import PersonalCode, parse_personal_code
from rvneet.domain.rules import age_on, age_range, eligibility_problem

# --- age -----------------------------------------------------------------------------------------


def birthday(born: date, year: int) -> date:
    """The day someone born on `born` has their birthday in `year` (29 Feb → 1 Mar in common years)."""
    try:
        return born.replace(year=year)
    except ValueError:
        return date(year, 3, 1)


def reference_age(born: date, day: date) -> int:
    """Count the birthdays from the first one up to and including `day`."""
    return sum(1 for year in range(born.year + 1, day.year + 1) if birthday(born, year) <= day)


LIFETIME_DAYS = 150 * 366
births = st.dates(max_value=date(9800, 12, 31))


@settings(max_examples=200)
@given(births, st.integers(min_value=0, max_value=LIFETIME_DAYS))
@example(date(2012, 2, 29), (date(2025, 2, 28) - date(2012, 2, 29)).days)
@example(date(2012, 2, 29), (date(2025, 3, 1) - date(2012, 2, 29)).days)
@example(date(2012, 2, 29), (date(2028, 2, 29) - date(2012, 2, 29)).days)
@example(date(2012, 2, 29), (date(2028, 2, 28) - date(2012, 2, 29)).days)
@example(date(2010, 12, 31), (date(2011, 12, 30) - date(2010, 12, 31)).days)
@example(date(2010, 1, 1), (date(2010, 12, 31) - date(2010, 1, 1)).days)
def test_age_is_the_number_of_birthdays_passed(born: date, days: int) -> None:
    day = born + timedelta(days=days)
    assert age_on(born, day) == reference_age(born, day)


@settings(max_examples=200)
@given(st.dates())
def test_age_on_birth_day_is_zero(born: date) -> None:
    assert age_on(born, born) == 0


@settings(max_examples=200)
@given(births, st.dates(), st.dates())
def test_age_never_decreases(born: date, a: date, b: date) -> None:
    early, late = min(a, b), max(a, b)
    assert age_on(born, early) <= age_on(born, late)


@settings(max_examples=200)
@given(st.dates(max_value=date(9000, 1, 1)), st.integers(min_value=0, max_value=LIFETIME_DAYS))
@example(date(2012, 2, 29), (date(2025, 2, 28) - date(2012, 2, 29)).days)
def test_age_grows_by_one_exactly_on_birthdays(born: date, days: int) -> None:
    day = born + timedelta(days=days)
    step = age_on(born, day + timedelta(days=1)) - age_on(born, day)
    next_day = day + timedelta(days=1)
    assert step == (1 if next_day == birthday(born, next_day.year) else 0)


def test_leap_day_birthday_in_common_and_leap_years() -> None:
    born = date(2008, 2, 29)
    assert age_on(born, date(2025, 2, 28)) == 16
    assert age_on(born, date(2025, 3, 1)) == 17
    assert age_on(born, date(2028, 2, 28)) == 19
    assert age_on(born, date(2028, 2, 29)) == 20


# --- eligibility ---------------------------------------------------------------------------------

RANGES = [
    pytest.param(Model.RV, None, 12, 18, "Ringist välja", id="rv"),
    pytest.param(Model.NEET, NeetGroup.NEET, 15, 29, "NEET group", id="neet"),
    pytest.param(Model.NEET, NeetGroup.RISK, 14, 19, "NEET-risk", id="risk"),
]
BIRTHS = [date(2006, 5, 5), date(2000, 2, 29), date(1999, 12, 31), date(2001, 1, 1)]


@pytest.mark.parametrize("born", BIRTHS, ids=str)
@pytest.mark.parametrize(("model", "group", "low", "high", "rule"), RANGES)
def test_eligibility_boundaries(
    model: Model, group: NeetGroup | None, low: int, high: int, rule: str, born: date
) -> None:
    first = birthday(born, born.year + low)
    too_old = birthday(born, born.year + high + 1)
    one_day = timedelta(days=1)

    before = eligibility_problem(model, group, born, first - one_day)
    assert before is not None
    assert rule in before
    assert f"the youth is {low - 1} on {(first - one_day).isoformat()}" in before

    assert eligibility_problem(model, group, born, first) is None
    assert eligibility_problem(model, group, born, too_old - one_day) is None

    after = eligibility_problem(model, group, born, too_old)
    assert after is not None
    assert rule in after
    assert f"the youth is {high + 1} on {too_old.isoformat()}" in after


def test_rv_boundaries_by_example() -> None:
    born = date(2010, 5, 5)
    assert eligibility_problem(Model.RV, None, born, date(2022, 5, 4)) is not None
    assert eligibility_problem(Model.RV, None, born, date(2022, 5, 5)) is None
    assert eligibility_problem(Model.RV, None, born, date(2029, 5, 4)) is None
    assert eligibility_problem(Model.RV, None, born, date(2029, 5, 5)) is not None


@settings(max_examples=200)
@given(
    st.sampled_from([(Model.RV, None), (Model.NEET, NeetGroup.NEET), (Model.NEET, NeetGroup.RISK)]),
    st.dates(min_value=date(1950, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=0, max_value=40 * 366),
)
def test_eligible_exactly_when_age_in_range(
    model_group: tuple[Model, NeetGroup | None], born: date, days: int
) -> None:
    model, group = model_group
    start = born + timedelta(days=days)
    ages = age_range(model, group)
    age = reference_age(born, start)
    problem = eligibility_problem(model, group, born, start)
    assert (problem is None) == (ages.low <= age <= ages.high)


def test_age_ranges() -> None:
    assert (age_range(Model.RV, None).low, age_range(Model.RV, None).high) == (12, 18)
    neet = age_range(Model.NEET, NeetGroup.NEET)
    risk = age_range(Model.NEET, NeetGroup.RISK)
    assert (neet.low, neet.high) == (15, 29)
    assert (risk.low, risk.high) == (14, 19)
    assert 12 in age_range(Model.RV, None)
    assert 18 in age_range(Model.RV, None)
    assert 19 not in age_range(Model.RV, None)


def test_neet_without_group_is_an_error() -> None:
    with pytest.raises(ValueError, match="group"):
        age_range(Model.NEET, None)


# --- personal codes ------------------------------------------------------------------------------

CENTURY = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}


@st.composite
def valid_codes(draw: st.DrawFn) -> str:
    """A valid personal code: century/sex digit 1–6, a real birth date, a serial, the check digit."""
    first = draw(st.integers(min_value=1, max_value=6))
    century = CENTURY[first]
    born = draw(st.dates(min_value=date(century, 1, 1), max_value=date(century + 99, 12, 31)))
    serial = draw(st.integers(min_value=0, max_value=999))
    ten = f"{first}{born:%y%m%d}{serial:03d}"
    return ten + ik.calc_check_digit(ten + "0")


KNOWN = [
    (CODE_F_2010, date(2010, 1, 1), Sex.F),
    (CODE_M_2010, date(2010, 5, 5), Sex.M),
    (CODE_M_1995, date(1995, 1, 1), Sex.M),
    (CODE_F_1999_LEAP, date(1999, 2, 28), Sex.F),
]


@pytest.mark.parametrize(("code", "born", "sex"), KNOWN)
def test_known_codes(code: str, born: date, sex: Sex) -> None:
    assert parse_personal_code(code) == PersonalCode(code, born, sex)


def test_surrounding_spaces_are_ignored() -> None:
    assert parse_personal_code(f"  {CODE_F_2010} ").code == CODE_F_2010


def test_fullwidth_digits_are_stored_as_ascii() -> None:
    fullwidth = "".join(chr(0xFF10 + int(c)) for c in CODE_F_2010)  # FULLWIDTH DIGIT ZERO...
    assert parse_personal_code(fullwidth).code == CODE_F_2010


@settings(max_examples=200)
@given(valid_codes())
def test_valid_codes_give_birth_date_and_sex(code: str) -> None:
    parsed = parse_personal_code(code)
    assert parsed.code == code
    assert parsed.birth_date == ik.get_birth_date(code)
    assert parsed.sex == Sex(ik.get_gender(code))
    assert parsed.sex == (Sex.M if int(code[0]) % 2 else Sex.F)
    assert parsed.birth_date.strftime("%y%m%d") == code[1:7]
    assert parsed.birth_date.year // 100 * 100 == CENTURY[int(code[0])]


def _assert_rejected_quietly(text: str, match: str) -> None:
    with pytest.raises(InvalidInput, match=match) as excinfo:
        parse_personal_code(text)
    message = str(excinfo.value)
    assert text.strip() not in message
    assert text.strip()[:10] not in message


@settings(max_examples=200)
@given(valid_codes())
def test_any_wrong_check_digit_is_rejected(code: str) -> None:
    for digit in "0123456789":
        if digit != code[-1]:
            _assert_rejected_quietly(code[:-1] + digit, "check digit")


@settings(max_examples=200)
@given(valid_codes(), st.integers(min_value=1, max_value=5))
def test_wrong_length_is_rejected(code: str, extra: int) -> None:
    _assert_rejected_quietly(code[:-extra], "11 digits")
    _assert_rejected_quietly(code + "0" * extra, "11 digits")


@settings(max_examples=200)
@given(
    valid_codes(),
    st.integers(min_value=0, max_value=10),
    st.sampled_from([*"aX-+./_oOlI", "\u0663", "\u00b9"]),
)
def test_non_digits_are_rejected(code: str, position: int, char: str) -> None:
    text = code[:position] + char + code[position + 1 :]
    _assert_rejected_quietly(text, "11 digits")


@pytest.mark.parametrize(
    "code",
    [
        "01001010000",  # century digit 0
        "91001010000",  # century digit 9
        "61002300000",  # 30 February
        "61013010000",  # month 13
        "61001000000",  # day 0
    ],
)
def test_impossible_dates_and_centuries_are_rejected(code: str) -> None:
    ten = code[:10]
    _assert_rejected_quietly(ten + ik.calc_check_digit(ten + "0"), "century digit or birth date")


@settings(max_examples=200)
@given(st.text() | st.text(alphabet="0123456789 ", min_size=9, max_size=13))
def test_arbitrary_text_is_parsed_or_refused_with_invalid_input(text: str) -> None:
    try:
        parsed = parse_personal_code(text)
    except InvalidInput:
        return
    assert ik.is_valid(parsed.code)
    assert len(parsed.code) == 11
    assert parsed.code.isascii()
    assert parsed.code.isdigit()


@settings(max_examples=500)
@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_fast_path_agrees_with_stdnum(text: str) -> None:
    """The fast path for 11-digit codes accepts and decodes exactly what python-stdnum does."""
    from rvneet.domain.errors import InvalidInput
    from rvneet.domain.personal_code import _parse_with_stdnum, parse_personal_code

    try:
        expected = _parse_with_stdnum(text)
    except InvalidInput:
        with pytest.raises(InvalidInput):
            parse_personal_code(text)
        return
    assert parse_personal_code(text) == expected


@given(st.dates(min_value=date(1800, 1, 1), max_value=date(2199, 12, 31)), st.integers(0, 999))
def test_fast_path_accepts_every_valid_code(born: date, serial: int) -> None:
    from stdnum.ee import ik

    from rvneet.domain.personal_code import parse_personal_code

    first = "12345678"[(born.year - 1800) // 100 * 2 + serial % 2]
    first_ten = f"{first}{born.year % 100:02d}{born.month:02d}{born.day:02d}{serial:03d}"
    code = first_ten + ik.calc_check_digit(first_ten + "0")
    parsed = parse_personal_code(code)
    assert parsed.birth_date == born and parsed.code == code


@settings(max_examples=1000)
@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_check_digit_of_the_fast_path_is_stdnums(text: str) -> None:
    """The unrolled check digit equals python-stdnum's for every 11-digit string, including those
    whose first weighting gives 10 (the second weighting then decides)."""
    from rvneet.domain.personal_code import _check_digit

    assert _check_digit(text) == ik.calc_check_digit(text)
