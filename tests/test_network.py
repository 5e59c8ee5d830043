"""`rvneet network ...` and `rvneet case member ...`: specialists and the cases they take part in."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CODE_F_2010, CODE_M_1995, Run, query, refused

Ok = Callable[..., str]

YOUTH_NAME = "Mari Maasikas"


def add_member(ok: Ok, name: str, role: str, org: str, *extra: str) -> str:
    return ok("network", "add", "--name", name, "--role", role, "--org", org, *extra)


@pytest.fixture
def members(ok: Ok, initialised: Path) -> list[str]:
    """Three members: a core youth worker, a wider-network police officer, a core psychologist."""
    return [
        add_member(
            ok,
            "Kati Kask",
            "youth-worker",
            "Viljandi noortekeskus",
            "--email",
            "kati@example.ee",
            "--phone",
            "+372 5555 0001",
        ),
        add_member(ok, "Peeter Puu", "police", "PPA Lõuna prefektuur", "--wider"),
        add_member(ok, "Liis Lepp", "psychologist", "Viljandi haigla"),
    ]


@pytest.fixture
def rv_case(ok: Ok, initialised: Path, members: list[str]) -> str:
    """An RV case opened 2025-01-10 for a youth whose guardian consented to data sharing."""
    ok("youth", "add", "--name", YOUTH_NAME, "--id-code", CODE_F_2010)
    ok(
        "youth",
        "consent",
        "Y-0001",
        "--date",
        "2025-01-10",
        "--scope",
        "data-sharing",
        "--given-by",
        "guardian",
    )
    return ok(
        "case",
        "open",
        "--youth",
        "Y-0001",
        "--model",
        "rv",
        "--start",
        "2025-01-10",
        "--risk",
        "high",
    )


@pytest.fixture
def neet_case(ok: Ok, initialised: Path, members: list[str]) -> str:
    """A NEET case opened 2024-09-02 for an adult youth with no consent on record."""
    youth = ok("youth", "add", "--name", "Jüri Õunapuu", "--id-code", CODE_M_1995)
    return ok(
        "case",
        "open",
        "--youth",
        youth,
        "--model",
        "neet",
        "--start",
        "2024-09-02",
        "--light",
        "yellow",
        "--group",
        "neet",
    )


# --- network add / list / show / retire ---------------------------------------------------------


def test_add_prints_references_in_order(members: list[str]) -> None:
    assert members == ["M-001", "M-002", "M-003"]


def test_add_json_prints_the_record(ok: Ok, initialised: Path) -> None:
    record = json.loads(
        add_member(ok, "Mati Maasikas", "tootukassa", "Töötukassa", "--wider", "--format", "json")
    )
    assert record == {
        "member": "M-001",
        "name": "Mati Maasikas",
        "role": "tootukassa",
        "org": "Töötukassa",
        "tier": "wider",
        "email": None,
        "phone": None,
        "retired_on": None,
    }


def test_list_filters_and_formats(ok: Ok, members: list[str]) -> None:
    rows = json.loads(ok("network", "list", "--format", "json"))
    # By name, as a person looks for one (Kati, Liis, Peeter): services/network.py list_members.
    assert [(r["member"], r["role"], r["tier"]) for r in rows] == [
        ("M-001", "youth-worker", "core"),
        ("M-003", "psychologist", "core"),
        ("M-002", "police", "wider"),
    ]
    assert rows[0]["email"] == "kati@example.ee" and rows[0]["phone"] == "+372 5555 0001"
    police = json.loads(ok("network", "list", "--role", "police", "--format", "json"))
    assert [r["member"] for r in police] == ["M-002"]
    csv_lines = ok("network", "list", "--format", "csv").splitlines()
    assert csv_lines[0] == "member,name,role,org,tier,email,phone,retired_on"
    assert csv_lines[3] == "M-002,Peeter Puu,police,PPA Lõuna prefektuur,wider,,,"
    table = ok("network", "list")
    assert "Kati Kask" in table and "Viljandi noortekeskus" in table


def test_list_of_nobody(ok: Ok, initialised: Path) -> None:
    assert ok("network", "list") == "Network members: none"
    assert json.loads(ok("network", "list", "--format", "json")) == []


def test_retired_members_are_kept_and_listed_only_with_all(
    ok: Ok, run: Run, initialised: Path, members: list[str]
) -> None:
    result = run("network", "retire", "m-002", "--date", "2025-06-30")
    assert result.exit_code == 0 and result.stdout.strip() == "M-002"
    assert result.stderr == ""  # nothing to hand over
    listed = json.loads(ok("network", "list", "--format", "json"))
    assert [r["member"] for r in listed] == ["M-001", "M-003"]
    everyone = json.loads(ok("network", "list", "--all", "--format", "json"))
    assert [(r["member"], r["retired_on"]) for r in everyone] == [
        ("M-001", None),
        ("M-003", None),
        ("M-002", "2025-06-30"),
    ]
    assert "Retired" in ok("network", "list", "--all")
    assert query(initialised, "SELECT count(*) FROM network_members") == [(3,)]


def test_retiring_warns_about_work_to_hand_over(
    ok: Ok, run: Run, initialised: Path, rv_case: str
) -> None:
    ok("case", "member", "add", rv_case, "M-001", "--date", "2025-01-12")
    ok(
        "case",
        "activity",
        "add",
        rv_case,
        "--member",
        "M-001",
        "--kind",
        "mentoring",
        "--start",
        "2025-01-20",
    )
    result = run("network", "retire", "M-001", "--date", "2025-08-01")
    assert result.exit_code == 0 and result.stdout.strip() == "M-001"
    warnings = result.stderr.strip().splitlines()
    assert warnings == [
        "Warning: M-001 is still a member of RV-2025-001; remove them with: "
        "rvneet case member remove RV-2025-001 M-001 --date ...",
        "Warning: M-001 still provides activity 1 of RV-2025-001",
    ]


def test_show_lists_cases_and_activities_without_the_youth(
    ok: Ok, initialised: Path, rv_case: str
) -> None:
    ok("case", "member", "add", rv_case, "M-001", "--trusted-person", "--date", "2025-01-12")
    ok(
        "case",
        "activity",
        "add",
        rv_case,
        "--member",
        "M-001",
        "--kind",
        "mentoring",
        "--start",
        "2025-01-20",
    )
    record = json.loads(ok("network", "show", "M-001", "--format", "json"))
    assert record["member"] == "M-001" and record["name"] == "Kati Kask"
    assert record["cases"] == [
        {
            "case": "RV-2025-001",
            "model": "rv",
            "added": "2025-01-12",
            "removed": None,
            "trusted_person": True,
        }
    ]
    assert record["activities"] == [
        {
            "case": "RV-2025-001",
            "activity": 1,
            "kind": "mentoring",
            "start": "2025-01-20",
            "status": "ongoing",
            "ended": None,
        }
    ]
    text = ok("network", "show", "M-001")
    assert "Kati Kask" in text and "RV-2025-001" in text and "mentoring" in text
    for output in (text, json.dumps(record, ensure_ascii=False)):
        assert YOUTH_NAME not in output and CODE_F_2010 not in output and "Y-0001" not in output


def test_show_of_a_member_without_work(ok: Ok, members: list[str]) -> None:
    text = ok("network", "show", "M-003")
    assert "Liis Lepp" in text and "No cases." in text and "No support activities." in text


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--name", " ", "--role", "police", "--org", "PPA"], 1, "the name is empty"),
        (
            ["--name", "A B", "--role", "police", "--org", ""],
            1,
            "the organisation (--org) is empty",
        ),
        (["--name", "A B", "--role", "janitor", "--org", "PPA"], 2, "janitor"),
        (["--name", "A B", "--role", "police", "--org", "PPA", "--email", "ab.ee"], 1, "e-mail"),
        (["--name", "A B", "--role", "police", "--org", "PPA", "--phone", "call me"], 1, "phone"),
    ],
)
def test_add_refusals(
    run: Run, initialised: Path, args: list[str], code: int, message: str
) -> None:
    assert message in refused(run, initialised, "network", "add", *args, code=code)


def test_show_and_retire_refusals(ok: Ok, run: Run, initialised: Path, rv_case: str) -> None:
    assert "no network member 'M-009'" in refused(
        run, initialised, "network", "show", "M-009", code=3
    )
    assert "no network member" in refused(
        run, initialised, "network", "retire", "M-009", "--date", "2025-01-01", code=3
    )
    refused(run, initialised, "network", "show", "M-001", "--format", "csv", code=2)
    assert "in the future" in refused(
        run, initialised, "network", "retire", "M-001", "--date", "2099-01-01"
    )
    ok("case", "member", "add", rv_case, "M-001", "--date", "2025-02-01")
    line = refused(run, initialised, "network", "retire", "M-001", "--date", "2025-01-31")
    assert "before M-001's last case work (2025-02-01)" in line
    ok("network", "retire", "M-001", "--date", "2025-09-01")
    assert "already retired on 2025-09-01" in refused(
        run, initialised, "network", "retire", "M-001", "--date", "2025-09-02"
    )


# --- case member add / remove -------------------------------------------------------------------


def test_member_joins_and_leaves_a_case(ok: Ok, initialised: Path, rv_case: str) -> None:
    assert (
        ok("case", "member", "add", rv_case, "m-001", "--trusted-person", "--date", "2025-01-12")
        == "M-001"
    )
    assert ok("case", "member", "add", rv_case, "M-002", "--date", "2025-01-12") == "M-002"
    assert ok("case", "member", "remove", rv_case, "M-002", "--date", "2025-04-01") == "M-002"
    # Removed members may come back; the earlier membership is kept.
    assert ok("case", "member", "add", rv_case, "M-002", "--date", "2025-05-01") == "M-002"
    assert query(
        initialised,
        "SELECT member_id, trusted_person, added_on, removed_on, no_consent_reason"
        " FROM case_members ORDER BY id",
    ) == [
        (1, 1, "2025-01-12", None, None),
        (2, 0, "2025-01-12", "2025-04-01", None),
        (2, 0, "2025-05-01", None, None),
    ]
    timeline = json.loads(ok("case", "show", rv_case, "--format", "json"))["timeline"]
    events = [(e["date"], e["event"], e["detail"]) for e in timeline if "member" in e["event"]]
    assert events == [
        ("2025-01-12", "member added", "M-001 Kati Kask (youth-worker), trusted person"),
        ("2025-01-12", "member added", "M-002 Peeter Puu (police)"),
        ("2025-04-01", "member removed", "M-002 Peeter Puu (police)"),
        ("2025-05-01", "member added", "M-002 Peeter Puu (police)"),
    ]
    for event in timeline:
        assert YOUTH_NAME not in event["detail"]


def test_member_add_date_defaults_to_today(ok: Ok, initialised: Path, rv_case: str) -> None:
    import datetime as dt

    ok("case", "member", "add", rv_case, "M-003")
    assert query(initialised, "SELECT added_on FROM case_members") == [
        (dt.date.today().isoformat(),)
    ]


def test_without_data_sharing_consent_a_reason_is_needed_and_kept(
    ok: Ok, run: Run, initialised: Path, neet_case: str
) -> None:
    line = refused(
        run, initialised, "case", "member", "add", neet_case, "M-001", "--date", "2024-09-10"
    )
    assert "Y-0001 has no data-sharing consent in force on 2024-09-10" in line
    assert "--no-consent-reason" in line
    reason = "youth agreed orally; written consent at the next meeting"
    ok(
        "case",
        "member",
        "add",
        neet_case,
        "M-001",
        "--date",
        "2024-09-10",
        "--no-consent-reason",
        reason,
    )
    assert query(initialised, "SELECT no_consent_reason FROM case_members") == [(reason,)]
    changes = query(
        initialised, "SELECT user, action, changes FROM audit_log WHERE entity = 'case_members'"
    )
    assert len(changes) == 1 and changes[0][:2] == ("tester", "insert")
    # The reason is kept on the case; the audit log records that it was given, not its text.
    assert json.loads(str(changes[0][2]))["no_consent_reason"] == [None, "[redacted]"]
    detail = next(
        e["detail"]
        for e in json.loads(ok("case", "show", neet_case, "--format", "json"))["timeline"]
        if e["event"] == "member added"
    )
    assert detail == f"M-001 Kati Kask (youth-worker); without data-sharing consent: {reason}"


def test_consent_counts_from_its_date_and_until_withdrawn(
    ok: Ok, run: Run, initialised: Path, neet_case: str
) -> None:
    consent = ["youth", "consent", "Y-0001", "--scope", "data-sharing", "--given-by", "youth"]
    ok(*consent, "--date", "2024-09-15")
    ok(*consent, "--date", "2024-12-01", "--withdraw")
    refused(run, initialised, "case", "member", "add", neet_case, "M-001", "--date", "2024-09-14")
    ok("case", "member", "add", neet_case, "M-001", "--date", "2024-09-15")
    refused(run, initialised, "case", "member", "add", neet_case, "M-002", "--date", "2024-12-01")
    line = refused(
        run,
        initialised,
        "case",
        "member",
        "add",
        neet_case,
        "M-002",
        "--date",
        "2024-10-01",
        "--no-consent-reason",
        "not needed",
    )
    assert "--no-consent-reason is only for adding a member without one" in line


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["RV-2025-009", "M-001"], 3, "no case 'RV-2025-009'"),
        (["RV-2025-001", "M-009"], 3, "no network member 'M-009'"),
        (["RV-2025-001", "M-001", "--date", "2025-01-09"], 1, "before the case start 2025-01-10"),
        (["RV-2025-001", "M-001", "--date", "2099-01-01"], 1, "in the future"),
        (["RV-2025-001", "M-001", "--date", "2025-02-30"], 2, "is not a date"),
        (
            ["RV-2025-001", "M-001", "--date", "2025-02-01", "--no-consent-reason", " "],
            1,
            "the reason (--no-consent-reason) is empty",
        ),
    ],
)
def test_member_add_refusals(
    run: Run, initialised: Path, rv_case: str, args: list[str], code: int, message: str
) -> None:
    assert message in refused(run, initialised, "case", "member", "add", *args, code=code)


def test_the_same_member_twice_is_refused(
    ok: Ok, run: Run, initialised: Path, rv_case: str
) -> None:
    ok("case", "member", "add", rv_case, "M-001", "--date", "2025-01-12")
    line = refused(
        run, initialised, "case", "member", "add", rv_case, "M-001", "--date", "2025-02-01"
    )
    assert line == "Error: M-001 is already a member of RV-2025-001"


def test_a_retired_member_cannot_join_a_case(
    ok: Ok, run: Run, initialised: Path, rv_case: str
) -> None:
    ok("network", "retire", "M-002", "--date", "2025-01-05")
    line = refused(
        run, initialised, "case", "member", "add", rv_case, "M-002", "--date", "2025-02-01"
    )
    assert "M-002 retired from the network on 2025-01-05" in line


def test_trusted_person_is_for_rv_and_one_per_case(
    ok: Ok, run: Run, initialised: Path, rv_case: str, neet_case: str
) -> None:
    # neet_case belongs to Y-0002 here (rv_case registered Y-0001 first); give it consent.
    ok(
        "youth",
        "consent",
        "Y-0002",
        "--date",
        "2024-09-02",
        "--scope",
        "data-sharing",
        "--given-by",
        "youth",
    )
    line = refused(
        run,
        initialised,
        "case",
        "member",
        "add",
        neet_case,
        "M-001",
        "--trusted-person",
        "--date",
        "2024-09-10",
    )
    assert "only in RV cases" in line
    ok("case", "member", "add", rv_case, "M-001", "--trusted-person", "--date", "2025-01-12")
    line = refused(
        run,
        initialised,
        "case",
        "member",
        "add",
        rv_case,
        "M-002",
        "--trusted-person",
        "--date",
        "2025-01-12",
    )
    assert "already has a trusted person, M-001" in line
    # Once the trusted person leaves, the youth may choose another.
    ok("case", "member", "remove", rv_case, "M-001", "--date", "2025-03-01")
    ok("case", "member", "add", rv_case, "M-002", "--trusted-person", "--date", "2025-03-01")


def test_member_remove_refusals(ok: Ok, run: Run, initialised: Path, rv_case: str) -> None:
    remove = ["case", "member", "remove", rv_case]
    assert "M-001 is not a member of RV-2025-001" in refused(
        run, initialised, *remove, "M-001", "--date", "2025-02-01"
    )
    ok("case", "member", "add", rv_case, "M-001", "--date", "2025-02-01")
    assert "before M-001 joined RV-2025-001 (2025-02-01)" in refused(
        run, initialised, *remove, "M-001", "--date", "2025-01-31"
    )
    assert "in the future" in refused(run, initialised, *remove, "M-001", "--date", "2099-01-01")
    assert "no network member" in refused(
        run, initialised, *remove, "M-009", "--date", "2025-02-01", code=3
    )
    refused(run, initialised, *remove, "M-001", code=2)  # --date is required
    ok("case", "member", "remove", rv_case, "M-001", "--date", "2025-03-01")
    assert "is not a member" in refused(run, initialised, *remove, "M-001", "--date", "2025-04-01")


def test_a_closed_case_network_is_not_changed(
    ok: Ok, run: Run, initialised: Path, rv_case: str
) -> None:
    ok("case", "member", "add", rv_case, "M-001", "--date", "2025-02-01")
    ok("case", "close", rv_case, "--end", "2025-06-30", "--reason", "goals-met")
    line = refused(
        run, initialised, "case", "member", "add", rv_case, "M-002", "--date", "2025-03-01"
    )
    assert "RV-2025-001 is closed (on 2025-06-30)" in line
    refused(run, initialised, "case", "member", "remove", rv_case, "M-001", "--date", "2025-06-01")
