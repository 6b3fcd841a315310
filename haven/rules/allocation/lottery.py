"""The tie-break lottery and the ranking (priority high to low, ties by lottery ticket).

Ties are never broken by arrival order: in a surge, arrival order rewards whoever had a
phone and a connection first.  Each applicant draws a 64-bit ticket from the run's seed; among
equal priorities the lower ticket goes first.  The seed is part of the result, so a run can be
replayed and audited:

* ``index_tickets(seed, i)``: SplitMix64 (Steele, Lea, Flood 2014) output number ``i``
  of the stream started at ``seed``: ``z = seed + (i + 1) * 0x9E3779B97F4A7C15 (mod 2**64)``,
  then the SplitMix64 finaliser.  Pure integer arithmetic, so it never changes with a NumPy
  release (NumPy's own generators do not promise that).
* ``id_tickets(seed, ids)``: the first 8 bytes (big-endian) of BLAKE2b over the seed (8 bytes,
  big-endian) and the id (UTF-8).  A ticket depends only on the seed and the id, so listing
  applicants in another order does not change who wins a tie.

Ranking a million applicants is the largest single cost of a run, and usually only the top
few thousand matter (the beds are gone by then).  ``ranked_chunks`` therefore ranks lazily:
the top ``first`` (whole tie groups), then twice as many, and so on, each chunk found with an
O(N) partition and sorted on its own.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator, Sequence

import numpy as np

from .problem import IntArray, TicketArray

__all__ = ["draw_seed", "id_tickets", "index_tickets", "rank", "ranked_chunks"]

MAX_SEED = 2**63 - 1

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def draw_seed() -> int:
    """A fresh seed from the operating system's randomness, in ``0 .. MAX_SEED``."""
    return secrets.randbelow(MAX_SEED + 1)


def index_tickets(seed: int, index: IntArray) -> TicketArray:
    """Lottery tickets for applicant indices (see the module docstring)."""
    z = np.asarray(index, dtype=np.int64).astype(np.uint64) + np.uint64(1)
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64 is the point
        z = z * _GAMMA + np.uint64(seed)
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
    return np.asarray(z ^ (z >> np.uint64(31)), dtype=np.uint64)


def id_tickets(seed: int, ids: Sequence[str]) -> TicketArray:
    """Lottery tickets for applicant ids (see the module docstring)."""
    key = seed.to_bytes(8, "big")
    return np.fromiter(
        (
            int.from_bytes(hashlib.blake2b(key + i.encode(), digest_size=8).digest(), "big")
            for i in ids
        ),
        dtype=np.uint64,
        count=len(ids),
    )


def _sorted(
    index: IntArray, priority: IntArray, seed: int, tickets: TicketArray | None
) -> IntArray:
    ticket = index_tickets(seed, index) if tickets is None else tickets[index]
    keys = np.lexsort((index, ticket, -priority[index]))
    return index[keys]


def rank(priority: IntArray, seed: int, tickets: TicketArray | None = None) -> IntArray:
    """Every applicant index in ranking order (for small problems and for tests)."""
    return _sorted(np.arange(priority.size, dtype=np.int64), priority, seed, tickets)


def ranked_chunks(
    priority: IntArray, seed: int, tickets: TicketArray | None, first: int
) -> Iterator[IntArray]:
    """Applicant indices in ranking order, a chunk at a time.

    Concatenated, the chunks are exactly ``rank(priority, seed, tickets)``.  Each chunk
    holds whole tie groups (every applicant of a priority it touches); the first has at
    least ``first`` applicants (or all), and each later one at least twice the last.
    """
    remaining = np.arange(priority.size, dtype=np.int64)
    values = priority
    want = max(1, first)
    while remaining.size:
        if want >= remaining.size:
            yield _sorted(remaining, priority, seed, tickets)
            return
        # the want-th highest remaining priority; everyone at or above it is this chunk
        kth = np.partition(values, values.size - want)[values.size - want]
        take = values >= kth
        chunk = remaining[take]
        remaining = remaining[~take]
        values = values[~take]
        yield _sorted(chunk, priority, seed, tickets)
        want *= 2
