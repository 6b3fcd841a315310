"""A double tap and a reload of the sent form still make exactly one application."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, Request, expect

from haven.core.models import Application
from tests.browser.test_applicant_to_bed import sign_in
from tests.conftest import Network, Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_double_click_and_reload_create_one_application(
    live_server: object, page: Page, network: Network, personas: Personas
) -> None:
    base = str(live_server)
    posts: list[Request] = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)

    page.goto(f"{base}/ru/apply/")
    page.get_by_label("Имя или псевдоним").fill("Глеб")
    page.get_by_label("Как с вами связаться?").fill("@gleb_double")
    page.get_by_label("Мужчина", exact=True).check()
    page.get_by_label("В какой стране вы сейчас?").select_option(label="Казахстан")
    entered = timezone.localdate() - timedelta(days=10)
    page.get_by_label("Когда вы въехали в эту страну?").fill(entered.isoformat())
    page.get_by_label("Меньше недели").check()
    page.get_by_label("Я согласен(на) на хранение").check()
    page.get_by_role("button", name="Отправить заявку").dblclick()
    first_reference = page.locator("#reference").inner_text()
    first_passphrase = page.locator("#passphrase").inner_text()

    # Reloading the confirmation sends the same form again.
    page.reload()
    expect(page.locator("#reference")).to_have_text(first_reference)
    expect(page.locator("#passphrase")).to_have_text(first_passphrase)
    assert len([r for r in posts if r.url.endswith("/ru/apply/")]) >= 2

    assert Application.objects.filter(person__display_name="Глеб").count() == 1

    # The reviewer's queue lists Gleb once.
    page.goto(f"{base}/ru/staff/login/")
    sign_in(page, personas.reviewer)
    expect(page.get_by_text("Глеб", exact=True)).to_have_count(1)
    expect(page.get_by_role("link", name=first_reference)).to_have_count(1)
