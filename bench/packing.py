"""Packing benchmark (part 3 of ``bench.placement``): households and rooms.

Instances (``generate_rooms``): 3-6 rooms per shelter, 2-8 beds each; 80 % of rooms open,
10 % women's, 10 % men's; each bed accessible with probability 10 %.  Applicants as in part
1 (1-5 eligible shelters, priority ``floor(Beta(2, 5) * 999) + 1``, match U{0..100}), with
gender woman 48 %, man 48 %, other 4 %, and 5 % needing an accessible bed.  About 15 % of
applicants are in households of 2-5 (size uniform), who share their eligibility and their
danger: each member's priority is the household's Beta draw plus N(0, 30) noise, rounded and
kept in 1..1000 (a family fleeing together is in about the same danger).

**Haven**: ``packing.pack`` on the array form (``RoomProblem``), timed from the arrays to
the packed result (households' rooms and singles' class nodes, exact singles included).

**The bound** (OR-Tools, GLOP): the LP relaxation of the natural model, solved exactly by
column generation.  Variables: household ``h`` in room ``r`` (each room that fits it), a
single who needs an accessible bed in room ``r``, any other single in a room class
(shelter, room gender; beds of one class are interchangeable for them), all in [0, 1].
Rows: each person and household at most once; per room, beds and accessible beds (people
needing one) used by households and needing singles; per class, all beds.  This is exactly
the per-person, per-room LP (any class-level solution spreads over the rooms: needing people
have their rooms, the others fill the beds left).  Column generation starts from the
highest-priority columns and adds every column with a positive reduced cost until none is
left.  The bound reported is the LP's dual bound ``b.y + sum_j max(0, c_j - A_j.y)`` over
*every* column, with GLOP's duals: an upper bound whatever the solver's tolerances, equal
to the LP optimum when the duals are optimal.  No placement can beat it.

Acceptance: Haven's total priority within 1 % of the bound at every size.

**Small instances** (``small_study``): random instances like the tests' (1-3 shelters, 0-3
rooms of 0-5 beds each, open/women/men, random accessible beds; up to 20 applicants, a
third of them in households of 2-4 sharing their eligibility, priorities 1-10, 1 in 5
needing an accessible bed), solved exactly by CP-SAT (a variable per person and room; the
rules person by person, independent of Haven's class nodes).  Counted: how often Haven
is optimal, within 1 %, proven optimal (its bound equals its total), and the same for the
local search alone (no branch and bound), with the worst ratio of each.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.linear_solver.python import model_builder as mb
from ortools.sat.python import cp_model

from haven.rules.allocation.lottery import index_tickets
from haven.rules.allocation.packing import Packing, pack
from haven.rules.allocation.rooms import KINDS, MEN, OPEN, WOMEN, RoomProblem

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

_ADMITS = np.array([[True, True, False], [True, False, True], [True, False, False]])


def generate_rooms(n: int, n_shelters: int, seed: int) -> RoomProblem:
    """The packing benchmark's instance (module docstring)."""
    from .placement import distinct_choices  # placement imports this module

    rng = np.random.default_rng(seed)
    per = rng.integers(3, 7, size=n_shelters)
    room_shelter = np.repeat(np.arange(n_shelters), per).astype(np.int64)
    room_beds = rng.integers(2, 9, size=room_shelter.size).astype(np.int64)
    room_gender = rng.choice([OPEN, WOMEN, MEN], size=room_beds.size, p=[0.8, 0.1, 0.1])
    room_access = rng.binomial(room_beds, 0.1).astype(np.int64)
    sizes = rng.integers(2, 6, size=int(0.15 * n / 3.5) + 10)
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), 0.15 * n)) + 1]
    unit_size = np.concatenate([np.ones(n - int(sizes.sum()), dtype=np.int64), sizes])
    rng.shuffle(unit_size)
    n_units = unit_size.size
    k = np.minimum(rng.integers(1, 6, size=n_units), n_shelters).astype(np.int64)
    unit_ptr, unit_shelter = distinct_choices(rng, n_units, n_shelters, k)
    unit_of = np.repeat(np.arange(n_units), unit_size)
    lengths = k[unit_of]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    edges = np.repeat(unit_ptr[unit_of] - indptr[:-1], lengths) + np.arange(int(indptr[-1]))
    danger = rng.beta(2, 5, size=n_units) * 999 + 1
    noise = np.where(unit_size[unit_of] > 1, rng.normal(0, 30, size=n), 0.0)
    household_of_unit = np.full(n_units, -1, dtype=np.int64)
    multi = np.flatnonzero(unit_size > 1)
    household_of_unit[multi] = np.arange(multi.size)
    return RoomProblem(
        n_shelters=n_shelters,
        room_shelter=room_shelter,
        room_beds=room_beds,
        room_access=room_access,
        room_gender=room_gender.astype(np.int64),
        priority=np.clip(np.floor(danger[unit_of] + noise), 1, 1000).astype(np.int64),
        gender=rng.choice(3, size=n, p=[0.48, 0.48, 0.04]).astype(np.int64),
        needs=rng.random(n) < 0.05,
        indptr=indptr,
        shelter=unit_shelter[edges],
        match=rng.integers(0, 101, size=edges.size).astype(np.int64),
        household=household_of_unit[unit_of],
        tickets=index_tickets(seed, np.arange(n)),
    )


