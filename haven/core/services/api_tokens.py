"""API tokens: made (shown once), recognised on each request, revoked; audited.

A token acts with its user's memberships, so what it reaches follows their roles from one
request to the next. Only the SHA-256 hash of a token is stored, with its first characters for
telling tokens apart. Audit entries name the token by public id, its owner by database id and
its prefix; never the token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.accounts.models import ApiToken
from haven.core.services import audit
from haven.lib.prepared import Prepared
from haven.lib.ratelimit import hits_of
from haven.lib.tokens import hash_token, new_token

# Tokens start with this, so that secret scanners and people recognise them.
TOKEN_PREFIX = "hvn_"  # noqa: S105 (a marker, not a secret)
# The prefix plus 8 random characters are kept and shown; 35 random characters stay secret.
SHOWN_LENGTH = len(TOKEN_PREFIX) + 8
MAX_TOKEN_LENGTH = 100
LAST_USED_PRECISION = timedelta(hours=1)
MAX_USABLE_TOKENS = 10


class ApiTokenError(Exception):
    """A token could not be made or revoked; ``message`` is for the user."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, to the user who made it; never stored


def create_api_token(
    user: User, name: str, expires_at: datetime | None, *, actor: User
) -> NewToken:
    """Make a token for ``user``; the secret in the result is the only copy there will be."""
    with transaction.atomic():
        if ApiToken.objects.filter(user=user).usable().count() >= MAX_USABLE_TOKENS:
            raise ApiTokenError(
                _("You have %(count)s working tokens already: revoke one you no longer use.")
                % {"count": MAX_USABLE_TOKENS}
            )
        secret = new_token(TOKEN_PREFIX)
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=secret[:SHOWN_LENGTH],
            token_hash=hash_token(secret),
            expires_at=expires_at,
        )
        audit.record(
            "api_token.created",
            token,
            actor=actor,
            user=user.pk,
            prefix=token.prefix,
            expires_at=expires_at,
        )
    return NewToken(token, secret)


def revoke_api_token(token: ApiToken, *, actor: User) -> None:
    """Stop ``token`` from working, from the next request on. It stays listed as revoked."""
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update(no_key=True).get(pk=token.pk)
        if locked.revoked_at is not None:
            raise ApiTokenError(_("This token was revoked already."))
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit.record(
            "api_token.revoked", locked, actor=actor, user=locked.user_id, prefix=locked.prefix
        )
    token.revoked_at = locked.revoked_at


# token_hash is unique: no ordering for the one row there can be (nor its compiling). The
# query is the same on every request (the token's usability is checked after it), so it is
# compiled once (haven/lib/prepared.py).
_TOKEN_WITH_HASH = Prepared(
    lambda token_hash, rate_key: (
        ApiToken.objects.select_related("user")
        .filter(token_hash=token_hash)
        .annotate(rate_hits=hits_of(rate_key))
        .order_by()[:1]
    )
)


def token_for(secret: str, *, rate_key: str = "") -> ApiToken | None:
    """The usable token with this secret (its user loaded), or ``None``.

    ``rate_key``: a rate limit's key (``haven.lib.ratelimit.key_of``) whose hits so far are
    read in the same query and set on the token as ``rate_hits`` (the API's authentication
    reads its wrong-token count this way: one query, not two).
    Notes when it was used, to the hour: a write per hour and token, not per request.
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_TOKEN_LENGTH:
        return None
    found = _TOKEN_WITH_HASH(hash_token(secret), rate_key)
    token = found[0] if found else None
    # What ApiToken.objects.usable() selects: not revoked, not expired, of an active account.
    if token is None or not token.usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at <= now - LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
