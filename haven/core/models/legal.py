"""Border crossings and documents: the facts the legal-stay clock is computed from.

Also what Haven derives from them: the stored clock of each resident (``ResidentClock``, for
fast boards), dated duties (``ResidentTask``) and the reminders sent about them
(``ReminderSent``).  ``haven.core.services.legal`` keeps the derived rows in step with the facts.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from haven.core.models.people import Person
from haven.core.models.shelters import HostCountry, Shelter
from haven.lib.crypto import EncryptedTextField


class BorderCrossing(models.Model):
    """One presence period in a host country: entered on, exited on (both days count)."""

    class Document(models.TextChoices):
        INTERNAL_PASSPORT = "ru_internal_passport", _("domestic passport")
        INTERNATIONAL_PASSPORT = "ru_international_passport", _("international passport")
        RESIDENCE_PERMIT = "residence_permit", _("residence permit")
        VISA = "visa", _("visa")
        # The Schengen rules (Poland) count days on a short-stay visa (haven/rules/data).
        SCHENGEN_SHORT_STAY_VISA = "schengen_short_stay_visa", _("Schengen short-stay visa")

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


class ResidentDocument(models.Model):
    """A document a resident holds or has applied for.

    Data minimisation: no document number is stored, only its kind, status and dates, and an
    optional encrypted note.  A residence permit or a visa issued by a host country, with a
    first day of validity, pauses the visa-free count there (``pause_period``).
    """

    class Kind(models.TextChoices):
        DOMESTIC_PASSPORT = "domestic_passport", _("domestic passport")
        INTERNATIONAL_PASSPORT = "international_passport", _("international passport")
        RESIDENCE_PERMIT = "residence_permit", _("residence permit")
        VISA = "visa", _("visa of the host country")
        SCHENGEN_VISA = "schengen_visa", _("Schengen visa")

    class Status(models.TextChoices):
        APPLIED = "applied", _("applied for")
        ISSUED = "issued", _("issued")

    PAUSING_KINDS = frozenset({Kind.RESIDENCE_PERMIT, Kind.VISA})

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=32, choices=Kind)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.ISSUED)
    # The issuing host country: needed for permits and visas, whose validity pauses the clock.
    country = models.ForeignKey(
        HostCountry,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    note = EncryptedTextField(_("note"), blank=True, default="", owner="person")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["kind", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="document_valid_to_after_valid_from",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.valid_from or ''}..{self.valid_to or ''}"

    @property
    def pauses_clock(self) -> bool:
        """Whether this document pauses the visa-free count in ``country``."""
        return (
            self.kind in self.PAUSING_KINDS
            and self.status == self.Status.ISSUED
            and self.country_id is not None
            and self.valid_from is not None
        )

    def pause_period(self) -> tuple[date, date | None] | None:
        """``(first, last)`` day of the pause (``last`` None: end not known), or None."""
        if not self.pauses_clock:
            return None
        assert self.valid_from is not None
        return self.valid_from, self.valid_to


class ClockStatus(models.TextChoices):
    """The statuses of the stay clock (``haven.rules.stay_types.Status``)."""

    OK = "ok", _("ok")
    NEEDS_CHECK = "needs_check", _("needs caseworker check")
    OVERSTAY = "overstay", _("overstay")


class ResidentClockQuerySet(models.QuerySet["ResidentClock"]):
    def stale(self, today: date) -> ResidentClockQuerySet:
        return self.exclude(computed_on=today)


class ResidentClock(models.Model):
    """The legal-stay clock of a person as computed on ``computed_on``, stored for the boards.

    Recomputed in the transaction that changes the person's crossings or documents and by the
    daily ``refresh_clocks`` job; a board recomputes (without storing) any row not computed
    today.  ``days_left`` counts from ``computed_on`` (or the exit day for someone who left).
    """

    class Reason(models.TextChoices):
        NONE = "", _("none")
        NO_CROSSING = "no_crossing", _("no border crossing recorded")
        CONFLICT = "conflict", _("the recorded border crossings contradict each other")

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, primary_key=True, related_name="clock"
    )
    country = models.ForeignKey(
        HostCountry, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    status = models.CharField(max_length=16, choices=ClockStatus)
    # Why there is no date, when there is none for a reason Haven knows.
    reason = models.CharField(max_length=16, choices=Reason, blank=True, default=Reason.NONE)
    last_legal_day = models.DateField(null=True, blank=True)
    days_left = models.IntegerField(null=True, blank=True)
    present = models.BooleanField(default=False)  # the latest crossing has no exit
    rule_ids = models.JSONField(default=list, blank=True)
    # A rule behind the date still needs a lawyer's review (StayRule.needs_review).
    needs_review = models.BooleanField(default=False)
    computed_on = models.DateField()
    refreshed_at = models.DateTimeField()

    objects = ResidentClockQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["status", "last_legal_day"], name="clock_board")]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.status} {self.last_legal_day or ''}"


class ResidentTask(models.Model):
    """A dated duty of a resident (registration, notification, ...), from ``duties_for``.

    One per person, duty and trigger day (the entry day), so recording the same entry again
    creates nothing new.  ``condition`` repeats the duty's condition (e.g. ``asylum_claim``):
    such a task applies only if the person's plans meet it.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tasks")
    duty_id = models.CharField(max_length=64)
    trigger_date = models.DateField()
    due_date = models.DateField()
    description_key = models.CharField(max_length=100)
    condition = models.CharField(max_length=32, blank=True, default="")
    source_url = models.URLField(max_length=500, blank=True, default="")
    source_title = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["due_date", "duty_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "duty_id", "trigger_date"], name="task_unique_per_trigger"
            )
        ]
        indexes = [models.Index(fields=["person", "done_at"], name="task_open_by_person")]

    def __str__(self) -> str:
        return f"{self.duty_id} due {self.due_date}"

    @property
    def done(self) -> bool:
        return self.done_at is not None


class ReminderSent(models.Model):
    """A reminder about a person that went out on ``day``: at most one per person, kind, day.

    Written in the transaction that sends the e-mail, so a second run on the same day finds the
    row and sends nothing, and a failed send leaves no row behind (the next run retries).
    """

    class Kind(models.TextChoices):
        SOON = "soon", _("few days left")
        NEEDS_CHECK = "needs_check", _("needs caseworker check")
        OVERSTAY = "overstay", _("overstay alarm")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind)
    day = models.DateField()
    sent_at = models.DateTimeField()
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "day"], name="reminder_once_per_person_kind_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.person_id} {self.day}"


class StayRuleSet(models.Model):
    """A version of the legal-stay rule data published by an admin, in the JSON format of
    ``haven/rules/data/stay_rules.json``.  The newest one is in force; without any, the data
    shipped with Haven is (``haven.core.services.stay_rules``).

    Never edited: a change is a new row, so every clock can be traced to the rules then in force.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    document = models.JSONField()  # checked with haven.rules.stay_rules.load_rule_data
    note = models.TextField(_("what changed and why"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"stay rules v{self.version}"
