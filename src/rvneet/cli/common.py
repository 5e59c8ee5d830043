"""What every command shares: the database from the root options, option types, output helpers.

Only cheap modules are imported here; SQLAlchemy, pydantic and rich tables load inside commands.
"""

import datetime as dt
import io
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from rvneet.domain.enums import YesNo, estonian_forms_text, parse_choice, shown_stored
from rvneet.domain.period import PERIOD_HELP, Period, parse_period
from rvneet.domain.visible import visible
from rvneet.i18n import N_, _, format_date, language, message_language, translate

E = TypeVar("E", bound=StrEnum)

if TYPE_CHECKING:
    from rich.text import Text

    from rvneet.db import Database
    from rvneet.services.paging import Page, Paged


class OutputFormat(StrEnum):
    """How a listing or report is printed."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


class CreatedFormat(StrEnum):
    """How a created record is printed: its reference alone, or the record as JSON."""

    TEXT = "text"
    JSON = "json"


def parse_date(value: str) -> dt.date:
    """A calendar day as a person types it: 15.03.2025, 2025-03-15, today/täna, yesterday/eile."""
    from rvneet.domain.dates import parse_day

    try:
        return parse_day(value)
    except ValueError as exc:  # one line listing the forms, or a year outside 1900–2099
        raise typer.BadParameter(str(exc)) from None


def choice_parser(enum: type[E]) -> Callable[[Any], E]:
    """A Typer parser taking a value of `enum` in English or Estonian (`kõrge` as well as `high`)."""

    def parse(value: Any) -> E:
        if isinstance(value, enum):  # a default, already a member
            return value
        try:
            return parse_choice(enum, str(value))
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None

    return parse


def choice_option(enum: type[StrEnum], *param_decls: str, help: str, **kwargs: Any) -> Any:
    """A typer.Option for `enum` that also takes its Estonian forms and lists them in its help."""
    et = estonian_forms_text(enum)
    return typer.Option(
        *param_decls,
        parser=choice_parser(enum),
        metavar="<" + "|".join(member.value for member in enum) + ">",
        help=f"{help} Estonian: {et}." if et else help,
        **kwargs,
    )


def parse_period_option(value: str) -> Period:
    """A report period, see PERIOD_HELP."""
    try:
        return parse_period(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


ListFormatOption = Annotated[
    OutputFormat,
    typer.Option(
        "--format", "-f", case_sensitive=False, help="table for people; json or csv for scripts."
    ),
]
CreatedFormatOption = Annotated[
    CreatedFormat,
    typer.Option(
        "--format",
        "-f",
        case_sensitive=False,
        help="text prints just the new reference; json the created record.",
    ),
]
# A table is read by a person: one page of it. json and csv are read by scripts: every row.
TABLE_PAGE_SIZE = 50
LimitOption = Annotated[
    int | None,
    typer.Option(
        "--limit",
        metavar="N",
        help=(
            f"Rows per page: {TABLE_PAGE_SIZE} in a table, every row in json and csv unless given; "
            "0 for every row. Example: --limit 200"
        ),
    ),
]
PageOption = Annotated[
    int,
    typer.Option(
        "--page", metavar="K", help="Which page of --limit rows to show. Example: --page 2"
    ),
]


def page_of(fmt: OutputFormat, limit: int | None, page: int) -> "Page":
    """The page a command shows: `--limit`/`--page`, with a screenful for a table by default."""
    from rvneet.services.paging import Page

    if limit is None:
        limit = TABLE_PAGE_SIZE if fmt is OutputFormat.TABLE else 0
    return Page(size=limit or None, number=page)


PeriodOption = Annotated[
    Period,
    typer.Option(
        "--period",
        "-p",
        parser=parse_period_option,
        metavar="PERIOD",
        help=f"The report period: {PERIOD_HELP}.",
    ),
]


def database(ctx: typer.Context) -> "Database":
    """The database chosen by `--db` / `RVNEET_DB`, worked on by `--user` / `RVNEET_USER`.

    Its key comes from `RVNEET_KEY`, or is asked for on a terminal when the file is encrypted. Warns
    (once per command) when the file is readable or writable by others than its owner.
    """
    from rvneet.db import Database, resolve_location
    from rvneet.services.audit import current_user

    root = ctx.find_root()
    location = resolve_location(root.params.get("db"))
    if isinstance(location, str):
        # A PostgreSQL database: no file to check, and the server's own logins guard it; who is
        # working is the connection's login (`--user` only as a check, see db.server_login).
        from rvneet.services.audit import given_user

        return Database.at(location, given_user(root.params.get("user")))
    path = location
    # In `rvneet shell` every command has its own root context; what they share is in its obj.
    session: dict[Any, Any] = root.obj if isinstance(root.obj, dict) else root.meta
    if not session.get(("rvneet.checked_access", path)):
        session[("rvneet.checked_access", path)] = True
        if loose := loose_permissions(path):
            warn(loose)
    keys = session.setdefault("rvneet.keys", {})
    if path not in keys:
        keys[path] = database_key(path)
    root.meta["rvneet.key"] = keys[path]
    return Database(path, current_user(root.params.get("user")), keys[path])


# The root command's --lang, for output helpers that have no click context at hand (a table's
# cells). Set by the root callback for one command and reset when its context closes.
_GLOBAL_LANG: ContextVar[str | None] = ContextVar("rvneet_global_lang", default=None)


def use_global_lang(ctx: typer.Context, option: str | None) -> None:
    """Remember the root command's `--lang` (et, en or None) while `ctx`'s command runs."""
    token = _GLOBAL_LANG.set(str(option) if option is not None else None)
    ctx.call_on_close(lambda: _GLOBAL_LANG.reset(token))


def global_lang() -> str | None:
    """The root command's `--lang` (et or en), None when not given or outside a command."""
    return _GLOBAL_LANG.get()


