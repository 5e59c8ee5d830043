"""Report periods as users write them: `2025H1`, `2025Q3`, `2025-03`, `2025`, `a..b`."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rvneet.domain.period import Period, parse_period

ACCEPTED = [
    ("2025", "2025", date(2025, 1, 1), date(2025, 12, 31)),
    ("2025H1", "2025H1", date(2025, 1, 1), date(2025, 6, 30)),
    ("2025H2", "2025H2", date(2025, 7, 1), date(2025, 12, 31)),
    ("2025h2", "2025H2", date(2025, 7, 1), date(2025, 12, 31)),
    ("2025Q1", "2025Q1", date(2025, 1, 1), date(2025, 3, 31)),
    ("2025Q2", "2025Q2", date(2025, 4, 1), date(2025, 6, 30)),
    ("2025Q3", "2025Q3", date(2025, 7, 1), date(2025, 9, 30)),
    ("2025Q4", "2025Q4", date(2025, 10, 1), date(2025, 12, 31)),
    ("2025q3", "2025Q3", date(2025, 7, 1), date(2025, 9, 30)),
    ("2025-03", "2025-03", date(2025, 3, 1), date(2025, 3, 31)),
    ("2025-02", "2025-02", date(2025, 2, 1), date(2025, 2, 28)),
    ("2024-02", "2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    ("2025-12", "2025-12", date(2025, 12, 1), date(2025, 12, 31)),
    (
        "2025-01-01..2025-06-30",
        "2025-01-01..2025-06-30",
        date(2025, 1, 1),
        date(2025, 6, 30),
    ),
    ("2025-05-12..2025-05-12", "2025-05-12..2025-05-12", date(2025, 5, 12), date(2025, 5, 12)),
    ("  2025H1 ", "2025H1", date(2025, 1, 1), date(2025, 6, 30)),
]


@pytest.mark.parametrize(("text", "label", "start", "end"), ACCEPTED)
def test_accepted_forms(text: str, label: str, start: date, end: date) -> None:
    period = parse_period(text)
    assert period == Period(label, start, end)


def test_period_contains_both_ends_and_nothing_outside() -> None:
    period = parse_period("2025Q2")
    assert date(2025, 4, 1) in period
    assert date(2025, 6, 30) in period
    assert date(2025, 3, 31) not in period
    assert date(2025, 7, 1) not in period
    assert "2025-05-01" not in period


REJECTED = [
    "2025H3",
    "2025H0",
    "2025Q5",
    "2025Q0",
    "2025-13",
    "2025-00",
    "2025-02-30..2025-03-01",
    "2025-06-30..2025-01-01",
    "..",
    "",
    "   ",
    "H1",
    "25H1",
    "2025-1",
    "0000",
    "0000Q1",
    "2025-01-01..",
    "..2025-01-01",
    "2025-01-01-2025-06-30",
    "2025-1-1..2025-6-30",
    "2025 H1",
    "20251",
]


@pytest.mark.parametrize("text", REJECTED)
def test_rejected_forms(text: str) -> None:
    with pytest.raises(ValueError, match=r"^invalid period "):
        parse_period(text)


def test_rejection_names_the_accepted_forms() -> None:
    with pytest.raises(ValueError) as excinfo:
        parse_period("last spring")
    message = str(excinfo.value)
    assert "'last spring'" in message
    for form in ("2025H1", "2025Q1", "2025-03", "2025-01-01..2025-06-30"):
        assert form in message


def test_reversed_range_says_why() -> None:
    with pytest.raises(ValueError, match="end is before the start"):
        parse_period("2025-06-30..2025-01-01")


def test_impossible_day_says_why() -> None:
    with pytest.raises(ValueError, match="not a real calendar day"):
        parse_period("2025-02-30..2025-03-01")


# The years rvneet takes (domain.dates); tests/test_input_limits.py refuses the others.
DAYS = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))


@settings(max_examples=200)
@given(DAYS, DAYS)
@example(date(1900, 1, 1), date(2099, 12, 31))
@example(date(2024, 2, 29), date(2024, 2, 29))
def test_any_range_parses_to_its_ends(a: date, b: date) -> None:
    a, b = min(a, b), max(a, b)
    text = f"{a.isoformat()}..{b.isoformat()}"
    period = parse_period(text)
    assert (period.start, period.end, period.label) == (a, b, text)


@settings(max_examples=200)
@given(st.dates(), st.dates())
def test_any_reversed_range_is_rejected(a: date, b: date) -> None:
    if a == b:
        return
    start, end = max(a, b), min(a, b)
    with pytest.raises(ValueError):
        parse_period(f"{start.isoformat()}..{end.isoformat()}")


def _next_day(day: date) -> date:
    return day + timedelta(days=1)


@settings(max_examples=200)
@given(st.integers(min_value=1900, max_value=2099), st.integers(min_value=1, max_value=4))
@example(2099, 4)
@example(1900, 1)
@example(2024, 1)
def test_quarter_lies_inside_its_year(year: int, quarter: int) -> None:
    whole = parse_period(f"{year:04d}")
    q = parse_period(f"{year:04d}Q{quarter}")
    assert whole.start <= q.start <= q.end <= whole.end
    assert q.start.year == q.end.year == year


@settings(max_examples=200)
@given(st.integers(min_value=1900, max_value=2099))
@example(2099)
@example(2000)
@example(1900)
def test_quarters_and_halves_tile_the_year(year: int) -> None:
    whole = parse_period(f"{year:04d}")
    assert (whole.start, whole.end) == (date(year, 1, 1), date(year, 12, 31))
    for parts in (
        [parse_period(f"{year:04d}Q{q}") for q in (1, 2, 3, 4)],
        [parse_period(f"{year:04d}H{h}") for h in (1, 2)],
        [parse_period(f"{year:04d}-{m:02d}") for m in range(1, 13)],
    ):
        assert parts[0].start == whole.start
        assert parts[-1].end == whole.end
        for earlier, later in pairwise(parts):
            assert _next_day(earlier.end) == later.start
        days = sum((p.end - p.start).days + 1 for p in parts)
        assert days == (whole.end - whole.start).days + 1


def _never_crashes(text: str) -> None:
    try:
        period = parse_period(text)
    except ValueError:
        return
    assert isinstance(period, Period)
    assert period.start <= period.end


@settings(max_examples=200)
@given(st.text())
def test_arbitrary_text_gives_a_period_or_value_error(text: str) -> None:
    _never_crashes(text)


@settings(max_examples=200)
@given(st.text(alphabet="0123456789-.HhQq ", max_size=24))
def test_near_miss_text_gives_a_period_or_value_error(text: str) -> None:
    _never_crashes(text)


@settings(max_examples=200)
@given(
    st.from_regex(
        r"\A\d{4}(|[HhQq]\d|-\d{2}|-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2})\Z",
        alphabet="0123456789HhQq-.",
    )
)
def test_well_shaped_text_gives_a_period_or_value_error(text: str) -> None:
    _never_crashes(text)
