"""Roles as the CLI checks them (issue 18): each role by a representative command of every group,
and what `find` gives a case manager about other case managers' youths.

| staff | login | role |
|---|---|---|
| S-0001 Anna Aru | anna | case-manager: RV-2025-001 (Y-0001) |
| S-0002 Bert Berg | bert | case-manager: RV-2025-002 (Y-0002) |
| S-0003 Cora Cole | cora | coordinator |
| S-0004 Aivo Audit | audi | auditor |
| S-0005 Ada Admin | ada | admin |
| — | tester | no staff record: the file's owner, an admin |

Y-0003 has no case. A refusal is one line naming the role, exit code 1, nothing written (the
`refused` helper compares every row of the book, the audit log included).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import CODE_F_2010, CODE_M_2010, Ok, Run, build_template, refused

CM_A, CM_B, COORD, AUDITOR, ADMIN, OWNER = "anna", "bert", "cora", "audi", "ada", "tester"
USERS = (CM_A, CM_B, COORD, AUDITOR, ADMIN, OWNER)
ADMINS = {ADMIN, OWNER}
MANAGERS = {CM_A, CM_B}
UNTIL = (dt.date.today() + dt.timedelta(days=30)).isoformat()
# What each role's refusal begins with.
PHRASES = {
    CM_A: "a case manager",
    CM_B: "a case manager",
    COORD: "a coordinator sees statistics only",
    AUDITOR: "an auditor reads the audit log only",
}


def build(ok: Ok) -> None:
    ok("init", "--municipality", "Viljandi linn")
    ok("staff", "add", "--name", "Anna Aru", "--user", CM_A)
    ok("staff", "add", "--name", "Bert Berg", "--user", CM_B)
    ok("staff", "add", "--name", "Cora Cole", "--user", COORD, "--role", "coordinator")
    ok("staff", "add", "--name", "Aivo Audit", "--user", AUDITOR, "--role", "auditor")
    ok("staff", "add", "--name", "Ada Admin", "--user", ADMIN, "--role", "admin")
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    ok("youth", "add", "--name", "Jaan Tamm", "--id-code", CODE_M_2010)
    ok("youth", "add", "--name", "Kati Tamm", "--birth-date", "2001-07-14", "--sex", "F")
    rv = ("case", "open", "--model", "rv", "--risk", "high", "--start", "2025-02-03")
    ok(*rv, "--youth", "Y-0001", "--manager", "S-0001")
    ok(*rv, "--youth", "Y-0002", "--manager", "S-0002")
    ok("network", "add", "--name", "Priit Raud", "--role", "police", "--org", "Prefektuur")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory, "roles", build)


# Every test but the last one works on a copy of the template (SQLite); the last builds its own book
# on either engine (`--engine postgresql|both`).
ON_THE_TEMPLATE = pytest.mark.usefixtures("book")

# A representative invocation of every command group (on manager A's case) and who may run it.
COMMANDS: list[tuple[str, tuple[str, ...], set[str]]] = [
    ("case show", ("case", "show", "RV-2025-001"), {CM_A} | ADMINS),
    (
        "case contact",
        ("case", "contact", "RV-2025-001", "--date", "2025-03-01", "--channel", "phone"),
        {CM_A} | ADMINS,
    ),
    (
        "case stage",
        ("case", "stage", "RV-2025-001", "risk-assessment", "--date", "2025-03-02"),
        {CM_A} | ADMINS,
    ),
    (
        "case assess",
        ("case", "assess", "RV-2025-001", "--date", "2025-03-03", "--risk", "medium"),
        {CM_A} | ADMINS,
    ),
    (
        "case goal",
        ("case", "goal", "add", "RV-2025-001", "School", "--date", "2025-03-04"),
        {CM_A} | ADMINS,
    ),
    (
        "case close",
        ("case", "close", "RV-2025-001", "--end", "2025-06-30", "--reason", "goals-met"),
        {CM_A} | ADMINS,
    ),
    (
        "case reassign",
        ("case", "reassign", "RV-2025-001", "--manager", "S-0002", "--date", "2025-03-05"),
        {CM_A} | ADMINS,
    ),
    (
        "case share",
        ("case", "share", "RV-2025-001", "--with", "S-0002", "--until", UNTIL, "--reason", "cover"),
        {CM_A} | ADMINS,
    ),
    (
        "case open",
        (
            "case",
            "open",
            "--youth",
            "Y-0003",
            "--model",
            "neet",
            "--group",
            "neet",
            "--start",
            "2025-06-01",
            "--light",
            "red",
        ),
        MANAGERS | ADMINS,
    ),
    ("case list", ("case", "list"), MANAGERS | ADMINS),
    ("youth show", ("youth", "show", "Y-0001"), {CM_A} | ADMINS),
    ("youth list", ("youth", "list"), MANAGERS | ADMINS),
    (
        "youth add",
        ("youth", "add", "--name", "Uus Noor", "--birth-date", "2005-05-05", "--sex", "F"),
        MANAGERS | ADMINS,
    ),
    ("youth erase", ("youth", "erase", "Y-0003", "--reason", "request", "--yes"), ADMINS),
    ("find", ("find", "maasikas"), MANAGERS | ADMINS),
    ("today", ("today", "--manager", "S-0001"), {CM_A} | ADMINS),
    ("followup due", ("followup", "due"), MANAGERS | ADMINS),
    ("network list", ("network", "list"), MANAGERS | ADMINS),
    ("outreach list", ("outreach", "list"), MANAGERS | ADMINS),
    ("report lisa4", ("report", "lisa4", "--period", "2025H1"), {COORD} | ADMINS),
    ("report neet", ("report", "neet", "--period", "2025"), {COORD} | ADMINS),
    ("report workload", ("report", "workload"), {COORD} | ADMINS),
    ("check", ("check", "--period", "2025H1", "--warn-only"), {COORD} | ADMINS),
    ("agreement list", ("agreement", "list"), {COORD} | ADMINS),
    ("settings", ("settings", "consent-age", "15"), {COORD} | ADMINS),
    ("audit", ("audit",), {AUDITOR} | ADMINS),
    ("audit verify", ("audit", "verify"), {AUDITOR} | ADMINS),
    ("staff list", ("staff", "list"), ADMINS),
    ("staff add", ("staff", "add", "--name", "Uus Töötaja"), ADMINS),
    ("retention", ("retention",), ADMINS),
    ("db check", ("db", "check"), ADMINS),
]


@ON_THE_TEMPLATE
@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize(("name", "args", "allowed"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_each_role_runs_what_it_may_and_is_refused_the_rest(
    run: Run, db_path: Path, user: str, name: str, args: tuple[str, ...], allowed: set[str]
) -> None:
    if user in allowed:
        result = run("--user", user, *args)
        assert result.exit_code == 0, (user, name, result.stdout, result.stderr)
        return
    line = refused(run, db_path, "--user", user, *args)
    assert PHRASES[user] in line, (user, name, line)


@ON_THE_TEMPLATE
def test_export_is_the_admins_only(run: Run, db_path: Path, tmp_path: Path) -> None:
    for user in (CM_A, COORD, AUDITOR):
        refused(run, db_path, "--user", user, "export", str(tmp_path / "out.json"))
        assert not (tmp_path / "out.json").exists()
    assert run("--user", ADMIN, "export", str(tmp_path / "out.json")).exit_code == 0


@ON_THE_TEMPLATE
def test_a_retired_login_is_refused_and_nothing_is_written(ok: Ok, run: Run, db_path: Path) -> None:
    ok("staff", "retire", "S-0002", "--date", "2025-06-30", "--reason", "moved away")
    line = refused(run, db_path, "--user", CM_B, "case", "list")
    assert "retired" in line and "S-0002" in line


@ON_THE_TEMPLATE
def test_find_gives_a_case_manager_only_the_reference_of_another_managers_youth(
    ok: Ok, db_path: Path
) -> None:
    hits = json.loads(ok("--user", CM_A, "find", "tamm", "--format", "json"))
    assert hits == [
        {"kind": "youth", "reference": "Y-0002", "label": "", "matched": "name", "code_end": None,
         "birth_date": None, "erased": False, "open_case_elsewhere": True},
        # Y-0003 has no case: a youth to reach, theirs to see.
        {"kind": "youth", "reference": "Y-0003", "label": "Kati Tamm", "matched": "name",
         "code_end": None, "birth_date": "2001-07-14", "erased": False,
         "open_case_elsewhere": None},
    ]  # fmt: skip
    # By the other manager's case reference: the youth's reference, no case reference.
    by_case = json.loads(ok("--user", CM_A, "find", "RV-2025-002", "--format", "json"))
    assert [(h["kind"], h["reference"], h["label"]) for h in by_case] == [("youth", "Y-0002", "")]
    # By the last 4 digits of the personal code: no name, no digits, no birth date.
    screen = ok("--user", CM_A, "find", CODE_M_2010[-4:])
    assert "Y-0002" in screen and "Tamm" not in screen and CODE_M_2010[-4:] not in screen
    assert "another case manager's: open case" in screen
    # Their own youth in full; the admin sees everyone in full.
    mine = json.loads(ok("--user", CM_A, "find", "maasikas", "--format", "json"))
    assert mine[0]["label"] == "Mari Maasikas" and mine[0]["open_case_elsewhere"] is None
    everyone = json.loads(ok("--user", ADMIN, "find", "tamm", "--format", "json"))
    assert {h["label"] for h in everyone} == {"Jaan Tamm", "Kati Tamm"}


@ON_THE_TEMPLATE
def test_reading_another_managers_youth_further_is_refused(run: Run, db_path: Path) -> None:
    line = refused(run, db_path, "--user", CM_A, "youth", "show", "Y-0002")
    assert "Y-0002 is not one of them" in line
    line = refused(run, db_path, "--user", CM_A, "case", "show", "RV-2025-002")
    assert "RV-2025-002 is not one of them" in line
    line = refused(run, db_path, "--user", CM_A, "youth", "show", CODE_M_2010)
    assert CODE_M_2010 not in line


@ON_THE_TEMPLATE
def test_lists_hold_only_a_case_managers_own(ok: Ok) -> None:
    cases = json.loads(ok("--user", CM_A, "case", "list", "--format", "json"))
    assert [c["case"] for c in cases] == ["RV-2025-001"]
    youths = json.loads(ok("--user", CM_A, "youth", "list", "--format", "json"))
    assert [y["youth"] for y in youths] == ["Y-0001", "Y-0003"]


def test_the_roles_hold_on_either_engine(ok: Ok, run: Run, initialised: Path) -> None:
    # The same rules on PostgreSQL (the database enforces them again with (A)'s roles).
    for name, login, role in (("Anna Aru", CM_A, "case-manager"), ("Bert Berg", CM_B,
                              "case-manager"), ("Cora Cole", COORD, "coordinator"),
                              ("Aivo Audit", AUDITOR, "auditor")):  # fmt: skip
        ok("staff", "add", "--name", name, "--user", login, "--role", role)
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    ok("youth", "add", "--name", "Jaan Tamm", "--id-code", CODE_M_2010)
    rv = ("case", "open", "--model", "rv", "--risk", "high", "--start", "2025-02-03")
    ok(*rv, "--youth", "Y-0001", "--manager", "S-0001")
    ok(*rv, "--youth", "Y-0002", "--manager", "S-0002")
    ok("--user", CM_A, "case", "show", "RV-2025-001")
    for user in (CM_B, COORD, AUDITOR):
        assert PHRASES[user] in refused(run, initialised, "--user", user, "case", "show",
                                        "RV-2025-001")  # fmt: skip
    ok("--user", COORD, "report", "lisa4", "--period", "2025H1")
    refused(run, initialised, "--user", AUDITOR, "report", "lisa4", "--period", "2025H1")
    ok("--user", AUDITOR, "audit", "verify")
    ok("--user", CM_A, "case", "share", "RV-2025-001", "--with", CM_B, "--until", UNTIL,
       "--reason", "cover")  # fmt: skip
    ok("--user", CM_B, "case", "show", "RV-2025-001")
    hits = json.loads(ok("--user", CM_A, "find", "tamm", "--format", "json"))
    assert [(h["reference"], h["label"], h["open_case_elsewhere"]) for h in hits] == [
        ("Y-0002", "", True)
    ]
