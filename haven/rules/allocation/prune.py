"""Leave out applicants who cannot be placed, before a room-level run.

A placement run with rooms (``room_model``) searches over households and re-solves the
people on their own many times, so its time grows with the waitlist.  In a surge the
waitlist is hundreds of times the free beds; most of it cannot be placed this run whatever
happens, and this module says who, without changing the result.

**People on their own.**  Group them by what they may use: the same eligible shelters, the
same gender (``None`` counts as ``"other"``) and the same need for an accessible bed.  Within
a group every person may use exactly the same beds; say there are ``c`` of them (free beds at
those shelters in rooms whose gender admits them; only accessible ones if they need one).
If ``c`` people of the group rank above someone, that someone is never placed: a placement
that gave them a bed leaves one of the ``c`` waiting or in one of the same ``c`` beds, and
in any placement the ``c`` beds are then full of people who may only use them (a Hall
argument: whatever else is placed, a bed left free among the ``c`` would take one of the
waiting higher-ranked people, so an optimum fills them).  The exact stage for people on
their own places only people not spanned by those above them, so leaving these out changes
nothing, for every arrangement of the households.  Ties are kept whole (everyone whose
priority equals the ``c``-th highest stays), so the lottery among equals is untouched.

**Households.**  Group them by eligible shelters, size, members' genders and members needing
an accessible bed: every household of a group fits exactly the same rooms.  At most ``m =
sum over those rooms of floor(beds / size)`` of them can be placed at once.  If ``m``
households of the group have a higher priority than one, it is never in an optimal placement:
swapping it for a higher one that waits, in the same room, raises the total.  Ties are kept
whole again.

What is left out is exactly what cannot change the result; ``prune`` keeps the order of the
applicants it returns, and every member of a kept household.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from .model import Applicant, Shelter

__all__ = ["prune"]

_ADMITS = {
    "open": {"woman", "man", "other"},
    "women": {"woman"},
    "men": {"man"},
}


# Who may use the same beds: (eligible shelters, gender, needs an accessible bed) for someone
# on their own; (eligible shelters, size, members' genders, members needing one) for a household.
SingleKey = tuple[frozenset[str], str, bool]
HouseholdKey = tuple[frozenset[str], int, frozenset[str], int]


def _gender(a: Applicant) -> str:
    return a.gender or "other"


def _kept(priorities: list[int], capacity: int) -> int:
    """The lowest priority kept when ``capacity`` places exist (ties at the cut stay)."""
    if capacity <= 0:
        return 2**63  # nobody of the group can be placed
    if len(priorities) <= capacity:
        return 0
    return sorted(priorities, reverse=True)[capacity - 1]


def prune(shelters: Sequence[Shelter], applicants: Sequence[Applicant]) -> list[Applicant]:
    """The applicants who may still be placed (module docstring), in their order.

    Needs the shelters' rooms (``Shelter.rooms``); without rooms every applicant is kept.
    """
    if any(s.rooms is None for s in shelters):
        return list(applicants)
    rooms = {s.id: s.rooms or () for s in shelters}
    members: dict[str, list[Applicant]] = defaultdict(list)
    for a in applicants:
        if a.household is not None:
            members[a.household].append(a)

    singles: dict[SingleKey, list[int]] = defaultdict(list)
    groups: dict[HouseholdKey, list[int]] = defaultdict(list)
    single_key: dict[str, SingleKey] = {}
    household_key: dict[str, HouseholdKey] = {}
    for a in applicants:
        if a.household is not None and len(members[a.household]) > 1:
            if a.household in household_key:
                continue
            people = members[a.household]
            group = (
                frozenset(a.eligible),
                len(people),
                frozenset(_gender(m) for m in people),
                sum(m.needs_accessible for m in people),
            )
            household_key[a.household] = group
            groups[group].append(sum(m.priority for m in people))
        else:
            single = (frozenset(a.eligible), _gender(a), a.needs_accessible)
            single_key[a.id] = single
            singles[single].append(a.priority)

    single_floor: dict[SingleKey, int] = {}
    for single, priorities in singles.items():
        eligible, gender, needs = single
        capacity = sum(
            room.accessible if needs else room.beds
            for sid in eligible
            for room in rooms[sid]
            if gender in _ADMITS[room.gender]
        )
        single_floor[single] = _kept(priorities, capacity)
    household_floor: dict[HouseholdKey, int] = {}
    for group, values in groups.items():
        eligible, size, genders, needing = group
        admitted = next(iter(genders)) if len(genders) == 1 else "other"
        capacity = sum(
            room.beds // size
            for sid in eligible
            for room in rooms[sid]
            if admitted in _ADMITS[room.gender] and room.beds >= size and room.accessible >= needing
        )
        household_floor[group] = _kept(values, capacity)

    kept_households = {
        h
        for h, key in household_key.items()
        if sum(m.priority for m in members[h]) >= household_floor[key]
    }
    return [
        a
        for a in applicants
        if (a.id in single_key and a.priority >= single_floor[single_key[a.id]])
        or (a.household in kept_households)
    ]
