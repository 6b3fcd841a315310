"""Rate limits of the public pages (no accounts, so limits are per client and per code).

Generous enough for many applicants behind one shared address (a shelter's Wi-Fi, a mobile
carrier's NAT), tight enough that guessing a passphrase is hopeless: 5 wrong passphrases per
reference code per hour on top of per-client limits.
"""

from __future__ import annotations

from django.http import HttpRequest

from haven.core.models import Application
from haven.core.services.applications import find_for_applicant
from haven.lib.ratelimit import Limit, client_identity, exceeded, hit

APPLY_PER_CLIENT = Limit("apply.client", count=30, seconds=600)
STATUS_PER_CLIENT = Limit("status.client", count=30, seconds=600)
WRONG_CODES_PER_REFERENCE = Limit("status.reference", count=5, seconds=3600)


class TooManyAttempts(Exception):
    """The client or the reference code has used up its attempts for now."""


def count_application_post(request: HttpRequest) -> None:
    """Count one application sent by this client; raise when it is over the limit."""
    if hit(APPLY_PER_CLIENT, client_identity(request)) > APPLY_PER_CLIENT.count:
        raise TooManyAttempts


def find_with_limits(request: HttpRequest, reference: str, passphrase: str) -> Application | None:
    """``find_for_applicant`` behind the limits; wrong codes count against the reference too.

    Raises ``TooManyAttempts`` before checking anything once a limit is reached, so further
    guesses learn nothing.
    """
    client = client_identity(request)
    if exceeded(STATUS_PER_CLIENT, client) or exceeded(WRONG_CODES_PER_REFERENCE, reference):
        raise TooManyAttempts
    hit(STATUS_PER_CLIENT, client)
    application = find_for_applicant(reference, passphrase)
    if application is None:
        hit(WRONG_CODES_PER_REFERENCE, reference)
    return application
