"""When a request fails on Haven's side (the database restarting, a bug), the person is told
in their language that nothing was saved and to send it again; API clients get JSON."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.public.crashing_urls")]


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    ("path", "heading", "advice"),
    [
        ("/ru/crash/", "У нас что-то пошло не так", "отправьте ещё раз"),
        ("/en/crash/", "Something went wrong on our side", "send it again"),
    ],
)
def test_a_failed_request_says_nothing_was_saved_in_the_persons_language(
    path: str, heading: str, advice: str
) -> None:
    client = Client(raise_request_exception=False)
    response = client.post(path, {"display_name": "<script>x</script>"})
    html = response.content.decode()
    assert response.status_code == 500
    assert heading in html
    assert advice in html
    assert "<script>x" not in html
    assert "INVALID[" not in html


@override_settings(DEBUG=False)
def test_a_failed_api_request_answers_json() -> None:
    response = Client(raise_request_exception=False).post("/api/v1/crash/")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
