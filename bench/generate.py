"""A synthetic case book, made through rvneet's own layers, for benchmarks and load tests.

Usage: python -m bench.generate --youths N [--seed S] [--force] DB
       python -m bench.generate --youths N [--seed S] --csv FILE   (the youths import file only)

- the database is created by `rvneet.db.Database.create()` (the migrations) and named through
  `services.settings.set_municipality`;
- the youths (Faker et_EE names, valid personal codes, a few foreign youths with a birth date and
  sex instead) are written to a `;`-separated CSV with Estonian headers and loaded by
  `services.imports.run_import(db, "youths", ...)`, the same path as `rvneet import youths`;
- cases and everything recorded on them (assessments, stage changes, contacts and network meetings,
  needs assessments, goals, network members and case networks, support activities and requests,
  closings, reopenings, follow-ups, consents) are written with SQLAlchemy Core bulk inserts in one
  `Database.session(write=True)` transaction, in batches, with their audit entries written through
  `services.audit.audit_bulk` — so the book looks like one rvneet made, at 100 000 youths in a minute
  or two instead of the hours the per-row services would take.

Everything is drawn from `random.Random(seed)` and a Faker seeded with the same seed, so one seed
gives the same book (audit timestamps aside). The book runs from 2023-01-01 to BOOK_END; every rule
the services enforce holds (ages in each model's range, one open case per youth and model, events
inside their case, stage changes in date order, follow-ups due 6 months after the end, ...).
Progress goes to stderr; the row counts of every table to stdout at the end.
"""

from __future__ import annotations

import argparse
import bisect
import calendar
import csv
import datetime as dt
import gc
import random
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Bump when the books it makes change, so that bench/.cache is rebuilt (run.py also hashes this file).
GENERATOR_VERSION = 3

BOOK_START = dt.date(2023, 1, 1)
BOOK_END = dt.date(2026, 10, 31)  # the day the book is "taken"; nothing is dated after it
DEFAULT_SEED = 2026
BATCH = 5000

# Proportions (see DOMAIN.md): ~1.5 cases per youth, ~30 % RV, most cases closed.
CASES_PER_YOUTH = ((1, 0.55), (2, 0.32), (3, 0.13))
RV_TRACK = 0.36  # youths whose first case is RV (aged 12-17 then): ~30 % of the cases
FOREIGN = 0.02  # youths without an Estonian personal code
REOPENED = 0.015

CLOSE_REASONS = (
    ("goals-met", 0.52),
    ("lost-contact", 0.14),
    ("declined", 0.1),
    ("moved", 0.08),
    ("transferred", 0.06),
    ("other", 0.1),
)
ROLES_WEIGHTED = (
    ("child-protection", 12),
    ("social-worker", 8),
    ("youth-worker", 14),
    ("mobile-youth-worker", 5),
    ("police", 6),
    ("probation", 3),
    ("prosecutor", 1),
    ("school-support", 12),
    ("tootukassa", 10),
    ("rajaleidja", 3),
    ("psychologist", 5),
    ("psychiatrist", 2),
    ("debt-counsellor", 2),
    ("other", 2),
)
ORGS = {
    "child-protection": "KOV lastekaitse",
    "social-worker": "KOV sotsiaalosakond",
    "youth-worker": "Noortekeskus",
    "mobile-youth-worker": "Noortekeskus",
    "police": "Politsei- ja Piirivalveamet",
    "probation": "Vangla kriminaalhooldusosakond",
    "prosecutor": "Prokuratuur",
    "school-support": "Põhikool",
    "tootukassa": "Töötukassa",
    "rajaleidja": "Rajaleidja keskus",
    "psychologist": "Perenõustamiskeskus",
    "psychiatrist": "Haigla psühhiaatriakliinik",
    "debt-counsellor": "KOV võlanõustamine",
    "other": "MTÜ",
}
ACTIVITIES = (
    ("karjäärinõustamine", "tootukassa"),
    ("tööpraktika", "tootukassa"),
    ("psühholoogiline nõustamine", "psychologist"),
    ("psühhiaatri konsultatsioon", "psychiatrist"),
    ("võlanõustamine", "debt-counsellor"),
    ("noortekeskuse tegevused", "youth-worker"),
    ("õpiabi", "school-support"),
    ("sotsiaalnõustamine", "social-worker"),
)
GOALS = (
    "Naaseb kooli ja käib tundides",
    "Lõpetab põhikooli",
    "Alustab õpinguid kutsekoolis",
    "Registreerib end Töötukassas",
    "Leiab töökoha",
    "Käib regulaarselt nõustamisel",
    "Loob päevarütmi",
    "Vähendab koolist puudumisi",
    "Ei pane toime uusi õigusrikkumisi",
    "Leiab huvitegevuse",
    "Saab võlad maksegraafikusse",
    "Saab eluasemega seotud abi",
)
NEEDS = (
    ("education", 0.55),
    ("work", 0.45),
    ("health", 0.3),
    ("risk-behaviour", 0.15),
    ("obligations", 0.12),
    ("life-event", 0.1),
    ("institutional-care", 0.04),
    ("other", 0.08),
)
NEEDS_RV = (("risk-behaviour", 0.8), ("education", 0.5), ("health", 0.25), ("other", 0.1))
DOMAINS = (
    "physical",
    "health",
    "psychological",
    "emotional",
    "social",
    "cognitive",
    "educational",
    "economic",
    "parenting",
)
INSTRUMENTS = ("YLS/CMI", "SAVRY", "RV riskihindamise küsimustik")
PLACES = ("noortekeskus", "kool", "vallamaja", "kohvik", "kodu", "Töötukassa", "raamatukogu")
NOTES = (
    "Kokkulepe järgmiseks kohtumiseks",
    "Noor ei tulnud kohale",
    "Arutati õppimisvõimalusi",
    "Vanem osales",
)
STREETS = ("Tallinna", "Pärnu mnt", "Kesk", "Rahu", "Jõe", "Pikk", "Männi", "Kooli", "Aia")
TOWNS = ("Tallinn", "Tartu", "Narva", "Pärnu", "Viljandi", "Rakvere", "Kuressaare", "Võru", "Jõhvi")
EDUCATION = ("põhihariduseta", "põhiharidus", "põhiharidus", "keskharidus", "kutseharidus")
EMPLOYMENT = (None, None, None, "lihttööline", "teenindaja")
REOPEN_REASONS = ("Noor pöördus uuesti", "Olukord halvenes", "Uus suunamine politseilt")
DROP_REASONS = ("Noor ei soovinud", "Eesmärk ei olnud enam asjakohane", "Kolis")
SKIP_REASONS = ("Noor kolis välismaale", "Noor ei soovinud suhelda")


