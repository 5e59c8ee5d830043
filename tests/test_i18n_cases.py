"""Cases in Estonian (issue 8): `case open|assess|close|reopen|list|show|stage|contact|needs`.

Errors, warnings, the eligibility rules, period errors, validation messages and the `case list` /
`case show` tables read Estonian with `--lang et` or RVNEET_LANG=et; JSON and CSV stay as they
are in English; English stays the default.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import (
    CODE_F_1999_LEAP,
    CODE_M_2010,
    MUNICIPALITY,
    Run,
    build_template,
    refused_et,
)
from hypothesis import given, settings
from hypothesis import strategies as st

Ok = Callable[..., str]

RV = "RV-2025-001"  # Y-0001, born 2010-05-05, consent on record
NEET = "NEET-2025-001"  # Y-0002, born 1999-02-28, closed with an outcome; no consent
CLOSED = "RV-2024-001"  # Y-0003, born 2008-01-01, closed 2024-09-30


def build_book(ok: Ok) -> None:
    ok("init", "--municipality", MUNICIPALITY)
    ok("youth", "add", "--name", "Jaan Saar", "--id-code", CODE_M_2010)
    ok("youth", "add", "--name", "Kati Kask", "--id-code", CODE_F_1999_LEAP)
    ok("youth", "add", "--name", "Mari Mets", "--birth-date", "2008-01-01", "--sex", "F")
    for youth in ("Y-0001", "Y-0003"):
        ok("youth", "consent", youth, "--date", "2024-01-02", "--scope", "participation",
           "--given-by", "guardian")  # fmt: skip
    ok("staff", "add", "--name", "Kadri Põld")
    ok("case", "open", "--youth", "Y-0001", "--model", "rv", "--start", "2025-02-03",
       "--risk", "high", "--instrument", "SAVRY", "--manager", "Kadri Põld")  # fmt: skip
    ok("case", "contact", RV, "--date", "2025-02-05", "--channel", "phone", "--with", "police")
    ok("case", "contact", RV, "--date", "2025-02-27", "--channel", "meeting", "--network",
       "--with", "youth-worker")  # fmt: skip
    ok("case", "stage", RV, "network", "--date", "2025-02-24")
    ok("case", "assess", RV, "--date", "2025-05-20", "--risk", "medium")
    ok("case", "open", "--youth", "Y-0003", "--model", "rv", "--start", "2024-03-01",
       "--risk", "high")  # fmt: skip
    ok("case", "close", CLOSED, "--end", "2024-09-30", "--reason", "moved")
    ok("case", "open", "--youth", "Y-0002", "--model", "neet", "--group", "neet",
       "--start", "2025-01-20", "--light", "red", "--channel", "school")  # fmt: skip
    ok("case", "needs", NEET, "--date", "2025-01-28", "--need", "education", "--need", "work",
       "--neet-months", "14", "--motivation", "2")  # fmt: skip
    ok("case", "close", NEET, "--end", "2025-10-31", "--reason", "goals-met", "--education",
       "yes", "--employment", "no", "--wellbeing-start", "3", "--wellbeing-end", "7",
       "--satisfaction-manager", "5")  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The book, built once through the CLI for the whole module (each test gets a copy)."""
    return build_template(tmp_path_factory, "i18n-cases", build_book)


@pytest.fixture
def et(run: Run, monkeypatch: pytest.MonkeyPatch) -> Run:
    """`run` in Estonian (RVNEET_LANG=et)."""
    monkeypatch.setenv("RVNEET_LANG", "et")
    return run


def absent(text: str, *english: str) -> None:
    for word in english:
        assert word not in text, (word, text)


def test_case_list_in_estonian(book: Path, et: Run) -> None:
    # Breaks if CASE_COLUMNS lose N_, the level column loses values=, or the table's stage is
    # not shown by its model's Estonian name (cli/case.py list_ and _stage).
    out = et("case", "list").stdout
    for text in ("Juhtumid", "Juhtum", "Noor", "Algus", "Lõpp", "Etapp", "Riskitase/valgusfoor",
                 "Juhtumikorraldaja", "keskmine", "punane", "järelsuhtlus", "Ringist välja",
                 "järelsuhtlus ja -tugi", "võrgustiku kokkukutsumine", "03.02.2025"):  # fmt: skip
        assert text in out, text
    absent(out, "Cases", "Case manager", "Stage", "medium", "follow-up", "network", "2025-02-03",
           "järeltugi", " rv ")  # fmt: skip


