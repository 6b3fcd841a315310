"""Where the chosen applicants go: the largest total match score, exactly.

Everyone chosen by the priority stage must get a bed; among all ways of placing exactly
them, this stage finds one with the largest total match score.  That is a transportation
problem, solved here as a minimum-cost flow by the primal-dual method (successive shortest
paths with node potentials, many paths per phase: Ahuja, Magnanti, Orlin, *Network Flows*,
1993, ch. 9), on a graph of shelters rather than people, which is what keeps it fast:

* Start from every person at a shelter maximising ``match - price[shelter]`` for some shelter
  prices ``price >= 0``.  Shelters may now hold too many people (*excess*) or too few
  (*deficit*).  With potential ``-price`` every residual arc has a non-negative reduced cost
  (each person sits at a best shelter at those prices), so this start is optimal for its own
  (wrong) loads, and sending the excess to the deficits along shortest paths keeps it
  optimal (the reduced-cost optimality conditions of AMO ch. 9), ending at an optimal
  placement.
* The prices come from a few rounds of a simultaneous auction (overloaded shelters raise
  their price just enough to push the least attached people out).  They only make the start
  closer to the end: any prices give an exact answer.
* Arcs: person ``p`` at shelter ``u`` eligible at ``v`` gives an arc ``u -> v`` with cost
  ``match(p, u) - match(p, v)`` (capacity one: moving ``p``).  Free beds are *vacancies*: a
  node ``Z`` holds the ``beds - chosen`` vacancies to hand out (``Z -> s`` puts one at ``s``,
  ``s -> Z`` takes one back), which makes the problem balanced: every deficit must be filled.
* Each phase: shortest distances from all excess nodes over reduced costs (Bellman-Ford,
  vectorised, only from nodes whose distance changed), potentials raised by them, then a
  depth-first search sends units along arcs of zero reduced cost to *any* deficit node.  In a
  balanced problem any such path is a shortest path between its ends, so optimality holds
  after every unit, and one phase usually moves many.

Which of several equally good placements is returned is deterministic (it depends on the
input order), not a lottery: match scores are not entitlements.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .problem import IntArray, SolveStats

__all__ = ["choose_where"]

_NONE = -(1 << 60)  # padding for "no such option" in the price rounds
_INF = 1 << 62
_MAX_PRICE_ROUNDS = 32
_VACANCY_IN = -1  # arc tag: Z -> s
_VACANCY_OUT = -2  # arc tag: s -> Z


def choose_where(
    beds: IntArray,
    option_ptr: IntArray,
    option_shelter: IntArray,
    option_match: IntArray,
    stats: SolveStats,
) -> IntArray:
    """For each chosen applicant ``g``, the index (into the option arrays) of its shelter.

    Applicant ``g``'s options are ``option_shelter[option_ptr[g]:option_ptr[g + 1]]`` with
    scores ``option_match[...]``, distinct shelters each.  The caller guarantees that all of
    them can be placed at once (the priority stage found such a placement); when they cannot,
    ``ValueError`` is raised.
    """
    n_chosen = option_ptr.size - 1
    if n_chosen == 0:
        return np.zeros(0, dtype=np.int64)
    if n_chosen > int(beds.sum()):
        raise ValueError("match stage: more people chosen than there are beds")
    owner = np.repeat(np.arange(n_chosen, dtype=np.int64), np.diff(option_ptr))
    price, choice = _warm_prices(beds, option_ptr, option_shelter, option_match, owner, stats)
    return _transport(beds, option_shelter, option_match, owner, price, choice, stats)


def _warm_prices(
    beds: IntArray,
    option_ptr: IntArray,
    option_shelter: IntArray,
    option_match: IntArray,
    owner: IntArray,
    stats: SolveStats,
) -> tuple[IntArray, IntArray]:
    """Shelter prices from a few auction rounds, and each person's best option at them."""
    n_chosen = option_ptr.size - 1
    n_shelters = beds.size
    width = int(np.diff(option_ptr).max())
    column = np.arange(option_shelter.size, dtype=np.int64) - option_ptr[owner]
    where = np.zeros((n_chosen, width), dtype=np.int64)
    value = np.full((n_chosen, width), _NONE, dtype=np.int64)
    where[owner, column] = option_shelter
    value[owner, column] = option_match
    absent = value == _NONE
    rows = np.arange(n_chosen)
    price = np.zeros(n_shelters, dtype=np.int64)
    last_excess = -1
    for rounds in range(_MAX_PRICE_ROUNDS + 1):
        net = np.where(absent, _NONE, value - price[where])
        best = net.argmax(axis=1)  # first best on ties: deterministic
        shelter = where[rows, best]
        load = np.bincount(shelter, minlength=n_shelters)
        excess = int(np.maximum(load - beds, 0).sum())
        if excess == 0 or rounds == _MAX_PRICE_ROUNDS:
            break
        if last_excess >= 0 and excess * 20 > last_excess * 19:
            break  # under 5 % better than the round before: the phases will do the rest
        last_excess = excess
        stats.where_prices += 1
        # how much each person prefers their shelter to their next best (huge: no other)
        top = net[rows, best]
        net[rows, best] = _NONE
        second = net.max(axis=1)
        margin = np.where(second == _NONE, _INF, top - second)
        over = np.flatnonzero(load > beds)
        by_shelter = np.lexsort((margin, shelter))
        start = np.zeros(n_shelters + 1, dtype=np.int64)
        np.cumsum(load, out=start[1:])
        # the (load - beds)-th least attached person at each overloaded shelter decides
        cut = margin[by_shelter[start[over] + load[over] - beds[over] - 1]]
        raise_by = np.where(cut >= _INF, 0, cut + 1)
        price[over] += raise_by
    choice = option_ptr[:-1] + best
    return price, choice


