"""Applications for a place in a shelter, and reviewers' assessments of them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.core.models.people import Person
from haven.core.models.shelters import HostCountry
from haven.lib.crypto import SELF, EncryptedJSONField, EncryptedTextField, new_data_key
from haven.rules.scoring import TIME_PARTS


class OriginRegion(models.TextChoices):
    CENTRAL = "central", _("Central Russia (including Moscow)")
    NORTHWEST = "northwest", _("North-West (including St Petersburg)")
    SOUTH = "south", _("South of Russia")
    CAUCASUS = "caucasus", _("North Caucasus")
    VOLGA = "volga", _("Volga region")
    URALS = "urals", _("Urals")
    SIBERIA = "siberia", _("Siberia")
    FAR_EAST = "far_east", _("Far East")
    ABROAD = "abroad", _("Outside Russia")


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
        NEEDS_INFO = "needs_info", _("we have a question for you")
        # A reviewer proposed to reject; a second reviewer must confirm (or overturn) it.
        REJECTION_PROPOSED = "rejection_proposed", _("rejection proposed, needs a second reviewer")
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
    status = models.CharField(_("status"), max_length=24, choices=Status, default=Status.SUBMITTED)
    host_country = models.ForeignKey(
        HostCountry, on_delete=models.PROTECT, related_name="applications"
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    # For placement, kept beside the encrypted answers they come from: beds for the applicant
    # and the people who depend on them and are with them (kept together in one room), and
    # whether one of them needs an accessible bed.
    beds_needed = models.PositiveSmallIntegerField(_("beds needed"), default=1)
    needs_accessible = models.BooleanField(_("needs an accessible bed"), default=False)
    # Broad region of origin (a federal district, never a town), asked only so that admins can
    # check outcomes for bias; optional.
    origin_region = models.CharField(
        _("region of origin"), max_length=16, choices=OriginRegion, blank=True
    )
    # Sensitive answers (political activity, money, family, free text): encrypted as a whole.
    answers = EncryptedJSONField(_("answers"), owner="person")
    # Priority under the rubric at submission, kept current by a daily job (score_parts).
    priority = models.IntegerField(_("priority"), default=0)
    # The parts that come from the answers, encrypted because they reveal them (an arrest).
    priority_parts = EncryptedJSONField(default=dict, owner="person")
    rubric_version = models.CharField(max_length=20)
    # Their sum: the part of the priority that depends on the answers alone.
    priority_static = models.IntegerField(default=0)
    # The parts that move with the calendar, refreshed daily without opening anything: they
    # follow from the plain last_legal_day and submitted_at and the public rubric, and their
    # sum was already plain (priority - priority_static).
    priority_urgency = models.IntegerField(default=0)
    priority_waiting = models.IntegerField(default=0)
    # Last legal day in the host country when last computed (None: needs a caseworker check).
    last_legal_day = models.DateField(null=True, blank=True)
    # Keyed hashes (blind indexes) that find possible duplicates without storing plaintext:
    # the normalised contact, and name + birth year + country + entry date.
    contact_fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    identity_fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    # When the person sent it (a queued application keeps the time it was received).
    submitted_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        # The review queue's orders (bench/intake.py measures them at a million rows); "id"
        # ends each so a page's ids come from the index alone.
        indexes = [
            models.Index(
                fields=["status", "-priority", "submitted_at", "id"],
                name="application_queue_idx",
            ),
            models.Index(
                fields=["host_country", "status", "-priority", "submitted_at", "id"],
                name="application_country_queue_idx",
            ),
            models.Index(
                Upper("city"),
                "status",
                F("priority").desc(),
                "submitted_at",
                "id",
                name="application_city_queue_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def score_parts(self) -> dict[str, int]:
        """Every part of ``priority``, by rubric key: the answers' and the calendar's."""
        urgency, waiting = TIME_PARTS
        return {
            **self.priority_parts,
            urgency: self.priority_urgency,
            waiting: self.priority_waiting,
        }

    @property
    def public_status_label(self) -> str:
        """The status as the applicant sees it: internal review steps are not shown."""
        if self.status == self.Status.REJECTION_PROPOSED:
            return str(self.Status.SUBMITTED.label)
        return str(self.get_status_display())


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
    parts = EncryptedJSONField(owner="application__person")
    decision = models.CharField(_("decision"), max_length=8, choices=Decision)
    reason = EncryptedTextField(_("reason"), owner="application__person")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.application} {self.decision}"


class RubricVersion(models.Model):
    """A published version of the priority rubric. The newest one scores new applications.

    Versions are never edited: a change is a new version, so every score can be explained by
    the version it names.
    """

    version = models.CharField(_("version"), max_length=20, unique=True)
    definition = models.JSONField()  # haven.rules.scoring.rubric_to_dict
    note = models.TextField(_("what changed and why"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.version


class DuplicateFlag(models.Model):
    """A possible duplicate of a person, for a reviewer to look at. Never merged automatically."""

    class Reason(models.TextChoices):
        CONTACT = "contact", _("same contact")
        IDENTITY = "identity", _("same name, birth year, country and entry date")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="duplicate_flags"
    )
    other = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=16, choices=Reason)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application", "other", "reason"], name="duplicate_flag_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} ~ {self.other} ({self.reason})"


class Question(models.Model):
    """A reviewer's request for more information; the applicant answers on the status page."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="questions")
    text = EncryptedTextField(_("question"), owner="application__person")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField(auto_now_add=True)
    answer = EncryptedTextField(_("answer"), null=True, blank=True, owner="application__person")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "pk"]

    def __str__(self) -> str:
        return f"question on {self.application}"


