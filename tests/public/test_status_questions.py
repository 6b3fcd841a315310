"""A reviewer's question on the status page: shown only with both codes, answered there.

The page keeps no session: the answer comes with the codes again (hidden fields of the page
that showed the question), and they are checked again before anything is stored.
"""

# Russian text is what these tests check, so Cyrillic letters that look Latin are expected.

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils.html import escape
from django.utils.translation import override
from hypothesis import given
from hypothesis import strategies as st

from haven.core.models import Application, AuditEntry, Question
from haven.core.services import review
from tests.conftest import Network, Personas
from tests.public.conftest import codes_in, valid_post
from tests.public.test_fuzz import FUZZ, NASTY_TEXT, _address

pytestmark = pytest.mark.django_db

STATUS = "/ru/status/"
ANSWER = "/ru/status/answer/"
NOT_FOUND = "Не удалось найти заявку с таким кодом и кодовой фразой"
QUESTION = "Уточните, пожалуйста: в каком городе вы сейчас живёте?"


@pytest.fixture
def codes(client: Client, network: Network) -> tuple[str, str]:
    return codes_in(client.post("/ru/apply/", valid_post()).content.decode())


@pytest.fixture
def question(codes: tuple[str, str], personas: Personas) -> Question:
    application = Application.objects.get(reference=codes[0])
    return review.ask_question(application, QUESTION, actor=personas.reviewer)


def hidden(html: str, name: str) -> str:
    found = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)
    assert found is not None, f"no hidden {name}"
    return found.group(1)


def answer_post(html: str, answer: str) -> dict[str, str]:
    """What the browser sends from the page that showed the question."""
    fields = ("reference", "passphrase", "question")
    return {**{name: hidden(html, name) for name in fields}, "answer": answer}


def shown(client: Client, codes: tuple[str, str]) -> str:
    reference, passphrase = codes
    return client.post(STATUS, {"reference": reference, "passphrase": passphrase}).content.decode()


def test_the_question_is_shown_with_the_right_codes_in_russian(
    client: Client, codes: tuple[str, str], question: Question
) -> None:
    html = shown(client, codes)

    assert "У нас есть к вам вопрос" in html  # the status, translated
    assert f"Заявка {codes[0]}" in html
    assert QUESTION in html  # as the reviewer typed it
    assert 'id="answer-form"' in html
    assert 'id="id_answer"' in html
    assert hidden(html, "question") == str(question.public_id)
    assert hidden(html, "reference") == codes[0]
    assert hidden(html, "passphrase") == codes[1]
    assert 'class="error-summary"' not in html


def test_wrong_codes_show_no_question(
    client: Client, codes: tuple[str, str], question: Question
) -> None:
    html = shown(client, (codes[0], "aaaa-bbbb-cccc"))

    assert NOT_FOUND in html
    assert QUESTION not in html
    assert 'id="answer-form"' not in html


