"""Which households go to which room: a local search with exact evaluations, and a bound.

Singles are placed exactly (``engine.solve`` on class nodes, see ``rooms``) once the
households are in; the packing step chooses the households.  Keeping a household together in
one room makes this a bin-packing problem (NP-hard), so the step is a search, with three
parts that each rest on one fact about the singles.

**Fact** (``singles``): the singles' exact optimum for any household configuration is one
run of the priority stage on ``P0``, the singles placed when no household is in, or an
incremental update from the current placement; both exact.

1. **Local search** (always).  Moves: put a waiting household into a room that fits it
   (taking beds from singles); the same after taking out households in that room that are
   in its way (left waiting, or moved to other rooms that fit them when the newcomer fits
   no room directly), optionally topping the room up with waiting households; take a
   placed household out (its beds go to singles).  A first pass adds households by an
   estimated gain (beds still free at the room's class nodes cost nothing, the others are
   priced at the lowest priorities among placed singles; of equal estimates the tightest
   room first); then sweeps evaluate moves exactly (total priority of households plus the
   singles' exact optimum after the move) and accept any that raises the total, until a
   whole sweep finds none.  Upper bounds on a move's gain skip moves that cannot improve:
   taking ``d`` beds costs the singles at least ``(d - F) * p`` (``F`` free beds, ``p`` the
   lowest priority among placed singles), and giving ``d`` beds back gains them at most
   the ``d`` highest priorities in ``P0`` now waiting.
2. **Branch and bound** (small instances, a fixed budget of nodes and of work: see
   ``SEARCH_*``).  Households in order of density; each is put in one of the rooms that
   still fit it, or left out.  The bound at a node is the relaxation below on what is left;
   the search starts from the local search's result and reports whether it finished (then
   the result is optimal, and so it is when the relaxation's bound equals the total).
3. **The bound** (always, reported): the same problem with each household's members placed
   as separate people, each only where the whole household could go (a room that fits it:
   size, gender, accessible beds).  Every real placement is a placement of this relaxation,
   which is a transversal matroid again and solved exactly by the engine, so its optimum is
   an upper bound on any placement's total priority.

Everything is deterministic: same input and seed, same result.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np

from .problem import IntArray, Problem, Solution
from .rooms import RoomProblem, node_of
from .singles import Singles

__all__ = ["PackStats", "Packing", "pack"]

# Branch and bound runs when the instance is this small (households searched, and people in
# one bound evaluation), within at most SEARCH_NODES bound evaluations and SEARCH_WORK people
# evaluated in all (each bound evaluation runs the priority stage on that many people): a
# fraction of a second, after which the local search's result stands.
SEARCH_HOUSEHOLDS = 40
SEARCH_PEOPLE = 2_000
SEARCH_NODES = 20_000
SEARCH_WORK = 300_000
# A swap's fill step looks at this many waiting households that fit the room.
_FILL_LOOK = 20


@dataclass
class PackStats:
    """What the packing step did."""

    evaluations: int = 0  # exact evaluations of a household configuration (full runs)
    incremental: int = 0  # exact evaluations of beds taken, from the current placement
    skipped: int = 0  # moves skipped because their bound showed they cannot improve
    moves: int = 0  # improving moves accepted by the local search
    sweeps: int = 0
    search_nodes: int = 0  # bound evaluations in the branch and bound
    search_finished: bool = False  # the branch and bound proved its result optimal


@dataclass(frozen=True, eq=False)
class Packing:
    """The packing step's answer.

    ``room_of[h]``: the room of household ``h``, or -1.  ``singles``: the exact engine's
    solution for the singles, on ``singles_problem`` (whose applicant ``i`` is
    ``people[i]``).  ``total_priority``: households plus singles.  ``bound``: no placement
    reaches more; equal to ``total_priority`` when the search proved it optimal.
    """

    room_of: IntArray
    people: IntArray
    singles_problem: Problem
    singles: Solution
    total_priority: int
    bound: int
    stats: PackStats = field(default_factory=PackStats)

    @property
    def optimal(self) -> bool:
        return self.total_priority == self.bound


class _State:
    """Households in rooms: members (``K``) and members needing an accessible bed (``N``)."""

    def __init__(self, problem: RoomProblem) -> None:
        self.room_of = [-1] * problem.n_households
        self.in_rooms = np.zeros(problem.n_rooms, dtype=np.int64)
        self.needing = np.zeros(problem.n_rooms, dtype=np.int64)
        self.households_in: list[list[int]] = [[] for _ in range(problem.n_rooms)]
        self.value = 0

    def copy(self) -> _State:
        other = object.__new__(_State)
        other.room_of = list(self.room_of)
        other.in_rooms = self.in_rooms.copy()
        other.needing = self.needing.copy()
        other.households_in = [list(h) for h in self.households_in]
        other.value = self.value
        return other

    def move(self, problem: RoomProblem, h: int, room: int) -> None:
        """Put household ``h`` in ``room`` (-1: take it out)."""
        old = self.room_of[h]
        if old >= 0:
            self.in_rooms[old] -= problem.size[h]
            self.needing[old] -= problem.needing[h]
            self.households_in[old].remove(h)
            self.value -= problem.value[h]
        if room >= 0:
            self.in_rooms[room] += problem.size[h]
            self.needing[room] += problem.needing[h]
            self.households_in[room].append(h)
            self.value += problem.value[h]
        self.room_of[h] = room

    def capacity(self, problem: RoomProblem) -> IntArray:
        """Beds left to singles per class node."""
        return problem.node_capacity(self.in_rooms, self.needing)

    def fits(self, problem: RoomProblem, h: int, room: int) -> bool:
        return bool(
            self.in_rooms[room] + problem.size[h] <= problem.room_beds[room]
            and self.needing[room] + problem.needing[h] <= problem.room_access[room]
        )


@dataclass(frozen=True)
class _Move:
    household: int
    room: int  # -1: take the household out
    out: tuple[int, ...] = ()  # households taken out of ``room`` first
    moved: tuple[tuple[int, int], ...] = ()  # of those, the ones put in another room
    also: tuple[int, ...] = ()  # waiting households put in ``room`` too


@dataclass(frozen=True)
class _Now:
    """The singles' side of a state, for bounding moves: ``free`` beds, ``lowest`` priority
    placed, ``best[d]``: the sum of the ``d`` highest priorities in ``P0`` now waiting."""

    total: int
    free: int
    lowest: int
    best: list[int]


class _Search:
    def __init__(
        self, problem: RoomProblem, singles: Singles, order: list[int], stats: PackStats
    ) -> None:
        self.problem = problem
        self.singles = singles
        self.order = order  # households by density, then lottery
        self.rank = {h: i for i, h in enumerate(order)}
        self.stats = stats
        self.beds: list[int] = problem.room_beds.tolist()
        self.access: list[int] = problem.room_access.tolist()
        # the class node of each room's accessible beds (its ordinary beds: the next node)
        self.room_node: list[int] = node_of(problem.room_shelter, problem.room_gender, 0).tolist()

    def total(self, state: _State) -> int:
        return state.value + self.singles.evaluate(state.capacity(self.problem))[0]

    def now(self, state: _State) -> _Now:
        capacity = state.capacity(self.problem)
        value, placed = self.singles.evaluate(capacity)
        priority = self.singles.priority
        waiting = np.sort(priority[~placed])[::-1]
        best = np.zeros(waiting.size + 1, dtype=np.int64)
        np.cumsum(waiting, out=best[1:])
        return _Now(
            total=state.value + value,
            free=int(capacity.sum()) - int(np.count_nonzero(placed)),
            lowest=int(priority[placed].min()) if placed.any() else 0,
            best=best.tolist(),
        )

    def apply(self, state: _State, move: _Move) -> _State:
        after = state.copy()
        for h in move.out:
            after.move(self.problem, h, -1)
        after.move(self.problem, move.household, move.room)
        for h, room in move.moved:
            after.move(self.problem, h, room)
        for h in move.also:
            after.move(self.problem, h, move.room)
        return after

    def _rooms_after(self, state: _State, move: _Move) -> dict[int, tuple[int, int]]:
        """Household members (and those needing an accessible bed) after ``move`` in each
        room it touches."""
        rp = self.problem
        after: dict[int, tuple[int, int]] = {}

        def add(room: int, h: int, sign: int) -> None:
            k, n = after.get(room, (int(state.in_rooms[room]), int(state.needing[room])))
            after[room] = (k + sign * rp.size[h], n + sign * rp.needing[h])

        h = move.household
        if move.room < 0:
            add(state.room_of[h], h, -1)
            return after
        for o in move.out:
            add(move.room, o, -1)
        add(move.room, h, 1)
        for o, room in move.moved:
            add(room, o, 1)
        for x in move.also:
            add(move.room, x, 1)
        return after

    def _value(self, move: _Move) -> int:
        """What ``move`` adds to the households' total."""
        rp = self.problem
        if move.room < 0:
            return -rp.value[move.household]
        kept = {o for o, _ in move.moved}
        return (
            rp.value[move.household]
            + sum(rp.value[x] for x in move.also)
            - sum(rp.value[o] for o in move.out if o not in kept)
        )

    def _waste(self, state: _State, move: _Move) -> tuple[int, int]:
        """Beds and accessible beds the move leaves free in its room: the tightest fit
        first, so that bigger households still find room."""
        k, n = self._rooms_after(state, move)[move.room]
        return self.beds[move.room] - k, self.access[move.room] - n

    def _alike(self, state: _State, room: int) -> tuple[int, ...]:
        """Rooms with the same key are alike for singles and for the households to come:
        trying one of them is enough."""
        return (
            self.room_node[room],
            self.beds[room],
            self.access[room],
            int(state.in_rooms[room]),
            int(state.needing[room]),
        )

    def _left(self, room: int, members: int, needing: int) -> tuple[int, int]:
        """(accessible, ordinary) beds a room leaves to singles (``rooms`` docstring)."""
        beds, access = self.beds[room], self.access[room]
        left = access - needing - max(0, members - needing - (beds - access))
        return left, beds - members - left

    def _room_change(
        self, room: int, members: int, needing: int, members_after: int, needing_after: int
    ) -> tuple[int, int]:
        """Beds given to singles (taken: negative), accessible and ordinary, when a room's
        household members go from ``members`` (``needing``) to ``members_after``."""
        before = self._left(room, members, needing)
        after = self._left(room, members_after, needing_after)
        return after[0] - before[0], after[1] - before[1]

    def _changes(self, state: _State, move: _Move) -> dict[int, int]:
        """Beds a move gives singles (taken: negative) per class node it touches."""
        changes: dict[int, int] = {}
        for room, (k, n) in self._rooms_after(state, move).items():
            change = self._room_change(
                room, int(state.in_rooms[room]), int(state.needing[room]), k, n
            )
            node = self.room_node[room]
            for kind, c in enumerate(change):
                if c:
                    changes[node + kind] = changes.get(node + kind, 0) + c
        return changes

    @staticmethod
    def _bound(value: int, changes: Iterable[int], now: _Now) -> int:
        """An upper bound on the gain of a move worth ``value`` in households that changes
        the beds left to singles by ``changes`` (module docstring, part 1)."""
        changes = list(changes)
        more = sum(c for c in changes if c > 0)
        if more:
            return value + now.best[min(more, len(now.best) - 1)]
        return value - max(0, -sum(changes) - now.free) * now.lowest

    def upper_gain(self, state: _State, move: _Move, now: _Now) -> int:
        return self._bound(self._value(move), self._changes(state, move).values(), now)

    def moves(self, state: _State, now: _Now | None = None) -> list[tuple[int, _Move]]:
        """Moves from ``state`` with their bound (of rooms alike for singles, one each);
        given ``now``, only those whose bound is positive."""
        rp = self.problem
        in_rooms: list[int] = state.in_rooms.tolist()
        needing: list[int] = state.needing.tolist()
        beds, access = self.beds, self.access
        found: list[tuple[int, _Move]] = []
        # waiting households that fit each room holding households (for swaps' fill step)
        waiting_for: dict[int, list[int]] = {
            r: [] for r, inside in enumerate(state.households_in) if inside
        }
        for h in self.order:
            if state.room_of[h] < 0:
                for r in rp.fits[h]:
                    if r in waiting_for:
                        waiting_for[r].append(h)
        for h in self.order:
            v, k, n = rp.value[h], rp.size[h], rp.needing[h]
            room = state.room_of[h]
            if room >= 0:
                change = self._room_change(
                    room, in_rooms[room], needing[room], in_rooms[room] - k, needing[room] - n
                )
                bound = self._bound(-v, change, now) if now else 0
                if now is None or bound > 0:
                    found.append((bound, _Move(h, -1)))
                else:
                    self.stats.skipped += 1
                continue
            # an add takes ``k`` beds from singles wherever it goes: one bound for all rooms
            add = self._bound(v, (-k,), now) if now else 0
            seen: set[tuple[int, ...]] = set()
            # households in the way are moved elsewhere only for a household that fits no
            # room as things are (otherwise it has adds of its own)
            blocked = not any(
                in_rooms[r] + k <= beds[r] and needing[r] + n <= access[r] for r in rp.fits[h]
            )
            for r in rp.fits[h]:
                kr, nr = in_rooms[r], needing[r]
                if kr + k <= beds[r] and nr + n <= access[r]:
                    if now is not None and add <= 0:
                        self.stats.skipped += 1
                        continue
                    key = self._alike(state, r)
                    if key not in seen:
                        seen.add(key)
                        found.append((add, _Move(h, r)))
                    continue
                inside = state.households_in[r]
                for n_out in range(1, len(inside) + 1):
                    for out in itertools.combinations(inside, n_out):
                        k_out = sum(rp.size[o] for o in out)
                        n_in = nr - sum(rp.needing[o] for o in out) + n
                        if kr - k_out + k > beds[r] or n_in > access[r]:
                            continue
                        swaps = [_Move(h, r, out)]
                        ejection = self._eject(state, h, r, out) if blocked else None
                        if ejection is not None:
                            swaps.append(ejection)
                        swaps += [
                            filled
                            for swap in list(swaps)
                            if (filled := self._fill(state, swap, waiting_for[r])) is not None
                        ]
                        for move in swaps:
                            bound = self.upper_gain(state, move, now) if now else 0
                            if now is None or bound > 0:
                                found.append((bound, move))
                            else:
                                self.stats.skipped += 1
        return found

    def _fill(self, state: _State, move: _Move, waiting: list[int]) -> _Move | None:
        """``move`` with the room topped up by waiting households that fit the beds left,
        in household order (a few looked at), if any does."""
        rp = self.problem
        k, n = self._rooms_after(state, move)[move.room]
        beds, access = self.beds[move.room], self.access[move.room]
        also: list[int] = []
        for x in waiting[:_FILL_LOOK]:
            if beds - k < 2:
                break
            if x != move.household and k + rp.size[x] <= beds and n + rp.needing[x] <= access:
                also.append(x)
                k, n = k + rp.size[x], n + rp.needing[x]
        return replace(move, also=tuple(also)) if also else None

    def _eject(self, state: _State, h: int, room: int, out: tuple[int, ...]) -> _Move | None:
        """The move putting ``h`` in ``room`` with the households ``out`` of it put in
        other rooms where they fit (tightest first), if any of them can be."""
        rp = self.problem
        extra: dict[int, tuple[int, int]] = {}
        moved: list[tuple[int, int]] = []
        for o in out:
            best: tuple[tuple[int, int], int] | None = None
            for r in rp.fits[o]:
                if r == room or state.room_of[o] == r:
                    continue
                k, n = extra.get(r, (int(state.in_rooms[r]), int(state.needing[r])))
                k, n = k + rp.size[o], n + rp.needing[o]
                if k <= self.beds[r] and n <= self.access[r]:
                    waste = (self.beds[r] - k, self.access[r] - n)
                    if best is None or waste < best[0]:
                        best = (waste, r)
            if best is not None:
                r = best[1]
                k, n = extra.get(r, (int(state.in_rooms[r]), int(state.needing[r])))
                extra[r] = (k + rp.size[o], n + rp.needing[o])
                moved.append((o, r))
        return _Move(h, room, out, tuple(moved)) if moved else None

    def _valid(self, state: _State, move: _Move) -> bool:
        rp = self.problem
        h, room = move.household, move.room
        if room < 0:
            return state.room_of[h] >= 0
        if state.room_of[h] >= 0 or any(state.room_of[o] != room for o in move.out):
            return False
        if any(o not in move.out or r == room or r not in rp.fits[o] for o, r in move.moved):
            return False
        if any(state.room_of[x] >= 0 or x == h or room not in rp.fits[x] for x in move.also):
            return False
        return all(
            k <= self.beds[r] and n <= self.access[r]
            for r, (k, n) in self._rooms_after(state, move).items()
        )

    def greedy(self, state: _State) -> _State:
        """Add households by estimated gain, best first, without exact evaluations.

        The estimate: beds still free at the room's class nodes cost nothing; the others are
        priced at the lowest priorities among the singles placed, as if any single could be
        pushed out from anywhere.  The sweeps of ``improve`` then check every move exactly.
        """
        basis = self.singles.basis(state.capacity(self.problem))
        cheapest = sorted(self.singles.priority_list[p] for p in np.flatnonzero(basis.placed))
        spare = list(basis.spare)
        used = 0  # singles pushed out so far, cheapest first

        def cost(move: _Move) -> tuple[int, list[tuple[int, int]]]:
            """Singles pushed out, and the free beds used per node."""
            pushed, free = 0, []
            for node, change in self._changes(state, move).items():
                take = min(-change, spare[node])
                free.append((node, take))
                pushed += -change - take
            return pushed, free

        def estimate(move: _Move) -> int:
            pushed, _ = cost(move)
            return self._value(move) - sum(cheapest[used : used + pushed])

        heap = [
            (-estimate(move), self.rank[move.household], self._waste(state, move), move.room, move)
            for _, move in self.moves(state)
            if move.room >= 0 and not move.out
        ]
        heapq.heapify(heap)
        while heap:
            _, rank, waste, room, move = heapq.heappop(heap)
            if not self._valid(state, move):
                continue
            gain = estimate(move)
            if gain <= 0:
                if not heap or -heap[0][0] <= 0:
                    break
                continue
            if heap and gain < -heap[0][0]:
                heapq.heappush(heap, (-gain, rank, waste, room, move))
                continue
            pushed, free = cost(move)
            for node, take in free:
                spare[node] -= take
            used += pushed
            state = self.apply(state, move)
            self.stats.moves += 1
        return state

    def improve(self, state: _State) -> _State:
        """Sweeps of improving moves until a whole sweep finds none (a local optimum)."""
        while True:
            self.stats.sweeps += 1
            improved = False
            now = self.now(state)
            candidates = [
                (
                    -bound,
                    self.rank[move.household],
                    self._waste(state, move) if move.room >= 0 else (0, 0),
                    move,
                )
                for bound, move in self.moves(state, now)
            ]
            candidates.sort(key=lambda c: c[:3])
            for _, _, _, move in candidates:
                if not self._valid(state, move):
                    continue
                if improved and self.upper_gain(state, move, now) <= 0:
                    self.stats.skipped += 1
                    continue
                capacity = state.capacity(self.problem)
                changes = self._changes(state, move)
                value = state.value + self._value(move)
                total = value + self.singles.after_change(capacity, changes)
                if total > now.total:
                    state, improved = self.apply(state, move), True
                    now = self.now(state)
                    self.stats.moves += 1
            if not improved:
                return state

    def branch_and_bound(self, state: _State, best: int, budget: int) -> tuple[_State, bool]:
        """Search all packings of the households (module docstring, part 2) for one better
        than ``best``; returns the best found (``state`` if none) and whether the search
        finished."""
        rp = self.problem
        order = [h for h in self.order if rp.fits[h]]
        best_state = state
        nodes = 0

        class _OutOfBudget(Exception):
            pass

        def visit(depth: int, node: _State) -> None:
            nonlocal best, best_state, nodes
            h, rest = order[depth], order[depth + 1 :]
            children: list[tuple[int, int, _State]] = []
            seen: set[tuple[int, ...]] = set()
            for r in [*rp.fits[h], -1]:
                if r >= 0:
                    if not node.fits(rp, h, r):
                        continue
                    key = self._alike(node, r)
                    if key in seen:
                        continue
                    seen.add(key)
                child = node.copy()
                child.move(rp, h, r)
                nodes += 1
                if nodes > budget:
                    raise _OutOfBudget
                bound = child.value + self.singles.relaxed(
                    child.capacity(rp), rest, partial(child.fits, rp)
                )
                if not rest and bound > best:  # a leaf: the relaxation is exact there
                    best, best_state = bound, child
                children.append((bound, len(children), child))
            if rest:
                for bound, _, child in sorted(children, key=lambda c: (-c[0], c[1])):
                    if bound > best:
                        visit(depth + 1, child)

        finished = True
        try:
            if order:
                visit(0, _State(rp))
        except _OutOfBudget:
            finished = False
        self.stats.search_nodes += nodes
        return best_state, finished


