"""Public pages are rate limited per client and per code, without storing addresses."""

from __future__ import annotations

from django.db import connection
from django.test import Client

from haven.core.models import Application
from haven.public.limits import APPLY_PER_CLIENT, STATUS_PER_CLIENT, WRONG_CODES_PER_REFERENCE
from tests.conftest import Network
from tests.public.conftest import codes_in, valid_post

STATUS = "/ru/status/"
ADDRESS = "198.51.100.23"


def _check(client: Client, reference: str, passphrase: str, address: str = ADDRESS) -> int:
    response = client.post(
        STATUS, {"reference": reference, "passphrase": passphrase}, REMOTE_ADDR=address
    )
    return response.status_code


def test_wrong_passphrases_lock_the_code_even_from_new_addresses(network: Network) -> None:
    client = Client()
    reference, passphrase = codes_in(client.post("/ru/apply/", valid_post()).content.decode())
    for attempt in range(WRONG_CODES_PER_REFERENCE.count):
        assert _check(client, reference, "wrong-pass-word", f"203.0.113.{attempt}") == 200

    # Even the right passphrase from another address is refused until the hour is over.
    response = client.post(
        STATUS, {"reference": reference, "passphrase": passphrase}, REMOTE_ADDR="192.0.2.1"
    )
    assert response.status_code == 429
    assert "Слишком много попыток" in response.content.decode()


def test_one_client_cannot_try_codes_without_end(network: Network) -> None:
    client = Client()
    for n in range(STATUS_PER_CLIENT.count):
        assert _check(client, f"HV-AAAA-{n:04d}", "wrong-pass-word") == 200
    assert _check(client, "HV-BBBB-0000", "wrong-pass-word") == 429
    # Another client is not affected.
    assert _check(client, "HV-BBBB-0000", "wrong-pass-word", "192.0.2.200") == 200


def test_flood_of_applications_is_refused_and_keeps_the_answers(network: Network) -> None:
    client = Client()
    for _ in range(APPLY_PER_CLIENT.count):
        assert client.post("/ru/apply/", valid_post(), REMOTE_ADDR=ADDRESS).status_code == 200
    stored = Application.objects.count()

    response = client.post("/ru/apply/", valid_post(display_name="Лев"), REMOTE_ADDR=ADDRESS)

    assert response.status_code == 429
    assert Application.objects.count() == stored
    html = response.content.decode()
    assert 'value="Лев"' in html  # the person does not lose what they typed


def test_rate_limit_state_holds_no_address(network: Network) -> None:
    client = Client()
    _check(client, "HV-AAAA-0000", "wrong-pass-word")
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, hits FROM core_ratecount")
        rows = cursor.fetchall()
    assert rows
    assert all(ADDRESS not in str(key) + str(value) for key, value in rows)
