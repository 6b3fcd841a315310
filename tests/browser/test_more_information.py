"""A reviewer asks for more information; the applicant answers on the status page, in Russian.

Two people on two devices: the reviewer on a laptop (the staff pages in English), the
applicant on a phone (the public pages in Russian). The public side is driven by labels that
are already translated, and by roles inside the answer form, so it keeps working whatever its
new strings are translated to.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.translation import override
from playwright.sync_api import Browser, Page, expect

from haven.core.models import Application, Question
from haven.core.services.applications import submit_application
from tests.conftest import ANSWERS, Network, Personas, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # tests/conftest.py make_user
QUESTION = "Уточните, пожалуйста: в каком городе вы сейчас живёте и до какого числа?"
ANSWER = "В Алматы, у знакомых, до 15 декабря."


def test_reviewer_asks_and_applicant_answers_on_the_status_page(
    live_server: object,
    browser: Browser,
    page: Page,
    network: Network,
    personas: Personas,
    artifacts: Path,
) -> None:
    base = str(live_server)
    submission = submit_application(
        replace(ANSWERS, display_name="Тимур"), idempotency_key="browser-more-info", language="ru"
    )
    application = submission.application
    with override("en"):
        application_url = base + reverse(
            "staff:application", kwargs={"public_id": application.public_id}
        )

    laptop = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        reviewer = laptop.new_page()
        reviewer.set_default_timeout(15_000)

        # The reviewer opens the application from the queue and asks a question.
        reviewer.goto(f"{base}/en/staff/login/")
        sign_in(reviewer, personas.reviewer)
        reviewer.get_by_role("link", name=application.reference).click()
        reviewer.get_by_label("Question for the applicant").fill(QUESTION)
        reviewer.get_by_role("button", name="Send the question").click()
        expect(reviewer.get_by_role("link", name=application.reference)).to_have_count(0)
        application.refresh_from_db()
        assert application.status == Application.Status.NEEDS_INFO
        reviewer.goto(application_url)
        expect(reviewer.get_by_text("Waiting for the applicant's answer.")).to_be_visible()

        # The applicant, on a phone, checks the status in Russian and finds the question.
        page.goto(f"{base}/ru/status/")
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        page.get_by_label("Код заявки").fill(application.reference)
        page.get_by_label("Кодовая фраза").fill(submission.passphrase)
        page.get_by_role("button", name="Проверить статус").click()
        expect(page.get_by_role("status")).to_contain_text("У нас есть к вам вопрос")
        expect(page.get_by_text(QUESTION)).to_be_visible()
        page.screenshot(path=str(artifacts / "public-question-phone-390x844.png"), full_page=True)

        answer_form = page.locator("#answer-form")
        answer_form.get_by_role("textbox").fill(ANSWER)
        answer_form.get_by_role("button").click()
        expect(page.get_by_role("status")).to_contain_text("Получена, ждёт рассмотрения")
        expect(page.locator("#answer-received")).to_be_visible()
        expect(page.get_by_text(QUESTION)).to_have_count(0)
        assert Question.objects.get().answer == ANSWER

        # The reviewer reloads the application page and reads the answer.
        reviewer.reload()
        expect(reviewer.get_by_text(ANSWER)).to_be_visible()
        expect(reviewer.get_by_text("Waiting for the applicant's answer.")).to_have_count(0)
        expect(reviewer.get_by_label("accept", exact=True)).to_be_visible()
        reviewer.screenshot(path=str(artifacts / "staff-application-answered.png"), full_page=True)

        # Back in the review queue.
        reviewer.get_by_role("link", name="Back to the queue").click()
        expect(reviewer.get_by_role("link", name=application.reference)).to_be_visible()
        application.refresh_from_db()
        assert application.status == Application.Status.SUBMITTED
    finally:
        laptop.close()


def sign_in(page: Page, user: User) -> None:
    """Password, then the code the person's authenticator app shows (English pages)."""
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code from the authenticator app").fill(totp_code(user))
    page.get_by_role("button", name="Verify").click()
