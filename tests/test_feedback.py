"""360° feedback among network members (issue 17, Table 1 row 4): `feedback add/list`, `report
feedback`, and the roles network-lead and youth-case-manager. Checked against a hand-computed book."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Ok, Run, build_template, query, refused
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NAMES = ["Kati Kask", "Peeter Puu", "Mari Mets", "Liis Lepp", "Jaan Jõgi", "Tiit Tamm"]
ROLES = ["youth-worker", "police", "social-worker", "network-lead", "youth-case-manager"]

# The book's scores: (period, from, about or role, aspect or None, score).
SCORES = [
    ("2025", "M-001", "M-004", None, 4),  # network-lead
    ("2025", "M-002", "M-004", None, 5),
    ("2025", "M-003", "network-lead", "planning", 3),
    ("2025", "M-005", "network-lead", "planning", 2),
    ("2025", "M-001", "M-005", None, 2),  # youth-case-manager: 2 raters
    ("2025", "M-002", "M-005", "information-flow", 4),
    ("2025", "M-003", "M-002", None, 3),  # police
    ("2025", "M-004", "M-002", None, 4),
    ("2025", "M-005", "M-002", "keeping-agreements", 5),
    ("2025H1", "M-001", "M-002", None, 2),  # a period inside 2025 counts in it
    ("2024", "M-001", "M-004", None, 1),  # outside 2025
]


def _build(ok: Callable[..., str]) -> None:
    ok("init", "--municipality", "Viljandi linn")
    for name, role in zip(NAMES, ROLES, strict=False):
        ok("network", "add", "--name", name, "--role", role, "--org", "Viljandi")
    ok("network", "add", "--name", NAMES[5], "--role", "police", "--org", "Viljandi")
    ok("network", "retire", "M-006", "--date", "2024-12-31")
    for period, rater, about, aspect, score in SCORES:
        target = ["--about", about] if about.startswith("M-") else ["--about-role", about]
        extra = ["--aspect", aspect] if aspect else []
        ok("feedback", "add", "--period", period, "--from", rater, *target, *extra,
           "--score", str(score))  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory, "feedback", _build)


def _report(ok: Ok, *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        ok("report", "feedback", "--period", "2025", "-f", "json", *args)
    )
    return data


def _rows(data: dict[str, Any]) -> dict[tuple[str, str], tuple[Any, Any, Any]]:
    return {(r["by"], r["rated"]): (r["raters"], r["scores"], r["mean"]) for r in data["means"]}


def test_the_roles_include_the_network_lead_and_the_youth_case_manager(
    initialised: Path, ok: Ok
) -> None:
    ok("network", "add", "--name", "A B", "--role", "koostöövõrgustiku-eestvedaja", "--org", "X")
    ok("network", "add", "--name", "C D", "--role", "noorte juhtumikorraldaja", "--org", "X")
    roles = [m["role"] for m in json.loads(ok("network", "list", "--format", "json"))]
    assert roles == ["network-lead", "youth-case-manager"]
    assert "noorte juhtumikorraldaja" in ok("--lang", "et", "network", "list")


def test_the_report_gives_hand_computed_means_with_every_row_shown_below_1(
    book: Path, ok: Ok
) -> None:
    data = _report(ok, "--suppress-below", "1")
    assert data["summary"] == {"raters": 5, "scores": 10}
    assert "suppression" not in data
    assert _rows(data) == {
        ("role", "police"): (4, 4, 3.5),  # 3 + 4 + 5 + 2 (2025H1)
        ("role", "network-lead"): (4, 4, 3.5),  # 4 + 5 + 3 + 2
        ("role", "youth-case-manager"): (2, 2, 3.0),
        ("aspect", "overall"): (4, 6, 3.33),  # 4 + 5 + 2 + 3 + 4 + 2 = 20 / 6
        ("aspect", "planning"): (2, 2, 2.5),
        ("aspect", "information-flow"): (1, 1, 4.0),
        ("aspect", "keeping-agreements"): (1, 1, 5.0),
    }


def test_by_default_a_role_with_2_raters_is_hidden_and_so_is_the_row_that_gives_it_away(
    book: Path, ok: Ok
) -> None:
    data = _report(ok)
    assert data["suppression"] == {"below": 3, "method": "raters"}
    assert _rows(data) == {
        # The youth case manager's 2 raters are hidden; with 3 roles, one more is hidden (the first
        # with the fewest raters), or the two shown ones would give its mean away.
        ("role", "police"): ("x", None, None),
        ("role", "network-lead"): (4, 4, 3.5),
        ("role", "youth-case-manager"): ("<3", None, None),
        ("aspect", "overall"): (4, 6, 3.33),
        # 2, 1 and 1 raters: hidden, 3 members between them, so the overall mean gives nothing away.
        ("aspect", "planning"): ("<3", None, None),
        ("aspect", "information-flow"): ("<3", None, None),
        ("aspect", "keeping-agreements"): ("<3", None, None),
    }


def test_the_report_names_no_one_in_any_format(book: Path, ok: Ok, tmp_path: Path) -> None:
    outputs = [
        ok("report", "feedback", "--period", "2025"),
        ok("report", "feedback", "--period", "2025", "-f", "json"),
        ok("report", "feedback", "--period", "2025", "-f", "csv"),
        ok("--lang", "et", "report", "feedback", "--period", "2025", "-f", "html"),
    ]
    ok("report", "feedback", "--period", "2025", "-f", "xlsx", "--output", str(tmp_path / "f.xlsx"))
    assert (tmp_path / "f.xlsx").stat().st_size > 0
    for text in outputs:
        assert not any(name in text for name in NAMES)
        assert "M-00" not in text
    assert outputs[2].splitlines()[0] == "by,rated,raters,scores,mean"
    assert "koostöövõrgustiku eestvedaja" in outputs[3]


def test_the_listing_gives_references_only_and_filters_by_period(book: Path, ok: Ok) -> None:
    rows = json.loads(ok("feedback", "list", "--period", "2025", "--format", "json"))
    assert len(rows) == 10
    assert rows[0] == {
        "feedback": "FB-0001",
        "period": "2025",
        "from": "M-001",
        "about": "M-004",
        "about_role": "network-lead",
        "aspect": None,
        "score": 4,
        "recorded_on": rows[0]["recorded_on"],
    }
    assert len(json.loads(ok("feedback", "list", "--format", "json"))) == 11
    table = ok("feedback", "list")
    assert not any(name in table for name in NAMES)
    assert ok("feedback", "list", "--format", "csv").splitlines()[0] == (
        "feedback,period,from,about,about_role,aspect,score,recorded_on"
    )


def test_a_score_is_recorded_in_the_audit_log_and_takes_estonian_values(book: Path, ok: Ok) -> None:
    ref = ok("--lang", "et", "feedback", "add", "--period", "2026", "--from", "m3",
             "--about-role", "koostöövõrgustiku-eestvedaja", "--aspect", "info liikumine",
             "--score", "4")  # fmt: skip
    assert ref == "FB-0012"
    row = json.loads(ok("feedback", "list", "--period", "2026", "--format", "json"))[0]
    assert (row["from"], row["about_role"], row["aspect"]) == (
        "M-003",
        "network-lead",
        "information-flow",
    )
    assert query(book, "SELECT action FROM audit_log WHERE entity = 'feedback'")[-1] == ("insert",)
    assert "intact" in ok("audit", "verify")


@pytest.mark.parametrize(
    ("args", "says", "code"),
    [
        (["--from", "M-002", "--about", "M-002"], "cannot rate themself", 1),
        (["--from", "M-009", "--about", "M-002"], "no network member", 3),
        (["--from", "M-006", "--about", "M-002"], "retired from the network on 2024-12-31", 1),
        (["--from", "M-002", "--about", "M-006"], "retired from the network", 1),
        (["--from", "M-002", "--about", "M-003", "--score", "6"], "must be 1 to 5", 1),
        (["--from", "M-002", "--about", "M-003", "--score", "0"], "must be 1 to 5", 1),
        (["--from", "M-002", "--about", "M-003", "--period", "2025H3"], "invalid period", 1),
        (["--from", "M-002", "--about", "M-003", "--about-role", "police"], "not both", 1),
        (["--from", "M-002"], "either --about", 1),
        (["--from", "M-001", "--about", "M-004"], "already gave this score for 2025: FB-0001", 1),
    ],
)
def test_refusals_write_nothing(
    book: Path, run: Run, args: list[str], says: str, code: int
) -> None:
    defaults = [o for o in (["--period", "2025"], ["--score", "3"]) if o[0] not in args]
    extra = [word for option in defaults for word in option]
    assert says in refused(run, book, "feedback", "add", *args, *extra, code=code)


def test_a_member_retired_during_the_period_can_still_rate_it(book: Path, ok: Ok) -> None:
    ok("network", "retire", "M-005", "--date", "2025-11-30")
    assert ok("feedback", "add", "--period", "2025", "--from", "M-005", "--about", "M-001",
              "--score", "5") == "FB-0012"  # fmt: skip


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(score=st.integers(min_value=-1000, max_value=1000).filter(lambda s: not 1 <= s <= 5))
def test_any_score_outside_1_to_5_is_refused(book: Path, run: Run, score: int) -> None:
    message = refused(run, book, "feedback", "add", "--period", "2026", "--from", "M-001",
                      "--about", "M-002", "--score", str(score))  # fmt: skip
    assert f"must be 1 to 5, not {score}" in message


@pytest.mark.parametrize("typed", ["M-3", "m3", " M - 003 ", "M-003"])
def test_a_member_reference_may_drop_its_zeros(book: Path, ok: Ok, typed: str) -> None:
    record = json.loads(ok("feedback", "add", "--period", "2026", "--from", typed,
                           "--about", "M-1", "--score", "4", "--format", "json"))  # fmt: skip
    assert (record["from"], record["about"], record["about_role"]) == (
        "M-003",
        "M-001",
        "youth-worker",
    )


def test_refusals_speak_estonian(book: Path, run: Run) -> None:
    result = run("--lang", "et", "feedback", "add", "--period", "2025", "--from", "M-002",
                 "--about", "M-002", "--score", "3")  # fmt: skip
    assert result.exit_code == 1
    assert (
        result.stderr.strip() == "Viga: M-002 ei saa hinnata iseennast; tagasiside on teiste kohta"
    )
