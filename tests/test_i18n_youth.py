"""Issue 8 for youths, the network, outreach, retention and erasure: what people read is Estonian
when the language is et (tables, titles, values, errors, warnings, confirmations), while JSON and
CSV stay exactly as in English, and English stays the default.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CODE_F_2010, CODE_M_1995, CODE_M_2010, Run, build_template, refused_et

Ok = Callable[..., str]

# A valid personal code that no youth of the book has (a known one is a reference now).
UNKNOWN_CODE = "50001010006"

# Y-0002 is on the list and has a case; Y-0003 comes from the list only.
NGTS_CSV = (
    "isikukood;eesnimi;perekonnanimi;telefon;e-post;aadress;seaduslik esindaja;esindaja kontakt;"
    "viimane haridus;viimane töökoht\n"
    f"{CODE_M_1995};Jaan;Tamm;5555 0101;;Pikk 1;;;keskharidus;\n"
    f"{CODE_M_2010};Mart;Mets;;;;Ema Mets;5555 0202;põhiharidus;\n"
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Y-0001 (a minor) in an open RV case with M-001 as trusted person and provider; Y-0002 with a
    NEET case closed in 2024; Y-0003 only on the NGTS list of 2024-03-15; M-002 in the wider network.
    Everything is older than a year: `retention --older-than 1` finds Y-0002 and Y-0003."""
    ngts = tmp_path_factory.mktemp("ngts") / "ngts.csv"
    ngts.write_text(NGTS_CSV, encoding="utf-8")

    def build(ok: Ok) -> None:
        ok("init", "--municipality", "Viljandi linn")
        ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)
        ok("youth", "add", "--name", "Jaan Tamm", "--id-code", CODE_M_1995)
        for scope in ("participation", "data-sharing"):
            ok("youth", "consent", "Y-0001", "--date", "2024-01-10", "--scope", scope,
               "--given-by", "guardian")  # fmt: skip
        ok("youth", "consent", "Y-0002", "--date", "2024-01-10", "--scope", "participation",
           "--given-by", "youth")  # fmt: skip
        ok("staff", "add", "--name", "Kadri Põld")
        ok("staff", "add", "--name", "Merike Vaher")
        ok("case", "open", "--youth", "Y-0001", "--model", "rv", "--start", "2024-02-01",
           "--risk", "high", "--manager", "Kadri Põld")  # fmt: skip
        ok("case", "open", "--youth", "Y-0002", "--model", "neet", "--group", "neet",
           "--start", "2024-01-15", "--light", "red", "--manager", "Merike Vaher")  # fmt: skip
        ok("case", "contact", "NEET-2024-001", "--date", "2024-02-01", "--channel", "meeting",
           "--place", "Noortekeskus")  # fmt: skip
        ok("case", "close", "NEET-2024-001", "--end", "2024-06-30", "--reason", "goals-met")
        ok("network", "add", "--name", "Kati Kask", "--role", "youth-worker",
           "--org", "Viljandi noortekeskus")  # fmt: skip
        ok("network", "add", "--name", "Priit Raud", "--role", "police",
           "--org", "Lõuna prefektuur", "--wider")  # fmt: skip
        ok("case", "member", "add", "RV-2024-001", "M-001", "--date", "2024-02-10",
           "--trusted-person")  # fmt: skip
        ok("case", "activity", "add", "RV-2024-001", "--member", "M-001", "--kind", "noorteklubi",
           "--start", "2024-03-01")  # fmt: skip
        ok("import", "ngts", str(ngts), "--list-date", "2024-03-15")

    return build_template(tmp_path_factory, "i18n-youth", build)


