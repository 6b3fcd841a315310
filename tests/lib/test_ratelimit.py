"""Rate-limit counts: exact under concurrency, kept for every client, gone when their window is."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection, connections

from haven.core.models import RateCount
from haven.lib.ratelimit import Limit, exceeded, hit, hit_all, key_of, purge_expired
from haven.lib.ratelimit import hits_of as read_along

LIMIT = Limit("test.limit", count=5, seconds=600)
NOW = datetime(2026, 12, 7, 10, 1, tzinfo=UTC)


@pytest.mark.django_db
def test_hits_count_up_and_the_limit_is_reached_at_its_count() -> None:
    with time_machine.travel(NOW, tick=False):
        assert [hit(LIMIT, "client-a") for _ in range(5)] == [1, 2, 3, 4, 5]
        assert exceeded(LIMIT, "client-a")
        assert not exceeded(LIMIT, "client-b")
        assert hit(LIMIT, "client-b") == 1


@pytest.mark.django_db
def test_several_limits_are_counted_together_in_one_statement(
    django_assert_num_queries: Any,
) -> None:
    other = Limit("test.other", count=2, seconds=60)
    with time_machine.travel(NOW, tick=False):
        hit(LIMIT, "client-a")
        with django_assert_num_queries(1):
            assert hit_all([(other, "client-a"), (LIMIT, "client-a")]) == [1, 2]
        with django_assert_num_queries(1):
            assert hit_all([(LIMIT, "client-a"), (other, "client-a"), (LIMIT, "b")]) == [3, 2, 1]
        assert hits_of(other, "client-a") == 2
        assert hits_of(LIMIT, "client-b") == 0
        with pytest.raises(ValueError, match="once per statement"):
            hit_all([(LIMIT, "client-a"), (LIMIT, "client-a")])
        assert hits_of(LIMIT, "client-a") == 3  # the refused call counted nothing


def hits_of(limit: Limit, identity: str) -> int:
    """The count as another query reads it along (``haven.lib.ratelimit.hits_of``)."""
    return int(
        RateCount.objects.annotate(now=read_along(key_of(limit, identity)))
        .values_list("now", flat=True)
        .first()
        or 0
    )


@pytest.mark.django_db
def test_a_new_window_starts_from_zero() -> None:
    with time_machine.travel(NOW, tick=False):
        for _ in range(5):
            hit(LIMIT, "client-a")
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        assert not exceeded(LIMIT, "client-a")
        assert hit(LIMIT, "client-a") == 1


@pytest.mark.django_db
def test_counts_of_many_clients_are_all_kept() -> None:
    # Django's database cache dropped a third of its entries past 300: in a surge the first
    # clients' counts vanished and their limits stopped holding.
    with time_machine.travel(NOW, tick=False):
        for _ in range(5):
            hit(LIMIT, "first")
        for n in range(1000):
            hit(LIMIT, f"client-{n}")
        assert exceeded(LIMIT, "first")
        assert RateCount.objects.count() == 1001


@pytest.mark.django_db
def test_purge_deletes_only_ended_windows() -> None:
    short = Limit("test.short", count=5, seconds=60)
    with time_machine.travel(NOW, tick=False):
        hit(short, "old")
        hit(LIMIT, "current")
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        assert purge_expired() == 1
        assert exceeded(Limit("test.limit", count=1, seconds=600), "current")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_concurrent_hits_are_each_counted_once() -> None:
    results: list[int] = []
    start = threading.Barrier(4, timeout=10)

    def hammer() -> None:
        try:
            start.wait()
            results.extend(hit(LIMIT, "shared") for _ in range(25))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    with time_machine.travel(NOW):  # one window for the whole test
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert sorted(results) == list(range(1, 101))  # no hit lost, none counted twice


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_limits_counted_together_in_any_order_do_not_deadlock() -> None:
    # Many keys, each statement locking them in its own order: without one fixed order of
    # rows, two statements soon wait on each other.
    pairs = [(Limit(f"test.limit{n}", count=5, seconds=600), "shared") for n in range(20)]
    start = threading.Barrier(4, timeout=10)
    failures: list[BaseException] = []

    def hammer(order: list[tuple[Limit, str]]) -> None:
        try:
            start.wait()
            for _ in range(50):
                hit_all(order)
        except BaseException as error:  # a deadlock is raised here, in the thread
            failures.append(error)
        finally:
            connections.close_all()

    orders = [pairs, pairs[::-1], pairs, pairs[::-1]]
    threads = [threading.Thread(target=hammer, args=(order,)) for order in orders]
    with time_machine.travel(NOW):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert failures == []
        assert hit_all(pairs) == [201] * len(pairs)