def test_the_answer_is_stored_encrypted_and_the_application_goes_back_to_review(
    client: Client, codes: tuple[str, str], question: Question
) -> None:
    data = answer_post(shown(client, codes), "  Алматы, маркер-8841, до конца декабря.  ")

    response = client.post(ANSWER, data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert 'id="answer-received"' in html
    assert "Получена, ждёт рассмотрения" in html
    assert QUESTION not in html  # answered: no open question any more
    question.refresh_from_db()
    assert question.answer == "Алматы, маркер-8841, до конца декабря."
    assert question.answered_at is not None
    application = Application.objects.get()
    assert application.status == Application.Status.SUBMITTED
    assert application in Application.objects.review_queue()
    with connection.cursor() as cursor:
        cursor.execute("SELECT answer, text FROM core_question WHERE id = %s", [question.pk])
        answer_raw, text_raw = cursor.fetchone()
    assert "8841" not in answer_raw
    assert "Алматы" not in answer_raw
    assert "городе" not in text_raw
    entry = AuditEntry.objects.get(action="application.question.answered")
    assert entry.actor is None
    assert "8841" not in str(entry.data)
    assert not Session.objects.exists()
    assert "sessionid" not in response.cookies


@pytest.mark.parametrize(
    ("reference", "passphrase"),
    [(None, "aaaa-bbbb-cccc"), ("HV-2222-3333", None)],
    ids=["wrong passphrase", "unknown reference"],
)
def test_wrong_codes_store_nothing(
    client: Client,
    codes: tuple[str, str],
    question: Question,
    reference: str | None,
    passphrase: str | None,
) -> None:
    data = answer_post(shown(client, codes), "Алматы.")
    data["reference"] = reference or data["reference"]
    data["passphrase"] = passphrase or data["passphrase"]

    response = client.post(ANSWER, data)

    html = response.content.decode()
    assert response.status_code == 200
    assert NOT_FOUND in html
    assert QUESTION not in html
    assert 'id="id_reference"' in html  # back to the codes form
    question.refresh_from_db()
    assert (question.answer, question.answered_at) == (None, None)
    assert Application.objects.get().status == Application.Status.NEEDS_INFO
    assert not AuditEntry.objects.filter(action="application.question.answered").exists()


def test_wrong_codes_on_answers_count_against_the_code(
    client: Client, codes: tuple[str, str], question: Question
) -> None:
    data = answer_post(shown(client, codes), "Алматы.")
    for _attempt in range(5):
        client.post(ANSWER, {**data, "passphrase": "aaaa-bbbb-cccc"})

    response = client.post(ANSWER, data)  # now the right codes

    assert response.status_code == 429
    question.refresh_from_db()
    assert question.answered_at is None


def test_a_damaged_page_stores_nothing(
    client: Client, codes: tuple[str, str], question: Question
) -> None:
    data = answer_post(shown(client, codes), "Алматы.")
    del data["reference"]

    html = client.post(ANSWER, data).content.decode()

    assert "Пожалуйста, заполните это поле." in html
    question.refresh_from_db()
    assert question.answered_at is None


def test_answering_twice_is_refused(
    client: Client, codes: tuple[str, str], question: Question
) -> None:
    data = answer_post(shown(client, codes), "Алматы.")
    client.post(ANSWER, data)

    response = client.post(ANSWER, {**data, "answer": "Астана!"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="answer-refused"' in html
    with override("ru"):  # whether or not the message is translated yet
        assert escape(str(review.NO_OPEN_QUESTION)) in html
    assert "Получена, ждёт рассмотрения" in html
    question.refresh_from_db()
    assert question.answer == "Алматы."
    assert AuditEntry.objects.filter(action="application.question.answered").count() == 1


def test_an_old_page_cannot_answer_a_newer_question(
    client: Client, codes: tuple[str, str], question: Question, personas: Personas
) -> None:
    old_page = shown(client, codes)
    client.post(ANSWER, answer_post(old_page, "Алматы."))
    newer = review.ask_question(
        Application.objects.get(), "А до какого числа?", actor=personas.reviewer
    )

    response = client.post(ANSWER, answer_post(old_page, "Алматы."))

    html = response.content.decode()
    assert 'id="answer-refused"' in html
    assert "А до какого числа?" in html  # the open question, with a fresh form for it
    assert hidden(html, "question") == str(newer.public_id)
    newer.refresh_from_db()
    assert newer.answered_at is None


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ("   ", "Пожалуйста, заполните это поле."),
        ("Алматы\x00", "В тексте есть скрытые служебные символы."),
        ("Алматы \u202e", "В тексте есть скрытые служебные символы."),
        ("х" * 4001, "Пожалуйста, сократите текст: не больше 4000 символов"),
    ],
    ids=["empty", "control character", "bidi override", "too long"],
)
def test_the_answer_is_checked_like_the_application_form(
    client: Client, codes: tuple[str, str], question: Question, answer: str, error: str
) -> None:
    response = client.post(ANSWER, answer_post(shown(client, codes), answer))

    html = response.content.decode()
    assert response.status_code == 200
    assert error in html
    assert QUESTION in html  # still shown, with the form to try again
    assert 'id="id_answer_error"' in html or 'aria-invalid="true"' in html
    question.refresh_from_db()
    assert question.answered_at is None


def test_line_breaks_are_kept_and_counted_as_typed(
    client: Client, codes: tuple[str, str], question: Question
) -> None:
    client.post(ANSWER, answer_post(shown(client, codes), "Алматы.\r\nДо декабря."))

    question.refresh_from_db()
    assert question.answer == "Алматы.\nДо декабря."


def test_a_proposed_rejection_looks_like_waiting_for_review(
    client: Client, codes: tuple[str, str], personas: Personas
) -> None:
    review.propose_rejection(Application.objects.get(), "Housed.", actor=personas.reviewer)

    html = shown(client, codes)

    assert "Получена, ждёт рассмотрения" in html
    assert "отказ" not in html.lower()
    assert "второй" not in html


def test_the_answer_page_takes_only_posts_with_a_token(
    codes: tuple[str, str], question: Question
) -> None:
    assert Client().get(ANSWER).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        ANSWER,
        {
            "reference": codes[0],
            "passphrase": codes[1],
            "question": str(question.public_id),
            "answer": "Алматы.",
        },
    )
    assert response.status_code == 403
    question.refresh_from_db()
    assert question.answered_at is None


@FUZZ
@given(
    data=st.dictionaries(
        st.sampled_from(["reference", "passphrase", "question", "answer", "x"]), NASTY_TEXT
    ),
    right=st.sets(st.sampled_from(["reference", "passphrase", "question"])),
    n=st.integers(0, 10**6),
)
def test_the_answer_page_survives_any_fields(
    codes: tuple[str, str],
    question: Question,
    data: dict[str, str],
    right: set[str],
    n: int,
) -> None:
    values = {"reference": codes[0], "passphrase": codes[1], "question": str(question.public_id)}
    posted = {**data, **{name: values[name] for name in right}}
    answered_before = Question.objects.get(pk=question.pk).answered_at is not None

    response = Client().post(ANSWER, posted, REMOTE_ADDR=_address(n))

    assert response.status_code in {200, 429}
    assert "<script>alert(1)</script>" not in response.content.decode()
    if not answered_before and Question.objects.get(pk=question.pk).answered_at is not None:
        assert right == set(values)  # only the right codes, for the open question, store
