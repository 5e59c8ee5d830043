"""Issue 17's smaller gaps: a minor's own data-sharing consent (settings consent-age), and the
hand-over at 18 (RV) and 17 (NEET-risk) in `today` and `check`.

One book is built per module; the tests that only read it share it, those that write use a copy.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Ok, Run, build_template, query, refused
from hypothesis import given
from hypothesis import strategies as st

from rvneet.domain.rules import age_on
from rvneet.services.handover import birthday

# Youths of the book, Y-0001.. in this order: (name, birth date).
YOUTHS = [
    ("Aare Allik", "2008-09-10"),  # Y-0001: RV, turns 18 on 2026-09-10
    ("Berit Bauer", "2009-03-01"),  # Y-0002: NEET-risk, turns 17 on 2026-03-01
    ("Carl Castor", "2009-05-01"),  # Y-0003: NEET (not at risk), 17 on 2026-05-01: no hand-over
    ("Dora Dunkel", "2008-09-10"),  # Y-0004: RV closed on 2025-12-01: never shown
    ("Eero Ermel", "2008-10-01"),  # Y-0005: RV of the other manager, 18 on 2026-10-01
    ("Fanny Flink", "2008-02-29"),  # Y-0006: RV, 18 on 2026-03-01 (no 29 February in 2026)
    ("Gert Gull", "2007-01-01"),  # Y-0007: RV opened at 18, past the birthday: no hand-over
    ("Helga Hein", "2010-06-15"),  # Y-0008: NEET-risk, for the consents; 16 on 2026-06-15
]
# The hand-over of each case, as the JSON of today and check gives it.
RV1 = ("RV-2025-001", "rv", None, 18, "2026-09-10")
RISK = ("NEET-2025-001", "neet", "risk", 17, "2026-03-01")
OTHER = ("RV-2025-003", "rv", None, 18, "2026-10-01")
LEAP = ("RV-2025-004", "rv", None, 18, "2026-03-01")


def build(ok: Ok) -> None:
    ok("init", "--municipality", "Viljandi linn")
    # S-0001, the user: an admin who manages cases (a case manager may not build the book)
    ok("staff", "add", "--name", "Tiina Tester", "--user", "tester", "--role", "admin")
    ok("staff", "add", "--name", "Olev Teine", "--user", "olev")  # S-0002
    for name, born in YOUTHS:
        ok("youth", "add", "--name", name, "--birth-date", born, "--sex", "F")
    for youth in range(1, len(YOUTHS) + 1):
        by = "youth" if youth == 7 else "guardian"  # Y-0007 is of age
        ok("youth", "consent", f"Y-{youth:04d}", "--date", "2025-01-01",
           "--scope", "participation", "--given-by", by)  # fmt: skip
    rv = ("--model", "rv", "--risk", "high")
    risk = ("--model", "neet", "--group", "risk", "--light", "red")
    ok("case", "open", "--youth", "Y-0001", "--start", "2025-01-01", *rv)  # RV-2025-001
    ok("case", "open", "--youth", "Y-0002", "--start", "2025-01-01", *risk)  # NEET-2025-001
    ok("case", "open", "--youth", "Y-0003", "--start", "2025-01-01", "--model", "neet",
       "--group", "neet", "--light", "green")  # fmt: skip  # NEET-2025-002
    ok("case", "open", "--youth", "Y-0004", "--start", "2025-01-01", *rv)  # RV-2025-002
    ok("case", "close", "RV-2025-002", "--end", "2025-12-01", "--reason", "goals-met")
    ok("case", "open", "--youth", "Y-0005", "--start", "2025-01-01", "--manager", "S-0002", *rv)
    ok("case", "open", "--youth", "Y-0006", "--start", "2025-01-01", *rv)  # RV-2025-004
    ok("case", "open", "--youth", "Y-0007", "--start", "2025-06-01", *rv)  # RV-2025-005
    ok("case", "open", "--youth", "Y-0008", "--start", "2025-01-01", *risk)  # NEET-2025-003


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory, "handover", build)


def today(ok: Ok, day: str, *more: str) -> dict[str, Any]:
    sheet: dict[str, Any] = json.loads(ok("today", "--date", day, "--format", "json", *more))
    return sheet


def handovers(ok: Ok, day: str, *more: str) -> list[tuple[Any, ...]]:
    return [
        (h["case"], h["model"], h["neet_group"], h["age"], h["birthday"])
        for h in today(ok, day, *more)["handovers"]
    ]


def check_rule(run: Run, day: str, rule: str, lang: str = "en") -> dict[str, Any]:
    """The row of `rule` in `rvneet check` as of `day` (a period ending on it)."""
    result = run("--lang", lang, "check", "--period", f"2025-01-01..{day}", "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    row: dict[str, Any] = next(r for r in json.loads(result.stdout) if r["rule"] == rule)
    return row


# --- the hand-over at 18 (RV) and 17 (NEET-risk) ---------------------------------------------


@given(st.dates(dt.date(1900, 1, 1), dt.date(2050, 12, 31)), st.integers(1, 40))
def test_the_birthday_is_the_first_day_of_the_age(born: dt.date, age: int) -> None:
    day = birthday(born, age)
    assert age_on(born, day) == age
    assert age_on(born, day - dt.timedelta(days=1)) == age - 1


@pytest.mark.usefixtures("book")
def test_today_lists_the_hand_overs_of_my_cases_with_the_date_and_the_command(ok: Ok) -> None:
    rows = today(ok, "2026-06-12")["handovers"]
    # RV-2025-001 is 90 days ahead; the NEET-risk and 29-February youths have had their birthday.
    assert rows == [
        {
            "case": "NEET-2025-001",
            "model": "neet",
            "neet_group": "risk",
            "age": 17,
            "birthday": "2026-03-01",
            "days": -103,
            "next": "rvneet case reassign NEET-2025-001 --manager ... --date 2026-03-01",
        },
        {
            "case": "RV-2025-004",
            "model": "rv",
            "neet_group": None,
            "age": 18,
            "birthday": "2026-03-01",
            "days": -103,
            "next": "rvneet case reassign RV-2025-004 --manager ... --date 2026-03-01",
        },
        {
            "case": "RV-2025-001",
            "model": "rv",
            "neet_group": None,
            "age": 18,
            "birthday": "2026-09-10",
            "days": 90,
            "next": "rvneet case reassign RV-2025-001 --manager ... --date 2026-09-10",
        },
    ]


@pytest.mark.usefixtures("book")
@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2025-11-30", []),  # 91 days before 2026-03-01: 1 day too early
        ("2025-12-01", [RISK, LEAP]),  # exactly 90 days before
        ("2026-02-28", [RISK, LEAP]),  # the day before the birthdays
        ("2026-03-01", [RISK, LEAP]),  # the birthdays: 17 and 18 (29 February 2008: 1 March)
        ("2026-06-11", [RISK, LEAP]),  # 91 days before RV-2025-001's birthday
        ("2026-06-12", [RISK, LEAP, RV1]),
        ("2026-09-09", [RISK, LEAP, RV1]),  # the day before
        ("2026-09-10", [RISK, LEAP, RV1]),  # the birthday
    ],
)
def test_the_boundary_days_of_the_90_day_window(ok: Ok, day: str, expected: list[Any]) -> None:
    assert handovers(ok, day) == expected


@pytest.mark.usefixtures("book")
def test_days_count_down_to_the_birthday_and_past_it(ok: Ok) -> None:
    days = {d: today(ok, d)["handovers"][-1]["days"] for d in ("2026-09-09", "2026-09-10")}
    assert days == {"2026-09-09": 1, "2026-09-10": 0}
    assert today(ok, "2026-09-11")["handovers"][-1]["days"] == -1


@pytest.mark.usefixtures("book")
def test_another_managers_hand_over_is_theirs(ok: Ok) -> None:
    assert OTHER not in handovers(ok, "2026-07-03")
    assert handovers(ok, "2026-07-03", "--manager", "S-0002") == [OTHER]
    assert handovers(ok, "2026-07-02", "--manager", "S-0002") == []  # 91 days before


def test_a_closed_case_is_no_hand_over(ok: Ok, run: Run, book: Path) -> None:
    # RV-2025-002 (Y-0004, 18 on 2026-09-10 like Y-0001) was closed: only RV-2025-001 shows.
    assert "RV-2025-002" not in [h[0] for h in handovers(ok, "2026-09-10")]
    ok("case", "close", "RV-2025-001", "--end", "2026-06-20", "--reason", "goals-met")
    assert RV1 in handovers(ok, "2026-06-19")  # still open that day
    assert RV1 not in handovers(ok, "2026-06-20")  # closed on it
    assert check_rule(run, "2026-06-19", "age-handover")["refs"] == [
        "NEET-2025-001",
        "RV-2025-001",
        "RV-2025-004",
    ]
    assert "RV-2025-001" not in check_rule(run, "2026-06-20", "age-handover")["refs"]


def test_a_hand_over_made_with_case_reassign_is_no_longer_listed(
    ok: Ok, run: Run, book: Path
) -> None:
    # RV-2025-001's window opens on 2026-06-12 (90 days before 2026-09-10).
    ok("case", "reassign", "RV-2025-001", "--manager", "S-0002", "--date", "2026-06-20")
    assert RV1 in handovers(ok, "2026-06-19", "--manager", "S-0002")  # not yet handed on
    assert RV1 not in handovers(ok, "2026-06-20", "--manager", "S-0002")
    assert "RV-2025-001" not in check_rule(run, "2026-09-10", "age-handover")["refs"]
    # A change of manager before the window is no hand-over: RV-2025-004's opens on 2025-12-01.
    ok("case", "reassign", "RV-2025-004", "--manager", "S-0002", "--date", "2025-11-30")
    assert LEAP in handovers(ok, "2026-03-01", "--manager", "S-0002")
    assert "RV-2025-004" in check_rule(run, "2026-03-01", "age-handover")["refs"]


@pytest.mark.usefixtures("book")
@pytest.mark.parametrize(
    ("day", "refs"),
    [
        ("2025-11-30", []),
        ("2025-12-01", ["NEET-2025-001", "RV-2025-004"]),
        ("2026-06-12", ["NEET-2025-001", "RV-2025-001", "RV-2025-004"]),
        # Every manager's cases; RV-2025-005 began past its youth's 18th birthday.
        ("2026-07-03", ["NEET-2025-001", "RV-2025-001", "RV-2025-003", "RV-2025-004"]),
    ],
)
def test_check_lists_the_hand_overs_as_a_warning(run: Run, day: str, refs: list[str]) -> None:
    row = check_rule(run, day, "age-handover")
    assert (row["level"], row["count"], row["refs"]) == ("warning", len(refs), refs)
    assert row["description"] == (
        "Open case of a youth turning 18 (RV) or 17 (NEET-risk) within 90 days or already: "
        "a hand-over to plan"
    )


@pytest.mark.usefixtures("book")
def test_a_neet_case_outside_the_risk_group_and_a_case_begun_past_the_age_are_no_hand_over(
    ok: Ok,
) -> None:
    cases = [h[0] for h in handovers(ok, "2026-05-01")]
    assert "NEET-2025-002" not in cases  # NEET group (15–29), not NEET-risk
    assert "RV-2025-005" not in cases  # opened at 18, after the birthday


@pytest.mark.usefixtures("book")
def test_today_and_check_in_estonian(run: Run) -> None:
    result = run("--lang", "et", "today", "--date", "2026-06-12")
    assert result.exit_code == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert (
        "Planeeritavad üleminekud: noor saab 90 päeva jooksul 18-aastaseks (RV) või "
        "17-aastaseks (NEET-riskis) või on juba saanud"
    ) in out
    assert "rvneet case reassign RV-2025-001 --manager ... --date 2026-09-10" in out
    assert "10.09.2026" in out  # the birthday, as Estonian writes a date
    checked = run("--lang", "et", "check", "--period", "2025-01-01..2026-06-12", "--warn-only")
    text = " ".join(checked.stdout.split())
    assert "vanuse-üleminek" in text and "alaealise-enda-nõusolek" in text
    assert "planeeri üleminek" in text


# --- a minor's own data-sharing consent --------------------------------------------------------


def consent(run: Run, youth: str, day: str, by: str, *more: str) -> Any:
    return run("youth", "consent", youth, "--date", day, "--scope", "data-sharing",
               "--given-by", by, *more)  # fmt: skip


GUARDIAN_EXPECTED = (
    "Warning: Y-0008 was 15 on 2026-06-14, younger than 16 (settings consent-age): a guardian's "
    "data-sharing consent is expected; record it with --given-by guardian\n"
)


@pytest.mark.usefixtures("book")
def test_a_minors_own_consent_is_recorded_with_a_warning(run: Run, db_path: Path) -> None:
    result = consent(run, "Y-0008", "2026-06-14", "youth")  # the day before turning 16
    assert (result.exit_code, result.stdout, result.stderr) == (0, "Y-0008\n", GUARDIAN_EXPECTED)
    assert query(db_path, "SELECT given_by FROM consents WHERE scope = 'data-sharing'") == [
        ("youth",)
    ]
    as_json = consent(run, "Y-0008", "2026-06-14", "youth", "--format", "json")
    assert json.loads(as_json.stdout)["given_by"] == "youth"
    assert as_json.stderr == GUARDIAN_EXPECTED


@pytest.mark.usefixtures("book")
@pytest.mark.parametrize(
    ("day", "by", "more"),
    [
        ("2026-06-15", "youth", ()),  # the 16th birthday: exactly the setting's age
        ("2026-06-14", "guardian", ()),  # the guardian's consent
    ],
)
def test_no_warning_at_the_age_or_from_the_guardian(
    run: Run, day: str, by: str, more: tuple[str, ...]
) -> None:
    result = consent(run, "Y-0008", day, by, *more)
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr


@pytest.mark.usefixtures("book")
def test_no_warning_for_participation_or_a_withdrawal(run: Run) -> None:
    participation = run("youth", "consent", "Y-0008", "--date", "2026-06-14",
                        "--scope", "participation", "--given-by", "youth")  # fmt: skip
    assert (participation.exit_code, participation.stderr) == (0, "")
    assert consent(run, "Y-0008", "2026-06-01", "guardian").exit_code == 0
    withdrawal = consent(run, "Y-0008", "2026-06-14", "youth", "--withdraw")
    assert (withdrawal.exit_code, withdrawal.stderr) == (0, "")


def test_the_consent_age_is_a_setting(ok: Ok, run: Run, book: Path) -> None:
    db_path = book
    assert ok("settings", "consent-age") == "consent-age: 16"
    assert ok("settings", "consent-age", "15") == "consent-age: 15"
    assert ok("settings", "consent-age") == "consent-age: 15"
    # 15 on the day: exactly the setting's age, no warning; the day before, 14, a warning.
    assert consent(run, "Y-0008", "2025-06-15", "youth").stderr == ""
    late = consent(run, "Y-0008", "2025-06-14", "youth").stderr
    assert "Y-0008 was 14 on 2025-06-14, younger than 15" in late
    logged = query(db_path, "SELECT changes FROM audit_log WHERE entity_ref = 'consent-age'")
    assert [json.loads(c) for (c,) in logged] == [{"value": [16, 15]}]
    assert "audit log intact" in ok("audit", "verify")


@pytest.mark.parametrize("age", ["0", "19", "-3"])
def test_a_consent_age_out_of_range_is_refused(run: Run, book: Path, age: str) -> None:
    line = refused(run, book, "settings", "consent-age", "--", age)
    assert line == "Error: the consent age must be 1 to 18"


def test_a_consent_age_not_a_number_is_refused(run: Run, book: Path) -> None:
    line = refused(run, book, "settings", "consent-age", "sixteen", code=2)
    assert "'N'" in line


def test_check_lists_a_minors_own_consent_until_a_guardians_replaces_it(
    run: Run, book: Path
) -> None:
    assert check_rule(run, "2026-06-14", "minor-own-consent")["refs"] == []
    consent(run, "Y-0008", "2026-03-01", "youth")
    consent(run, "Y-0002", "2025-02-01", "youth")  # 15, but NEET-2025-001 is closed below
    assert (
        run(
            "case", "close", "NEET-2025-001", "--end", "2026-03-02", "--reason", "goals-met"
        ).exit_code
        == 0
    )
    row = check_rule(run, "2026-03-01", "minor-own-consent")
    assert (row["level"], row["refs"]) == ("warning", ["Y-0002", "Y-0008"])
    assert row["description"] == (
        "Youth with an open case whose data-sharing consent was given alone below the consent "
        "age (a guardian's is expected)"
    )
    assert check_rule(run, "2026-03-02", "minor-own-consent")["refs"] == ["Y-0008"]  # closed
    consent(run, "Y-0008", "2026-04-01", "guardian")
    assert check_rule(run, "2026-03-31", "minor-own-consent")["refs"] == ["Y-0008"]
    assert check_rule(run, "2026-04-01", "minor-own-consent")["refs"] == []
    # A newer consent of the youth once of the age replaces the guardian's: nothing to warn.
    consent(run, "Y-0008", "2026-06-15", "youth")
    assert check_rule(run, "2026-06-15", "minor-own-consent")["refs"] == []


@pytest.mark.usefixtures("book")
def test_the_warning_in_estonian(run: Run) -> None:
    result = run("--lang", "et", "youth", "consent", "Y-0008", "--date", "2026-06-14",
                 "--scope", "data-sharing", "--given-by", "youth")  # fmt: skip
    assert result.exit_code == 0
    assert result.stderr == (
        "Hoiatus: Y-0008 oli 14.06.2026 15-aastane, noorem kui 16 (settings consent-age): oodata "
        "on seadusliku esindaja andmete jagamise nõusolekut; pane see kirja valikuga "
        "--given-by guardian\n"
    )
