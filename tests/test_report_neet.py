"""`rvneet report neet`: the NEET model's evaluation, on one hand-computed book built through the CLI.

The book (period 2025H1 = 2025-01-01 … 2025-06-30 unless said otherwise), one line per case:

| case | youth | group | start | channel | end (reason) | notes |
|---|---|---|---|---|---|---|
| NEET-2024-001 | Y-0001 | neet | 2024-10-20 | ngts-list | open | light yellow 03-01, green 07-15 (after) |
| NEET-2024-002 | Y-0002 | neet | 2024-11-01 | mobile-youth-work | 2025-01-01 goals-met | the first day |
| NEET-2024-003 | Y-0009 | neet | 2024-06-01 | self | 2024-12-31 | the day before; reopened 2025-09-01 |
| NEET-2024-004 | Y-0005 | neet | 2024-08-01 | referral | 2025-01-15 transferred | |
| NEET-2024-005 | Y-0010 | neet | 2024-09-01 | other | 2024-12-20 goals-met | follow-up done after |
| NEET-2024-006 | Y-0006 | neet | 2024-07-01 | self | reopened 2025-02-01 | closed 2024-12-05 |
| NEET-2024-007 | Y-0011 | neet | 2024-05-01 | other | 2024-11-30 declined | follow-up: not reached |
| NEET-2025-001 | Y-0003 | risk | 2025-06-30 | school | open | the last day |
| NEET-2025-002 | Y-0004 | risk | 2025-02-01 | referral | 2025-08-15 (after) | |
| NEET-2025-003 | Y-0005 | neet | 2025-03-20 | ngts-list | 2025-06-15 declined | goal partly met |
| NEET-2025-004 | Y-0007 | neet | 2025-02-15 | other | 2025-05-31 moved; reopened 2025-08-01 | |
| NEET-2025-005 | Y-0002 | neet | 2025-07-01 | school | open | the day after |
| RV-2024-001, RV-2025-001 | Y-0008 | | | ngts-list, school | | never counted |

NGTS lists: 2024-10-15 (Y-0001, Y-0005, Y-0008), 2025-03-15 (Y-0001, Y-0002, Y-0003, Y-0005).

Support activities ended, with the youth's satisfaction (Table 1 row 3), by provider: M-001 youth
worker, M-002 psychologist, M-003 Töötukassa:

| case | provider | ended | satisfaction | in 2025H1 |
|---|---|---|---|---|
| NEET-2024-001 | M-001 | 2025-02-10 | 5 | yes |
| NEET-2024-006 | M-001 | 2025-04-01 | 4 | yes |
| NEET-2025-003 | M-001 | 2025-06-01 | 3 | yes |
| NEET-2024-001 | M-003 | 2025-03-01 | 4 | yes |
| NEET-2025-002 | M-003 | 2025-04-20 | 2 | yes |
| NEET-2025-004 | M-003 | 2025-05-10 | 3 | yes |
| NEET-2025-003 | M-002 | 2025-05-01 | 4 | yes |
| NEET-2024-001 | M-001 | 2025-07-20 | 1 | no: after (2025H2) |
| NEET-2024-002 | M-002 | 2024-12-20 | 2 | no: before (2024) |
| NEET-2025-002 | M-001 | 2025-05-05 | none | no rating |
| NEET-2025-002 | M-003 | 2025-06-01 | 5 | withdrawn |
| RV-2025-001 | M-002 | 2025-03-03 | 1 | RV: never |
"""

from __future__ import annotations

import codecs
import json
import sqlite3
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from books import once_per_run
from conftest import MUNICIPALITY, Ok, Run
from pg import connect_book
from stdnum.ee import ik

H1 = "2025H1"


def code(first_ten: str) -> str:
    """A valid personal code from its first ten digits."""
    return first_ten + ik.calc_check_digit(first_ten + "0")


# Youths Y-0001 … Y-0011: (name, personal code or None, birth date, sex). Every name and code is made up.
YOUTHS: list[tuple[str, str | None, str | None, str | None]] = [
    ("Anete Kuusk", "60304020670", None, None),
    ("Sander Lepik", "39908150564", None, None),
    ("Mirjam Tammsaar", code("6090505012"), None, None),
    ("Oskar Pärnpuu", None, "2008-02-02", "M"),
    ("Liisi Metsavaht", code("6010101022"), None, None),
    ("Ragnar Kivisild", None, "2000-06-06", "M"),
    ("Kärt Seppälä", None, "2002-02-02", "F"),
    ("Rein Rebasemaa", code("5100303031"), None, None),
    ("Tõnis Orgusaar", None, "2004-04-04", "M"),
    ("Helena Lilleoja", None, "1998-08-08", "F"),
    ("Getter Jõesaar", None, "2005-05-05", "F"),
]
NAMES = [y[0] for y in YOUTHS]
CODES = [y[1] for y in YOUTHS if y[1] is not None]
NGTS_LISTS = {"2024-10-15": (0, 4, 7), "2025-03-15": (0, 1, 2, 4)}  # youth indexes


