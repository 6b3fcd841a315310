"""Haven's URLs plus one view that fails as a request does while the database is down."""

from __future__ import annotations

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import path

from haven.urls import handler500 as handler500
from haven.urls import urlpatterns as haven_urlpatterns


def database_down(request: HttpRequest) -> HttpResponse:
    raise OperationalError("connection to server failed: the database system is starting up")


urlpatterns = [
    path("ru/crash/", database_down),
    path("en/crash/", database_down),
    path("api/v1/crash/", database_down),
    *haven_urlpatterns,
]
