"""A volunteer plans the week's rota in Russian and prints it on one A4 page, in real Chromium."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from haven.core.models import Chore, RotaSlot
from tests.browser.test_applicant_to_bed import sign_in
from tests.conftest import Network, Personas
from tests.staff.conftest import resident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_volunteer_plans_and_prints_the_rota(
    live_server: object, page: Page, network: Network, personas: Personas, artifacts: Path
) -> None:
    since = timezone.localdate() - timedelta(days=10)
    for name, bed in zip(("Аня", "Борис", "Вера"), network.almaty_beds, strict=True):
        resident(bed, personas.admin, day=since, display_name=name)
    Chore.objects.create(shelter=network.almaty, name="Посуда")

    page.goto(f"{live_server}/ru/staff/login/")
    sign_in(page, personas.volunteer)
    page.get_by_role("link", name="График дежурств").click()
    page.get_by_text("Добавить обязанность").click()
    page.get_by_label("Обязанность").fill("Готовка")
    page.get_by_label("Единиц работы").fill("2")
    page.get_by_role("button", name="Добавить", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Обязанность добавлена")
    page.get_by_role("button", name="Составить график на неделю").click()
    expect(page.get_by_role("status")).to_contain_text("График на неделю составлен")

    table = page.locator("table.rota")
    expect(table.locator("thead")).to_contain_text("Готовка")
    expect(table.locator("tbody tr")).to_have_count(7)
    assert RotaSlot.objects.count() == 14
    page.screenshot(path=str(artifacts / "staff-rota-phone-390x844.png"), full_page=True)

    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Составить график на неделю заново")).to_be_hidden()
    page.set_viewport_size({"width": 1123, "height": 794})  # A4 landscape at 96 dpi
    page.screenshot(path=str(artifacts / "staff-rota-print-a4.png"))
    pdf = page.pdf(prefer_css_page_size=True, print_background=False)
    (artifacts / "staff-rota-a4.pdf").write_bytes(pdf)
    pages = re.findall(rb"/Type\s*/Page[^s]", pdf)
    assert len(pages) == 1  # the week fits on one A4 sheet for the fridge
    # A4 landscape: 297 x 210 mm = 842 x 595 points.
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert box is not None
    assert abs(float(box[1]) - 841.9) < 1
    assert abs(float(box[2]) - 595.3) < 1
