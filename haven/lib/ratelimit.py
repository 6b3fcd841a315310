"""Fixed-window rate limits kept in the cache, keyed by keyed hashes, never by raw addresses.

Applicants' IP addresses are not stored anywhere by Haven: a client is identified for rate
limiting by an HMAC of its address with a secret key and the current window, so the cache holds
only opaque digests that expire with the window. The default cache is the database cache
(shared by every app server), so limits hold across workers.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


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


def _cache_key(limit: Limit, identity: str) -> str:
    window = int(time.time() // limit.seconds)
    message = f"{limit.name}|{window}|{identity}".encode()
    digest = hmac.new(str(settings.RATELIMIT_KEY).encode(), message, hashlib.sha256)
    return "rl:" + digest.hexdigest()


def exceeded(limit: Limit, identity: str) -> bool:
    """Whether ``identity`` has used up ``limit`` in the current window (counts nothing)."""
    return int(cache.get(_cache_key(limit, identity), 0)) >= limit.count


def hit(limit: Limit, identity: str) -> int:
    """Count one hit; returns the hits in the current window, this one included."""
    key = _cache_key(limit, identity)
    if cache.add(key, 1, timeout=limit.seconds):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=limit.seconds)
        return 1


def retry_after(limit: Limit) -> int:
    """Seconds until the current window of ``limit`` ends and its counts start again."""
    return limit.seconds - int(time.time()) % limit.seconds
