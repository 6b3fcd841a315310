"""One applicant from the Russian public form to a bed, in real Chromium, as people would do it."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from haven.core.models import Application, Stay
from tests.conftest import Network, Personas, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # tests/conftest.py make_user


def test_applicant_applies_in_russian_and_is_placed_in_a_bed(
    live_server: object, page: Page, network: Network, personas: Personas, artifacts: Path
) -> None:
    base = str(live_server)
    entered = timezone.localdate() - timedelta(days=20)

    # The applicant, on a phone, in Russian.
    page.goto(f"{base}/ru/apply/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.screenshot(path=str(artifacts / "public-form-phone-390x844.png"), full_page=True)
    page.get_by_label("Имя или псевдоним").fill("Тимур")
    page.get_by_label("Как с вами связаться?").fill("@timur_haven_test")
    page.get_by_label("Мужчина", exact=True).check()
    page.get_by_label("В какой стране вы сейчас?").select_option(label="Казахстан")
    page.get_by_label("Когда вы въехали в эту страну?").fill(entered.isoformat())
    page.get_by_label("Меньше недели").check()
    page.get_by_label("Мне негде жить или скоро будет негде").check()
    page.get_by_label("Повестка из военкомата (вам лично или по вашему адресу)").check()
    page.get_by_label("Я согласен(на) на хранение").check()
    page.get_by_role("button", name="Отправить заявку").click()

    reference = page.locator("#reference").inner_text()
    expect(page.locator("#passphrase")).to_have_text(
        re.compile(r"^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$")
    )
    application = Application.objects.get(reference=reference)
    assert application.person.display_name == "Тимур"
    page.screenshot(path=str(artifacts / "public-submitted-phone-390x844.png"), full_page=True)

    # A reviewer signs in and accepts the application from the queue.
    page.goto(f"{base}/ru/staff/login/")
    sign_in(page, personas.reviewer)
    page.get_by_role("link", name=reference).click()
    page.get_by_label("принять", exact=True).check()
    page.get_by_label("Причина").fill("Повестка, нет жилья")
    page.get_by_role("button", name="Записать решение").click()
    expect(page.get_by_role("status")).to_be_visible()
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    sign_out(page)

    # The shelter's coordinator places Timur in a free bed.
    page.goto(f"{base}/ru/staff/login/")
    sign_in(page, personas.coordinator)
    page.get_by_role("link", name=network.almaty.name).click()
    person = page.get_by_role("combobox", name="Человек")
    person.select_option(
        value=person.locator("option", has_text=reference).get_attribute("value") or ""
    )
    page.get_by_role("combobox", name="Кровать").select_option(label=str(network.almaty_beds[1]))
    page.get_by_role("button", name="Заселить").click()

    # The shelter page shows him in that bed.
    bed = page.locator(".bed", has_text=network.almaty_beds[1].label)
    expect(bed).to_contain_text("Тимур")
    stay = Stay.objects.active().get()
    assert stay.bed == network.almaty_beds[1]
    assert stay.person == application.person
    page.screenshot(path=str(artifacts / "staff-shelter-phone-390x844.png"), full_page=True)


def sign_in(page: Page, user: User) -> None:
    """Password, then the code the person's authenticator app shows."""
    page.get_by_label("Имя пользователя").fill(user.username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.get_by_label("Код из приложения-аутентификатора").fill(totp_code(user))
    page.get_by_role("button", name="Подтвердить").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Выйти").click()
