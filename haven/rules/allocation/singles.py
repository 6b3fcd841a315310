"""The singles' side of room-level placement: their exact optimum for any beds left.

Let ``P0`` be the singles the exact engine places when no household is in (all beds left).
For any set of households, the singles the engine places in the beds left are a subset of
``P0``: removing a bed turns the singles' transversal matroid into a quotient of itself
(add an element joined only to that bed, then contract it), and the greedy basis of a
quotient lies inside the greedy basis of the original (a quotient's closures contain the
original's).  Run on ``P0`` alone the engine returns the same set (the rest never enter).
So the singles' optimum for any household configuration is one run of the priority stage
on ``P0``: at most as many people as there are beds (``Singles.evaluate``).

A household move changes the beds of one room or two, and ``Singles.after_change``
evaluates it faster still from the current placement, one bed at a time: each step turns
the greedy basis for one capacity into the greedy basis for the next, so the result is
exactly that of a full run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from .engine import solve
from .lottery import rank
from .problem import IntArray, Problem, Solution, SolveStats
from .rooms import KINDS, RoomProblem
from .who import choose_who

__all__ = ["Basis", "Singles"]


def _values(home: dict[int, int]) -> IntArray:
    return np.fromiter(home.values(), dtype=np.int64, count=len(home))


@dataclass
class Basis:
    """The singles' greedy basis for one capacity: its value, who is placed, who is at
    each class node, the beds left per node, and who waits (in ranking order).

    ``graph`` adds, on first use, the moves between class nodes: ``succ[x][z]`` people at
    ``x`` eligible at ``z`` (``pred`` the same, by ``z``) and each node's last-ranked
    occupant (``worst``)."""

    value: int
    placed: IntArray
    occupants: list[list[int]]
    spare: list[int]
    waiting: list[int]
    succ: list[dict[int, int]] = field(default_factory=list)
    pred: list[dict[int, int]] = field(default_factory=list)
    worst: list[int] = field(default_factory=list)
    by_worst: list[int] = field(default_factory=list)  # nodes, latest-ranked ``worst`` first

    def graph(self, rows: list[list[int]], position: list[int]) -> None:
        if self.worst or not self.occupants:
            return
        n = len(self.occupants)
        self.succ = [{} for _ in range(n)]
        self.pred = [{} for _ in range(n)]
        self.worst = [-1] * n
        for x, inside in enumerate(self.occupants):
            heads = self.succ[x]
            worst = -1
            for person in inside:
                if worst < 0 or position[person] > position[worst]:
                    worst = person
                for z in rows[person]:
                    if z != x:
                        heads[z] = heads.get(z, 0) + 1
            self.worst[x] = worst
            for z, count in heads.items():
                self.pred[z][x] = count
        occupied = [x for x in range(n) if self.worst[x] >= 0]
        self.by_worst = sorted(occupied, key=lambda x: -position[self.worst[x]])


class _Step:
    """Beds given and taken one at a time from a ``Basis`` (``Singles.after_change``).

    Searches run on class nodes (an arc ``x -> z`` while someone at ``x`` could move to
    ``z``), not on people; what a step changes is kept aside (occupants of changed nodes,
    arc counts), so the basis is shared by every evaluation from it."""

    def __init__(self, singles: Singles, basis: Basis) -> None:
        basis.graph(singles.rows, singles.position_list)
        self.rows = singles.rows
        self.position = singles.position_list
        self.priority = singles.priority_list
        self.basis = basis
        self.value = basis.value
        self.spare = list(basis.spare)
        self.changed: dict[int, list[int]] = {}  # occupants of the nodes changed
        self.arcs: dict[tuple[int, int], int] = {}  # changes to arc counts
        self.heads: dict[int, set[int]] = {}  # arcs the changes may have added
        self.tails: dict[int, set[int]] = {}
        self.added: set[int] = set()

    def inside(self, node: int) -> list[int]:
        return self.changed.get(node, self.basis.occupants[node])

    def _worst(self, node: int) -> int:
        if node not in self.changed:
            return self.basis.worst[node]
        position = self.position
        return max(self.changed[node], key=position.__getitem__, default=-1)

    def _place(self, person: int, node: int, sign: int) -> None:
        """``person`` enters (``sign`` 1) or leaves (-1) ``node``."""
        if node not in self.changed:
            self.changed[node] = list(self.basis.occupants[node])
        if sign > 0:
            self.changed[node].append(person)
        else:
            self.changed[node].remove(person)
        for z in self.rows[person]:
            if z != node:
                self.arcs[node, z] = self.arcs.get((node, z), 0) + sign
                if sign > 0:
                    self.heads.setdefault(node, set()).add(z)
                    self.tails.setdefault(z, set()).add(node)

    def _carry(self, path: list[int]) -> None:
        """Along ``path`` (nodes joined by arcs), someone at each node but the last moves
        to the next one, the last move first."""
        for i in range(len(path) - 2, -1, -1):
            x, y = path[i], path[i + 1]
            mover = next(p for p in self.inside(x) if y in self.rows[p])
            self._place(mover, x, -1)
            self._place(mover, y, 1)

    @staticmethod
    def _path(parent: dict[int, int], end: int) -> list[int]:
        path = [end]
        while parent[path[-1]] >= 0:
            path.append(parent[path[-1]])
        return path

    def take(self, node: int) -> None:
        """One bed fewer at ``node``."""
        if self.spare[node] > 0:
            self.spare[node] -= 1
            return
        parent = {node: -1}
        queue = [node]
        found = -1
        succ, arcs = self.basis.succ, self.arcs
        for x in queue:
            heads = succ[x]
            for z in (*heads, *self.heads.get(x, ())):
                if z in parent or heads.get(z, 0) + arcs.get((x, z), 0) <= 0:
                    continue
                parent[z] = x
                if self.spare[z] > 0:
                    found = z
                    break
                queue.append(z)
            if found >= 0:
                break
        if found >= 0:
            self.spare[found] -= 1
            self._carry(self._path(parent, found)[::-1])
            return
        # push out the last-ranked person any chain from ``node`` reaches: the first node
        # reached in the basis' order, unless a node this step changed has a later one
        position = self.position
        at = next((x for x in self.basis.by_worst if x in parent and x not in self.changed), -1)
        for x in self.changed:
            late = self._worst(x)
            if x in parent and late >= 0 and (at < 0 or position[late] > position[self._worst(at)]):
                at = x
        worst = self._worst(at)
        self._place(worst, at, -1)
        self.value -= self.priority[worst]
        self._carry(self._path(parent, at)[::-1])

    def give(self, node: int) -> None:
        """One bed more at ``node``: the first-ranked person waiting who can reach it by a
        chain of moves takes it (no one waiting can reach any other free bed)."""
        toward = {node: -1}  # x -> the next node on a chain from x to ``node``
        queue = [node]
        pred, arcs = self.basis.pred, self.arcs
        for y in queue:
            tails = pred[y]
            for x in (*tails, *self.tails.get(y, ())):
                if x not in toward and tails.get(x, 0) + arcs.get((x, y), 0) > 0:
                    toward[x] = y
                    queue.append(x)
        for person in self.basis.waiting:
            if person in self.added:
                continue
            entry = next((y for y in self.rows[person] if y in toward), -1)
            if entry < 0:
                continue
            self.spare[node] -= 1
            self._carry(self._path(toward, entry))
            self._place(person, entry, 1)
            self.added.add(person)
            self.value += self.priority[person]
            return


class Singles:
    """The singles' optimum for any beds left by households (module docstring).

    ``evaluations``: full runs of the priority stage; ``incremental``: evaluations of
    changed beds from a known placement.
    """

    def __init__(self, problem: RoomProblem, seed: int) -> None:
        self.problem = problem
        self.seed = seed
        self.evaluations = 0
        self.incremental = 0
        full = problem.full_capacity()
        self.full = full
        everyone = problem.singles()
        first = solve(problem.singles_problem(everyone, full, full), seed, optimise_match=False)
        self.people = everyone[first.placed]
        self.base = problem.singles_problem(self.people, full, full)
        self.priority = self.base.priority
        self.priority_list: list[int] = self.priority.tolist()
        self._cache: dict[bytes, Basis] = {}
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

    def evaluate(self, capacity: IntArray) -> tuple[int, IntArray]:
        """(total priority, placed flags over ``people``) of the singles' optimum."""
        basis = self.basis(capacity)
        return basis.value, basis.placed

    def basis(self, capacity: IntArray) -> Basis:
        key = capacity.tobytes()
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        self.evaluations += 1
        who = choose_who(self._with_beds(capacity), self.seed, SolveStats())
        placed = np.zeros(self.people.size, dtype=bool)
        placed[list(who.home)] = True
        occupants: list[list[int]] = [[] for _ in range(capacity.size)]
        for person, node in who.home.items():
            occupants[node].append(person)
        basis = Basis(
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
        basis = self.basis(capacity)
        self.incremental += 1
        step = _Step(self, basis)
        for node, beds in sorted(changes.items(), key=lambda c: -c[1]):
            for _ in range(abs(beds)):
                if beds > 0:
                    step.spare[node] += 1
                    step.give(node)
                else:
                    step.take(node)
        if len(self._changed) > 65536:
            self._changed.clear()
        self._changed[key] = step.value
        return step.value

    def _with_beds(self, capacity: IntArray) -> Problem:
        return replace(self.base, beds=capacity)

    def final(self, capacity: IntArray) -> tuple[Problem, Solution]:
        """The exact engine's solution (who, then where) for the singles."""
        problem = self._with_beds(capacity)
        return problem, solve(problem, self.seed)

    def relaxed(
        self, capacity: IntArray, households: list[int], fits: Callable[[int, int], bool]
    ) -> int:
        """The optimum of ``packing``'s relaxation (its docstring, part 3): the singles and
        the members of ``households`` as separate people, each only at the class nodes of
        rooms where ``fits(household, room)``."""
        rp = self.problem
        extra_priority: list[int] = []
        extra_indptr: list[int] = [0]
        extra_nodes: list[int] = []
        for h in households:
            rooms = [r for r in rp.fits[h] if fits(h, r)]
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
            return self.evaluate(capacity)[0]
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
        return int(problem.priority[chosen].sum())
