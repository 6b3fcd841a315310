"""A coordinator records an earlier stay of a resident and sees the clock board reorder.

The staff side is driven in English (/en/staff/): the new pages' Russian translations come
later. Signing in happens on the Russian sign-in page, as in the other browser tests.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from haven.core.models import BorderCrossing, ResidentClock
from tests.browser.test_applicant_to_bed import sign_in
from tests.conftest import Network, Personas
from tests.staff.conftest import resident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def label(text: str) -> re.Pattern[str]:
    """A field's whole label (Django adds a colon), not any label containing the words."""
    return re.compile(rf"^{re.escape(text)}:?$")


def _names(page: Page) -> list[str]:
    return page.locator(".board-section.counted .board-row h3 a").all_inner_texts()


def test_a_recorded_entry_reorders_the_board(
    live_server: object, page: Page, network: Network, personas: Personas, artifacts: Path
) -> None:
    base = str(live_server)
    today = timezone.localdate()  # Almaty is ahead of UTC: a day either way changes nothing
    resident(
        network.almaty_beds[0], personas.admin, display_name="Anna",
        entered_on=today - timedelta(days=60),
    )  # fmt: skip
    boris = resident(
        network.almaty_beds[1], personas.admin, display_name="Boris",
        entered_on=today - timedelta(days=10),
    )  # fmt: skip

    page.goto(f"{base}/ru/staff/login/")
    sign_in(page, personas.coordinator)
    page.goto(f"{base}/en/staff/shelters/{network.almaty.public_id}/clock/")
    expect(page.get_by_role("heading", name="By days left")).to_be_visible()
    assert _names(page) == ["Anna", "Boris"]  # about 30 and 80 days left

    # Boris mentions an earlier stay this year: 60 days, ending two months ago.
    page.get_by_role("link", name="Boris").click()
    page.get_by_text("Record an entry", exact=True).click()
    page.get_by_label(label("Country")).select_option(label="Kazakhstan")
    page.get_by_label(label("Entered on")).fill((today - timedelta(days=120)).isoformat())
    page.get_by_label(label("Left on")).fill((today - timedelta(days=61)).isoformat())
    page.get_by_label(label("Entered with")).select_option(label="domestic passport")
    page.get_by_role("button", name="Record the entry").click()
    expect(page.get_by_role("status")).to_contain_text("Entry recorded")
    assert BorderCrossing.objects.filter(person=boris.person).count() == 2
    # At most 90 days in any 180: 60 already used leaves him about 30 from his latest entry.
    clock = ResidentClock.objects.get(person=boris.person)
    assert clock.days_left is not None
    assert clock.days_left < 30

    page.get_by_role("link", name=network.almaty.name).click()
    page.get_by_role("link", name="Legal clock board").click()
    expect(page.locator(".board-section.counted .board-row h3 a").first).to_have_text("Boris")
    assert _names(page) == ["Boris", "Anna"]
    page.screenshot(path=str(artifacts / "staff-clock-board-phone-390x844.png"), full_page=True)
