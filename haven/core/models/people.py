"""People the network helps. Identifying and sensitive fields are encrypted at rest."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from haven.lib.crypto import SELF, EncryptedTextField, new_data_key

# The network was founded for Russian citizens; the form does not ask (data minimisation).
DEFAULT_NATIONALITY = "RU"


class Person(models.Model):
    class Gender(models.TextChoices):
        WOMAN = "woman", _("woman")
        MAN = "man", _("man")
        OTHER = "other", _("other or prefer not to say")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # A name the person chose for us to use; a nickname is fine and no surname is asked for.
    display_name = models.CharField(_("name"), max_length=60)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    nationality = models.CharField(_("citizenship"), max_length=2, default=DEFAULT_NATIONALITY)
    # Sensitive: how to reach them. Encrypted; shown only to staff who may see sensitive data.
    contact = EncryptedTextField(_("contact"), owner=SELF)
    # This person's data key, wrapped by a master key: every encrypted value about them is
    # sealed with it, and erasing the row makes all of them unreadable (haven/lib/crypto.py).
    data_key = models.CharField(max_length=100, default=new_data_key, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.display_name
