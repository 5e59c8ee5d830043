"""`rvneet check`: every data-quality rule on a crafted case, a clean book, exit codes and privacy.

Two books are built once. The clean one passes every rule for 2025H1. The dirty one has, for
2025H1 (as of 2025-06-30; 60 days before: 2025-05-01; 30 days before: 2025-05-31), one crafted
case per rule and controls at the rules' edges:

| youth | case | crafted for |
|---|---|---|
| Y-0001 | RV-2025-001 | case-without-assessment (its assessments deleted, as in legacy data) |
| Y-0002 | NEET-2025-001 | no-recent-contact: last contact 2025-04-30 |
| Y-0003 | NEET-2025-002 | control: last contact 2025-05-01, exactly 60 days before |
| Y-0004 | NEET-2025-003 | control: opened 2025-05-01, no contact yet |
| Y-0005 | RV-2025-002 | rv-age: 20 at the start, reason removed (legacy data) |
| Y-0006 | NEET-2025-004 | neet-age: NEET-risk group (14–19), 20 at the start, reason removed |
| Y-0007 | RV-2025-003 | age-exception (warning): 11 at the start, opened with a reason |
| Y-0008 | RV-2025-004 | closed-without-reason: closed 2025-03-01, reason removed |
| Y-0009 | NEET-2024-001 | followup-overdue: due 2025-06-01, never done |
| Y-0010 | NEET-2024-002 | followup-overdue: due 2025-05-15, done only on 2025-07-02 |
| Y-0011 | NEET-2024-003 | control: follow-up due on the day, 2025-06-30 |
| Y-0012 | NEET-2024-004 | control: follow-up skipped |
| Y-0013 | NEET-2025-005 | no-participation-consent: never given |
| Y-0014 | NEET-2025-006 | no-participation-consent: withdrawn 2025-06-01 |
| Y-0015 | NEET-2025-007 | no-participation-consent: given only on 2025-07-01 |
| Y-0016 | — | on the NGTS list of 2024-10-15 only, never contacted |
| Y-0017 | — | ngts-not-contacted: on the list of 2025-03-15, no case |
| Y-0018 | NEET-2025-008 | control: on that list, contacted 2025-03-20 |
| Y-0019 | NEET-2025-009 | ngts-not-contacted: contacted 2025-03-10 only, before the list |
| Y-0020 | — | on the list of 2025-10-15 only (after 2025H1), no case |
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from books import import_rows
from conftest import MUNICIPALITY, Ok, Run, build_template
from pg import connect_book, pg_copy_book

from rvneet.services.checks import RULES

RULE_IDS = [
    "case-without-assessment",
    "no-recent-contact",
    "rv-age",
    "neet-age",
    "age-exception",
    "closed-without-reason",
    "followup-overdue",
    "rv-followup-overdue",
    "no-participation-consent",
    "minor-own-consent",
    "age-handover",
    "ngts-not-contacted",
    "ngts-list-late",
    "rv-outside-agreement",
    "agreement-limit-exceeded",
    "lisa4-deadline-missed",
    "lisa4-changed-since-submitted",
]
KEYS = ["rule", "description", "level", "count", "refs"]

# The dirty book: (name, birth date or personal code), refs Y-0001.. in this order.
YOUTHS = [
    ("Aivar Allikmaa", "2010-01-01"),
    ("Birgit Bergmann", "2000-02-02"),
    ("Carmen Cederberg", "2001-03-03"),
    ("Dmitri Dubov", "2002-04-04"),
    ("Elmar Eskla", "2005-01-01"),
    ("Fredi Filtsov", "2004-12-12"),
    ("Greete Gross", "2014-01-01"),
    ("Hugo Hallik", "2010-02-02"),
    ("Ilona Ilvesmaa", "2001-05-05"),
    ("Jüri Jõgiste", "2001-06-06"),
    ("Kalle Kuusiku", "2001-07-07"),
    ("Lembit Laanemets", "2001-08-08"),
    ("Maire Metsik", "2001-09-09"),
    ("Nele Nurmsalu", "2001-10-10"),
    ("Olev Orgusaar", "2001-11-11"),
    ("Priit Põdersoo", "50805050012"),
    ("Riina Raudsepp", "60904040015"),
    ("Sulev Saarmets", "50903030013"),
    ("Tiina Tammemäe", "60806060014"),
    ("Urmas Uustalu", "50707070011"),
]
SECRETS = [
    *(part for name, _ in YOUTHS for part in name.split()),
    *(code for _, code in YOUTHS if "-" not in code),
]
DIRTY_2025H1 = {
    "case-without-assessment": ["RV-2025-001"],
    "no-recent-contact": ["NEET-2025-001"],
    "rv-age": ["RV-2025-002"],
    "neet-age": ["NEET-2025-004"],
    "age-exception": ["RV-2025-003"],
    "closed-without-reason": ["RV-2025-004"],
    "followup-overdue": ["NEET-2024-001", "NEET-2024-002"],
    "rv-followup-overdue": [],
    "no-participation-consent": ["Y-0013", "Y-0014", "Y-0015"],
    "minor-own-consent": [],  # no data-sharing consent here (tests/test_handover.py)
    "age-handover": [],  # RV-2025-002 and NEET-2025-004 began past the age (tests/test_handover.py)
    "ngts-not-contacted": ["Y-0017", "Y-0019"],
    "ngts-list-late": [],  # the list of 2025-03-15 is 3 months old on 2025-06-30
    # No agreement is recorded in this book: the agreement rules find nothing (tests/test_agreement_check.py).
    "rv-outside-agreement": [],
    "agreement-limit-exceeded": [],
    "lisa4-deadline-missed": [],
    "lisa4-changed-since-submitted": [],
}
FAILED_2025H1 = (
    "8 data-quality rules failed: case-without-assessment, no-recent-contact, rv-age, neet-age, "
    "closed-without-reason, followup-overdue, no-participation-consent, ngts-not-contacted"
)


def ngts_file(folder: Path, name: str, youths: list[int]) -> str:
    path = folder / name
    lines = ["id_code,name", *(f"{YOUTHS[i - 1][1]},{YOUTHS[i - 1][0]}" for i in youths)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def consent(ok: Ok, youth: str, date: str, *extra: str) -> None:
    ok("youth", "consent", youth, "--date", date, "--scope", "participation",
       "--given-by", "youth", *extra)  # fmt: skip


def build_dirty(ok: Ok, folder: Path) -> None:
    ok("init", "--municipality", MUNICIPALITY)
    import_rows(
        ok,
        folder,
        "youths",
        [
            {"name": name, "birth_date": born, "sex": "M"} if "-" in born
            else {"name": name, "id_code": born}
            for name, born in YOUTHS
        ],
    )  # fmt: skip

    def case(youth: int, model: str, start: str, **more: str) -> dict[str, str]:
        level = {"risk": "high"} if model == "rv" else {"light": "red", "group": "neet"}
        return {"youth": f"Y-{youth:04d}", "model": model, "start": start, **level, **more}

    ended = {"close_reason": "goals-met"}
    import_rows(
        ok,
        folder,
        "cases",
        [
            case(1, "rv", "2025-02-01"),  # RV-2025-001
            case(5, "rv", "2025-02-01", allow_ineligible="imported"),  # RV-2025-002
            case(7, "rv", "2025-02-01", allow_ineligible="sibling in the network"),
            case(8, "rv", "2025-01-05", end="2025-03-01", **ended),  # RV-2025-004
            case(2, "neet", "2025-01-10"),  # NEET-2025-001
            case(3, "neet", "2025-01-10"),  # NEET-2025-002
            case(4, "neet", "2025-05-01"),  # NEET-2025-003
            case(6, "neet", "2025-02-01", group="risk", allow_ineligible="imported"),
            case(13, "neet", "2025-01-10"),  # NEET-2025-005
            case(14, "neet", "2025-01-10"),  # NEET-2025-006
            case(15, "neet", "2025-01-10"),  # NEET-2025-007
            case(18, "neet", "2025-03-18", group="risk"),  # NEET-2025-008
            case(19, "neet", "2025-03-01", group="risk", end="2025-03-12", **ended),
            case(9, "neet", "2024-05-01", end="2024-12-01", **ended),  # NEET-2024-001
            case(10, "neet", "2024-05-01", end="2024-11-15", **ended),  # NEET-2024-002
            case(11, "neet", "2024-05-01", end="2024-12-31", **ended),  # NEET-2024-003
            case(12, "neet", "2024-05-01", end="2024-11-01", **ended),  # NEET-2024-004
        ],
    )
    contacts = [
        ("RV-2025-001", "2025-06-01"),
        ("NEET-2025-001", "2025-04-30"),
        ("NEET-2025-002", "2025-05-01"),
        ("RV-2025-002", "2025-06-01"),
        ("NEET-2025-004", "2025-06-01"),
        ("RV-2025-003", "2025-06-01"),
        ("NEET-2025-005", "2025-06-01"),
        ("NEET-2025-006", "2025-06-15"),
        ("NEET-2025-007", "2025-06-15"),
        ("NEET-2025-008", "2025-03-20"),
        ("NEET-2025-008", "2025-06-15"),
        ("NEET-2025-009", "2025-03-10"),
    ]
    import_rows(
        ok,
        folder,
        "contacts",
        [{"case": ref, "date": date, "channel": "phone"} for ref, date in contacts],
    )
    # Participation consent for every youth with an open case but the crafted ones.
    for youth in (1, 2, 3, 4, 5, 6, 7, 18):
        consent(ok, f"Y-{youth:04d}", "2024-01-01")
    consent(ok, "Y-0014", "2025-01-01")
    consent(ok, "Y-0014", "2025-06-01", "--withdraw")
    consent(ok, "Y-0015", "2025-07-01")
    ok("followup", "record", "NEET-2024-002", "--date", "2025-07-02", "--reached", "yes")
    ok("followup", "skip", "NEET-2024-004", "--reason", "moved abroad")
    ok("import", "ngts", ngts_file(folder, "2024-10.csv", [16]), "--list-date", "2024-10-15")
    ok(
        "import",
        "ngts",
        ngts_file(folder, "2025-03.csv", [17, 18, 19]),
        "--list-date",
        "2025-03-15",
    )
    ok("import", "ngts", ngts_file(folder, "2025-10.csv", [20]), "--list-date", "2025-10-15")


def as_legacy_data(path: Path) -> None:
    """What the CLI never writes but imported or older data may hold."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA ignore_check_constraints = ON")
        with con:
            con.execute(
                "DELETE FROM assessments"
                " WHERE case_id = (SELECT id FROM cases WHERE ref = 'RV-2025-001')"
            )
            con.execute(
                "UPDATE cases SET ineligible_reason = NULL"
                " WHERE ref IN ('RV-2025-002', 'NEET-2025-004')"
            )
            con.execute("UPDATE cases SET close_reason = NULL WHERE ref = 'RV-2025-004'")
    finally:
        con.close()


