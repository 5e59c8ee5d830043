"""`rvneet case stage|contact|needs|assess`: the daily work on a case (issue 3)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import (
    CODE_F_1999_LEAP,
    CODE_M_2010,
    MUNICIPALITY,
    Run,
    build_template,
    events,
    query,
    refused,
    show,
)

Ok = Callable[..., str]

RV = "RV-2025-001"  # Y-0001, born 2007-06-15: 17 at the start, 18 from 2025-06-15
NEET = "NEET-2025-001"  # Y-0002, born 1999-02-28
CLOSED = "RV-2024-001"  # Y-0003, 2024-03-01..2024-09-30
TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()

RV_STAGES = [
    "referral",
    "risk-assessment",
    "network",
    "action-plan",
    "implementation",
    "closing",
    "follow-up",
]
NEET_STAGES = ["contact", "needs-and-goals", "action", "support", "resolution", "follow-up"]


def build_book(ok: Ok) -> None:
    ok("init", "--municipality", MUNICIPALITY)
    ok("youth", "add", "--name", "Mart Tamm", "--birth-date", "2007-06-15", "--sex", "M")
    ok("youth", "add", "--name", "Kati Kask", "--id-code", CODE_F_1999_LEAP)
    ok("youth", "add", "--name", "Jaan Saar", "--id-code", CODE_M_2010)
    rv = ("case", "open", "--model", "rv", "--risk", "high")
    ok(*rv, "--youth", "Y-0001", "--start", "2025-01-10")
    ok(*rv, "--youth", "Y-0003", "--start", "2024-03-01")
    ok("case", "close", CLOSED, "--end", "2024-09-30", "--reason", "goals-met")
    ok(
        "case", "open", "--youth", "Y-0002", "--model", "neet", "--start", "2025-02-01",
        "--light", "yellow", "--group", "neet",
    )  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The book, built once through the CLI for the whole module (each test gets a copy)."""
    return build_template(tmp_path_factory, "casework", build_book)


def listed(ok: Ok, *args: str) -> list[str]:
    return [r["case"] for r in json.loads(ok("case", "list", "--format", "json", *args))]


def stage(ok: Ok, ref: str, name: str, date: str, *more: str) -> str:
    return ok("case", "stage", ref, name, "--date", date, *more)


# --- stages --------------------------------------------------------------------------------------


def test_a_new_case_starts_in_its_models_first_stage(book: Path, ok: Ok) -> None:
    stages = {r["case"]: r["stage"] for r in json.loads(ok("case", "list", "--format", "json"))}
    assert stages == {CLOSED: "follow-up", RV: "referral", NEET: "contact"}
    assert events(ok, RV, "stage") == [("2025-01-10", "stage", "referral")]
    assert events(ok, NEET, "stage") == [("2025-02-01", "stage", "contact")]


@pytest.mark.parametrize(
    ("ref", "names"), [(RV, RV_STAGES), (NEET, NEET_STAGES)], ids=["rv", "neet"]
)
def test_each_model_goes_through_its_own_stages(
    book: Path, ok: Ok, ref: str, names: list[str]
) -> None:
    for day, name in enumerate(names[1:], start=1):
        assert stage(ok, ref, name, f"2025-03-{day:02d}") == name
        assert show(ok, ref)["stage"] == name
    assert [detail for _, _, detail in events(ok, ref, "stage")] == names


@pytest.mark.parametrize(
    ("ref", "other"), [(RV, NEET_STAGES[:-1]), (NEET, RV_STAGES[:-1])], ids=["rv", "neet"]
)
def test_a_stage_of_the_other_model_is_refused(
    book: Path, run: Run, ref: str, other: list[str]
) -> None:
    model = ref.split("-")[0]
    for name in other:
        message = refused(run, book, "case", "stage", ref, name, "--date", "2025-03-03")
        assert f"'{name}' is not a stage of {model}; use one of: " in message