# --- the LP bound ---------------------------------------------------------------------------


@dataclass
class _Columns:
    """Candidate columns of one kind: the row of the person or household, the class, the
    room (-1: none), beds and accessible beds used, and the objective coefficient."""

    owner: IntArray
    klass: IntArray
    room: IntArray
    beds: IntArray
    access: IntArray
    value: IntArray


@dataclass
class BoundResult:
    bound: int  # the dual bound, rounded down (totals are integers)
    lp: float  # GLOP's objective on the last restricted LP
    rounds: int
    columns: int  # columns in the last restricted LP
    seconds: float


def _columns(rp: RoomProblem) -> tuple[_Columns, int, int]:
    """All columns; owners are people (0..N-1) then households (N..N+H-1)."""
    n = rp.priority.size
    singles = rp.singles()
    starts = rp.indptr[singles]
    lengths = rp.indptr[singles + 1] - starts
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    edges = np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))
    person = np.repeat(singles, lengths)
    shelter = rp.shelter[edges]
    class_beds = np.zeros(rp.n_shelters * 3, dtype=np.int64)
    np.add.at(class_beds, rp.room_shelter * 3 + rp.room_gender, rp.room_beds)
    parts: list[_Columns] = []
    for g in range(3):
        ok = _ADMITS[rp.gender[person], g] & ~rp.needs[person]
        klass = shelter[ok] * 3 + g
        keep = class_beds[klass] > 0
        who = person[ok][keep]
        parts.append(
            _Columns(
                who,
                klass[keep],
                np.full(who.size, -1),
                np.ones(who.size, np.int64),
                np.zeros(who.size, np.int64),
                rp.priority[who],
            )
        )
    # people needing an accessible bed: one column per room with accessible beds
    rooms_at: dict[int, list[int]] = {}
    for r in np.flatnonzero(rp.room_access > 0).tolist():
        rooms_at.setdefault(int(rp.room_shelter[r]), []).append(r)
    need = rp.needs[person]
    rows: list[tuple[int, int]] = []
    for p, s in zip(person[need].tolist(), shelter[need].tolist(), strict=True):
        for r in rooms_at.get(s, []):
            if _ADMITS[rp.gender[p], rp.room_gender[r]]:
                rows.append((p, r))
    pr = np.array(rows, dtype=np.int64).reshape(-1, 2)
    parts.append(
        _Columns(
            pr[:, 0],
            rp.room_shelter[pr[:, 1]] * 3 + rp.room_gender[pr[:, 1]],
            pr[:, 1],
            np.ones(len(rows), np.int64),
            np.ones(len(rows), np.int64),
            rp.priority[pr[:, 0]],
        )
    )
    pairs = np.array([(h, r) for h, fits in enumerate(rp.fits) for r in fits], dtype=np.int64)
    pairs = pairs.reshape(-1, 2)
    size = np.array(rp.size, dtype=np.int64)
    needing = np.array(rp.needing, dtype=np.int64)
    value = np.array(rp.value, dtype=np.int64)
    house, room = pairs[:, 0], pairs[:, 1]
    parts.append(
        _Columns(
            n + house,
            rp.room_shelter[room] * 3 + rp.room_gender[room],
            room,
            size[house],
            needing[house],
            value[house],
        )
    )
    joined = _Columns(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in _Columns.__dataclass_fields__)
    )
    return joined, n + rp.n_households, rp.n_shelters * 3


