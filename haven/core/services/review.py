"""Reviewing applications: decisions, questions to the applicant, and the vetting checklist.

A rejection needs two reviewers: "reject" on a submitted application only proposes it; a
different reviewer then confirms it or overturns it by accepting. Every step locks the
application row, re-checks its status (someone else may have acted since the page was shown)
and writes its audit entry in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from uuid import UUID

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.core.models import Application, Assessment, EvidenceItem, Question
from haven.core.services import audit
from haven.core.services.errors import ApplicationError

Status = Application.Status

# Decisions a reviewer can take, by the name the decision form posts.
ACCEPT = "accept"  # a submitted application
REJECT = "reject"  # a submitted application: only proposes the rejection
CONFIRM = "confirm"  # a proposed rejection, by another reviewer
OVERTURN = "overturn"  # a proposed rejection, by another reviewer: accepts instead

# Statuses in which the application is still being reviewed (vetting can still change).
UNDECIDED = (Status.SUBMITTED, Status.NEEDS_INFO, Status.REJECTION_PROPOSED)

QUESTION_MAX_LENGTH = 2000
ANSWER_MAX_LENGTH = 4000  # as the free text of the public form
NOTE_MAX_LENGTH = 2000

ALREADY_DECIDED = _("This application has already been decided.")
NOT_NOW: Mapping[str, Promise] = {
    Status.SUBMITTED: _("No rejection has been proposed for this application."),
    Status.NEEDS_INFO: _("This application is waiting for the applicant's answer to a question."),
    Status.REJECTION_PROPOSED: _(
        "A rejection has already been proposed: a second reviewer must confirm or overturn it."
    ),
}
OWN_PROPOSAL = _("You proposed this rejection: another reviewer must confirm or overturn it.")
NO_REASON = _("Give a reason for the decision.")
NO_OPEN_QUESTION = _(
    "There is no open question to answer. If you have already sent your answer, we have "
    "received it."
)

# The applicant's yes/no answers that make a claim a reviewer can check; identity is always
# checked. EvidenceItem.Claim.HOUSEHOLD and OTHER are not derived from the answers.
CLAIM_ANSWERS: Mapping[str, str] = {
    EvidenceItem.Claim.PROTESTS: "protests",
    EvidenceItem.Claim.OPPOSITION: "opposition_member",
    EvidenceItem.Claim.ARREST: "arrested",
    EvidenceItem.Claim.DRAFT_NOTICE: "draft_notice",
    EvidenceItem.Claim.PROSECUTION: "prosecution",
}


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update(no_key=True).get(pk=application.pk)


def _require_status(locked: Application, *allowed: str) -> None:
    if locked.status not in allowed:
        raise ApplicationError(NOT_NOW.get(locked.status, ALREADY_DECIDED))


def _set_status(locked: Application, status: str, *, decided: bool = False) -> None:
    locked.status = status
    fields = ["status"]
    if decided:
        locked.decided_at = timezone.now()
        fields.append("decided_at")
    locked.save(update_fields=fields)


def _assess(locked: Application, decision: str, reason: str, actor: User) -> Assessment:
    """Record a reviewer's decision with the score it was based on (after the status check)."""
    if not reason.strip():
        raise ApplicationError(NO_REASON)
    return Assessment.objects.create(
        application=locked,
        rubric_version=locked.rubric_version,
        total=locked.priority,
        parts=locked.score_parts,
        decision=decision,
        reason=reason.strip(),
        reviewer=actor,
    )


def rejection_proposal(assessments: Iterable[Assessment]) -> Assessment | None:
    """The assessment that proposed the pending rejection, from assessments newest first.

    Only meaningful while the application is ``REJECTION_PROPOSED``: a rejection is proposed
    at most once (confirming it is final, overturning it accepts).
    """
    return next((a for a in assessments if a.decision == Assessment.Decision.REJECT), None)


def _newest_first(locked: Application) -> Iterable[Assessment]:
    return locked.assessments.order_by("-created_at", "-pk")


def _require_second_reviewer(locked: Application, actor: User) -> Assessment | None:
    proposal = rejection_proposal(_newest_first(locked))
    if proposal is not None and proposal.reviewer_id == actor.pk:
        raise ApplicationError(OWN_PROPOSAL)
    return proposal


