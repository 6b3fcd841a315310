"""Counts of the rate limits (haven/lib/ratelimit.py): keyed digests, never addresses."""

from __future__ import annotations

from django.db import models


class RateCount(models.Model):
    """Hits of one limit by one client (or code, or user) in one time window.

    ``key`` is an HMAC of the limit's name, the window and the identity, so the table holds
    no address or code. Rows of past windows are never hit again; ``ratelimit.hit`` deletes
    them now and then.
    """

    key = models.CharField(max_length=64, primary_key=True)
    hits = models.PositiveIntegerField()
    expires = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key[:8]}: {self.hits}"