def _start(cols: _Columns, class_beds: IntArray) -> npt.NDArray[np.bool_]:
    """First columns: per class, the highest-valued ones per bed, a few times over."""
    density = cols.value / np.maximum(cols.beds, 1)
    order = np.lexsort((-density, cols.klass))
    klass = cols.klass[order]
    first = np.searchsorted(klass, klass, side="left")
    within = np.arange(order.size) - first
    active = np.zeros(order.size, dtype=bool)
    active[order] = within < 3 * class_beds[klass] + 10
    return active


def lp_bound(rp: RoomProblem, *, max_rounds: int = 50) -> BoundResult:
    """The LP relaxation's bound by column generation (module docstring)."""
    started = time.perf_counter()
    cols, n_owners, n_classes = _columns(rp)
    n_rooms = rp.n_rooms
    class_beds = np.zeros(n_classes, dtype=np.int64)
    np.add.at(class_beds, rp.room_shelter * 3 + rp.room_gender, rp.room_beds)
    # rows: owners, classes, room beds, room accessible beds
    rhs = np.concatenate([np.ones(n_owners), class_beds, rp.room_beds, rp.room_access]).astype(
        np.float64
    )
    active = _start(cols, class_beds)
    lp = 0.0
    bound = math.inf
    rounds = 0
    while rounds < max_rounds:
        rounds += 1
        dual, lp = _solve(cols, active, rhs, n_owners, n_classes, n_rooms)
        reduced = _reduced(cols, dual, n_owners, n_classes, n_rooms)
        bound = min(bound, float(rhs @ dual) + float(np.maximum(reduced, 0).sum()))
        new = (reduced > 1e-6) & ~active
        if not new.any():
            break
        active |= new
    return BoundResult(
        bound=math.floor(bound + 1e-6),
        lp=lp,
        rounds=rounds,
        columns=int(active.sum()),
        seconds=time.perf_counter() - started,
    )


def _reduced(
    cols: _Columns, dual: FloatArray, n_owners: int, n_classes: int, n_rooms: int
) -> FloatArray:
    room_beds = dual[n_owners + n_classes : n_owners + n_classes + n_rooms]
    room_access = dual[n_owners + n_classes + n_rooms :]
    in_room = cols.room >= 0
    room = np.where(in_room, cols.room, 0)
    return (
        cols.value
        - dual[cols.owner]
        - cols.beds * dual[n_owners + cols.klass]
        - np.where(in_room, cols.beds * room_beds[room] + cols.access * room_access[room], 0.0)
    )


def _solve(
    cols: _Columns,
    active: npt.NDArray[np.bool_],
    rhs: FloatArray,
    n_owners: int,
    n_classes: int,
    n_rooms: int,
) -> tuple[FloatArray, float]:
    """Solve the restricted LP; the duals of every row (0 for rows not in it)."""
    which = np.flatnonzero(active)
    model = mb.Model()  # type: ignore[no-untyped-call]
    helper = model.helper
    count = which.size
    # OR-Tools' stubs spell NumPy arrays their own way; these are float, float, bool arrays
    helper.add_var_array_with_bounds(
        np.zeros(count),  # type: ignore[arg-type]
        np.ones(count),  # type: ignore[arg-type]
        np.zeros(count, dtype=bool),  # type: ignore[arg-type]
        "x",
    )
    helper.set_objective_coefficients(list(range(count)), cols.value[which].astype(float).tolist())
    helper.set_maximize(True)
    rows: dict[int, int] = {}

    def row(index: int) -> int:
        if index not in rows:
            ct = helper.add_linear_constraint()
            helper.set_constraint_lower_bound(ct, -math.inf)
            helper.set_constraint_upper_bound(ct, float(rhs[index]))
            rows[index] = ct
        return rows[index]

    base_room = n_owners + n_classes
    for var, (owner, klass, room, beds, access) in enumerate(
        zip(
            cols.owner[which].tolist(),
            cols.klass[which].tolist(),
            cols.room[which].tolist(),
            cols.beds[which].tolist(),
            cols.access[which].tolist(),
            strict=True,
        )
    ):
        helper.add_term_to_constraint(row(owner), var, 1.0)
        helper.add_term_to_constraint(row(n_owners + klass), var, float(beds))
        if room >= 0:
            helper.add_term_to_constraint(row(base_room + room), var, float(beds))
            if access:
                helper.add_term_to_constraint(row(base_room + n_rooms + room), var, float(access))
    solver = mb.Solver("glop")
    status = solver.solve(model)
    if status != mb.SolveStatus.OPTIMAL:
        raise RuntimeError(f"GLOP: {status}")
    values = solver.dual_values(model.get_linear_constraints()).to_numpy()
    dual = np.zeros(rhs.size)
    order = sorted(rows, key=rows.__getitem__)
    dual[np.array(order, dtype=np.int64)] = np.maximum(values, 0.0)
    return dual, float(solver.objective_value)


