"""The `rvneet` command line: parse, call a service, print. No SQL and no business rules here."""

import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from rvneet import __version__
from rvneet.cli import (
    access,
    agreement,
    audit,
    case,
    casework,
    check,
    correct,
    dbadmin,
    export,
    feedback,
    find,
    followup,
    importing,
    network,
    ngts,
    outreach,
    plan,
    report,
    report_neet,
    report_ops,
    retention,
    settings,
    shell,
    staff,
    support,
    today,
    youth,
)
from rvneet.cli.common import database, use_global_lang
from rvneet.cli.help_i18n import click_words, lang_option, translate_tree
from rvneet.domain.errors import DiskFull, RvneetError
from rvneet.domain.personal_code import redact_codes
from rvneet.domain.visible import visible
from rvneet.i18n import LANG_ENV, Lang, _, language, message_language, use_language

DEBUG_ENV = "RVNEET_DEBUG"
EXIT_USAGE = 2
EXIT_UNEXPECTED = 70


class RvneetGroup(TyperGroup):
    """The root command: every error becomes one line on stderr and a documented exit code."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("prog_name", "rvneet")
        kwargs["standalone_mode"] = False
        argv = args[0] if args else kwargs.pop("args", None)
        argv = sys.argv[1:] if argv is None else list(argv)
        lang = language(lang_option(argv))
        # The help texts are translated here, when read, not at import: the tree is built per run.
        translate_tree(self, lang)
        from rvneet.db import engines_kept

        with use_language(lang), engines_kept(servers_only=True):
            self._run(argv, *args[1:], **kwargs)

    def _run(self, argv: list[str], *args: Any, **kwargs: Any) -> None:
        """Run the command; every way it can end becomes an exit code (and one line on stderr)."""
        try:
            with click_words(message_language()):
                result = self._asking(argv, *args, **kwargs)
        except RvneetError as exc:
            _fail(str(exc), exc.exit_code)
        except typer.Abort:
            _fail(_("aborted"), 1)
        except Exception as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":
                # A group called without a command: its help, as `--help` prints it, and exit 2.
                print(exc.format_message())  # type: ignore[attr-defined]
                sys.exit(EXIT_USAGE)
            if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
                if not exc.format_message().strip():
                    # A group called without a command has printed its help already.
                    sys.exit(exc.exit_code)
                _fail(_usage_message(exc), exc.exit_code)
            if (full := _no_room(exc)) is not None:
                _fail(full, DiskFull.exit_code)  # a full disk is no bug: one line, exit 4
            if os.environ.get(DEBUG_ENV):
                raise
            _fail(_unexpected(exc), EXIT_UNEXPECTED)
        sys.exit(result if isinstance(result, int) else 0)

    def _asking(self, argv: list[str], *args: Any, **kwargs: Any) -> Any:
        """Run the command; on a terminal, ask for a missing option and run it again with it."""
        from typer._click.exceptions import MissingParameter

        from rvneet.cli.prompting import answer_for

        while True:
            try:
                return super().main(argv, *args, **kwargs)
            except MissingParameter as exc:
                more = answer_for(exc)
                if more is None:
                    raise
                argv = [*argv, *more]


def _usage_message(exc: Any) -> str:
    # Click may spread a message over lines (e.g. listing choices); errors are one line here.
    from rvneet.cli.usage_i18n import translate_usage

    message = " ".join(exc.format_message().split()).replace("Value error, ", "")
    message = translate_usage(message, message_language())
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        message += _(" (see '{command} --help')").format(command=ctx.command_path)
    return message


def _no_room(exc: Exception) -> str | None:
    from rvneet.files.output import no_room_message

    return no_room_message(exc)


def _unexpected(exc: Exception) -> str:
    """The line for a bug: its type, and where its report (the stack, no personal data) was written."""
    from rvneet.error_report import write_report

    report = write_report(exc)
    where = (
        _("the details are in {path}").format(path=report)
        if report
        else _("no report could be written")
    )
    return _(
        "unexpected {error}, a bug in rvneet; {where} (run again with {env}=1 to see them here)"
    ).format(error=type(exc).__name__, where=where, env=DEBUG_ENV)


def _fail(message: str, code: int) -> None:
    # Error output ends up in logs and screenshots: never a personal code, whatever the message;
    # and always one line, even when a library's message quotes a line break from the input.
    # Control characters (an escape sequence in a typed or stored value) are written out visibly.
    line = " ".join(visible(redact_codes(message)).splitlines())
    print(_("Error: {message}").format(message=line), file=sys.stderr)
    sys.exit(code)


app = typer.Typer(
    rich_markup_mode=None,
    cls=RvneetGroup,
    name="rvneet",
    help=(
        "Case book and statistics desk for the Ringist välja (RV) and NEET cooperation models.\n\n"
        "Start with: rvneet init --municipality 'Viljandi linn'\n\n"
        "Dates (DATE) may be written 15.03.2025, 5.3.2025 or 2025-03-15, or today or yesterday "
        "(täna, eile); choices in any case (--model RV, --risk KÕRGE)."
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)
app.add_typer(youth.app, name="youth")
app.add_typer(case.app, name="case")
app.add_typer(report.app, name="report")
app.add_typer(network.app, name="network")
app.add_typer(followup.app, name="followup")
app.add_typer(importing.app, name="import")
app.add_typer(dbadmin.app, name="db")
app.add_typer(outreach.app, name="outreach")
app.add_typer(audit.app, name="audit")
app.add_typer(staff.app, name="staff")
app.add_typer(access.app, name="access")
app.add_typer(agreement.app, name="agreement")
app.add_typer(settings.app, name="settings")
app.add_typer(feedback.app, name="feedback")
app.command("export")(export.export_command)
app.command("find")(find.find_command)
app.command("check")(check.check_command)
app.command("retention")(retention.retention_command)
app.command("shell")(shell.shell_command)
app.command("today")(today.today_command)
# Modules that add commands to the `case`, `youth`, `import` and `report` groups when imported.
_REGISTERED = (casework, plan, support, ngts, export, report_ops, report_neet, correct)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rvneet {__version__}")  # untranslated: the program's name and version
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="RVNEET_DB",
            metavar="PATH",
            help="The database file, or a PostgreSQL database: postgresql://USER@HOST/DATABASE. "
            "Default: rvneet/rvneet.db in your user data folder.",
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            envvar="RVNEET_USER",
            help="Who is working, for the audit log. Default: your login name.",
        ),
    ] = None,
    lang: Annotated[
        Lang | None,
        typer.Option(
            "--lang",
            case_sensitive=False,
            help=(
                "Estonian (et) or English (en) for people: dates in tables as 31.12.2025 in et, "
                f"report labels. Default: ${LANG_ENV}, else the locale (LC_ALL, LC_MESSAGES, LANG "
                "starting with et means Estonian), else English. JSON and CSV stay ISO."
            ),
        ),
    ] = None,
    no_input: Annotated[
        bool,
        typer.Option(
            "--no-input",
            envvar="RVNEET_NO_INPUT",
            help=(
                "Never ask for a missing option, even on a terminal: fail as in a script. "
                "Default: ask on a terminal, unless RVNEET_NO_INPUT=1."
            ),
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Global options come before the command, e.g. `rvneet --db kov.db --lang et case list`."""
    use_global_lang(ctx, lang)


@app.command()
def init(
    ctx: typer.Context,
    municipality: Annotated[
        str,
        typer.Option(
            "--municipality", "-m", help="The municipality (KOV) the database belongs to."
        ),
    ],
) -> None:
    """Create the database, or upgrade it; harmless to run again.

    \b
    Example: rvneet init --municipality 'Viljandi linn'
    """
    from rvneet.db import default_path
    from rvneet.files.folders import make_private_dir
    from rvneet.services.settings import clean_municipality, set_municipality

    municipality = clean_municipality(municipality)
    db = database(ctx)
    if db.url is None and db.path == default_path():
        # Our own default folder may be created; a folder the user named must already exist.
        make_private_dir(db.path.parent)
    created = db.create()
    with db.session(write=True) as session:
        newly_named = set_municipality(session, municipality)
    municipality = visible(municipality)  # as stored, but an escape sequence is not run
    if created or newly_named:
        typer.echo(
            _("Created {path} for {municipality}").format(path=db.where, municipality=municipality)
        )
    else:
        typer.echo(
            _("{path} is ready for {municipality}; nothing to do").format(
                path=db.where, municipality=municipality
            )
        )


def main() -> None:
    """The console script `rvneet`."""
    app()
