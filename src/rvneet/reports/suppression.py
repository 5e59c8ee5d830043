"""Which counts of a report to hide so that no small count can be seen or worked out.

Small-cell suppression as statistical offices do it, for one-way breakdowns and the figures they add
up to, deterministically (no randomness). Every count has a name: a figure's key (`cases_active`) or
a breakdown's key and category (`by_sex.F`). A *relation* says that a total is the sum of its parts
(a breakdown and its `total_of`; figures that add up, e.g. ended + ongoing = active); *same* says
that two names are one number shown twice (a figure and a breakdown's cell).

1. Primary: every count from 1 to below-1 is hidden.
2. A total below `below` hides every one of its parts.
3. Near-unanimity: a part that is not 0 and leaves fewer than `below` to the other parts of its
   total is hidden, since it shows that the others are few (all in one category is the same).
   A zero is never hidden for itself: with its total shown, only rule 3 makes a zero telling.
4. Complementary: in every relation, one hidden number among the total and its parts could be
   worked out as the difference, and hidden parts that add up to less than `below` would show a
   small count; so while a relation holds exactly one hidden number, or its total is shown and its
   hidden parts add up to less than `below`, the smallest shown part that is not 0 is hidden too
   (ties in the parts' order; a 0 only when no other is left, then the total).
5. A number shown twice is hidden in both places when it is hidden in one.

What is left of a total after some of its parts (follow-ups done but not reached) is never shown, but
follows from them: it is an *unpublished* part of the sum, hidden from the start, and steps 1 to 4
protect it when it is below `below` as if it were shown.

Steps 4 and 5 repeat until nothing changes, so a number hidden by one relation is protected in every
other relation it belongs to. Relations can still fix a hidden number together when none does alone
(a total and a figure that are the same sum in two ways), so then:

6. Audit: the relations are solved together, as linear equations in the hidden numbers (exact
   fractions); while one of them is fixed by the shown ones, the smallest shown part that is not 0
   of a relation it belongs to is hidden too, and steps 4 to 6 run again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

METHOD = "primary+complementary"

Relation = tuple[str, Sequence[str]]


def hidden_counts(
    values: Mapping[str, int],
    relations: Iterable[Relation],
    same: Iterable[tuple[str, str]],
    below: int,
    unpublished: Iterable[str] = (),
) -> set[str]:
    """The names of the counts to hide among `values`, for threshold `below` (see the module).

    `unpublished` names counts that are never shown but follow from others (what is left of a
    total after its shown parts, e.g. follow-ups done but not reached): they start hidden, and one
    of `below` or more may be worked out (it is no small count).
    """
    sums = [(total, list(parts)) for total, parts in relations]
    pairs = list(same)
    hidden = {name for name, value in values.items() if 0 < value < below}
    rests = set(unpublished)
    free = {name for name in rests if values[name] >= below}  # may be worked out
    hidden |= rests
    for total, parts in sums:
        whole = values[total]
        if 0 < whole < below:
            hidden.update(parts)
        elif whole >= below:
            hidden.update(p for p in parts if values[p] > 0 and whole - values[p] < below)
    while True:
        changed = True
        while changed:
            changed = False
            for first, second in pairs:
                if (first in hidden) != (second in hidden):
                    hidden.update((first, second))
                    changed = True
            for total, parts in sums:
                pick = _complement(values, total, parts, hidden, below, free)
                if pick is not None:
                    hidden.add(pick)
                    changed = True
        pick = next(
            (
                p
                for name in _fixed(hidden, sums, pairs)
                if name not in free
                if (p := _widen(values, name, sums, pairs, hidden))
            ),
            None,
        )
        if pick is None:
            return hidden
        hidden.add(pick)


def _complement(
    values: Mapping[str, int],
    total: str,
    parts: list[str],
    hidden: set[str],
    below: int,
    free: set[str],
) -> str | None:
    """The next number to hide so that `total = sum(parts)` gives nothing away, or None."""
    members = [name for name in (total, *parts) if name in hidden]
    count = len(members)
    if count == 0 or (members[0] in free and count == 1):
        return None
    small = total not in hidden and sum(values[p] for p in parts if p in hidden) < below
    if count > 1 and not small:
        return None
    shown = [p for p in parts if p not in hidden]
    nonzero = [p for p in shown if values[p] > 0]
    if nonzero or shown:
        # min keeps the first of equals: ties go by the parts' order.
        return min(nonzero or shown, key=lambda p: values[p])
    return total if total not in hidden else None


def _widen(
    values: Mapping[str, int],
    name: str,
    relations: list[tuple[str, list[str]]],
    same: list[tuple[str, str]],
    hidden: set[str],
) -> str | None:
    """A shown number to hide beside `name`, which the relations fix: the smallest shown part that
    is not 0 of the first relation of `name` (or of a name of the same number) that has one, else
    of the first relation with a hidden number (the fixing may come from afar)."""
    names = {name} | {b for a, b in same if a == name} | {a for a, b in same if b == name}
    own = [r for r in relations if r[0] in names or names & set(r[1])]
    others = [r for r in relations if r not in own and hidden & {r[0], *r[1]}]
    for total, parts in own + others:
        shown = [p for p in parts if p not in hidden]
        nonzero = [p for p in shown if values[p] > 0]
        if nonzero or shown:
            return min(nonzero or shown, key=lambda p: values[p])
        if total not in hidden:
            return total
    return None


def _fixed(
    hidden: set[str], relations: list[tuple[str, list[str]]], same: list[tuple[str, str]]
) -> list[str]:
    """The hidden names whose value the relations fix, given every shown number (in name order).

    Each relation is an equation in the hidden numbers; a hidden number is fixed when its unit
    vector lies in the equations' row space. Only which numbers are hidden matters, not the values.
    """
    order = sorted(hidden)
    column = {name: i for i, name in enumerate(order)}
    rows: list[list[Fraction]] = []
    for total, parts in [*relations, *((a, [b]) for a, b in same)]:
        row = [Fraction(0)] * len(order)
        if total in column:
            row[column[total]] -= 1
        for part in parts:
            if part in column:
                row[column[part]] += 1
        if any(row):
            rows.append(row)
    basis: list[tuple[int, list[Fraction]]] = []  # (pivot, row with 1 at the pivot), by pivot
    for row in rows:
        row = _reduce(row, basis)
        pivot = next((i for i, x in enumerate(row) if x), None)
        if pivot is not None:
            row = [x / row[pivot] for x in row]
            basis = sorted([*((p, _reduce(r, [(pivot, row)])) for p, r in basis), (pivot, row)])
    fixed = []
    for name in order:
        unit = [Fraction(name == other) for other in order]
        if not any(_reduce(unit, basis)):
            fixed.append(name)
    return fixed


def _reduce(row: list[Fraction], basis: list[tuple[int, list[Fraction]]]) -> list[Fraction]:
    """`row` less its components along the reduced basis rows."""
    for pivot, base in basis:
        if row[pivot]:
            factor = row[pivot]
            row = [x - factor * y for x, y in zip(row, base, strict=True)]
    return row
