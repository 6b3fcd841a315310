"""What every staff view shares: the request type after login, and dates in a host's zone."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone

from haven.core.models import HostCountry


class StaffRequest(HttpRequest):
    """A request to a view behind ``@login_required``: ``user`` is a signed-in staff user."""

    user: User


def local_today(country: HostCountry) -> date:
    """Today's date where ``country`` is: legal days and check-in days are counted there."""
    return timezone.localdate(timezone=ZoneInfo(country.timezone))
