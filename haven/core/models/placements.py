"""Placement runs and the bed offers they propose.

A run asks the allocation engine (``haven.rules.allocation``) who should get the free beds of
some shelters; each answer becomes an ``Offer`` of one bed to one accepted applicant. An offer
holds its bed from the moment it is proposed until it ends:

    proposed --confirm--> confirmed --accept--> accepted --check in--> checked_in
        |                    |   |                  |
        +--withdraw          |   +--(time)--> expired
                             +--decline--> declined  (the bed returns to the pool)

A coordinator of the shelter confirms (or changes) a proposal; the confirmed offer is then
open to the person for ``settings.OFFER_HOURS``; they accept or decline (on the status page, or
a coordinator records it); unanswered offers expire. Partial unique constraints keep one live
offer per bed and one per application, the same way ``Stay`` keeps one open stay per bed.

A family (an applicant with dependants, ``Application.beds_needed > 1``) is offered beds in one
room: one offer row per bed, ``member`` 0 for the applicant and 1, 2, ... for the people with
them. The rows are made, confirmed, answered, checked in and ended together; the constraints
hold per bed and per (application, member).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.core.models.applications import Application
from haven.core.models.shelters import Bed, Shelter


class PlacementRun(models.Model):
    """One run of the engine over the waitlist and the free beds of ``shelters``."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    shelters = models.ManyToManyField(Shelter, related_name="+")
    # The lottery seed: with the same waitlist and beds it reproduces the run.
    seed = models.BigIntegerField()
    waiting_count = models.PositiveIntegerField(default=0)
    free_beds = models.PositiveIntegerField(default=0)
    # Per shelter public id: beds, placed, lowest priority placed, highest priority waiting.
    cutoffs = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"placement run {self.public_id}"


class OfferQuerySet(models.QuerySet["Offer"]):
    def heads(self) -> OfferQuerySet:
        """One row per offer made: the applicant's own (a family's other beds left out)."""
        return self.filter(member=0)

    def live(self) -> OfferQuerySet:
        """Offers that hold their bed: proposed, confirmed and not yet expired, or accepted."""
        return self.filter(
            Q(status__in=Offer.HOLDING_UNTIMED)
            | Q(status=Offer.Status.CONFIRMED, expires_at__gt=timezone.now())
        )


class Offer(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        CONFIRMED = "confirmed", _("offered, waiting for an answer")
        ACCEPTED = "accepted", _("accepted")
        CHECKED_IN = "checked_in", _("checked in")
        DECLINED = "declined", _("declined")
        EXPIRED = "expired", _("expired")
        WITHDRAWN = "withdrawn", _("withdrawn")

    HOLDING = ("proposed", "confirmed", "accepted")
    HOLDING_UNTIMED = ("proposed", "accepted")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    run = models.ForeignKey(
        PlacementRun, on_delete=models.PROTECT, related_name="offers", null=True, blank=True
    )
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="offers")
    bed = models.ForeignKey(Bed, on_delete=models.PROTECT, related_name="offers")
    # 0: the applicant's own bed; 1, 2, ...: a bed for someone in their family (module doc).
    member = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.PROPOSED)
    # Why: the applicant's priority when the run was made and the shelter's cut-offs then.
    priority = models.IntegerField(_("priority"))
    lowest_placed = models.IntegerField(null=True, blank=True)
    highest_waiting = models.IntegerField(null=True, blank=True)
    won_lottery = models.BooleanField(default=False)
    # A coordinator chose this person or bed instead of the run's proposal.
    changed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["-priority", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["bed"],
                condition=Q(status__in=("proposed", "confirmed", "accepted")),
                name="one_holding_offer_per_bed",
            ),
            models.UniqueConstraint(
                fields=["application", "member"],
                condition=Q(status__in=("proposed", "confirmed", "accepted")),
                name="one_holding_offer_per_member",
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="offer_status_expiry")]

    def __str__(self) -> str:
        return f"offer of {self.bed} to {self.application}"

    @property
    def overdue(self) -> bool:
        return (
            self.status == self.Status.CONFIRMED
            and self.expires_at is not None
            and self.expires_at <= timezone.now()
        )