def current_language() -> str:
    """The language of what people read: --lang, else RVNEET_LANG, else the locale, else en."""
    return language(global_lang()) if global_lang() else message_language()


def loose_permissions(path: Path) -> str | None:
    """The warning for a database file that others than its owner may read or write, else None."""
    import stat

    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if not stat.S_ISREG(mode) or not mode & 0o077:
        return None  # a folder or a device given as --db is refused as such, not warned about
    return _(
        "{path} can be read or changed by other users (mode {mode}); "
        "make it private with: chmod 600 {path}"
    ).format(path=path, mode=f"{mode & 0o777:o}")


def database_key(path: Path) -> str | None:
    """The key of an encrypted database: `RVNEET_KEY`, else typed at a prompt on a terminal.

    None when no key is set and the file is not encrypted (or no one can be asked: then opening the
    encrypted file fails with a message saying to set RVNEET_KEY).
    """
    from rvneet.encryption import driver, key_from_env, looks_encrypted

    if (key := key_from_env()) is not None:
        driver()  # a key without the extra installed: refused before any file is created
        return key
    # The terminal first: reading the file's header (looks_encrypted) opens and closes it, which
    # drops the locks of any connection this process already has to it (see encryption._readable).
    if sys.stdin.isatty() and sys.stderr.isatty() and looks_encrypted(path):
        import getpass

        return getpass.getpass(_("Key for {path}: ").format(path=path)) or None
    return None


def warn(message: str) -> None:
    """A warning on stderr: the command still did what it was asked. Personal codes are hidden."""
    from rvneet.domain.personal_code import redact_codes

    message = visible(redact_codes(message))
    print(_("Warning: {message}").format(message=message), file=sys.stderr)


def to_json(data: Any) -> str:
    """JSON with non-ASCII letters kept (Estonian names and places) and keys in insertion order."""
    return json.dumps(data, ensure_ascii=False, indent=2)


def to_csv(rows: Iterable[dict[str, Any]], fields: Sequence[str]) -> str:
    """CSV with a header; None becomes empty, booleans yes/no, formula-like text neutralised."""
    from rvneet.files.write import write_csv

    buffer = io.StringIO()
    write_csv(buffer, fields, ([row.get(f) for f in fields] for row in rows))
    return buffer.getvalue()


# How a column's machine values are shown to people: an enum (its Estonian form in Estonian,
# the word a person may also type), or a function of (value, language).
Shown = type[StrEnum] | Callable[[str, str], str]


def shown_value(value: Any, lang: str, shown: Shown | None) -> Any:
    """A machine value (`high`, `goals-met`) as people read it in `lang` (`kõrge`, `eesmärgid-täidetud`).

    JSON and CSV keep the machine value; only tables and other output for people use this.
    """
    if shown is None or not isinstance(value, str) or lang != "et":
        return value
    if isinstance(shown, type):
        return shown_stored(shown, value, lang)
    return shown(value, lang)


