"""The views every API endpoint is built on: responses no cache keeps.

JSON whatever the client accepts (``negotiation.JsonOnly``) and pages of at most 100 items
(``pagination.Page``) are set for all of them in settings.REST_FRAMEWORK.
"""

from __future__ import annotations

from typing import Any

from django.utils.cache import add_never_cache_headers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class NoStore:
    """Answers about shelters and people are never kept by browsers or proxies."""

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        add_never_cache_headers(response)
        return response


class ApiView(NoStore, APIView):
    pass


class GenericApiView(NoStore, GenericAPIView):  # type: ignore[type-arg]
    pass
