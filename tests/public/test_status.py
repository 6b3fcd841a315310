"""The status page: two codes in, the status out, and one answer for any mismatch."""

# Russian text is what these tests check, so Cyrillic letters that look Latin are expected.

from __future__ import annotations

import re

import pytest
from django.test import Client

from haven.core.models import Application
from tests.conftest import Network
from tests.public.conftest import codes_in, valid_post

pytestmark = pytest.mark.django_db

NOT_FOUND = "Не удалось найти заявку с таким кодом и кодовой фразой"


@pytest.fixture
def codes(client: Client, network: Network) -> tuple[str, str]:
    return codes_in(client.post("/ru/apply/", valid_post()).content.decode())


def error_summary(html: str) -> str:
    found = re.search(r'<div class="error-summary".*?</div>', html, re.DOTALL)
    assert found is not None, "no error summary"
    return found.group(0)


def test_status_form_is_in_russian(client: Client, network: Network) -> None:
    response = client.get("/ru/status/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_reference">Код заявки</label>' in html
    assert '<label for="id_passphrase">Кодовая фраза</label>' in html
    assert "no-store" in response["Cache-Control"]


def test_right_codes_show_the_status_in_russian(client: Client, codes: tuple[str, str]) -> None:
    reference, passphrase = codes

    response = client.post("/ru/status/", {"reference": reference, "passphrase": passphrase})

    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "Получена, ждёт рассмотрения" in html
    assert f"Заявка {reference}" in html
    assert "25 ноября 2026" in html


def test_status_follows_the_application(client: Client, codes: tuple[str, str]) -> None:
    reference, passphrase = codes
    Application.objects.update(status=Application.Status.ACCEPTED)

    html = client.post(
        "/ru/status/", {"reference": reference, "passphrase": passphrase}
    ).content.decode()

    assert "Принята, ждёт места" in html


def test_status_in_english(client: Client, codes: tuple[str, str]) -> None:
    reference, passphrase = codes

    html = client.post(
        "/en/status/", {"reference": reference, "passphrase": passphrase}
    ).content.decode()

    assert "Received, waiting for review" in html


def test_codes_may_be_typed_loosely(client: Client, codes: tuple[str, str]) -> None:
    reference, passphrase = codes
    # Lower case, spaces instead of dashes, no "HV-", Cyrillic look-alike letters.
    cyrillic = str.maketrans("ABCEHKMPTXY", "АВСЕНКМРТХУ")
    typed_reference = " " + reference.lower()[3:].replace("-", " ") + " "
    typed_passphrase = passphrase.upper().translate(cyrillic).replace("-", "")

    html = client.post(
        "/ru/status/", {"reference": typed_reference, "passphrase": typed_passphrase}
    ).content.decode()

    assert "Получена, ждёт рассмотрения" in html


def test_wrong_passphrase_and_unknown_code_get_the_same_answer(
    client: Client, codes: tuple[str, str]
) -> None:
    reference, passphrase = codes
    wrong = "aaaa-bbbb-cccc" if passphrase != "aaaa-bbbb-cccc" else "dddd-eeee-ffff"

    wrong_passphrase = client.post("/ru/status/", {"reference": reference, "passphrase": wrong})
    unknown_reference = client.post(
        "/ru/status/", {"reference": "HV-2222-3333", "passphrase": passphrase}
    )

    for response in (wrong_passphrase, unknown_reference):
        assert response.status_code == 200
        assert NOT_FOUND in response.content.decode()
        assert "Получена" not in response.content.decode()
    assert error_summary(wrong_passphrase.content.decode()) == error_summary(
        unknown_reference.content.decode()
    )


def test_empty_codes_are_asked_for(client: Client, network: Network) -> None:
    html = client.post("/ru/status/", {"reference": " ", "passphrase": ""}).content.decode()

    assert 'id="id_reference_error"' in html
    assert 'id="id_passphrase_error"' in html
    assert NOT_FOUND not in html


def test_status_form_needs_its_csrf_token(codes: tuple[str, str]) -> None:
    reference, passphrase = codes
    client = Client(enforce_csrf_checks=True)

    response = client.post("/ru/status/", {"reference": reference, "passphrase": passphrase})

    assert response.status_code == 403
