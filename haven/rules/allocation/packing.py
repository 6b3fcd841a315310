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
stage on ``P0``: at most as many people as there are beds.  A move changes the beds of one
room only, and is evaluated faster still from the current placement, one bed at a time
(``_Singles.after_change``: giving a bed adds the first-ranked waiting member of ``P0``
who can reach it by a chain of moves; taking one loses the last-ranked person a chain of
moves can push out, if no chain reaches a free bed), with the same exact result.

1. **Local search** (always).  Moves: put a waiting household into a room that fits it
   (taking beds from singles), the same after taking out the households in that room that
   are in its way, and take a placed household out (its beds go to singles).  A first pass
   adds households by an estimated gain (the beds priced at the lowest priorities among
   placed singles); then sweeps evaluate moves exactly (total priority of households plus
   the singles' exact optimum after the move) and accept any that raises the total, until
   a whole sweep finds none.  Upper bounds on a move's gain skip moves that cannot
   improve: taking ``d`` beds costs the singles at least ``(d - F) * p`` (``F`` free beds,
   ``p`` the lowest priority among placed singles), and giving ``d`` beds back gains them
   at most the ``d`` highest priorities in ``P0`` now waiting.
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
from .lottery import rank
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

    def fits(self, problem: RoomProblem, h: int, room: int) -> bool:
        return bool(
            self.in_rooms[room] + problem.size[h] <= problem.room_beds[room]
            and self.needing[room] + problem.needing[h] <= problem.room_access[room]
        )


def _values(home: dict[int, int]) -> IntArray:
    return np.fromiter(home.values(), dtype=np.int64, count=len(home))


@dataclass
class _Basis:
    """The singles' greedy basis for one capacity: its value, who is placed, who is at
    each class node, the beds left per node, and who waits (in ranking order)."""

    value: int
    placed: IntArray
    occupants: list[list[int]]
    spare: list[int]
    waiting: list[int]


class _Step:
    """Beds given and taken one at a time from a ``_Basis`` (``_Singles.after_change``),
    on copies of only what changes."""

    def __init__(self, singles: _Singles, basis: _Basis) -> None:
        self.rows = singles.rows
        self.position = singles.position_list
        self.priority = singles.priority_list
        self.basis = basis
        self.value = basis.value
        self.spare = list(basis.spare)
        self.changed: dict[int, list[int]] = {}
        self.added: set[int] = set()

    def inside(self, node: int) -> list[int]:
        return self.changed.get(node, self.basis.occupants[node])

    def _mutable(self, node: int) -> list[int]:
        if node not in self.changed:
            self.changed[node] = list(self.basis.occupants[node])
        return self.changed[node]

    def _shift(self, parent: dict[int, tuple[int, int]], end: int) -> int:
        """Move everyone along the chain of ``parent`` ending at ``end``; returns the node
        the chain starts from."""
        while True:
            x, person = parent[end]
            if x < 0:
                return end
            self._mutable(x).remove(person)
            self._mutable(end).append(person)
            end = x

    def _search(self, start: list[int]) -> tuple[dict[int, tuple[int, int]], int]:
        """Breadth-first from ``start`` over the moves of the people placed: the parents
        and a node with a free bed (-1: none)."""
        parent: dict[int, tuple[int, int]] = {s: (-1, -1) for s in start}
        for s in start:
            if self.spare[s] > 0:
                return parent, s
        queue = list(start)
        rows, spare = self.rows, self.spare
        for x in queue:
            for person in self.inside(x):
                for y in rows[person]:
                    if y in parent:
                        continue
                    parent[y] = (x, person)
                    if spare[y] > 0:
                        return parent, y
                    queue.append(y)
        return parent, -1

    def give(self) -> None:
        closed: set[int] = set()
        for person in self.basis.waiting:
            if person in self.added:
                continue
            start = [y for y in self.rows[person] if y not in closed]
            if not start:
                continue
            parent, found = self._search(start)
            if found < 0:
                closed.update(parent)
                continue
            self.spare[found] -= 1
            self._mutable(self._shift(parent, found)).append(person)
            self.added.add(person)
            self.value += self.priority[person]
            return

    def take(self, node: int) -> None:
        if self.spare[node] > 0:
            self.spare[node] -= 1
            return
        parent, found = self._search([node])
        if found >= 0:
            self.spare[found] -= 1
            self._shift(parent, found)
            return
        # push out the last-ranked person any chain from ``node`` reaches
        position = self.position
        worst, worst_at = -1, -1
        for x in parent:
            for person in self.inside(x):
                if worst < 0 or position[person] > position[worst]:
                    worst, worst_at = person, x
        if worst < 0:  # cannot happen: a full node with beds has people
            raise AssertionError("a full class node with nobody in it")
        self._mutable(worst_at).remove(worst)
        self.value -= self.priority[worst]
        self._shift(parent, worst_at)


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
        self.priority_list: list[int] = self.priority.tolist()
        self._cache: dict[bytes, _Basis] = {}
        self._changed: dict[tuple[bytes, tuple[tuple[int, int], ...]], int] = {}
        b = self.base
        self.rows = [
            b.shelter[start:stop].tolist()
            for start, stop in zip(b.indptr[:-1].tolist(), b.indptr[1:].tolist(), strict=True)
        ]
        self.by_rank = rank(b.priority, seed, b.tickets).tolist()
        position = np.empty(self.people.size, dtype=np.int64)
        position[self.by_rank] = np.arange(self.people.size)
        self.position_list = position.tolist()

    def capacity(self, state: _State) -> IntArray:
        return self.problem.node_capacity(state.in_rooms, state.needing)

    def evaluate(self, capacity: IntArray) -> tuple[int, IntArray]:
        """(total priority, placed flags over ``people``) of the singles' optimum."""
        basis = self._basis(capacity)
        return basis.value, basis.placed

    def _basis(self, capacity: IntArray) -> _Basis:
        key = capacity.tobytes()
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        self.stats.evaluations += 1
        who = choose_who(self._with_beds(capacity), self.seed, SolveStats())
        placed = np.zeros(self.people.size, dtype=bool)
        placed[list(who.home)] = True
        occupants: list[list[int]] = [[] for _ in range(capacity.size)]
        for person, node in who.home.items():
            occupants[node].append(person)
        basis = _Basis(
            value=int(self.priority[placed].sum()),
            placed=placed,
            occupants=occupants,
            spare=(capacity - np.bincount(_values(who.home), minlength=capacity.size)).tolist(),
            waiting=[p for p in self.by_rank if not placed[p]],
        )
        if len(self._cache) > 64:
            self._cache.clear()
        self._cache[key] = basis
        return basis

    def after_change(self, capacity: IntArray, changes: dict[int, int]) -> int:
        """The singles' optimum once ``changes[node]`` beds are added (or taken away, when
        negative) at each class node of ``capacity``.

        Exact, without a new run, one bed at a time from the current placement (beds given
        first, then beds taken), each step turning the greedy basis for one capacity into
        the greedy basis for the next (the quotient argument of the module docstring):

        * a bed given: the basis gains the first-ranked waiting member of ``P0`` who can
          reach a free bed by a chain of moves, if there is one (the new bed is the only
          one they may reach: no one waiting could reach a free bed before);
        * a bed taken at ``c``: the basis stays if a chain of moves from ``c`` reaches a
          free bed, else it loses its last-ranked member among those such chains can push
          out.
        """
        key = (capacity.tobytes(), tuple(sorted(changes.items())))
        known = self._changed.get(key)
        if known is not None:
            return known
        basis = self._basis(capacity)
        self.stats.incremental += 1
        step = _Step(self, basis)
        for node, beds in sorted(changes.items(), key=lambda c: -c[1]):
            for _ in range(abs(beds)):
                if beds > 0:
                    step.spare[node] += 1
                    step.give()
                else:
                    step.take(node)
        if len(self._changed) > 65536:
            self._changed.clear()
        self._changed[key] = step.value
        return step.value

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
                        node = (s * 3 + g) * KINDS + kind
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
        self.beds: list[int] = problem.room_beds.tolist()
        self.access: list[int] = problem.room_access.tolist()
        # the class node of each room's accessible beds (its ordinary beds: the next node)
        self.room_node: list[int] = node_of(problem.room_shelter, problem.room_gender, 0).tolist()

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
        """Beds a move gives singles (taken: negative) per class node of its room."""
        rp = self.problem
        h = move.household
        room = move.room if move.room >= 0 else state.room_of[h]
        k, n = int(state.in_rooms[room]), int(state.needing[room])
        if move.room < 0:
            change = self._room_change(room, k, n, k - rp.size[h], n - rp.needing[h])
        else:
            k_out = sum(rp.size[o] for o in move.out)
            n_out = sum(rp.needing[o] for o in move.out)
            change = self._room_change(
                room, k, n, k - k_out + rp.size[h], n - n_out + rp.needing[h]
            )
        node = self.room_node[room]
        return {node + kind: c for kind, c in enumerate(change) if c}

    @staticmethod
    def _bound(value: int, change: tuple[int, int], now: _Now) -> int:
        """An upper bound on the gain of a move worth ``value`` in households that changes
        the beds left to singles by ``change`` (module docstring, part 1)."""
        more = max(0, change[0]) + max(0, change[1])
        if more:
            return value + now.best[min(more, len(now.best) - 1)]
        return value - max(0, -change[0] - change[1] - now.free) * now.lowest

    def upper_gain(self, state: _State, move: _Move, now: _Now) -> int:
        rp = self.problem
        if move.room < 0:
            value = -rp.value[move.household]
        else:
            value = rp.value[move.household] - sum(rp.value[o] for o in move.out)
        change = self._changes(state, move)
        node = self.room_node[move.room if move.room >= 0 else state.room_of[move.household]]
        return self._bound(value, (change.get(node, 0), change.get(node + 1, 0)), now)

    def moves(self, state: _State, now: _Now | None = None) -> list[tuple[int, _Move]]:
        """Moves from ``state`` with their bound (of rooms alike for singles, one each);
        given ``now``, only those whose bound is positive."""
        rp = self.problem
        in_rooms: list[int] = state.in_rooms.tolist()
        needing: list[int] = state.needing.tolist()
        beds, access = self.beds, self.access
        found: list[tuple[int, _Move]] = []
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
            add = self._bound(v, (-k, 0), now) if now else 0
            seen: set[tuple[int, ...]] = set()
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
                        bound = 0
                        if now is not None:
                            value = v - sum(rp.value[o] for o in out)
                            change = self._room_change(r, kr, nr, kr - k_out + k, n_in)
                            bound = self._bound(value, change, now)
                            if bound <= 0:
                                self.stats.skipped += 1
                                continue
                        found.append((bound, _Move(h, r, out)))
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
        """Add households by estimated gain, best first, without exact evaluations.

        The estimate prices the beds a household takes at the lowest priorities among the
        singles placed (after the free beds), as if every single could be pushed out from
        anywhere; the sweeps of ``improve`` then check every move exactly.
        """
        now = self.now(state)
        capacity = self.singles.capacity(state)
        _, placed = self.singles.evaluate(capacity)
        cheapest = np.sort(self.singles.priority[placed]).tolist()
        used = 0  # beds taken so far: first the free ones, then the cheapest singles'

        def estimate(move: _Move) -> int:
            taken = self.problem.size[move.household]
            pushed = cheapest[max(0, used - now.free) : max(0, used + taken - now.free)]
            return self.problem.value[move.household] - sum(pushed)

        heap = [
            (-estimate(move), self.rank[move.household], move.room, move)
            for _, move in self.moves(state)
            if move.room >= 0 and not move.out
        ]
        heapq.heapify(heap)
        while heap:
            _, rank, room, move = heapq.heappop(heap)
            if not self._valid(state, move):
                continue
            gain = estimate(move)
            if gain <= 0:
                break
            if heap and gain < -heap[0][0]:
                heapq.heappush(heap, (-gain, rank, room, move))
                continue
            state = self.apply(state, move)
            used += self.problem.size[move.household]
            self.stats.moves += 1
        return state

    def improve(self, state: _State) -> _State:
        """Sweeps of improving moves until a whole sweep finds none (a local optimum)."""
        while True:
            self.stats.sweeps += 1
            improved = False
            now = self.now(state)
            candidates = [
                (-bound, self.rank[move.household], move) for bound, move in self.moves(state, now)
            ]
            candidates.sort(key=lambda c: (c[0], c[1]))
            for _, _, move in candidates:
                if not self._valid(state, move):
                    continue
                if improved and self.upper_gain(state, move, now) <= 0:
                    self.stats.skipped += 1
                    continue
                after = self.apply(state, move)
                capacity = self.singles.capacity(state)
                changes = self._changes(state, move)
                total = after.value + self.singles.after_change(capacity, changes)
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
