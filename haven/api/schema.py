"""The OpenAPI 3 schema, generated from the views and serializers (drf-spectacular).

It is public: it describes endpoints and shapes, never data, and Haven's code is open. Its
texts are for developers and stay in English; the API's messages follow Accept-Language.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.template.response import SimpleTemplateResponse
from django.utils.translation import override
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.utils import OpenApiResponse
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from haven.api.auth import RequestThrottle
from haven.api.base import NoStore
from haven.api.errors import ErrorSerializer

ERROR_MEANINGS = {
    400: "The request was not accepted: `errors` holds the message for each field.",
    401: "No token, or the token is wrong, expired or revoked.",
    403: "The object is in the token's scope, but its roles lack the capability.",
    404: "Not found, or outside the scope of the token's roles.",
    409: "The Idempotency-Key was used before for a different person.",
    415: "The body is not JSON.",
    429: "Too many requests: wait the seconds in Retry-After.",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Error responses for ``extend_schema``: each with the one error body."""
    return {
        code: OpenApiResponse(response=ErrorSerializer, description=ERROR_MEANINGS[code])
        for code in codes
    }


class TokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "haven.api.auth.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token made on the staff page API tokens (hvn_...).",
        }


def forbid_unknown_fields(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """A post-processing hook: the application body takes the form's fields and no others."""
    result["components"]["schemas"]["ApplicationRequest"]["additionalProperties"] = False
    return result


class SchemaView(NoStore, SpectacularAPIView):
    """``GET /api/v1/schema/``: the schema as JSON, without a token (rate-limited per client).

    Generated and rendered in English whatever the request's language (labels of the form's
    fields are translated strings).
    """

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [RequestThrottle]
    renderer_classes = [OpenApiJsonRenderer]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        with override("en"):
            response = super().dispatch(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse):
                response.render()
        return response
