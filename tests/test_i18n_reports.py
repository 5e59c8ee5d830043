"""Reports and `rvneet check` in Estonian (issue 8): labels from the gettext catalog, no English.

Every report (lisa4, neet, workload, followups) in every format people read (table, HTML, XLSX) is
run in English and in Estonian on the same small book: no word of the English output that is not
data (a name, the municipality) may be in the Estonian one. JSON, and CSV in English, are for
scripts and stay byte for byte what they are in English. `check` shows its title, headers, levels,
rule names and descriptions in Estonian, and its failure message with Estonian plurals.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import CODE_F_2010, CODE_M_2010, MUNICIPALITY, Ok, Run, build_template

from rvneet.reports.model import Column, Figure, Listing, Report
from rvneet.reports.render import render_table

MANAGER = "Kadri Põld"
# Words of the book's data, the same in both languages.
DATA = {"viljandi", "linn", "kadri", "põld"}
# Words the same in Estonian: model and agency names, units, codes.
SAME = {"ringist", "välja", "neet", "ngts", "ska", "lisa", "utc", "risk"}
REPORTS = {
    "lisa4": ("lisa4", "--period", "2025H1"),
    "neet": ("neet", "--period", "2025"),
    "workload": ("workload", "--as-of", "2025-06-30"),
    "followups": ("followups", "--period", "2025"),
}


def _book(ok: Ok) -> None:
    ok("init", "--municipality", MUNICIPALITY)
    ok("youth", "add", "--name", "Mari Maasikas", "--id-code", CODE_F_2010)  # Y-0001
    ok("youth", "add", "--name", "Jüri Juurikas", "--id-code", CODE_M_2010)  # Y-0002
    ok("youth", "add", "--name", "Karl Kask", "--birth-date", "2003-03-03", "--sex", "M")
    for youth, giver in (("Y-0001", "guardian"), ("Y-0002", "guardian"), ("Y-0003", "youth")):
        ok("youth", "consent", youth, "--date", "2025-01-05", "--scope", "participation",
           "--given-by", giver)  # fmt: skip
    ok("case", "open", "--youth", "Y-0001", "--model", "rv", "--start", "2025-01-10",
       "--risk", "high", "--manager", MANAGER, "--support-requested")  # fmt: skip
    ok("case", "open", "--youth", "Y-0002", "--model", "rv", "--start", "2025-02-01",
       "--risk", "medium")  # fmt: skip
    ok("case", "open", "--youth", "Y-0003", "--model", "neet", "--group", "neet",
       "--start", "2025-01-15", "--light", "red", "--channel", "referral",
       "--manager", MANAGER)  # fmt: skip
    ok("case", "needs", "NEET-2025-001", "--date", "2025-01-20", "--need", "education",
       "--need", "work", "--neet-months", "14")  # fmt: skip
    ok("case", "close", "NEET-2025-001", "--end", "2025-03-31", "--reason", "goals-met",
       "--education", "yes", "--employment", "no", "--wellbeing-start", "3",
       "--wellbeing-end", "7")  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory, "i18n-reports", _book)


pytestmark = pytest.mark.usefixtures("book")

_WORD = re.compile(r"[^\W\d_]{3,}")


def words(text: str) -> set[str]:
    """Words of three letters or more, case-folded, without options (--limit) and references."""
    text = re.sub(r"--[\w-]+|\b[A-Z]+-\d{4}-\d{3}\b", " ", text)
    return {w.casefold() for w in _WORD.findall(text)}


def _report(run: Run, name: str, *args: str) -> Any:
    result = run("report", *REPORTS[name], "--no-timestamp", *args)
    assert result.exit_code == 0, result.stderr
    return result


def _people_text(run: Run, tmp_path: Path, name: str, fmt: str, lang: str) -> str:
    """What a person reads of a report in `fmt`: the table, the page's text, the workbook's cells."""
    if fmt == "xlsx":
        target = tmp_path / f"{name}-{lang}.xlsx"
        _report(run, name, "--format", "xlsx", "--lang", lang, "--output", str(target))
        book = openpyxl.load_workbook(target)
        cells = [sheet.title for sheet in book]
        cells += [str(v) for s in book for row in s.iter_rows(values_only=True) for v in row if v]
        return "\n".join(cells)
    text = _report(run, name, "--format", fmt, "--lang", lang).stdout
    if fmt == "html":
        labels = " ".join(re.findall(r'aria-label="([^"]*)"', text))
        text = labels + re.sub(r"<style>.*?</style>|<[^>]+>", " ", text, flags=re.S)
    return str(text)


@pytest.mark.parametrize("fmt", ["table", "html", "xlsx"])
@pytest.mark.parametrize("name", list(REPORTS))
def test_no_english_word_in_an_estonian_report(
    run: Run, tmp_path: Path, name: str, fmt: str
) -> None:
    # Breaks when a label, a value label or a renderer's own word (reports/render.py: Summary, Count,
    # none, as of…) is not marked N_ / translated with translate(text, lang), or has no Estonian.
    english = words(_people_text(run, tmp_path, name, fmt, "en")) - DATA - SAME
    estonian = words(_people_text(run, tmp_path, name, fmt, "et"))
    assert english, "the English report shows words"
    assert not english & estonian, sorted(english & estonian)


def test_lisa4_table_in_estonian(run: Run) -> None:
    # Breaks if render_table stops translating the title, the headers, the figures or the values
    # (model.Column.shown, Breakdown.value_label).
    out = " ".join(_report(run, "lisa4", "--lang", "et").stdout.split())
    assert (
        "Lisa 4 – Ringist välja rakendamise seirearuanne, Viljandi linn, 2025H1 (01.01.2025 … 30.06.2025)"
        in out
    )
    for text in ("Perioodil aktiivseid juhtumeid", "Soo järgi: naine", "Riskitaseme järgi: kõrge",
                 "SKA rakendustoe taotlemise järgi: jah", "Juhtumid", "Riskitase", "keskmine"):  # fmt: skip
        assert text in out, text
    for english in ("Cases", "Youths", "By sex", "Summary", "Count", "high", "yes"):
        assert english not in out, english


def test_estonian_times_in_tables_and_pages_iso_in_the_workbook(run: Run, tmp_path: Path) -> None:
    # Breaks if render.notes stops writing the generation time as Estonians do on the screen or in
    # a page (for_people), or starts doing so in the workbook, whose heading is ISO too.
    table = run("report", "lisa4", "--period", "2025H1", "--lang", "et").stdout
    assert re.search(r"Koostatud \d\d\.\d\d\.20\d\d \d\d:\d\d UTC", table)
    page = run("report", "lisa4", "--period", "2025H1", "--lang", "et", "--format", "html").stdout
    assert re.search(r"Koostatud \d\d\.\d\d\.20\d\d \d\d:\d\d UTC", page)
    english = run("report", "lisa4", "--period", "2025H1").stdout
    assert re.search(r"Generated 20\d\d-\d\d-\d\d \d\d:\d\d UTC", english)
    target = tmp_path / "lisa4.xlsx"
    run("report", "lisa4", "--period", "2025H1", "--format", "xlsx", "--output", str(target))
    summary = list(openpyxl.load_workbook(target)["Kokkuvõte"].iter_rows(values_only=True))
    assert re.fullmatch(r"Koostatud 20\d\d-\d\d-\d\d \d\d:\d\d UTC", str(summary[1][0]))


@pytest.mark.parametrize("name", list(REPORTS))
def test_json_is_the_same_in_both_languages(run: Run, name: str) -> None:
    # Breaks if a label or a translated value leaks into reports/model.to_data.
    english = _report(run, name, "--format", "json").stdout
    assert _report(run, name, "--format", "json", "--lang", "et").stdout == english


def test_csv_in_english_is_for_scripts_in_estonian_for_people(run: Run) -> None:
    # Breaks if render_csv translates the English header (field names scripts rely on) or stops
    # translating the Estonian one (labels from the catalog).
    assert _report(run, "followups", "--format", "csv").stdout.splitlines()[0] == (
        "case,model,due,status,done_on,reached,in_education,in_employment"
    )
    header = _report(run, "followups", "--format", "csv", "--lang", "et").stdout.splitlines()[0]
    assert header == "Juhtum,Mudel,Tähtaeg,Seis,Tehtud,Ühendust saadi,Õpib,Töötab"
    summary = _report(run, "neet", "--format", "csv").stdout.splitlines()
    assert summary[0] == "key,label,value" and summary[1] == "youths,Youths,1"
    summary = _report(run, "neet", "--format", "csv", "--lang", "et").stdout.splitlines()
    assert summary[0] == "võti,nimetus,väärtus" and summary[1] == "youths,Noored,1"
    assert "cases_by_need.education,Juhtumid vajaduse liigi järgi: haridus,1" in summary


def test_workload_and_followups_values_in_estonian(run: Run) -> None:
    # Breaks if the workload's "(none)" or the follow-up's status is shown by its machine value.
    workload = " ".join(_report(run, "workload", "--lang", "et").stdout.split())
    assert "(määramata)" in workload and "(none)" not in workload
    assert "Juhtumikorraldajate koormus, Viljandi linn, seisuga 30.06.2025" in workload
    followups = " ".join(_report(run, "followups", "--lang", "et").stdout.split())
    assert "Perioodil tähtaega jõudnud järelsuhtlusi" in followups
    assert "Perioodi lõpus tegemata, mudeli järgi: NEET" in followups
    assert "tegemata" in followups and "overdue" not in followups


def test_suppressed_report_says_so_in_estonian(run: Run) -> None:
    # Breaks if render.notes' suppression line is not translated.
    out = " ".join(_report(run, "lisa4", "--lang", "et", "--suppress-below", "3").stdout.split())
    assert "alla 3 arv, mis pole ühegi summa osa, on näidatud kui <3" in out
    assert "Loetelu on välja jäetud." in out and "shows as" not in out


def test_the_rows_left_out_in_estonian(run: Run) -> None:
    # Breaks if render_table's MORE_ROWS line is not translated.
    out = _report(run, "lisa4", "--lang", "et", "--limit", "1").stdout
    assert "1 rida 2-st; kõik read: --limit 0 või --format csv|xlsx" in out
    out = _report(run, "lisa4", "--limit", "1").stdout
    assert "1 of 2 rows; every row: --limit 0, or --format csv|xlsx" in out


def _many_rows(n: int) -> Report:
    rows = [{"case": f"RV-2025-{i:03d}"} for i in range(n)]
    return Report(
        name="test",
        title="Cases",
        municipality=MUNICIPALITY,
        as_of=dt.date(2025, 6, 30),
        figures=[Figure("cases", "Cases", n)],
        listings=[Listing("cases", "Cases", [Column("case", "Case")], rows)],
    )


def test_thousands_are_grouped_with_a_space_in_estonian() -> None:
    # Breaks if render._thousands writes 1,200 in Estonian, where the comma is the decimal sign.
    estonian = render_table(_many_rows(1200), "et", None, max_rows=50)[-1]
    assert estonian.startswith("50 rida 1\u00a0200-st;")
    assert render_table(_many_rows(1200), "en", None, max_rows=50)[-1].startswith(
        "50 of 1,200 rows"
    )


def test_report_messages_in_estonian(run: Run, tmp_path: Path) -> None:
    # Breaks if cli/report.emit_report's XLSX error or its "Wrote FILE" line is not through _().
    result = run("--lang", "et", "report", "lisa4", "--period", "2025H1", "--format", "xlsx")
    assert result.exit_code == 2
    assert "XLSX-aruande jaoks on vaja --output FILE" in result.stderr
    assert "needs" not in result.stderr
    target = tmp_path / "lisa4.html"
    result = run("--lang", "et", "report", "lisa4", "--period", "2025H1", "--format", "html",
                 "--output", str(target))  # fmt: skip
    assert result.exit_code == 0 and result.stderr == f"Kirjutatud faili {target}\n"
    result = run("report", "lisa4", "--period", "2025H1", "--output", str(target), "--force")
    assert result.stderr == f"Wrote {target}\n"


def test_check_in_estonian(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    # Breaks if cli/check's title, headers (N_), level or rule name (values=) or the description
    # (services/checks.describe) is left in English, or the title's dates are ISO.
    monkeypatch.setenv("RVNEET_LANG", "et")
    result = run("check", "--period", "2025H1")
    assert result.exit_code == 1
    out = " ".join(result.stdout.split())
    assert (
        "Andmekvaliteedi kontroll, perioodil 2025H1 aktiivsed juhtumid (01.01.2025 … 30.06.2025), "
        "seisuga 30.06.2025" in out
    )
    for text in ("Reegel", "Tase", "Leitud", "Kirjeldus", "Viited", "viga", "hoiatus",
                 "pole-hiljutist-kontakti", "vanuse-erand",
                 "Avatud juhtum, millel pole viimase 60 päeva jooksul olnud kontakti"):  # fmt: skip
        assert text in out, text
    for english in ("Rule", "error", "warning", "no-recent-contact", "Open case", "as of"):
        assert english not in out, english
    assert result.stderr == (
        "Viga: 1 andmekvaliteedi reegel ei ole täidetud: pole-hiljutist-kontakti\n"
    )
    today = dt.date.today()
    out = " ".join(run("check", "--warn-only").stdout.split())
    assert f"Andmekvaliteedi kontroll, kõik juhtumid, seisuga {today:%d.%m.%Y}" in out


def test_check_failure_message_plural_in_both_languages(run: Run) -> None:
    # Breaks if services/checks.failure_message stops choosing the plural by ngettext.
    result = run("check", "--warn-only")  # as of today: no contact, and the follow-up overdue
    assert result.exit_code == 0
    assert result.stderr == (
        "Warning: 2 data-quality rules failed: no-recent-contact, followup-overdue\n"
    )
    result = run("--lang", "et", "check", "--warn-only")
    assert result.stderr == (
        "Hoiatus: 2 andmekvaliteedi reeglit ei ole täidetud: pole-hiljutist-kontakti, "
        "järelsuhtlus-üle-tähtaja\n"
    )
    assert run("check", "--period", "2025H1").stderr == (
        "Error: 1 data-quality rule failed: no-recent-contact\n"
    )


def test_check_json_and_csv_stay_english(run: Run) -> None:
    # Breaks if run_checks' rows (JSON) or the CSV get the Estonian names or descriptions.
    english = run("check", "--period", "2025H1", "--format", "json").stdout
    assert run("--lang", "et", "check", "--period", "2025H1", "--format", "json").stdout == english
    rows = json.loads(english)
    assert rows[1]["rule"] == "no-recent-contact"
    assert rows[1]["description"] == "Open case with no contact in the last 60 days"
    csv_et = run("--lang", "et", "check", "--period", "2025H1", "--format", "csv").stdout
    assert csv_et == run("check", "--period", "2025H1", "--format", "csv").stdout
    assert "no-recent-contact,Open case with no contact in the last 60 days,error,2" in csv_et


def test_english_is_still_the_default(run: Run) -> None:
    # Breaks if a report or check picks Estonian without --lang, RVNEET_LANG or an Estonian locale.
    out = " ".join(_report(run, "lisa4").stdout.split())
    assert (
        "Lisa 4 — Ringist välja monitoring, Viljandi linn, 2025H1 (2025-01-01 … 2025-06-30)" in out
    )
    assert "Cases active in the period" in out and "By risk level: high" in out
    out = " ".join(run("check", "--period", "2025H1").stdout.split())
    assert "Data-quality check, cases active in 2025H1 (2025-01-01 … 2025-06-30), as of" in out
    assert "Open case with no contact in the last 60 days" in out and "error" in out


def test_estonian_tables_write_a_decimal_comma(run: Run) -> None:
    # Breaks if render._shown writes 11.5 in Estonian: Estonian reads 11,5 (JSON and CSV keep 11.5).
    english = _report(run, "neet", "--lang", "en").stdout
    estonian = _report(run, "neet", "--lang", "et").stdout
    decimals = re.findall(r"\b\d+\.\d\b", english)
    assert decimals, "the NEET report shows a mean or median"
    assert not re.findall(r"\b\d+\.\d\b", estonian)
    for number in decimals:
        assert number.replace(".", ",") in estonian
