"""Issue 8 for the database's own commands: `db backup|check|restore`, `audit`, `audit verify`,
`export`, `import export` and the database errors, in Estonian (RVNEET_LANG=et or --lang et).

Each test asserts the Estonian text and that the English words of the same output are gone; JSON
keeps its English texts and codes for scripts; English stays the default.
"""

import json
import re
import sqlite3
from pathlib import Path

import pytest
from books import downgrade_to
from conftest import Ok, Run

EXIT_DATABASE = 4


@pytest.fixture
def et(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages in Estonian for the test's commands."""
    monkeypatch.setenv("RVNEET_LANG", "et")


@pytest.fixture
def book(ok: Ok, initialised: Path) -> Path:
    """The test's database with one youth and one case (audit entries to list)."""
    ok("youth", "add", "--name", "Mari Maasikas", "--birth-date", "2010-01-01", "--sex", "F")
    ok(
        "case",
        "open",
        "--youth",
        "Y-0001",
        "--model",
        "rv",
        "--start",
        "2025-02-03",
        "--risk",
        "high",
    )
    return initialised


def error_line(stderr: str) -> str:
    """The one error line, in Estonian: "Viga: …", never a traceback."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Viga: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def absent(text: str, *english: str) -> None:
    """None of the `english` texts in `text`, leaving out its paths (the test's folder names)."""
    text = re.sub(r"/[^\s:;,()]+", "", text)
    for word in english:
        assert word not in text, (word, text)


# db check


def test_db_check_table_in_estonian(run: Run, book: Path, et: None) -> None:
    result = run("db", "check")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    # Breaks if dbadmin.check stops passing values= (check_name, check_result) or CHECK_COLUMNS
    # loses its N_ headers.
    for word in ("Andmebaasi", "kontroll", "Kontroll", "Tulemus", "Üksikasjad", "kiirkontroll"):
        assert word in out, (word, out)
    assert "viited" in out and "skeem" in out and "korras" in out
    assert "iga viide osutab olemasolevale kirjele" in out  # CheckResult.detail(lang)
    assert "uusim, mida see rvneet tunneb" in out
    absent(
        out, "Check of", "Result", "Detail", "│ quick ", "foreign_keys", "every reference", "newest"
    )


def test_db_check_json_keeps_english_texts(run: Run, book: Path, et: None) -> None:
    # Breaks if dbadmin.check gives the JSON rows the user's language (as_dict(lang) for json).
    rows = json.loads(run("db", "check", "--format", "json").stdout)
    assert [r["check"] for r in rows] == ["quick", "foreign_keys", "schema"]
    assert rows[1]["result"] == "ok"
    assert rows[1]["detail"] == "every reference points to an existing record"


def test_db_check_problem_in_estonian(run: Run, book: Path, et: None) -> None:
    con = sqlite3.connect(book)
    con.execute("UPDATE cases SET youth_id = 999")
    con.commit()
    con.close()
    result = run("db", "check")
    assert result.exit_code == EXIT_DATABASE
    # Breaks if the failed checks in the error are not shown by check_name, or the message not _().
    line = error_line(result.stderr)
    assert "on probleeme: viited (vaata ülalolevat loetelu)" in line
    assert "probleem" in result.stdout and "viitab puuduvale tabeli youths kirjele" in result.stdout
    absent(result.stdout + line, "has problems", "refers to", "problem ")
    # The JSON problems stay English.
    rows = json.loads(run("db", "check", "--format", "json").stdout)
    assert rows[1]["problems"] == ["cases row 1 refers to a missing youths"]


# db backup / restore


def test_db_backup_and_restore_in_estonian(run: Run, book: Path, tmp_path: Path, et: None) -> None:
    target = tmp_path / "varu.db"
    result = run("db", "backup", str(target))
    assert result.exit_code == 0, result.stderr
    # Breaks if dbadmin.backup's line or _size's "{n} bytes"/KiB are not through the catalog.
    assert result.stdout.startswith(f"Andmebaasist {book} tehti varukoopia {target} (")
    assert "skeem" in result.stdout
    absent(result.stdout, "Backed up", "schema", "bytes")

    again = run("db", "backup", str(target))
    assert again.exit_code != 0
    assert "on juba olemas; ülekirjutamiseks anna --force" in error_line(again.stderr)

    restored = run("db", "restore", str(target), "--yes")
    assert restored.exit_code == 0, restored.stderr
    assert "Varasem andmebaas salvestati failina" in restored.stdout
    assert f"Andmebaas {book} taastati varukoopiast {target}" in restored.stdout
    absent(restored.stdout, "Saved the previous", "Restored", "schema")


def test_db_restore_asks_in_estonian(run: Run, book: Path, tmp_path: Path, et: None) -> None:
    target = tmp_path / "varu.db"
    run("db", "backup", str(target))
    # Breaks if dbadmin._confirm asks in English (Click's [y/N]) or does not take "j" for yes.
    declined = run("db", "restore", str(target), input="\n")
    assert declined.exit_code == 1
    assert "Praegune sisu salvestatakse enne failina rvneet.db.before-restore-<UTC aeg>." in (
        declined.stdout
    )
    assert "Kas asendada andmebaasi" in declined.stdout and "[j/E]" in declined.stdout
    assert error_line(declined.stderr) == "Viga: katkestatud"
    absent(declined.stdout, "Replace the content", "[y/N]", "saved first")

    accepted = run("db", "restore", str(target), input="j\n")
    assert accepted.exit_code == 0, accepted.stderr
    assert "taastati varukoopiast" in accepted.stdout


def test_db_restore_refusals_in_estonian(run: Run, book: Path, tmp_path: Path, et: None) -> None:
    missing = run("db", "restore", str(tmp_path / "pole.db"), "--yes")
    assert missing.exit_code == EXIT_DATABASE
    assert error_line(missing.stderr) == f"Viga: faili {tmp_path / 'pole.db'} ei ole olemas"

    other = tmp_path / "muu.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    result = run("db", "restore", str(other), "--yes")
    # Breaks if maintenance._read_revision's notes are not shown in the message language.
    assert error_line(result.stderr) == (
        f"Viga: {other} ei ole rvneeti andmebaas (teist liiki SQLite'i andmebaas)"
    )


# database errors


def test_database_errors_in_estonian(run: Run, tmp_path: Path, et: None) -> None:
    missing = tmp_path / "pole.db"
    result = run("--db", str(missing), "youth", "list")
    assert result.exit_code == EXIT_DATABASE
    # Breaks if Database.ensure_ready's message is not _().
    assert error_line(result.stderr) == (
        f"Viga: asukohas {missing} pole andmebaasi; loo see käsuga: rvneet init --municipality NAME"
    )
    empty = tmp_path / "tühi.db"
    empty.write_bytes(b"")
    empty.chmod(0o600)
    line = error_line(run("--db", str(empty), "youth", "list").stderr)
    assert line.startswith(f"Viga: {empty} on tühi; loo andmebaas käsuga:")

    foreign = tmp_path / "muu.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    foreign.chmod(0o600)
    line = error_line(run("--db", str(foreign), "youth", "list").stderr)
    assert line == f"Viga: {foreign} ei ole rvneeti andmebaas"

    no_folder = tmp_path / "pole" / "rvneet.db"
    line = error_line(run("--db", str(no_folder), "youth", "list").stderr)
    assert line == f"Viga: kausta {no_folder.parent} ei ole olemas"


def test_newer_schema_in_estonian(run: Run, book: Path, et: None) -> None:
    con = sqlite3.connect(book)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    line = error_line(run("youth", "list").stderr)
    assert "skeem on 9999, mis on uuem, kui see rvneet tunneb" in line
    assert line.endswith("uuenda rvneeti")
    absent(line, "newer", "upgrade")


def test_upgrade_notice_in_estonian(run: Run, book: Path, et: None) -> None:
    downgrade_to(book, "0001")
    result = run("youth", "list")
    assert result.exit_code == 0, result.stderr
    # Breaks if Database._upgrade_existing's notice (and its .bak copy) is printed in English.
    assert f"rvneet: andmebaas {book} uuendati skeemist 0001 skeemiks" in result.stderr
    assert f"eelmine versioon on salvestatud failina {book}.bak-0001" in result.stderr
    absent(result.stderr, "upgraded", "previous version")


# audit


def test_audit_listing_in_estonian(run: Run, book: Path, et: None) -> None:
    result = run("audit", "--limit", "1")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    # Breaks if audit.COLUMNS loses N_ or the title is not translated by table().
    assert "Auditilogi (vanimad eespool)" in out
    for header in ("Aeg (UTC)", "Kasutaja", "Toiming", "Viide", "Kirje", "Muudatused"):
        assert header in out, (header, out)
    assert "lisatud" in out  # the action, by audit.shown_action
    absent(out, "Audit log", "When", "User", "Action", "Changes", "insert")
    # The warning that more entries exist (audit's warn).
    assert "Hoiatus: näidatakse ainult uusimaid sissekandeid (1); kõiki näitab --limit 0" in (
        result.stderr
    )
    # JSON keeps the stored action.
    entries = json.loads(run("audit", "--format", "json").stdout)
    assert {e["action"] for e in entries} == {"insert"}


def test_audit_changes_read_in_estonian_but_stored_as_they_are(
    run: Run, book: Path, et: None
) -> None:
    out = run("audit", "--limit", "0").stdout
    # Breaks if describe_changes(entry, lang) stops giving field names, vocabulary values, stages
    # and dates their Estonian forms, or audit stops naming the record's table by entity_label.
    for text in (
        "noor 1",
        "juhtum 1",
        "sünnikuupäev: 01.2010",
        "nimi: [varjatud]",
        "sugu: naine",
        "riskitase: kõrge",
        "alguskuupäev: 03.02.2025",
        "etapp: suunamine",
    ):
        assert text in out, (text, out)
    absent(out, "youths", "cases", "birth_date", "[redacted]", "risk:", "high", "referral")
    # The stored changes (JSON and CSV) keep field names and values as stored.
    entries = json.loads(run("audit", "--format", "json").stdout)
    youth = next(e for e in entries if e["entity"] == "youths")
    assert youth["changes"]["birth_date"] == {"old": None, "new": "2010-01"}
    assert youth["changes"]["name"]["new"] == "[redacted]"
    assert "risk,,high" in run("audit", "--format", "csv").stdout


def test_audit_errors_and_verify_in_estonian(run: Run, book: Path, et: None) -> None:
    result = run("audit", "--entity", "asjad")
    # Breaks if audit_trail._check_entity's message is not _().
    assert error_line(result.stderr).startswith(
        "Viga: 'asjad' ei ole auditeeritav kirjeliik; kasuta ühte neist: "
    )
    verified = run("audit", "verify")
    assert verified.exit_code == 0
    assert verified.stdout.startswith("auditilogi on terve: sissekandeid ")
    absent(verified.stdout, "intact", "entries", "newest")

    unknown = "0" * 64
    line = error_line(run("audit", "verify", "--expect", unknown).stderr)
    assert line.startswith(f"Viga: ühelgi auditilogi sissekandel pole räsi {unknown}")

    con = sqlite3.connect(book)
    con.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    triggers = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='trigger'")]
    for name in triggers:
        con.execute(f'DROP TRIGGER "{name}"')
    con.execute("UPDATE audit_log SET user = 'keegi' WHERE id = 2")
    con.commit()
    con.close()
    # Breaks if verify_chain's problem or the broken-chain message is not through the catalog.
    line = error_line(run("audit", "verify").stderr)
    assert line == (
        "Viga: auditilogi on katki sissekandest 2: selle sisu ei vasta selle räsile (muudetud); "
        "sellele eelnevad sissekanded (1) on terved"
    )


# export / import export


def test_export_and_import_in_estonian(
    run: Run, ok: Ok, book: Path, tmp_path: Path, template_db: Path, et: None
) -> None:
    target = tmp_path / "kov.json"
    result = run("export", str(target))
    assert result.exit_code == 0, result.stderr
    # Breaks if cli/export's summary line is not through the catalog.
    assert result.stdout.startswith(f"Eksporditud faili {target}: tabeleid ")
    absent(result.stdout, "Exported", "tables", "rows")
    header = json.loads(target.read_text(encoding="utf-8"))
    assert header["format"] == "rvneet-export" and "tables" in header  # the file stays English

    again = run("export", str(target))
    assert error_line(again.stderr) == (
        f"Viga: {target} on juba olemas; ülekirjutamiseks lisa --force"
    )
    # Into a database that holds records: refused.
    line = error_line(run("import", "export", str(target)).stderr)
    assert line.startswith("Viga: selles andmebaasis on juba kirjeid (youths, cases")

    fresh = tmp_path / "uus.db"
    fresh.write_bytes(template_db.read_bytes())
    fresh.chmod(0o600)
    loaded = run("--db", str(fresh), "import", "export", str(target))
    assert loaded.exit_code == 0, loaded.stderr
    assert loaded.stdout.startswith(f"Imporditud failist {target}: tabeleid ")
    absent(loaded.stdout, "Imported", "tables", "rows")


def test_import_export_refusals_in_estonian(
    run: Run, tmp_path: Path, initialised: Path, et: None
) -> None:
    bad = tmp_path / "vale.json"
    bad.write_text('{"format": "rvneet-export", "version": 1,', encoding="utf-8")
    # Breaks if _JsonStream.error's message is not through the catalog.
    assert error_line(run("import", "export", str(bad)).stderr) == (
        "Viga: vale.json lõpeb liiga vara (kas fail on poolik?)"
    )
    bad.write_text('{"format": "rvneet-export" "version": 1}', encoding="utf-8")
    line = error_line(run("import", "export", str(bad)).stderr)
    assert (
        line == "Viga: vale.json ei ole korrektne eksport: oodati märki ',' või '}' märgi 27 juures"
    )
    bad.write_text("[]", encoding="utf-8")
    line = error_line(run("import", "export", str(bad)).stderr)
    assert line == "Viga: vale.json ei ole rvneeti eksport (see pole JSON-objekt)"
    odd = tmp_path / "kov.txt"
    odd.write_text("{}", encoding="utf-8")
    line = error_line(run("import", "export", str(odd)).stderr)
    assert line == (
        "Viga: faili kov.txt vormingut ei saa laiendist järeldada; anna --format json või xlsx"
    )


# English stays the default


def test_english_is_the_default(run: Run, book: Path, tmp_path: Path) -> None:
    # Breaks if a message of this area is translated without the user asking for Estonian.
    out = run("db", "check").stdout
    assert "Check of" in out and "│ quick" in out and "every reference" in out
    assert run("audit", "verify").stdout.startswith("audit log intact: ")
    missing = tmp_path / "none.db"
    stderr = run("--db", str(missing), "youth", "list").stderr
    assert stderr.strip() == (
        f"Error: no database at {missing}; create it with: rvneet init --municipality NAME"
    )
    assert run("audit", "--limit", "1").stdout.startswith("Audit log (oldest first)")
