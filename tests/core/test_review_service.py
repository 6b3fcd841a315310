"""Reviewing: two-reviewer rejections, questions to the applicant, the vetting checklist."""

from __future__ import annotations

import threading
from collections.abc import Callable
from uuid import uuid4

import pytest
from django.contrib.auth.models import User
from django.db import OperationalError, connection, connections

from haven.accounts.models import Role
from haven.core.models import Application, Assessment, AuditEntry, EvidenceItem, Question
from haven.core.services import review
from haven.core.services.errors import ApplicationError
from tests.conftest import Network, Personas, make_application, make_user

pytestmark = pytest.mark.django_db

Status = Application.Status


@pytest.fixture
def second_reviewer(network: Network) -> User:
    return make_user("second", Role.REVIEWER, None)


def actions(application: Application) -> list[str]:
    """Audit actions on ``application`` after its submission, oldest first."""
    return list(
        AuditEntry.objects.filter(object_id=str(application.public_id))
        .exclude(action="application.submitted")
        .order_by("seq")
        .values_list("action", flat=True)
    )


def proposed(personas: Personas, **answers: object) -> Application:
    application = make_application(**answers)
    review.propose_rejection(application, "Has housing with relatives.", actor=personas.reviewer)
    return application


# --- Decisions ---


def test_accepting_keeps_score_and_reason(network: Network, personas: Personas) -> None:
    application = make_application()

    assessment = review.decide_application(
        application, review.ACCEPT, "  Draft notice, no housing ", actor=personas.reviewer
    )

    assert application.status == Status.ACCEPTED
    assert application.decided_at is not None
    assert (assessment.total, assessment.parts) == (
        application.priority,
        application.score_parts,
    )
    assert Assessment.objects.get().reason == "Draft notice, no housing"
    entry = AuditEntry.objects.get(action="application.accepted")
    assert entry.actor == personas.reviewer
    assert entry.data == {"priority": application.priority}


def test_a_decision_needs_a_reason(network: Network, personas: Personas) -> None:
    application = make_application()
    for decision in (review.ACCEPT, review.REJECT):
        with pytest.raises(ApplicationError, match="Give a reason"):
            review.decide_application(application, decision, "  ", actor=personas.reviewer)

    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert not Assessment.objects.exists()
    assert actions(application) == []


def test_unknown_decision_is_refused(network: Network, personas: Personas) -> None:
    application = make_application()
    with pytest.raises(ApplicationError, match="Choose one of the decisions"):
        review.decide_application(application, "maybe", "Hm.", actor=personas.reviewer)
    assert not Assessment.objects.exists()


def test_one_reviewers_reject_only_proposes(network: Network, personas: Personas) -> None:
    application = make_application()

    assessment = review.decide_application(
        application, review.REJECT, "Has housing.", actor=personas.reviewer
    )

    application.refresh_from_db()
    assert application.status == Status.REJECTION_PROPOSED
    assert application.decided_at is None
    assert (assessment.decision, assessment.reason) == ("reject", "Has housing.")
    assert actions(application) == ["application.rejection.proposed"]
    entry = AuditEntry.objects.get(action="application.rejection.proposed")
    assert entry.actor == personas.reviewer
    assert entry.data["assessment"] == str(assessment.public_id)
    # The applicant is not told about an internal step.
    assert application.public_status_label == str(Status.SUBMITTED.label)
    assert application not in Application.objects.review_queue()


def test_second_reviewer_confirms_the_rejection(
    network: Network, personas: Personas, second_reviewer: User
) -> None:
    application = proposed(personas)
    proposal = Assessment.objects.get()

    confirmation = review.confirm_rejection(application, "Agreed.", actor=second_reviewer)

    application.refresh_from_db()
    assert application.status == Status.REJECTED
    assert application.decided_at is not None
    assert application.public_status_label == str(Status.REJECTED.label)
    assert confirmation.reviewer == second_reviewer
    assert Assessment.objects.filter(application=application).count() == 2
    assert actions(application) == [
        "application.rejection.proposed",
        "application.rejection.confirmed",
    ]
    entry = AuditEntry.objects.get(action="application.rejection.confirmed")
    assert entry.actor == second_reviewer
    assert entry.data["proposal"] == str(proposal.public_id)
    assert entry.data["assessment"] == str(confirmation.public_id)


