"""Tables at 80, 100 and 120 columns, in English and Estonian: a reference, a date or a number is
never cut; free text wraps; a listing too wide leaves out its least important columns and says
which under it; a report table too wide is printed as several, each with its first column."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CODE_M_1995, CODE_M_2010, Run, build_template
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from rvneet.fitted import FittedColumn, FittedTable

Ok = Callable[..., str]

LONG_YOUTH = "Maria-Magdaleena Kristiina Vanaveski-Tõnissoo"
LONG_MANAGER = "Anne-Liis Kõrvemaa-Õunapuu von Lilienfeld"
LONG_MEMBER = "Margareeta Elisabet Lõhmus-Kivimägi"
LONG_ORG = "Viljandi Avatud Noortekeskus ja Huvikool"
NGTS_CSV = (
    "isikukood;eesnimi;perekonnanimi;telefon;e-post;aadress;seaduslik esindaja;esindaja kontakt;"
    "viimane haridus;viimane töökoht\n"
    f"{CODE_M_1995};Konstantin;Põldmäe-Rebane;;;;;;keskharidus ilma kutseõppeta;ajutine töö\n"
    f"{CODE_M_2010};Mart;Mets;;;;;;põhiharidus;\n"
)

# (command, the references and ISO dates each width must show whole)
LISTINGS: list[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = [
    (("youth", "list"), ("Y-0001", "Y-0002", "Y-0003", "Y-0004"), ("2008-02-29",)),
    (
        ("case", "list"),
        ("NEET-2025-001", "RV-2025-001", "RV-2025-002", "Y-0001", "Y-0002", "Y-0004"),
        ("2025-01-10", "2025-01-06", "2025-03-31"),
    ),
    (("network", "list", "--all"), ("M-001", "M-002"), ()),
    (
        ("followup", "due", "--as-of", "2026-06-01"),
        ("NEET-2025-001", "Y-0002"),
        ("2025-09-30",),
    ),
    (("outreach", "list"), ("Y-0003", "Y-0004", "RV-2025-002"), ()),
    (("audit",), ("Y-0001", "RV-2025-001", "NEET-2025-001", "M-001"), ()),
    (("check",), ("RV-2025-001",), ()),
    (("youth", "show", "Y-0001"), ("Y-0001", "RV-2025-001"), ("2008-02-29", "2025-01-10")),
    (("network", "show", "M-001"), ("M-001", "RV-2025-001"), ("2025-02-01",)),
    (("report", "workload", "--as-of", "2025-02-15"), (), ()),
    (("report", "lisa4", "--period", "2025"), ("RV-2025-001",), ("2025-01-10",)),
]
WIDTHS = (80, 100, 120)
LANGS = ("en", "et")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Long names, places and organisations next to the widest references (NEET-2025-001)."""
    ngts = tmp_path_factory.mktemp("ngts") / "ngts.csv"
    ngts.write_text(NGTS_CSV, encoding="utf-8")

    def build(ok: Ok) -> None:
        ok("init", "--municipality", "Viljandi linn")
        ok("youth", "add", "--name", LONG_YOUTH, "--birth-date", "2008-02-29", "--sex", "F")
        ok("youth", "add", "--name", "Aleksander Konstantin Põldmäe", "--birth-date", "2001-12-31",
           "--sex", "M")  # fmt: skip
        ok("staff", "add", "--name", LONG_MANAGER)
        ok("staff", "add", "--name", "Kristjan Kuusemäe")
        ok("case", "open", "--youth", "Y-0001", "--model", "rv", "--start", "2025-01-10",
           "--risk", "high", "--manager", LONG_MANAGER)  # fmt: skip
        ok("case", "open", "--youth", "Y-0002", "--model", "neet", "--group", "neet",
           "--start", "2025-01-06", "--light", "yellow", "--manager", "Kristjan Kuusemäe")  # fmt: skip
        ok("case", "close", "NEET-2025-001", "--end", "2025-03-31", "--reason", "goals-met")
        ok("network", "add", "--name", LONG_MEMBER, "--role", "youth-worker", "--org", LONG_ORG)
        ok("network", "add", "--name", "Priit Raud", "--role", "police",
           "--org", "Lõuna prefektuur", "--wider")  # fmt: skip
        for scope in ("participation", "data-sharing"):
            ok("youth", "consent", "Y-0001", "--date", "2025-01-10", "--scope", scope,
               "--given-by", "guardian")  # fmt: skip
        ok("case", "member", "add", "RV-2025-001", "M-001", "--date", "2025-02-01",
           "--trusted-person")  # fmt: skip
        ok("import", "ngts", str(ngts), "--list-date", "2025-03-15")
        ok("case", "open", "--youth", "Y-0004", "--model", "rv", "--start", "2025-04-01",
           "--risk", "medium")  # fmt: skip

    return build_template(tmp_path_factory, "table-widths", build)