def test_case_show_in_estonian(book: Path, et: Run) -> None:
    # Breaks if _details stops translating its labels and values, the timeline's events lose
    # values={"event": event_label}, or case_detail stops building details in the table's language.
    out = et("case", "show", RV).stdout
    for text in ("Juhtum RV-2025-001", "Jaan Saar (Y-0001), mees, ", "Juhtumikorraldaja",
                 "Noorteni jõudmise viis", "Seis", "avatud", "Etapp", "Riskitase", "keskmine",
                 "Vanus alguses", "Esmakontakt", "05.02.2025", "Ajajoon", "Kuupäev",
                 "Sündmus", "hindamine", "riskitase kõrge (SAVRY)", "etapp", "suunamine",
                 "võrgustiku kokkukutsumine", "telefon, osalejad: politsei",
                 "võrgustikukohtumine", "noorsootöötaja", "SKA rakendustuge taotletud",
                 "Ringist välja", "-aastane"):  # fmt: skip
        assert text in out, text
    absent(out, "Case manager", "Reached through", "Status", "Timeline", "Event", "opened",
           "assessment", "risk high", "referral", "phone", "police", "network meeting", "age ",
           "Project-Id-Version", "2025-02-05")  # fmt: skip


def test_closed_neet_case_show_in_estonian(book: Path, et: Run) -> None:
    # Breaks if _outcome_line, the close reason, the group or the needs' details stay English.
    out = et("case", "show", NEET).stdout
    for text in ("NEET, NEET-olukorras noored (15–29)", "Kati Kask (Y-0002), naine",
                 "lõpetatud (eesmärgid saavutatud)",
                 "Olukord (valgusfoor)", "punane", "Noorteni jõudmise viis", "kool",
                 "õpib: jah; töötab: ei; heaolu 3 → 7; rahulolu juhtumikorraldajaga 5/5",
                 "valgusfoor punane", "kontakti loomine", "vajaduste hindamine",
                 "haridus, töö; motivatsioon 2/5; NEET-olukorras kuid: 14",
                 "järelsuhtlus ja -tugi", "eesmärgid saavutatud"):  # fmt: skip
        assert text in out, text
    absent(out, "group", "closed", "goals-met", "education", "wellbeing", "satisfaction",
           "traffic light", "school", "motivation", "months", "light red", "suletud",
           "eesmärgid-", "sihtrühm neet")  # fmt: skip


def test_json_and_csv_stay_english(book: Path, run: Run, et: Run) -> None:
    # Breaks if `case show --format json` builds its timeline in the user's language (the
    # lang="en" in cli/case.py show) or the CSV listing gets Estonian values.
    english_json = run("--lang", "en", "case", "show", NEET, "--format", "json").stdout
    assert et("case", "show", NEET, "--format", "json").stdout == english_json
    assert '"detail": "education, work; motivation 2/5; NEET 14 months"' in english_json
    assert '"detail": "light red"' in english_json
    english_csv = run("--lang", "en", "case", "list", "--format", "csv").stdout
    assert et("case", "list", "--format", "csv").stdout == english_csv
    assert "follow-up" in english_csv and "goals-met" in english_csv


def test_english_is_the_default(book: Path, run: Run) -> None:
    # Breaks if a message or label no longer reads the English text written in the code.
    out = run("case", "show", NEET).stdout
    for text in ("Case NEET-2025-001", "Reached through", "school", "closed (goals-met)",
                 "Situation (traffic light)", "education yes; employment no; wellbeing 3 → 7",
                 "light red", "education, work; motivation 2/5; NEET 14 months", "Timeline",
                 "opened", "follow-up"):  # fmt: skip
        assert text in out, text
    absent(out, "Juhtum", "suletud", "Ajajoon", "Project-Id-Version")
    assert "Cases" in run("case", "list").stdout
    error = run("case", "close", RV, "--end", "2025-12-01", "--reason", "moved",
                "--wellbeing-start", "11").stderr  # fmt: skip
    assert error.strip() == "Error: --wellbeing-start: Input should be less than or equal to 10"


