"""Lisa 4 as sent to SKA (agreement 4.4, 4.6): `report lisa4 --submit` and `report submissions`.

A submission records the period, the day, who, and the SHA-256 of the exact JSON of the report
(`--format json --no-timestamp`, suppressed as it was sent), with its summary. The report is made
again later and compared (`changed_since_submitted`): a late-entered case or a correction that
changes a submitted period's report is found, whatever way the change was made.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlmodel import Session, col, select

from rvneet.domain.access import Capability
from rvneet.domain.errors import Conflict, InvalidInput
from rvneet.domain.period import Period
from rvneet.domain.tables import Submission
from rvneet.i18n import _, format_date, message_language
from rvneet.reports.model import Report
from rvneet.services.permissions import require
from rvneet.storage.audit import recorded_user

# The fields of `report submissions`, in order (JSON keys and CSV header).
FIELDS = ("period", "start", "end", "submitted_on", "user", "sha256", "early", "reason")


def _day(day: dt.date) -> object:
    return format_date(day, message_language())


def report_json(report: Report, suppress_below: int | None) -> str:
    """The report's JSON exactly as `--format json` writes it (no timestamp in JSON, ever)."""
    from rvneet.reports.model import suppress
    from rvneet.reports.render import render_json

    if suppress_below is not None:
        report = suppress(report, suppress_below)
    return render_json(report)


def sha256(text: str) -> str:
    """SHA-256 (hex) of the text as written (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build(session: Session, start: dt.date, end: dt.date, label: str) -> Report:
    """Lisa 4 of the period start … end, as the book stands now."""
    from rvneet.reports.lisa4 import build_lisa4

    return build_lisa4(session, Period(label, start, end))


def latest(session: Session, period: Period) -> Submission | None:
    """The newest submission of the period (same first and last day), if any."""
    return session.exec(
        select(Submission)
        .where(Submission.start_date == period.start, Submission.end_date == period.end)
        .order_by(col(Submission.id).desc())
    ).first()


def record_submission(
    session: Session,
    report: Report,
    *,
    date: dt.date,
    suppress_below: int | None = None,
    early: bool = False,
    resubmit: bool = False,
    reason: str | None = None,
) -> Submission:
    """Record that `report` (Lisa 4 of its period) was sent to SKA on `date`.

    Refused: a date in the future; a period not ended on `date` unless `early`; a period already
    submitted unless `resubmit` with a `reason`.
    """
    require(session, Capability.REPORTS)
    period: Period = report.period
    why = reason.strip() if reason and reason.strip() else None
    if date > dt.date.today():
        raise InvalidInput(_("the submission date {date} is in the future").format(date=_day(date)))
    if date <= period.end and not early:
        raise InvalidInput(
            _(
                "the period {period} has not ended by {date} (it ends on {end}); "
                "to send it early give --early"
            ).format(period=period.label, date=_day(date), end=_day(period.end))
        )
    previous = latest(session, period)
    if previous is not None and not resubmit:
        raise Conflict(
            _(
                "{period} was already submitted on {date}; to send it again give "
                "--resubmit --reason TEXT"
            ).format(period=previous.period, date=_day(previous.submitted_on))
        )
    if resubmit and why is None:
        raise InvalidInput(_("--resubmit needs --reason TEXT: why the report is sent again"))
    text = report_json(report, suppress_below)
    data = json.loads(text)
    submission = Submission(
        period=period.label,  # as in the JSON sent, so that the report made again hashes the same
        start_date=period.start,
        end_date=period.end,
        submitted_on=date,
        user=recorded_user(session),
        sha256=sha256(text),
        summary=json.dumps(data["summary"], ensure_ascii=False, sort_keys=True),
        suppressed_below=suppress_below,
        early=early,
        reason=why if resubmit else None,
    )
    session.add(submission)
    session.flush()
    return submission


def list_submissions(session: Session) -> list[dict[str, Any]]:
    """Every submission, oldest first, with the fields of FIELDS."""
    require(session, Capability.REPORTS)
    return [
        {
            "period": s.period,
            "start": s.start_date.isoformat(),
            "end": s.end_date.isoformat(),
            "submitted_on": s.submitted_on.isoformat(),
            "user": s.user,
            "sha256": s.sha256,
            "early": s.early,
            "reason": s.reason,
        }
        for s in session.exec(
            select(Submission).order_by(col(Submission.submitted_on), col(Submission.id))
        )
    ]


def _flat(summary: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"by_sex": {"F": 1}}` as `{"by_sex.F": 1}`."""
    flat: dict[str, Any] = {}
    for key, value in summary.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def changed_figures(before: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """`cases_active 3→4` for every summary figure that differs (a missing one counts as 0)."""
    old, new = _flat(before), _flat(now)
    keys = [*new, *(key for key in old if key not in new)]  # in the report's order
    return [
        f"{key} {old.get(key, 0)}→{new.get(key, 0)}"
        for key in keys
        if old.get(key, 0) != new.get(key, 0)
    ]


def changed_since_submitted(session: Session) -> list[str]:
    """For every period whose latest submission no longer matches its report made now: the period
    and the figures that changed (`2025H1: cases_active 3→4`), or that its listing changed."""
    found = []
    seen: set[tuple[dt.date, dt.date]] = set()
    for submission in session.exec(select(Submission).order_by(col(Submission.id).desc())):
        key = (submission.start_date, submission.end_date)
        if key in seen:
            continue  # an older submission of a period sent again
        seen.add(key)
        report = build(session, submission.start_date, submission.end_date, submission.period)
        text = report_json(report, submission.suppressed_below)
        if sha256(text) == submission.sha256:
            continue
        figures = changed_figures(json.loads(submission.summary), json.loads(text)["summary"])
        found.append(
            f"{submission.period}: {', '.join(figures)}"
            if figures
            else _("{period}: the listing changed").format(period=submission.period)
        )
    return sorted(found)
