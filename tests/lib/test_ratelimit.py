"""Rate-limit counts: exact under concurrency, kept for every client, gone when their window is."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, connections

from haven.core.models import RateCount
from haven.lib.ratelimit import Limit, exceeded, hit, purge_expired

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