def write_list(path: Path, members: tuple[int, ...]) -> Path:
    """An NGTS list as Estonian Excel saves it: a BOM, ';' and CRLF."""
    rows = ["isikukood;nimi", *(f"{YOUTHS[i][1]};{YOUTHS[i][0]}" for i in members)]
    text = "\r\n".join(rows) + "\r\n"
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    return path


PROVIDERS = {"M-001": "youth-worker", "M-002": "psychologist", "M-003": "tootukassa"}


def build(ok: Ok, folder: Path) -> None:
    ok("init", "--municipality", MUNICIPALITY)
    for number, role in enumerate(PROVIDERS.values(), 1):
        ok("network", "add", "--name", f"Provider {number}", "--role", role, "--org", "Org")
    numbers: dict[str, int] = {}

    def activity(ref: str, member: str, start: str, end: str, *satisfaction: str) -> str:
        """A support activity to `member`, ended on `end` (with `--satisfaction N`, if given)."""
        ok("case", "activity", "add", ref, "--member", member, "--kind", "support", "--start",
           start, "--no-consent-reason", "test book")  # fmt: skip
        numbers[ref] = numbers.get(ref, 0) + 1
        ok("case", "activity", "end", ref, str(numbers[ref]), "--date", end, "--status",
           "completed", *satisfaction)  # fmt: skip
        return f"P-{numbers[ref]}"

    for name, id_code, born, sex in YOUTHS:
        if id_code:
            ok("youth", "add", "--name", name, "--id-code", id_code)
        else:
            ok("youth", "add", "--name", name, "--birth-date", str(born), "--sex", str(sex))
    for day, members in NGTS_LISTS.items():
        ok(
            "import",
            "ngts",
            str(write_list(folder / f"ngts-{day}.csv", members)),
            "--list-date",
            day,
        )

    def neet(youth: str, group: str, start: str, light: str, *channel: str) -> str:
        return ok(
            "case", "open", "--youth", youth, "--model", "neet", "--group", group,
            "--start", start, "--light", light, *channel,
        )  # fmt: skip

    def close(ref: str, end: str, reason: str, *outcome: str) -> None:
        ok("case", "close", ref, "--end", end, "--reason", reason, *outcome)

    # 2024 cases, in the order their references are given.
    assert neet("Y-0001", "neet", "2024-10-20", "red", "--channel", "ngts-list") == "NEET-2024-001"
    neet("Y-0002", "neet", "2024-11-01", "red", "--channel", "mobile-youth-work")
    neet("Y-0009", "neet", "2024-06-01", "yellow", "--channel", "self")
    neet("Y-0005", "neet", "2024-08-01", "yellow", "--channel", "referral")
    neet("Y-0010", "neet", "2024-09-01", "green")
    neet("Y-0006", "neet", "2024-07-01", "yellow", "--channel", "self")
    assert neet("Y-0011", "neet", "2024-05-01", "red") == "NEET-2024-007"
    # NEET-2024-001: first contact 10 days after the October list; open, light yellow at the end.
    ok("case", "contact", "NEET-2024-001", "--date", "2024-10-25", "--channel", "sms")
    ok("case", "contact", "NEET-2024-001", "--date", "2025-03-20", "--channel", "meeting")
    ok("case", "needs", "NEET-2024-001", "--date", "2024-11-05", "--need", "education",
       "--need", "work", "--neet-months", "18")  # fmt: skip
    ok("case", "assess", "NEET-2024-001", "--date", "2025-03-01", "--light", "yellow")
    ok("case", "assess", "NEET-2024-001", "--date", "2025-07-15", "--light", "green")
    activity("NEET-2024-001", "M-001", "2024-11-01", "2025-02-10", "--satisfaction", "5")
    activity("NEET-2024-001", "M-003", "2024-11-01", "2025-03-01", "--satisfaction", "4")
    activity("NEET-2024-001", "M-001", "2025-03-01", "2025-07-20", "--satisfaction", "1")
    # NEET-2024-002: first contact before the youth's only list; closed on the period's first day.
    ok("case", "contact", "NEET-2024-002", "--date", "2024-11-03", "--channel", "phone")
    ok("case", "needs", "NEET-2024-002", "--date", "2024-11-10", "--need", "work",
       "--need", "health", "--neet-months", "30")  # fmt: skip
    ok("case", "needs", "NEET-2024-002", "--date", "2024-12-01", "--need", "obligations",
       "--neet-months", "31")  # fmt: skip
    for goal in ("Enrol in a vocational school", "Get a driving licence", "Open a bank account"):
        ok("case", "goal", "add", "NEET-2024-002", goal, "--date", "2024-11-10")
    ok("case", "goal", "done", "NEET-2024-002", "1", "--date", "2024-12-15")
    ok(
        "case",
        "goal",
        "drop",
        "NEET-2024-002",
        "3",
        "--date",
        "2024-12-20",
        "--reason",
        "not needed",
    )
    ok("case", "goal", "done", "NEET-2024-002", "2", "--date", "2024-12-30")
    activity("NEET-2024-002", "M-002", "2024-11-15", "2024-12-20", "--satisfaction", "2")
    close("NEET-2024-002", "2025-01-01", "goals-met", "--education", "yes", "--employment", "no",
          "--wellbeing-start", "3", "--wellbeing-end", "6", "--satisfaction-manager", "5",
          "--satisfaction-overall", "4")  # fmt: skip
    # NEET-2024-003: closed the day before the period, followed up in it, reopened after it.
    close("NEET-2024-003", "2024-12-31", "goals-met")
    ok("followup", "record", "NEET-2024-003", "--date", "2025-06-20", "--reached", "yes",
       "--education", "no", "--employment", "yes")  # fmt: skip
    ok("case", "reopen", "NEET-2024-003", "--date", "2025-09-01", "--reason", "came back")
    # NEET-2024-004: first contact before the youth was listed; its first needs assessment has no
    # months NEET; closed in the period.
    ok("case", "contact", "NEET-2024-004", "--date", "2024-08-05", "--channel", "phone")
    ok("case", "needs", "NEET-2024-004", "--date", "2024-08-20", "--need", "other")
    ok("case", "needs", "NEET-2024-004", "--date", "2024-09-20", "--need", "life-event",
       "--need", "work", "--neet-months", "12")  # fmt: skip
    close("NEET-2024-004", "2025-01-15", "transferred", "--wellbeing-start", "6",
          "--wellbeing-end", "4", "--satisfaction-overall", "1")  # fmt: skip
    # NEET-2024-005 and -007: closed before the period, follow-ups due in it.
    close("NEET-2024-005", "2024-12-20", "goals-met")
    ok("followup", "record", "NEET-2024-005", "--date", "2025-07-05", "--reached", "yes",
       "--employment", "yes")  # fmt: skip
    close("NEET-2024-007", "2024-11-30", "declined")
    ok("followup", "record", "NEET-2024-007", "--date", "2025-06-02", "--reached", "no")
    # NEET-2024-006: closed before the period and reopened in it (its follow-up is cancelled).
    ok("case", "contact", "NEET-2024-006", "--date", "2024-07-03", "--channel", "sms")
    close("NEET-2024-006", "2024-12-05", "lost-contact")
    ok("case", "reopen", "NEET-2024-006", "--date", "2025-02-01", "--reason", "got in touch")
    ok("case", "assess", "NEET-2024-006", "--date", "2025-03-10", "--light", "green")
    activity("NEET-2024-006", "M-001", "2025-02-05", "2025-04-01", "--satisfaction", "4")
    ok("case", "needs", "NEET-2024-006", "--date", "2025-07-10", "--need", "health",
       "--neet-months", "9")  # fmt: skip

    # 2025 cases.
    assert neet("Y-0003", "risk", "2025-06-30", "green", "--channel", "school") == "NEET-2025-001"
    neet("Y-0004", "risk", "2025-02-01", "yellow", "--channel", "referral")
    neet("Y-0005", "neet", "2025-03-20", "red", "--channel", "ngts-list")
    neet("Y-0007", "neet", "2025-02-15", "red")
    assert neet("Y-0002", "neet", "2025-07-01", "yellow", "--channel", "school") == "NEET-2025-005"
    # NEET-2025-001: opened on the last day; on the March list, first contact after the period.
    ok("case", "contact", "NEET-2025-001", "--date", "2025-07-02", "--channel", "phone")
    # NEET-2025-002: closed after the period, with an outcome the period does not see.
    ok("case", "needs", "NEET-2025-002", "--date", "2025-02-10", "--need", "education",
       "--need", "risk-behaviour", "--neet-months", "0")  # fmt: skip
    ok("case", "assess", "NEET-2025-002", "--date", "2025-04-01", "--light", "red")
    ok("case", "goal", "add", "NEET-2025-002", "Attend school", "--date", "2025-02-10")
    ok("case", "goal", "done", "NEET-2025-002", "1", "--date", "2025-05-01")
    activity("NEET-2025-002", "M-003", "2025-02-10", "2025-04-20", "--satisfaction", "2")
    activity("NEET-2025-002", "M-001", "2025-02-10", "2025-05-05")
    twice = activity("NEET-2025-002", "M-003", "2025-05-01", "2025-06-01", "--satisfaction", "5")
    ok("case", "withdraw", "NEET-2025-002", twice, "--reason", "recorded twice")
    close("NEET-2025-002", "2025-08-15", "goals-met", "--education", "yes", "--wellbeing-start",
          "1", "--wellbeing-end", "9", "--satisfaction-manager", "1")  # fmt: skip
    # NEET-2025-003: first contact 21 days after the March list; closed in the period.
    ok("case", "contact", "NEET-2025-003", "--date", "2025-04-05", "--channel", "meeting")
    ok("case", "needs", "NEET-2025-003", "--date", "2025-04-10", "--need", "education",
       "--need", "work", "--need", "obligations", "--neet-months", "6")  # fmt: skip
    ok("case", "goal", "add", "NEET-2025-003", "Find a job", "--date", "2025-04-15")
    # Table 1 row 2: partly reached, so not met but counted apart (goals_partial).
    ok("case", "goal", "done", "NEET-2025-003", "1", "--date", "2025-06-10", "--extent", "partial")
    activity("NEET-2025-003", "M-001", "2025-04-10", "2025-06-01", "--satisfaction", "3")
    activity("NEET-2025-003", "M-002", "2025-04-10", "2025-05-01", "--satisfaction", "4")
    close("NEET-2025-003", "2025-06-15", "declined", "--employment", "yes",
          "--wellbeing-start", "5", "--satisfaction-manager", "3")  # fmt: skip
    # NEET-2025-004: closed in the period, reopened after it (which cleared its outcome).
    ok("case", "contact", "NEET-2025-004", "--date", "2025-02-20", "--channel", "sms")
    ok("case", "goal", "add", "NEET-2025-004", "Move to a flat", "--date", "2025-03-01")
    ok("case", "goal", "add", "NEET-2025-004", "Register at Töötukassa", "--date", "2025-03-01")
    ok("case", "goal", "done", "NEET-2025-004", "1", "--date", "2025-05-20")
    activity("NEET-2025-004", "M-003", "2025-03-01", "2025-05-10", "--satisfaction", "3")
    close("NEET-2025-004", "2025-05-31", "moved", "--education", "yes", "--wellbeing-start", "2",
          "--wellbeing-end", "8", "--satisfaction-manager", "5")  # fmt: skip
    ok("case", "reopen", "NEET-2025-004", "--date", "2025-08-01", "--reason", "moved back")
    ok("case", "goal", "add", "NEET-2025-004", "Find a course", "--date", "2025-08-05")
    ok("case", "goal", "done", "NEET-2025-004", "2", "--date", "2025-08-10")

    # RV cases of a youth on the October list: never in this report.
    ok("case", "open", "--youth", "Y-0008", "--model", "rv", "--start", "2024-09-01",
       "--risk", "high", "--channel", "ngts-list")  # fmt: skip
    ok("case", "contact", "RV-2024-001", "--date", "2024-10-20", "--channel", "phone")
    ok("case", "needs", "RV-2024-001", "--date", "2024-10-20", "--need", "institutional-care",
       "--neet-months", "99")  # fmt: skip
    ok("case", "goal", "add", "RV-2024-001", "Stay in school", "--date", "2024-10-20")
    ok("case", "goal", "done", "RV-2024-001", "1", "--date", "2024-12-01")
    ok("case", "close", "RV-2024-001", "--end", "2024-12-15", "--reason", "other",
       "--education", "yes", "--wellbeing-start", "1", "--wellbeing-end", "10")  # fmt: skip
    ok("followup", "record", "RV-2024-001", "--date", "2025-06-16", "--reached", "yes",
       "--education", "yes")  # fmt: skip
    ok("case", "open", "--youth", "Y-0008", "--model", "rv", "--start", "2025-02-01",
       "--risk", "medium", "--channel", "school")  # fmt: skip
    activity("RV-2025-001", "M-002", "2025-02-05", "2025-03-03", "--satisfaction", "1")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The book, built through the CLI once per test run, whichever xdist worker comes first; the
    others wait for it (a build takes 5–10 s, much of it fsync on commit and close)."""

    def build(folder: Path) -> None:
        folder.mkdir()
        _built(folder)

    return once_per_run(tmp_path_factory, "neet-book", build, "") / "rvneet.db"


def _built(folder: Path) -> Path:
    """`build` through the CLI, as `conftest.build_template` does but faster: the Click command is
    made once rather than by every `CliRunner.invoke`, which rebuilds it from the Typer app each
    time (40% of a command's time here)."""
    from typer.main import get_command
    from typer.testing import CliRunner

    from rvneet.cli import app

    path = folder / "rvneet.db"
    runner, command = CliRunner(), get_command(app)

    def ok(*args: str) -> str:
        with runner.isolation() as (stdout, stderr, _):
            try:
                command.main(["--db", str(path), "--user", "tester", *args], prog_name="rvneet")
            except SystemExit as exc:
                assert not exc.code, (args, stderr.getvalue().decode())
            return stdout.getvalue().decode().strip()

    build(ok, folder)
    return path


pytestmark = pytest.mark.usefixtures("book")


def report(ok: Ok, period: str = H1, *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        ok("report", "neet", "--period", period, "--format", "json", *args)
    )
    return data


EXPECTED_H1 = {
    "youths": 7,
    "cases_active": 8,
    "cases_started": 4,
    "ngts_to_contact_days_median": 15.5,
    "ngts_to_contact_n": 2,
    "neet_months_at_contact_median": 12,
    "neet_months_at_contact_n": 4,
    "cases_needs_assessed": 5,
    "cases_closed": 4,
    "closed_in_education": 1,
    "closed_in_employment": 1,
    "closed_in_education_or_employment": 2,
    "goals_met": 3,
    "goals_total": 5,
    "goals_dropped": 1,
    "goals_partial": 1,
    "wellbeing_change_mean": 0.5,
    "wellbeing_change_n": 2,
    "satisfaction_manager_mean": 4.0,
    "satisfaction_manager_n": 2,
    "satisfaction_overall_mean": 2.5,
    "satisfaction_overall_n": 2,
    "provider_satisfaction_mean": 3.57,
    "provider_satisfaction_n": 7,
    "followups_due": 4,
    "followups_done": 2,
    "followups_skipped": 1,
    "followups_reached": 1,
    "followups_in_education_or_employment": 1,
    "by_group": {"neet": 6, "risk": 2},
    "started_by_group": {"neet": 2, "risk": 2},
    "reached_by_channel": {"ngts-list": 1, "referral": 1, "school": 1, "other": 1},
    "cases_by_need": {
        "education": 3,
        "work": 4,
        "health": 1,
        "risk-behaviour": 1,
        "life-event": 1,
        "obligations": 2,
        "other": 1,
    },
    "light_at_end": {"red": 4, "yellow": 2, "green": 2},
    "closed_by_group": {"neet": 4},
    "closed_by_reason": {"goals-met": 1, "moved": 1, "declined": 1, "transferred": 1},
    "provider_satisfaction_n_by_role": {"youth-worker": 3, "tootukassa": 3, "psychologist": 1},
    "provider_satisfaction_mean_by_role": {
        "youth-worker": 4.0,
        "tootukassa": 3.0,
        "psychologist": 4.0,
    },
}


def test_the_half_year_by_hand(ok: Ok) -> None:
    """Every number of 2025H1, worked out from the table above.

    Active (8 cases, 7 youths: Y-0005 has two): 2024-001, -002 (closed on the first day), -004,
    -006 (reopened in the period), 2025-001 (opened on the last day), -002 (closed after),
    -003, -004 (closed in the period, reopened after: closed as of the period's end). Not active:
    2024-003 (closed the day before, though reopened after), -005, -007, 2025-005 (the day after).
    NGTS → first contact: 10 days (2024-001, October list) and 21 (2025-003, March list, not the
    October one); 2024-002's and 2024-004's lists came after their first contact, 2025-001's contact
    after the period. Months NEET, first assessment: 18, 30, 0, 6 (2024-004's first has none,
    2024-006's is after the period). Closed: goals 2 of 2 (+1 dropped) in 2024-002, 0 of 1 in
    2025-003, 1 of 2 in 2025-004 (its second was done after the period); wellbeing +3 and -2;
    satisfaction with the manager 5, 3 and overall 4, 1; 2025-004's outcome was cleared by its
    reopening. Follow-ups due: 2024-003 (done, reached, employed), -005 (done after the period),
    -007 (done, not reached), 2024-006 (skipped: the case was reopened).
    Support providers (the second table): youth worker 5, 4, 3; Töötukassa 4, 2, 3; psychologist
    4: seven ratings, 25 in all, mean 3.57.
    """
    data = report(ok)
    assert list(data) == ["report", "municipality", "period", "summary"]
    assert data["report"] == "neet"
    assert data["municipality"] == MUNICIPALITY
    assert data["period"] == {"label": H1, "start": "2025-01-01", "end": "2025-06-30"}
    assert data["summary"] == EXPECTED_H1
    assert list(data["summary"]) == list(EXPECTED_H1)  # the documented key order


def test_the_second_half_sees_what_came_after(ok: Ok) -> None:
    """2025H2: 2024-003 and 2025-004 are open again; 2025-002 closes; 2025-005 starts."""
    summary = report(ok, "2025H2")["summary"]
    assert summary["cases_active"] == 7  # 2024-001, -003, -006, 2025-001, -002, -004, -005
    assert summary["by_group"] == {"neet": 5, "risk": 2}
    assert summary["cases_started"] == 1
    assert summary["reached_by_channel"] == {"school": 1}
    assert summary["cases_closed"] == 1
    assert summary["closed_by_reason"] == {"goals-met": 1}
    assert summary["closed_in_education"] == 1
    assert (summary["wellbeing_change_mean"], summary["wellbeing_change_n"]) == (8.0, 1)
    assert (summary["satisfaction_manager_mean"], summary["satisfaction_overall_mean"]) == (
        1.0,
        None,
    )
    assert summary["satisfaction_overall_n"] == 0
    assert (summary["goals_met"], summary["goals_total"], summary["goals_dropped"]) == (1, 1, 0)
    # Due 2025-07-01 (2024-002), 07-15 (2024-004), 11-30 (2025-004: skipped, it was reopened),
    # 12-15 (2025-003).
    assert [summary[k] for k in ("followups_due", "followups_done", "followups_skipped")] == [
        4,
        0,
        1,
    ]
    assert summary["light_at_end"] == {"red": 2, "yellow": 2, "green": 3}
    # Months NEET: 18 (2024-001), 9 (2024-006's assessment of July), 0 (2025-002).
    assert (summary["neet_months_at_contact_median"], summary["neet_months_at_contact_n"]) == (9, 3)
    # NGTS → first contact: 10 days (2024-001) and 109 (2025-001: March list, contact on 07-02).
    assert (summary["ngts_to_contact_days_median"], summary["ngts_to_contact_n"]) == (59.5, 2)


def test_breakdowns_add_up_to_their_figures(ok: Ok, book: Path) -> None:
    from rvneet.db import Database
    from rvneet.domain.period import parse_period
    from rvneet.reports.neet import build_neet

    for period in (H1, "2025H2", "2025", "2024", "2025Q1"):
        summary = report(ok, period)["summary"]
        with Database(book, "tester").session() as session:
            built = build_neet(session, parse_period(period))
        totals = {b.key: b.total_of for b in built.breakdowns if b.total_of}
        assert totals == {
            "by_group": "cases_active",
            "started_by_group": "cases_started",
            "reached_by_channel": "cases_started",
            "light_at_end": "cases_active",
            "closed_by_group": "cases_closed",
            "closed_by_reason": "cases_closed",
            "provider_satisfaction_n_by_role": "provider_satisfaction_n",
        }
        for key, figure in totals.items():
            assert sum(summary[key].values()) == summary[figure], (period, key)
        assert summary["youths"] <= summary["cases_active"]
        assert summary["closed_in_education_or_employment"] <= summary["cases_closed"]
        assert summary["followups_reached"] <= summary["followups_done"] <= summary["followups_due"]
        # The NEET follow-ups read as `report followups` reads them.
        followups = json.loads(ok("report", "followups", "--period", period, "--format", "json"))[
            "summary"
        ]
        for key, theirs in (
            ("followups_due", "by_model"),
            ("followups_done", "done_by_model"),
            ("followups_skipped", "skipped_by_model"),
            ("followups_reached", "reached_by_model"),
        ):
            assert summary[key] == followups[theirs]["neet"], (period, key)
        counts = {f.key: f.count for f in built.figures}
        assert not any(counts[k] for k in counts if k.endswith(("_median", "_mean")))
        assert all(counts[k] for k in counts if not k.endswith(("_median", "_mean")))
        assert {b.key for b in built.breakdowns if b.chart} == {
            "by_group",
            "light_at_end",
            "reached_by_channel",
            "closed_by_reason",
        }


def test_rv_cases_are_never_counted(ok: Ok, book: Path) -> None:
    before = report(ok, "2025")["summary"]
    con = connect_book(book)
    try:
        rv = "SELECT id FROM cases WHERE model = 'rv'"
        for table in (
            "assessments",
            "contacts",
            "goals",
            "followups",
            "stage_changes",
            "support_activities",
        ):
            con.execute(f"DELETE FROM {table} WHERE case_id IN ({rv})")
        con.execute(
            f"DELETE FROM needs WHERE assessment_id IN "
            f"(SELECT id FROM needs_assessments WHERE case_id IN ({rv}))"
        )
        con.execute(f"DELETE FROM needs_assessments WHERE case_id IN ({rv})")
        con.execute("DELETE FROM cases WHERE model = 'rv'")
        con.commit()
    finally:
        con.close()
    assert report(ok, "2025")["summary"] == before
    assert "institutional-care" not in before["cases_by_need"]


def test_an_empty_period(ok: Ok) -> None:
    summary = report(ok, "2020")["summary"]
    assert summary["cases_active"] == summary["youths"] == summary["followups_due"] == 0
    assert summary["ngts_to_contact_days_median"] is None
    assert summary["wellbeing_change_mean"] is None
    for key in ("by_group", "reached_by_channel", "cases_by_need", "light_at_end"):
        assert summary[key] == {}


@pytest.mark.sqlite_only  # SQLite's query plan
def test_the_active_cases_are_found_by_their_end(book: Path) -> None:
    """The active cases are found by two searches of ix_cases_model_end_start (migration 0004).

    Without the index SQLite reads every NEET case opened before the period's end.
    """
    from rvneet.reports.neet import _MAKE_ACTIVE

    con = sqlite3.connect(book)
    try:
        plan = [
            row[3]
            for row in con.execute(
                # The SELECT that fills the report's temporary table of active cases.
                "EXPLAIN QUERY PLAN " + _MAKE_ACTIVE.text.split(" AS ", 1)[1],
                {"start": "2025-01-01", "end": "2025-06-30"},
            )
        ]
    finally:
        con.close()
    searches = [step for step in plan if "ix_cases_model_end_start" in step]
    assert searches == [
        "SEARCH cases USING COVERING INDEX ix_cases_model_end_start "
        "(model=? AND end_date=? AND start_date<?)",
        "SEARCH cases USING COVERING INDEX ix_cases_model_end_start (model=? AND end_date>?)",
    ], plan
    assert not [step for step in plan if step in ("SCAN c", "SCAN cases")], plan


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "xlsx", "html"])
@pytest.mark.parametrize("lang", ["en", "et"])
def test_no_name_or_personal_code_in_any_format(
    run: Run, tmp_path: Path, fmt: str, lang: str
) -> None:
    target = tmp_path / f"neet.{fmt}"
    args = ("--format", fmt, "--output", str(target), "--lang", lang)
    result = run("report", "neet", "--period", "2025", *args)
    assert result.exit_code == 0, result.stderr
    if fmt == "xlsx":
        workbook = openpyxl.load_workbook(target)
        assert workbook.sheetnames == (["Kokkuvõte"] if lang == "et" else ["Summary"])
        cells = [str(v) for s in workbook for row in s.iter_rows(values_only=True) for v in row]
        text = "\n".join(cells)
    else:
        text = target.read_text(encoding="utf-8")
    if fmt not in ("json", "csv"):
        title = "NEET-koostöömudel — hindamine" if lang == "et" else "NEET cooperation model"
        assert title in text
    for secret in (*NAMES, *(n.split()[1] for n in NAMES), *CODES, "Y-00", "NEET-20", "RV-20"):
        assert secret not in text, secret


