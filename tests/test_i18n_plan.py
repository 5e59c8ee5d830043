"""Issue 8 for the case plan, support requests, follow-ups and the input checks: Estonian text.

`case goal|activity|plan`, `case support-request|support-answer`, `followup due|record` and the
validators of domain/inputs.py speak the user's language; JSON and CSV stay as they were.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CODE_F_1999_LEAP, CODE_F_2010, Run, dump
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field, ValidationError
from typer.testing import CliRunner

from rvneet.cli import app
from rvneet.domain.errors import InvalidInput
from rvneet.domain.inputs import NewNeeds
from rvneet.i18n import use_language
from rvneet.services.validation import describe, validated

Ok = Callable[..., str]

RV = "RV-2025-001"
NEET = "NEET-2025-001"


def _build(ok: Ok) -> None:
    """An RV case with a plan (a goal done, one dropped, one open; an activity ended, one
    ongoing), an answered support request, and a closed NEET case whose follow-up is due."""
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
    ok("youth", "add", "--name", "Liis Lepik", "--id-code", CODE_F_1999_LEAP)
    for youth in ("Y-0001", "Y-0002"):
        for scope in ("participation", "data-sharing"):
            ok(
                "youth",
                "consent",
                youth,
                "--date",
                "2025-01-02",
                "--scope",
                scope,
                "--given-by",
                "youth",
            )
    ok("network", "add", "--name", "Kati Kask", "--role", "youth-worker", "--org", "Noortekeskus")
    ok(
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
    ok(
        "case",
        "open",
        "--youth",
        "Y-0002",
        "--model",
        "neet",
        "--group",
        "neet",
        "--start",
        "2025-01-20",
        "--light",
        "red",
    )
    ok("case", "goal", "add", RV, "Attend school", "--date", "2025-02-01", "--due", "2025-06-13")
    ok("case", "goal", "add", RV, "Find a job", "--date", "2025-02-01")
    ok("case", "goal", "add", RV, "Keep going", "--date", "2025-02-01")
    ok("case", "goal", "done", RV, "1", "--date", "2025-06-01")
    ok("case", "goal", "drop", RV, "2", "--date", "2025-06-02", "--reason", "moved on")
    ok(
        "case",
        "activity",
        "add",
        RV,
        "--member",
        "M-001",
        "--kind",
        "club",
        "--start",
        "2025-03-10",
    )
    ok(
        "case",
        "activity",
        "add",
        RV,
        "--member",
        "M-001",
        "--kind",
        "camp",
        "--start",
        "2025-03-10",
        "--end",
        "2025-12-01",
    )
    ok("case", "activity", "end", RV, "1", "--date", "2025-04-28", "--status", "completed")
    ok("case", "support-request", RV, "--date", "2025-03-12", "--kind", "implementation")
    ok("case", "support-answer", RV, "1", "--date", "2025-03-20", "--granted")
    ok("case", "close", NEET, "--end", "2025-10-31", "--reason", "goals-met")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Path:
    """The data of `_build`, entered once on a copy of the initialised database (no migrations)."""
    path = tmp_path_factory.mktemp("i18n-plan") / "rvneet.db"
    shutil.copyfile(template_db, path)
    runner = CliRunner()

    def ok(*args: str) -> str:
        result = runner.invoke(app, ["--db", str(path), "--user", "tester", *args])
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result.stdout.strip()

    _build(ok)
    return path


def et(run: Run, *args: str) -> tuple[int, str, str]:
    result = run("--lang", "et", *args)
    return result.exit_code, result.stdout, result.stderr


def test_case_plan_table_in_estonian(run: Run, book: Path) -> None:
    code, out, err = et(run, "case", "plan", RV)
    assert code == 0, err
    # Breaks if cli/plan.py's titles, headers or "Goals met" line lose _()/N_().
    for text in (
        "Juhtumi RV-2025-001 eesmärgid",
        "Tugitegevused",
        "Eesmärk",
        "Tähtaeg",
        "Seis",
        "Tugitegevuse pakkuja",
        "Algus",
        "Hinnang",
        "Eesmärke saavutatud: 1/2 (loobutud 1",
    ):
        assert text in out, (text, out)
    # Breaks if _state/_activity_state stop showing states, roles and dates in Estonian.
    for text in (
        "saavutatud 01.06.2025",
        "loobutud 02.06.2025",
        "avatud",
        "lõpetatud 28.04.2025",
        "käib, kuni 01.12.2025",
        "noorsootöötaja",
        "13.06.2025",
    ):
        assert text in out, (text, out)
    for english in (
        "Goals of",
        "Support activities",
        "Goals met",
        "State",
        "Provider",
        "Rating",
        "done",
        "dropped",
        "ongoing",
        "completed",
        "until",
        "youth-worker",
    ):
        assert english not in out, (english, out)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", out), out  # dates as 31.12.2025


def test_case_plan_in_english_by_default(ok: Ok, book: Path) -> None:
    out = ok("case", "plan", RV)
    # Breaks if the English texts change while marking them (the msgids are the English output).
    for text in (
        "Goals of RV-2025-001",
        "Support activities",
        "done 2025-06-01",
        "dropped 2025-06-02",
        "ongoing, until 2025-12-01",
        "youth-worker",
        "Goals met: 1 of 2 (1 dropped, not counted)",
    ):
        assert text in out, (text, out)


def test_plan_json_and_followup_csv_do_not_change_with_the_language(run: Run, book: Path) -> None:
    # Breaks if an Estonian form leaks into machine output (shown values belong in tables only).
    for args in (
        ("case", "plan", RV, "--format", "json"),
        ("followup", "due", "--as-of", "2026-11-23", "--format", "csv"),
        ("followup", "due", "--as-of", "2026-11-23", "--format", "json"),
    ):
        english, estonian = run(*args), run("--lang", "et", *args)
        assert english.exit_code == estonian.exit_code == 0
        assert english.stdout == estonian.stdout
    assert (
        json.loads(run("--lang", "et", "case", "plan", RV, "--format", "json").stdout)["goals"][0][
            "state"
        ]
        == "done"
    )


def test_empty_plan_in_estonian(run: Run, book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RVNEET_LANG", "et")
    result = run("case", "plan", NEET)
    assert result.exit_code == 0, result.stderr
    # Breaks if "No goals yet." / "No support activities yet." / "Goals met" are not translated.
    assert "Eesmärke veel pole." in result.stdout
    assert "Tugitegevusi veel pole." in result.stdout
    assert "Eesmärke saavutatud: 0/0" in result.stdout
    assert "yet" not in result.stdout and "Goals" not in result.stdout


def test_followup_due_in_estonian(run: Run, book: Path) -> None:
    code, out, err = et(run, "followup", "due", "--as-of", "2026-11-23")
    assert code == 0, err
    # Breaks if DUE_COLUMNS or the title lose N_().
    for text in (
        "Järelkontaktid, mille tähtaeg on käes",
        "Juhtum",
        "Noor",
        "Mudel",
        "Juhtumikorraldaja",
        "Lõpetatud",
        "Tähtaeg",
        "Hilinenud päevi",
        "31.10.2025",
        "30.04.2026",
        "207",
    ):
        assert text in out, (text, out)
    for english in ("Follow-ups due", "Case", "Youth", "Closed", "Due", "overdue"):
        assert english not in out, (english, out)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", out), out
    assert (
        et(run, "followup", "record", NEET, "--date", "2026-11-23", "--reached", "jah")[1].strip()
        == NEET
    )


def test_support_answer_word_in_the_users_language(run: Run, book: Path) -> None:
    # Breaks if cli/support.py prints the stored value instead of shown(SupportAnswer(...)).
    code, out, err = et(
        run, "case", "support-request", RV, "--date", "2025-04-01", "--kind", "rakendustugi"
    )
    assert (code, out.strip()) == (0, "2"), err
    assert (
        et(run, "case", "support-answer", RV, "2", "--date", "2025-04-02", "--refused")[1]
        == "keeldutud\n"
    )
    result = run("case", "support-request", RV, "--date", "2025-04-03", "--kind", "implementation")
    assert (
        run("case", "support-answer", RV, "3", "--date", "2025-04-04", "--granted").stdout
        == "granted\n"
    )
    assert result.exit_code == 0


# (arguments, Estonian text of the one error line, exit code)
ERRORS = [
    (
        ("case", "goal", "done", RV, "1", "--date", "2025-06-05"),
        "juhtumi RV-2025-001 eesmärk 1 on juba saavutatud (01.06.2025)",
        1,
    ),
    (
        ("case", "goal", "done", RV, "9", "--date", "2025-06-05"),
        "juhtumil RV-2025-001 pole eesmärki 9",
        3,
    ),
    (
        ("case", "goal", "add", RV, "x", "--date", "2025-03-06", "--due", "2025-01-01"),
        "tähtaeg 01.01.2025 on enne eesmärgi kokkuleppimise päeva (06.03.2025)",
        1,
    ),
    (("case", "goal", "add", RV, " ", "--date", "2025-03-06"), "eesmärgi tekst on tühi", 1),
    (
        ("case", "goal", "add", RV, "x", "--date", "2099-03-06"),
        "eesmärgi kuupäev 06.03.2099 on tulevikus",
        1,
    ),
    (
        ("case", "goal", "done", RV, "3", "--date", "2025-01-20"),
        "kuupäev 20.01.2025 on enne eesmärgi kokkuleppimist (01.02.2025)",
        1,
    ),
    (
        ("case", "goal", "drop", RV, "3", "--date", "2025-06-02", "--reason", ""),
        "eesmärgist loobumise põhjus (--reason) on tühi",
        1,
    ),
    (
        (
            "case",
            "activity",
            "add",
            RV,
            "--member",
            "M-001",
            "--kind",
            "x",
            "--start",
            "2025-03-10",
            "--end",
            "2025-01-01",
        ),
        "kavandatud lõpp 01.01.2025 on enne algust 10.03.2025",
        1,
    ),
    (
        ("case", "activity", "end", RV, "1", "--date", "2025-05-01", "--status", "completed"),
        "juhtumi RV-2025-001 tugitegevus 1 on juba lõppenud (lõpetatud, 28.04.2025)",
        1,
    ),
    (
        ("case", "activity", "end", RV, "2", "--date", "2025-03-01", "--status", "completed"),
        "lõppkuupäev 01.03.2025 on enne tugitegevuse algust (10.03.2025)",
        1,
    ),
    (
        ("case", "activity", "end", RV, "2", "--date", "2025-05-01", "--status", "käib"),
        "tegevuse lõpus on see lõpetatud, katkestatud või ei sobinud",
        1,
    ),
    (
        (
            "case",
            "activity",
            "end",
            RV,
            "2",
            "--date",
            "2025-05-01",
            "--status",
            "completed",
            "--satisfaction",
            "7",
        ),
        "rahulolu peab olema 1–5, mitte 7",
        1,
    ),
    (
        ("case", "activity", "end", RV, "7", "--date", "2025-05-01", "--status", "completed"),
        "juhtumil RV-2025-001 pole tugitegevust 7",
        3,
    ),
    (
        ("case", "plan", RV, "--format", "csv"),
        "case plan näitab ainult vormingus table või json",
        2,
    ),
    (
        ("case", "support-request", NEET, "--date", "2025-03-12", "--kind", "implementation"),
        "NEET-2025-001 on NEET-juhtum; SKA-le saab taotlusi esitada ainult RV-juhtumite kohta",
        1,
    ),
    (
        ("case", "support-request", RV, "--date", "2025-03-12", "--kind", "process-management"),
        "protsessijuhtimise toe taotlus vajab kirjalikku põhjendust (--justification TEXT; lepingu p 3.5)",
        1,
    ),
    (
        ("case", "support-answer", RV, "1", "--date", "2025-03-25", "--granted"),
        "juhtumi RV-2025-001 taotlusele 1 on SKA juba vastanud (rahuldatud 20.03.2025)",
        1,
    ),
    (
        ("case", "support-answer", RV, "1", "--date", "2025-03-25", "--granted", "--refused"),
        "anna täpselt üks valikutest --granted ja --refused",
        2,
    ),
    (
        ("case", "support-answer", RV, "9", "--date", "2025-03-25", "--granted"),
        "juhtumil RV-2025-001 pole SKA-le esitatud taotlust 9",
        3,
    ),
    (
        ("case", "needs", RV, "--date", "2025-01-28", "--need", "work", "--motivation", "9"),
        "--motivation: peab olema kõige rohkem 5",
        1,
    ),
    (
        ("case", "needs", RV, "--date", "2025-01-28", "--need", "work", "--neet-months", "-1"),
        "--neet-months: peab olema vähemalt 0",
        1,
    ),
    (
        ("case", "needs", RV, "--date", "2025-01-28", "--need", "work", "--domain", "social=7"),
        "valdkonna sotsiaalne hinne peab olema 1–5, mitte 7",
        1,
    ),
    (
        ("case", "contact", RV, "--date", "2025-02-27", "--channel", "phone", "--network"),
        "võrgustikukohtumine (--network) vajab --channel kohtumine",
        1,
    ),
    (
        (
            "case",
            "close",
            RV,
            "--end",
            "2025-10-31",
            "--reason",
            "goals-met",
            "--wellbeing-start",
            "11",
        ),
        "--wellbeing-start: peab olema kõige rohkem 10",
        1,
    ),
    (
        ("followup", "record", RV, "--date", "2026-11-23", "--reached", "yes"),
        "RV-2025-001 on avatud; järelkontakt tuleb pärast lõpetamist",
        1,
    ),
    (
        ("followup", "record", NEET, "--date", "2025-10-01", "--reached", "yes"),
        "järelkontakti kuupäev 01.10.2025 on enne juhtumi lõppu 31.10.2025",
        1,
    ),
    (
        (
            "followup",
            "record",
            NEET,
            "--date",
            "2026-11-23",
            "--reached",
            "no",
            "--education",
            "yes",
        ),
        "õppimise ja töötamise saab kirja panna ainult siis, kui noorega saadi ühendust",
        1,
    ),
    (("followup", "due", "--within", "-3"), "--within peab olema 0 või rohkem päeva", 1),
    (
        ("followup", "skip", NEET, "--reason", " "),
        "anna järelkontakti vahelejätmise põhjus (--reason)",
        1,
    ),
    (
        ("youth", "add", "--name", "X", "--birth-date", "2099-01-01", "--sex", "M"),
        "sünnikuupäev 01.01.2099 on tulevikus",
        1,
    ),
    (
        ("youth", "add", "--name", "X", "--birth-date", "2001-01-01"),
        "isikukoodita on vaja nii sünnikuupäeva kui ka sugu",
        1,
    ),
    (
        ("case", "open", "--youth", "Y-0001", "--model", "rv", "--start", "2025-02-03"),
        "RV-juhtum vajab riskitaset --risk keskmine|kõrge",
        1,
    ),
    (
        ("network", "add", "--name", "K", "--role", "police", "--org", "P", "--email", "bad"),
        "'bad' ei ole e-posti aadress",
        1,
    ),
]


@pytest.mark.parametrize(
    ("args", "message", "code"), ERRORS, ids=[" ".join(a[:3]) for a, _m, _c in ERRORS]
)
def test_errors_in_estonian(
    run: Run, book: Path, args: tuple[str, ...], message: str, code: int
) -> None:
    before = dump(book)
    result = run("--lang", "et", *args)
    # Breaks if the raise in services/ or domain/inputs.py for this case loses its _().
    assert result.exit_code == code, result.stderr
    assert result.stderr.strip().splitlines() == [f"Viga: {message}"] or (
        code == 2 and message in result.stderr and result.stderr.startswith("Viga: ")
    ), result.stderr
    assert result.stdout == "" and dump(book) == before


def test_errors_stay_english_by_default(run: Run, book: Path) -> None:
    # Breaks if a translation is applied without the user asking for Estonian.
    result = run("case", "goal", "done", RV, "1", "--date", "2025-06-05")
    assert result.stderr == "Error: goal 1 of RV-2025-001 is already done (2025-06-01)\n"
    result = run("case", "needs", RV, "--date", "2025-01-28", "--need", "work", "--motivation", "0")
    assert result.stderr == "Error: --motivation: Input should be greater than or equal to 1\n"


class _PydanticBounds(BaseModel):
    """What NewNeeds declared before: pydantic's own bound checks, whose English `_within` keeps."""

    neet_months: int | None = Field(default=None, ge=0, le=240)
    motivation: int | None = Field(default=None, ge=1, le=5)