def _transport(
    beds: IntArray,
    option_shelter: IntArray,
    option_match: IntArray,
    owner: IntArray,
    price: IntArray,
    choice: IntArray,
    stats: SolveStats,
) -> IntArray:
    """The primal-dual phases (module docstring), from ``choice`` at ``price``."""
    n_shelters = beds.size
    vacancy = n_shelters  # node Z
    n_nodes = n_shelters + 1
    load = np.bincount(option_shelter[choice], minlength=n_shelters)
    excess = np.zeros(n_nodes, dtype=np.int64)
    deficit = np.zeros(n_nodes, dtype=np.int64)
    excess[:n_shelters] = np.maximum(load - beds, 0)
    deficit[:n_shelters] = np.maximum(beds - load, 0)
    excess[vacancy] = int(beds.sum()) - choice.size
    vacancies = np.zeros(n_shelters, dtype=np.int64)
    potential = np.zeros(n_nodes, dtype=np.int64)
    potential[:n_shelters] = -price
    potential[vacancy] = potential[:n_shelters].max()  # Z -> s reduced costs >= 0
    all_shelters = np.arange(n_shelters, dtype=np.int64)
    to_move = int(excess.sum())

    while to_move > 0:
        stats.where_phases += 1
        at = option_shelter[choice]
        current = np.zeros(option_shelter.size, dtype=bool)
        current[choice] = True
        person = np.flatnonzero(~current)
        holders = np.flatnonzero(vacancies > 0)
        tail = np.concatenate(
            [at[owner[person]], np.full(n_shelters, vacancy, dtype=np.int64), holders]
        )
        head = np.concatenate(
            [option_shelter[person], all_shelters, np.full(holders.size, vacancy)]
        )
        tag = np.concatenate(
            [person, np.full(n_shelters, _VACANCY_IN), np.full(holders.size, _VACANCY_OUT)]
        )
        cost = np.zeros(tag.size, dtype=np.int64)
        cost[: person.size] = option_match[choice[owner[person]]] - option_match[person]
        reduced = cost + potential[tail] - potential[head]

        # vacancies go last: handed out while people still move, they would land in
        # shelters that must end full and every later unit would have to take one back
        # (correct, but one shortest-path length per phase instead of many paths)
        sources = excess > 0
        if sources[:n_shelters].any():
            sources[vacancy] = False
        distance = _distances(sources, tail, head, reduced, n_nodes)
        reached = distance < _INF
        step = np.minimum(distance, distance[reached].max())
        potential += step
        tight = reached[tail] & (reduced + step[tail] - step[head] == 0)

        moved = _send(
            tail[tight].tolist(),
            head[tight].tolist(),
            tag[tight].tolist(),
            np.flatnonzero(sources).tolist(),
            owner,
            choice,
            excess,
            deficit,
            vacancies,
            n_nodes,
        )
        if moved == 0:  # cannot happen when the caller's guarantee holds
            raise ValueError("match stage: the chosen applicants cannot all be placed")
        stats.where_paths += moved
        to_move -= moved
    return choice