def _cell(value: Any, lang: str, shown: Shown | None = None) -> str:
    """A table cell for people: dates as `31.12.2025` in Estonian (JSON and CSV keep ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return translate(N_("yes") if value else N_("no"), lang)
    return str(format_date(shown_value(value, lang, shown), lang))


# Free text: wraps (and folds a word longer than the column). Every other field is a reference,
# a date, a number or a code, which is never cut: its column is as wide as its widest value.
WRAPPING_FIELDS = frozenset(
    {
        "name",
        "manager",
        "detail",
        "k",
        "v",
        "last_education",
        "last_employment",
        "description",
        "refs",
        "org",
        "kind",
    }
)
# No reference, date, number or code is longer: a longer value is typed text (a user name) that
# wraps rather than push the table past the screen's edge.
LONGEST_CODE = 32
# Columns a table leaves out when it does not fit the screen, least important first. A reference,
# a name or what a listing is about (a due date, days overdue) is never left out.
DROPPABLE = (
    "sex",
    "birth_date",
    "open_cases",
    "status",
    "tier",
    "model",
    "stage",
    "first_contact",
    "last_employment",
    "last_education",
    "end",
    "start",
    "role",
    "age",
    "record",
    "user",
    "level",
    "manager",
)
NOT_SHOWN = N_("Not shown at this width: {columns} — widen the terminal or use --format json")


def plain(value: object, style: str = "") -> "Text":
    """`value` as rich `Text`: shown as it is (no markup, no `:emoji:` codes), control characters
    written out (`<U+001B>`). What every screen makes of stored or typed text.

    Not markup escaping (`rich.markup.escape`): that leaves `:smile:` to become an emoji.
    """
    from rich.text import Text

    return Text(visible(str(value)), style=style)


def table(
    title: str | None,
    rows: Iterable[dict[str, Any]],
    columns: dict[str, str],
    values: dict[str, Shown] | None = None,
    droppable: Sequence[str] = DROPPABLE,
) -> Any:
    """A rich renderable of `rows` showing `columns` (field → header); `values` says how a field's
    machine values are shown (e.g. {"risk": RiskLevel} shows `high` as `kõrge` in Estonian).

    The title and headers are English texts marked `N_` (or already translated with `_`), shown
    in the user's language. References, dates, numbers and codes are never cut: their column is as
    wide as their widest value. Free text (names, details) wraps. When the table cannot fit the
    screen even so, its headers wrap, then the `droppable` columns (least important first) are
    left out one by one, named in a dim line under it. Dates are written as the user's language
    writes them (`current_language`).

    The title and every cell are shown as text, never as rich markup (`plain`): a stored `[/]`
    shows as typed, and an escape character as `<U+001B>`.
    """
    from rvneet.fitted import FittedColumn, FittedTable

    lang = current_language()
    shown_title = plain(translate(title, lang), "table.title") if title else None
    fields = list(columns)
    cells = [
        [plain(_cell(row.get(f), lang, (values or {}).get(f))) for f in fields] for row in rows
    ]
    shown = [
        FittedColumn(
            plain(translate(header, lang)),
            wraps=field in WRAPPING_FIELDS
            or any(row[number].cell_len > LONGEST_CODE for row in cells),
        )
        for number, (field, header) in enumerate(columns.items())
    ]
    drop = [fields.index(f) for f in droppable if f in columns]
    return FittedTable(shown_title, shown, cells, drop, translate(NOT_SHOWN, lang))


def print_rich(*renderables: Any, file: Any = None) -> None:
    """Print rich renderables to stdout (or `file`, without colour).

    A string is printed as it is (`plain`), never read as markup: messages quote stored text.
    """
    from rich.console import Console

    console = Console(file=file, no_color=file is not None, width=120 if file else None)
    for item in renderables:
        console.print(plain(item) if isinstance(item, str) else item)


def print_listing(
    rows: list[dict[str, Any]],
    fmt: OutputFormat,
    columns: dict[str, str],
    title: str,
    fields: Sequence[str] | None = None,
    values: dict[str, Shown] | None = None,
) -> None:
    """Print a listing as a table, a JSON array of objects, or CSV with the same field names.

    `values` (field → enum or function) shows machine values in the user's language in a table.

    The CSV header is `fields` (every field of a row) when given, else the table's columns, so an
    empty listing has the same header as a full one.
    """
    if fmt is OutputFormat.JSON:
        typer.echo(to_json(rows))
    elif fmt is OutputFormat.CSV:
        typer.echo(to_csv(rows, list(fields or columns)), nl=False)
    elif rows:
        print_rich(table(title, rows, columns, values))
    else:
        print_rich(_("{title}: none").format(title=translate(title)))


def print_page(
    paged: "Paged",
    fmt: OutputFormat,
    columns: dict[str, str],
    title: str,
    noun: str,
    fields: Sequence[str] | None = None,
    values: dict[str, Shown] | None = None,
) -> None:
    """`print_listing` of one page; under a table, which rows these are and how to see the rest.

    `noun` is the rows' plural marked N_ ("cases"), translated here.
    """
    print_listing(paged.rows, fmt, columns, title, fields=fields, values=values)
    if fmt is not OutputFormat.TABLE or paged.total <= len(paged.rows):
        return
    shown = f"{paged.first}–{paged.last}" if paged.rows else _("none")
    hints = [_("every row: --limit 0 or --format csv")]
    if paged.last < paged.total:
        hints.insert(0, _("next: --page {number}").format(number=paged.page.number + 1))
    total = f"{paged.total:,}"
    if message_language() == "et":
        total = total.replace(",", "\u00a0")  # 12 345: Estonian groups digits with a space
    line = _("{shown} of {total} {noun}; {hints}").format(
        shown=shown, total=total, noun=translate(noun), hints="; ".join(hints)
    )
    print_rich(plain(line, "dim"))


@contextmanager
def open_private(path: Path) -> Iterator[Any]:
    """Open `--output` for writing, readable and writable by its owner only (0600).

    A path that cannot be written is a bad option value (exit 2), named in the message.
    """
    from rvneet.domain.errors import InvalidInput
    from rvneet.files.write import open_private as open_owner_only

    with ExitStack() as stack:
        try:
            handle = stack.enter_context(open_owner_only(path))
        except InvalidInput as exc:
            raise typer.BadParameter(str(exc), param_hint="'--output'") from None
        yield handle


def checked_output(
    ctx: typer.Context, path: Path, option: str, inputs: Sequence[Path] = ()
) -> Path:
    """The file to write for `option` (`--output`, `--errors`), refused as a bad value (exit 2)
    when it is the database or one of its files, one of `inputs`, a link, a folder or a device."""
    from rvneet.db import resolve_path
    from rvneet.domain.errors import InvalidInput
    from rvneet.files.output import check_output

    root = ctx.find_root()
    try:
        return check_output(path, database=resolve_path(root.params.get("db")), inputs=inputs)
    except InvalidInput as exc:
        raise typer.BadParameter(str(exc), param_hint=f"'{option}'") from None


def confirm(question: str, err: bool = False) -> None:
    """Ask `question` (translated) on stdout (stderr with `err`); abort (exit 1) unless it is yes.

    Yes is y/yes or j/jah in either language, no (the default, an empty answer) n/no or e/ei:
    a case manager answers in the language the question is in.
    """
    suffix = _(" [y/N]: ")
    while True:
        typer.echo(question + suffix, nl=False, err=err)
        answer = sys.stdin.readline()
        if not answer:  # no terminal, nothing typed: not a yes
            typer.echo(err=err)
            raise typer.Abort()
        text = answer.strip().casefold()
        if text in {"y", "yes", "j", "jah"}:
            return
        if text in {"", "n", "no", "e", "ei"}:
            raise typer.Abort()
        typer.echo(_("Answer yes or no."), err=err)


def yes_no(value: YesNo | None) -> bool | None:
    """The answer as a bool, or None when it was not given."""
    return None if value is None else value is YesNo.YES


def parse_domain_score(value: str) -> tuple[str, int]:
    """NAME=SCORE, e.g. `social=2`."""
    name, sep, score = value.partition("=")
    if not sep or not score.strip().lstrip("-").isdigit():
        raise typer.BadParameter(
            _("{value!r} is not NAME=SCORE, e.g. social=2").format(value=value)
        )
    return name.strip().lower(), int(score)


def print_created(text: object, fmt: CreatedFormat, record: dict[str, Any]) -> None:
    """What a creating command prints: its reference or number, or with --format json the record."""
    typer.echo(to_json(record) if fmt is CreatedFormat.JSON else text)


@contextmanager
def progress_display(label: str) -> Iterator[Callable[[int], None] | None]:
    """A rows-done display on a terminal's stderr, shown only once the work has run for a second.

    `label` is marked N_ ("Importing youths") and translated here.

    Yields the callback to give a service (None when stderr is not a terminal).
    """
    if not sys.stderr.isatty():
        yield None
        return
    # RVNEET_PROGRESS_DELAY (seconds) lets a test see the display without slow work.
    delay = float(os.environ.get("RVNEET_PROGRESS_DELAY", "1"))
    started = time.monotonic()
    state: dict[str, Any] = {}

    def update(done: int) -> None:
        if "bar" not in state:
            if time.monotonic() - started < delay:
                return
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            bar = Progress(
                SpinnerColumn(),
                TextColumn(f"{translate(label)}:"),
                TextColumn(_("{task.completed:,} rows")),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            bar.start()
            state["bar"], state["task"] = bar, bar.add_task(label, total=None)
        state["bar"].update(state["task"], completed=done)

    try:
        yield update
    finally:
        if "bar" in state:
            state["bar"].stop()
