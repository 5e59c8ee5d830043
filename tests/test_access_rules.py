"""The role rules of `domain/access.py` on their own: the role-by-capability table, whether a staff
member may use a case given its manager and shares on a day, and how long a share may last."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from rvneet.domain.access import (
    CAPABILITIES,
    Capability,
    Share,
    a_year_after,
    allows,
    may_use_case,
    may_use_youth,
    refusal,
    share_until_problem,
)
from rvneet.domain.enums import StaffRole

DAY = dt.date(2026, 3, 1)
days = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2028, 12, 31))
ids = st.integers(min_value=1, max_value=5)
shares = st.lists(
    st.builds(Share, ids, days, st.none() | days),
    max_size=4,
)


def test_the_table_gives_each_role_what_the_access_model_says() -> None:
    assert CAPABILITIES[StaffRole.ADMIN] == frozenset(Capability)
    assert CAPABILITIES[StaffRole.AUDITOR] == {Capability.AUDIT}
    coordinator = CAPABILITIES[StaffRole.COORDINATOR]
    assert {Capability.REPORTS, Capability.CHECK, Capability.IMPORT_NGTS} <= coordinator
    # Nothing with a name, personal code or free text for the coordinator.
    for capability in (Capability.CASES, Capability.YOUTHS, Capability.FIND, Capability.EXPORT):
        assert not allows(StaffRole.COORDINATOR, capability)
    manager = CAPABILITIES[StaffRole.CASE_MANAGER]
    assert {Capability.CASES, Capability.FIND, Capability.NETWORK, Capability.NGTS} <= manager
    assert not manager & {Capability.REPORTS, Capability.AUDIT, Capability.STAFF, Capability.DB}


def test_every_refusal_names_the_role_in_one_line() -> None:
    for role in (StaffRole.CASE_MANAGER, StaffRole.COORDINATOR, StaffRole.AUDITOR):
        for capability in set(Capability) - CAPABILITIES[role]:
            line = refusal(role, capability)
            assert "\n" not in line and "may not" in line
            assert role.value.replace("-", " ") in line


@given(role=st.sampled_from(StaffRole), me=ids, manager=st.none() | ids, shares=shares, day=days)
def test_a_case_is_usable_by_its_manager_an_admin_or_a_share_in_force(
    role: StaffRole, me: int, manager: int | None, shares: list[Share], day: dt.date
) -> None:
    usable = may_use_case(role, me, manager, shares, day)
    in_force = any(s.staff_id == me and s.ended_on is None and s.until >= day for s in shares)
    if role == StaffRole.ADMIN:
        assert usable
    elif role == StaffRole.CASE_MANAGER:
        assert usable == (manager == me or in_force)
    else:
        assert not usable


def test_a_share_ends_on_its_last_day_or_when_ended() -> None:
    share = Share(staff_id=2, until=DAY)
    assert may_use_case(StaffRole.CASE_MANAGER, 2, 1, [share], DAY)
    assert not may_use_case(StaffRole.CASE_MANAGER, 2, 1, [share], DAY + dt.timedelta(days=1))
    ended = Share(staff_id=2, until=DAY, ended_on=DAY - dt.timedelta(days=3))
    assert not may_use_case(StaffRole.CASE_MANAGER, 2, 1, [ended], DAY - dt.timedelta(days=5))
    assert not may_use_case(StaffRole.CASE_MANAGER, 3, 1, [share], DAY)


def test_a_youth_with_no_case_is_any_case_managers() -> None:
    assert may_use_youth(StaffRole.CASE_MANAGER, usable_cases=0, all_cases=0)
    assert not may_use_youth(StaffRole.CASE_MANAGER, usable_cases=0, all_cases=1)
    assert may_use_youth(StaffRole.CASE_MANAGER, usable_cases=1, all_cases=2)
    assert not may_use_youth(StaffRole.COORDINATOR, usable_cases=0, all_cases=0)


@given(today=days, offset=st.integers(min_value=-400, max_value=800))
def test_a_share_lasts_from_today_to_a_year_ahead(today: dt.date, offset: int) -> None:
    until = today + dt.timedelta(days=offset)
    problem = share_until_problem(until, today)
    assert (problem is None) == (today <= until <= a_year_after(today))


def test_a_year_after_29_february_is_28_february() -> None:
    assert a_year_after(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)