# --- the study ------------------------------------------------------------------------------


@dataclass
class PackingRow:
    label: str
    beds: int
    households: int
    placed_households: int
    haven: int
    haven_bound: int
    bound: BoundResult | None
    seconds: float
    stats: str

    @property
    def gap(self) -> float | None:
        """Haven's distance to the LP bound, in % of the bound."""
        if self.bound is None:
            return None
        return 100.0 * (self.bound.bound - self.haven) / max(self.bound.bound, 1)


def check(rp: RoomProblem, packing: Packing) -> int:
    """Feasibility of a packing from the arrays alone; returns its total priority."""
    in_rooms = np.zeros(rp.n_rooms, dtype=np.int64)
    needing = np.zeros(rp.n_rooms, dtype=np.int64)
    total = 0
    for h, r in enumerate(packing.room_of.tolist()):
        if r >= 0:
            if r not in rp.fits[h]:
                raise RuntimeError(f"household {h} is in a room that does not fit it")
            in_rooms[r] += rp.size[h]
            needing[r] += rp.needing[h]
            total += rp.value[h]
    if np.any(in_rooms > rp.room_beds) or np.any(needing > rp.room_access):
        raise RuntimeError("households overfill a room")
    capacity = rp.node_capacity(in_rooms, needing)
    where = packing.singles.shelter_of
    placed = np.flatnonzero(where >= 0)
    if np.any(np.bincount(where[placed], minlength=capacity.size) > capacity):
        raise RuntimeError("singles overfill a class of beds")
    people = packing.people[placed]
    node = where[placed]
    shelter, room_gender, kind = node // (3 * KINDS), (node // KINDS) % 3, node % KINDS
    for p, s in zip(people.tolist(), shelter.tolist(), strict=True):
        if s not in rp.shelter[rp.indptr[p] : rp.indptr[p + 1]]:
            raise RuntimeError(f"single {p} placed at a shelter they are not eligible for")
    if not _ADMITS[rp.gender[people], room_gender].all():
        raise RuntimeError("a single is in a room of the wrong gender")
    if np.any(rp.needs[people] & (kind != 0)):
        raise RuntimeError("a single needing an accessible bed has an ordinary one")
    if np.any(rp.household[people] >= 0):
        raise RuntimeError("a household member was placed as a single")
    return total + int(rp.priority[people].sum())


def packing_study(sizes: list[tuple[int, int]], seed: int, bound_limit: int) -> list[PackingRow]:
    rows = []
    for n, n_shelters in sizes:
        started = time.perf_counter()
        rp = generate_rooms(n, n_shelters, seed)
        made = time.perf_counter() - started
        print(
            f"\n{n:,} applicants / {n_shelters} shelters / {rp.n_rooms:,} rooms / "
            f"{int(rp.room_beds.sum()):,} beds ({int(rp.room_access.sum()):,} accessible) / "
            f"{rp.n_households:,} households (generated in {made:.1f} s)",
            flush=True,
        )
        started = time.perf_counter()
        packing = pack(rp, seed)
        seconds = time.perf_counter() - started
        total = check(rp, packing)
        if total != packing.total_priority:
            raise RuntimeError("Haven's reported total does not add up")
        print(f"  Haven: {seconds:.2f} s, total {total:,}; {packing.stats}", flush=True)
        bound = None
        if n <= bound_limit:
            bound = lp_bound(rp)
            print(
                f"  LP bound: {bound.bound:,} ({bound.rounds} rounds of column generation, "
                f"{bound.columns:,} columns, last LP {bound.lp:,.1f}; {bound.seconds:.1f} s)",
                flush=True,
            )
            if bound.bound < total:
                raise RuntimeError("Haven beat the LP bound: the bound's model is wrong")
        else:
            print(f"  LP bound: not computed above {bound_limit:,} applicants (--bound-limit)")
        rows.append(
            PackingRow(
                label=f"{n:,} / {n_shelters}",
                beds=int(rp.room_beds.sum()),
                households=rp.n_households,
                placed_households=int(np.count_nonzero(packing.room_of >= 0)),
                haven=total,
                haven_bound=packing.bound,
                bound=bound,
                seconds=seconds,
                stats=str(packing.stats),
            )
        )
    return rows


