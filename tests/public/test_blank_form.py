"""The blank form is rendered once per language, day and set of countries, and filled per person.

In a surge everybody loads the form; rendering it was as costly as storing an application.
What each person gets must still be exactly the page rendered for them: their own CSRF token
and idempotency key, today's countries and dates, their language.
"""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client

from haven.core.models import Application, HostCountry, Organisation, Shelter
from haven.public import forms, views
from tests.conftest import Network
from tests.public.conftest import codes_in, valid_post

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


def _slots_blanked(html: str) -> str:
    return KEY.sub('name="idempotency_key" value=""', TOKEN.sub('value=""', html))


def test_a_page_from_the_cache_is_the_page_rendered_for_the_request(network: Network) -> None:
    views._shared_pages.clear()
    client = Client()
    rendered = client.get("/ru/apply/").text  # rendered, then kept
    cached = client.get("/ru/apply/").text
    # A query string is always rendered for the request alone.
    fresh = client.get("/ru/apply/?from=leaflet").text

    assert views._shared_pages  # the second request was served from it
    assert views._CSRF_SLOT not in cached
    assert views._KEY_SLOT not in cached
    assert _slots_blanked(cached) == _slots_blanked(rendered)
    # The language link keeps the query string; nothing else differs.
    assert _slots_blanked(fresh.replace("?from=leaflet", "")) == _slots_blanked(cached)


def test_every_person_gets_their_own_key_and_a_token_that_works(network: Network) -> None:
    first = Client(enforce_csrf_checks=True)
    second = Client(enforce_csrf_checks=True)
    page_one, page_two = first.get("/ru/apply/").text, second.get("/ru/apply/").text
    key_one, key_two = KEY.search(page_one), KEY.search(page_two)
    token_two = TOKEN.search(page_two)
    assert key_one is not None
    assert key_two is not None
    assert token_two is not None
    assert key_one.group(1) != key_two.group(1)

    response = second.post(
        "/ru/apply/",
        valid_post(idempotency_key=key_two.group(1), csrfmiddlewaretoken=token_two.group(1)),
    )

    assert response.status_code == 200
    reference, _passphrase = codes_in(response.text)
    assert Application.objects.filter(reference=reference).exists()


def test_a_country_that_opens_a_shelter_is_offered_at_once(network: Network) -> None:
    client = Client()
    assert 'value="TR"' not in client.get("/ru/apply/").text
    turkey = HostCountry.objects.create(code="TR", name="Turkey", timezone="Europe/Istanbul")
    Shelter.objects.create(
        organisation=Organisation.objects.get(), country=turkey, city="Istanbul", name="Ev"
    )

    assert '<option value="TR">Турция</option>' in client.get("/ru/apply/").text


def test_each_language_gets_its_own_page(network: Network) -> None:
    client = Client()
    russian = client.get("/ru/apply/").text
    english = client.get("/en/apply/").text

    assert '<html lang="ru">' in russian
    assert "Apply for a place in a shelter" in english
    assert '<html lang="en">' in english
    assert "Подать заявку" not in english


def test_the_codes_page_from_the_cache_shows_each_person_their_own_codes(
    network: Network,
) -> None:
    views._shared_pages.clear()
    pages = [Client().post("/ru/apply/", valid_post()).text for _ in range(2)]
    codes = [codes_in(page) for page in pages]
    staff = Client()
    staff.cookies["sessionid"] = "x"  # a session cookie: rendered for the request alone
    fresh = staff.post("/ru/apply/", valid_post()).text

    assert codes[0] != codes[1]
    for page, (reference, passphrase) in zip(pages, codes, strict=True):
        assert Application.objects.filter(reference=reference).exists()
        assert views._REFERENCE_SLOT not in page
        assert views._PASSPHRASE_SLOT not in page
        assert page.replace(reference, "R").replace(passphrase, "P") == fresh.replace(
            codes_in(fresh)[0], "R"
        ).replace(codes_in(fresh)[1], "P")


def test_another_process_sees_a_new_country_within_the_cache_time(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = Client()
    assert 'value="TR"' not in client.get("/ru/apply/").text
    turkey = HostCountry.objects.create(code="TR", name="Turkey", timezone="Europe/Istanbul")
    Shelter.objects.create(
        organisation=Organisation.objects.get(), country=turkey, city="Istanbul", name="Ev"
    )
    # As another app server's process sees it: no signal came, the list it read is kept.
    kept = forms.offered_countries()
    monkeypatch.setattr(forms, "_offered", (time.monotonic(), {"KZ": kept["KZ"]}))
    assert 'value="TR"' not in client.get("/ru/apply/").text

    monkeypatch.setattr(
        forms, "_offered", (time.monotonic() - forms.COUNTRIES_SECONDS - 1, {"KZ": kept["KZ"]})
    )
    assert '<option value="TR">Турция</option>' in client.get("/ru/apply/").text