def test_second_reviewer_overturns_by_accepting(
    network: Network, personas: Personas, second_reviewer: User
) -> None:
    application = proposed(personas)

    assessment = review.decide_application(
        application, review.OVERTURN, "The relatives' flat is gone.", actor=second_reviewer
    )

    assert application.status == Status.ACCEPTED
    assert assessment.decision == Assessment.Decision.ACCEPT
    assert application in Application.objects.waitlist()
    assert actions(application) == [
        "application.rejection.proposed",
        "application.rejection.overturned",
    ]


@pytest.mark.parametrize("decision", [review.CONFIRM, review.OVERTURN])
def test_the_proposer_cannot_be_the_second_reviewer(
    network: Network, personas: Personas, decision: str
) -> None:
    application = proposed(personas)

    with pytest.raises(ApplicationError, match="You proposed this rejection"):
        review.decide_application(application, decision, "Sure.", actor=personas.reviewer)

    application.refresh_from_db()
    assert application.status == Status.REJECTION_PROPOSED
    assert Assessment.objects.count() == 1
    assert actions(application) == ["application.rejection.proposed"]


@pytest.mark.parametrize("decision", [review.ACCEPT, review.REJECT])
def test_a_proposed_rejection_takes_only_confirm_or_overturn(
    network: Network, personas: Personas, second_reviewer: User, decision: str
) -> None:
    application = proposed(personas)
    with pytest.raises(ApplicationError, match="a second reviewer must confirm or overturn"):
        review.decide_application(application, decision, "Reason.", actor=second_reviewer)
    assert Assessment.objects.count() == 1


@pytest.mark.parametrize("decision", [review.CONFIRM, review.OVERTURN])
def test_nothing_to_confirm_on_a_submitted_application(
    network: Network, personas: Personas, decision: str
) -> None:
    application = make_application()
    with pytest.raises(ApplicationError, match="No rejection has been proposed"):
        review.decide_application(application, decision, "Reason.", actor=personas.reviewer)
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("decision", [review.ACCEPT, review.REJECT, review.CONFIRM])
def test_decided_applications_stay_decided(
    network: Network, personas: Personas, second_reviewer: User, decision: str
) -> None:
    application = proposed(personas)
    review.confirm_rejection(application, "Agreed.", actor=second_reviewer)

    with pytest.raises(ApplicationError, match="already been decided"):
        review.decide_application(application, decision, "Again.", actor=personas.admin)

    application.refresh_from_db()
    assert application.status == Status.REJECTED
    assert Assessment.objects.count() == 2


def test_decisions_open_to_each_reviewer(
    network: Network, personas: Personas, second_reviewer: User
) -> None:
    application = make_application()
    assert review.decisions_open_to(application, personas.reviewer, []) == ["accept", "reject"]
    review.propose_rejection(application, "Has housing.", actor=personas.reviewer)
    assessments = list(application.assessments.all())

    assert review.decisions_open_to(application, personas.reviewer, assessments) == []
    assert review.decisions_open_to(application, second_reviewer, assessments) == [
        "confirm",
        "overturn",
    ]
    waiting = make_application(display_name="Waiting")
    review.ask_question(waiting, "Which city?", actor=personas.reviewer)
    assert review.decisions_open_to(waiting, second_reviewer, []) == []


