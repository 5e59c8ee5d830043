"""`rvneet check`: the data-quality rules of the case book, one row per rule, references only."""

import datetime as dt
from typing import Annotated, Any

import typer

from rvneet.cli.common import (
    ListFormatOption,
    OutputFormat,
    Shown,
    database,
    parse_period_option,
    print_listing,
    print_rich,
    warn,
)
from rvneet.domain.period import PERIOD_HELP, Period
from rvneet.i18n import N_, _, format_date, message_language

CHECK_COLUMNS = {
    "rule": N_("Rule"),
    "level": N_("Level"),
    "count": N_("Found"),
    "description": N_("Description"),
    "refs": N_("References"),
}


def _shown_refs(row: dict[str, Any]) -> str:
    refs = ", ".join(row["refs"])
    return f"{refs}, …" if row["count"] > len(row["refs"]) else refs


def check_command(
    ctx: typer.Context,
    period: Annotated[
        Period | None,
        typer.Option(
            "--period",
            "-p",
            parser=parse_period_option,
            metavar="PERIOD",
            help=(
                f"Check the cases active in the period, as of its last day: {PERIOD_HELP}. "
                "Default: every case, as of today."
            ),
        ),
    ] = None,
    warn_only: Annotated[
        bool,
        typer.Option("--warn-only", help="Exit with 0 even when a rule finds something."),
    ] = False,
    fmt: ListFormatOption = OutputFormat.TABLE,
) -> None:
    """Check the case book for data-quality problems: one row per rule, with the references found.

    Rules: case-without-assessment, no-recent-contact (60 days), rv-age, neet-age, age-exception
    (a warning: opened outside the ages with a reason), closed-without-reason, followup-overdue,
    rv-followup-overdue (a warning), no-participation-consent, minor-own-consent (a warning: a
    data-sharing consent given by the youth alone below settings consent-age), age-handover (a
    warning: a youth turning 18 in an open RV case, or 17 in an open NEET-risk case, within 90
    days or already, a hand-over to plan until case reassign), ngts-not-contacted (30 days
    after the newest list; an outreach attempt counts), ngts-list-late (a warning: the newest
    list is older than 7 months); of the RV agreement: rv-outside-agreement and
    agreement-limit-exceeded (warnings), lisa4-deadline-missed, lisa4-changed-since-submitted
    (with the figures changed).
    References are case or youth references, Lisa 4 periods or an NGTS list's date, never names or
    personal codes; the first 20 are shown, count has all. The table ends with the newest NGTS
    list and the month the next is expected in (lists come in March and October). Exits with 1
    when an error-level rule finds something, unless --warn-only.

    \b
    Example: rvneet check --period 2025H1
    """
    from rvneet.cli.outreach import next_list_line
    from rvneet.services.agreements import next_deadlines
    from rvneet.services.checks import (
        FIELDS,
        ChecksFailed,
        describe,
        failed,
        failure_message,
        level_shown,
        rule_name,
        run_checks,
    )
    from rvneet.services.outreach import newest_list_on

    with database(ctx).session() as session:
        rows = run_checks(session, period=period)
        day = period.end if period else dt.date.today()
        upcoming = [d for d in next_deadlines(session, day) if not d["overdue"]]
        last_list = newest_list_on(session, day)
    if fmt is OutputFormat.JSON:
        print_listing(rows, fmt, CHECK_COLUMNS, "")
    else:
        shown = [{**row, "refs": _shown_refs(row)} for row in rows]
        if fmt is OutputFormat.TABLE:  # CSV keeps the English description, as JSON does
            shown = [{**row, "description": describe(row["rule"])} for row in shown]
        # Rule names and levels in the user's language in a table; CSV keeps the machine values.
        values: dict[str, Shown] = {"rule": rule_name, "level": level_shown}
        print_listing(shown, fmt, CHECK_COLUMNS, _title(period), FIELDS, values=values)
        if fmt is OutputFormat.TABLE and upcoming:
            # The next Lisa 4 deadline of the agreements (clause 4.4), and the periods not sent.
            print_rich(
                _("Next Lisa 4 deadline: {period} by {due}; not yet submitted: {periods}").format(
                    period=upcoming[0]["period"],
                    due=format_date(upcoming[0]["due"], message_language()),
                    periods=", ".join(d["period"] for d in upcoming),
                )
            )
        if fmt is OutputFormat.TABLE and last_list:
            # Lists come in March and October: when to ask for the next one.
            print_rich(next_list_line(last_list, day))  # wrapped at the terminal's width
    failures = failed(rows)
    if not failures:
        return
    if warn_only:
        warn(failure_message(failures))
        return
    raise ChecksFailed(failure_message(failures))


def _title(period: Period | None) -> str:
    """The table's title, its dates as the user's language writes them (31.12.2025 in Estonian)."""
    lang = message_language()
    if period is None:
        return _("Data-quality check, every case, as of {day}").format(
            day=format_date(dt.date.today(), lang)
        )
    return _("Data-quality check, cases active in {period} ({start} … {end}), as of {day}").format(
        period=period.label,
        start=format_date(period.start, lang),
        end=format_date(period.end, lang),
        day=format_date(period.end, lang),
    )
