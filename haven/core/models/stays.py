"""Who sleeps in which bed, from check-in to check-out."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from haven.core.models.people import Person
from haven.core.models.shelters import Bed


class StayQuerySet(models.QuerySet["Stay"]):
    def active(self) -> StayQuerySet:
        return self.filter(check_out__isnull=True)

    def heads(self) -> StayQuerySet:
        """One row per resident applicant: their own bed (their family's beds left out)."""
        return self.filter(member=0)


class Stay(models.Model):
    """One person in one bed. The database refuses a second open stay for a bed or a person.

    A family checks in and out together: the applicant's own stay is ``member`` 0 and each
    person with them (children, relatives they look after: counted, not named) has a stay of
    the applicant's ``person`` with ``member`` 1, 2, ... in a bed of the same room. Lists of
    residents (the clock board, rotas, files) show the applicant's row (``heads``); occupancy
    counts every row.
    """

    class Outcome(models.TextChoices):
        MOVED_ON = "moved_on", _("moved on to another country")
        VISA = "visa", _("got a visa or protection")
        HOUSING = "housing", _("found their own housing")
        RETURNED = "returned", _("returned")
        RULES = "rules", _("asked to leave")
        UNKNOWN = "unknown", _("unknown")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="stays")
    bed = models.ForeignKey(Bed, on_delete=models.PROTECT, related_name="stays")
    member = models.PositiveSmallIntegerField(default=0)
    check_in = models.DateField(_("check-in"))
    check_out = models.DateField(_("check-out"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = StayQuerySet.as_manager()

    class Meta:
        ordering = ["-check_in"]
        constraints = [
            models.UniqueConstraint(
                fields=["bed"], condition=Q(check_out__isnull=True), name="one_open_stay_per_bed"
            ),
            models.UniqueConstraint(
                fields=["person", "member"],
                condition=Q(check_out__isnull=True),
                name="one_open_stay_per_member",
            ),
            models.CheckConstraint(
                condition=Q(check_out__isnull=True) | Q(check_out__gte=F("check_in")),
                name="stay_check_out_after_check_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.bed}"
