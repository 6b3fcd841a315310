"""What the public pages must never do: load from elsewhere, run scripts, or keep an IP."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core import serializers
from django.test import Client

from haven.core.models import Application
from tests.conftest import Network
from tests.public.conftest import codes_in, valid_post

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db

URL_ATTRIBUTES = {"src", "href", "action", "formaction", "srcset", "poster", "data", "background"}


class UrlCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name in URL_ATTRIBUTES and value is not None:
                # srcset holds "url size, url size".
                self.urls.extend(part.split()[0] for part in value.split(",") if part.strip())


def public_pages(client: Client) -> dict[str, TestResponse]:
    data = valid_post()
    submitted = client.post("/ru/apply/", data)
    reference, passphrase = codes_in(submitted.content.decode())
    return {
        "apply": client.get("/ru/apply/"),
        "apply in English": client.get("/en/apply/"),
        "apply with errors": client.post("/ru/apply/", valid_post(consent=None)),
        "submitted": submitted,
        "status": client.get("/ru/status/"),
        "status found": client.post(
            "/ru/status/", {"reference": reference, "passphrase": passphrase}
        ),
        "status not found": client.post(
            "/ru/status/", {"reference": "HV-2222-3333", "passphrase": passphrase}
        ),
    }


def test_public_pages_link_to_no_other_host_and_run_no_script(
    client: Client, network: Network
) -> None:
    for name, response in public_pages(client).items():
        collector = UrlCollector()
        collector.feed(response.content.decode())

        assert collector.urls, name
        for url in collector.urls:
            parts = urlsplit(url)
            assert (parts.scheme, parts.netloc) == ("", ""), f"{name}: {url}"
        assert not collector.tags & {"script", "iframe", "object", "embed"}, name
        assert "style=" not in response.content.decode(), name  # CSP allows no inline style
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy, name
        assert "form-action 'self'" in policy, name
        assert "no-store" in response["Cache-Control"], name


def test_no_ip_address_is_stored(network: Network) -> None:
    client = Client(
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="198.51.100.23, 203.0.113.9",
        HTTP_X_REAL_IP="198.51.100.24",
        HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) TestPhone/203.0.113.9",
    )

    submitted = client.post("/ru/apply/", valid_post())
    reference, passphrase = codes_in(submitted.content.decode())
    client.post("/ru/status/", {"reference": reference, "passphrase": passphrase})

    assert Application.objects.count() == 1
    # The serialiser reads through the ORM, so encrypted columns are searched decrypted.
    dump = "".join(
        serializers.serialize("json", model._default_manager.all()) for model in apps.get_models()
    )
    for needle in ("203.0.113.9", "198.51.100.23", "198.51.100.24", "TestPhone"):
        assert needle not in dump
    assert not re.search(r"\b\d{1,3}(?:\.\d{1,3}){3}\b", dump), "something IP-like was stored"
    assert not Session.objects.exists()  # applicants get no server-side session either
