"""House life: planning a shelter's weekly rota from its residents, absences and chores.

``plan_week`` feeds ``haven.rules.rota.plan`` with the people who stay in the shelter that
week (from their stays and recorded absences) and the balance of the last twelve weeks of
stored turns (each turn's work shared among those at home that day, as the rota counts it),
so a new week continues evenly where the last one ended. Planning a week again replaces that
week's turns; turns of other weeks are never touched.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from itertools import pairwise

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q

from haven.core.models import Absence, Chore, RotaSlot, Shelter, Stay
from haven.core.services import audit
from haven.rules import rota

HISTORY_WEEKS = 12


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Residents:
    """The shelter's residents in a window, as the rota sees them (ids are Person pks)."""

    people: list[rota.Person]

    @classmethod
    def load(cls, shelter: Shelter, start: date, end: date) -> Residents:
        """Everyone with a stay in ``shelter`` overlapping [start, end)."""
        stays = (
            Stay.objects.heads()
            .filter(bed__room__shelter=shelter, check_in__lt=end)
            .filter(Q(check_out__isnull=True) | Q(check_out__gt=start))
            .order_by("person_id", "check_in")
        )
        spans: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
        for stay in stays:
            spans[stay.person_id].append((stay.check_in, stay.check_out))
        away: dict[int, set[date]] = defaultdict(set)
        for absence in Absence.objects.filter(
            person_id__in=list(spans), first_day__lt=end, last_day__gte=start
        ):
            day = max(absence.first_day, start)
            while day <= absence.last_day and day < end:
                away[absence.person_id].add(day)
                day += timedelta(days=1)
        people = []
        for person_id, periods in spans.items():
            # Several stays in one house: days between them count as days away.
            first, last = periods[0][0], periods[-1][1]
            gaps: set[date] = set()
            for (_, out), (back, _) in pairwise(periods):
                day = out or back
                while day < back:
                    gaps.add(day)
                    day += timedelta(days=1)
            people.append(
                rota.Person(str(person_id), first, last, frozenset(away[person_id] | gaps))
            )
        return cls(people)


@dataclass(frozen=True)
class Balance:
    load: dict[str, Fraction]
    share: dict[str, Fraction]
    done: dict[tuple[str, str], int]


def balance(shelter: Shelter, monday: date) -> Balance:
    """Load, share and turns per task of each person over the last twelve weeks' turns."""
    start = monday - timedelta(weeks=HISTORY_WEEKS)
    residents = {p.id: p for p in Residents.load(shelter, start, monday).people}
    load: dict[str, Fraction] = defaultdict(Fraction)
    share: dict[str, Fraction] = defaultdict(Fraction)
    done: dict[tuple[str, str], int] = defaultdict(int)
    turns = RotaSlot.objects.filter(
        chore__shelter=shelter, day__gte=start, day__lt=monday
    ).select_related("chore")
    for turn in turns:
        home = [p for p in residents.values() if rota.at_home(p, turn.day)]
        load[str(turn.person_id)] += turn.chore.weight
        done[str(turn.person_id), str(turn.chore_id)] += 1
        for person in home:
            share[person.id] += Fraction(turn.chore.weight, len(home))
    return Balance(dict(load), dict(share), dict(done))


def _seed(shelter: Shelter, monday: date) -> int:
    digest = hashlib.sha256(f"{shelter.public_id}:{monday.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def plan_week(shelter: Shelter, monday: date, *, actor: User) -> rota.Rota:
    """(Re)plan the week starting ``monday`` and store its turns."""
    if monday.weekday() != 0:
        raise ValueError("a rota week starts on a Monday")
    end = monday + timedelta(days=7)
    with transaction.atomic():
        Shelter.objects.select_for_update(no_key=True).get(pk=shelter.pk)
        chores = list(Chore.objects.filter(shelter=shelter, active=True))
        tasks = [
            rota.Task(str(c.pk), people=c.people, weight=c.weight, weekdays=frozenset(c.weekdays))
            for c in chores
        ]
        past = balance(shelter, monday)
        people = Residents.load(shelter, monday, end).people
        planned = rota.plan(
            tasks,
            people,
            monday,
            7,
            seed=_seed(shelter, monday),
            load=past.load,
            share=past.share,
            done=past.done,
        )
        RotaSlot.objects.filter(chore__shelter=shelter, day__gte=monday, day__lt=end).delete()
        RotaSlot.objects.bulk_create(
            RotaSlot(chore_id=int(s.task), day=s.day, person_id=int(s.person))
            for s in planned.slots
        )
        audit.record(
            "rota.planned",
            shelter,
            actor=actor,
            week=monday.isoformat(),
            turns=len(planned.slots),
            unfilled=len(planned.unfilled),
        )
    return planned