def test_stages_may_repeat_and_go_back(book: Path, ok: Ok) -> None:
    stage(ok, RV, "network", "2025-02-03")
    stage(ok, RV, "action-plan", "2025-02-10")
    stage(ok, RV, "network", "2025-02-10")  # back, on the same day
    stage(ok, RV, "network", "2025-03-01", "--note", "new members")  # the same stage again
    assert show(ok, RV)["stage"] == "network"
    assert events(ok, RV, "stage") == [
        ("2025-01-10", "stage", "referral"),
        ("2025-02-03", "stage", "network"),
        ("2025-02-10", "stage", "action-plan"),
        ("2025-02-10", "stage", "network"),
        ("2025-03-01", "stage", "network"),
    ]
    notes = query(book, "SELECT date, stage, note FROM stage_changes WHERE note IS NOT NULL")
    assert notes == [("2025-03-01", "network", "new members")]


def test_a_stage_on_the_case_start_day_and_a_typed_name_are_accepted(book: Path, ok: Ok) -> None:
    assert stage(ok, "rv-2025-001", " Risk-Assessment ", "2025-01-10") == "risk-assessment"
    assert show(ok, RV)["stage"] == "risk-assessment"


STAGE_REFUSALS = {
    "unknown stage": (1, [RV, "closed", "--date", "2025-03-01"], "'closed' is not a stage of RV"),
    "empty stage": (1, [NEET, " ", "--date", "2025-03-01"], "is not a stage of NEET"),
    "before the case start": (1, [RV, "network", "--date", "2025-01-09"], "the stage change date 2025-01-09 is before the case start 2025-01-10"),
    "after the case end": (1, [CLOSED, "closing", "--date", "2024-10-01"], "the stage change date 2024-10-01 is after the case end 2024-09-30"),
    "a closed case on its last day": (1, [CLOSED, "closing", "--date", "2024-09-30"], f"{CLOSED} is closed (on 2024-09-30); a stage change is not possible"),
    "before the previous change": (1, [RV, "action-plan", "--date", "2025-02-02"], "the stage change 2025-02-02 is before the previous one (network on 2025-02-03)"),
    "in the future": (1, [RV, "action-plan", "--date", TOMORROW], "in the future"),
    "unknown case": (3, ["RV-2025-099", "network", "--date", "2025-03-01"], "no case 'RV-2025-099'"),
    "malformed date": (2, [RV, "network", "--date", "2025-02-30"], "not a date"),
    "no date": (2, [RV, "network"], "--date"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("code", "args", "message"), STAGE_REFUSALS.values(), ids=STAGE_REFUSALS.keys()
)
def test_stage_refused(
    book: Path, ok: Ok, run: Run, code: int, args: list[str], message: str
) -> None:
    stage(ok, RV, "network", "2025-02-03")
    assert message in refused(run, book, "case", "stage", *args, code=code)
    assert show(ok, RV)["stage"] == "network"


def test_show_and_list_print_the_current_stage(book: Path, ok: Ok) -> None:
    stage(ok, RV, "action-plan", "2025-02-03")
    table = ok("case", "show", RV)
    assert "│ Stage " in table and "action-plan" in table
    rows = [line for line in ok("case", "list").splitlines() if RV in line or "Stage" in line]
    assert "Stage" in rows[0]
    assert "action-plan" in rows[1]
    csv_rows = ok("case", "list", "--format", "csv").splitlines()
    assert "stage" in csv_rows[0].split(",")
    column = csv_rows[0].split(",").index("stage")
    assert {r.split(",")[0]: r.split(",")[column] for r in csv_rows[1:]} == {
        CLOSED: "follow-up",
        RV: "action-plan",
        NEET: "contact",
    }


def test_list_filters_by_the_current_stage(book: Path, ok: Ok, run: Run) -> None:
    stage(ok, RV, "network", "2025-02-03")
    assert listed(ok, "--stage", "network") == [RV]
    assert listed(ok, "--stage", "referral") == []  # RV-2025-001 has moved on
    assert listed(ok, "--stage", "contact") == [NEET]
    assert listed(ok, "--stage", "follow-up") == [CLOSED]
    assert listed(ok, "--stage", "follow-up", "--open") == []
    assert listed(ok, "--stage", "network", "--model", "neet") == []
    message = refused(run, book, "case", "list", "--stage", "finished")
    assert "'finished' is not a stage; use one of: referral" in message


def test_closing_moves_the_case_to_follow_up(book: Path, ok: Ok) -> None:
    stage(ok, NEET, "support", "2025-05-02")
    ok("case", "close", NEET, "--end", "2025-06-30", "--reason", "goals-met")
    record = show(ok, NEET)
    assert record["stage"] == "follow-up"
    assert events(ok, NEET, "stage", "closed") == [
        ("2025-02-01", "stage", "contact"),
        ("2025-05-02", "stage", "support"),
        ("2025-06-30", "closed", "goals-met"),
        ("2025-06-30", "stage", "follow-up"),
    ]
    assert listed(ok, "--stage", "follow-up") == [CLOSED, NEET]


# --- contacts ------------------------------------------------------------------------------------


def contact(ok: Ok, ref: str, date: str, channel: str, *more: str) -> str:
    return ok("case", "contact", ref, "--date", date, "--channel", channel, *more)


def test_contacts_by_every_channel_appear_in_the_timeline(book: Path, ok: Ok) -> None:
    for day, channel in enumerate(["email", "sms", "phone", "meeting", "online"], start=3):
        assert contact(ok, NEET, f"2025-02-{day:02d}", channel) == NEET
    assert events(ok, NEET, "contact") == [
        ("2025-02-03", "contact", "email"),
        ("2025-02-04", "contact", "sms"),
        ("2025-02-05", "contact", "phone"),
        ("2025-02-06", "contact", "meeting"),
        ("2025-02-07", "contact", "online"),
    ]


def test_contact_place_roles_and_note_are_kept(book: Path, ok: Ok) -> None:
    contact(
        ok, NEET, "2025-02-10", "meeting", "--place", "noortekeskus", "--with", "youth-worker",
        "--with", "tootukassa", "--with", "youth-worker", "--note", "first meeting",
    )  # fmt: skip
    rows = query(
        book,
        "SELECT date, channel, place, with_roles, network_meeting, note FROM contacts",
    )
    assert rows == [
        ("2025-02-10", "meeting", "noortekeskus", "youth-worker,tootukassa", 0, "first meeting")
    ]
    assert events(ok, NEET, "contact") == [
        ("2025-02-10", "contact", "meeting with youth-worker, tootukassa")
    ]


def test_a_network_meeting_is_a_contact_by_meeting(book: Path, ok: Ok) -> None:
    contact(
        ok, RV, "2025-02-20", "meeting", "--network", "--with", "child-protection",
        "--with", "police", "--place", "vallamaja",
    )  # fmt: skip
    assert events(ok, RV, "contact", "network meeting") == [
        ("2025-02-20", "network meeting", "child-protection, police")
    ]
    assert query(book, "SELECT network_meeting FROM contacts") == [(1,)]


def test_the_first_contact_is_the_earliest_one_whenever_recorded(book: Path, ok: Ok) -> None:
    assert show(ok, NEET)["first_contact"] is None
    assert "First contact" in ok("case", "show", NEET)
    contact(ok, NEET, "2025-03-10", "phone")
    assert show(ok, NEET)["first_contact"] == "2025-03-10"
    contact(ok, NEET, "2025-02-14", "sms")  # found later in the notes, recorded now
    contact(ok, NEET, "2025-04-01", "meeting")
    assert show(ok, NEET)["first_contact"] == "2025-02-14"
    assert "2025-02-14" in ok("case", "show", NEET)
    assert show(ok, RV)["first_contact"] is None  # contacts belong to their own case


def test_a_contact_on_the_first_and_last_day_of_a_case(book: Path, ok: Ok) -> None:
    contact(ok, CLOSED, "2024-03-01", "phone")
    contact(ok, CLOSED, "2024-09-30", "meeting")
    assert show(ok, CLOSED)["first_contact"] == "2024-03-01"


CONTACT_REFUSALS = {
    "network meeting by phone": (1, [RV, "--date", "2025-03-01", "--channel", "phone", "--network"], "a network meeting (--network) needs --channel meeting"),
    "before the case start": (1, [NEET, "--date", "2025-01-31", "--channel", "phone"], "the contact date 2025-01-31 is before the case start 2025-02-01"),
    "after the case end": (1, [CLOSED, "--date", "2024-10-01", "--channel", "phone"], "the contact date 2024-10-01 is after the case end 2024-09-30"),
    "in the future": (1, [NEET, "--date", TOMORROW, "--channel", "phone"], "in the future"),
    "unknown case": (3, ["NEET-2025-099", "--date", "2025-03-01", "--channel", "phone"], "no case"),
    "unknown channel": (2, [NEET, "--date", "2025-03-01", "--channel", "letter"], "--channel"),
    "unknown role": (2, [NEET, "--date", "2025-03-01", "--channel", "meeting", "--with", "teacher"], "--with"),
    "no channel": (2, [NEET, "--date", "2025-03-01"], "--channel"),
    "malformed date": (2, [NEET, "--date", "1.3.25", "--channel", "sms"], "two-digit year"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("code", "args", "message"), CONTACT_REFUSALS.values(), ids=CONTACT_REFUSALS.keys()
)
def test_contact_refused(book: Path, run: Run, code: int, args: list[str], message: str) -> None:
    assert message in refused(run, book, "case", "contact", *args, code=code)


# --- needs and assessments -----------------------------------------------------------------------


def needs(ok: Ok, ref: str, date: str, *more: str) -> str:
    return ok("case", "needs", ref, "--date", date, *more)


def test_needs_with_categories_neet_months_and_motivation(book: Path, ok: Ok) -> None:
    assert needs(
        ok, NEET, "2025-02-10", "--need", "education", "--need", "work", "--need", "education",
        "--neet-months", "8", "--motivation", "3", "--note", "wants to study",
    ) == NEET  # fmt: skip
    assert events(ok, NEET, "needs") == [
        ("2025-02-10", "needs", "education, work; motivation 3/5; NEET 8 months")
    ]
    assert query(book, "SELECT date, neet_months, motivation, note FROM needs_assessments") == [
        ("2025-02-10", 8, 3, "wants to study")
    ]
    assert query(book, "SELECT category FROM needs ORDER BY id") == [("education",), ("work",)]
    assert query(book, "SELECT * FROM welfare_scores") == []


def test_every_need_category_and_the_motivation_bounds(book: Path, ok: Ok) -> None:
    categories = [
        "education", "work", "health", "institutional-care", "risk-behaviour", "life-event",
        "obligations", "other",
    ]  # fmt: skip
    args = [a for c in categories for a in ("--need", c)]
    needs(ok, NEET, "2025-02-10", *args, "--motivation", "1", "--neet-months", "0")
    needs(ok, NEET, "2025-02-11", "--need", "work", "--motivation", "5")
    assert events(ok, NEET, "needs") == [
        ("2025-02-10", "needs", ", ".join(categories) + "; motivation 1/5; NEET 0 months"),
        ("2025-02-11", "needs", "work; motivation 5/5"),
    ]


def test_a_second_assessment_does_not_overwrite_the_first(book: Path, ok: Ok) -> None:
    needs(ok, NEET, "2025-02-10", "--need", "education", "--motivation", "2")
    needs(ok, NEET, "2025-02-10", "--need", "health", "--motivation", "4")  # the same day
    needs(ok, NEET, "2025-05-05", "--need", "work", "--neet-months", "11")
    assert events(ok, NEET, "needs") == [
        ("2025-02-10", "needs", "education; motivation 2/5"),
        ("2025-02-10", "needs", "health; motivation 4/5"),
        ("2025-05-05", "needs", "work; NEET 11 months"),
    ]
    assert len(query(book, "SELECT id FROM needs_assessments")) == 3


def test_welfare_domains_for_a_youth_under_18(book: Path, ok: Ok, run: Run) -> None:
    needs(
        ok, RV, "2025-06-14", "--need", "risk-behaviour", "--domain", "social=2",
        "--domain", " Parenting=5", "--domain", "educational=1",
    )  # fmt: skip
    rows = query(
        book,
        "SELECT n.date, w.domain, w.score FROM welfare_scores w"
        " JOIN needs_assessments n ON n.id = w.assessment_id ORDER BY w.id",
    )
    assert rows == [
        ("2025-06-14", "social", 2),
        ("2025-06-14", "parenting", 5),
        ("2025-06-14", "educational", 1),
    ]
    # Mart turns 18 on 2025-06-15: from that day on the triangle is not used, plain needs are.
    message = refused(
        run, book, "case", "needs", RV, "--date", "2025-06-15", "--need", "work",
        "--domain", "social=3",
    )  # fmt: skip
    assert message == (
        "Error: the child-welfare domains (--domain) are assessed only for youths under 18"
    )
    needs(ok, RV, "2025-06-15", "--need", "work")
    assert len(query(book, "SELECT id FROM needs_assessments")) == 2


NEEDS_REFUSALS = {
    "motivation 0": (1, [RV, "--motivation", "0"], "motivation"),
    "motivation 6": (1, [RV, "--motivation", "6"], "motivation"),
    "motivation not a number": (2, [RV, "--motivation", "high"], "--motivation"),
    "negative NEET months": (1, [RV, "--neet-months", "-1"], "--neet-months"),
    "domain for an adult": (1, [NEET, "--domain", "social=3"], "only for youths under 18"),
    "unknown domain": (1, [RV, "--domain", "sosial=3"], "'sosial' is not a child-welfare domain; use one of: physical,"),
    "domain score 0": (1, [RV, "--domain", "social=0"], "the score of social must be 1–5, not 0"),
    "domain score 6": (1, [RV, "--domain", "health=6"], "the score of health must be 1–5, not 6"),
    "domain score negative": (1, [RV, "--domain", "health=-2"], "the score of health must be 1–5, not -2"),
    "domain without a score": (2, [RV, "--domain", "social"], "'social' is not NAME=SCORE"),
    "domain with an empty score": (2, [RV, "--domain", "social="], "is not NAME=SCORE"),
    "domain score not a number": (2, [RV, "--domain", "social=good"], "is not NAME=SCORE"),
    "unknown need": (2, [RV, "--need", "money"], "--need"),
    "before the case start": (1, [RV, "--date", "2025-01-09"], "the needs assessment date 2025-01-09 is before the case start 2025-01-10"),
    "after the case end": (1, [CLOSED, "--date", "2024-10-01"], "the needs assessment date 2024-10-01 is after the case end 2024-09-30"),
    "in the future": (1, [RV, "--date", TOMORROW], "in the future"),
    "unknown case": (3, ["RV-2025-099"], "no case"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("code", "args", "message"), NEEDS_REFUSALS.values(), ids=NEEDS_REFUSALS.keys()
)
def test_needs_refused(book: Path, run: Run, code: int, args: list[str], message: str) -> None:
    ref, *more = args
    if "--date" not in more:
        more += ["--date", "2025-03-03"]
    if "--need" not in more:
        more += ["--need", "education"]
    assert message in refused(run, book, "case", "needs", ref, *more, code=code)


def test_needs_without_a_need_is_refused(book: Path, run: Run) -> None:
    message = refused(run, book, "case", "needs", NEET, "--date", "2025-03-03", code=1)
    assert message == "Error: give at least one --need, --education, --employment or --wellbeing"


def test_statuses_by_the_case_manager_and_the_youth_side_by_side(book: Path, ok: Ok) -> None:
    """Table 1 row 1: education and employment status, and who assessed, kept side by side."""
    needs(ok, NEET, "2025-02-10", "--need", "work", "--education", "no", "--employment", "no")
    needs(ok, NEET, "2025-02-10", "--by", "youth", "--education", "yes", "--wellbeing", "4")
    out = json.loads(needs(ok, NEET, "2025-02-12", "--by", "noor", "--employment", "jah",
                           "--format", "json"))  # fmt: skip
    assert (out["assessed_by"], out["in_employment"], out["wellbeing"]) == ("youth", True, None)
    assert events(ok, NEET, "needs") == [
        (
            "2025-02-10",
            "needs",
            "work; not in education; not working; assessed by the case manager",
        ),
        ("2025-02-10", "needs", "in education; wellbeing 4/10; the youth's self-assessment"),
        ("2025-02-12", "needs", "working; the youth's self-assessment"),
    ]
    sql = "SELECT date, assessed_by, in_education, in_employment, wellbeing FROM needs_assessments"
    assert query(book, sql + " ORDER BY id") == [
        ("2025-02-10", "case-manager", 0, 0, None),
        ("2025-02-10", "youth", 1, None, 4),
        ("2025-02-12", "youth", None, 1, None),
    ]


STATUS_REFUSALS = {
    "wellbeing 0": (1, ["--wellbeing", "0"], "wellbeing"),
    "wellbeing 11": (1, ["--wellbeing", "11"], "wellbeing"),
    "education maybe": (2, ["--education", "maybe"], "--education"),
    "assessed by the police": (2, ["--by", "police", "--education", "no"], "--by"),
}


@pytest.mark.parametrize(
    ("code", "args", "message"), STATUS_REFUSALS.values(), ids=STATUS_REFUSALS.keys()
)
def test_statuses_refused(book: Path, run: Run, code: int, args: list[str], message: str) -> None:
    date = ["--date", "2025-03-03"]
    assert message in refused(run, book, "case", "needs", NEET, *date, *args, code=code)


def test_an_rv_risk_assessment_records_its_instrument(book: Path, ok: Ok) -> None:
    ok("case", "assess", RV, "--date", "2025-03-01", "--risk", "medium", "--instrument", "YLS/CMI")
    ok("case", "assess", RV, "--date", "2025-06-01", "--risk", "high")
    record = show(ok, RV)
    assert record["level"] == "high"
    assert events(ok, RV, "assessment") == [
        ("2025-01-10", "assessment", "risk high"),
        ("2025-03-01", "assessment", "risk medium (YLS/CMI)"),
        ("2025-06-01", "assessment", "risk high"),
    ]
    sql = (
        "SELECT a.date, a.risk, a.instrument FROM assessments a"
        f" JOIN cases c ON c.id = a.case_id WHERE c.ref = '{RV}' ORDER BY a.id"
    )
    assert query(book, sql) == [
        ("2025-01-10", "high", None),
        ("2025-03-01", "medium", "YLS/CMI"),
        ("2025-06-01", "high", None),
    ]


def test_an_instrument_on_a_neet_assessment_is_refused(book: Path, run: Run) -> None:
    args = ("case", "assess", NEET, "--date", "2025-03-01", "--light", "green")
    message = refused(run, book, *args, "--instrument", "YLS/CMI")
    assert "--instrument is for RV risk assessments" in message


def test_a_neet_case_opens_with_its_starting_statuses(book: Path, ok: Ok) -> None:
    ok(
        "case", "open", "--youth", "Y-0003", "--model", "neet", "--start", "2025-03-01",
        "--light", "green", "--group", "risk", "--education", "yes", "--employment", "no",
        "--wellbeing", "5",
    )  # fmt: skip
    assert events(ok, "NEET-2025-002", "needs") == [
        (
            "2025-03-01",
            "needs",
            "in education; not working; wellbeing 5/10; assessed by the case manager",
        )
    ]


def test_statuses_at_opening_are_refused_for_rv_and_write_nothing(book: Path, run: Run) -> None:
    message = refused(
        run, book, "case", "open", "--youth", "Y-0003", "--model", "rv", "--start", "2025-03-01",
        "--risk", "high", "--education", "yes",
    )  # fmt: skip
    assert message == "Error: --education and --employment at opening are for NEET cases"
    assert query(book, "SELECT ref FROM cases WHERE ref = 'RV-2025-002'") == []