def shown(run: Run, monkeypatch: pytest.MonkeyPatch, width: int, lang: str, *args: str) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    # A report's generation time may pass a minute between two widths: its digits would differ.
    result = run("--lang", lang, *args, *(("--no-timestamp",) if args[0] == "report" else ()))
    # `check` exits 1 when a rule fails: this book breaks several on purpose.
    assert result.exit_code == (1 if args[0] == "check" else 0), (
        args,
        result.stdout,
        result.stderr,
    )
    return result.stdout


def column_count(out: str) -> int:
    """The columns of the first table in `out` (its top border's joints, plus one)."""
    top = next(line for line in out.splitlines() if line.startswith("┏"))
    return top.count("┳") + 1


def footnote(out: str) -> str | None:
    """The line saying which columns are not shown, joined if it wrapped, else None."""
    flat = " ".join(out.split())
    match = re.search(r"(Not shown at this width|Selle laiusega ei mahu): (.*?) — ", flat)
    return match.group(2) if match else None


def et_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}.{month}.{year}"


@pytest.mark.usefixtures("book")
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("args", "refs", "dates"), LISTINGS, ids=lambda v: "-".join(v))
def test_references_dates_and_numbers_are_never_cut(
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    refs: tuple[str, ...],
    dates: tuple[str, ...],
    lang: str,
) -> None:
    wide = shown(run, monkeypatch, 200, lang, *args)
    assert footnote(wide) is None
    for width in WIDTHS:
        out = shown(run, monkeypatch, width, lang, *args)
        for line in out.splitlines():
            assert len(line.rstrip()) <= width, (width, line)
        for ref in refs:
            assert ref in out, (width, ref, out)
        for date in dates if footnote(out) is None else ():  # else a date column may be left out
            assert (et_date(date) if lang == "et" else date) in out, (width, date, out)
        # An ellipsis only ever follows a comma (check's "more references": `RV-2025-001, …`).
        assert not re.search(r"[^\s,]…|…\S", out), (width, out)
        # No number loses digits: every number of the wide table is in the narrow one.
        for number in set(re.findall(r"(?<![\w.-])\d+(?![\w.-])", wide)):
            assert re.search(rf"(?<![\w.-]){number}(?![\w.-])", out), (width, number, out)


@pytest.mark.usefixtures("book")
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "args",
    [a for a, _, _ in LISTINGS if a[0] not in {"report"} and a[:2] not in {("youth", "show")}],
    ids=lambda v: "-".join(v),
)
def test_a_listing_too_wide_says_which_columns_it_left_out(
    run: Run, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], lang: str
) -> None:
    wide = shown(run, monkeypatch, 200, lang, *args)
    for width in WIDTHS:
        out = shown(run, monkeypatch, width, lang, *args)
        missing = column_count(wide) - column_count(out)
        note = footnote(out)
        if missing:
            assert note is not None, (width, out)
            names = note.split(", ")
            assert len(names) == missing, (width, note)
            for name in names:  # a header of the full table, in the user's language
                assert name in " ".join(wide.split()), (width, name)
        else:
            assert note is None, (width, out)


