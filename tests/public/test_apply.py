"""The public application form: language, storing once, and refusing bad input."""

# Russian text is what these tests check, so Cyrillic letters that look Latin are expected.

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils.translation import gettext_lazy as _

from haven.core.models import Application, BorderCrossing
from haven.core.services.applications import ApplicationError, passphrase_for
from tests.conftest import Network
from tests.public.conftest import codes_in, stored_rows, valid_post

pytestmark = pytest.mark.django_db


def test_form_is_in_russian_by_default(client: Client, network: Network) -> None:
    response = client.get("/", follow=True)

    assert response.redirect_chain[-1][0] == "/ru/apply/"
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert "Подать заявку на место в шелтере" in html
    assert '<label for="id_display_name">Имя или псевдоним</label>' in html
    assert "Я согласен(на)" in html
    assert 'href="/en/apply/"' in html  # the language switch


def test_form_is_in_english_under_en(client: Client, network: Network) -> None:
    response = client.get("/en/apply/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert '<label for="id_display_name">Your name or nickname</label>' in html
    assert 'href="/ru/apply/"' in html


def test_public_root_redirects_to_the_form(client: Client, network: Network) -> None:
    response = client.get("/en/")

    assert response.status_code == 302
    assert response["Location"] == "/en/apply/"


def test_only_countries_with_shelters_are_offered(client: Client, network: Network) -> None:
    html = client.get("/ru/apply/").content.decode()

    assert '<option value="KZ">Казахстан</option>' in html
    assert 'value="AM"' not in html  # Armenia has no shelter in the test network


def test_every_field_has_a_label_tied_to_it(client: Client, network: Network) -> None:
    html = client.get("/ru/apply/").content.decode()

    inputs = set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html))
    labelled = set(re.findall(r'<label for="([^"]+)"', html))
    assert inputs
    assert inputs <= labelled


def test_the_form_carries_a_fresh_idempotency_key(client: Client, network: Network) -> None:
    keys = [
        re.search(r'name="idempotency_key" value="([^"]+)"', client.get("/ru/apply/").text)
        for _ in range(2)
    ]

    assert keys[0] is not None
    assert keys[1] is not None
    assert uuid.UUID(keys[0].group(1)).version == 4
    assert keys[0].group(1) != keys[1].group(1)


def test_valid_application_is_stored_once_and_shows_its_codes(
    client: Client, network: Network
) -> None:
    data = valid_post()

    response = client.post("/ru/apply/", data)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    application = Application.objects.get()
    reference, passphrase = codes_in(response.content.decode())
    assert reference == application.reference
    assert passphrase == passphrase_for(data["idempotency_key"])
    assert "Запишите оба кода" in response.content.decode()
    assert 'href="/ru/status/"' in response.content.decode()
    assert application.language == "ru"
    assert application.person.display_name == "Артём"
    assert application.host_country.code == "KZ"
    assert application.answers["savings_days"] == 14
    assert application.answers["dependants"] == 1
    assert application.answers["draft_notice"] is True
    assert application.answers["arrested"] is False
    crossing = BorderCrossing.objects.get(person=application.person)
    assert (crossing.entered_on.isoformat(), crossing.document) == (
        "2026-10-01",
        "ru_internal_passport",
    )


def test_application_in_english_records_the_language(client: Client, network: Network) -> None:
    response = client.post("/en/apply/", valid_post())

    assert "Write down both codes" in response.content.decode()
    assert Application.objects.get().language == "en"


def test_sending_the_same_form_again_shows_the_same_codes(client: Client, network: Network) -> None:
    data = valid_post()

    first = client.post("/ru/apply/", data)
    again = client.post("/ru/apply/", {**data, "display_name": "Другое имя"})

    assert Application.objects.count() == 1
    assert codes_in(again.content.decode()) == codes_in(first.content.decode())
    assert Application.objects.get().person.display_name == "Артём"


def test_another_form_makes_another_application(client: Client, network: Network) -> None:
    client.post("/ru/apply/", valid_post())
    client.post("/ru/apply/", valid_post())

    assert Application.objects.count() == 2