@given(
    months=st.one_of(st.none(), st.integers(-1000, 1000)),
    motivation=st.one_of(st.none(), st.integers(-20, 20)),
)
def test_bounds_read_as_pydantic_wrote_them_in_english(
    months: int | None, motivation: int | None
) -> None:
    # Breaks if domain/inputs.py's _within words a bound differently from pydantic's Field(ge=, le=).
    try:
        _PydanticBounds(neet_months=months, motivation=motivation)
        expected = None
    except ValidationError as exc:
        expected = describe(exc)
    with use_language("en"):
        try:
            validated(
                NewNeeds,
                date=dt.date(2025, 1, 1),
                needs=("work",),
                neet_months=months,
                motivation=motivation,
            )
            got = None
        except InvalidInput as exc:
            got = str(exc)
    assert got == expected


def test_timeline_details_in_estonian_on_request(run: Run, book: Path) -> None:
    """`timeline(..., lang)` of the plan, support and follow-up: details for an Estonian table."""
    from rvneet.db import Database
    from rvneet.services import followups, plan, support
    from rvneet.services.lookups import get_case

    assert (
        run(
            "followup",
            "record",
            NEET,
            "--date",
            "2026-11-23",
            "--reached",
            "yes",
            "--education",
            "yes",
        ).exit_code
        == 0
    )
    with Database(book, "tester").session() as session:
        rv, neet = get_case(session, RV), get_case(session, NEET)
        sources = (plan.timeline, support.timeline, followups.timeline)
        english = [e for f in sources for c in (rv, neet) for e in f(session, c)]
        estonian = [e for f in sources for c in (rv, neet) for e in f(session, c, "et")]
    shown = json.loads(run("case", "show", RV, "--format", "json").stdout)["timeline"]
    shown += json.loads(run("case", "show", NEET, "--format", "json").stdout)["timeline"]
    # Breaks if the default stops being the English that `case show --format json` carries.
    assert all(event in shown for event in english)
    details = [e["detail"] for e in estonian]
    # Breaks if a timeline stops writing its details in `lang` (roles, states, kinds, outcome).
    for text in (
        "1: club, tugitegevuse pakkuja M-001 (noorsootöötaja)",
        "1: club, lõpetatud",
        "#1 rakendustugi",
        "tehtud",  # the follow-up, now done
        "noorega saadi ühendust, õpib: jah, töötab: teadmata",
    ):
        assert text in details, (text, details)
    assert [e["event"] for e in estonian] == [e["event"] for e in english]  # names: English keys
