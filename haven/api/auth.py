"""Token authentication and the API's rate limits (haven/lib/ratelimit.py: keyed digests in the
cache, never client addresses).

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
from haven.lib.ratelimit import Limit, client_identity, exceeded, hit, retry_after

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
        if exceeded(WRONG_TOKENS_PER_CLIENT, client):
            raise exceptions.Throttled(wait=retry_after(WRONG_TOKENS_PER_CLIENT))
        token = token_for(parts[1]) if len(parts) == 2 and parts[1].isascii() else None
        if token is None:
            hit(WRONG_TOKENS_PER_CLIENT, client)
            raise exceptions.AuthenticationFailed
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="haven"'


class RequestThrottle(BaseThrottle):
    """Every API request counts against its user, or its client when it has no token."""

    limit = REQUESTS_PER_USER
    anonymous_limit = REQUESTS_PER_CLIENT

    def allow_request(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, ApiToken):
            self._applied = self.limit
            identity = f"user:{request.auth.user_id}"
        else:
            self._applied = self.anonymous_limit
            identity = client_identity(request._request)
        return hit(self._applied, identity) <= self._applied.count

    def wait(self) -> float:
        return float(retry_after(self._applied))


class ApplicationThrottle(RequestThrottle):
    limit = APPLICATIONS_PER_USER
