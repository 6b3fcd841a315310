"""Signing in with a password and a second factor, signing out, and where each role lands."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.staff.views.auth import WRONG_PASSWORDS_PER_ACCOUNT
from tests.conftest import PASSWORD, Personas, login, totp_code


def sign_in(client: Client, user: User, code: str, *, next_url: str = "") -> object:
    """The two steps of the sign-in wizard: password, then the code."""
    url = reverse("staff:login") + (f"?next={next_url}" if next_url else "")
    client.post(
        url,
        {
            "login_view-current_step": "auth",
            "auth-username": user.username,
            "auth-password": PASSWORD,
        },
    )
    return client.post(url, {"login_view-current_step": "token", "token-otp_token": code})


def test_pages_need_a_signed_in_user() -> None:
    response = Client().get(reverse("staff:queue"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('staff:login')}?next={reverse('staff:queue')}"


def test_sign_in_page_is_public_and_labelled(db: object) -> None:
    html = Client().get(reverse("staff:login")).content.decode()
    assert '<label for="id_auth-username">' in html
    assert '<label for="id_auth-password">' in html
    assert "csrfmiddlewaretoken" in html


def test_password_alone_does_not_sign_in(personas: Personas) -> None:
    client = Client()
    response = client.post(
        reverse("staff:login"),
        {
            "login_view-current_step": "auth",
            "auth-username": "reviewer",
            "auth-password": PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "authenticator app" in response.content.decode()
    assert client.get(reverse("staff:queue")).status_code == 302


def test_wrong_code_is_refused(personas: Personas) -> None:
    client = Client()
    good = totp_code(personas.reviewer)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = sign_in(client, personas.reviewer, wrong)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert client.get(reverse("staff:queue")).status_code == 302


def test_reviewer_lands_on_the_queue_and_coordinator_on_shelters(personas: Personas) -> None:
    for user, page in (
        (personas.reviewer, "staff:queue"),
        (personas.coordinator, "staff:shelters"),
    ):
        client = Client()
        response = sign_in(client, user, totp_code(user))
        assert response["Location"] == reverse("staff:home")  # type: ignore[index]
        assert client.get(reverse("staff:home"))["Location"] == reverse(page)
        assert client.get(reverse(page)).status_code == 200


def test_a_backup_code_works_once(personas: Personas) -> None:
    device = StaticDevice.objects.create(user=personas.reviewer, name="backup")
    StaticToken.objects.create(device=device, token="abcd1234")
    client = Client()
    url = reverse("staff:login")
    client.post(
        url,
        {"login_view-current_step": "auth", "auth-username": "reviewer", "auth-password": PASSWORD},
    )
    client.post(url, {"login_view-current_step": "token", "wizard_goto_step": "backup"})
    client.post(url, {"login_view-current_step": "backup", "backup-otp_token": "abcd1234"})
    assert client.get(reverse("staff:queue")).status_code == 200
    assert not StaticToken.objects.filter(token="abcd1234").exists()


def test_sign_in_follows_a_safe_next_only(personas: Personas) -> None:
    shelters = reverse("staff:shelters")
    response = sign_in(Client(), personas.reviewer, totp_code(personas.reviewer), next_url=shelters)
    assert response["Location"] == shelters  # type: ignore[index]
    # (A code works once, so the second sign-in is another person's.)
    evil = "https://evil.example/"
    response = sign_in(Client(), personas.admin, totp_code(personas.admin), next_url=evil)
    assert response["Location"] == reverse("staff:home")  # type: ignore[index]


def test_a_code_cannot_be_replayed(personas: Personas) -> None:
    code = totp_code(personas.reviewer)
    sign_in(Client(), personas.reviewer, code)
    replay = Client()
    sign_in(replay, personas.reviewer, code)
    assert replay.get(reverse("staff:queue")).status_code == 302


def test_wrong_password_is_refused(personas: Personas) -> None:
    response = Client().post(
        reverse("staff:login"),
        {
            "login_view-current_step": "auth",
            "auth-username": "reviewer",
            "auth-password": "wrong password",
        },
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in response.client.session


def test_staff_without_a_device_must_set_one_up(personas: Personas) -> None:
    TOTPDevice.objects.filter(user=personas.reviewer).delete()
    client = login(personas.reviewer, verified=False)
    response = client.get(reverse("staff:queue"))
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor:setup")
    assert client.get(reverse("two_factor:setup")).status_code == 200


def test_signed_in_but_unverified_staff_see_no_staff_page(personas: Personas) -> None:
    client = login(personas.admin, verified=False)
    for name in ("staff:queue", "staff:shelters", "two_factor:backup_tokens"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"] == reverse("staff:login")


def test_sign_out_is_a_post(personas: Personas) -> None:
    client = login(personas.reviewer)
    assert client.get(reverse("staff:logout")).status_code == 405
    assert client.get(reverse("staff:queue")).status_code == 200

    response = client.post(reverse("staff:logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("staff:login")
    assert client.get(reverse("staff:queue")).status_code == 302


def test_repeated_wrong_passwords_lock_the_account_for_a_while(personas: Personas) -> None:
    def attempt(password: str, address: str, username: str = "Reviewer") -> str:
        response = Client().post(
            reverse("staff:login"),
            {
                "login_view-current_step": "auth",
                "auth-username": username,
                "auth-password": password,
            },
            REMOTE_ADDR=address,
        )
        return response.content.decode()

    for n in range(WRONG_PASSWORDS_PER_ACCOUNT.count):
        attempt("wrong password", f"203.0.113.{n}")
    # Now even the right password is not checked, from any address, however it is typed.
    html = attempt(PASSWORD, "192.0.2.7", username="reviewer")
    assert "Too many wrong passwords" in html
    assert "authenticator app" not in html
    # Other accounts are not affected.
    assert totp_code(personas.admin)
    other = Client().post(
        reverse("staff:login"),
        {"login_view-current_step": "auth", "auth-username": "admin", "auth-password": PASSWORD},
        REMOTE_ADDR="192.0.2.7",
    )
    assert "authenticator app" in other.content.decode()