def test_text_is_trimmed_and_line_breaks_kept(client: Client, network: Network) -> None:
    client.post(
        "/ru/apply/",
        valid_post(display_name="  Артём  ", city=" ", situation="Первая\r\nвторая\tстрока"),
    )

    application = Application.objects.get()
    assert application.person.display_name == "Артём"
    assert application.city == ""
    assert application.answers["situation"] == "Первая\nвторая\tстрока"


def test_optional_answers_may_be_left_out(client: Client, network: Network) -> None:
    data = valid_post(birth_year="", city="", situation="", no_income=None, no_housing=None)

    client.post("/ru/apply/", data)

    application = Application.objects.get()
    assert application.person.birth_year is None
    assert application.answers["no_income"] is False


def test_entry_date_may_be_typed_the_russian_way(client: Client, network: Network) -> None:
    client.post("/ru/apply/", valid_post(entered_on="25.09.2022"))

    crossing = BorderCrossing.objects.get()
    assert crossing.entered_on.isoformat() == "2022-09-25"


def test_today_is_judged_in_the_host_country(client: Client, network: Network) -> None:
    # 20:00 UTC is already 01:00 the next day in Almaty.
    with time_machine.travel(datetime(2026, 11, 25, 20, 0, tzinfo=UTC), tick=False):
        accepted = client.post("/ru/apply/", valid_post(entered_on="2026-11-26"))
        refused = client.post("/ru/apply/", valid_post(entered_on="2026-11-27"))

    assert '<code id="reference">' in accepted.content.decode()
    assert "Эта дата ещё не наступила" in refused.content.decode()
    assert Application.objects.count() == 1


INVALID = {
    "consent missing": ({"consent": None}, "consent", "Без вашего согласия"),
    "date in the future": ({"entered_on": "2026-11-26"}, "entered_on", "Эта дата ещё не наступила"),
    "date before 2022": ({"entered_on": "2021-12-31"}, "entered_on", "с 1 января 2022 года"),
    "date not a date": ({"entered_on": "вчера"}, "entered_on", "Введите дату"),
    "name too long": ({"display_name": "А" * 61}, "display_name", "не больше 60 символов"),
    "name missing": ({"display_name": "   "}, "display_name", "Пожалуйста, заполните"),
    "bell in the name": ({"display_name": "Артём\x07"}, "display_name", "служебные символы"),
    "line break in the name": ({"display_name": "А\nБ"}, "display_name", "служебные символы"),
    "NUL in the contact": ({"contact": "@artem\x00"}, "contact", "служебные символы"),
    "bidi override in the city": ({"city": "Алма\u202eты"}, "city", "служебные символы"),
    "escape in the story": ({"situation": "\x1b[31mкрасный"}, "situation", "служебные символы"),
    "story too long": ({"situation": "я" * 4001}, "situation", "не больше 4000 символов"),
    "year not a number": ({"birth_year": "девяносто"}, "birth_year", "только цифрами"),
    "year too early": ({"birth_year": "1919"}, "birth_year", "не раньше 1920"),
    "year in the future": ({"birth_year": "2027"}, "birth_year", "не позже 2026"),
    "dependants not a number": ({"dependants": "2.5"}, "dependants", "только цифрами"),
    "too many dependants": ({"dependants": "21"}, "dependants", "не больше 20"),
    "negative dependants": ({"dependants": "-1"}, "dependants", "не может быть меньше нуля"),
    "unknown gender": ({"gender": "robot"}, "gender", "выберите один из вариантов"),
    "unknown document": ({"document": "fake"}, "document", "выберите один из вариантов"),
    "unknown savings band": ({"savings_days": "999"}, "savings_days", "выберите один из"),
    "unknown country": ({"host_country": "XX"}, "host_country", "выберите страну из списка"),
    "country without shelters": ({"host_country": "AM"}, "host_country", "страну из списка"),
    "bad idempotency key": ({"idempotency_key": "1234"}, "idempotency_key", "Не удалось"),
    "idempotency key missing": ({"idempotency_key": None}, "idempotency_key", "Не удалось"),
}


