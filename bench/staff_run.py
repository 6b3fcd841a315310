"""Staff placement runs at surge size: the engine with rooms, with and without ``prune``.

A staff run (``haven.core.services.placements.run_placement``) gives the engine the rooms of
the shelters it covers and everyone waiting in their countries, families as households.  In
a surge the waitlist is hundreds of times the free beds.  This script times the engine part
of such a run (``allocate`` with rooms, from the in-memory instance to the result) on the
whole waitlist (the baseline) and after ``prune`` (what Haven does), in the same run, and
checks that both reach the same total priority.

Instances: ``--shelters`` shelters of 3 rooms with 2-6 free beds each (half open, a quarter
women's, a quarter men's; at most one free accessible bed per room); waitlists of
``--waiting`` applicants (each eligible for every shelter, as in a country), priority U{1..1000},
a third of them with a family of 2-4 (household members at the applicant's priority, gender
unknown), 3 % needing an accessible bed.  Median of ``--repeat`` runs.

Run: ``python -m bench.staff_run`` (``--quick``: smaller).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from functools import partial

from haven.rules.allocation import Allocation, Applicant, Room, Shelter, allocate, prune


def instance(waiting: int, shelters: int, seed: int) -> tuple[list[Shelter], list[Applicant]]:
    rng = random.Random(seed)
    network = []
    for s in range(shelters):
        rooms = tuple(
            Room(
                id=f"{s}-{r}",
                beds=(beds := rng.randint(2, 6)),
                gender=rng.choice(["open", "open", "women", "men"]),
                accessible=min(beds, rng.randint(0, 1)),
            )
            for r in range(3)
        )
        network.append(Shelter(id=str(s), beds=sum(r.beds for r in rooms), rooms=rooms))
    ids = tuple(s.id for s in network)
    people = []
    for i in range(waiting):
        priority = rng.randint(1, 1000)
        size = rng.choice([1] * 6 + [2, 3, 4])
        household = str(i) if size > 1 else None
        people.append(
            Applicant(
                id=str(i),
                priority=priority,
                eligible=ids,
                household=household,
                gender=rng.choice(["woman", "man"]),
                needs_accessible=rng.random() < 0.03,
            )
        )
        people.extend(
            Applicant(id=f"{i}/{k}", priority=priority, eligible=ids, household=household)
            for k in range(1, size)
        )
    return network, people


def pruned(network: list[Shelter], people: list[Applicant], seed: int) -> Allocation:
    """What a staff run does: prune, then allocate."""
    return allocate(network, prune(network, people), seed=seed)


def timed(work: Callable[[], Allocation], repeat: int) -> tuple[float, Allocation]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    assert result is not None
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sizes = [(2_000, 4), (20_000, 4)] if args.quick else [(2_000, 4), (20_000, 20), (100_000, 20)]
    print("waiting  people   shelters beds  kept   whole list   pruned    ratio  same total")
    for waiting, shelters in sizes:
        network, people = instance(waiting, shelters, args.seed)
        beds = sum(s.beds for s in network)
        whole, full = timed(partial(allocate, network, people, seed=args.seed), args.repeat)
        short, result = timed(partial(pruned, network, people, args.seed), args.repeat)
        kept = prune(network, people)
        same = result.total_priority == full.total_priority
        print(
            f"{waiting:>7}  {len(people):>7}  {shelters:>8} {beds:>5} {len(kept):>5}"
            f"  {whole * 1000:>9.0f} ms {short * 1000:>6.0f} ms {whole / short:>7.1f}x  {same}"
        )
        if not same:
            raise SystemExit("FAIL: pruning changed the total priority placed")


if __name__ == "__main__":
    main()