def test_eligibility_error_and_warnings_in_estonian(book: Path, et: Run) -> None:
    # Breaks if rules.py's age rules or the open_case messages are not translated.
    message = refused_et(et, book, "case", "open", "--youth", "Y-0002", "--model", "rv",
                         "--start", "2025-03-01", "--risk", "kõrge")  # fmt: skip
    assert message == (
        "Viga: Ringist välja on 12–18-aastastele noortele; noor on 01.03.2025 26-aastane; "
        "et juhtum siiski avada, anna --allow-ineligible koos põhjusega"
    )
    result = et("case", "open", "--youth", "Y-0002", "--model", "rv", "--start", "2025-03-01",
                "--risk", "kõrge", "--allow-ineligible", "kohtu otsus")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "Hoiatus: avatud väljaspool mudeli vanusevahemikku: Ringist välja on" in result.stderr
    assert (
        "Hoiatus: noore Y-0002 osalemise nõusolekut ei ole kirjas; salvesta see käsuga: "
        "rvneet youth consent Y-0002 --scope participation ..."
    ) in result.stderr
    absent(result.stderr, "Warning", "opened outside", "is for youths", "no participation")
    message = refused_et(et, book, "case", "open", "--youth", "Y-0001", "--model", "rv",
                         "--start", "2025-06-01", "--risk", "high")  # fmt: skip
    assert message == "Viga: noorel Y-0001 on juba avatud RV-juhtum RV-2025-001"


@pytest.mark.parametrize(
    ("args", "estonian", "code"),
    [
        (["case", "show", "RV-1999-009"], "Viga: juhtumit 'RV-1999-009' pole", 3),
        (["case", "assess", RV, "--date", "2025-06-01", "--light", "red"],
         "Viga: RV-2025-001 on RV-juhtum: hinda seda valikuga --risk keskmine|kõrge", 1),
        (["case", "assess", RV, "--date", "2025-01-01", "--risk", "high"],
         "Viga: hindamise kuupäev 01.01.2025 on enne juhtumi algust (03.02.2025)", 1),
        (["case", "close", RV, "--end", "2025-05-01", "--reason", "moved"],
         "Viga: lõppkuupäev 01.05.2025 on enne viimast hindamist (20.05.2025)", 1),
        (["case", "close", CLOSED, "--end", "2025-05-01", "--reason", "kolis"],
         "Viga: RV-2024-001 on juba lõpetatud (30.09.2024)", 1),
        (["case", "close", RV, "--end", "2025-12-01", "--reason", "moved", "--wellbeing-end", "0"],
         "Viga: --wellbeing-end: peab olema vähemalt 1", 1),
        (["case", "reopen", RV, "--date", "2025-12-01", "--reason", "x"],
         "Viga: RV-2025-001 on avatud; uuesti avada saab ainult lõpetatud juhtumit", 1),
        (["case", "reopen", CLOSED, "--date", "2024-09-01", "--reason", "x"],
         "Viga: uuesti avamise kuupäev 01.09.2024 on enne juhtumi lõppu (30.09.2024)", 1),
        (["case", "stage", RV, "contact", "--date", "2025-06-01"],
         "Viga: 'contact' ei ole mudeli RV etapp; kasuta üht neist: referral (suunamine), ", 1),
        (["case", "stage", RV, "action-plan", "--date", "2025-02-10"],
         "Viga: etapi muutus 10.02.2025 on enne eelmist (võrgustiku kokkukutsumine, "
         "24.02.2025)", 1),
        (["case", "stage", RV, "action-plan", "--date", "2025-01-10"],
         "Viga: etapi muutus: kuupäev 10.01.2025 on enne juhtumi algust (03.02.2025)", 1),
        (["case", "stage", CLOSED, "closing", "--date", "2024-09-30"],
         "Viga: RV-2024-001 on lõpetatud (30.09.2024); etapi muutmine ei ole võimalik", 1),
        (["case", "contact", CLOSED, "--date", "2024-10-30", "--channel", "sms"],
         "Viga: kontakt: kuupäev 30.10.2024 on pärast juhtumi lõppu (30.09.2024)", 1),
        (["case", "needs", RV, "--date", "2025-03-01", "--need", "work", "--domain", "foo=2"],
         "Viga: 'foo' ei ole abivajaduse hindamise valdkond; kasuta üht neist: ", 1),
        (["case", "needs", NEET, "--date", "2025-03-01", "--need", "work", "--domain",
          "social=2"],
         "Viga: abivajaduse hindamise valdkondi (--domain) hinnatakse ainult alla 18-aastastel noortel", 1),
        (["case", "list", "--stage", "lõpetatud"],
         "Viga: 'lõpetatud' ei ole etapp; kasuta üht neist: referral (suunamine), ", 1),
    ],
)  # fmt: skip
def test_errors_in_estonian(book: Path, et: Run, args: list[str], estonian: str, code: int) -> None:
    # Breaks when the message raised for these refusals is not marked _() and translated, or a
    # date in it is not written 31.12.2025 (format_date in services/cases.py and casework.py).
    message = refused_et(et, book, *args, code=code)
    assert message.startswith(estonian), message
    absent(message, " is ", " the ", "Error", "before", "after")