@pytest.mark.parametrize(("changes", "field", "message"), INVALID.values(), ids=INVALID.keys())
def test_invalid_answers_store_nothing_and_say_why_in_russian(
    client: Client, network: Network, changes: dict[str, Any], field: str, message: str
) -> None:
    response = client.post("/ru/apply/", valid_post(**changes))

    html = response.content.decode()
    assert response.status_code == 200
    assert stored_rows() == 0
    assert '<code id="reference">' not in html
    assert "Проверьте ответы" in html  # the error summary
    assert message.lower() in html.lower()
    if field != "idempotency_key":
        assert f'id="id_{field}_error"' in html
    assert "no-store" in response["Cache-Control"]


def test_answers_are_kept_when_the_form_comes_back(client: Client, network: Network) -> None:
    html = client.post("/ru/apply/", valid_post(consent=None)).content.decode()

    assert 'value="@artem_example"' in html
    assert 'value="KZ" selected' in html


def test_an_unreadable_key_is_replaced_so_the_form_can_be_sent(
    client: Client, network: Network
) -> None:
    html = client.post("/ru/apply/", valid_post(idempotency_key="1234")).content.decode()

    key = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert key is not None
    assert str(uuid.UUID(key.group(1))) == key.group(1)


def test_a_failing_service_becomes_a_form_error(
    client: Client, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ApplicationError(_("Choose a country from the list."))

    monkeypatch.setattr("haven.public.views.receive_application", refuse)

    response = client.post("/ru/apply/", valid_post())

    assert "Выберите страну из списка." in response.content.decode()
    assert stored_rows() == 0


def test_a_form_without_csrf_token_is_refused(network: Network) -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post("/ru/apply/", valid_post())

    assert response.status_code == 403
    assert stored_rows() == 0


def test_the_csrf_refusal_page_speaks_russian(network: Network, settings: Any) -> None:
    settings.CSRF_FAILURE_VIEW = "haven.public.views.csrf_failure"
    client = Client(enforce_csrf_checks=True)

    response = client.post("/ru/apply/", valid_post())

    assert response.status_code == 403
    assert "Не удалось отправить форму" in response.content.decode()
    assert stored_rows() == 0


def test_a_form_with_its_csrf_token_is_accepted(network: Network) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/ru/apply/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None

    response = client.post("/ru/apply/", valid_post(csrfmiddlewaretoken=token.group(1)))

    assert response.status_code == 200
    assert Application.objects.count() == 1


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_not_allowed(client: Client, network: Network, method: str) -> None:
    assert getattr(client, method)("/ru/apply/").status_code == 405


def test_head_request_is_answered(client: Client, network: Network) -> None:
    assert client.head("/ru/apply/").status_code == 200
    assert client.head("/ru/status/").status_code == 200


def test_region_of_origin_is_optional_and_stored(client: Client, network: Network) -> None:
    client.post("/ru/apply/", valid_post(origin_region="volga"))
    client.post("/ru/apply/", valid_post(origin_region=None, contact="@other"))
    assert sorted(Application.objects.values_list("origin_region", flat=True)) == ["", "volga"]

    response = client.post("/ru/apply/", valid_post(origin_region="moscow-city"))
    assert "Пожалуйста, выберите один из вариантов." in response.content.decode()
    assert Application.objects.count() == 2


def test_a_filled_bot_trap_stores_nothing_and_says_so(client: Client, network: Network) -> None:
    response = client.post("/ru/apply/", valid_post(website="https://spam.example"))
    assert Application.objects.count() == 0
    html = response.content.decode()
    assert 'id="reference"' not in html
    assert "Это поле должно оставаться пустым" in html


def test_the_bot_trap_is_hidden_from_people(client: Client, network: Network) -> None:
    html = client.get("/ru/apply/").content.decode()
    trap = html[html.index('<div class="trap"') :]
    assert trap.startswith('<div class="trap" aria-hidden="true">')
    assert 'tabindex="-1"' in trap[: trap.index("</div>") + 200]