# ---------------------------------------------------------------------------------------------
# Plans: who the youths are and which cases they have, before anything is written.


@dataclass
class YouthPlan:
    """A youth as the import file gives them, and the cases they will have."""

    name: str
    id_code: str | None
    birth: dt.date
    sex: str
    cases: list[CasePlan] = field(default_factory=list)
    id: int = 0
    ref: str = ""


@dataclass
class CasePlan:
    """One case of a youth: model, group, dates, how it closed; ids and references come later."""

    youth: YouthPlan
    model: str
    group: str | None
    start: dt.date
    end: dt.date | None
    close_reason: str | None
    reopen: tuple[dt.date, dt.date, str, str] | None = None  # date, previous end/reason, reason
    id: int = 0
    seq: int = 0
    ref: str = ""
    manager: str | None = None


def add_years(day: dt.date, years: int) -> dt.date:
    """`day` moved by whole years; 29 February becomes 28 February in common years."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def age_on(birth: dt.date, day: dt.date) -> int:
    """Full years on `day` (the same rule as rvneet.domain.rules.age_on)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def random_day(rng: random.Random, low: dt.date, high: dt.date) -> dt.date:
    """A day in [low, high], uniformly."""
    return low + dt.timedelta(days=rng.randint(0, max((high - low).days, 0)))


def birth_for_age(rng: random.Random, on: dt.date, age: int) -> dt.date:
    """A birth date that makes one exactly `age` on `on`."""
    return random_day(rng, add_years(on, -(age + 1)) + dt.timedelta(days=1), add_years(on, -age))


def weighted(rng: random.Random, choices: Sequence[tuple[Any, float]]) -> Any:
    """One value of (value, weight) pairs."""
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def some_of(rng: random.Random, choices: Sequence[tuple[str, float]]) -> list[str]:
    """Each value with its own probability; at least the likeliest one."""
    picked = [c for c, p in choices if rng.random() < p]
    return picked or [choices[0][0]]


def _neet_group(rng: random.Random, age: int) -> str | None:
    """A NEET target group for someone `age` years old (risk 14-19, neet 15-29), or None."""
    risk, neet = 14 <= age <= 19, 15 <= age <= 29
    if risk and neet:
        return "risk" if rng.random() < (0.6 if age <= 17 else 0.2) else "neet"
    return "risk" if risk else "neet" if neet else None


def _plan_case(
    rng: random.Random, youth: YouthPlan, model: str, group: str | None, start: dt.date
) -> CasePlan:
    """Dates and closing of one case starting on `start`."""
    reason = weighted(rng, CLOSE_REASONS)
    # RV: about a year (DOMAIN.md); NEET: months.
    days = rng.triangular(90, 560, 340) if model == "rv" else rng.triangular(30, 450, 150)
    if reason in ("declined", "lost-contact", "moved"):
        days *= rng.uniform(0.25, 0.6)
    end: dt.date | None = start + dt.timedelta(days=int(days))
    assert end is not None
    if end > BOOK_END:
        return CasePlan(youth, model, group, start, None, None)
    case = CasePlan(youth, model, group, start, end, reason)
    if rng.random() < REOPENED:
        again = end + dt.timedelta(days=rng.randint(7, 120))
        if again <= BOOK_END:
            final = again + dt.timedelta(days=rng.randint(30, 240))
            final_reason = weighted(rng, CLOSE_REASONS)
            case.reopen = (again, end, reason, rng.choice(REOPEN_REASONS))
            case.end, case.close_reason = (
                (final, final_reason) if final <= BOOK_END else (None, None)
            )
    return case