@pytest.mark.parametrize(
    ("period", "estonian"),
    [
        ("2025-13", "vigane periood '2025-13': kuu peab olema 01..12"),
        ("2025-02-30..2025-03-01", "sellist kalendripäeva ei ole"),
        ("2025-06-01..2025-01-01", "lõpp on enne algust"),
        ("0000", "aastad peavad jääma vahemikku 1900–2099"),
        ("kevad", "vigane periood 'kevad': kasuta kuju 2025H1, 2025H2, 2025Q1 (kuni Q4), "
                  "2025-03, 2025 või 2025-01-01..2025-06-30 (mõlemad päevad kaasa arvatud)"),
    ],
)  # fmt: skip
def test_period_errors_in_estonian(book: Path, et: Run, period: str, estonian: str) -> None:
    # Breaks if domain/period.py's ValueErrors are not marked _() (or PERIOD_HELP not translated).
    result = et("report", "lisa4", "--period", period)
    assert result.exit_code == 2
    assert estonian in result.stderr
    absent(result.stderr, "invalid period", "to Q4", "both days", "must be")


def test_stages_are_taken_by_their_estonian_names(book: Path, et: Run, ok: Ok) -> None:
    # Breaks if find_stage stops matching a stage's Estonian name (folded like enum values).
    # (RVNEET_LANG=et here: `case stage` answers with the stage's Estonian name.)
    assert ok("case", "stage", RV, "Tegevuskava", "--date", "2025-06-01") == "tegevuskava"
    assert ok("case", "stage", RV, "vorgustikukohtumised", "--date", "2025-06-02") == (
        "võrgustikukohtumised"
    )
    changes = ok("case", "show", RV, "--format", "json")
    assert "action-plan" in changes  # JSON keeps the machine name
    listed = ok("case", "list", "--stage", "järeltugi", "--format", "csv")
    assert CLOSED in listed and RV not in listed
    shown = et("case", "list", "--stage", "implementation").stdout
    assert "võrgustikukohtumised" in shown and RV in shown


@given(data=st.data())
@settings(max_examples=60, deadline=None)
def test_find_stage_takes_each_name_in_any_case_and_without_diacritics(data: st.DataObject) -> None:
    # Breaks if find_stage stops folding (case, diacritics, spaces as hyphens) or matches a
    # stage of the other model.
    import unicodedata

    from rvneet.domain.enums import Model
    from rvneet.domain.stages import STAGES, find_stage

    model = data.draw(st.sampled_from(list(Model)))
    stage = data.draw(st.sampled_from(STAGES[model]))
    name = data.draw(st.sampled_from([stage.name, stage.estonian]))
    typed = "".join(data.draw(st.sampled_from([c.lower(), c.upper()])) for c in name)
    if data.draw(st.booleans()):
        decomposed = unicodedata.normalize("NFD", typed)
        typed = "".join(c for c in decomposed if not unicodedata.combining(c))
    if data.draw(st.booleans()):
        typed = typed.replace(" ", "-")
    assert find_stage(model, f" {typed} ") == stage.name
    other = Model.NEET if model is Model.RV else Model.RV
    other_names = {s.name for s in STAGES[other]}
    assert find_stage(other, typed) in (other_names & {stage.name}) | {None}


def test_case_stage_prints_the_stage_in_the_users_words(book: Path, run: Run) -> None:
    # Breaks if `case stage` prints the machine name in Estonian; scripts read --format json.
    shown = run("--lang", "et", "case", "stage", RV, "tegevuskava", "--date", "2025-06-01")
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout.strip() == "tegevuskava"
    data = run("--lang", "et", "case", "stage", RV, "implementation", "--date", "2025-06-10",
               "--format", "json")  # fmt: skip
    assert '"stage": "implementation"' in data.stdout
    assert run("case", "stage", RV, "closing", "--date", "2025-06-20").stdout.strip() == "closing"
