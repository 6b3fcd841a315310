"""Check-in and check-out: a bed is locked, re-checked and written in one transaction."""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from datetime import date

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.core.models import Application, Bed, Offer, Person, Room, Stay
from haven.core.services import audit
from haven.core.services.legal import refresh_clocks, sync_duties


class PlacementError(Exception):
    """A bed could not be given or released; ``message`` is for the user."""

    def __init__(self, message: str | Promise, *, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        # Which safeguard refused: "bed_taken" (the re-check under lock) or "constraint"
        # (the database's unique constraint, if anything ever slipped past the lock).
        self.code = code


def admits(room_gender: str, person_gender: str) -> bool:
    """Whether a room of ``room_gender`` may hold a person of ``person_gender``."""
    if room_gender == Room.Gender.WOMEN:
        return person_gender == Person.Gender.WOMAN
    if room_gender == Room.Gender.MEN:
        return person_gender == Person.Gender.MAN
    return True


def largest_rooms(**where: object) -> dict[int, int]:
    """Beds in service of the largest room, per shelter (``where`` filters the shelters, e.g.
    ``pk=...`` or ``country__in=...``). A family bigger than every room of a shelter may be
    split over its rooms; any other family is kept in one room."""
    sizes: dict[int, int] = {}
    rows = (
        Bed.objects.filter(in_service=True, **{f"room__shelter__{k}": v for k, v in where.items()})
        .values("room_id", "room__shelter_id")
        .annotate(beds=Count("pk"))
        .order_by()
    )
    for row in rows:
        shelter = row["room__shelter_id"]
        sizes[shelter] = max(sizes.get(shelter, 0), row["beds"])
    return sizes


def _local_today(bed: Bed) -> date:
    """Today in the shelter's country: legal and stay dates are local dates there."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(bed.room.shelter.country.timezone))


def check_in(
    application: Application,
    bed: Bed,
    day: date,
    *,
    actor: User,
    others: Sequence[Bed] = (),
) -> Stay:
    """Put an accepted applicant into a free bed from ``day``; a family's other members into
    ``others``, beds of the same room (one per dependant: ``Application.beds_needed``).

    Lock the beds and the application row, re-check that all are still free (no stay of a
    bed or the person reaching ``day`` or later, no offer of a bed to someone else), then
    write. The partial unique constraints on Stay catch anything that slips past (on SQLite,
    SELECT ... FOR UPDATE is a no-op but IMMEDIATE transactions serialise writers). A check-in
    cannot be in the future: an open stay always means someone sleeps in the bed today.
    Returns the applicant's own stay.
    """
    with transaction.atomic():
        wanted = [bed.pk, *(b.pk for b in others)]
        found = {
            b.pk: b
            for b in Bed.objects.select_for_update(no_key=True, of=("self",))
            .filter(pk__in=wanted)
            .select_related("room__shelter__country")
            .order_by("pk")
        }
        beds = [found[pk] for pk in wanted]
        locked_app = (
            Application.objects.select_for_update(no_key=True)
            .select_related("person")
            .get(pk=application.pk)
        )
        if locked_app.status != Application.Status.ACCEPTED:
            raise PlacementError(_("Only accepted applicants waiting for a bed can be placed."))
        if len(set(wanted)) != locked_app.beds_needed:
            raise PlacementError(
                _("Beds this family needs: %(count)s; chosen: %(chosen)s.")
                % {"count": locked_app.beds_needed, "chosen": len(set(wanted))}
            )
        room = beds[0].room
        if any(b.room.shelter_id != room.shelter_id for b in beds):
            raise PlacementError(_("A family's beds must be in one shelter."))
        if any(b.room_id != room.id for b in beds) and locked_app.beds_needed <= largest_rooms(
            pk=room.shelter_id
        ).get(room.shelter_id, 0):
            raise PlacementError(_("A room of this shelter can hold this family: choose one."))
        if not all(b.in_service for b in beds):
            raise PlacementError(_("This bed is out of service."))
        if day > _local_today(beds[0]):
            raise PlacementError(_("Check-in cannot be in the future."))
        closed = next(
            (b.room for b in beds if not admits(b.room.gender, locked_app.person.gender)), None
        )
        if closed is not None:
            raise PlacementError(
                _("This room is for %(gender)s only.") % {"gender": closed.get_gender_display()}
            )
        reaching = Q(check_out__isnull=True) | Q(check_out__gt=day)
        if Stay.objects.filter(reaching, bed__in=beds).exists():
            raise PlacementError(
                _("Someone else was just placed in this bed. Choose another."), code="bed_taken"
            )
        if Stay.objects.filter(reaching, person_id=locked_app.person_id).exists():
            raise PlacementError(_("This person already has a bed."))
        if Offer.objects.live().filter(bed__in=beds).exclude(application=locked_app).exists():
            raise PlacementError(
                _("This bed is offered to someone else. Choose another."), code="bed_offered"
            )
        try:
            with transaction.atomic():
                stays = [
                    Stay.objects.create(
                        person_id=locked_app.person_id,
                        bed=chosen,
                        member=member,
                        check_in=day,
                        created_by=actor,
                    )
                    for member, chosen in enumerate(beds)
                ]
        except IntegrityError:
            raise PlacementError(
                _("Someone else was just placed in this bed. Choose another."), code="constraint"
            ) from None
        locked_app.status = Application.Status.PLACED
        locked_app.save(update_fields=["status"])
        _settle_offers(locked_app, {b.pk for b in beds}, actor)
        # A new resident appears on the clock board with a stored clock and their duties.
        refresh_clocks([locked_app.person_id])
        sync_duties([locked_app.person_id])
        for stay in stays:
            audit.record(
                "stay.checked_in",
                stay,
                actor=actor,
                bed=str(stay.bed.public_id),
                shelter=str(room.shelter.public_id),
                **({"member": stay.member} if stay.member else {}),
            )
    return stays[0]


def _settle_offers(application: Application, beds: set[int], actor: User) -> None:
    """The person has beds now: their offer of them is done, any other offer is withdrawn."""
    now = timezone.now()
    for offer in Offer.objects.select_for_update(no_key=True).filter(
        application=application, status__in=Offer.HOLDING
    ):
        checked_in = offer.bed_id in beds
        offer.status = Offer.Status.CHECKED_IN if checked_in else Offer.Status.WITHDRAWN
        offer.ended_at = now
        offer.save(update_fields=["status", "ended_at"])
        extra = {} if checked_in else {"why": "placed elsewhere"}
        audit.record(f"offer.{offer.status}", offer, actor=actor, **extra)


def check_out(stay: Stay, day: date, outcome: str, *, actor: User) -> Stay:
    """End an open stay on ``day`` with an outcome; the bed is free again from that day.

    A family leaves together: every open stay of the person (their family's beds) ends."""
    with transaction.atomic():
        rows = list(
            Stay.objects.select_for_update(no_key=True, of=("self", "bed"))
            .filter(person_id=stay.person_id, check_out__isnull=True)
            .select_related("bed__room__shelter__country")
            .order_by("member")
        )
        if not rows:
            raise PlacementError(_("This person has already checked out."))
        if any(day < row.check_in for row in rows):
            raise PlacementError(_("Check-out cannot be before check-in."))
        if day > _local_today(rows[0].bed):
            raise PlacementError(_("Check-out cannot be in the future."))
        for row in rows:
            row.check_out = day
            row.outcome = outcome
            row.save(update_fields=["check_out", "outcome"])
        Application.objects.filter(person_id=stay.person_id).update(
            status=Application.Status.EXITED
        )
        for row in rows:
            audit.record("stay.checked_out", row, actor=actor, outcome=outcome)
    return next((row for row in rows if row.pk == stay.pk), rows[0])
