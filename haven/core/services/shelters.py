"""Facts about a shelter that network admins keep: what the house costs a month."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.core.models import Shelter
from haven.core.services import audit
from haven.rules.money import CURRENCIES


class RentError(Exception):
    """A rent could not be recorded; ``message`` is for the user."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(message)
        self.message = message


def set_rent(shelter: Shelter, monthly_rent: int | None, currency: str, *, actor: User) -> Shelter:
    """Record the rent (whole minor units of ``currency``), or clear it with None and ""."""
    if monthly_rent is None:
        currency = ""
    elif monthly_rent < 0:
        raise RentError(_("A rent cannot be negative."))
    elif currency not in CURRENCIES:
        raise RentError(_("Choose a currency from the list."))
    with transaction.atomic():
        locked = Shelter.objects.select_for_update(no_key=True).get(pk=shelter.pk)
        locked.monthly_rent = monthly_rent
        locked.rent_currency = currency
        locked.save(update_fields=["monthly_rent", "rent_currency"])
        audit.record(
            "shelter.rent.set", locked, actor=actor, monthly_rent=monthly_rent, currency=currency
        )
    shelter.monthly_rent, shelter.rent_currency = monthly_rent, currency
    return locked
