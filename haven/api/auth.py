"""Token authentication and the API's rate limits (haven/lib/ratelimit.py: keyed digests in the
database, never client addresses).

``Authorization: Bearer hvn_...`` makes the request act as the token's user, with their
memberships: the access helpers then decide scope exactly as on the staff pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from haven.accounts.models import ApiToken
from haven.core.services.api_tokens import token_for
from haven.lib.ratelimit import Limit, client_identity, hit, hit_all, key_of, retry_after

# Wrong tokens from one client: 256-bit tokens cannot be guessed, but nobody gets to try.
WRONG_TOKENS_PER_CLIENT = Limit("api.wrong_token", count=20, seconds=600)
# Requests per user (all their tokens together), and per client without a token (the schema).
REQUESTS_PER_USER = Limit("api.user", count=600, seconds=600)
REQUESTS_PER_CLIENT = Limit("api.client", count=120, seconds=600)
# Applications sent per user: an intake tool sends them one by one, as people are met.
APPLICATIONS_PER_USER = Limit("api.applications", count=60, seconds=600)


class TokenAuthentication(BaseAuthentication):
    keyword = "bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = str(request.META.get("HTTP_AUTHORIZATION", "")).split()
        if not parts or parts[0].lower() != self.keyword:
            return None  # no token: 401 (NotAuthenticated) where one is needed
        client = client_identity(request._request)
        secret = parts[1] if len(parts) == 2 and parts[1].isascii() else ""
        # The client's wrong tokens so far are read with the token, in one query. Once they
        # reach the limit, not even a good token is taken from that client.
        token = token_for(secret, rate_key=key_of(WRONG_TOKENS_PER_CLIENT, client))
        if token is None:
            if hit(WRONG_TOKENS_PER_CLIENT, client) > WRONG_TOKENS_PER_CLIENT.count:
                raise exceptions.Throttled(wait=retry_after(WRONG_TOKENS_PER_CLIENT))
            raise exceptions.AuthenticationFailed
        if token.rate_hits >= WRONG_TOKENS_PER_CLIENT.count:  # type: ignore[attr-defined]
            raise exceptions.Throttled(wait=retry_after(WRONG_TOKENS_PER_CLIENT))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="haven"'


class RequestThrottle(BaseThrottle):
    """Every API request counts against its user, or its client when it has no token."""

    limit = REQUESTS_PER_USER
    anonymous_limit = REQUESTS_PER_CLIENT

    def user_limits(self) -> tuple[Limit, ...]:
        return (self.limit,)

    def allow_request(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, ApiToken):
            limits = self.user_limits()
            identity = f"user:{request.auth.user_id}"
        else:
            limits = (self.anonymous_limit,)
            identity = client_identity(request._request)
        counts = hit_all([(limit, identity) for limit in limits])  # one statement
        self._over = [
            limit for limit, count in zip(limits, counts, strict=True) if count > limit.count
        ]
        return not self._over

    def wait(self) -> float:
        return float(max(retry_after(limit) for limit in self._over))


class ApplicationThrottle(RequestThrottle):
    """An application sent counts as a request and as an application of its user."""

    applications = APPLICATIONS_PER_USER

    def user_limits(self) -> tuple[Limit, ...]:
        return (self.limit, self.applications)
