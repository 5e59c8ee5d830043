"""The user's language (--lang, RVNEET_LANG, the locale), Estonian dates in tables, Estonian order."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CODE_F_2010, Run
from hypothesis import given
from hypothesis import strategies as st

from rvneet.cli.report import report_lang
from rvneet.i18n import (
    ESTONIAN_ALPHABET,
    LOCALE_ENVS,
    Lang,
    collation_key,
    format_date,
    language,
)

Ok = Callable[..., str]

# --- which language ----------------------------------------------------------------------------

SETTINGS = st.sampled_from(["", " ", "et", "ET", "et_EE.UTF-8", "en", "en_US.UTF-8", "C", "fr_FR"])


def expected_language(option: str | None, env: dict[str, str]) -> str:
    """The rule of issue 8 written out plainly, to check `language` against."""
    for value in (option or "", env.get("RVNEET_LANG", "")):
        value = value.strip().lower()
        if value[:2] in ("et", "en"):
            return value[:2]
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := env.get(name, "").strip():
            return "et" if value.lower().startswith("et") else "en"
    return "en"


@given(
    option=st.one_of(st.none(), st.sampled_from(["et", "en"])),
    env=st.dictionaries(st.sampled_from(["RVNEET_LANG", *LOCALE_ENVS]), SETTINGS),
)
def test_language_follows_option_then_rvneet_lang_then_locale(
    option: str | None, env: dict[str, str]
) -> None:
    # Breaks if i18n.language reorders its sources or LOCALE_ENVS leaves POSIX precedence.
    assert language(option, env) == expected_language(option, env)


@pytest.mark.parametrize(
    ("option", "env", "lang"),
    [
        (None, {}, "en"),
        (None, {"LANG": "et_EE.UTF-8"}, "et"),
        (None, {"LC_MESSAGES": "et_EE.UTF-8", "LANG": "en_US.UTF-8"}, "et"),
        (None, {"LC_ALL": "C", "LANG": "et_EE.UTF-8"}, "en"),  # LC_ALL wins over LANG
        (None, {"LC_ALL": "", "LANG": "et_EE.UTF-8"}, "et"),  # an empty LC_ALL counts as unset
        (None, {"RVNEET_LANG": "et", "LANG": "en_US.UTF-8"}, "et"),
        (None, {"RVNEET_LANG": "fr", "LANG": "et_EE"}, "et"),  # an unknown RVNEET_LANG is skipped
        ("en", {"RVNEET_LANG": "et", "LC_ALL": "et_EE"}, "en"),  # --lang beats everything
    ],
)
def test_language_examples(option: str | None, env: dict[str, str], lang: str) -> None:
    assert language(option, env) == lang


def test_language_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # conftest sets LANG=C.UTF-8 and removes the rest: English.
    assert language() == "en"
    monkeypatch.setenv("LANG", "et_EE.UTF-8")
    assert language() == "et"
    monkeypatch.setenv("RVNEET_LANG", "en")
    assert language() == "en"


def test_report_language_keeps_lisa4_xlsx_estonian_unless_chosen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The SKA file is Estonian by default: an English locale is no choice (cli/report.report_lang).
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert report_lang(None, "et") == "et"
    assert report_lang(None) == "en"
    monkeypatch.setenv("RVNEET_LANG", "en")
    assert report_lang(None, "et") == "en"
    assert report_lang(Lang.ET, "et") == "et"
    monkeypatch.delenv("RVNEET_LANG")
    monkeypatch.setenv("LANG", "et_EE.UTF-8")
    assert report_lang(None) == "et"  # other reports follow the locale


# --- dates ---------------------------------------------------------------------------------------


@given(st.dates())
def test_estonian_dates_are_day_month_year(day: dt.date) -> None:
    shown = format_date(day.isoformat(), "et")
    assert shown == f"{day.day:02}.{day.month:02}.{day.year:04}"
    assert format_date(day, "et") == shown
    assert format_date(day.isoformat(), "en") == day.isoformat()


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2025-12-31", "31.12.2025"),
        ("2025-12-31T10:05:00+00:00", "31.12.2025 10:05:00+00:00"),
        ("2025-12-31 10:05", "31.12.2025 10:05"),
        (dt.datetime(2025, 12, 31, 10, 5), "31.12.2025 10:05"),
        ("2025-13-31", "2025-13-31"),  # not a date: as typed
        ("RV-2025-001", "RV-2025-001"),
        ("2025-12-31..2026-01-01", "2025-12-31..2026-01-01"),  # only whole dates change
        ("met 2025-12-31", "met 2025-12-31"),
        (12, 12),
    ],
)
def test_format_date_examples(value: object, shown: object) -> None:
    assert format_date(value, "et") == shown


# --- Estonian order ------------------------------------------------------------------------------

LETTERS = ESTONIAN_ALPHABET + ESTONIAN_ALPHABET.upper()


def alphabet_position(text: str) -> list[int]:
    return [ESTONIAN_ALPHABET.index(c) for c in text.lower()]


@given(st.text(LETTERS, max_size=6), st.text(LETTERS, max_size=6))
def test_collation_follows_the_estonian_alphabet_ignoring_case(a: str, b: str) -> None:
    # Breaks if ESTONIAN_ALPHABET or i18n._primary put a letter elsewhere, or case came first.
    if alphabet_position(a) < alphabet_position(b):
        assert collation_key(a) < collation_key(b)
    # A total order: only the same text ties.
    assert (collation_key(a) == collation_key(b)) == (a == b)


def test_estonian_order_examples() -> None:
    names = [
        "Yoda", "Xenia", "Ülle", "Öö", "Ärni", "Õun", "Wolf", "Tamm", "Žanr", "Zoo", "Šokk",
        "saar", "Saar", "Émile", "Ene", "Emile", "Иван", "Mari-Liis", "Mari",
    ]  # fmt: skip
    assert sorted(names, key=collation_key) == [
        "Emile", "Émile", "Ene", "Mari", "Mari-Liis", "saar", "Saar", "Šokk", "Zoo", "Žanr",
        "Tamm", "Wolf", "Õun", "Ärni", "Öö", "Ülle", "Xenia", "Yoda", "Иван",
    ]  # fmt: skip


@given(st.lists(st.text(max_size=5)))
def test_collation_key_sorts_any_text(texts: list[str]) -> None:
    # Any text (accents, other scripts, digits, punctuation) gets a key, and sorting is repeatable.
    once = sorted(texts, key=collation_key)
    assert sorted(reversed(once), key=collation_key) == once


# --- through the command line ----------------------------------------------------------------


@pytest.fixture
def retired(ok: Ok, initialised: Path) -> None:
    """Members Šokk, Õun, Saar and Zoo; Saar retired on 2025-06-30."""
    for name in ("Šokk", "Õun", "Saar", "Zoo"):
        ok("network", "add", "--name", name, "--role", "police", "--org", "PPA")
    ok("network", "retire", "M-003", "--date", "2025-06-30")


def test_estonian_table_shows_estonian_dates(ok: Ok, retired: None) -> None:
    # Breaks if cli/common.table stops formatting cells with the user's language.
    out = ok("--lang", "et", "network", "list", "--all")
    assert "30.06.2025" in out and "2025-06-30" not in out
    assert "2025-06-30" in ok("network", "list", "--all")  # English: ISO


def test_machine_formats_stay_iso_in_estonian(ok: Ok, retired: None) -> None:
    rows = json.loads(ok("--lang", "et", "network", "list", "--all", "--format", "json"))
    assert [r["retired_on"] for r in rows if r["retired_on"]] == ["2025-06-30"]
    assert "2025-06-30" in ok("--lang", "et", "network", "list", "--all", "--format", "csv")


def test_language_from_environment_and_locale(
    ok: Ok, retired: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "et_EE.UTF-8")
    assert "30.06.2025" in ok("network", "list", "--all")
    monkeypatch.setenv("LC_ALL", "C")  # LC_ALL comes before LANG
    assert "2025-06-30" in ok("network", "list", "--all")
    monkeypatch.setenv("RVNEET_LANG", "et")
    assert "30.06.2025" in ok("network", "list", "--all")
    assert "2025-06-30" in ok("--lang", "en", "network", "list", "--all")


def test_network_list_in_estonian_order(ok: Ok, retired: None) -> None:
    # Breaks if services/network.list_members goes back to the order of references.
    rows = json.loads(ok("network", "list", "--all", "--format", "json"))
    assert [r["name"] for r in rows] == ["Saar", "Šokk", "Zoo", "Õun"]


def test_bad_global_lang_is_a_usage_error(run: Run, initialised: Path) -> None:
    result = run("--lang", "fr", "network", "list")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and "--lang" in result.stderr


def test_case_timeline_in_estonian(ok: Ok, initialised: Path) -> None:
    youth = ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    ok("youth", "consent", youth, "--date", "2025-01-10", "--scope", "data-sharing",
       "--given-by", "guardian")  # fmt: skip
    case = ok("case", "open", "--youth", youth, "--model", "rv", "--start", "2025-01-10",
              "--risk", "high")  # fmt: skip
    out = ok("--lang", "et", "case", "show", case)
    assert "10.01.2025" in out and "2025-01-10" not in out


def test_report_follows_the_global_language(ok: Ok, initialised: Path) -> None:
    # Breaks if cli/report.report_lang ignores the root command's --lang.
    out = " ".join(ok("--lang", "et", "report", "workload", "--as-of", "2025-06-30").split())
    assert "seisuga 30.06.2025" in out
    own = ok("--lang", "et", "report", "workload", "--as-of", "2025-06-30", "--lang", "en")
    assert "2025-06-30" in own and "seisuga" not in own  # the report's own --lang wins


def test_report_json_stays_iso_and_html_is_for_people(ok: Ok, initialised: Path) -> None:
    # Breaks if reports/render.heading formats dates for machines, or render_html stops doing so.
    data = json.loads(
        ok("--lang", "et", "report", "workload", "--as-of", "2025-06-30", "--format", "json")
    )
    assert "2025-06-30" in json.dumps(data) and "30.06.2025" not in json.dumps(data)
    page = ok("--lang", "et", "report", "workload", "--as-of", "2025-06-30", "--format", "html")
    assert "seisuga 30.06.2025" in page