def _household_order(problem: RoomProblem) -> list[int]:
    """Households by density (value per member, high first), then by their first member's
    lottery ticket, then index."""
    keys = []
    for h, members in enumerate(problem.members):
        ticket = int(problem.tickets[members].min())
        keys.append((-problem.value[h] / problem.size[h], ticket, h))
    return [h for _, _, h in sorted(keys)]


def pack(problem: RoomProblem, seed: int, *, search_nodes: int = SEARCH_NODES) -> Packing:
    """Place households into rooms and singles into the beds left (module docstring)."""
    stats = PackStats()
    singles = Singles(problem, seed)
    search = _Search(problem, singles, _household_order(problem), stats)
    candidates = [h for h in search.order if problem.fits[h]]
    state = search.improve(search.greedy(_State(problem)))
    total = search.total(state)
    empty = _State(problem)
    bound = singles.relaxed(empty.capacity(problem), candidates, partial(empty.fits, problem))
    members = sum(problem.size[h] for h in candidates)
    if (
        total < bound
        and search_nodes > 0
        and len(candidates) <= SEARCH_HOUSEHOLDS
        and singles.people.size + members <= SEARCH_PEOPLE
    ):
        budget = min(search_nodes, SEARCH_WORK // (singles.people.size + members))
        found, finished = search.branch_and_bound(state, total, budget)
        stats.search_finished = finished
        if found is not state:
            state = search.improve(found)
            total = search.total(state)
        if finished:
            bound = total
    singles_problem, solution = singles.final(state.capacity(problem))
    stats.evaluations, stats.incremental = singles.evaluations, singles.incremental
    if solution.total_priority + state.value != total or total > bound:
        raise AssertionError("packing: the final solve disagrees with the search or bound")
    return Packing(
        room_of=np.array(state.room_of, dtype=np.int64),
        people=singles.people,
        singles_problem=singles_problem,
        singles=solution,
        total_priority=total,
        bound=bound,
        stats=stats,
    )
