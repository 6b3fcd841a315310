"""A coordinator runs placement, confirms the offer, checks the person in: in real Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from haven.core.models import Application, Offer, Stay
from tests.browser.test_applicant_to_bed import sign_in
from tests.conftest import Network, Personas
from tests.staff.conftest import accepted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_runs_placement_confirms_and_checks_in(
    live_server: object, page: Page, network: Network, personas: Personas, artifacts: Path
) -> None:
    base = str(live_server)
    # Four people wait in Kazakhstan; the coordinator's shelter (Almaty) has three free beds.
    waiting = {}
    for name, priority in (("Вера", 40), ("Глеб", 900), ("Дина", 300), ("Ефим", 120)):
        application = accepted(personas.admin, display_name=name, city="Almaty")
        Application.objects.filter(pk=application.pk).update(priority=priority)
        waiting[name] = application

    page.goto(f"{base}/ru/staff/login/")
    sign_in(page, personas.coordinator)
    page.get_by_role("link", name="Размещение").click()
    expect(page.get_by_label(str(network.almaty))).to_be_checked()
    page.get_by_role("button", name="Запустить подбор").click()
    expect(page.get_by_role("status")).to_contain_text("Подбор готов: 3 предложения")
    # The three highest priorities got proposals; Vera (40) waits, below the cut-off.
    offers = page.locator(".offer")
    expect(offers).to_have_count(3)
    expect(page.locator(".offers")).not_to_contain_text("Вера")
    expect(page.locator("table")).to_contain_text("40")  # highest priority still waiting
    page.screenshot(path=str(artifacts / "staff-placement-phone-390x844.png"), full_page=True)

    # Gleb (900) first: open his offer, read why, confirm it.
    page.get_by_role("link", name="Глеб").click()
    expect(page.get_by_role("heading", name="Почему этот человек")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Приоритет этого человека: 900.")
    page.get_by_role("button", name="Подтвердить предложение").click()
    expect(page.get_by_role("status")).to_contain_text("Предложение для Глеб подтверждено")
    expect(page.locator(".offer", has_text="Глеб")).to_contain_text("предложено, ждём ответа")

    # He arrives: check him in from his offer.
    page.get_by_role("link", name="Глеб").click()
    page.get_by_role("button", name="Заселить").click()

    # The shelter page shows his bed taken, and the other two beds held by offers.
    expect(page.get_by_role("heading", name=network.almaty.name)).to_be_visible()
    offer = Offer.objects.get(application=waiting["Глеб"])
    bed = page.locator(".bed", has_text=offer.bed.label)
    expect(bed).to_contain_text("Глеб")
    expect(bed).to_have_class("bed taken")
    expect(page.locator(".bed.free")).to_have_count(0)
    stay = Stay.objects.active().get()
    assert stay.person == waiting["Глеб"].person
    assert stay.bed == offer.bed
    assert offer.status == Offer.Status.CHECKED_IN
    page.screenshot(path=str(artifacts / "staff-shelter-after-offer-390x844.png"), full_page=True)