def _distances(
    source: npt.NDArray[np.bool_], tail: IntArray, head: IntArray, reduced: IntArray, n_nodes: int
) -> IntArray:
    """Shortest distances from the ``source`` nodes (Bellman-Ford, relaxing only arcs whose
    tail improved in the last round; all ``reduced`` costs are >= 0)."""
    distance = np.full(n_nodes, _INF, dtype=np.int64)
    distance[source] = 0
    changed = source.copy()
    while True:
        live = changed[tail]
        if not live.any():
            return distance
        better = distance.copy()
        np.minimum.at(better, head[live], distance[tail[live]] + reduced[live])
        changed = better < distance
        distance = better


def _send(
    tails: list[int],
    heads: list[int],
    tags: list[int],
    sources: list[int],
    owner: IntArray,
    choice: IntArray,
    excess: IntArray,
    deficit: IntArray,
    vacancies: IntArray,
    n_nodes: int,
) -> int:
    """Send units from ``sources`` to deficit nodes along the given (zero reduced cost) arcs.

    Depth-first with a current-arc pointer per node and dead-ends remembered; a person moves
    at most once per phase (their other arcs start elsewhere afterwards).  Updates
    ``choice``, ``excess``, ``deficit`` and ``vacancies`` in place; returns the units sent.
    """
    arcs: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    for u, v, t in zip(tails, heads, tags, strict=True):
        arcs[u].append((v, t))
    owner_of = owner.tolist()
    choice_list = choice.tolist()
    extra = excess.tolist()
    short = deficit.tolist()
    held = vacancies.tolist()
    moved: set[int] = set()
    dead = [False] * n_nodes
    pointer = [0] * n_nodes
    sent = 0
    for source in sources:
        while extra[source] > 0 and not dead[source]:
            path = [source]
            via: list[int] = []
            on_path = {source}
            while path and short[path[-1]] == 0:
                x = path[-1]
                out = arcs[x]
                while pointer[x] < len(out):
                    y, t = out[pointer[x]]
                    if (
                        dead[y]
                        or y in on_path
                        or (t >= 0 and owner_of[t] in moved)
                        or (t == _VACANCY_OUT and held[x] == 0)
                    ):
                        pointer[x] += 1
                        continue
                    path.append(y)
                    via.append(t)
                    on_path.add(y)
                    break
                else:
                    dead[x] = True
                    path.pop()
                    on_path.discard(x)
                    if via:
                        via.pop()
                        pointer[path[-1]] += 1
            if not path:
                break
            for i, t in enumerate(via):
                x, y = path[i], path[i + 1]
                if t >= 0:
                    choice_list[owner_of[t]] = t
                    moved.add(owner_of[t])
                    pointer[x] += 1
                elif t == _VACANCY_IN:
                    held[y] += 1  # Z has unlimited vacancies to give: the arc stays
                else:
                    held[x] -= 1
            extra[source] -= 1
            short[path[-1]] -= 1
            sent += 1
    choice[:] = choice_list
    excess[:] = extra
    deficit[:] = short
    vacancies[:] = held
    return sent
