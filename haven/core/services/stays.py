"""Check-in and check-out: a bed is locked, re-checked and written in one transaction."""

from __future__ import annotations

import zoneinfo
from datetime import date

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q
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


def _local_today(bed: Bed) -> date:
    """Today in the shelter's country: legal and stay dates are local dates there."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(bed.room.shelter.country.timezone))


def check_in(application: Application, bed: Bed, day: date, *, actor: User) -> Stay:
    """Put an accepted applicant into a free bed from ``day``.

    Lock the bed and the application rows, re-check that both are still free (no stay of the
    bed or the person reaching ``day`` or later), then write. The partial unique constraints on
    Stay catch anything that slips past (on SQLite, SELECT ... FOR UPDATE is a no-op but
    IMMEDIATE transactions serialise writers). A check-in cannot be in the future: an open stay
    always means someone sleeps in the bed today.
    """
    with transaction.atomic():
        locked_bed = (
            Bed.objects.select_for_update(no_key=True, of=("self",))
            .select_related("room__shelter__country")
            .get(pk=bed.pk)
        )
        locked_app = (
            Application.objects.select_for_update(no_key=True)
            .select_related("person")
            .get(pk=application.pk)
        )
        if locked_app.status != Application.Status.ACCEPTED:
            raise PlacementError(_("Only accepted applicants waiting for a bed can be placed."))
        if not locked_bed.in_service:
            raise PlacementError(_("This bed is out of service."))
        if day > _local_today(locked_bed):
            raise PlacementError(_("Check-in cannot be in the future."))
        gender = locked_bed.room.gender
        person_gender = locked_app.person.gender
        if (gender == Room.Gender.WOMEN and person_gender != Person.Gender.WOMAN) or (
            gender == Room.Gender.MEN and person_gender != Person.Gender.MAN
        ):
            raise PlacementError(
                _("This room is for %(gender)s only.")
                % {"gender": locked_bed.room.get_gender_display()}
            )
        reaching = Q(check_out__isnull=True) | Q(check_out__gt=day)
        if Stay.objects.filter(reaching, bed=locked_bed).exists():
            raise PlacementError(
                _("Someone else was just placed in this bed. Choose another."), code="bed_taken"
            )
        if Stay.objects.filter(reaching, person_id=locked_app.person_id).exists():
            raise PlacementError(_("This person already has a bed."))
        if Offer.objects.live().filter(bed=locked_bed).exclude(application=locked_app).exists():
            raise PlacementError(
                _("This bed is offered to someone else. Choose another."), code="bed_offered"
            )
        try:
            with transaction.atomic():
                stay = Stay.objects.create(
                    person_id=locked_app.person_id, bed=locked_bed, check_in=day, created_by=actor
                )
        except IntegrityError:
            raise PlacementError(
                _("Someone else was just placed in this bed. Choose another."), code="constraint"
            ) from None
        locked_app.status = Application.Status.PLACED
        locked_app.save(update_fields=["status"])
        _settle_offers(locked_app, stay, actor)
        # A new resident appears on the clock board with a stored clock and their duties.
        refresh_clocks([locked_app.person_id])
        sync_duties([locked_app.person_id])
        audit.record(
            "stay.checked_in",
            stay,
            actor=actor,
            bed=str(locked_bed.public_id),
            shelter=str(locked_bed.room.shelter.public_id),
        )
    return stay


def _settle_offers(application: Application, stay: Stay, actor: User) -> None:
    """The person has a bed now: their offer of it is done, any other offer is withdrawn."""
    now = timezone.now()
    for offer in Offer.objects.select_for_update(no_key=True).filter(
        application=application, status__in=Offer.HOLDING
    ):
        checked_in = offer.bed_id == stay.bed_id
        offer.status = Offer.Status.CHECKED_IN if checked_in else Offer.Status.WITHDRAWN
        offer.ended_at = now
        offer.save(update_fields=["status", "ended_at"])
        extra = {} if checked_in else {"why": "placed elsewhere"}
        audit.record(f"offer.{offer.status}", offer, actor=actor, **extra)


def check_out(stay: Stay, day: date, outcome: str, *, actor: User) -> Stay:
    """End an open stay on ``day`` with an outcome; the bed is free again from that day."""
    with transaction.atomic():
        locked = (
            Stay.objects.select_for_update(no_key=True, of=("self", "bed"))
            .select_related("bed__room__shelter__country")
            .get(pk=stay.pk)
        )
        if locked.check_out is not None:
            raise PlacementError(_("This person has already checked out."))
        if day < locked.check_in:
            raise PlacementError(_("Check-out cannot be before check-in."))
        if day > _local_today(locked.bed):
            raise PlacementError(_("Check-out cannot be in the future."))
        locked.check_out = day
        locked.outcome = outcome
        locked.save(update_fields=["check_out", "outcome"])
        Application.objects.filter(person_id=locked.person_id).update(
            status=Application.Status.EXITED
        )
        audit.record("stay.checked_out", locked, actor=actor, outcome=outcome)
    return locked