def plan_youth(rng: random.Random, fake: Any, serials: set[str]) -> YouthPlan:
    """A youth with their cases, one after another (each starts after the previous one ended)."""
    count = weighted(rng, CASES_PER_YOUTH)
    latest_first = BOOK_END - dt.timedelta(days=320 * (count - 1) + 20)
    first = random_day(rng, BOOK_START, max(latest_first, BOOK_START))
    rv = rng.random() < RV_TRACK
    if rv:
        model, group, age = "rv", None, rng.randint(12, 17)
    elif rng.random() < 0.28:
        model, group, age = "neet", "risk", rng.randint(14, 18)
    else:
        model, group, age = "neet", "neet", int(rng.triangular(15, 29.99, 18))
    birth = birth_for_age(rng, first, age)
    sex = "M" if rng.random() < (0.62 if rv else 0.54) else "F"
    name = (fake.first_name_male() if sex == "M" else fake.first_name_female()) + " "
    name += fake.last_name()
    youth = YouthPlan(name, personal_code(rng, birth, sex, serials), birth, sex)
    if rng.random() < FOREIGN:
        youth.id_code = None
    start = first
    for index in range(count):
        if index:
            age = age_on(birth, start)
            if rv and 12 <= age <= 18 and rng.random() < 0.6:
                model, group = "rv", None
            else:
                model, group = "neet", _neet_group(rng, age)
                if group is None:
                    break
        case = _plan_case(rng, youth, model, group, start)
        youth.cases.append(case)
        if case.end is None:
            break
        start = case.end + dt.timedelta(days=rng.randint(20, 400))
        if start > BOOK_END:
            break
    return youth


