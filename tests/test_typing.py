"""Less typing (issue 15): dates as 15.03.2025 or today/täna, choices in any case."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CODE_F_2010, Run, refused, show
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rvneet.domain.dates import parse_day

Ok = Callable[..., str]

FORMS_EN = "15.03.2025, 2025-03-15, today or yesterday (Estonian: täna, eile)"
FORMS_ET = "15.03.2025, 2025-03-15, täna või eile (inglise keeles: today, yesterday)"


@pytest.fixture
def youth(initialised: Path, ok: Ok) -> str:
    """Y-0001, born 2010-01-01: in RV's ages (12–18) from 2022 to 2028, in NEET's risk group too."""
    return ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)


def open_rv(run: Run, youth: str, start: str, *lang: str) -> str:
    """Open an RV case starting on `start` as typed; its start day as stored."""
    result = run(
        *lang, "case", "open", "--youth", youth, "--model", "rv", "--start", start, "--risk", "high"
    )
    assert result.exit_code == 0, (start, result.stdout, result.stderr)
    return str(json.loads(run("case", "show", result.stdout.strip(), "-f", "json").stdout)["start"])


@pytest.mark.parametrize("lang", [(), ("--lang", "et")], ids=["en", "et"])
@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("15.03.2025", "2025-03-15"),
        ("5.3.2025", "2025-03-05"),
        ("05.3.2025", "2025-03-05"),
        ("2025-03-15", "2025-03-15"),
        (" 15.03.2025 ", "2025-03-15"),
    ],
)
def test_a_start_date_is_taken_in_either_written_form(
    youth: str, run: Run, typed: str, day: str, lang: tuple[str, ...]
) -> None:
    assert open_rv(run, youth, typed, *lang) == day


@pytest.mark.parametrize("lang", [(), ("--lang", "et")], ids=["en", "et"])
@pytest.mark.parametrize(
    ("typed", "days_back"),
    [("today", 0), ("täna", 0), ("TÄNA", 0), ("Today", 0), ("yesterday", 1), ("eile", 1)],
)
def test_today_and_yesterday_are_the_local_date_in_either_language(
    youth: str, run: Run, typed: str, days_back: int, lang: tuple[str, ...]
) -> None:
    expected = dt.date.today() - dt.timedelta(days=days_back)
    assert open_rv(run, youth, typed, *lang) == expected.isoformat()


def test_estonian_words_work_with_the_language_from_the_environment(
    youth: str, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RVNEET_LANG", "et")
    assert open_rv(run, youth, "täna") == dt.date.today().isoformat()


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("32.01.2025", "'32.01.2025' is not a date (no such day)"),
        ("29.02.2025", "'29.02.2025' is not a date (no such day)"),
        ("15.03.25", "'15.03.25' has a two-digit year"),
        ("2025-3-15", "'2025-3-15' is not a date"),
        ("20250315", "'20250315' is not a date"),
        ("tomorrow", "'tomorrow' is not a date"),
        ("15.03.1899", "1899-03-15 is outside the years 1900 to 2099"),
    ],
)
def test_a_bad_date_is_refused_listing_the_forms(
    youth: str, run: Run, db_path: Path, typed: str, why: str
) -> None:
    line = refused(
        run, db_path, "case", "open", "--youth", youth, "--model", "rv", "--start", typed, code=2
    )
    assert why in line
    if "outside" not in why:
        assert FORMS_EN in line


def test_a_bad_date_is_refused_in_estonian_listing_the_estonian_forms(youth: str, run: Run) -> None:
    result = run(
        "--lang", "et", "case", "open", "--youth", youth, "--model", "rv", "--start", "15.03.25"
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Viga: ") and "'15.03.25' aastaarv on kahekohaline" in line
    assert FORMS_ET in line


def test_every_date_option_takes_the_new_forms(youth: str, ok: Ok, run: Run) -> None:
    """Not only --start: the parser is shared, e.g. --date of a consent and of an assessment."""
    ok(
        "youth",
        "consent",
        youth,
        "--date",
        "eile",
        "--scope",
        "participation",
        "--given-by",
        "noor",
    )
    ref = ok(
        "case", "open", "--youth", youth, "--model", "rv", "--start", "1.1.2025", "--risk", "high"
    )
    ok("case", "assess", ref, "--date", "täna", "--risk", "medium")
    assert show(ok, ref)["level"] == "medium"


@pytest.mark.parametrize("model", ["RV", "Rv", "rV"])
def test_model_rv_in_any_case(youth: str, ok: Ok, model: str) -> None:
    ref = ok(
        "case",
        "open",
        "--youth",
        youth,
        "--model",
        model,
        "--start",
        "2025-03-15",
        "--risk",
        "HIGH",
    )
    record = show(ok, ref)
    assert (record["model"], record["level"]) == ("rv", "high")
    assert ok("case", "list", "--model", model, "--format", "CSV").count(ref) == 1


def test_model_neet_in_any_case_with_estonian_forms_in_upper_case(youth: str, ok: Ok) -> None:
    ref = ok(
        "case", "open", "--youth", youth, "--model", "Neet", "--start", "15.03.2025",
        "--light", "KOLLANE", "--group", "RISKIS", "--channel", "PÖÖRDUS-ISE",
    )  # fmt: skip
    record = show(ok, ref)
    assert (record["model"], record["level"], record["group"], record["channel"]) == (
        "neet",
        "yellow",
        "risk",
        "self",
    )
    assert json.loads(ok("case", "list", "--model", "NEET", "--format", "JSON"))[0]["case"] == ref


@pytest.mark.parametrize("lang", [(), ("--lang", "et")], ids=["en", "et"])
def test_risk_in_upper_case_in_either_language(youth: str, ok: Ok, lang: tuple[str, ...]) -> None:
    for risk, stored in (("HIGH", "high"), ("KÕRGE", "high"), ("KESKMINE", "medium")):
        ref = ok(
            *lang,
            "case",
            "open",
            "--youth",
            youth,
            "--model",
            "RV",
            "--start",
            "15.03.2025",
            "--risk",
            risk,
        )
        assert show(ok, ref)["level"] == stored
        ok("case", "close", ref, "--end", "16.03.2025", "--reason", "MUU")


def test_an_unknown_model_is_refused_naming_the_choices(
    youth: str, run: Run, db_path: Path
) -> None:
    line = refused(
        run, db_path, "case", "open", "--youth", youth, "--model", "RVX", "--start", "today", code=2
    )
    assert "'RVX' is not one of rv, neet" in line


def test_an_unknown_model_is_refused_in_estonian(youth: str, run: Run) -> None:
    result = run("--lang", "et", "case", "list", "--model", "RVX")
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Viga: ") and "'RVX'" in line and "rv, neet" in line


# Every day rvneet takes (domain.dates).
DAYS = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31))


@settings(max_examples=300)
@given(DAYS)
@example(dt.date(1900, 1, 1))
@example(dt.date(2099, 12, 31))
@example(dt.date(2024, 2, 29))
def test_every_day_round_trips_through_both_written_forms(day: dt.date) -> None:
    for written in (
        day.isoformat(),
        day.strftime("%d.%m.%Y"),
        f"{day.day}.{day.month}.{day.year}",
    ):
        assert parse_day(written) == day, written


@settings(max_examples=300)
@given(DAYS)
def test_today_and_yesterday_count_from_the_given_day(day: dt.date) -> None:
    assert parse_day("täna", today=day) == parse_day("TODAY", today=day) == day
    if day > dt.date(1900, 1, 1):
        assert parse_day("eile", today=day) == parse_day("Yesterday", today=day)
        assert parse_day("eile", today=day) == day - dt.timedelta(days=1)


def _is_a_day(text: str) -> bool:
    try:
        parse_day(text)
    except ValueError:
        return False
    return True


JUNK = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="0123456789.-", max_size=12),
    st.from_regex(r"\A[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\Z"),
).filter(lambda text: not _is_a_day(text) and "\x00" not in text)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(JUNK)
@example("32.01.2025")
@example("15.03.25")
@example("\x1b[31m2025")
@example("")
def test_junk_is_refused_in_one_line(youth: str, run: Run, db_path: Path, junk: str) -> None:
    line = refused(
        run, db_path, "case", "open", "--youth", youth, "--model", "rv", f"--start={junk}", code=2
    )
    assert "--start" in line
    assert "\x1b" not in line


@pytest.mark.sqlite_only  # uses db check: files only
def test_format_and_lang_in_any_case(youth: str, ok: Ok, tmp_path: Path) -> None:
    ref = ok("case", "open", "--youth", youth, "--model", "RV", "--start", "täna", "--risk", "HIGH")
    assert json.loads(ok("--lang", "ET", "case", "list", "-f", "Json"))[0]["case"] == ref
    assert json.loads(ok("youth", "add", "--name", "Jaan Tamm", "--birth-date", "1.2.2003",
                         "--sex", "m", "--format", "JSON"))["birth_date"] == "2003-02-01"  # fmt: skip
    assert json.loads(ok("db", "check", "-f", "JSON"))
    ok("export", str(tmp_path / "book.json"), "--format", "JSON", "--pseudonymize")
    assert json.loads((tmp_path / "book.json").read_text(encoding="utf-8"))["format"]


def test_report_and_import_formats_and_languages_in_any_case(
    youth: str, ok: Ok, tmp_path: Path
) -> None:
    ok("case", "open", "--youth", youth, "--model", "rv", "--start", "2025-02-03", "--risk", "high")
    report = json.loads(
        ok("report", "lisa4", "--period", "2025H1", "--format", "JSON", "--lang", "ET")
    )
    assert report["summary"]["cases_active"] == 1
    # Breaks if import template's --format or --lang is case-sensitive again.
    assert ok("import", "template", "youths", "--format", "CSV", "--lang", "ET").startswith(
        "viide,"
    )
    source = tmp_path / "youths.csv"
    source.write_text("name,birth_date,sex\nJaan Tamm,2003-02-01,M\n", encoding="utf-8")
    ok("import", "youths", str(source), "--format", "Csv")
