"""Placement runs: the engine proposes bed offers, coordinators confirm, people answer.

``run_placement`` locks the shelters it covers (so two runs over the same shelters take
turns), expires overdue offers, withdraws proposals no one confirmed, and asks the engine
(``haven.rules.allocation.allocate``) who of the waitlist should get the free beds. The engine
sees each shelter's rooms: their free beds, room gender (open, women, men) and free accessible
beds. A person is eligible for the shelters of the country they wait in, may use rooms whose
gender admits them, and only accessible beds if they need one.

Families (an applicant with dependants: ``Application.beds_needed > 1``) are households to the
engine: the applicant and one member per dependant, each at the applicant's priority, placed
together in one room or not at all. The people with them are counted, not named, so the engine
treats their gender as unknown and puts a family in a room open to all. A family's offer is one
row per bed (``Offer.member``), made, answered, checked in and ended together. A family bigger
than every room is never placed by a run; the placement page lists them
(``too_big_for_any_room``) and a coordinator spreads them over a shelter's rooms by hand.

The run maximises the total priority of the people placed (with families, a search whose gap to
a proven bound the engine reports: see ``haven.rules.allocation.room_model``). Before the
search, ``allocation.prune`` leaves out whoever cannot be placed whatever happens, which keeps
a run on a waitlist of 100,000 at about a second (``allocation.prune`` says why the result is
the same; the cut-offs still count them as waiting). Within the rooms
the engine chose, people who need an accessible bed get one first and everyone else takes
ordinary beds first, so accessible beds stay free for those who need them as long as possible.

A bed is free when it is in service, has no open stay and no offer holds it (see
``haven.core.models.placements`` for the offer states). Every step locks the offer rows,
re-checks their state and writes in one transaction, and the database's partial unique
constraints keep one holding offer per bed and per (application, member).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.core.models import Application, Bed, Offer, PlacementRun, Shelter, Stay
from haven.core.services import audit
from haven.core.services.stays import PlacementError, admits, check_in, largest_rooms
from haven.rules import allocation

# Match points: the person asked for this city.
CITY_MATCH = 10


def free_beds(shelters: QuerySet[Shelter] | list[Shelter]) -> QuerySet[Bed]:
    """Beds of ``shelters`` in service with no open stay and no offer holding them."""
    held = Offer.objects.filter(bed=OuterRef("pk"), status__in=Offer.HOLDING)
    open_stay = Stay.objects.active().filter(bed=OuterRef("pk"))
    return (
        Bed.objects.filter(room__shelter__in=shelters, in_service=True)
        .exclude(Exists(open_stay))
        .exclude(Exists(held))
        .select_related("room__shelter")
        .order_by("room__shelter_id", "room__name", "label", "pk")
    )


def waiting_for_offer(countries: set[int]) -> QuerySet[Application]:
    """Accepted applicants waiting in ``countries`` who hold no offer."""
    held = Offer.objects.filter(application=OuterRef("pk"), status__in=Offer.HOLDING)
    return (
        Application.objects.waitlist()
        .filter(host_country_id__in=countries)
        .exclude(Exists(held))
        .select_related("person")
        .defer("answers", "priority_parts", "person__contact")
    )


def _ordinary_first(beds: Iterable[Bed], *, accessible_first: bool = False) -> list[Bed]:
    return sorted(beds, key=lambda bed: bed.accessible != accessible_first)


def family_beds(application: Application, bed: Bed, free: Iterable[Bed]) -> list[Bed]:
    """Beds for the people with ``application``'s applicant, who takes ``bed`` (``free``: the
    free beds of its shelter, rooms loaded).

    Free beds of the same room, ordinary ones first. Only a family bigger than every room of
    the shelter is spread over more rooms: the chosen one first, then the others that admit
    the applicant, by name."""
    wanted = application.beds_needed - 1
    if not wanted:
        return []
    free = [b for b in free if b.pk != bed.pk]
    room = [b for b in free if b.room_id == bed.room_id]
    if len(room) >= wanted:
        return _ordinary_first(room)[:wanted]
    shelter = bed.room.shelter_id
    if application.beds_needed <= largest_rooms(pk=shelter).get(shelter, 0):
        raise PlacementError(
            _("Beds this family needs in one room: %(count)s; free in this room: %(free)s.")
            % {"count": application.beds_needed, "free": len(room) + 1}
        )
    others = sorted(
        (
            b
            for b in free
            if b.room.shelter_id == shelter
            and b.room_id != bed.room_id
            and admits(b.room.gender, application.person.gender)
        ),
        key=lambda b: (b.room.name, b.label, b.pk),
    )
    if len(room) + len(others) < wanted:
        raise PlacementError(
            _("Beds this family needs: %(count)s; free for them in this shelter: %(free)s.")
            % {"count": application.beds_needed, "free": len(room) + len(others) + 1}
        )
    return [*_ordinary_first(room), *others][:wanted]


def too_big_for_any_room(countries: set[int]) -> QuerySet[Application]:
    """Families waiting in ``countries`` whom no room there can hold: runs never place them
    (they wait as ``no_room_fits``), so coordinators place them by hand over several rooms
    of one shelter (``family_beds``)."""
    largest = dict.fromkeys(countries, 1)  # never list someone on their own
    sizes = largest_rooms(country__in=countries)
    for shelter, country in Shelter.objects.filter(pk__in=sizes).values_list("pk", "country_id"):
        largest[country] = max(largest[country], sizes[shelter])
    too_big = Q()
    for country, beds in largest.items():
        too_big |= Q(host_country_id=country, beds_needed__gt=beds)
    return waiting_for_offer(countries).filter(too_big) if countries else Application.objects.none()


def expire_overdue(*, now: datetime | None = None) -> int:
    """Mark confirmed offers past their answer time as expired; their beds are free again.

    Returns the number of offers expired (a family's counts once)."""
    now = now or timezone.now()
    expired = 0
    with transaction.atomic():
        overdue = Offer.objects.select_for_update(no_key=True).filter(
            status=Offer.Status.CONFIRMED, expires_at__lte=now
        )
        for offer in overdue:
            offer.status = Offer.Status.EXPIRED
            offer.ended_at = now
            offer.save(update_fields=["status", "ended_at"])
            audit.record("offer.expired", offer, actor=None)
            expired += offer.member == 0
    return expired


def run_placement(
    shelters: QuerySet[Shelter], *, actor: User, seed: int | None = None
) -> PlacementRun:
    """Propose offers of the free beds of ``shelters`` to the waitlist, by priority.

    The run's audit entries are appended together at its end (``audit.deferred``), so the
    chain's head is not held while it computes and writes: applications keep coming in.
    """
    with transaction.atomic(), audit.deferred():
        locked = list(
            Shelter.objects.select_for_update(no_key=True, of=("self",))
            .filter(pk__in=shelters.values("pk"))
            .select_related("country")
            .order_by("pk")
        )
        if not locked:
            raise PlacementError(_("You coordinate no shelter to place people in."))
        expire_overdue()
        stale = Offer.objects.select_for_update(no_key=True).filter(
            status=Offer.Status.PROPOSED, bed__room__shelter__in=locked
        )
        for offer in stale:
            _end_one(offer, Offer.Status.WITHDRAWN, actor=actor, why="superseded")

        beds_of_room: dict[int, list[Bed]] = defaultdict(list)
        for bed in free_beds(locked).select_related("room"):
            beds_of_room[bed.room_id].append(bed)
        having_beds = {beds[0].room.shelter_id for beds in beds_of_room.values()}
        with_beds: dict[int, list[Shelter]] = defaultdict(list)
        for shelter in locked:
            if shelter.pk in having_beds:
                with_beds[shelter.country_id].append(shelter)
        waiting = list(waiting_for_offer(set(with_beds)))
        applications = {str(a.pk): a for a in waiting}
        engine_shelters = [_engine_shelter(s, beds_of_room) for s in locked]
        people = [
            person
            for application in waiting
            for person in _engine_people(application, with_beds[application.host_country_id])
        ]
        # In a surge most of the waitlist cannot be placed this run whatever happens: leave
        # them out of the search (allocation.prune says why this changes nothing), but count
        # them among those left waiting in each shelter's cut-off.
        kept = allocation.prune(engine_shelters, people)
        kept_ids = {person.id for person in kept}
        left_out: dict[str, int] = {}
        for person in people:
            if person.id not in kept_ids:
                for sid in person.eligible:
                    left_out[sid] = max(left_out.get(sid, 0), person.priority)
        result = allocation.allocate(engine_shelters, kept, seed=seed)
        cutoffs = {
            s.pk: _cutoff_row(result.cutoffs[str(s.pk)], left_out.get(str(s.pk))) for s in locked
        }
        run = PlacementRun.objects.create(
            started_by=actor,
            seed=result.seed,
            waiting_count=len(waiting),
            free_beds=sum(len(beds) for beds in beds_of_room.values()),
            cutoffs={str(s.public_id): cutoffs[s.pk] for s in locked},
        )
        run.shelters.set(locked)
        lottery_winners = {a for tie in result.ties for a in tie.placed}
        placed = [
            applications[a] for a in result.order if a in applications and a in result.assignment
        ]
        for application, beds in _choose_beds(placed, result, beds_of_room):
            cut = cutoffs[beds[0].room.shelter_id]
            for member, bed in enumerate(beds):
                offer = Offer.objects.create(
                    run=run,
                    application=application,
                    bed=bed,
                    member=member,
                    priority=application.priority,
                    lowest_placed=cut["lowest_placed"],
                    highest_waiting=cut["highest_waiting"],
                    won_lottery=str(application.pk) in lottery_winners,
                )
                audit.record(
                    "offer.proposed",
                    offer,
                    actor=actor,
                    run=str(run.public_id),
                    application=str(application.public_id),
                    bed=str(bed.public_id),
                    **({"member": member} if member else {}),
                )
        audit.record(
            "placement.run",
            run,
            actor=actor,
            seed=run.seed,
            offers=len(placed),
            beds_offered=len(result.assignment),
            free_beds=run.free_beds,
            waiting=run.waiting_count,
        )
    return run


def _engine_shelter(shelter: Shelter, beds_of_room: dict[int, list[Bed]]) -> allocation.Shelter:
    """A shelter as the engine sees it: the free beds of each of its rooms."""
    rooms = tuple(
        allocation.Room(
            id=str(room_id),
            beds=len(beds),
            gender=beds[0].room.gender,  # type: ignore[arg-type]
            accessible=sum(bed.accessible for bed in beds),
        )
        for room_id, beds in beds_of_room.items()
        if beds[0].room.shelter_id == shelter.pk
    )
    return allocation.Shelter(
        id=str(shelter.pk), beds=sum(room.beds for room in rooms), rooms=rooms
    )


def _engine_people(
    application: Application, shelters: Sequence[Shelter]
) -> list[allocation.Applicant]:
    """The applicant, and for a family one member per dependant ("<pk>/1", "<pk>/2", ...):
    each at the applicant's priority, a household together."""
    if not shelters:
        return []
    city = application.city.strip().casefold()
    match = {str(s.pk): CITY_MATCH if city and s.city.casefold() == city else 0 for s in shelters}
    eligible = tuple(match)
    priority = max(application.priority, 1)
    household = str(application.pk) if application.beds_needed > 1 else None
    head = allocation.Applicant(
        id=str(application.pk),
        priority=priority,
        eligible=eligible,
        match=match,
        household=household,
        gender=application.person.gender,  # type: ignore[arg-type]
        needs_accessible=application.needs_accessible,
    )
    return [head] + [
        allocation.Applicant(
            id=f"{application.pk}/{member}",
            priority=priority,
            eligible=eligible,
            match=match,
            household=household,
        )
        for member in range(1, application.beds_needed)
    ]


def _choose_beds(
    placed: list[Application],
    result: allocation.Allocation,
    beds_of_room: dict[int, list[Bed]],
) -> list[tuple[Application, list[Bed]]]:
    """The beds of each person placed (a family's in one room), the applicant's first.

    Families take beds of the room the engine chose. Everyone on their own may take any bed
    left of the same shelter and room gender (the engine's guarantee is per such class): those
    who need an accessible bed first, then the others, ordinary beds first.
    """
    assert result.rooms is not None  # every run gives the engine rooms
    left = {room: list(beds) for room, beds in beds_of_room.items()}
    chosen: dict[int, list[Bed]] = {}
    for application in placed:
        if application.beds_needed > 1:
            room = left[int(result.rooms[str(application.pk)])]
            # The one who needs an accessible bed (recorded on the applicant) gets one; the
            # others take ordinary beds first, as the engine counted the room's beds left.
            own = _ordinary_first(room, accessible_first=application.needs_accessible)[0]
            room.remove(own)
            others = _ordinary_first(room)[: application.beds_needed - 1]
            for bed in others:
                room.remove(bed)
            chosen[application.pk] = [own, *others]
    by_class: dict[tuple[int, str], list[Bed]] = defaultdict(list)
    for beds in left.values():
        for bed in beds:
            by_class[(bed.room.shelter_id, bed.room.gender)].append(bed)
    singles = [a for a in placed if a.beds_needed == 1]
    for application in sorted(singles, key=lambda a: not a.needs_accessible):
        home = beds_of_room[int(result.rooms[str(application.pk)])][0].room
        pool = by_class[(home.shelter_id, home.gender)]
        bed = _ordinary_first(pool, accessible_first=application.needs_accessible)[0]
        pool.remove(bed)
        chosen[application.pk] = [bed]
    return [(application, chosen[application.pk]) for application in placed]


def _cutoff_row(cut: allocation.Cutoff, left_out: int | None) -> dict[str, int | None]:
    """Per shelter: free beds, people placed, lowest priority placed, highest left waiting
    (``left_out``: the highest priority of those the run left out of the search)."""
    waiting = [p for p in (cut.highest_waiting, left_out) if p is not None]
    return {
        "beds": cut.beds,
        "placed": cut.placed,
        "lowest_placed": cut.lowest_placed,
        "highest_waiting": max(waiting) if waiting else None,
    }


def current_offer(application: Application) -> Offer | None:
    """The bed offer waiting for this applicant's answer (confirmed and not overdue), if any:
    the applicant's own row (``family_of`` gives a family's other beds)."""
    return (
        Offer.objects.live()
        .heads()
        .filter(application=application, status=Offer.Status.CONFIRMED)
        .select_related("bed__room__shelter__country")
        .first()
    )


def _family_rows(offer: Offer) -> QuerySet[Offer]:
    """The other rows (member 1, 2, ...) holding beds with an applicant's holding offer."""
    if offer.member or offer.status not in Offer.HOLDING:
        return Offer.objects.none()
    return Offer.objects.filter(
        application_id=offer.application_id, member__gt=0, status__in=Offer.HOLDING
    ).order_by("member")


def family_of(offer: Offer) -> list[Offer]:
    """The other rows of a family's offer (member 1, 2, ...), while it holds its beds."""
    return list(_family_rows(offer).select_related("bed__room"))


def _locked(offer: Offer) -> tuple[Offer, list[Offer]]:
    """Lock an offer and, for a family, its other rows; then the application."""
    head = (
        Offer.objects.select_for_update(no_key=True, of=("self", "application"))
        .select_related("application__person", "bed__room__shelter")
        .get(pk=offer.pk)
    )
    if head.member:
        raise PlacementError(_("Open the offer from the applicant's own bed."))
    others = list(
        _family_rows(head).select_for_update(no_key=True, of=("self",)).select_related("bed")
    )
    return head, others


def _end_one(offer: Offer, status: str, *, actor: User | None, why: str = "") -> None:
    offer.status = status
    offer.ended_at = timezone.now()
    offer.save(update_fields=["status", "ended_at"])
    extra = {"why": why} if why else {}
    audit.record(f"offer.{status}", offer, actor=actor, **extra)


def _end(offers: Sequence[Offer], status: str, *, actor: User | None, why: str = "") -> None:
    for offer in offers:
        _end_one(offer, status, actor=actor, why=why)


def _set(offers: Sequence[Offer], **values: object) -> None:
    """Write the same fields on every row of an offer (a family's rows move together)."""
    for offer in offers:
        for name, value in values.items():
            setattr(offer, name, value)
        offer.save(update_fields=list(values))


def confirm_offer(offer: Offer, *, actor: User) -> Offer:
    """A coordinator agrees with a proposal: the person now has OFFER_HOURS to answer."""
    with transaction.atomic():
        locked, others = _locked(offer)
        if locked.status != Offer.Status.PROPOSED:
            raise PlacementError(_("This offer is no longer waiting for confirmation."))
        if locked.application.status != Application.Status.ACCEPTED:
            raise PlacementError(_("Only accepted applicants waiting for a bed can be placed."))
        now = timezone.now()
        _set(
            [locked, *others],
            status=Offer.Status.CONFIRMED,
            confirmed_at=now,
            expires_at=now + timedelta(hours=settings.OFFER_HOURS),
        )
        for row in (locked, *others):
            audit.record("offer.confirmed", row, actor=actor)
    return locked


def change_offer(offer: Offer, application: Application, bed: Bed, *, actor: User) -> Offer:
    """Replace a proposal with another person or bed of the same shelter, offered at once.

    A family chosen gets ``bed`` and more free beds of its room (``family_beds``)."""
    with transaction.atomic():
        locked, others = _locked(offer)
        if locked.status != Offer.Status.PROPOSED:
            raise PlacementError(_("This offer is no longer waiting for confirmation."))
        if bed.room.shelter_id != locked.bed.room.shelter_id:
            raise PlacementError(_("Choose a bed of this shelter."))
        # Every row first, the audit chain's head (taken by _end) last: docs/locking.md.
        app = (
            Application.objects.select_for_update(no_key=True)
            .select_related("person")
            .get(pk=application.pk)
        )
        shelter = Shelter.objects.filter(pk=bed.room.shelter_id)
        in_shelter = list(
            Bed.objects.select_for_update(no_key=True, of=("self",))
            .filter(room__shelter__in=shelter)
            .select_related("room")
            .order_by("room__name", "label", "pk")
        )
        # Free under the beds' locks, or held by the offer being replaced.
        usable = {o.bed_id for o in (locked, *others)}
        usable.update(free_beds(shelter).values_list("pk", flat=True))
        free = [b for b in in_shelter if b.pk in usable]
        target = next((b for b in free if b.pk == bed.pk), None)
        _end([locked, *others], Offer.Status.WITHDRAWN, actor=actor, why="changed")
        if app.status != Application.Status.ACCEPTED:
            raise PlacementError(_("Only accepted applicants waiting for a bed can be placed."))
        if target is None:
            raise PlacementError(_("Someone else was just placed in this bed. Choose another."))
        if not admits(target.room.gender, app.person.gender):
            raise PlacementError(
                _("This room is for %(gender)s only.")
                % {"gender": target.room.get_gender_display()}
            )
        beds = [target, *family_beds(app, target, free)]
        now = timezone.now()
        try:
            with transaction.atomic():
                rows = [
                    Offer.objects.create(
                        run=locked.run,
                        application=app,
                        bed=chosen,
                        member=member,
                        status=Offer.Status.CONFIRMED,
                        priority=app.priority,
                        lowest_placed=locked.lowest_placed,
                        highest_waiting=locked.highest_waiting,
                        changed=True,
                        confirmed_at=now,
                        expires_at=now + timedelta(hours=settings.OFFER_HOURS),
                    )
                    for member, chosen in enumerate(beds)
                ]
        except IntegrityError:
            raise PlacementError(
                _("That person or bed already has an offer. Choose another.")
            ) from None
        for row in rows:
            audit.record(
                "offer.confirmed",
                row,
                actor=actor,
                replaces=str(locked.public_id),
                application=str(app.public_id),
                bed=str(row.bed.public_id),
                **({"member": row.member} if row.member else {}),
            )
    return rows[0]


def answer_offer(offer: Offer, *, accept: bool, actor: User | None) -> Offer:
    """The person accepts or declines (on the status page, or a coordinator records it)."""
    with transaction.atomic():
        locked, others = _locked(offer)
        rows = [locked, *others]
        if locked.overdue:
            _end(rows, Offer.Status.EXPIRED, actor=None)
            return locked
        if locked.status != Offer.Status.CONFIRMED:
            raise PlacementError(_("This offer is no longer open."))
        now = timezone.now()
        if accept:
            _set(rows, status=Offer.Status.ACCEPTED, answered_at=now)
            for row in rows:
                audit.record("offer.accepted", row, actor=actor)
        else:
            _set(rows, answered_at=now)
            _end(rows, Offer.Status.DECLINED, actor=actor)
    return locked


def withdraw_offer(offer: Offer, *, actor: User) -> Offer:
    """A coordinator takes back an offer (its beds return to the pool)."""
    with transaction.atomic():
        locked, others = _locked(offer)
        if locked.status not in Offer.HOLDING:
            raise PlacementError(_("This offer is no longer open."))
        _end([locked, *others], Offer.Status.WITHDRAWN, actor=actor)
    return locked


def check_in_offer(offer: Offer, day: date, *, actor: User) -> Stay:
    """The person arrived (with their family): check them into the offered beds (arriving
    counts as accepting)."""
    with transaction.atomic():
        locked, others = _locked(offer)
        if locked.overdue:
            raise PlacementError(_("This offer has expired; the bed is back in the pool."))
        if locked.status not in (Offer.Status.CONFIRMED, Offer.Status.ACCEPTED):
            raise PlacementError(_("Only a confirmed or accepted offer can be checked in."))
        return check_in(
            locked.application, locked.bed, day, actor=actor, others=[o.bed for o in others]
        )
