"""Two coordinators place two people in the same bed at the same moment (PostgreSQL).

Without the lock both see the bed free (the race is real) and only the database constraint
stops a double booking; with check_in's lock-recheck-write the second one waits, re-checks and
gets a clear error. On SQLite transactions are serialised by IMMEDIATE mode instead, so the
race cannot be staged there; tests/core/test_stays_service.py covers the constraint on both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

import pytest
from django.db import IntegrityError, connection, connections, transaction

from haven.core.models import Application, Bed, Stay
from haven.core.services.applications import decide_application
from haven.core.services.stays import PlacementError, check_in
from tests.conftest import Network, Personas, make_application

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and a real race need PostgreSQL"
    ),
]

DAY = date(2026, 11, 2)


def _two_accepted(personas: Personas) -> list[Application]:
    people = [make_application(display_name=n, contact=f"@{n}") for n in ("Ilya", "Oleg")]
    for application in people:
        decide_application(application, "accept", "Eligible", actor=personas.reviewer)
    return people


def _in_threads(work: Callable[[int], object]) -> list[object]:
    results: list[object] = [None, None]

    def run(n: int) -> None:
        try:
            results[n] = work(n)
        except Exception as exc:  # the outcome is what the test inspects
            results[n] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_without_the_lock_both_see_the_bed_free(network: Network, personas: Personas) -> None:
    people = _two_accepted(personas)
    bed = network.almaty_beds[0]
    both_checked = threading.Barrier(2, timeout=10)
    saw_free: list[bool] = []

    def naive(n: int) -> Stay:
        with transaction.atomic():
            saw_free.append(not Stay.objects.active().filter(bed=bed).exists())
            both_checked.wait()  # both have read "free" before either writes
            return Stay.objects.create(
                person_id=people[n].person_id, bed=bed, check_in=DAY, created_by=personas.admin
            )

    results = _in_threads(naive)

    assert saw_free == [True, True]  # the race: each thought the bed was free
    assert sum(isinstance(r, Stay) for r in results) == 1
    assert sum(isinstance(r, IntegrityError) for r in results) == 1  # only the constraint saved us
    assert Stay.objects.filter(bed=bed).count() == 1


def test_with_the_lock_the_second_placement_gets_a_clear_error(
    network: Network, personas: Personas
) -> None:
    people = _two_accepted(personas)
    bed = Bed.objects.get(pk=network.almaty_beds[0].pk)
    start = threading.Barrier(2, timeout=10)

    def place(n: int) -> Stay:
        start.wait()
        return check_in(people[n], bed, DAY, actor=personas.coordinator)

    results = _in_threads(place)

    assert sum(isinstance(r, Stay) for r in results) == 1
    errors = [r for r in results if isinstance(r, PlacementError)]
    assert len(errors) == 1
    assert "just placed in this bed" in str(errors[0].message)
    assert errors[0].code == "bed_taken"  # the re-check under lock, not the constraint
    assert Stay.objects.filter(bed=bed).count() == 1
    placed = Application.objects.filter(status=Application.Status.PLACED).count()
    assert placed == 1


def test_two_families_sharing_a_bed_cannot_both_check_in(
    network: Network, personas: Personas
) -> None:
    """Family A wants beds 1 and 2, family B beds 3 and 2, at the same moment (their beds
    listed in opposite orders): one gets its beds, the other a clear error, no deadlock."""
    people = [
        make_application(display_name=n, contact=f"@{n}", dependants=1) for n in ("Anna", "Vera")
    ]
    for application in people:
        decide_application(application, "accept", "Eligible", actor=personas.reviewer)
    one, two, three = network.almaty_beds
    wanted = [(one, two), (three, two)]
    start = threading.Barrier(2, timeout=10)

    def place(n: int) -> Stay:
        first, other = wanted[n]
        start.wait()
        return check_in(people[n], first, DAY, actor=personas.coordinator, others=[other])

    results = _in_threads(place)

    assert sum(isinstance(r, Stay) for r in results) == 1
    errors = [r for r in results if isinstance(r, PlacementError)]
    assert [e.code for e in errors] == ["bed_taken"]
    assert Stay.objects.filter(bed=two).count() == 1
    assert Stay.objects.count() == 2  # the winner's two beds, nothing of the other family