def personal_code(rng: random.Random, birth: dt.date, sex: str, used: set[str]) -> str:
    """A valid, unused Estonian personal code (isikukood) for `birth` and `sex`."""
    from stdnum.ee import ik

    century = {18: 1, 19: 3, 20: 5}[birth.year // 100] + (sex == "F")
    while True:
        first_ten = f"{century}{birth:%y%m%d}{rng.randrange(1000):03d}"
        if first_ten not in used:
            used.add(first_ten)
            return first_ten + ik.calc_check_digit(first_ten + "0")


def plan_youths(count: int, seed: int) -> list[YouthPlan]:
    """`count` youths and their cases, the same for the same seed."""
    from faker import Faker

    rng = random.Random(seed)
    fake = Faker("et_EE")
    fake.seed_instance(seed)
    used: set[str] = set()
    identities: set[tuple[str, dt.date, str]] = set()
    youths: list[YouthPlan] = []
    while len(youths) < count:
        youth = plan_youth(rng, fake, used)
        if youth.id_code is None:
            # Without a code, the import tells youths apart by name, birth date and sex.
            identity = (youth.name, youth.birth, youth.sex)
            if identity in identities:
                continue
            identities.add(identity)
        youths.append(youth)
    return youths


def write_youths_csv(path: Path, youths: Iterable[YouthPlan]) -> None:
    """The youths as a coordinator's Excel saves them: `;`, Estonian headers, dd.mm.yyyy dates."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["nimi", "isikukood", "sünniaeg", "sugu"])
        for y in youths:
            if y.id_code:
                writer.writerow([y.name, y.id_code, "", ""])
            else:
                sex = "mees" if y.sex == "M" else "naine"
                writer.writerow([y.name, "", f"{y.birth:%d.%m.%Y}", sex])


# ---------------------------------------------------------------------------------------------
# Writing: Core bulk inserts with their audit entries.

# Parents before children, so a batch never refers to a row not yet written.
ORDER = (
    "network_members",
    "consents",
    "ngts_entries",
    "cases",
    "assessments",
    "stage_changes",
    "contacts",
    "needs_assessments",
    "needs",
    "welfare_scores",
    "goals",
    "case_members",
    "support_activities",
    "support_requests",
    "reopenings",
    "followups",
)
Changes = dict[str, list[Any]]


class Writer:
    """Buffers rows per table and writes them, with their audit entries, in batches."""

    def __init__(self, session: Any) -> None:
        from rvneet.domain.tables import metadata

        self.session = session
        self.connection = session.connection()
        self.tables = {name: metadata.tables[name] for name in ORDER}
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in ORDER}
        self.inserted: dict[str, list[tuple[int, str | None, Changes]]] = {n: [] for n in ORDER}
        self.updated: dict[str, list[tuple[int, str | None, Changes]]] = {n: [] for n in ORDER}
        self.next_id = {name: self._max_id(name) + 1 for name in ORDER}
        self.counts: Counter[str] = Counter()

    def _max_id(self, name: str) -> int:
        from sqlalchemy import func, select

        table = self.tables[name]
        return int(self.connection.execute(select(func.max(table.c.id))).scalar() or 0)

    def add(
        self,
        name: str,
        row: dict[str, Any],
        ref: str | None,
        *,
        initially: dict[str, Any] | None = None,
        updates: Sequence[Changes] = (),
    ) -> int:
        """Queue `row` (its final state); audited as inserted as `initially` overrides say, then
        changed by each of `updates`. Returns the row's id."""
        row_id = self.next_id[name]
        self.next_id[name] += 1
        row = {"id": row_id, **row}
        self.rows[name].append(row)
        first = {**row, **initially} if initially else row
        self.inserted[name].append(
            (row_id, ref, {k: [None, v] for k, v in first.items() if v is not None})
        )
        for changes in updates:
            self.updated[name].append((row_id, ref, changes))
        if len(self.rows[name]) >= BATCH:
            self.flush()
        return row_id

    def flush(self) -> None:
        """Write every queued row and audit entry, parents first."""
        from rvneet.domain.tables import AUDITED
        from rvneet.services.audit import audit_bulk

        redact: dict[str, frozenset[str]] = {
            m.__tablename__: getattr(m, "__audit_redact__", frozenset()) for m in AUDITED
        }
        for name in ORDER:
            rows = self.rows[name]
            if not rows:
                continue
            self.connection.execute(self.tables[name].insert(), rows)
            self.counts[name] += len(rows)
            audit_bulk(self.session, name, "insert", self.inserted[name], redact[name])
            if self.updated[name]:
                audit_bulk(self.session, name, "update", self.updated[name], redact[name])
            self.rows[name], self.inserted[name], self.updated[name] = [], [], []


def _span_day(rng: random.Random, spans: Sequence[tuple[dt.date, dt.date]]) -> dt.date:
    """A day inside one of `spans` (the times a case was open), chosen by their lengths."""
    lengths = [(b - a).days + 1 for a, b in spans]
    total = sum(lengths)
    pick = rng.randrange(total)
    index = bisect.bisect_right(list(_running(lengths)), pick)
    low, high = spans[index]
    return random_day(rng, low, high)


def _from(spans: Sequence[tuple[dt.date, dt.date]], day: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The parts of `spans` on or after `day` (`day` is inside the first span)."""
    return [(max(a, day), b) for a, b in spans if b >= day]


def _running(values: Sequence[int]) -> Iterable[int]:
    total = 0
    for value in values:
        total += value
        yield total


class Book:
    """Writes the cases of planned youths and everything recorded on them."""

    def __init__(self, rng: random.Random, fake: Any, writer: Writer, youths: list[YouthPlan]):
        self.rng = rng
        self.fake = fake
        self.w = writer
        self.youths = youths
        self.members: dict[str, list[int]] = {}
        self.data_sharing: set[int] = set()
        self.channel = case_channels()
        self.list_dates = ngts_list_dates()
        self.on_list: set[tuple[int, dt.date]] = set()
        from rvneet.services.followups import due_date

        self.due_date = due_date

    # -- the network and consents --------------------------------------------------------------

    def network(self, count: int) -> None:
        """`count` specialists, every role at least once."""
        roles = [r for r, _ in ROLES_WEIGHTED]
        roles += self.rng.choices(roles, weights=[w for _, w in ROLES_WEIGHTED], k=count)
        for number, role in enumerate(roles[: max(count, len(ROLES_WEIGHTED))], start=1):
            ref = f"M-{number:03d}"
            first, last = self.fake.first_name(), self.fake.last_name()
            row = {
                "ref": ref,
                "name": f"{first} {last}",
                "role": role,
                "org": ORGS[role],
                "tier": "wider" if role in ("psychiatrist", "debt-counsellor", "other") else "core",
                "email": f"{first}.{last}@example.ee".lower().replace(" ", ""),
                "phone": f"+372 5{self.rng.randrange(10**6, 10**7)}",
                "retired_on": None,
            }
            member_id = self.w.add("network_members", row, ref)
            self.members.setdefault(role, []).append(member_id)

    def listed(self, case: CasePlan) -> None:
        """The youth on the latest NGTS list before the case (the list found them)."""
        rng, youth = self.rng, case.youth
        index = bisect.bisect_left(self.list_dates, case.start) - 1
        if index < 0 or (youth.id, self.list_dates[index]) in self.on_list:
            return
        day = self.list_dates[index]
        self.on_list.add((youth.id, day))
        minor = age_on(youth.birth, day) < 18
        row = {
            "youth_id": youth.id,
            "list_date": day,
            "phone": f"+372 5{rng.randrange(10**6, 10**7)}" if rng.random() < 0.7 else None,
            "email": f"noor{youth.id}@example.ee" if rng.random() < 0.4 else None,
            "address": f"{rng.choice(STREETS)} {rng.randint(1, 60)}-{rng.randint(1, 40)},"
            f" {rng.choice(TOWNS)}",
            "guardian": self.fake.name() if minor else None,
            "guardian_contact": f"+372 5{rng.randrange(10**6, 10**7)}" if minor else None,
            "last_education": rng.choice(EDUCATION),
            "last_employment": rng.choice(EMPLOYMENT),
        }
        self.w.add("ngts_entries", row, youth.ref)

    def member(self, role: str) -> int:
        """A network member of `role` (or any youth worker when the role is missing)."""
        return self.rng.choice(self.members.get(role) or self.members["youth-worker"])

    def consents(self, youth: YouthPlan) -> None:
        """Participation (and mostly data-sharing) consent given before the first case."""
        rng = self.rng
        first = youth.cases[0].start
        day = max(first - dt.timedelta(days=rng.randint(0, 14)), youth.birth)
        minor = age_on(youth.birth, day) < 18
        scopes = ["participation"] + (["data-sharing"] if rng.random() < 0.85 else [])
        for scope in scopes:
            given_by = "guardian" if minor and rng.random() < 0.8 else "youth"
            row = {"youth_id": youth.id, "date": day, "scope": scope, "given_by": given_by}
            self.w.add("consents", {**row, "withdrawn": False}, None)
        if "data-sharing" in scopes:
            self.data_sharing.add(youth.id)
            if rng.random() < 0.02:
                later = random_day(rng, day, BOOK_END)
                row = {"youth_id": youth.id, "date": later, "scope": "data-sharing"}
                self.w.add("consents", {**row, "given_by": "youth", "withdrawn": True}, None)

    # -- cases ---------------------------------------------------------------------------------

    def cases(self, managers: list[str], staff: dict[str, int | None]) -> list[CasePlan]:
        """Every case, numbered per model and year in the order they were opened."""
        cases = [c for y in self.youths for c in y.cases]
        cases.sort(key=lambda c: c.start)  # stable: youths in file order on one day
        seqs: Counter[tuple[str, int]] = Counter()
        for case in cases:
            seqs[case.model, case.start.year] += 1
            case.seq = seqs[case.model, case.start.year]
            case.ref = f"{case.model.upper()}-{case.start.year}-{case.seq:03d}"
            case.manager = self.rng.choice(managers)
            opened = {
                "ref": case.ref,
                "youth_id": case.youth.id,
                "model": case.model,
                "seq": case.seq,
                "start_date": case.start,
                "neet_group": case.group,
                "manager": case.manager,
                "manager_id": staff.get(case.manager),
                "ineligible_reason": None,
            }
            if self.channel:
                opened["channel"] = self.channel(self.rng, case.model)
                from_list = opened["channel"] == NGTS
            else:
                from_list = case.model == "neet" and self.rng.random() < 0.35
            if from_list:
                self.listed(case)
            outcome = self._outcome(case) if case.end else {}
            final = {**opened, **_CLOSED_EMPTY, **outcome}
            updates: list[Changes] = []
            if case.reopen:
                _, previous_end, previous_reason, _ = case.reopen
                closed: Changes = {
                    "end_date": [None, previous_end],
                    "close_reason": [None, previous_reason],
                }
                updates += [closed, {k: [v[1], None] for k, v in closed.items()}]
            if case.end:
                updates.append({k: [None, v] for k, v in outcome.items() if v is not None})
            case.id = self.w.add("cases", final, case.ref, initially=_CLOSED_EMPTY, updates=updates)
        self.w.flush()
        return cases

    def _outcome(self, case: CasePlan) -> dict[str, Any]:
        rng = self.rng
        met = case.close_reason == "goals-met"
        outcome: dict[str, Any] = {"end_date": case.end, "close_reason": case.close_reason}
        if rng.random() < 0.75:
            if case.model == "rv":
                outcome["in_education"] = rng.random() < (0.9 if met else 0.7)
            else:
                outcome["in_education"] = rng.random() < (0.45 if met else 0.2)
                outcome["in_employment"] = rng.random() < (0.4 if met else 0.12)
            start = rng.randint(2, 7)
            outcome["wellbeing_start"] = start
            outcome["wellbeing_end"] = max(1, min(10, start + rng.randint(-1, 4 if met else 2)))
            outcome["satisfaction_manager"] = rng.choices(range(1, 6), [2, 3, 10, 35, 50])[0]
            outcome["satisfaction_overall"] = rng.choices(range(1, 6), [3, 5, 15, 40, 37])[0]
        return outcome

    def events(self, case: CasePlan) -> None:
        """Everything recorded on one case, in the order and within the dates the services allow."""
        rng, w = self.rng, self.w
        last = case.end or BOOK_END
        work_end = case.reopen[1] if case.reopen else last
        spans = [(case.start, work_end)] + ([(case.reopen[0], last)] if case.reopen else [])
        rv = case.model == "rv"

        # Stage changes: the work stages while there is time, closing, follow-up.
        work, closing = (RV_WORK, "closing") if rv else (NEET_WORK, "resolution")
        stages = [(work[0], case.start)]
        day = case.start
        for stage in work[1:]:
            day += dt.timedelta(days=rng.randint(3, 45 if rv else 35))
            if day > work_end:
                break
            if rng.random() < 0.35:  # case managers record some moves, not all
                stages.append((stage, day))
        reached = dict(stages)
        closings: list[tuple[dt.date, dt.date | None]] = []
        if case.reopen:
            closings.append((case.reopen[1], case.reopen[0]))
        if case.end:
            closings.append((case.end, None))
        for end, reopened_on in closings:
            previous = stages[-1][1]
            if end > previous and rng.random() < 0.8:
                stages.append((closing, max(previous, end - dt.timedelta(days=rng.randint(0, 21)))))
            stages.append(("follow-up", end))
            if reopened_on:
                stages.append((REOPEN_STAGE[case.model], reopened_on))
        for stage, day in stages:
            w.add(
                "stage_changes",
                {"case_id": case.id, "stage": stage, "date": day, "note": None},
                case.ref,
            )

        # Assessments: the level given at opening, and later ones drifting.
        if rv:
            levels: tuple[str, ...] = ("medium", "high")
            level = rng.choice(("medium", "high", "high"))
        else:
            levels = ("green", "yellow", "red")
            level = rng.choices(levels, weights=(30, 45, 25))[0]
        later = rng.choices((0, 1, 2, 3), (50, 32, 14, 4))[0]
        dates = [case.start, *sorted(_span_day(rng, spans) for _ in range(later))]
        for index, day in enumerate(dates):
            if index:
                step = -1 if rng.random() < 0.6 else 1
                level = levels[max(0, min(len(levels) - 1, levels.index(level) + step))]
            row = {
                "case_id": case.id,
                "date": day,
                "risk": level if rv else None,
                "light": None if rv else level,
                "instrument": rng.choice(INSTRUMENTS) if rv and rng.random() < 0.7 else None,
            }
            w.add("assessments", row, case.ref)

        # The case network (RV always: a fixed role each, a trusted person; NEET sometimes).
        joined = reached.get("network", reached.get("needs-and-goals", case.start))
        roles: list[str] = []
        if rv:
            roles = ["child-protection", "school-support", "youth-worker"]
            roles += rng.sample(
                ["police", "probation", "psychologist", "social-worker"], rng.randint(0, 2)
            )
            trusted = rng.randrange(len(roles)) if rng.random() < 0.8 else -1
        else:
            roles = rng.sample(
                ["youth-worker", "tootukassa", "social-worker", "mobile-youth-worker"],
                rng.choices((0, 1, 2), (45, 40, 15))[0],
            )
            trusted = -1
        consent = case.youth.id in self.data_sharing
        for index, role in enumerate(roles):
            row = {
                "case_id": case.id,
                "member_id": self.member(role),
                "trusted_person": index == trusted,
                "added_on": joined,
                "removed_on": None,
                "no_consent_reason": None if consent else "Lapse heaolu tagamiseks vajalik",
            }
            w.add("case_members", row, case.ref)

        # Contacts and network meetings.
        contacts: list[dict[str, Any]] = []
        if not rv:
            channel = rng.choices(("phone", "sms", "email"), weights=(50, 35, 15))[0]
            contacts.append(_contact(case.id, case.start, channel))
        span_days = sum((b - a).days for a, b in spans)
        for _ in range(rng.randint(0, 1 + min(3, span_days // 120))):
            channel = rng.choices(
                ("meeting", "phone", "sms", "online", "email"), (45, 25, 15, 10, 5)
            )[0]
            contacts.append(_contact(case.id, _span_day(rng, spans), channel))
        if rv and "network" in reached:
            for _ in range(1 + min(3, span_days // 150)):
                day = _span_day(rng, _from(spans, reached["network"]))
                meeting = _contact(case.id, day, "meeting")
                meeting["network_meeting"] = True
                meeting["with_roles"] = ",".join(roles) or None
                contacts.append(meeting)
        for row in contacts:
            row["place"] = rng.choice(PLACES) if row["channel"] == "meeting" else None
            row["note"] = rng.choice(NOTES) if rng.random() < 0.2 else None
            w.add("contacts", row, case.ref)

        # Needs assessments (NEET nearly always, RV sometimes), with needs and welfare scores.
        if rng.random() < (0.35 if rv else 0.92):
            day = min(
                reached.get("needs-and-goals", case.start + dt.timedelta(days=rng.randint(0, 30))),
                work_end,
            )
            minor = age_on(case.youth.birth, day) < 18
            row = {
                "case_id": case.id,
                "date": day,
                "neet_months": None
                if rv
                else int(min(rng.expovariate(1 / (9 if case.group == "neet" else 2)), 120)),
                "motivation": rng.choices((None, 1, 2, 3, 4, 5), (8, 6, 14, 30, 28, 14))[0],
                "note": None,
            }
            assessment_id = w.add("needs_assessments", row, case.ref)
            for need in some_of(rng, NEEDS_RV if rv else NEEDS):
                w.add("needs", {"assessment_id": assessment_id, "category": need}, None)
            if minor and rng.random() < 0.25:
                for domain in rng.sample(DOMAINS, rng.randint(3, len(DOMAINS))):
                    row = {
                        "assessment_id": assessment_id,
                        "domain": domain,
                        "score": rng.randint(1, 5),
                    }
                    w.add("welfare_scores", row, None)

        # The plan: goals and support activities.
        agreed = min(
            reached.get("action-plan", reached.get("needs-and-goals", case.start)), work_end
        )
        met = case.close_reason == "goals-met"
        for number in range(1, rng.choices((0, 1, 2, 3), (15, 50, 27, 8))[0] + 1):
            due = agreed + dt.timedelta(days=rng.randint(60, 240)) if rng.random() < 0.8 else None
            if case.end:
                state = rng.choices(
                    ("done", "dropped", "open"), (80, 10, 10) if met else (30, 40, 30)
                )[0]
            else:
                state = rng.choices(("done", "dropped", "open"), (25, 5, 70))[0]
            ended = _span_day(rng, _from(spans, agreed)) if state != "open" else None
            row = {
                "case_id": case.id,
                "number": number,
                "text": rng.choice(GOALS),
                "added_on": agreed,
                "due": due,
                "state": state,
                "state_date": ended,
                "reason": rng.choice(DROP_REASONS) if state == "dropped" else None,
            }
            initially = {"state": "open", "state_date": None, "reason": None}
            updates = [] if state == "open" else [_became(initially, row)]
            w.add("goals", row, case.ref, initially=initially, updates=updates)
        for number in range(1, rng.choices((0, 1, 2), (55, 30, 15))[0] + 1):
            kind, role = rng.choice(ACTIVITIES)
            start = _span_day(rng, _from(spans, agreed))
            planned = start + dt.timedelta(days=rng.randint(30, 120))
            open_until = next(b for a, b in spans if a <= start <= b)
            if case.end or (planned <= BOOK_END and rng.random() < 0.5):
                status = rng.choices(("completed", "dropped", "not-suitable"), (60, 25, 15))[0]
                ended_on = random_day(rng, start, min(planned, open_until))
            else:
                status, ended_on = "ongoing", None
            rated = status != "ongoing" and rng.random() < 0.7
            row = {
                "case_id": case.id,
                "number": number,
                "member_id": self.member(role),
                "kind": kind,
                "start_date": start,
                "planned_end": planned,
                "status": status,
                "ended_on": ended_on,
                "feedback": "Noor pidas kasulikuks" if rated and rng.random() < 0.3 else None,
                "satisfaction": rng.choices(range(1, 6), (3, 6, 20, 38, 33))[0] if rated else None,
            }
            initially = {
                "status": "ongoing",
                "ended_on": None,
                "feedback": None,
                "satisfaction": None,
            }
            updates = [] if status == "ongoing" else [_became(initially, row)]
            w.add("support_activities", row, case.ref, initially=initially, updates=updates)

        # RV: SKA support requests (implementation at opening counts in Lisa 4).
        if rv:
            number = 0
            if rng.random() < 0.35:
                number += 1
                row = _request(case.id, number, case.start, "implementation", None, None)
                w.add("support_requests", row, case.ref)
            if rng.random() < 0.06:
                number += 1
                day = _span_day(rng, spans)
                answered = day + dt.timedelta(days=rng.randint(5, 30))
                row = _request(case.id, number, day, "process-management", "Keeruline juhtum", None)
                if answered <= BOOK_END:
                    answer = {
                        "answer": "granted" if rng.random() < 0.7 else "refused",
                        "answered_on": answered,
                        "answer_note": None,
                    }
                    w.add(
                        "support_requests",
                        {**row, **answer},
                        case.ref,
                        initially=row,
                        updates=[_became(row, {**row, **answer})],
                    )
                else:
                    w.add("support_requests", row, case.ref)

        # Reopening, and the follow-up of each closing.
        if case.reopen:
            again, previous_end, previous_reason, reason = case.reopen
            row = {
                "case_id": case.id,
                "date": again,
                "reason": reason,
                "previous_end": previous_end,
                "previous_reason": previous_reason,
            }
            w.add("reopenings", row, case.ref)
            self._followup(case, previous_end, reopened=True)
        if case.end:
            self._followup(case, case.end, reopened=False)

    def _followup(self, case: CasePlan, end: dt.date, *, reopened: bool) -> None:
        rng = self.rng
        due = self.due_date(end)
        row: dict[str, Any] = {"case_id": case.id, "due": due, **_FOLLOWUP_EMPTY}
        initially = dict(_FOLLOWUP_EMPTY)
        if reopened:
            row |= {"status": "skipped", "skip_reason": "case reopened"}
        elif due <= BOOK_END:
            outcome = rng.choices(("done", "skipped", "due"), (76, 7, 17))[0]
            if outcome == "done":
                reached = rng.random() < 0.8
                row |= {
                    "status": "done",
                    "done_on": min(due + dt.timedelta(days=rng.randint(0, 30)), BOOK_END),
                    "reached": reached,
                    "in_education": rng.random() < 0.4 if reached else None,
                    "in_employment": rng.random() < 0.35 if reached else None,
                }
            elif outcome == "skipped":
                row |= {"status": "skipped", "skip_reason": rng.choice(SKIP_REASONS)}
        updates = [_became(initially, row)] if row["status"] != "due" else []
        self.w.add("followups", row, case.ref, initially=initially, updates=updates)


RV_WORK = ("referral", "risk-assessment", "network", "action-plan", "implementation")
NEET_WORK = ("contact", "needs-and-goals", "action", "support")
REOPEN_STAGE = {"rv": "implementation", "neet": "support"}
_CLOSED_EMPTY: dict[str, Any] = {
    "end_date": None,
    "close_reason": None,
    "in_education": None,
    "in_employment": None,
    "wellbeing_start": None,
    "wellbeing_end": None,
    "satisfaction_manager": None,
    "satisfaction_overall": None,
}
_FOLLOWUP_EMPTY: dict[str, Any] = {
    "status": "due",
    "done_on": None,
    "reached": None,
    "in_education": None,
    "in_employment": None,
    "note": None,
    "skip_reason": None,
}


def _contact(case_id: int, day: dt.date, channel: str) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "date": day,
        "channel": channel,
        "place": None,
        "with_roles": None,
        "network_meeting": False,
        "note": None,
    }


def _request(
    case_id: int, number: int, day: dt.date, kind: str, why: str | None, answer: str | None
) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "number": number,
        "date": day,
        "kind": kind,
        "justification": why,
        "answer": answer,
        "answered_on": None,
        "answer_note": None,
    }


def _became(before: dict[str, Any], after: dict[str, Any]) -> Changes:
    """The audit changes of an update from `before` to `after` (fields of `before` only)."""
    return {k: [v, after[k]] for k, v in before.items() if after[k] != v}


# How youths come to each model, by the values of rvneet's vocabulary (other values: weight 5).
CHANNEL_WEIGHTS = {
    "rv": {
        "referral": 60,
        "school": 25,
        "mobile-youth-work": 5,
        "self": 5,
        "other": 10,
        "ngts-list": 0,
    },
    "neet": {
        "ngts-list": 35,
        "mobile-youth-work": 15,
        "referral": 25,
        "self": 15,
        "school": 5,
        "other": 5,
    },
}
NGTS = "ngts-list"


def case_channels() -> Callable[[random.Random, str], str] | None:
    """How a case came to the book, if this schema records it (`cases.channel`, migration 0004).

    The values are rvneet's own vocabulary (an enum named like `*Channel` other than the contact
    channel, e.g. ReachChannel); without one, the column is left to its default.
    """
    from rvneet.domain import enums
    from rvneet.domain.tables import metadata

    if "channel" not in metadata.tables["cases"].c:
        return None
    vocabularies = [
        e
        for name, e in vars(enums).items()
        if name.endswith("Channel") and name != "ContactChannel" and isinstance(e, type)
    ]
    if not vocabularies:
        return None
    values = [member.value for member in vocabularies[0]]  # type: ignore[attr-defined]
    weights = {m: [CHANNEL_WEIGHTS[m].get(v, 5) for v in values] for m in CHANNEL_WEIGHTS}

    def channel(rng: random.Random, model: str) -> str:
        return rng.choices(values, weights=weights[model])[0]

    return channel


def ngts_list_dates() -> list[dt.date]:
    """The NGTS monitoring lists of the book's years: made in March and October."""
    days = [
        dt.date(y, m, 15) for y in range(BOOK_START.year - 1, BOOK_END.year + 1) for m in (3, 10)
    ]
    return [d for d in days if d <= BOOK_END]


# ---------------------------------------------------------------------------------------------


def generate(
    path: Path,
    youths: int,
    seed: int = DEFAULT_SEED,
    *,
    municipality: str | None = None,
    user: str = "bench",
    log: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Make the book at `path` (which must not exist); returns the row count of every table."""
    say = log or (lambda message: None)
    started = time.perf_counter()

    def step(message: str) -> None:
        say(f"[{time.perf_counter() - started:6.1f} s] {message}")

    if path.exists():
        raise FileExistsError(f"{path} exists")
    # Millions of small dicts and none in cycles: the cyclic collector would only walk them again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _generate(path, youths, seed, municipality, user, step)
    finally:
        if collecting:
            gc.enable()


def _generate(
    path: Path,
    youths: int,
    seed: int,
    municipality: str | None,
    user: str,
    step: Callable[[str], None],
) -> dict[str, int]:
    from faker import Faker

    from rvneet.db import Database
    from rvneet.domain.enums import StaffRole
    from rvneet.services.imports import run_import
    from rvneet.services.settings import set_municipality
    from rvneet.services.staff import add_staff

    step(f"planning {youths} youths (seed {seed})")
    plans = plan_youths(youths, seed)
    db = Database(path, user)
    db.create()
    with db.session(write=True) as session:
        set_municipality(session, municipality or f"Sünteetiline maakond {seed}")
    source = path.with_name(path.name + ".youths.csv")
    write_youths_csv(source, plans)
    step(f"importing {youths} youths with rvneet's youths import")

    def progress(rows: int) -> None:
        if rows % 20000 == 0:
            step(f"  {rows} rows")

    try:
        result = run_import(db, "youths", source, progress=progress)
    finally:
        source.unlink()
    if result.new != youths:
        raise RuntimeError(f"the import registered {result.new} youths of {youths}")
    with sqlite3.connect(path) as con:
        registered = con.execute("SELECT id, ref FROM youths ORDER BY id").fetchall()
    for plan, (youth_id, ref) in zip(plans, registered, strict=True):  # ids follow the file
        plan.id, plan.ref = youth_id, ref

    rng = random.Random(seed + 1)
    fake = Faker("et_EE")
    fake.seed_instance(seed + 1)
    managers = [fake.name() for _ in range(max(3, youths // 250))]
    # The case managers in the staff register, each case managed by one (`case list --mine`); the
    # first has the generating user's login, the bench's RVNEET_USER, and is an admin who also
    # manages cases (a case manager may not run reports or open a case for another's youth).
    with db.session(write=True) as session:
        staff = {
            name: add_staff(
                session,
                name=name,
                user=user if n == 0 else f"manager{n}",
                role=StaffRole.ADMIN if n == 0 else StaffRole.CASE_MANAGER,
            ).staff.id
            for n, name in enumerate(managers)
        }
    with db.session(write=True) as session:
        writer = Writer(session)
        book = Book(rng, fake, writer, plans)
        book.network(max(20, youths // 40))
        for plan in plans:
            book.consents(plan)
        step("writing cases")
        cases = book.cases(managers, staff)
        step(f"writing the events of {len(cases)} cases")
        for number, case in enumerate(sorted(cases, key=lambda c: c.id), start=1):
            book.events(case)
            if number % 25000 == 0:
                step(f"  {number} cases")
        writer.flush()
        step("committing")
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        counts = {
            n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in sorted(names)
        }
    con.close()
    step("done")
    return counts


def main(argv: list[str] | None = None) -> None:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("db", type=Path, nargs="?", help="the database file to create")
    parser.add_argument(
        "--youths", type=int, default=1000, help="1000: a municipality; 100000: national"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--municipality", help="default: 'Sünteetiline maakond SEED'")
    parser.add_argument("--user", default="bench", help="who the audit log names")
    parser.add_argument("--force", action="store_true", help="replace DB if it exists")
    parser.add_argument(
        "--csv", type=Path, metavar="FILE", help="only write the youths import file (no DB)"
    )
    args = parser.parse_args(argv)
    if args.csv:
        write_youths_csv(args.csv, plan_youths(args.youths, args.seed))
        return
    if args.db is None:
        parser.error("name the database file to create (or give --csv FILE)")
    if args.db.exists():
        if not args.force:
            parser.error(f"{args.db} exists; give --force to replace it")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    counts = generate(
        args.db,
        args.youths,
        args.seed,
        municipality=args.municipality,
        user=args.user,
        log=lambda message: print(message, file=sys.stderr, flush=True),
    )
    events = sum(counts.get(n, 0) for n in EVENT_TABLES)
    width = max(len(n) for n in counts)
    for name, count in counts.items():
        print(f"{name:<{width}}  {count:>9,}")
    print(f"{'events':<{width}}  {events:>9,}  ({', '.join(EVENT_TABLES)})")


# Dated things that happen on a case (the "~1M events" of the national book).
EVENT_TABLES = (
    "assessments",
    "stage_changes",
    "contacts",
    "needs_assessments",
    "goals",
    "support_activities",
    "support_requests",
    "reopenings",
    "followups",
)


if __name__ == "__main__":
    main()
