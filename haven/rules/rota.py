"""A fair chore and cooking rota for one shelter: pure Python, no Django.

Residents come and go and are sometimes away (an embassy trip, a night shift), so "fair"
cannot mean "the same number of tasks each": it means each person's load follows their
*share*. On every day, each task slot filled is one unit of work split over the people at
home that day; a person's share is the sum of those fractions over the days they were at home. The
rota hands each slot to the eligible person whose load is furthest below their share
(``load - share`` smallest), so every debt is paid back as soon as possible and nobody is
asked to catch up on days before they arrived.

Guarantees (checked by the property tests in ``tests/rules/test_rota.py``):

* only people at home that day (checked in, not checked out, not absent) get tasks;
* nobody gets two slots on the same day while someone at home that day has none;
* with equal presence, no one's load differs from the mean by more than one task, however
  many weeks go by (the test runs 12 weeks);
* with any arrivals, departures and days away, everyone's load stays within two units of
  their share (with unit weights; heavier tasks widen this by their weight);
* the same input gives the same rota (ties are broken by a seeded hash of the person's id,
  never by the order of the input, so no one is always first).

A task may weigh more than one unit (cooking for fourteen is more work than taking out the
bins); loads and shares are then counted in units.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

__all__ = ["Person", "Rota", "Slot", "Task", "at_home", "plan"]


@dataclass(frozen=True)
class Task:
    """A house task done every day (or on some weekdays, 0 = Monday), by ``people`` people."""

    id: str
    people: int = 1
    weight: int = 1
    weekdays: frozenset[int] = frozenset(range(7))


@dataclass(frozen=True)
class Person:
    """A resident: at home from ``arrives`` (inclusive) to ``leaves`` (exclusive, or open),
    except on the days in ``away``."""

    id: str
    arrives: date
    leaves: date | None = None
    away: frozenset[date] = frozenset()


@dataclass(frozen=True)
class Slot:
    day: date
    task: str
    person: str


@dataclass
class Rota:
    """The plan: who does what when, and each person's load and share (in units) after it."""

    slots: list[Slot] = field(default_factory=list)
    load: dict[str, Fraction] = field(default_factory=dict)
    share: dict[str, Fraction] = field(default_factory=dict)
    # How often each person has done each task: among equally loaded people, a task goes to
    # whoever has done it least, so the cooking and the bathroom go round too.
    done: dict[tuple[str, str], int] = field(default_factory=dict)
    unfilled: list[tuple[date, str]] = field(default_factory=list)

    def by_day(self) -> dict[date, dict[str, list[str]]]:
        days: dict[date, dict[str, list[str]]] = {}
        for slot in self.slots:
            days.setdefault(slot.day, {}).setdefault(slot.task, []).append(slot.person)
        return days


def at_home(person: Person, day: date) -> bool:
    return (
        person.arrives <= day
        and (person.leaves is None or day < person.leaves)
        and day not in person.away
    )


def _ticket(seed: int, person_id: str) -> bytes:
    return hashlib.sha256(f"{seed}:{person_id}".encode()).digest()


def plan(
    tasks: Sequence[Task],
    people: Sequence[Person],
    start: date,
    days: int,
    *,
    seed: int = 0,
    load: Mapping[str, Fraction | int] | None = None,
    share: Mapping[str, Fraction | int] | None = None,
    done: Mapping[tuple[str, str], int] | None = None,
) -> Rota:
    """Plan ``days`` days from ``start``.

    ``load``, ``share`` and ``done`` carry the balance of earlier weeks (from the previous
    ``Rota``, or recomputed from the stored rota), so that the next week continues evenly;
    people without a balance start level.
    """
    ids = [p.id for p in people]
    if len(set(ids)) != len(ids):
        raise ValueError("a person is listed twice")
    task_ids = [t.id for t in tasks]
    if len(set(task_ids)) != len(task_ids):
        raise ValueError("a task is listed twice")
    for task in tasks:
        if task.people < 1 or task.weight < 1:
            raise ValueError(f"task {task.id!r}: people and weight must be at least 1")
    rota = Rota(
        load={p.id: Fraction((load or {}).get(p.id, 0)) for p in people},
        share={p.id: Fraction((share or {}).get(p.id, 0)) for p in people},
        done=dict(done or {}),
    )
    tickets = {p.id: _ticket(seed, p.id) for p in people}
    for offset in range(days):
        day = start + timedelta(days=offset)
        home = [p.id for p in people if at_home(p, day)]
        todays = [t for t in tasks if day.weekday() in t.weekdays]
        busy: dict[str, int] = dict.fromkeys(home, 0)
        # Heavier tasks first: they are the ones whose fairness matters most.
        for task in sorted(todays, key=lambda t: (-t.weight, t.id)):
            doing: set[str] = set()
            for _ in range(task.people):
                chosen = _pick(home, busy, doing, rota, tickets, task.id)
                if chosen is None:
                    rota.unfilled.append((day, task.id))
                    continue
                busy[chosen] += 1
                doing.add(chosen)
                rota.load[chosen] += task.weight
                rota.done[chosen, task.id] = rota.done.get((chosen, task.id), 0) + 1
                rota.slots.append(Slot(day, task.id, chosen))
                # The work done today is everyone's at home today, in equal parts.
                for pid in home:
                    rota.share[pid] += Fraction(task.weight, len(home))
    return rota


def _pick(
    home: Iterable[str],
    busy: Mapping[str, int],
    doing: set[str],
    rota: Rota,
    tickets: Mapping[str, bytes],
    task: str,
) -> str | None:
    """Someone at home not on this task yet: fewest tasks today, then furthest below their
    share, then who has done this task least."""
    candidates = [pid for pid in home if pid not in doing]
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda pid: (
            busy[pid],
            rota.load[pid] - rota.share[pid],
            rota.done.get((pid, task), 0),
            tickets[pid],
        ),
    )
