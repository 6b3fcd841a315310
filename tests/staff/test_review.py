"""The application page in depth: two-reviewer rejections, questions, checklist, duplicates."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from haven.accounts.models import ROLE_CAPABILITIES, Capability, Role
from haven.core.models import Application, Assessment, AuditEntry, EvidenceItem, Question
from haven.core.services import review
from tests.conftest import Network, Personas, login, make_application, make_user

Status = Application.Status


def page_url(application: Application) -> str:
    return reverse("staff:application", kwargs={"public_id": application.public_id})


def question_url(application: Application) -> str:
    return reverse("staff:ask_question", kwargs={"public_id": application.public_id})


def evidence_url(application: Application) -> str:
    return reverse("staff:record_evidence", kwargs={"public_id": application.public_id})


def decision_values(html: str) -> list[str]:
    return re.findall(r'<input type="radio" name="decision" value="(\w+)"', html)


@pytest.fixture
def second_reviewer(network: Network) -> User:
    return make_user("second", Role.REVIEWER, None)


# --- Two reviewers for a rejection ---


def test_a_rejection_needs_a_second_reviewer(personas: Personas, second_reviewer: User) -> None:
    application = make_application()
    first = login(personas.reviewer)
    assert decision_values(first.get(page_url(application)).content.decode()) == [
        "accept",
        "reject",
    ]

    response = first.post(page_url(application), {"decision": "reject", "reason": "Housed."})

    assert response.status_code == 302
    assert response["Location"] == reverse("staff:queue")
    application.refresh_from_db()
    assert application.status == Status.REJECTION_PROPOSED
    queue = first.get(response["Location"]).content.decode()
    assert "rejection proposed. A second reviewer must confirm it." in queue
    # The proposer is told to wait for someone else and offered nothing to decide.
    own = first.get(page_url(application)).content.decode()
    assert "You proposed to reject this application." in own
    assert decision_values(own) == []
    assert 'id="decision-heading"' not in own

    second = login(second_reviewer)
    html = second.get(page_url(application)).content.decode()
    assert "reviewer proposed to reject this application" in html
    assert decision_values(html) == ["confirm", "overturn"]
    response = second.post(page_url(application), {"decision": "confirm", "reason": "Agreed."})

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.REJECTED
    assert Assessment.objects.filter(application=application).count() == 2
    assert AuditEntry.objects.filter(
        action="application.rejection.confirmed", actor=second_reviewer
    ).exists()


def test_the_proposer_cannot_confirm_by_posting(personas: Personas) -> None:
    application = make_application()
    review.propose_rejection(application, "Housed.", actor=personas.reviewer)

    response = login(personas.reviewer).post(
        page_url(application), {"decision": "confirm", "reason": "Still housed."}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "You proposed this rejection: another reviewer must confirm or overturn it." in html
    assert 'name="reason"' not in html  # nothing left to decide for them
    application.refresh_from_db()
    assert application.status == Status.REJECTION_PROPOSED
    assert Assessment.objects.count() == 1


def test_a_second_reviewer_can_overturn(personas: Personas, second_reviewer: User) -> None:
    application = make_application()
    review.propose_rejection(application, "Housed.", actor=personas.reviewer)

    response = login(second_reviewer).post(
        page_url(application), {"decision": "overturn", "reason": "The flat is gone."}
    )

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.ACCEPTED
    assert application in Application.objects.waitlist()


def test_a_decision_made_stale_meanwhile_is_explained(
    personas: Personas, second_reviewer: User
) -> None:
    application = make_application()
    # The second reviewer opened the page while it was submitted; then the first proposed.
    review.propose_rejection(application, "Housed.", actor=personas.reviewer)

    response = login(second_reviewer).post(
        page_url(application), {"decision": "accept", "reason": "Urgent."}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "A rejection has already been proposed" in html
    assert decision_values(html) == ["confirm", "overturn"]  # what is possible now
    assert Assessment.objects.count() == 1


# --- Questions ---


def test_asking_a_question(personas: Personas) -> None:
    application = make_application()
    client = login(personas.reviewer)
    assert 'id="id_question_text"' in client.get(page_url(application)).content.decode()

    response = client.post(question_url(application), {"text": "В каком вы городе?"})

    assert response.status_code == 302
    assert response["Location"] == reverse("staff:queue")
    application.refresh_from_db()
    assert application.status == Status.NEEDS_INFO
    question = Question.objects.get()
    assert (question.text, question.asked_by) == ("В каком вы городе?", personas.reviewer)
    html = client.get(page_url(application)).content.decode()
    assert "В каком вы городе?" in html
    assert "Waiting for the applicant's answer." in html
    assert "no decision until it arrives" in html
    assert decision_values(html) == []
    assert 'id="id_question_text"' not in html  # one open question at a time


def test_an_empty_question_is_refused(personas: Personas) -> None:
    application = make_application()

    response = login(personas.reviewer).post(question_url(application), {"text": "  "})

    assert response.status_code == 200
    assert 'id="id_question_text_error"' in response.content.decode()
    assert not Question.objects.exists()
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_a_question_on_a_decided_application_is_refused(personas: Personas) -> None:
    application = make_application()
    review.accept_application(application, "Urgent.", actor=personas.reviewer)

    response = login(personas.reviewer).post(question_url(application), {"text": "Which city?"})

    assert response.status_code == 200
    assert "This application has already been decided." in response.content.decode()
    assert not Question.objects.exists()


def test_the_answer_is_shown_to_the_reviewer(personas: Personas) -> None:
    application = make_application()
    question = review.ask_question(application, "Which city?", actor=personas.reviewer)
    review.answer_question(application, question.public_id, "Алматы, с октября.", actor=None)

    html = login(personas.admin).get(page_url(application)).content.decode()

    assert "Which city?" in html
    assert "Алматы, с октября." in html
    assert "Answered" in html
    assert decision_values(html) == ["accept", "reject"]  # back to a normal review


# --- The vetting checklist ---


def test_checklist_lists_identity_and_each_claim(personas: Personas) -> None:
    application = make_application(protests=True, arrested=True, draft_notice=False)

    html = login(personas.reviewer).get(page_url(application)).content.decode()

    lines = re.findall(r'<li class="card" id="evidence-(\w+)">', html)
    assert lines == ["identity", "protests", "arrest"]
    assert html.count("Claimed, not checked yet") == 3
    assert 'id="id_evidence_arrest_note"' in html
    assert not EvidenceItem.objects.exists()


def test_recording_a_line_of_the_checklist(personas: Personas) -> None:
    application = make_application(arrested=True)
    client = login(personas.reviewer)

    response = client.post(
        evidence_url(application),
        {"claim": "arrest", "status": "verified", "note": "Court record seen on a video call."},
    )

    assert response.status_code == 302
    assert response["Location"] == page_url(application) + "#evidence-arrest"
    item = EvidenceItem.objects.get()
    assert (item.claim, item.status, item.checked_by) == ("arrest", "verified", personas.reviewer)
    html = client.get(response["Location"]).content.decode()
    line = re.search(r'<li class="card" id="evidence-arrest">.*?</li>', html, re.DOTALL)
    assert line is not None
    assert "Checked and confirmed" in line.group(0)
    assert "Court record seen on a video call." in line.group(0)
    assert "by reviewer" in line.group(0)
    entry = AuditEntry.objects.get(action="application.evidence.recorded")
    assert "Court record" not in str(entry.data)


def test_a_check_without_a_note_is_refused_on_its_line(personas: Personas) -> None:
    application = make_application(arrested=True)

    response = login(personas.reviewer).post(
        evidence_url(application), {"claim": "arrest", "status": "verified", "note": " "}
    )

    html = response.content.decode()
    assert response.status_code == 200
    line = re.search(r'<li class="card" id="evidence-arrest">.*?</li>', html, re.DOTALL)
    assert line is not None
    assert "Say how the claim was checked." in line.group(0)
    assert "<details open>" in line.group(0)
    assert not EvidenceItem.objects.exists()


def test_a_claim_the_applicant_did_not_make_is_refused(personas: Personas) -> None:
    application = make_application(arrested=False)

    response = login(personas.reviewer).post(
        evidence_url(application), {"claim": "arrest", "status": "verified", "note": "Seen."}
    )

    assert response.status_code == 200
    assert "The applicant made no such claim." in response.content.decode()
    assert not EvidenceItem.objects.exists()


def test_a_decided_application_shows_its_checklist_without_forms(personas: Personas) -> None:
    application = make_application()
    review.record_evidence(application, "identity", "verified", "Passport.", actor=personas.admin)
    review.accept_application(application, "Urgent.", actor=personas.reviewer)

    html = login(personas.reviewer).get(page_url(application)).content.decode()

    assert 'id="evidence-identity"' in html
    assert "Passport." in html
    assert 'id="id_evidence_identity_status"' not in html


# --- Duplicates, sensitive data and query counts ---


def test_duplicate_flags_link_to_the_other_application(personas: Personas) -> None:
    first = make_application(display_name="First", contact="@same")
    second = make_application(display_name="Second", contact="@SAME")

    html = login(personas.reviewer).get(page_url(second)).content.decode()

    assert "Possible duplicates" in html
    assert f'<a href="{page_url(first)}">{first.reference}</a>' in html
    assert "same contact" in html


def test_questions_and_checklist_need_view_sensitive(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    application = make_application(arrested=True)
    question = review.ask_question(application, "marker question", actor=personas.admin)
    review.answer_question(application, question.public_id, "marker answer", actor=None)
    monkeypatch.setitem(ROLE_CAPABILITIES, Role.REVIEWER, frozenset({Capability.REVIEW}))
    client = login(personas.reviewer)

    html = client.get(page_url(application)).content.decode()
    assert "marker" not in html
    assert 'id="evidence-arrest"' not in html
    assert 'id="id_question_text"' not in html
    assert client.post(question_url(application), {"text": "Hm?"}).status_code == 403
    response = client.post(
        evidence_url(application), {"claim": "arrest", "status": "verified", "note": "Seen."}
    )
    assert response.status_code == 403
    assert Question.objects.count() == 1
    assert not EvidenceItem.objects.exists()


def test_only_reviewers_ask_and_vet(personas: Personas) -> None:
    application = make_application()
    for persona, code in (("coordinator", 403), ("volunteer", 403), ("nobody", 404)):
        client = login(getattr(personas, persona))
        assert client.post(question_url(application), {"text": "Hm?"}).status_code == code
        data = {"claim": "identity", "status": "verified", "note": "Seen."}
        assert client.post(evidence_url(application), data).status_code == code
    assert not Question.objects.exists()
    assert not EvidenceItem.objects.exists()


def _queries(client: object, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)  # type: ignore[attr-defined]
    assert response.status_code == 200
    return len(queries)


def test_page_queries_do_not_grow_with_history(personas: Personas, second_reviewer: User) -> None:
    quiet = make_application(display_name="Quiet", contact="@quiet", arrested=True)
    busy = make_application(
        display_name="Busy", contact="@busy", arrested=True, prosecution=True, protests=True
    )
    for i in range(3):
        make_application(display_name=f"Twin{i}", contact="@busy")
        question = review.ask_question(busy, f"Question {i}?", actor=personas.reviewer)
        review.answer_question(busy, question.public_id, f"Answer {i}.", actor=None)
    for claim in ("identity", "protests", "arrest", "prosecution"):
        review.record_evidence(busy, claim, "verified", "Seen.", actor=second_reviewer)
    review.propose_rejection(busy, "Housed.", actor=personas.reviewer)
    client = login(personas.admin)
    _queries(client, page_url(quiet))  # warm up (the audit chain head row, sessions)

    assert _queries(client, page_url(busy)) == _queries(client, page_url(quiet))


def test_a_check_sent_after_the_decision_is_refused_visibly(personas: Personas) -> None:
    application = make_application()
    review.accept_application(application, "Urgent.", actor=personas.admin)

    response = login(personas.reviewer).post(
        evidence_url(application), {"claim": "identity", "status": "verified", "note": "Seen."}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "This application has already been decided." in html
    assert 'id="id_evidence_identity_status"' not in html
    assert not EvidenceItem.objects.exists()