class EvidenceItem(models.Model):
    """One line of the vetting checklist: what was claimed, what was checked, by whom."""

    class Claim(models.TextChoices):
        IDENTITY = "identity", _("identity")
        PROTESTS = "protests", _("protests")
        OPPOSITION = "opposition", _("opposition membership")
        ARREST = "arrest", _("detention or arrest")
        DRAFT_NOTICE = "draft_notice", _("call-up notice")
        PROSECUTION = "prosecution", _("prosecution")
        HOUSEHOLD = "household", _("household and health")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("claimed, not checked yet")
        VERIFIED = "verified", _("checked and confirmed")
        NOT_VERIFIED = "not_verified", _("checked, could not be confirmed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="evidence")
    claim = models.CharField(_("claim"), max_length=16, choices=Claim)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.CLAIMED)
    # How it was checked (e.g. "court record seen on video call"); sensitive.
    note = EncryptedTextField(_("how it was checked"), blank=True, owner="application__person")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "claim"], name="evidence_claim_unique")
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.claim}: {self.status}"


class ReceivedApplication(models.Model):
    """An application acknowledged to the person but not yet stored as one (the intake queue).

    In a surge the form and the API store only this row before answering, so the person gets
    their codes in one short transaction; the ``process_intake`` worker then turns each row
    into its person, border crossing and application (scoring, legal clock, duplicate check,
    audit entry) and deletes it (docs/jobs.md). The answers and the passphrase are sealed
    with ``data_key``, which becomes the person's data key, so erasing the person also makes
    any leftover copy of this row unreadable (docs/threat-model.md).
    """

    received_at = models.DateTimeField(default=timezone.now)
    reference = models.CharField(max_length=16, unique=True)
    idempotency_hash = models.CharField(max_length=64, unique=True)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    # The staff account that sent it in on the person's behalf (the API), if any.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    identity_fingerprint = models.CharField(max_length=64, blank=True)
    data_key = models.CharField(max_length=100, default=new_data_key, editable=False)
    # The answers, the passphrase and the host country's code: {"answers": ..., "passphrase": ...}
    sealed = EncryptedJSONField(owner=SELF)
    # Failed attempts to store it (a bug or a broken row: the worker logs each and goes on).
    failures = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.reference
