"""Pathways onward: destinations with their policy notes, and each resident's cases there.

A destination's notes are only as good as their last check: ``needs_reverification`` flags
notes not verified by staff within ``REVERIFY_AFTER_DAYS``.  Case steps and appointment notes
are encrypted: an asylum or visa case says a great deal about a person.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from haven.core.models.people import Person
from haven.lib.crypto import EncryptedTextField

REVERIFY_AFTER_DAYS = 90


class Destination(models.Model):
    """A country people move on to, with what Haven knows of its current policy."""

    class Confidence(models.TextChoices):
        HIGH = "high", _("high")
        MEDIUM = "medium", _("medium")
        LOW = "low", _("low")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("ISO code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)
    policy_notes = models.TextField(_("policy notes"))
    confidence = models.CharField(
        _("confidence"), max_length=8, choices=Confidence, default=Confidence.LOW
    )
    # The day a staff member last checked the notes against their sources; empty: never.
    last_verified = models.DateField(_("last verified"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def needs_reverification(self, today: date) -> bool:
        """True when the notes were never verified or not within ``REVERIFY_AFTER_DAYS``."""
        return self.last_verified is None or today - self.last_verified > timedelta(
            days=REVERIFY_AFTER_DAYS
        )


class DestinationSource(models.Model):
    """A cited source of a destination's notes."""

    destination = models.ForeignKey(Destination, on_delete=models.CASCADE, related_name="sources")
    url = models.URLField(_("address"), max_length=500)
    title = models.CharField(_("title"), max_length=300)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    published = models.CharField(_("date"), max_length=10, blank=True)  # YYYY[-MM[-DD]]

    class Meta:
        ordering = ["destination", "pk"]

    def __str__(self) -> str:
        return self.title


class PathwayCase(models.Model):
    """One application of a resident for a way onward (a visa, asylum, parole, ...)."""

    class Kind(models.TextChoices):
        HUMANITARIAN_VISA = "humanitarian_visa", _("humanitarian visa")
        ASYLUM = "asylum", _("asylum")
        PAROLE = "parole", _("parole")
        UN_REFERRAL = "un_referral", _("UN referral")
        FAMILY_REUNIFICATION = "family_reunification", _("family reunification")

    class Status(models.TextChoices):
        PREPARING = "preparing", _("preparing")
        SUBMITTED = "submitted", _("submitted")
        INTERVIEW = "interview", _("interview or appointment set")
        DECIDED = "decided", _("decided")
        CLOSED = "closed", _("closed")

    class Outcome(models.TextChoices):
        PENDING = "", _("pending")
        GRANTED = "granted", _("granted")
        REFUSED = "refused", _("refused")
        WITHDRAWN = "withdrawn", _("withdrawn")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="pathway_cases")
    kind = models.CharField(_("kind"), max_length=32, choices=Kind)
    destination = models.ForeignKey(
        Destination,
        verbose_name=_("destination"),
        on_delete=models.PROTECT,
        related_name="cases",
        null=True,
        blank=True,
    )
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PREPARING)
    steps = EncryptedTextField(_("steps"), blank=True, default="", owner="person")
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome, blank=True, default=Outcome.PENDING
    )
    outcome_on = models.DateField(_("outcome on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.destination or ''}"


class Appointment(models.Model):
    """An appointment of a case at an embassy, a consulate, a UN office or elsewhere."""

    class Kind(models.TextChoices):
        EMBASSY = "embassy", _("embassy")
        CONSULATE = "consulate", _("consulate")
        UN_OFFICE = "un_office", _("UN office")
        OTHER = "other", _("other")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(PathwayCase, on_delete=models.CASCADE, related_name="appointments")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))  # aware, stored in UTC
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    notes = EncryptedTextField(_("notes"), blank=True, default="", owner="case__person")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["starts_at"], name="appointment_starts")]

    def __str__(self) -> str:
        return f"{self.kind} {self.starts_at:%Y-%m-%d %H:%M}"


class CalendarFeed(models.Model):
    """A staff user's secret calendar address; only a SHA-256 hash of its token is stored."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"calendar feed of {self.user_id}"
