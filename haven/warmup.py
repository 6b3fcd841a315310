"""Warm a new app server process before it takes requests (``deploy/gunicorn.conf.py``).

A fresh gunicorn worker has imported Haven but not yet its views, templates or translation
catalogues: it loads them on its first requests, about a second of CPU, while the people
whose requests it took wait behind it. Workers are new after every start, every reload and
every recycling (``max_requests``). In bench/surge.py, five workers recycled within seconds
of each other under load stalled the server for up to two seconds.

``warm_up()`` sends the public pages through the whole WSGI stack (middleware included) in
every language, from inside the worker, before it accepts a connection. It changes nothing:
GET requests only, no session, nothing stored, no rate limit counted. It never fails a
worker's start: a page that cannot be served (the database still starting) is logged and the
worker serves as it would have.

``freeze()`` then hides what the warmed process holds (Django, Haven, templates, catalogues:
about 110,000 objects) from Python's cyclic garbage collector. Without it, each full
collection walked all of them: under the surge bench's load each took 60 to 190 ms, several
times a minute per worker, and the request that worker held waited through it. At 220
applications a second, p99 was 50 to 164 ms without ``freeze()`` and 22 to 33 ms with it
(three runs each; docs/deployment.md, "Capacity").
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterable
from wsgiref.util import setup_testing_defaults

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.urls import reverse
from django.utils import translation

logger = logging.getLogger(__name__)


def _host() -> str:
    """A host name the production host check accepts."""
    for host in settings.ALLOWED_HOSTS:
        if host and host != "*":
            return host.lstrip(".")
    return "localhost"


def _pages() -> list[str]:
    pages = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            pages += [reverse("public:apply"), reverse("public:status")]
    return pages


def _get(application: WSGIHandler, path: str, host: str) -> int:
    environ: dict[str, object] = {
        "PATH_INFO": path,
        "SERVER_NAME": host,
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "https",
    }
    setup_testing_defaults(environ)  # the rest of a minimal GET request's environ
    if settings.SECURE_PROXY_SSL_HEADER:  # as the reverse proxy says it: it came over HTTPS
        name, value = settings.SECURE_PROXY_SSL_HEADER
        environ[name] = value
    statuses: list[str] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: object = None, /
    ) -> Callable[[bytes], object]:
        statuses.append(status)
        return lambda data: None

    body: Iterable[bytes] = application(environ, start_response)
    for _chunk in body:
        pass
    close = getattr(body, "close", None)
    if close is not None:
        close()
    return int(statuses[0].split()[0]) if statuses else 0


def warm_up(application: WSGIHandler | None = None) -> dict[str, int]:
    """GET every language's public pages once in this process; their HTTP statuses by path."""
    if application is None:
        from haven.wsgi import application as served

        application = served
    host = _host()
    statuses: dict[str, int] = {}
    for path in _pages():
        try:
            statuses[path] = _get(application, path, host)
        except Exception:  # a worker must start even if its warm-up cannot
            logger.exception("warm-up request for %s failed", path)
            statuses[path] = 0
    if any(status != 200 for status in statuses.values()):
        logger.warning("warm-up: not every page answered 200: %s", statuses)
    return statuses


def freeze() -> int:
    """Collect what the start-up left as garbage, then move every object this process holds
    into the collector's permanent generation (``gc.freeze``): later collections skip them.

    Call it once, after ``warm_up()``. Objects loaded later are collected as usual; what is
    frozen stays until the worker is recycled (``max_requests``), and it is what the worker
    keeps anyway. Returns how many objects were frozen.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
