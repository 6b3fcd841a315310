"""Which households go to which room: a local search with exact evaluations, and a bound.

Singles are placed exactly (``engine.solve`` on class nodes, see ``rooms``) once the
households are in; the packing step chooses the households.  Keeping a household together in
one room makes this a bin-packing problem (NP-hard), so the step is a search, with three
parts that each rest on one fact about the singles.

**Fact.**  Let ``P0`` be the singles the exact engine places when no household is in.  For
any set of households, the singles the engine places in the beds left are a subset of
``P0`` (removing a bed turns the singles' transversal matroid into a quotient of itself,
whose greedy basis lies inside the old one), and the engine run on ``P0`` alone returns the
same set.  So evaluating a household configuration exactly is one run of the priority
stage on ``P0``: at most as many people as there are beds.

1. **Local search** (always).  Moves: put a waiting household into a room that fits it
   (taking beds from singles), the same after taking out the households in that room that
   are in its way, and take a placed household out (its beds go to singles).  Each move is
   evaluated exactly (total priority of households plus the singles' exact optimum after
   it).  A first pass adds households greedily in order of estimated gain; then sweeps
   accept any improving move until a whole sweep finds none.  Upper bounds on a move's gain
   skip moves that cannot improve: taking ``d`` beds costs the singles at least ``(d - F)
   * p`` (``F`` free beds, ``p`` the lowest priority among placed singles), and giving
   ``d`` beds back gains them at most the ``d`` highest priorities in ``P0`` now waiting.
2. **Branch and bound** (small instances, a fixed budget of nodes).  Households in order
   of density; each is put in one of the rooms that still fit it, or left out.  The bound at
   a node is the relaxation below on what is left; the search starts from the local
   search's result and reports whether it finished (then the result is optimal).
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
from dataclasses import dataclass, field, replace

import numpy as np

from .engine import solve
from .problem import IntArray, Problem, Solution, SolveStats
from .rooms import KINDS, RoomProblem, node_of
from .who import choose_who

__all__ = ["PackStats", "Packing", "pack"]

# Branch and bound runs when the instance is this small (households searched, and people in
# one bound evaluation), within this many bound evaluations.
SEARCH_HOUSEHOLDS = 40
SEARCH_PEOPLE = 2_000
SEARCH_NODES = 20_000


@dataclass
class PackStats:
    """What the packing step did."""

    evaluations: int = 0  # exact evaluations of a household configuration
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

    def fits(self, problem: RoomProblem, h: int, room: int) -> bool:
        return bool(
            self.in_rooms[room] + problem.size[h] <= problem.room_beds[room]
            and self.needing[room] + problem.needing[h] <= problem.room_access[room]
        )


class _Singles:
    """Exact evaluation of the singles' part: the priority stage on ``P0`` (module doc)."""

    def __init__(self, problem: RoomProblem, seed: int, stats: PackStats) -> None:
        self.problem = problem
        self.seed = seed
        self.stats = stats
        full = problem.full_capacity()
        self.full = full
        everyone = problem.singles()
        first = solve(problem.singles_problem(everyone, full, full), seed, optimise_match=False)
        self.people = everyone[first.placed]
        self.base = problem.singles_problem(self.people, full, full)
        self.priority = self.base.priority
        self._cache: dict[bytes, tuple[int, IntArray]] = {}

    def capacity(self, state: _State) -> IntArray:
        return self.problem.node_capacity(state.in_rooms, state.needing)

    def evaluate(self, capacity: IntArray) -> tuple[int, IntArray]:
        """(total priority, placed flags over ``people``) of the singles' optimum."""
        key = capacity.tobytes()
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        self.stats.evaluations += 1
        who = choose_who(self._with_beds(capacity), self.seed, SolveStats())
        placed = np.zeros(self.people.size, dtype=bool)
        placed[list(who.home)] = True
        result = (int(self.priority[placed].sum()), placed)
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[key] = result
        return result

    def _with_beds(self, capacity: IntArray) -> Problem:
        return replace(self.base, beds=capacity)

    def final(self, state: _State) -> tuple[Problem, Solution]:
        problem = self._with_beds(self.capacity(state))
        return problem, solve(problem, self.seed)

    def relaxed(self, state: _State, households: list[int]) -> int:
        """The relaxation's optimum (module docstring, part 3) for ``households`` on top of
        the households already in ``state``."""
        rp = self.problem
        capacity = self.capacity(state)
        extra_priority: list[int] = []
        extra_indptr: list[int] = [0]
        extra_nodes: list[int] = []
        for h in households:
            rooms = [r for r in rp.fits[h] if state.fits(rp, h, r)]
            if not rooms:
                continue
            places = sorted({(int(rp.room_shelter[r]), int(rp.room_gender[r])) for r in rooms})
            for person in rp.members[h]:
                kinds = (0,) if rp.needs[person] else tuple(range(KINDS))
                for s, g in places:
                    for kind in kinds:
                        node = int(node_of(s, g, kind))
                        if capacity[node] > 0:
                            extra_nodes.append(node)
                extra_priority.append(int(rp.priority[person]))
                extra_indptr.append(len(extra_nodes))
        b = self.base
        if not extra_priority:
            return state.value + self.evaluate(capacity)[0]
        offset = int(b.indptr[-1])
        problem = Problem(
            beds=capacity,
            priority=np.concatenate([b.priority, np.array(extra_priority, dtype=np.int64)]),
            indptr=np.concatenate([b.indptr, offset + np.array(extra_indptr[1:], np.int64)]),
            shelter=np.concatenate([b.shelter, np.array(extra_nodes, dtype=np.int64)]),
            match=np.zeros(offset + len(extra_nodes), dtype=np.int64),
        )
        who = choose_who(problem, self.seed, SolveStats())
        chosen = np.fromiter(who.home, dtype=np.int64, count=len(who.home))
        return state.value + int(problem.priority[chosen].sum())


