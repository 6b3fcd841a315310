"""Crawl every page a network admin can reach: none may reference another host or fail."""

from __future__ import annotations

from collections import deque
from io import StringIO
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import login
from tests.public.test_privacy import UrlCollector

pytestmark = pytest.mark.django_db

MAX_PAGES = 400


def test_no_page_references_another_host() -> None:
    call_command("load_demo", stdout=StringIO())
    admin = User.objects.get(username="admin")
    assert TOTPDevice.objects.filter(user=admin).exists()
    client = login(admin)

    queue = deque(["/ru/apply/", "/ru/status/", "/ru/staff/", "/en/staff/"])
    seen = set(queue)
    pages = 0
    while queue and pages < MAX_PAGES:
        path = queue.popleft()
        response = client.get(path, follow=True)
        assert response.status_code < 500, path
        if not response["Content-Type"].startswith("text/html"):
            continue
        pages += 1
        assert "default-src 'self'" in response["Content-Security-Policy"], path
        collector = UrlCollector()
        collector.feed(response.content.decode())
        for url in collector.urls:
            parts = urlsplit(url)
            assert (parts.scheme, parts.netloc) == ("", ""), f"{path} references {url}"
            target = urldefrag(urljoin(path, url)).url
            if not target.startswith("/static/") and target not in seen:
                seen.add(target)
                queue.append(target)
        assert not collector.tags & {"script", "iframe", "object", "embed"}, path
    assert pages > 20  # the crawl really walked the staff pages, not just the login form
