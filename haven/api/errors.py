"""Errors of the API: always JSON ``{"detail", "code"}``, with ``errors`` per field on a 400.

Messages are in the request's language (Accept-Language: Russian or English). Scope follows
the staff pages (haven/accounts/access.py): outside the token's scope 404, inside it without
the capability 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import defaults
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

API_PREFIX = "/api/"
NON_FIELD = "non_field_errors"

MESSAGES: dict[type[exceptions.APIException], str | Promise] = {
    exceptions.NotAuthenticated: _(
        "Send your API token in the Authorization header: Bearer, a space, then the token."
    ),
    exceptions.AuthenticationFailed: _(
        "This API token does not work: it is wrong, has expired or was revoked."
    ),
    exceptions.PermissionDenied: _("Your roles do not allow this."),
    exceptions.NotFound: _("Not found."),
    exceptions.MethodNotAllowed: _("This method is not allowed here."),
    exceptions.UnsupportedMediaType: _(
        "Send the request body as JSON, with the header Content-Type: application/json."
    ),
    exceptions.ParseError: _("The request body is not valid JSON."),
}
NOT_FOUND = MESSAGES[exceptions.NotFound]
INVALID = _("The request was not accepted: see the message for each field.")
TOO_LARGE = _("The request body is too large.")
SERVER_ERROR = _("Something went wrong on our side. Please try again later.")


class InvalidRequest(exceptions.APIException):
    """A 400 with messages per field (``non_field_errors`` for the request as a whole)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(detail=str(INVALID), code=self.default_code)
        self.errors = errors


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class ErrorSerializer(serializers.Serializer[Any]):
    """The body of every error response (schema only)."""

    detail = serializers.CharField(help_text="What went wrong, in the request's language.")
    code = serializers.CharField(help_text="A stable code: not_found, throttled, invalid, ...")
    errors = serializers.DictField(  # type: ignore[assignment]  # a field, not .errors
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per field (400 only); non_field_errors for the request as a whole.",
    )


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler: every refusal as one JSON shape, in the request's language."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = InvalidRequest({NON_FIELD: [str(TOO_LARGE)]})
    if not isinstance(exc, exceptions.APIException):
        return None  # a crash: handler500
    body: dict[str, Any] = {"detail": _message(exc), "code": _code(exc)}
    if isinstance(exc, InvalidRequest):
        body["errors"] = exc.errors
    headers = {}
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    wait = getattr(exc, "wait", None)  # Throttled
    if wait is not None:
        headers["Retry-After"] = str(int(wait))
    return Response(body, status=exc.status_code, headers=headers)


def _message(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.Throttled):
        seconds = int(getattr(exc, "wait", None) or 1)
        return ngettext(
            "Too many requests. Wait %(seconds)s second and try again.",
            "Too many requests. Wait %(seconds)s seconds and try again.",
            seconds,
        ) % {"seconds": seconds}
    for kind, message in MESSAGES.items():
        if type(exc) is kind:
            return str(message)
    return str(exc.detail)


def _code(exc: exceptions.APIException) -> str:
    return str(getattr(exc, "default_code", "error"))


def _json_error(message: str | Promise, code: str, status_code: int) -> HttpResponse:
    response = JsonResponse({"detail": str(message), "code": code}, status=status_code)
    add_never_cache_headers(response)
    return response


def api_not_found(request: HttpRequest) -> HttpResponse:
    """Every address under /api/ that names no endpoint."""
    return _json_error(NOT_FOUND, "not_found", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 (a crash, or the database unreachable): JSON under /api/, a page elsewhere.

    The page (templates/500.html) is in the request's language and tells an applicant that
    nothing was saved and to send the form again; it is rendered without the request's
    context, so it needs neither the database nor the session.
    """
    if request.path.startswith(API_PREFIX):
        return _json_error(SERVER_ERROR, "server_error", 500)
    return defaults.server_error(request)