def test_a_stale_page_cannot_decide_twice(
    network: Network, personas: Personas, second_reviewer: User
) -> None:
    """Two reviewers open the same application; the status is re-read under the row lock."""
    application = make_application()
    seen_by_first = Application.objects.get(pk=application.pk)
    seen_by_second = Application.objects.get(pk=application.pk)

    review.propose_rejection(seen_by_first, "Has housing.", actor=personas.reviewer)
    assert seen_by_second.status == Status.SUBMITTED  # what the second reviewer's page showed
    with pytest.raises(ApplicationError, match="rejection has already been proposed"):
        review.accept_application(seen_by_second, "Urgent.", actor=second_reviewer)
    with pytest.raises(ApplicationError, match="rejection has already been proposed"):
        review.ask_question(seen_by_second, "Which city?", actor=second_reviewer)

    application.refresh_from_db()
    assert application.status == Status.REJECTION_PROPOSED
    assert Assessment.objects.count() == 1
    assert not Question.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_at_the_same_moment_make_one_decision(
    network: Network, personas: Personas, second_reviewer: User
) -> None:
    """Both read "submitted"; the lock (IMMEDIATE transactions on SQLite) lets one through.

    The other either waits and is refused by the re-check (PostgreSQL), or cannot take the
    write lock at all (SQLite's shared in-memory test database); either way nothing of its
    decision is stored.
    """
    application = make_application()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(step: Callable[..., Assessment], actor: User) -> None:
        stale = Application.objects.get(pk=application.pk)
        barrier.wait()
        try:
            step(stale, "At the same moment.", actor=actor)
        except ApplicationError:
            outcomes.append("refused")
        except OperationalError:
            outcomes.append("locked out")
        else:
            outcomes.append("decided")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=attempt, args=(review.accept_application, personas.reviewer)),
        threading.Thread(target=attempt, args=(review.propose_rejection, second_reviewer)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(outcomes) == 2
    assert outcomes.count("decided") == 1
    assert Assessment.objects.count() == 1
    application.refresh_from_db()
    assert application.status in {Status.ACCEPTED, Status.REJECTION_PROPOSED}
    assert len(actions(application)) == 1


# --- Questions ---


def test_asking_a_question_takes_the_application_out_of_the_queue(
    network: Network, personas: Personas
) -> None:
    application = make_application()

    question = review.ask_question(
        application, "  Which city are you in now?  ", actor=personas.reviewer
    )

    assert application.status == Status.NEEDS_INFO
    assert question.text == "Which city are you in now?"
    assert (question.asked_by, question.answer, question.answered_at) == (
        personas.reviewer,
        None,
        None,
    )
    assert application not in Application.objects.review_queue()
    assert review.open_question(application) == question
    entry = AuditEntry.objects.get(action="application.question.asked")
    assert entry.actor == personas.reviewer
    assert entry.data == {"question": str(question.public_id)}


def test_a_question_must_say_something(network: Network, personas: Personas) -> None:
    application = make_application()
    with pytest.raises(ApplicationError, match="Write the question"):
        review.ask_question(application, " \n ", actor=personas.reviewer)
    with pytest.raises(ApplicationError, match="too long"):
        review.ask_question(application, "x" * 2001, actor=personas.reviewer)
    assert application.status == Status.SUBMITTED
    assert not Question.objects.exists()


def test_one_open_question_at_a_time(network: Network, personas: Personas) -> None:
    application = make_application()
    review.ask_question(application, "Which city?", actor=personas.reviewer)
    with pytest.raises(ApplicationError, match="waiting for the applicant's answer"):
        review.ask_question(application, "And another?", actor=personas.reviewer)
    assert Question.objects.count() == 1


def test_the_answer_returns_the_application_to_the_queue(
    network: Network, personas: Personas
) -> None:
    application = make_application()
    question = review.ask_question(application, "Which city?", actor=personas.reviewer)

    answered = review.answer_question(
        application, question.public_id, "  Almaty, since October.\n", actor=None
    )

    assert answered.answer == "Almaty, since October."
    assert answered.answered_at is not None
    assert application.status == Status.SUBMITTED
    assert application in Application.objects.review_queue()
    assert review.open_question(application) is None
    entry = AuditEntry.objects.get(action="application.question.answered")
    assert entry.actor is None
    assert entry.data == {"question": str(question.public_id)}
    assert "Almaty" not in str(entry.data)


def test_answering_twice_is_refused(network: Network, personas: Personas) -> None:
    application = make_application()
    question = review.ask_question(application, "Which city?", actor=personas.reviewer)
    review.answer_question(application, question.public_id, "Almaty.", actor=None)

    with pytest.raises(ApplicationError, match="no open question"):
        review.answer_question(application, question.public_id, "Astana!", actor=None)

    question.refresh_from_db()
    assert question.answer == "Almaty."
    assert AuditEntry.objects.filter(action="application.question.answered").count() == 1


def test_an_old_page_cannot_answer_a_newer_question(network: Network, personas: Personas) -> None:
    application = make_application()
    first = review.ask_question(application, "Which city?", actor=personas.reviewer)
    review.answer_question(application, first.public_id, "Almaty.", actor=None)
    second = review.ask_question(application, "Since when?", actor=personas.reviewer)

    # The first question's page, sent again: it must not become the answer to the second.
    with pytest.raises(ApplicationError, match="no open question"):
        review.answer_question(application, first.public_id, "Almaty.", actor=None)
    with pytest.raises(ApplicationError, match="no open question"):
        review.answer_question(application, uuid4(), "Almaty.", actor=None)

    second.refresh_from_db()
    assert second.answered_at is None
    assert application.status == Status.NEEDS_INFO


def test_no_question_no_answer(network: Network, personas: Personas) -> None:
    application = make_application()
    other = make_application(display_name="Other")
    question = review.ask_question(other, "Which city?", actor=personas.reviewer)

    # A question of another application is not this application's question.
    with pytest.raises(ApplicationError, match="no open question"):
        review.answer_question(application, question.public_id, "Almaty.", actor=None)
    with pytest.raises(ApplicationError, match="write your answer"):
        review.answer_question(other, question.public_id, "   ", actor=None)

    question.refresh_from_db()
    assert question.answered_at is None


def test_questions_and_answers_are_encrypted_at_rest(network: Network, personas: Personas) -> None:
    application = make_application()
    question = review.ask_question(application, "marker question 5512", actor=personas.reviewer)
    review.answer_question(application, question.public_id, "marker answer 5512", actor=None)

    with connection.cursor() as cursor:
        cursor.execute("SELECT text, answer FROM core_question WHERE id = %s", [question.pk])
        row = cursor.fetchone()
    assert "5512" not in "".join(row)
    assert "5512" not in str(list(AuditEntry.objects.values_list("data", flat=True)))


# --- The vetting checklist ---


def test_claims_come_from_the_answers(network: Network) -> None:
    application = make_application(protests=True, draft_notice=True, arrested=False)
    assert review.claims_made(application.answers) == ["identity", "protests", "draft_notice"]

    lines = review.evidence_checklist(application)

    assert [line.claim for line in lines] == ["identity", "protests", "draft_notice"]
    assert all(line.pk is None and line.status == "claimed" for line in lines)
    assert not EvidenceItem.objects.exists()  # nothing is stored just by looking


def test_recording_evidence_creates_the_line_once(network: Network, personas: Personas) -> None:
    application = make_application(arrested=True)

    first = review.record_evidence(
        application,
        "arrest",
        "verified",
        " Court record seen on video call ",
        actor=personas.reviewer,
    )
    again = review.record_evidence(
        application, "arrest", "not_verified", "The record was a forgery.", actor=personas.admin
    )

    assert first.pk == again.pk
    item = EvidenceItem.objects.get()
    assert (item.claim, item.status, item.note) == (
        "arrest",
        "not_verified",
        "The record was a forgery.",
    )
    assert (item.checked_by, item.checked_at is not None) == (personas.admin, True)
    lines = {line.claim: line for line in review.evidence_checklist(application)}
    assert lines["arrest"].pk == item.pk
    entries = AuditEntry.objects.filter(action="application.evidence.recorded").order_by("seq")
    assert [e.data["status"] for e in entries] == ["verified", "not_verified"]
    assert entries[0].data == {
        "claim": "arrest",
        "status": "verified",
        "item": str(item.public_id),
    }
    assert "forgery" not in str([e.data for e in entries])  # the note stays out of the log
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM core_evidenceitem WHERE id = %s", [item.pk])
        assert "forgery" not in cursor.fetchone()[0]


def test_evidence_refusals(network: Network, personas: Personas) -> None:
    application = make_application(arrested=False)
    reviewer = personas.reviewer

    with pytest.raises(ApplicationError, match="no such claim"):
        review.record_evidence(application, "arrest", "verified", "Seen.", actor=reviewer)
    with pytest.raises(ApplicationError, match="no such claim"):
        review.record_evidence(application, "bogus", "verified", "Seen.", actor=reviewer)
    with pytest.raises(ApplicationError, match="what the check found"):
        review.record_evidence(application, "identity", "bogus", "Seen.", actor=reviewer)
    with pytest.raises(ApplicationError, match="how the claim was checked"):
        review.record_evidence(application, "identity", "verified", "  ", actor=reviewer)
    assert not EvidenceItem.objects.exists()
    assert not AuditEntry.objects.filter(action="application.evidence.recorded").exists()
    # Back to "claimed" needs no note.
    review.record_evidence(application, "identity", "claimed", "", actor=reviewer)
    assert EvidenceItem.objects.get().status == "claimed"


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.NEEDS_INFO, Status.REJECTION_PROPOSED])
def test_evidence_while_undecided(network: Network, personas: Personas, status: str) -> None:
    application = make_application()
    Application.objects.filter(pk=application.pk).update(status=status)
    review.record_evidence(
        application, "identity", "verified", "Passport seen.", actor=personas.reviewer
    )
    assert EvidenceItem.objects.count() == 1


def test_the_checklist_is_frozen_once_decided(network: Network, personas: Personas) -> None:
    application = make_application()
    review.accept_application(application, "Urgent.", actor=personas.reviewer)
    with pytest.raises(ApplicationError, match="already been decided"):
        review.record_evidence(
            application, "identity", "verified", "Passport seen.", actor=personas.reviewer
        )
    assert not EvidenceItem.objects.exists()