def build_clean(ok: Ok, folder: Path) -> None:
    ok("init", "--municipality", MUNICIPALITY)
    ok("youth", "add", "--name", "Sulev Saarmets", "--id-code", "50903030013")
    ok("youth", "add", "--name", "Helena Heinsalu", "--birth-date", "2000-05-05", "--sex", "F")
    consent(ok, "Y-0001", "2025-03-01")
    consent(ok, "Y-0002", "2024-06-01")
    ok("case", "open", "--youth", "Y-0001", "--model", "rv", "--start", "2025-03-03",
       "--risk", "high")  # fmt: skip
    ok("case", "contact", "RV-2025-001", "--date", "2025-06-10", "--channel", "meeting")
    ok("case", "open", "--youth", "Y-0002", "--model", "neet", "--start", "2024-06-01",
       "--light", "green", "--group", "neet")  # fmt: skip
    ok("case", "close", "NEET-2024-001", "--end", "2024-11-30", "--reason", "goals-met")
    ok("followup", "record", "NEET-2024-001", "--date", "2025-06-02", "--reached", "yes")
    path = folder / "ngts.csv"
    path.write_text("id_code,name\n50903030013,Sulev Saarmets\n", encoding="utf-8")
    ok("import", "ngts", str(path), "--list-date", "2025-03-15")


