"""Signing in and out, and where each role lands."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.conftest import Personas, login

PASSWORD = "correct horse battery staple"  # tests/conftest.py make_user


def test_pages_need_a_signed_in_user() -> None:
    response = Client().get(reverse("staff:queue"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('staff:login')}?next={reverse('staff:queue')}"


def test_sign_in_page_is_public_and_labelled(db: object) -> None:
    html = Client().get(reverse("staff:login")).content.decode()
    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html
    assert "csrfmiddlewaretoken" in html


def test_reviewer_lands_on_the_queue_and_coordinator_on_shelters(personas: Personas) -> None:
    for user, page in (
        (personas.reviewer, "staff:queue"),
        (personas.coordinator, "staff:shelters"),
    ):
        client = Client()
        response = client.post(
            reverse("staff:login"), {"username": user.username, "password": PASSWORD}, follow=True
        )
        assert response.redirect_chain[-1][0] == reverse(page)
        assert response.status_code == 200


def test_sign_in_follows_a_safe_next_only(personas: Personas) -> None:
    shelters = reverse("staff:shelters")
    response = Client().post(
        f"{reverse('staff:login')}?next={shelters}",
        {"username": "reviewer", "password": PASSWORD},
    )
    assert response["Location"] == shelters
    response = Client().post(
        f"{reverse('staff:login')}?next=https://evil.example/",
        {"username": "reviewer", "password": PASSWORD},
    )
    assert response["Location"] == reverse("staff:home")


def test_wrong_password_is_refused(personas: Personas) -> None:
    response = Client().post(
        reverse("staff:login"), {"username": "reviewer", "password": "wrong password"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in response.client.session


def test_sign_out_is_a_post(personas: Personas) -> None:
    client = login(personas.reviewer)
    assert client.get(reverse("staff:logout")).status_code == 405
    assert client.get(reverse("staff:queue")).status_code == 200

    response = client.post(reverse("staff:logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("staff:login")
    assert client.get(reverse("staff:queue")).status_code == 302
