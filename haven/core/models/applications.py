"""Applications for a place in a shelter, and reviewers' assessments of them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from haven.core.models.people import Person
from haven.core.models.shelters import HostCountry
from haven.lib.crypto import EncryptedJSONField, EncryptedTextField


class ApplicationQuerySet(models.QuerySet["Application"]):
    def review_queue(self) -> ApplicationQuerySet:
        """Applications waiting for a decision, most urgent first (ties: who applied first)."""
        return self.filter(status=Application.Status.SUBMITTED).order_by(
            "-priority", "submitted_at", "pk"
        )

    def waitlist(self) -> ApplicationQuerySet:
        """Accepted applicants waiting for a bed, by priority."""
        return self.filter(status=Application.Status.ACCEPTED).order_by(
            "-priority", "decided_at", "pk"
        )


class Application(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("received, waiting for review")
        ACCEPTED = "accepted", _("accepted, waiting for a bed")
        REJECTED = "rejected", _("not accepted")
        PLACED = "placed", _("placed in a shelter")
        EXITED = "exited", _("moved out")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference code"), max_length=16, unique=True)
    passphrase_hash = models.CharField(max_length=200)
    # SHA-256 of the key the form carried, so a resubmitted form finds this row again; the key
    # itself is not stored (it derives the passphrase).
    idempotency_hash = models.CharField(max_length=64, unique=True)
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="application")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.SUBMITTED)
    host_country = models.ForeignKey(
        HostCountry, on_delete=models.PROTECT, related_name="applications"
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    # Sensitive answers (political activity, money, family, free text): encrypted as a whole.
    answers = EncryptedJSONField(_("answers"))
    # Priority under the rubric at submission; its parts are kept encrypted beside it because
    # they reveal the answers (e.g. an arrest).
    priority = models.IntegerField(_("priority"), default=0)
    priority_parts = EncryptedJSONField(default=dict)
    rubric_version = models.CharField(max_length=20)
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["status", "-priority", "submitted_at"], name="application_queue_idx"
            )
        ]

    def __str__(self) -> str:
        return self.reference


class Assessment(models.Model):
    """A reviewer's decision on an application, with the score it was based on and why."""

    class Decision(models.TextChoices):
        ACCEPT = "accept", _("accept")
        REJECT = "reject", _("reject")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assessments"
    )
    rubric_version = models.CharField(max_length=20)
    total = models.IntegerField()
    parts = EncryptedJSONField()
    decision = models.CharField(_("decision"), max_length=8, choices=Decision)
    reason = EncryptedTextField(_("reason"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.application} {self.decision}"