@dataclass(frozen=True)
class _Move:
    household: int
    room: int  # -1: take the household out
    out: tuple[int, ...] = ()  # households taken out of ``room`` first


@dataclass(frozen=True)
class _Now:
    """The singles' side of a state, for bounding moves: ``free`` beds, ``lowest`` priority
    placed, ``best[d]``: the sum of the ``d`` highest priorities in ``P0`` now waiting."""

    total: int
    free: int
    lowest: int
    best: list[int]


class _Search:
    def __init__(self, problem: RoomProblem, singles: _Singles, order: list[int]) -> None:
        self.problem = problem
        self.singles = singles
        self.order = order  # households by density, then lottery
        self.rank = {h: i for i, h in enumerate(order)}
        self.stats = singles.stats
        self.beds = problem.room_beds.tolist()
        self.access = problem.room_access.tolist()

    def total(self, state: _State) -> int:
        return state.value + self.singles.evaluate(self.singles.capacity(state))[0]

    def now(self, state: _State) -> _Now:
        capacity = self.singles.capacity(state)
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
        return after

    def _alike(self, state: _State, room: int) -> tuple[int, ...]:
        """Rooms with the same key are alike for singles and for the households to come:
        trying one of them is enough."""
        rp = self.problem
        return (
            int(rp.room_shelter[room]),
            int(rp.room_gender[room]),
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

    def upper_gain(self, state: _State, move: _Move, now: _Now) -> int:
        """An upper bound on the gain of ``move`` (module docstring, part 1)."""
        rp = self.problem
        h = move.household
        room = move.room if move.room >= 0 else state.room_of[h]
        k, n = int(state.in_rooms[room]), int(state.needing[room])
        before = self._left(room, k, n)
        if move.room < 0:
            value = -rp.value[h]
            k, n = k - rp.size[h], n - rp.needing[h]
        else:
            value = rp.value[h] - sum(rp.value[o] for o in move.out)
            k += rp.size[h] - sum(rp.size[o] for o in move.out)
            n += rp.needing[h] - sum(rp.needing[o] for o in move.out)
        after = self._left(room, k, n)
        changes = (after[0] - before[0], after[1] - before[1])
        more = sum(c for c in changes if c > 0)
        if more:
            return value + now.best[min(more, len(now.best) - 1)]
        fewer = -sum(changes)
        return value - max(0, fewer - now.free) * now.lowest

    def moves(self, state: _State) -> list[_Move]:
        """Every move from ``state``; of rooms alike for singles, one."""
        rp = self.problem
        found: list[_Move] = []
        for h in self.order:
            if state.room_of[h] >= 0:
                found.append(_Move(h, -1))
                continue
            seen: set[tuple[int, ...]] = set()
            for r in rp.fits[h]:
                if state.fits(rp, h, r):
                    key = self._alike(state, r)
                    if key not in seen:
                        seen.add(key)
                        found.append(_Move(h, r))
                    continue
                inside = state.households_in[r]
                for n_out in range(1, len(inside) + 1):
                    for out in itertools.combinations(inside, n_out):
                        move = _Move(h, r, out)
                        if self._valid(state, move):
                            found.append(move)
        return found

    def _valid(self, state: _State, move: _Move) -> bool:
        rp = self.problem
        h, room = move.household, move.room
        if room < 0:
            return state.room_of[h] >= 0
        if state.room_of[h] >= 0 or any(state.room_of[o] != room for o in move.out):
            return False
        k = sum(rp.size[o] for o in move.out)
        n = sum(rp.needing[o] for o in move.out)
        return bool(
            state.in_rooms[room] - k + rp.size[h] <= self.beds[room]
            and state.needing[room] - n + rp.needing[h] <= self.access[room]
        )

    def greedy(self, state: _State) -> _State:
        """Add households, best estimated gain first (estimates refreshed lazily)."""
        now = self.now(state)
        heap: list[tuple[int, int, int, _Move]] = []
        for move in self.moves(state):
            if move.room >= 0 and not move.out:
                bound = self.upper_gain(state, move, now)
                if bound > 0:
                    heap.append((-bound, self.rank[move.household], move.room, move))
                else:
                    self.stats.skipped += 1
        heapq.heapify(heap)
        total = now.total
        while heap:
            _, rank, room, move = heapq.heappop(heap)
            if not self._valid(state, move):
                continue
            after = self.apply(state, move)
            gain = self.total(after) - total
            if gain <= 0:
                continue
            if heap and gain < -heap[0][0]:
                heapq.heappush(heap, (-gain, rank, room, move))
                continue
            state, total = after, total + gain
            self.stats.moves += 1
        return state

    def improve(self, state: _State) -> _State:
        """Sweeps of improving moves until a whole sweep finds none (a local optimum)."""
        while True:
            self.stats.sweeps += 1
            improved = False
            now = self.now(state)
            candidates = []
            for move in self.moves(state):
                bound = self.upper_gain(state, move, now)
                if bound > 0:
                    candidates.append((-bound, self.rank[move.household], move))
                else:
                    self.stats.skipped += 1
            candidates.sort(key=lambda c: (c[0], c[1]))
            for _, _, move in candidates:
                if not self._valid(state, move):
                    continue
                if improved and self.upper_gain(state, move, now) <= 0:
                    self.stats.skipped += 1
                    continue
                after = self.apply(state, move)
                total = self.total(after)
                if total > now.total:
                    state, improved = after, True
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
                bound = self.singles.relaxed(child, rest)
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
    singles = _Singles(problem, seed, stats)
    search = _Search(problem, singles, _household_order(problem))
    candidates = [h for h in search.order if problem.fits[h]]
    state = search.improve(search.greedy(_State(problem)))
    total = search.total(state)
    bound = singles.relaxed(_State(problem), candidates)
    members = sum(problem.size[h] for h in candidates)
    if (
        total < bound
        and search_nodes > 0
        and len(candidates) <= SEARCH_HOUSEHOLDS
        and singles.people.size + members <= SEARCH_PEOPLE
    ):
        found, finished = search.branch_and_bound(state, total, search_nodes)
        stats.search_finished = finished
        if found is not state:
            state = search.improve(found)
            total = search.total(state)
        if finished:
            bound = total
    singles_problem, solution = singles.final(state)
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
