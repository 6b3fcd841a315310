"""The network's capacity: host countries, shelters, rooms and beds."""

from __future__ import annotations

import uuid
from datetime import date

from django.db import models
from django.db.models import Exists, ExpressionWrapper, OuterRef, Q
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)

    def __str__(self) -> str:
        return self.name


class HostCountry(models.Model):
    """A country where the network runs shelters; its code selects the legal-stay rules."""

    code = models.CharField(_("ISO code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "host countries"

    def __str__(self) -> str:
        return self.name


class Shelter(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    country = models.ForeignKey(HostCountry, on_delete=models.PROTECT, related_name="shelters")
    city = models.CharField(_("city"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    # What the house costs a month, in whole minor units of ``rent_currency`` (tiyn, kurus,
    # luma, grosz: haven.rules.money), for the cost per bed-night. Both empty: not recorded.
    monthly_rent = models.PositiveBigIntegerField(_("monthly rent"), null=True, blank=True)
    rent_currency = models.CharField(_("currency"), max_length=3, blank=True)

    class Meta:
        ordering = ["country__name", "city", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_rent__isnull=True, rent_currency="")
                | (Q(monthly_rent__isnull=False) & ~Q(rent_currency="")),
                name="shelter_rent_with_currency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"


class Room(models.Model):
    class Gender(models.TextChoices):
        OPEN = "open", _("open to all")
        WOMEN = "women", _("women")
        MEN = "men", _("men")

    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(_("name"), max_length=100)
    gender = models.CharField(_("room gender"), max_length=8, choices=Gender, default=Gender.OPEN)

    class Meta:
        ordering = ["shelter", "name"]
        constraints = [
            models.UniqueConstraint(fields=["shelter", "name"], name="room_name_unique_in_shelter")
        ]

    def __str__(self) -> str:
        return self.name


class BedQuerySet(models.QuerySet["Bed"]):
    def free_on(self, day: date) -> BedQuerySet:
        """Beds in service with no stay covering ``day`` (check-out day frees the bed)."""
        from haven.core.models.stays import Stay

        occupied = Stay.objects.filter(bed=OuterRef("pk"), check_in__lte=day).filter(
            Q(check_out__isnull=True) | Q(check_out__gt=day)
        )
        return self.filter(in_service=True).exclude(Exists(occupied))

    def with_state(self) -> BedQuerySet:
        """Annotate ``occupied`` (an open stay: someone sleeps there tonight), ``held`` (a live
        offer keeps it for someone) and ``free`` (in service, neither), without saying who."""
        from haven.core.models.placements import Offer
        from haven.core.models.stays import Stay

        return self.annotate(
            occupied=Exists(Stay.objects.active().filter(bed=OuterRef("pk"))),
            held=Exists(Offer.objects.live().filter(bed=OuterRef("pk"))),
        ).annotate(
            free=ExpressionWrapper(
                Q(in_service=True, occupied=False, held=False), output_field=models.BooleanField()
            )
        )


class Bed(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="beds")
    label = models.CharField(_("label"), max_length=50)
    accessible = models.BooleanField(_("accessible"), default=False)
    in_service = models.BooleanField(_("in service"), default=True)

    objects = BedQuerySet.as_manager()

    class Meta:
        ordering = ["room", "label"]
        constraints = [
            models.UniqueConstraint(fields=["room", "label"], name="bed_label_unique_in_room")
        ]

    def __str__(self) -> str:
        return f"{self.room.name} / {self.label}"
