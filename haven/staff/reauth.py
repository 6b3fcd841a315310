"""Re-authentication before the most dangerous actions (sharing a file, changing roles).

A signed-in session is not enough for them: the user types their password and a fresh code
from the authenticator app again (``staff:reauth``), and the confirmation holds for
``settings.REAUTH_MINUTES``. A stolen session cookie or an unlocked laptop left for a while
then cannot send a person's file anywhere. Views call :func:`require_recent_auth` after their
access check and return its redirect when there is one.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from haven.staff.views.common import StaffRequest

SESSION_KEY = "haven_reauth"


def mark_confirmed(request: StaffRequest) -> None:
    """Remember that the user just confirmed it is them (under a new session key)."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"user": request.user.pk, "at": timezone.now().timestamp()}


def recently_confirmed(request: StaffRequest) -> bool:
    mark = request.session.get(SESSION_KEY)
    if not isinstance(mark, dict) or mark.get("user") != request.user.pk:
        return False
    age = timezone.now().timestamp() - float(mark.get("at", 0))
    return 0 <= age <= settings.REAUTH_MINUTES * 60


def require_recent_auth(request: StaffRequest, *, then: str | None = None) -> HttpResponse | None:
    """``None`` when the user confirmed it is them recently, else a redirect to confirm.

    After confirming, the user comes back to ``then`` (a path on this site; default: this
    page, for GET requests). A POST is never replayed: it returns to the page with the form,
    and the user sends it again, knowing what it does.
    """
    if recently_confirmed(request):
        return None
    if then is None:
        assert request.method in {"GET", "HEAD"}, "POST views must say where to come back to"
        then = request.get_full_path()
    return redirect(f"{reverse('staff:reauth')}?{urlencode({'next': then})}")