@pytest.fixture
def estonian(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RVNEET_LANG", "et")


def flat(text: str) -> str:
    """Output with every run of whitespace (table borders' line breaks included) as one space."""
    return " ".join(text.replace("│", " ").split())


def absent(text: str, *english: str) -> None:
    found = [word for word in english if word in text]
    assert not found, f"English left in: {found}\n{text}"


@pytest.mark.usefixtures("book", "estonian")
def test_youth_list_and_show_in_estonian(ok: Ok) -> None:
    # Breaks if YOUTH_COLUMNS lose N_, or values= (sex, status) is dropped from `youth list`.
    listing = flat(ok("youth", "list"))
    for text in ("Noored", "Viide", "Sünnikuupäev", "Avatud juhtumid", "Seis", "aktiivne"):
        assert text in listing
    assert "01.01.2010 naine" in listing
    absent(listing, "Youths", "Birth date", "Open cases", "Status", "active", "2010-01-01")
    # Breaks if youth show's labels, the cases' level (kõrge) or the NGTS title are not translated.
    shown = flat(ok("youth", "show", "Y-0002"))
    for text in ("Noor Y-0002", "Isikukood", "Vanus täna", "Juhtumid", "Mudel", "punane",
                 "NGTS-i seirenimekirjas seisuga 15.03.2024", "Telefon", "Aadress", "Viimane haridus",
                 "15.01.2024", "30.06.2024"):  # fmt: skip
        assert text in shown, text
    absent(shown, "Youth Y-0002", "Personal code", "Age today", "Cases", "red",
           "On the NGTS list", "Phone", "Last education", "2024-01-15")  # fmt: skip
    assert "kõrge" in flat(ok("youth", "show", "Y-0001"))
    assert "Juhtumeid pole." in ok("youth", "show", "Y-0003")


@pytest.mark.usefixtures("book", "estonian")
def test_network_list_and_show_in_estonian(ok: Ok) -> None:
    # Breaks if `network list` stops passing values={"role": NetworkRole, "tier": Tier}.
    listing = flat(ok("network", "list", "--all"))
    for text in ("Võrgustiku liikmed", "Roll", "Asutus", "Kuuluvus", "Lahkunud", "noorsootöötaja",
                 "politsei", "tuumikgrupp", "laiem võrgustik"):  # fmt: skip
        assert text in listing, text
    absent(listing, "Network members", "Role", "Organisation", "youth-worker", "police", "core",
           "wider", "Retired")  # fmt: skip
    # Breaks if network show's labels, the role, the tier or the activity state stay English.
    shown = flat(ok("network", "show", "M-001"))
    for text in ("Võrgustiku liige M-001", "Nimi", "noorsootöötaja", "tuumikgrupp", "E-post",
                 "Usaldusisik", "jah", "Tugitegevused", "Seis", "käib", "01.03.2024"):  # fmt: skip
        assert text in shown, text
    absent(shown, "Network member", "youth-worker", "Trusted person", "Support activities",
           "ongoing", "yes", "2024-03-01")  # fmt: skip
    assert "Tugitegevusi pole." in ok("network", "show", "M-002")


@pytest.mark.usefixtures("book", "estonian")
def test_outreach_list_in_estonian(ok: Ok) -> None:
    # Breaks if the title keeps the ISO date or English words, or the status is not translated.
    days = (dt.date.today() - dt.date(2024, 3, 15)).days
    listing = flat(ok("outreach", "list"))
    assert f"NGTS-i seirenimekiri seisuga 15.03.2024 ({days} päeva tagasi)" in listing
    for text in ("Noor", "Vanus", "Haridus", "Seis", "Esmakontakt", "lõpetatud juhtum",
                 "juhtumit pole", "keskharidus"):  # fmt: skip
        assert text in listing, text
    absent(listing, "NGTS list of", "days ago", "2024-03-15", "closed case", "no case",
           "First contact")  # fmt: skip
    assert "kontakti võtmata" in ok("outreach", "list", "--not-contacted")


@pytest.mark.usefixtures("book", "estonian")
def test_retention_in_estonian(ok: Ok, run: Run) -> None:
    # Breaks if the title's verb, the cut-off date, the basis values or the notes stay English.
    cutoff = dt.date.today().replace(year=dt.date.today().year - 1)
    listing = flat(ok("retention", "--older-than", "1"))
    assert f"Kustutamisele kuuluvad: noored, kelle viimane tegevus oli enne {cutoff:%d.%m.%Y}" in (
        listing
    )
    for text in ("Viimane tegevus", "Kuupäeva alus", "juhtumi lõpetamine", "NGTS-i seirenimekiri",
                 "30.06.2024", "Midagi ei kustutatud: kustutamiseks lisa --apply."):  # fmt: skip
        assert text in listing, text
    absent(listing, "Due for erasure", "Last activity", "Dated by", "case closing", "ngts-list",
           "Nothing was erased")  # fmt: skip
    assert "Säilitustähtaeg: 3 aastat (oli 5)" in ok("retention", "--set-default", "3")
    # Breaks if the question before --apply is not translated (it is answered no: nothing goes).
    asked = run("retention", "--older-than", "1", "--apply", input="n\n")
    assert asked.exit_code == 1
    assert "Kas kustutada need 2 noort jäädavalt?" in asked.stderr
    assert "Viga: katkestatud" in asked.stderr


@pytest.mark.usefixtures("estonian")
def test_erase_in_estonian(ok: Ok, run: Run, book: Path) -> None:
    # Breaks if describe_erasure's lines, the question or the erased youth's show stay English.
    asked = run("youth", "erase", "Y-0002", "--reason", "noore taotlus", input="n\n")
    assert asked.exit_code == 1
    preview = asked.stderr
    for text in ("Y-0002 kustutamine eemaldab jäädavalt:",
                 "nimi, isikukood ja sünnikuupäev (jäävad alles: sündinud 01.1995, sugu mees)",
                 "juhtumid: NEET-2024-001", "NGTS-i seirenimekirja kanded: 1",
                 "vaba tekst ja kontaktid (väärtused):", "kontaktid: koht 1",
                 "NGTS-i seirenimekirja kanded: aadress 1, viimane haridus 1, telefon 1",
                 "Kas kustutada Y-0002?"):  # fmt: skip
        assert text in preview, text
    absent(preview, "removes", "contacts:", "place", "free text", "kept", "1995-01", "Erase ")
    done = ok("youth", "erase", "Y-0002", "--reason", "noore taotlus", "--yes")
    assert done.startswith(f"Y-0002 kustutati {dt.date.today():%d.%m.%Y}:")
    shown = flat(ok("youth", "show", "Y-0002"))
    for text in ("(kustutatud)", "01.1995 (ainult kuu)", f"kustutatud {dt.date.today():%d.%m.%Y}",
                 "Kustutamise põhjus noore taotlus"):  # fmt: skip
        assert text in shown, text
    absent(shown, "(erased)", "month only", "erased on")
    assert "kustutatud" in flat(ok("youth", "list"))
    # The erasure reason retention writes is stored in English and shown in Estonian.
    ok("retention", "--older-than", "1", "--apply", "--yes")
    assert "säilitustähtaeg (1 a) on möödunud" in flat(ok("youth", "show", "Y-0003"))


@pytest.mark.usefixtures("estonian")
@pytest.mark.parametrize(
    ("args", "code", "estonian_text", "english"),
    [
        (["youth", "add", "--name", "X Y", "--id-code", "61001010008"], 1,
         "vigane isikukood: kontrollnumber on vale", "check digit"),
        (["youth", "add", "--name", "X Y", "--id-code", "6100101000"], 1,
         "vigane isikukood: selles peab olema 11 numbrit", "digits"),
        (["youth", "add", "--name", "X Y", "--id-code", "61013010004"], 1,
         "sajandi number või sünnikuupäev on võimatu", "impossible"),
        (["youth", "add", "--name", "X Y", "--id-code", CODE_F_2010], 1,
         "selle isikukoodiga noor on juba registreeritud: Y-0001", "already registered"),
        (["youth", "show", UNKNOWN_CODE], 3, "noort '<isikukood>' pole", "personal code"),
        (["youth", "show", "Y-0001", "--format", "csv"], 2,
         "youth show väljastab ainult table või json", "prints"),
        (["youth", "consent", "Y-0002", "--date", "2024-05-02", "--scope", "osalemine",
          "--given-by", "esindaja"], 1,
         "Y-0002 oli 02.05.2024 täisealine; nõusolekut saab anda või tagasi võtta ainult noor ise",
         "of age"),
        (["youth", "consent", "Y-0002", "--date", "2024-05-02", "--scope", "data-sharing",
          "--given-by", "youth", "--withdraw"], 1,
         "Y-0002: seisuga 02.05.2024 puudub kehtiv nõusolek „andmete jagamine”", "in force"),
        (["youth", "erase", "Y-0001", "--reason", "noore taotlus", "--yes"], 1,
         "Y-0001: juhtum on avatud (RV-2024-001); lõpeta see enne kustutamist", "open case"),
        (["youth", "erase", "Y-0002", "--reason", "Jaan palus", "--yes"], 1,
         "põhjuses ei tohi olla noore nime ega isikukoodi", "must not"),
        (["network", "show", "M-009"], 3, "võrgustiku liiget 'M-009' pole", "no network member"),
        (["network", "retire", "M-001", "--date", "2024-01-01"], 1,
         "lahkumise kuupäev 01.01.2024 on enne liikme M-001 viimast juhtumitööd (01.03.2024)",
         "retirement"),
        (["case", "member", "add", "RV-2024-001", "M-001", "--date", "2024-03-01"], 1,
         "M-001 on juba juhtumi RV-2024-001 võrgustikus", "already a member"),
        (["case", "member", "add", "RV-2024-001", "M-002", "--date", "2024-03-01",
          "--trusted-person"], 1,
         "juhtumil RV-2024-001 on juba usaldusisik, M-001", "trusted person"),
        (["case", "member", "add", "RV-2024-001", "M-002", "--date", "2024-03-01",
          "--no-consent-reason", "kiire"], 1,
         "Y-0001: 01.03.2024 kehtib andmete jagamise nõusolek", "--no-consent-reason is only"),
        (["case", "member", "remove", "RV-2024-001", "M-002", "--date", "2024-03-01"], 1,
         "M-002 ei ole juhtumi RV-2024-001 võrgustikus", "not a member"),
        (["outreach", "list", "--list-date", "2024-01-01"], 3,
         "NGTS-i seirenimekirja kuupäevaga 2024-01-01 pole (nimekirjad: 2024-03-15)", "no NGTS list"),
        (["retention", "--older-than", "0"], 1,
         "säilitustähtaeg peab olema 1–100 aastat, mitte 0", "must be"),
        (["retention", "--set-default", "4", "--apply"], 2, "anna --set-default üksinda", "alone"),
    ],
)  # fmt: skip
def test_errors_in_estonian(
    run: Run, book: Path, args: list[str], code: int, estonian_text: str, english: str
) -> None:
    # Each breaks if its message is raised without _() or its translation is missing.
    line = refused_et(run, book, *args, code=code)
    assert estonian_text in line
    assert english not in line


@pytest.mark.usefixtures("book", "estonian")
def test_warnings_of_retire_in_estonian(run: Run) -> None:
    # Breaks if retire_member's warnings are built without _().
    result = run("network", "retire", "M-001", "--date", "2024-06-30")
    assert result.exit_code == 0, result.stderr
    assert (
        "Hoiatus: M-001 on endiselt juhtumi RV-2024-001 võrgustikus; eemalda käsuga: "
        "rvneet case member remove RV-2024-001 M-001 --date ..."
    ) in result.stderr
    assert "Hoiatus: M-001 pakub endiselt juhtumi RV-2024-001 tugitegevust 1" in result.stderr
    absent(result.stderr, "still", "remove them")
    again = run("network", "retire", "M-001", "--date", "2024-07-01")
    assert "Viga: M-001 lahkus võrgustikust juba 30.06.2024" in again.stderr


@pytest.mark.usefixtures("book")
@pytest.mark.parametrize(
    "args",
    [
        ["youth", "list", "--format", "json"],
        ["youth", "list", "--format", "csv"],
        ["youth", "show", "Y-0001", "--format", "json"],
        ["network", "list", "--all", "--format", "csv"],
        ["network", "show", "M-001", "--format", "json"],
        ["outreach", "list", "--format", "csv"],
        ["outreach", "list", "--format", "json"],
        ["retention", "--older-than", "1", "--format", "json"],
        ["retention", "--older-than", "1", "--format", "csv"],
    ],
)
def test_machine_output_is_the_same_in_estonian(run: Run, args: list[str]) -> None:
    # Breaks if a translation reaches JSON or CSV (a header, a status, a role, a date).
    english = run(*args)
    estonian = run("--lang", "et", *args)
    assert english.exit_code == estonian.exit_code == 0
    assert estonian.stdout == english.stdout
    if args[-1] == "json":
        json.loads(estonian.stdout)


@pytest.mark.usefixtures("book")
def test_english_is_the_default(ok: Ok, run: Run) -> None:
    # Breaks if a message is translated with no language chosen (LANG=C in the tests).
    assert "Open cases" in ok("youth", "list") and "active" in ok("youth", "list")
    assert "youth-worker" in ok("network", "list") and "core" in ok("network", "list")
    assert "NGTS list of 2024-03-15" in ok("outreach", "list")
    assert "Due for erasure" in ok("retention", "--older-than", "1")
    preview = run("youth", "erase", "Y-0002", "--reason", "request", input="n\n").stderr
    assert "contacts: place 1" in preview and "born 1995-01, sex M" in preview
    error = run("youth", "add", "--name", "X", "--id-code", "61001010008").stderr
    assert error.strip() == "Error: --id-code: invalid personal code: the check digit is wrong"
