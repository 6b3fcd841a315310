"""The form that makes an API token: a name to recognise it by and how long it works."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

LIFETIMES = [
    ("30", _("30 days")),
    ("90", _("90 days")),
    ("365", _("one year")),
    ("0", _("until I revoke it")),
]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the partner's intake tool. Only you see it."),
    )
    lifetime = forms.TypedChoiceField(
        label=_("Works for"),
        choices=LIFETIMES,
        coerce=int,
        initial="90",
        help_text=_("A token that expires by itself does less harm if it is forgotten."),
    )

    def expires_at(self) -> datetime | None:
        """When the new token stops working (call after ``is_valid()``)."""
        days: int = self.cleaned_data["lifetime"]
        return timezone.now() + timedelta(days=days) if days else None
