"""Fixed-window rate limits counted in the database, by keyed hashes, never by raw addresses.

Applicants' IP addresses are not stored anywhere by Haven: a client is identified for rate
limiting by an HMAC of its address with a secret key and the current window, so the counts
table (``RateCount``) holds only opaque digests that expire with the window. It is in the
database, shared by every worker and app server, so limits hold across all of them.

A hit is one statement (an upsert that returns the new count), atomic under any concurrency.
Django's database cache did the same with three to five statements and two commits, and
evicted a third of all entries whenever it held more than 300 (its ``MAX_ENTRIES``): in a
surge, with thousands of clients, counts were thrown away and limits stopped holding. The
hits of several limits are counted in one statement too (``hit_all``), and a count can ride
along in another query (``hits_of``). On PostgreSQL the table is unlogged (migration
core/0017): a count is not worth a disk flush, and a crash only resets the limits.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.db.models import Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from haven.core.models import RateCount

# About one hit in this many also deletes the counts of past windows.
PURGE_ONE_IN = 500


@dataclass(frozen=True)
class Limit:
    """At most ``count`` hits per ``seconds``-long window, for one ``name`` and identity."""

    name: str
    count: int
    seconds: int


def client_identity(request: HttpRequest) -> str:
    """The client's address as seen through ``HAVEN_PROXY_COUNT`` trusted reverse proxies.

    Used only as input to a keyed hash: it is never stored or logged.
    """
    proxies = settings.HAVEN_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def _key(limit: Limit, identity: str) -> tuple[str, datetime]:
    """The digest that counts ``identity`` against ``limit`` now, and when its window ends."""
    window = int(time.time() // limit.seconds)
    message = f"{limit.name}|{window}|{identity}".encode()
    digest = hmac.new(str(settings.RATELIMIT_KEY).encode(), message, hashlib.sha256)
    return digest.hexdigest(), datetime.fromtimestamp((window + 1) * limit.seconds, tz=UTC)


def exceeded(limit: Limit, identity: str) -> bool:
    """Whether ``identity`` has used up ``limit`` in the current window (counts nothing)."""
    key, _ends = _key(limit, identity)
    hits = RateCount.objects.filter(key=key).values_list("hits", flat=True).first()
    return (hits or 0) >= limit.count


def key_of(limit: Limit, identity: str) -> str:
    """The key that counts ``identity`` against ``limit`` in the current window."""
    return _key(limit, identity)[0]


def hits_of(key: str) -> Coalesce:
    """The hits counted under ``key`` (``key_of``), as an expression: another query can
    carry it along."""
    return Coalesce(Subquery(RateCount.objects.filter(key=key).values("hits")[:1]), 0)


def hit(limit: Limit, identity: str) -> int:
    """Count one hit; returns the hits in the current window, this one included."""
    return hit_all([(limit, identity)])[0]


def hit_all(counted: Sequence[tuple[Limit, str]]) -> list[int]:
    """Count one hit of each limit and identity, all in one statement; returns each one's
    hits in its current window, this one included, in the order given."""
    keys = [_key(limit, identity) for limit, identity in counted]
    if len({key for key, _ends in keys}) != len(keys):
        raise ValueError("each limit and identity may be counted once per statement")
    table, key_, hits, expires = (
        connection.ops.quote_name(name)
        for name in (RateCount._meta.db_table, "key", "hits", "expires")
    )
    # Rows in key order, so that two statements counting the same keys lock them in the same
    # order and cannot deadlock.
    ordered = sorted(keys)
    values = ", ".join(["(%s, 1, %s)"] * len(ordered))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_}, {hits}, {expires}) VALUES {values} "  # noqa: S608
            f"ON CONFLICT ({key_}) DO UPDATE SET {hits} = {table}.{hits} + 1 "
            f"RETURNING {key_}, {hits}",
            [value for pair in ordered for value in pair],
        )
        counts = {str(key): int(count) for key, count in cursor.fetchall()}
    if random.randrange(PURGE_ONE_IN) == 0:  # noqa: S311 - spreading work, not a secret
        purge_expired()
    return [counts[key] for key, _ends in keys]


def purge_expired() -> int:
    """Delete the counts of windows that have ended; returns how many."""
    deleted, _ = RateCount.objects.filter(expires__lte=datetime.now(UTC)).delete()
    return deleted


def retry_after(limit: Limit) -> int:
    """Seconds until the current window of ``limit`` ends and its counts start again."""
    return limit.seconds - int(time.time()) % limit.seconds
