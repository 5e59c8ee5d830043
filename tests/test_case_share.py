"""`rvneet case share`: a case manager shares a case with another until a date, and ends it.

| staff | login | role |
|---|---|---|
| S-0001 Anna Aru | anna | case-manager, manages RV-2025-001 |
| S-0002 Bert Berg | bert | case-manager, manages RV-2025-002 |
| S-0003 Cora Cole | cora | coordinator |
| S-0004 Olev Vana | olev | case-manager, retired |
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import (
    CODE_F_2010,
    CODE_M_2010,
    Ok,
    Run,
    audit_log,
    build_template,
    recorded,
    refused,
)

TODAY = dt.date.today()
UNTIL = (TODAY + dt.timedelta(days=30)).isoformat()
# Free text that rich would read as markup and a terminal as an escape: shown as typed.
REASON = "holiday [red]cover[/red] \x1b[2J"


def build(ok: Ok) -> None:
    ok("init", "--municipality", "Viljandi linn")
    ok("staff", "add", "--name", "Anna Aru", "--user", "anna")
    ok("staff", "add", "--name", "Bert Berg", "--user", "bert")
    ok("staff", "add", "--name", "Cora Cole", "--user", "cora", "--role", "coordinator")
    ok("staff", "add", "--name", "Olev Vana", "--user", "olev")
    ok("staff", "retire", "S-0004", "--date", "2025-01-31", "--reason", "moved away")
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    ok("youth", "add", "--name", "Jaan Tamm", "--id-code", CODE_M_2010)
    rv = ("case", "open", "--model", "rv", "--risk", "high", "--start", "2025-02-03")
    ok(*rv, "--youth", "Y-0001", "--manager", "S-0001")
    ok(*rv, "--youth", "Y-0002", "--manager", "S-0002")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory, "share", build)


pytestmark = pytest.mark.usefixtures("book")


def share(ok: Ok, user: str = "anna", until: str = UNTIL, reason: str = REASON) -> str:
    return ok("--user", user, "case", "share", "RV-2025-001", "--with", "S-0002",
              "--until", until, "--reason", reason)  # fmt: skip


def test_a_shared_case_is_read_and_changed_by_the_other_until_the_share_ends(
    ok: Ok, run: Run, db_path: Path
) -> None:
    line = refused(run, db_path, "--user", "bert", "case", "show", "RV-2025-001")
    assert "RV-2025-001 is not one of them" in line
    assert share(ok) == f"RV-2025-001 is shared with S-0002 until {UNTIL}"
    record = json.loads(ok("--user", "bert", "case", "show", "RV-2025-001", "--format", "json"))
    assert record["shares"] == [
        {"staff": "S-0002", "name": "Bert Berg", "shared_on": TODAY.isoformat(), "until": UNTIL,
         "ended_on": None, "active": True, "reason": REASON}
    ]  # fmt: skip
    shared = [e for e in record["timeline"] if e["event"] == "shared"]
    assert shared == [
        {"date": TODAY.isoformat(), "event": "shared",
         "detail": f"with S-0002 Bert Berg until {UNTIL}: {REASON}"}
    ]  # fmt: skip
    ok("--user", "bert", "case", "contact", "RV-2025-001", "--date", "2025-03-01",
       "--channel", "phone")  # fmt: skip
    mine = json.loads(ok("--user", "bert", "case", "list", "--mine", "--format", "json"))
    assert [(c["case"], c["shared_until"]) for c in mine] == [
        ("RV-2025-001", UNTIL),
        ("RV-2025-002", None),
    ]
    assert "(shared with me until" in ok("--user", "bert", "case", "list", "--mine")

    assert ok("--user", "anna", "case", "share", "RV-2025-001", "--end", "--with", "bert") == (
        "RV-2025-001 is no longer shared with S-0002"
    )
    refused(run, db_path, "--user", "bert", "case", "show", "RV-2025-001")
    record = json.loads(ok("--user", "anna", "case", "show", "RV-2025-001", "--format", "json"))
    assert record["shares"][0]["ended_on"] == TODAY.isoformat()
    assert [e["detail"] for e in record["timeline"] if e["event"] == "share ended"] == [
        "S-0002 Bert Berg"
    ]
    assert [c["case"] for c in json.loads(ok("--user", "bert", "case", "list", "--mine",
                                             "--format", "json"))] == ["RV-2025-002"]  # fmt: skip


def test_the_reason_is_shown_as_typed_and_the_audit_log_hides_it(ok: Ok, db_path: Path) -> None:
    share(ok)
    screen = ok("--user", "anna", "case", "show", "RV-2025-001")
    assert "[red]cover[/red]" in " ".join(screen.split())
    assert "\x1b" not in screen
    entries = [e for e in audit_log(db_path) if e["entity"] == "case_shares"]
    assert [(e["user"], e["action"], e["entity_ref"]) for e in entries] == [
        (recorded("anna", db_path), "insert", "RV-2025-001")
    ]
    assert "holiday" not in entries[0]["changes"]
    ok("audit", "verify")


A_YEAR_AHEAD = (TODAY + dt.timedelta(days=367)).isoformat()
YESTERDAY = (TODAY - dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("user", "args", "message"),
    [
        ("bert", ("--with", "S-0002"), "RV-2025-001 is not one of them"),
        ("cora", ("--with", "S-0002"), "a coordinator sees statistics only"),
        ("anna", ("--with", "S-0003"), "only with an active case manager"),
        ("anna", ("--with", "S-0004"), "only with an active case manager"),
        ("anna", ("--with", "S-0001"), "manages RV-2025-001"),
        ("anna", ("--with", "S-0002", "--until", YESTERDAY), "--until is in the past"),
        ("anna", ("--with", "S-0002", "--until", A_YEAR_AHEAD), "more than a year ahead"),
        ("anna", ("--with", "S-0002", "--reason", "  "), "the reason is empty"),
        ("olev", ("--with", "S-0002"), "retired"),
    ],
)
def test_share_refusals_write_nothing(
    run: Run, db_path: Path, user: str, args: tuple[str, ...], message: str
) -> None:
    given = dict(zip(args[::2], args[1::2], strict=True))
    full = {"--until": UNTIL, "--reason": "cover", **given}
    options = [part for item in full.items() for part in item]
    line = refused(run, db_path, "--user", user, "case", "share", "RV-2025-001", *options)
    assert message in line


def test_a_second_share_and_ending_none_are_refused(ok: Ok, run: Run, db_path: Path) -> None:
    share(ok)
    line = refused(run, db_path, "--user", "anna", "case", "share", "RV-2025-001",
                   "--with", "bert", "--until", UNTIL, "--reason", "again")  # fmt: skip
    assert "already shared with S-0002" in line
    # Bert reads it now, but only its manager (or an admin) shares it on or ends the share.
    line = refused(run, db_path, "--user", "bert", "case", "share", "RV-2025-001", "--end",
                   "--with", "S-0002")  # fmt: skip
    assert "only the manager of RV-2025-001 or an admin" in line
    line = refused(run, db_path, "--user", "anna", "case", "share", "RV-2025-002", "--end",
                   "--with", "S-0002")  # fmt: skip
    assert "not one of them" in line
    refused(run, db_path, "case", "share", "RV-2025-002", "--end", "--with", "S-0001")
    refused(run, db_path, "case", "share", "RV-2025-001", "--with", "S-0002", code=2)