def test_estonian_labels_and_values(run: Run) -> None:
    result = run("report", "neet", "--period", H1, "--lang", "et", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = {line.split(",", 1)[0]: line for line in result.stdout.splitlines()}
    assert rows["võti"] == "võti,nimetus,väärtus"
    assert rows["cases_active"] == "cases_active,Perioodil aktiivseid juhtumeid,8"
    assert "punane" in rows["light_at_end.red"] and "valgusfoor" in rows["light_at_end.red"]
    assert "NGTS-i seirenimekiri" in rows["reached_by_channel.ngts-list"]
    assert "kontakt katkes" not in result.stdout  # no such closing in H1
    assert "elukoht muutus" in rows["closed_by_reason.moved"]
    assert rows["ngts_to_contact_days_median"].endswith(",15.5")


def test_html_draws_the_four_charts(run: Run) -> None:
    result = run("report", "neet", "--period", H1, "--format", "html", "--no-timestamp")
    assert result.exit_code == 0, result.stderr
    page = result.stdout
    assert page.count("<svg") == 4
    for title in (
        "Cases active, by target group",
        "Situation at the period&#x27;s end (traffic light)",
        "Cases started, by how the youth was reached",
        "Cases closed, by reason",
    ):
        assert f"<h3>{title}</h3>" in page


def test_suppression_masks_small_breakdown_counts(ok: Ok) -> None:
    data = report(ok, H1, "--suppress-below", "3")
    summary = data["summary"]
    assert data["suppressed_below"] == 3
    assert data["suppression"] == {"below": 3, "method": "primary+complementary"}
    # risk 2 of 8 is small, and neet 6 would give it away (8 - 6).
    assert summary["by_group"] == {"neet": "x", "risk": "x"}
    # Every category, an empty one too; yellow 2 and green 2 hide each other (4 in all).
    assert summary["light_at_end"] == {"red": 4, "yellow": "x", "green": "x", "unknown": 0}
    assert summary["cases_by_need"]["institutional-care"] == 0
    assert summary["cases_by_need"]["health"] == "x"
    assert summary["goals_dropped"] == "<3"  # a lone figure may say it is small
    assert summary["followups_done"] == "x"  # a part of a sum may not (due 4 = done + ...)
    # A median or mean is not masked as a count: it is shown when it rests on at least 3 cases
    # and left out (null) when fewer, since one youth's rating would show; its n (2) is hidden.
    assert summary["neet_months_at_contact_n"] == 4 and summary["neet_months_at_contact_median"]
    assert summary["ngts_to_contact_n"] == "<3" and summary["ngts_to_contact_days_median"] is None
    assert summary["wellbeing_change_n"] == "<3" and summary["wellbeing_change_mean"] is None


def test_provider_satisfaction_by_role_through_the_year(ok: Ok) -> None:
    """2025 adds the youth worker's rating of 1 ended in July (H2); 2024 has the psychologist's 2."""
    summary = report(ok, "2025")["summary"]
    assert summary["provider_satisfaction_n_by_role"] == {
        "youth-worker": 4,
        "tootukassa": 3,
        "psychologist": 1,
    }
    assert summary["provider_satisfaction_mean_by_role"]["youth-worker"] == 3.25
    assert (summary["provider_satisfaction_mean"], summary["provider_satisfaction_n"]) == (3.25, 8)
    h2 = report(ok, "2025H2")["summary"]
    assert h2["provider_satisfaction_n_by_role"] == {"youth-worker": 1}
    assert h2["provider_satisfaction_mean_by_role"] == {"youth-worker": 1.0}
    early = report(ok, "2024")["summary"]
    assert early["provider_satisfaction_mean_by_role"] == {"psychologist": 2.0}


def test_suppression_hides_a_mean_with_its_count(ok: Ok) -> None:
    """Below 3: the psychologist's 1 rating is small; the youth worker's 3 are hidden beside it
    (7 - 3 - 3 would give the 1 away; of the two 3s the first in the role order goes), and so
    are both their means; Töötukassa's 3 and its mean stay."""
    summary = report(ok, H1, "--suppress-below", "3")["summary"]
    counts = summary["provider_satisfaction_n_by_role"]
    means = summary["provider_satisfaction_mean_by_role"]
    assert (counts["youth-worker"], counts["tootukassa"], counts["psychologist"]) == ("x", 3, "x")
    assert (means["youth-worker"], means["tootukassa"], means["psychologist"]) == (None, 3.0, None)
    # Every role of the network's members is listed (none of theirs is 0 here), no other.
    assert list(counts) == list(means) == ["youth-worker", "tootukassa", "psychologist"]
    assert (summary["provider_satisfaction_mean"], summary["provider_satisfaction_n"]) == (3.57, 7)
    # Below 8: the total of 7 is small too, and with it the overall mean.
    summary = report(ok, H1, "--suppress-below", "8")["summary"]
    assert summary["provider_satisfaction_n"] == "<8"
    assert summary["provider_satisfaction_mean"] is None
    assert set(summary["provider_satisfaction_mean_by_role"].values()) == {None}


def test_provider_satisfaction_in_the_table(run: Run) -> None:
    result = run("report", "neet", "--period", H1, "--no-timestamp")
    assert result.exit_code == 0, result.stderr
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert any("mean by the provider's role: youth worker" in x and "4.0" in x for x in lines)
    assert any("answers by the provider's role: Töötukassa representative" in x for x in lines)
    result = run("report", "neet", "--period", H1, "--lang", "et", "--suppress-below", "3")
    assert result.exit_code == 0, result.stderr
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    mean = [x for x in lines if "keskmine tugitegevuse pakkuja rolli järgi: psühholoog" in x]
    assert len(mean) == 1 and "—" in mean[0]  # a hidden mean shows as a dash


def test_help_names_the_report(run: Run) -> None:
    result = run("report", "neet", "--help")
    assert result.exit_code == 0
    assert "Example: rvneet report neet" in " ".join(result.stdout.split())
