"""Confirming it is you again (password and a fresh code) before sharing files or changing roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import time_machine
from django.test import Client
from django.urls import reverse

from haven.staff.views.auth import WRONG_PASSWORDS_PER_ACCOUNT
from tests.conftest import PASSWORD, Personas, login, reauthenticate, totp_code

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _confirmed(client: Client) -> bool:
    """Whether the roles page opens (True) or asks to confirm it is you first (False)."""
    response = client.get(reverse("staff:roles"))
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("staff:reauth"))
        return False
    assert response.status_code == 200
    return True


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@time_machine.travel(NOW, tick=False)
def test_the_roles_page_asks_to_confirm_and_comes_back(personas: Personas) -> None:
    client = login(personas.admin)
    response = client.get(reverse("staff:roles"))
    assert response.status_code == 302
    expected = f"{reverse('staff:reauth')}?{urlencode({'next': reverse('staff:roles')})}"
    assert response["Location"] == expected

    page = client.get(expected).content.decode()
    assert '<label for="id_password">' in page
    assert '<label for="id_otp_token">' in page
    assert 'autocomplete="one-time-code"' in page

    done = reauthenticate(client, personas.admin, next_url=reverse("staff:roles"))

    assert done.status_code == 302
    assert done["Location"] == reverse("staff:roles")
    roles = client.get(reverse("staff:roles"))
    assert roles.status_code == 200
    assert "If you were sending a form, send it again." in roles.content.decode()


@time_machine.travel(NOW, tick=False)
def test_a_wrong_password_is_refused_and_the_code_is_not_spent(personas: Personas) -> None:
    client = login(personas.admin)
    code = totp_code(personas.admin)
    response = client.post(reverse("staff:reauth"), {"password": "wrong", "otp_token": code})
    assert "This is not your password." in response.content.decode()
    assert not _confirmed(client)
    # The password was wrong, so the code was never checked and still works.
    ok = client.post(reverse("staff:reauth"), {"password": PASSWORD, "otp_token": code})
    assert ok.status_code == 302
    assert _confirmed(client)


def test_a_wrong_code_is_refused_then_the_right_one_works(personas: Personas) -> None:
    client = login(personas.admin)
    with time_machine.travel(NOW, tick=False):
        wrong = _wrong(totp_code(personas.admin))
        response = client.post(reverse("staff:reauth"), {"password": PASSWORD, "otp_token": wrong})
        assert "This code is wrong or was used already." in response.content.decode()
        assert not _confirmed(client)
    # django-otp makes the next try wait a little after a wrong code.
    with time_machine.travel(NOW + timedelta(seconds=30), tick=False):
        assert reauthenticate(client, personas.admin).status_code == 302
        assert _confirmed(client)


@time_machine.travel(NOW, tick=False)
def test_a_code_cannot_be_replayed(personas: Personas) -> None:
    code = totp_code(personas.admin)
    first, second = login(personas.admin), login(personas.admin)
    assert first.post(reverse("staff:reauth"), {"password": PASSWORD, "otp_token": code})[
        "Location"
    ] == reverse("staff:home")

    replay = second.post(reverse("staff:reauth"), {"password": PASSWORD, "otp_token": code})

    assert replay.status_code == 200
    assert "This code is wrong or was used already." in replay.content.decode()
    assert not _confirmed(second)


def test_a_confirmation_holds_for_the_configured_minutes(personas: Personas, settings: Any) -> None:
    client = login(personas.admin)
    with time_machine.travel(NOW, tick=False):
        reauthenticate(client, personas.admin)
    with time_machine.travel(NOW + timedelta(minutes=4, seconds=59), tick=False):
        assert _confirmed(client)
    with time_machine.travel(NOW + timedelta(minutes=5, seconds=1), tick=False):
        assert not _confirmed(client)
        settings.REAUTH_MINUTES = 10
        assert _confirmed(client)


@time_machine.travel(NOW, tick=False)
def test_the_confirmation_is_lost_when_signing_out(personas: Personas) -> None:
    client = login(personas.admin)
    reauthenticate(client, personas.admin)
    assert _confirmed(client)
    client.post(reverse("staff:logout"))
    login(personas.admin, client=client)
    assert not _confirmed(client)


@time_machine.travel(NOW, tick=False)
def test_it_goes_back_only_to_this_site(personas: Personas) -> None:
    response = reauthenticate(
        login(personas.reviewer), personas.reviewer, next_url="https://evil.example/"
    )
    assert response["Location"] == reverse("staff:home")


@time_machine.travel(NOW, tick=False)
def test_wrong_passwords_here_count_towards_the_sign_in_lock(personas: Personas) -> None:
    client = login(personas.admin)
    for _ in range(WRONG_PASSWORDS_PER_ACCOUNT.count):
        client.post(reverse("staff:reauth"), {"password": "wrong", "otp_token": "123456"})
    response = reauthenticate(client, personas.admin)
    assert "Too many wrong passwords" in response.content.decode()
    assert not _confirmed(client)