@pytest.mark.usefixtures("book")
def test_at_80_columns_the_youth_list_keeps_names_whole_and_names_what_it_left_out(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = shown(run, monkeypatch, 80, "et", "youth", "list")
    assert footnote(out) == "Sugu"
    assert "Maria-Magdaleena" in out and "29.02.2008" in out
    out = shown(run, monkeypatch, 80, "en", "case", "list")
    assert footnote(out) == "Model, End, Stage"
    assert "2025-01-10" in out and "NEET-2025-001" in out
    assert "widen the terminal or use --format json" in " ".join(out.split())


@pytest.mark.usefixtures("book")
@pytest.mark.parametrize("lang", LANGS)
def test_a_report_table_too_wide_is_split_with_its_first_column_in_each_part(
    run: Run, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    out = shown(run, monkeypatch, 80, lang, "report", "workload", "--as-of", "2025-02-15")
    parts = [line for line in out.splitlines() if line.startswith("┏")]
    assert len(parts) >= 3  # the summary, then the case managers in two or more tables
    assert out.count("Kristjan") == len(parts) - 1  # each part starts with the case manager


@pytest.mark.usefixtures("book")
def test_typed_text_in_a_column_of_codes_wraps_rather_than_cut_the_references(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A user name is no code: 60 letters of it must not push the references off the screen.
    user = "kasutaja" * 4 + "-" + "x" * 27
    monkeypatch.setenv("RVNEET_USER", user)
    assert (
        run(
            "youth", "add", "--name", "Uus Noor", "--birth-date", "2009-09-09", "--sex", "F"
        ).exit_code
        == 0
    )
    for width in WIDTHS:
        out = shown(run, monkeypatch, width, "en", "audit", "--limit", "0")
        assert all(len(line.rstrip()) <= width for line in out.splitlines()), out
        assert "Y-0005" in out and "NEET-2025-001" in out and "…" not in out
    # It wraps, so at 120 columns it is shown (not left out as too wide).
    assert footnote(out) is None and "kasutajakasutaja" in out


# --- the layout itself, at any width --------------------------------------------------------------

REF = st.from_regex(r"(RV|NEET)-20[0-9]{2}-[0-9]{3}|Y-[0-9]{4}|[0-9]{1,6}", fullmatch=True)
WORDS = st.lists(st.from_regex(r"[A-Za-zõäöü-]{1,24}", fullmatch=True), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(
    refs=st.lists(st.lists(REF, min_size=3, max_size=3), min_size=1, max_size=4),
    texts=st.lists(WORDS, min_size=4, max_size=4),
    width=st.integers(min_value=60, max_value=160),
    split=st.booleans(),
)
def test_a_value_that_never_wraps_is_printed_whole_at_any_width(
    refs: list[list[str]], texts: list[list[str]], width: int, split: bool
) -> None:
    rows = [[Text(a), Text(" ".join(texts[n % 4])), Text(b), Text(c)] for n, (a, b, c) in
            enumerate(refs)]  # fmt: skip
    columns = [
        FittedColumn(Text("Reference")),
        FittedColumn(Text("Free text"), wraps=True),
        FittedColumn(Text("Another number")),
        FittedColumn(Text("Third")),
    ]
    table = FittedTable(None, columns, rows, [3, 2], "Not shown: {columns}", split=split)
    console = Console(width=width)
    with console.capture() as capture:
        console.print(table)
    out = capture.get()
    for line in out.splitlines():
        assert len(line) <= width
    assert "…" not in out
    cells = {
        cell.strip()
        for line in out.splitlines()
        if line.startswith("│")
        for cell in line.split("│")
    }
    dropped = next((line for line in out.splitlines() if line.startswith("Not shown")), "")
    # The first column is always shown; the others whole when shown (and named when not).
    for a, b, c in refs:
        assert a in cells
        assert b in cells or "Another number" in dropped
        assert c in cells or "Third" in dropped