def decisions_open_to(
    application: Application, actor: User, assessments: Iterable[Assessment]
) -> list[str]:
    """The decisions ``actor`` may take now (``assessments`` newest first).

    For offering them on a page only: the service re-checks everything under lock.
    """
    if application.status == Status.SUBMITTED:
        return [ACCEPT, REJECT]
    if application.status == Status.REJECTION_PROPOSED:
        proposal = rejection_proposal(assessments)
        if proposal is None or proposal.reviewer_id != actor.pk:
            return [CONFIRM, OVERTURN]
    return []


def accept_application(application: Application, reason: str, *, actor: User) -> Assessment:
    """Accept a submitted application: the applicant joins the waitlist for a bed."""
    with transaction.atomic():
        locked = _lock(application)
        _require_status(locked, Status.SUBMITTED)
        assessment = _assess(locked, Assessment.Decision.ACCEPT, reason, actor)
        _set_status(locked, Status.ACCEPTED, decided=True)
        audit.record("application.accepted", locked, actor=actor, priority=locked.priority)
    application.refresh_from_db(fields=["status", "decided_at"])
    return assessment


def propose_rejection(application: Application, reason: str, *, actor: User) -> Assessment:
    """A reviewer's "reject" on a submitted application: it waits for a second reviewer.

    The applicant still sees "received, waiting for review" (``public_status_label``).
    """
    with transaction.atomic():
        locked = _lock(application)
        _require_status(locked, Status.SUBMITTED)
        assessment = _assess(locked, Assessment.Decision.REJECT, reason, actor)
        _set_status(locked, Status.REJECTION_PROPOSED)
        audit.record(
            "application.rejection.proposed",
            locked,
            actor=actor,
            priority=locked.priority,
            assessment=assessment.public_id,
        )
    application.refresh_from_db(fields=["status", "decided_at"])
    return assessment


def _second_review(
    application: Application, decision: str, status: str, action: str, reason: str, actor: User
) -> Assessment:
    """A second reviewer (never the one who proposed it) decides on a proposed rejection."""
    with transaction.atomic():
        locked = _lock(application)
        _require_status(locked, Status.REJECTION_PROPOSED)
        proposal = _require_second_reviewer(locked, actor)
        assessment = _assess(locked, decision, reason, actor)
        _set_status(locked, status, decided=True)
        audit.record(
            action,
            locked,
            actor=actor,
            priority=locked.priority,
            assessment=assessment.public_id,
            proposal=proposal.public_id if proposal else None,
        )
    application.refresh_from_db(fields=["status", "decided_at"])
    return assessment


def confirm_rejection(application: Application, reason: str, *, actor: User) -> Assessment:
    """A second reviewer confirms a proposed rejection."""
    return _second_review(
        application,
        Assessment.Decision.REJECT,
        Status.REJECTED,
        "application.rejection.confirmed",
        reason,
        actor,
    )


def overturn_rejection(application: Application, reason: str, *, actor: User) -> Assessment:
    """A second reviewer accepts instead of rejecting."""
    return _second_review(
        application,
        Assessment.Decision.ACCEPT,
        Status.ACCEPTED,
        "application.rejection.overturned",
        reason,
        actor,
    )


DECISIONS: Mapping[str, Callable[..., Assessment]] = {
    ACCEPT: accept_application,
    REJECT: propose_rejection,
    CONFIRM: confirm_rejection,
    OVERTURN: overturn_rejection,
}


def decide_application(
    application: Application, decision: str, reason: str, *, actor: User
) -> Assessment:
    """Take the decision named ``decision`` (``ACCEPT``, ``REJECT``, ``CONFIRM``, ``OVERTURN``).

    ``REJECT`` only proposes the rejection; see :func:`propose_rejection`.
    """
    step = DECISIONS.get(decision)
    if step is None:
        raise ApplicationError(_("Choose one of the decisions."))
    return step(application, reason, actor=actor)


# --- Questions to the applicant ---


def ask_question(application: Application, text: str, *, actor: User) -> Question:
    """Ask the applicant for more information: the application leaves the review queue.

    The applicant reads the question on the status page, exactly as written (it is not
    translated), and answers there; see :func:`answer_question`.
    """
    text = text.strip()
    with transaction.atomic():
        locked = _lock(application)
        _require_status(locked, Status.SUBMITTED)
        if not text:
            raise ApplicationError(_("Write the question for the applicant."))
        if len(text) > QUESTION_MAX_LENGTH:
            raise ApplicationError(_("The question is too long."))
        question = Question.objects.create(application=locked, text=text, asked_by=actor)
        _set_status(locked, Status.NEEDS_INFO)
        audit.record("application.question.asked", locked, actor=actor, question=question.public_id)
    application.refresh_from_db(fields=["status", "decided_at"])
    return question


