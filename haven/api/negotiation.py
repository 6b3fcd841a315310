"""Content negotiation of the API (settings.REST_FRAMEWORK; no import of DRF's views here)."""

from __future__ import annotations

from collections.abc import Iterable

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request


class JsonOnly(DefaultContentNegotiation):
    """The API speaks JSON only: answer in JSON whatever ``Accept`` says, never 406."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        first = next(iter(renderers))
        return first, str(first.media_type)
