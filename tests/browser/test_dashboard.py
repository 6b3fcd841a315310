"""A network admin opens the dashboard on the demo data, on a desktop and on a phone.

The screenshots (test-artifacts/dashboard-*.png) are the issue's acceptance evidence; the
assertions check that each chart is drawn with data and that the tables under the charts
say what the database says.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect

from haven.core.models import Application, Bed, Shelter, Stay
from tests.browser.test_applicant_to_bed import sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop-1280x800": (1280, 800), "phone-390x844": (390, 844)}


@pytest.fixture
def demo_admin() -> User:
    call_command("load_demo", stdout=StringIO())
    admin = User.objects.get(username="admin")
    admin.set_password(PASSWORD)  # sign_in types the test password
    admin.save()
    assert TOTPDevice.objects.filter(user=admin, confirmed=True).exists()
    return admin


def _bars(page: Page, chart: str) -> list[float]:
    values = page.locator(f"{chart} rect.bar").evaluate_all(
        "rects => rects.map(r => [Number(r.getAttribute('data-value')),"
        " Number(r.getAttribute('height'))])"
    )
    assert all(height >= 0 for _, height in values)
    return [value for value, _ in values]


def _cells(page: Page, table: str, column: int) -> list[str]:
    return page.locator(f"#table-{table} tbody tr").evaluate_all(
        f"rows => rows.map(r => r.children[{column}].textContent.trim())"
    )


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_admin_sees_the_dashboard_charts_on_demo_data(
    live_server: object, browser: Browser, demo_admin: User, artifacts: Path, viewport: str
) -> None:
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        base = str(live_server)
        page.goto(f"{base}/ru/staff/login/")
        sign_in(page, demo_admin)
        page.get_by_role("link", name="Панель сети").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Панель сети")

        shelters = Shelter.objects.count()
        # Occupancy: one chart per shelter, and the network has had residents every week.
        occupancy = page.locator("#occupancy svg.chart")
        expect(occupancy).to_have_count(shelters)
        assert sum(_bars(page, "#occupancy")) > 0
        # Waitlist: someone is waiting now, as the database says.
        waiting = Application.objects.waitlist().count()
        assert waiting > 0
        assert _cells(page, "waitlist", 1)[-1] == str(waiting)
        assert max(_bars(page, "#waitlist figure:nth-of-type(1)")) > 0
        # Deadlines: one row per shelter, one resident per open stay of an applicant (the
        # people in their family's beds have no legal clock of their own in Haven).
        residents = Stay.objects.active().heads().count()
        assert Stay.objects.active().count() > residents  # the demo has families in beds
        assert sum(_bars(page, "#deadlines")) == residents
        total = page.locator("#table-deadlines tfoot td").first.text_content()
        assert total is not None
        assert total.strip() == str(residents)
        # Outcomes: every check-out of the months shown is a segment of a column.
        assert sum(_bars(page, "#outcomes")) == sum(
            int(cell.replace("\xa0", "")) for cell in _cells(page, "outcomes", 7)
        )
        assert sum(_bars(page, "#outcomes")) > 0
        # Cost per bed-night: every demo house has a rent, and some month had residents.
        expect(page.locator("#costs svg.chart")).to_have_count(shelters)
        assert len(_bars(page, "#costs")) > 0
        # Beds in the occupancy table match the beds in service.
        beds = page.locator("#table-occupancy tfoot td").first.text_content()
        assert beds is not None
        assert beds.strip() == str(Bed.objects.filter(in_service=True).count())

        # Charts are readable: no chart is wider than the screen.
        for box in page.locator("svg.chart").evaluate_all(
            "svgs => svgs.map(s => s.getBoundingClientRect().right)"
        ):
            assert box <= width
        page.screenshot(path=str(artifacts / f"dashboard-{viewport}.png"), full_page=True)
    finally:
        context.close()