def open_question(application: Application) -> Question | None:
    """The question the applicant has yet to answer, if the application waits for one."""
    if application.status != Status.NEEDS_INFO:
        return None
    return (
        Question.objects.filter(application_id=application.pk, answered_at=None)
        .order_by("-asked_at", "-pk")
        .first()
    )


def answer_question(
    application: Application, question_id: UUID, answer: str, *, actor: User | None
) -> Question:
    """Store the applicant's answer to the open question ``question_id``; back to the queue.

    ``question_id`` is the question the applicant was shown: an answer to any other question
    (an old page re-sent, or a question already answered) is refused and nothing changes.
    ``actor`` is None when the applicant answers (they have no account).
    """
    answer = answer.strip()
    with transaction.atomic():
        locked = _lock(application)
        question = (
            Question.objects.select_for_update(no_key=True)
            .filter(application=locked, public_id=question_id)
            .first()
        )
        if locked.status != Status.NEEDS_INFO or question is None or question.answered_at:
            raise ApplicationError(NO_OPEN_QUESTION)
        if not answer:
            raise ApplicationError(_("Please write your answer."))
        if len(answer) > ANSWER_MAX_LENGTH:
            raise ApplicationError(_("Please make your answer shorter."))
        question.answer = answer
        question.answered_at = timezone.now()
        question.save(update_fields=["answer", "answered_at"])
        _set_status(locked, Status.SUBMITTED)
        audit.record(
            "application.question.answered", locked, actor=actor, question=question.public_id
        )
    application.refresh_from_db(fields=["status", "decided_at"])
    return question


# --- The vetting checklist ---


def claims_made(answers: Mapping[str, object]) -> list[str]:
    """The claims to check for these answers: identity, then each "yes" that makes a claim."""
    made = [EvidenceItem.Claim.IDENTITY.value]
    made += [claim for claim, key in CLAIM_ANSWERS.items() if answers.get(key) is True]
    return made


def evidence_checklist(application: Application) -> list[EvidenceItem]:
    """One line per claim, in a fixed order; lines nobody has recorded yet are unsaved.

    Reads the (decrypted) answers and the recorded lines: one query. The lines are read
    through ``application``, which they then carry, so opening their notes with the person's
    key costs no further query.
    """
    recorded = {item.claim: item for item in application.evidence.select_related("checked_by")}
    claims = set(claims_made(application.answers)) | set(recorded)
    return [
        recorded.get(claim) or EvidenceItem(application=application, claim=claim)
        for claim in EvidenceItem.Claim.values
        if claim in claims
    ]


def record_evidence(
    application: Application, claim: str, status: str, note: str, *, actor: User
) -> EvidenceItem:
    """Record how one claim was checked; the line is created the first time.

    Only while the application is undecided: once decided, the checklist stays as the record
    of what the decision was based on. Marking a claim checked needs a note saying how. The
    note is encrypted and never written to the audit log.
    """
    note = note.strip()
    if status not in EvidenceItem.Status.values:
        raise ApplicationError(_("Choose what the check found."))
    if len(note) > NOTE_MAX_LENGTH:
        raise ApplicationError(_("The note is too long."))
    with transaction.atomic():
        locked = _lock(application)
        _require_status(locked, *UNDECIDED)
        item = (
            EvidenceItem.objects.select_for_update(no_key=True)
            .filter(application=locked, claim=claim)
            .first()
        )
        if item is None:
            if claim not in claims_made(locked.answers):
                raise ApplicationError(_("The applicant made no such claim."))
            item = EvidenceItem(application=locked, claim=claim)
        if status != EvidenceItem.Status.CLAIMED and not note:
            raise ApplicationError(_("Say how the claim was checked."))
        item.status = status
        item.note = note
        item.checked_by = actor
        item.checked_at = timezone.now()
        item.save()
        audit.record(
            "application.evidence.recorded",
            locked,
            actor=actor,
            claim=claim,
            status=status,
            item=item.public_id,
        )
    return item
