"""Border crossings: the facts the legal-stay clock is computed from."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from haven.core.models.people import Person
from haven.core.models.shelters import HostCountry


class BorderCrossing(models.Model):
    """One presence period in a host country: entered on, exited on (both days count)."""

    class Document(models.TextChoices):
        INTERNAL_PASSPORT = "ru_internal_passport", _("domestic passport")
        INTERNATIONAL_PASSPORT = "ru_international_passport", _("international passport")
        RESIDENCE_PERMIT = "residence_permit", _("residence permit")
        VISA = "visa", _("visa")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="crossings")
    country = models.ForeignKey(HostCountry, on_delete=models.PROTECT, related_name="+")
    entered_on = models.DateField(_("entered on"))
    exited_on = models.DateField(_("left on"), null=True, blank=True)
    document = models.CharField(_("document"), max_length=32, choices=Document)

    class Meta:
        ordering = ["entered_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(exited_on__isnull=True) | Q(exited_on__gte=F("entered_on")),
                name="crossing_exit_after_entry",
            )
        ]

    def __str__(self) -> str:
        return f"{self.country.code} {self.entered_on}..{self.exited_on or ''}"
