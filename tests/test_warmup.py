"""A new app server worker is warmed before it takes requests (haven/warmup.py)."""

from __future__ import annotations

import gc
import logging
import runpy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections

from haven.core.models import Application, AuditEntry, RateCount, ReceivedApplication
from haven.public import views as public_views
from haven.warmup import warm_up
from tests.test_settings import ROOT

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def connection_kept() -> Iterator[None]:
    """Keep the test's database connection through the requests, as Django's test client
    does: at each request's start and end the real handler closes a connection that is in a
    transaction, and the test runs in one."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _stored() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Application, ReceivedApplication, RateCount, AuditEntry)
    )


def test_warm_up_serves_every_public_page_in_every_language_behind_the_proxy(
    settings: Any,
) -> None:
    # As in production: one named host, HTTPS enforced, the proxy saying it was HTTPS.
    settings.ALLOWED_HOSTS = [".haven.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    before = _stored()
    statuses = warm_up(WSGIHandler())
    assert statuses == {
        "/ru/apply/": 200,
        "/ru/status/": 200,
        "/en/apply/": 200,
        "/en/status/": 200,
    }
    assert _stored() == before  # nothing stored, no rate limit counted


def test_a_worker_starts_even_when_its_warm_up_cannot_be_served(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(environ: dict[str, object], start_response: Callable[..., object]) -> list[bytes]:
        raise ConnectionError("the database is still starting")

    with caplog.at_level(logging.WARNING, logger="haven.warmup"):
        statuses = warm_up(broken)  # type: ignore[arg-type]
    assert set(statuses.values()) == {0}
    assert "the database is still starting" in caplog.text


def test_gunicorn_warms_each_worker_before_it_accepts_requests() -> None:
    public_views._shared_pages.clear()
    config = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    config["post_worker_init"](None)
    # The blank form of each language is ready: the first applicant gets it at once.
    warmed = {key[1:3] for key in public_views._shared_pages if key[0] == "public/apply.html"}
    assert warmed == {("ru", "/ru/apply/"), ("en", "/en/apply/")}
    assert config["max_requests_jitter"] >= config["max_requests"] // 2


def test_gunicorn_keeps_what_a_worker_loaded_out_of_full_collections() -> None:
    """A full collection walked every object of the warmed worker (over 100,000): under load
    each one held a request for 60 to 190 ms. After the start-up hook, they are frozen."""
    config = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    try:
        walked_before = len(gc.get_objects())
        config["post_worker_init"](None)
        walked_after = len(gc.get_objects())  # the permanent generation is not walked
        assert gc.get_freeze_count() >= walked_before // 2
        assert walked_after < walked_before // 10
    finally:
        gc.unfreeze()