@pytest.fixture(scope="module")
def dirty_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lists")
    path = build_template(tmp_path_factory, "dirty", lambda ok: build_dirty(ok, folder))
    as_legacy_data(path)
    return path


@pytest.fixture(scope="module")
def clean_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("list")
    return build_template(tmp_path_factory, "clean", lambda ok: build_clean(ok, folder))


@pytest.fixture
def dirty(dirty_template: Path, db_path: Path) -> Path:
    # A file only: its legacy rows break CHECK constraints, which PostgreSQL always enforces.
    shutil.copyfile(dirty_template, db_path)
    db_path.chmod(0o600)  # rvneet warns about a database others can read
    return db_path


@pytest.fixture
def clean(
    clean_template: Path,
    db_path: Path,
    engine: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    if engine == "postgresql":  # the template's rows on the server (tests/pg.py)
        return pg_copy_book(request, monkeypatch, clean_template)  # type: ignore[return-value]
    shutil.copyfile(clean_template, db_path)
    db_path.chmod(0o600)  # rvneet warns about a database others can read
    return db_path


def checked(run: Run, *args: str) -> tuple[list[dict[str, Any]], int, str]:
    result = run("check", *args, "--format", "json")
    rows = json.loads(result.stdout)
    assert isinstance(rows, list)
    return rows, result.exit_code, result.stderr


def found(rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {r["rule"]: r["refs"] for r in rows if r["count"]}


# --- the rules ------------------------------------------------------------------------------


def test_the_registry_order_is_the_documented_one() -> None:
    assert [r.id for r in RULES] == RULE_IDS
    assert [r.id for r in RULES if r.level == "warning"] == [
        "age-exception",
        "rv-followup-overdue",
        "minor-own-consent",
        "age-handover",
        "ngts-list-late",
        "rv-outside-agreement",
        "agreement-limit-exceeded",
    ]


@pytest.mark.usefixtures("clean")
def test_a_clean_book_passes_every_rule(run: Run) -> None:
    rows, code, stderr = checked(run, "--period", "2025H1")
    assert code == 0
    assert stderr == ""
    assert [r["rule"] for r in rows] == RULE_IDS
    assert [(r["count"], r["refs"]) for r in rows] == [(0, [])] * len(RULE_IDS)


@pytest.mark.usefixtures("dirty")
def test_json_rows_and_keys(run: Run) -> None:
    rows, _, _ = checked(run, "--period", "2025H1")
    assert [list(r) for r in rows] == [KEYS] * len(RULE_IDS)
    assert [r["rule"] for r in rows] == RULE_IDS
    for row in rows:
        assert isinstance(row["description"], str) and row["description"]
        assert row["level"] in {"error", "warning"}
        assert row["count"] == len(row["refs"])


@pytest.mark.usefixtures("dirty")
@pytest.mark.parametrize("rule", RULE_IDS)
def test_each_rule_finds_its_crafted_case_and_nothing_else(run: Run, rule: str) -> None:
    rows, _, _ = checked(run, "--period", "2025H1")
    row = next(r for r in rows if r["rule"] == rule)
    assert row["refs"] == DIRTY_2025H1[rule]
    assert row["count"] == len(DIRTY_2025H1[rule])


@pytest.mark.usefixtures("dirty")
def test_without_a_period_the_day_is_today_and_every_case_counts(run: Run) -> None:
    rows, code, _ = checked(run)
    assert code == 1
    refs = found(rows)
    # Consent given on 2025-07-01 is in force today; the withdrawal still holds.
    assert refs["no-participation-consent"] == ["Y-0013", "Y-0014"]
    # The newest list now is that of 2025-10-15.
    assert refs["ngts-not-contacted"] == ["Y-0020"]
    # ... and more than 7 months old today: the next list was expected in March 2026.
    assert refs["ngts-list-late"] == ["2025-10-15"]
    # Done on 2025-07-02: no longer overdue; due 2025-06-30, 2025-09-01 and 2025-09-12: overdue now.
    assert refs["followup-overdue"] == ["NEET-2024-001", "NEET-2024-003", "NEET-2025-009"]
    # An RV case's follow-up is good practice, not the agreement's: a warning of its own.
    assert refs["rv-followup-overdue"] == ["RV-2025-004"]
    # No open case has had a contact in the last 60 days.
    assert "NEET-2025-002" in refs["no-recent-contact"]
    assert refs["closed-without-reason"] == ["RV-2025-004"]


@pytest.mark.usefixtures("dirty")
def test_a_period_limits_the_cases_and_sets_the_day(run: Run) -> None:
    # On 2024-12-31 nothing of 2025 exists yet, no case is open (NEET-2024-003 closed that day),
    # and the newest NGTS list is that of 2024-10-15, more than 30 days old.
    rows, code, _ = checked(run, "--period", "2024")
    assert code == 1
    assert found(rows) == {"ngts-not-contacted": ["Y-0016"]}


@pytest.mark.usefixtures("clean")
def test_no_contact_as_of_today_and_a_recent_contact_clears_it(run: Run, ok: Ok) -> None:
    rows, code, stderr = checked(run)
    # The book's only NGTS list (2025-03-15) is more than 7 months old today: a warning.
    late = {"ngts-list-late": ["2025-03-15"]}
    assert found(rows) == {"no-recent-contact": ["RV-2025-001"], **late}
    assert code == 1
    assert stderr == "Error: 1 data-quality rule failed: no-recent-contact\n"
    recent = (dt.date.today() - dt.timedelta(days=5)).isoformat()
    ok("case", "contact", "RV-2025-001", "--date", recent, "--channel", "sms")
    rows, code, stderr = checked(run)
    assert found(rows) == late
    assert (code, stderr) == (0, "")


@pytest.mark.usefixtures("clean")
def test_a_warning_alone_does_not_fail(run: Run, ok: Ok) -> None:
    ok("youth", "add", "--name", "Vello Väike", "--birth-date", "2014-01-01", "--sex", "M")
    consent(ok, "Y-0003", "2025-06-01")
    ok("case", "open", "--youth", "Y-0003", "--model", "rv", "--start", "2025-06-01",
       "--risk", "high", "--allow-ineligible", "sibling in the network")  # fmt: skip
    rows, code, stderr = checked(run, "--period", "2025H1")
    assert found(rows) == {"age-exception": ["RV-2025-002"]}
    assert (code, stderr) == (0, "")


@pytest.mark.usefixtures("clean")
def test_only_the_first_20_references_are_shown(run: Run, clean: Path) -> None:
    con = connect_book(clean)
    with con:
        con.executemany(
            "INSERT INTO cases (ref, youth_id, model, seq, start_date, end_date, close_reason)"
            " VALUES (?, 2, 'rv', ?, '2020-01-01', '2020-02-01', 'other')",
            [(f"RV-2020-{n:03d}", n) for n in range(25, 0, -1)],
        )
    con.close()
    rows, code, _ = checked(run, "--period", "2020")
    row = next(r for r in rows if r["rule"] == "case-without-assessment")
    assert row["count"] == 25
    assert row["refs"] == [f"RV-2020-{n:03d}" for n in range(1, 21)]
    assert code == 1
    out = run("check", "--period", "2020", "--format", "csv").stdout
    refs = next(r for r in csv.DictReader(io.StringIO(out)) if r["rule"] == row["rule"])["refs"]
    assert refs == ", ".join(row["refs"]) + ", …"
    assert "RV-2020-021" not in refs


# --- exit codes and formats -----------------------------------------------------------------


@pytest.mark.usefixtures("dirty")
@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_failing_rules_exit_1_after_the_listing(run: Run, fmt: str) -> None:
    result = run("check", "--period", "2025H1", "--format", fmt)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {FAILED_2025H1}\n"
    assert "RV-2025-001" in result.stdout


@pytest.mark.usefixtures("dirty")
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_warn_only_exits_0_with_a_warning(run: Run, fmt: str) -> None:
    result = run("check", "--period", "2025H1", "--warn-only", "--format", fmt)
    assert result.exit_code == 0
    assert result.stderr == f"Warning: {FAILED_2025H1}\n"
    assert "RV-2025-001" in result.stdout


@pytest.mark.usefixtures("dirty")
def test_csv_header_and_rows(run: Run) -> None:
    out = run("check", "--period", "2025H1", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == KEYS
    assert [r["rule"] for r in rows] == RULE_IDS
    by_rule = {r["rule"]: r for r in rows}
    assert by_rule["followup-overdue"]["refs"] == "NEET-2024-001, NEET-2024-002"
    assert by_rule["followup-overdue"]["count"] == "2"
    assert by_rule["rv-age"]["level"] == "error"
    assert by_rule["age-exception"]["level"] == "warning"


@pytest.mark.usefixtures("dirty")
def test_table_names_the_scope_and_every_rule(run: Run) -> None:
    out = " ".join(run("check", "--period", "2025H1").stdout.split())
    assert "2025H1" in out and "2025-06-30" in out
    for rule in RULE_IDS:
        assert rule in out


@pytest.mark.usefixtures("clean")
@pytest.mark.parametrize("period", ["2025H3", "2025-13", ".."])
def test_a_malformed_period_is_a_usage_error(run: Run, period: str) -> None:
    result = run("check", "--period", period)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: Invalid value for '--period'")
    assert result.stdout == ""


def test_without_a_database_it_points_to_init(run: Run) -> None:
    result = run("check")
    assert result.exit_code == 4
    assert "rvneet init" in result.stderr


# --- privacy --------------------------------------------------------------------------------


@pytest.mark.usefixtures("dirty")
@pytest.mark.parametrize("args", [("--period", "2025H1"), ()], ids=["2025H1", "today"])
def test_references_only_never_names_or_codes(run: Run, args: tuple[str, ...]) -> None:
    for fmt in ("table", "json", "csv"):
        result = run("check", *args, "--format", fmt)
        text = result.stdout + result.stderr
        assert "Y-0013" in text
        for secret in SECRETS:
            assert secret not in text, (fmt, secret)
