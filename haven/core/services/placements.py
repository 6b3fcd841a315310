"""Placement runs: the engine proposes bed offers, coordinators confirm, people answer.

``run_placement`` locks the shelters it covers (so two runs over the same shelters take
turns), expires overdue offers, withdraws proposals no one confirmed, and asks the engine
(``haven.rules.allocation.allocate``) who of the waitlist should get the free beds. Rooms
for women or men only and accessible beds are honoured exactly by giving the engine one
pool per (shelter, room gender, accessible): a person is eligible for the pools of the
shelters in the country they wait in whose gender admits them, and only to accessible beds
if they need one; accessible beds score lower for everyone else, so they go to others last.
A bed is free when it is in service, has no open stay and no offer holds it (see
``haven.core.models.placements`` for the offer states).

Applicants who need more than one bed (dependants with them) are left to coordinators for
now: a run would have to hold beds together in one room for them (see docs/locking.md).

Accessible beds follow the same rule as every bed: the run maximises the total priority of
the people placed. Someone who needs one can only be offered an accessible bed; someone who
does not is put in one only when no ordinary bed would do for them, or the total is higher so
(a person in greater danger takes the last bed, whichever it is).

Every step locks the offer row, re-checks its state and writes in one transaction, and the
database's partial unique constraints keep one holding offer per bed and per application.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.core.models import Application, Bed, Offer, Person, PlacementRun, Room, Shelter, Stay
from haven.core.services import audit
from haven.core.services.stays import PlacementError, check_in
from haven.rules import allocation

# Match points: the person asked for this city; an accessible bed (kept for those who need it).
CITY_MATCH = 10
ACCESSIBLE_BED = -1


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


def _admits(room_gender: str, person_gender: str) -> bool:
    if room_gender == Room.Gender.WOMEN:
        return person_gender == Person.Gender.WOMAN
    if room_gender == Room.Gender.MEN:
        return person_gender == Person.Gender.MAN
    return True


@dataclass(frozen=True)
class _Pool:
    shelter: Shelter
    gender: str
    accessible: bool

    @property
    def key(self) -> str:
        return f"{self.shelter.pk}:{self.gender}:{int(self.accessible)}"


def expire_overdue(*, now: datetime | None = None) -> int:
    """Mark confirmed offers past their answer time as expired; their beds are free again."""
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
            expired += 1
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
            _end(offer, Offer.Status.WITHDRAWN, actor=actor, why="superseded")

        pools: dict[str, tuple[_Pool, list[Bed]]] = {}
        for bed in free_beds(locked).select_related("room"):
            pool = _Pool(bed.room.shelter, bed.room.gender, bed.accessible)
            pools.setdefault(pool.key, (pool, []))[1].append(bed)
        by_country: dict[int, list[_Pool]] = defaultdict(list)
        for pool, _beds in pools.values():
            by_country[pool.shelter.country_id].append(pool)
        waiting = list(waiting_for_offer(set(by_country)))
        applicants = []
        for application in waiting:
            if application.beds_needed > 1:
                # A family needs its beds together in one room; until runs pack rooms they
                # are placed by a coordinator (the placement page lists them), never split.
                continue
            eligible = [
                p
                for p in by_country[application.host_country_id]
                if _admits(p.gender, application.person.gender)
                and (p.accessible or not application.needs_accessible)
            ]
            if not eligible:
                continue
            city = application.city.strip().casefold()
            applicants.append(
                allocation.Applicant(
                    id=str(application.pk),
                    priority=max(application.priority, 1),
                    eligible=tuple(p.key for p in eligible),
                    match={
                        p.key: (CITY_MATCH if city and p.shelter.city.casefold() == city else 0)
                        + (ACCESSIBLE_BED if p.accessible else 0)
                        for p in eligible
                    },
                )
            )
        result = allocation.allocate(
            [allocation.Shelter(id=key, beds=len(beds)) for key, (_p, beds) in pools.items()],
            applicants,
            seed=seed,
        )
        cutoffs = _shelter_cutoffs(locked, pools, result)
        run = PlacementRun.objects.create(
            started_by=actor,
            seed=result.seed,
            waiting_count=len(waiting),
            free_beds=sum(len(beds) for _p, beds in pools.values()),
            cutoffs={str(s.public_id): cutoffs[s.pk] for s in locked},
        )
        run.shelters.set(locked)
        lottery_winners = {a for tie in result.ties for a in tie.placed}
        applications = {str(a.pk): a for a in waiting}
        for applicant_id, key in result.assignment.items():
            pool, beds = pools[key]
            application = applications[applicant_id]
            cut = cutoffs[pool.shelter.pk]
            offer = Offer.objects.create(
                run=run,
                application=application,
                bed=beds.pop(0),
                priority=application.priority,
                lowest_placed=cut["lowest_placed"],
                highest_waiting=cut["highest_waiting"],
                won_lottery=applicant_id in lottery_winners,
            )
            audit.record(
                "offer.proposed",
                offer,
                actor=actor,
                run=str(run.public_id),
                application=str(application.public_id),
                bed=str(offer.bed.public_id),
            )
        audit.record(
            "placement.run",
            run,
            actor=actor,
            seed=run.seed,
            offers=len(result.assignment),
            free_beds=run.free_beds,
            waiting=run.waiting_count,
        )
    return run


def _shelter_cutoffs(
    shelters: list[Shelter],
    pools: dict[str, tuple[_Pool, list[Bed]]],
    result: allocation.Allocation,
) -> dict[int, dict[str, int | None]]:
    """Per shelter: free beds, offers, lowest priority offered, highest priority left waiting."""
    out: dict[int, dict[str, int | None]] = {
        s.pk: {"beds": 0, "placed": 0, "lowest_placed": None, "highest_waiting": None}
        for s in shelters
    }
    for key, (pool, beds) in pools.items():
        row = out[pool.shelter.pk]
        cut = result.cutoffs[key]
        row["beds"] = (row["beds"] or 0) + len(beds)
        row["placed"] = (row["placed"] or 0) + cut.placed
        for field, value, pick in (
            ("lowest_placed", cut.lowest_placed, min),
            ("highest_waiting", cut.highest_waiting, max),
        ):
            if value is not None:
                current = row[field]
                row[field] = value if current is None else pick(current, value)
    return out


def current_offer(application: Application) -> Offer | None:
    """The bed offer waiting for this applicant's answer (confirmed and not overdue), if any."""
    return (
        Offer.objects.live()
        .filter(application=application, status=Offer.Status.CONFIRMED)
        .select_related("bed__room__shelter__country")
        .first()
    )


