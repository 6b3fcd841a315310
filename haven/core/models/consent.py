"""A person's consent to share their file outside Haven: with whom, since when, how given.

Nothing about a person leaves Haven without a current (not withdrawn) consent whose scope
covers the recipient (``haven.core.services.consent``). Consents are never edited: a change
is a withdrawal and a new consent, so every export can be traced to what the person agreed to.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from haven.core.models.people import Person
from haven.lib.crypto import EncryptedTextField


class ConsentQuerySet(models.QuerySet["Consent"]):
    def current(self) -> ConsentQuerySet:
        return self.filter(withdrawn_at__isnull=True)


class Consent(models.Model):
    class Scope(models.TextChoices):
        UNHCR = "unhcr", _("referral to UNHCR")
        EMBASSY = "embassy", _("an embassy or consulate")
        NGO = "ngo", _("another organisation that helps them")
        SELF = "self", _("a copy of their own file, for them")

    class Method(models.TextChoices):
        IN_PERSON = "in_person", _("in person")
        IN_WRITING = "in_writing", _("in writing")
        BY_MESSAGE = "by_message", _("by message")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    scope = models.CharField(_("to share with"), max_length=16, choices=Scope)
    # Which office or organisation (e.g. "UNHCR Almaty"): it says where the person plans to
    # go, so it is encrypted and never written to the audit log.
    recipient = EncryptedTextField(_("recipient"), blank=True, default="", owner="person")
    given_on = models.DateField(_("given on"))
    method = models.CharField(_("how it was given"), max_length=16, choices=Method)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_on", "-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.scope} {self.given_on}"

    @property
    def is_current(self) -> bool:
        return self.withdrawn_at is None
