"""``prune``: leaving out who cannot be placed changes nothing a run decides."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from haven.rules.allocation import Applicant, Room, Shelter, allocate, prune

from .rooms_reference import assert_room_feasible, cpsat_best, room_instances

seeds = st.integers(0, 2**63 - 1)


@st.composite
def crowded(draw: st.DrawFn) -> tuple[list[Shelter], list[Applicant]]:
    """A surge in miniature: few free beds, many people with the same few eligibilities."""
    shelters = [
        Shelter(
            f"s{s}",
            0,
            tuple(
                Room(
                    f"s{s}r{r}",
                    beds := draw(st.integers(0, 4)),
                    draw(st.sampled_from(["open", "open", "women", "men"])),
                    draw(st.integers(0, beds)),
                )
                for r in range(draw(st.integers(1, 2)))
            ),
        )
        for s in range(draw(st.integers(1, 2)))
    ]
    shelters = [Shelter(s.id, sum(r.beds for r in s.rooms or ()), s.rooms) for s in shelters]
    ids = [s.id for s in shelters]
    choices = [tuple(ids), (ids[0],)]
    applicants: list[Applicant] = []
    for i in range(draw(st.integers(0, 40))):
        size = draw(st.sampled_from([1, 1, 1, 1, 2, 3]))
        eligible = draw(st.sampled_from(choices))
        household = f"h{i}" if size > 1 else None
        priority = draw(st.integers(1, 6))
        for _ in range(size):
            applicants.append(
                Applicant(
                    f"a{len(applicants)}",
                    priority,
                    eligible,
                    household=household,
                    gender=draw(st.sampled_from(["woman", "man", "other", None])),
                    needs_accessible=draw(st.integers(0, 6)) == 0,
                )
            )
    return shelters, applicants


def _singles_only(applicants: list[Applicant]) -> list[Applicant]:
    return [a for a in applicants if a.household is None]


@settings(max_examples=200, deadline=None)
@given(st.one_of(crowded(), room_instances()), seeds)
def test_without_households_the_run_is_the_same(
    instance: tuple[list[Shelter], list[Applicant]], seed: int
) -> None:
    shelters, everyone = instance
    applicants = _singles_only(everyone)
    kept = prune(shelters, applicants)

    full = allocate(shelters, applicants, seed=seed)
    short = allocate(shelters, kept, seed=seed)

    assert set(short.assignment) == set(full.assignment)
    assert (short.total_priority, short.total_match) == (full.total_priority, full.total_match)
    assert [a.id for a in kept] == [a.id for a in applicants if a in kept]  # order kept


@settings(max_examples=150, deadline=None)
@given(st.one_of(crowded(), room_instances()), seeds)
def test_with_households_the_run_stays_feasible_and_near_the_optimum(
    instance: tuple[list[Shelter], list[Applicant]], seed: int
) -> None:
    shelters, applicants = instance
    kept = prune(shelters, applicants)
    result = allocate(shelters, kept, seed=seed)

    assert_room_feasible(shelters, kept, result)
    households = {a.household for a in kept if a.household is not None}
    for a in applicants:  # a household is kept whole or left out whole
        if a.household in households:
            assert a in kept
    best = cpsat_best(shelters, applicants)
    assert cpsat_best(shelters, kept) == best  # nothing an optimum needs was left out
    assert result.total_priority >= 0.99 * best


def test_a_surge_keeps_only_those_who_could_be_placed() -> None:
    shelters = [Shelter("s", 3, (Room("r1", 2, "open"), Room("r2", 1, "women")))]
    women = [Applicant(f"w{p}", p, ("s",), gender="woman") for p in range(1, 11)]
    men = [Applicant(f"m{p}", p, ("s",), gender="man") for p in range(1, 11)]
    tie = [Applicant(f"t{i}", 9, ("s",), gender="man") for i in range(3)]
    families = [
        Applicant(f"f{f}-{k}", f, ("s",), household=f"f{f}", gender="woman")
        for f in range(1, 6)
        for k in range(2)
    ]

    kept = {a.id for a in prune(shelters, women + men + tie + families)}

    # Women may use three beds, men the two of the open room (the men at 9 tie: all stay);
    # one family of two fits (the open room), so only the highest family stays.
    assert kept == {"w10", "w9", "w8", "m10", "m9", "t0", "t1", "t2", "f5-0", "f5-1"}