def _locked(offer: Offer) -> Offer:
    return (
        Offer.objects.select_for_update(no_key=True, of=("self", "application"))
        .select_related("application__person", "bed__room__shelter")
        .get(pk=offer.pk)
    )


def _end(offer: Offer, status: str, *, actor: User | None, why: str = "") -> None:
    offer.status = status
    offer.ended_at = timezone.now()
    offer.save(update_fields=["status", "ended_at"])
    extra = {"why": why} if why else {}
    audit.record(f"offer.{status}", offer, actor=actor, **extra)


def confirm_offer(offer: Offer, *, actor: User) -> Offer:
    """A coordinator agrees with a proposal: the person now has OFFER_HOURS to answer."""
    with transaction.atomic():
        locked = _locked(offer)
        if locked.status != Offer.Status.PROPOSED:
            raise PlacementError(_("This offer is no longer waiting for confirmation."))
        if locked.application.status != Application.Status.ACCEPTED:
            raise PlacementError(_("Only accepted applicants waiting for a bed can be placed."))
        now = timezone.now()
        locked.status = Offer.Status.CONFIRMED
        locked.confirmed_at = now
        locked.expires_at = now + timedelta(hours=settings.OFFER_HOURS)
        locked.save(update_fields=["status", "confirmed_at", "expires_at"])
        audit.record("offer.confirmed", locked, actor=actor)
    return locked


def change_offer(offer: Offer, application: Application, bed: Bed, *, actor: User) -> Offer:
    """Replace a proposal with another person or bed of the same shelter, offered at once."""
    with transaction.atomic():
        locked = _locked(offer)
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
        target = (
            Bed.objects.select_for_update(no_key=True, of=("self",))
            .select_related("room")
            .get(pk=bed.pk)
        )
        _end(locked, Offer.Status.WITHDRAWN, actor=actor, why="changed")
        if app.status != Application.Status.ACCEPTED:
            raise PlacementError(_("Only accepted applicants waiting for a bed can be placed."))
        if not target.in_service or Stay.objects.active().filter(bed=target).exists():
            raise PlacementError(_("Someone else was just placed in this bed. Choose another."))
        if not _admits(target.room.gender, app.person.gender):
            raise PlacementError(
                _("This room is for %(gender)s only.")
                % {"gender": target.room.get_gender_display()}
            )
        now = timezone.now()
        try:
            with transaction.atomic():
                replacement = Offer.objects.create(
                    run=locked.run,
                    application=app,
                    bed=target,
                    status=Offer.Status.CONFIRMED,
                    priority=app.priority,
                    lowest_placed=locked.lowest_placed,
                    highest_waiting=locked.highest_waiting,
                    changed=True,
                    confirmed_at=now,
                    expires_at=now + timedelta(hours=settings.OFFER_HOURS),
                )
        except IntegrityError:
            raise PlacementError(
                _("That person or bed already has an offer. Choose another.")
            ) from None
        audit.record(
            "offer.confirmed",
            replacement,
            actor=actor,
            replaces=str(locked.public_id),
            application=str(app.public_id),
            bed=str(target.public_id),
        )
    return replacement


def answer_offer(offer: Offer, *, accept: bool, actor: User | None) -> Offer:
    """The person accepts or declines (on the status page, or a coordinator records it)."""
    with transaction.atomic():
        locked = _locked(offer)
        if locked.overdue:
            _end(locked, Offer.Status.EXPIRED, actor=None)
            return locked
        if locked.status != Offer.Status.CONFIRMED:
            raise PlacementError(_("This offer is no longer open."))
        locked.answered_at = timezone.now()
        if accept:
            locked.status = Offer.Status.ACCEPTED
            locked.save(update_fields=["status", "answered_at"])
            audit.record("offer.accepted", locked, actor=actor)
        else:
            locked.save(update_fields=["answered_at"])
            _end(locked, Offer.Status.DECLINED, actor=actor)
    return locked


def withdraw_offer(offer: Offer, *, actor: User) -> Offer:
    """A coordinator takes back an offer (the bed returns to the pool)."""
    with transaction.atomic():
        locked = _locked(offer)
        if locked.status not in Offer.HOLDING:
            raise PlacementError(_("This offer is no longer open."))
        _end(locked, Offer.Status.WITHDRAWN, actor=actor)
    return locked


def check_in_offer(offer: Offer, day: date, *, actor: User) -> Stay:
    """The person arrived: check them into the offered bed (arriving counts as accepting)."""
    with transaction.atomic():
        locked = _locked(offer)
        if locked.overdue:
            raise PlacementError(_("This offer has expired; the bed is back in the pool."))
        if locked.status not in (Offer.Status.CONFIRMED, Offer.Status.ACCEPTED):
            raise PlacementError(_("Only a confirmed or accepted offer can be checked in."))
        return check_in(locked.application, locked.bed, day, actor=actor)
