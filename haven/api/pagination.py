"""Pages of the API's lists (settings.REST_FRAMEWORK; no import of DRF's views here)."""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import LimitOffsetPagination


class Page(LimitOffsetPagination):
    """``?limit=`` (1 to 100, default 50; more is cut to 100) and ``?offset=``."""

    default_limit = 50
    max_limit = 100

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: {"minimum": 1, "maximum": self.max_limit},
            self.offset_query_param: {"minimum": 0},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
            parameter["description"] = str(parameter["description"])
        return parameters