# --- small instances against CP-SAT ---------------------------------------------------------


def small_rooms(rng: np.random.Generator) -> RoomProblem:
    """A small random instance (module docstring)."""
    n_shelters = int(rng.integers(1, 4))
    per = rng.integers(0, 4, size=n_shelters)
    room_shelter = np.repeat(np.arange(n_shelters), per).astype(np.int64)
    room_beds = rng.integers(0, 6, size=room_shelter.size).astype(np.int64)
    priority: list[int] = []
    gender: list[int] = []
    needs: list[bool] = []
    household: list[int] = []
    indptr = [0]
    shelter: list[int] = []
    n_households = 0
    target = int(rng.integers(0, 21))
    while len(priority) < target:
        size = int(rng.choice([1, 1, 1, 2, 3, 4]))
        eligible = rng.permutation(n_shelters)[: int(rng.integers(0, n_shelters + 1))].tolist()
        for _ in range(size):
            priority.append(int(rng.integers(1, 11)))
            gender.append(int(rng.choice(3, p=[0.4, 0.4, 0.2])))
            needs.append(bool(rng.random() < 0.2))
            household.append(n_households if size > 1 else -1)
            shelter += eligible
            indptr.append(len(shelter))
        n_households += size > 1
    return RoomProblem(
        n_shelters=n_shelters,
        room_shelter=room_shelter,
        room_beds=room_beds,
        room_access=rng.integers(0, room_beds + 1).astype(np.int64),
        room_gender=rng.choice([OPEN, OPEN, WOMEN, MEN], size=room_beds.size).astype(np.int64),
        priority=np.array(priority, dtype=np.int64),
        gender=np.array(gender, dtype=np.int64),
        needs=np.array(needs, dtype=bool),
        indptr=np.array(indptr, dtype=np.int64),
        shelter=np.array(shelter, dtype=np.int64),
        match=np.zeros(len(shelter), dtype=np.int64),
        household=np.array(household, dtype=np.int64),
        tickets=index_tickets(1, np.arange(len(priority))),
    )


def cpsat_optimum(rp: RoomProblem) -> int:
    """The largest total priority of any placement, person by person and room by room."""
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    for i in range(rp.priority.size):
        eligible = set(rp.shelter[rp.indptr[i] : rp.indptr[i + 1]].tolist())
        for r in range(rp.n_rooms):
            if rp.room_shelter[r] in eligible and _ADMITS[rp.gender[i], rp.room_gender[r]]:
                x[i, r] = model.new_bool_var(f"x{i}_{r}")
        model.add(sum(v for (j, _), v in x.items() if j == i) <= 1)
    for r in range(rp.n_rooms):
        model.add(sum(v for (_, q), v in x.items() if q == r) <= int(rp.room_beds[r]))
        needing = [v for (i, q), v in x.items() if q == r and rp.needs[i]]
        model.add(sum(needing) <= int(rp.room_access[r]))
    for members in rp.members:
        for other in members[1:]:
            for r in range(rp.n_rooms):
                model.add(x.get((members[0], r), 0) == x.get((other, r), 0))
    model.maximize(sum(int(rp.priority[i]) * v for (i, _), v in x.items()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    if solver.solve(model) != cp_model.OPTIMAL:
        raise RuntimeError("CP-SAT did not prove an optimum")
    return round(solver.objective_value)


@dataclass
class SmallTally:
    label: str
    optimal: int = 0
    within: int = 0  # within 1 % of the optimum
    proven: int = 0
    worst: float = 1.0


def small_study(count: int, seed: int) -> tuple[int, SmallTally, SmallTally]:
    """Haven (search and branch and bound) and its local search alone against CP-SAT."""
    rng = np.random.default_rng(seed)
    full, alone = SmallTally("Haven"), SmallTally("local search alone")
    for _ in range(count):
        rp = small_rooms(rng)
        best = cpsat_optimum(rp)
        for tally, nodes in ((full, None), (alone, 0)):
            packing = pack(rp, seed) if nodes is None else pack(rp, seed, search_nodes=nodes)
            total = check(rp, packing)
            if total > best or packing.bound < best:
                raise RuntimeError("Haven beat CP-SAT, or its bound is below the optimum")
            tally.optimal += total == best
            tally.within += total >= 0.99 * best
            tally.proven += packing.bound == total
            if best:
                tally.worst = min(tally.worst, total / best)
    return count, full, alone
