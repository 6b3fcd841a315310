"""One application: answers, score, questions, vetting checklist, decisions (``can_review``).

Questions, answers, vetting notes and the checklist itself reveal sensitive answers (an arrest
is a claim to check), so they are shown, and can be changed, only with ``can_view_sensitive``
as well. Every page view that shows them is audited.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts import access
from haven.accounts.models import Capability
from haven.core.models import Application, EvidenceItem
from haven.core.services import audit, review
from haven.core.services.erasure import erase_person
from haven.core.services.errors import ApplicationError
from haven.staff.forms import DecisionForm, EraseForm, EvidenceForm, QuestionForm
from haven.staff.labels import answer_lines, score_lines
from haven.staff.views.common import StaffRequest


@login_required
@require_http_methods(["GET", "POST"])
def application(request: StaffRequest, public_id: UUID) -> HttpResponse:
    application = access.get_application(request.user, public_id, Capability.REVIEW)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            review.decide_application(
                application, decision, form.cleaned_data["reason"], actor=request.user
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
            application.refresh_from_db(fields=["status", "decided_at"])
        else:
            messages.success(request, _decided_message(application, decision))
            return redirect("staff:queue")
    return _page(request, application, decision_form=form)


@login_required
@require_POST
def ask_question(request: StaffRequest, public_id: UUID) -> HttpResponse:
    application = _sensitive_application(request.user, public_id)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            review.ask_question(application, form.cleaned_data["text"], actor=request.user)
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
            application.refresh_from_db(fields=["status", "decided_at"])
        else:
            messages.success(
                request,
                _("%(reference)s: question sent. It is back in the queue once they answer.")
                % {"reference": application.reference},
            )
            return redirect("staff:queue")
    return _page(request, application, question_form=form)


@login_required
@require_POST
def record_evidence(request: StaffRequest, public_id: UUID) -> HttpResponse:
    application = _sensitive_application(request.user, public_id)
    form = EvidenceForm(request.POST, claim=request.POST.get("claim", ""))
    if form.is_valid():
        claim = form.cleaned_data["claim"]
        try:
            review.record_evidence(
                application,
                claim,
                form.cleaned_data["status"],
                form.cleaned_data["note"],
                actor=request.user,
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
            application.refresh_from_db(fields=["status", "decided_at"])
        else:
            messages.success(
                request,
                _("Checklist: %(claim)s recorded.") % {"claim": EvidenceItem.Claim(claim).label},
            )
            url = reverse("staff:application", kwargs={"public_id": application.public_id})
            return redirect(f"{url}#evidence-{claim}")
    return _page(request, application, evidence_form=form)


def _sensitive_application(user: User, public_id: UUID) -> Application:
    """Questions and the checklist need ``can_view_sensitive`` on top of ``can_review``."""
    application = access.get_application(user, public_id, Capability.REVIEW)
    if not access.has_capability(user, Capability.VIEW_SENSITIVE):
        raise PermissionDenied
    return application


def _page(
    request: StaffRequest,
    application: Application,
    *,
    decision_form: DecisionForm | None = None,
    question_form: QuestionForm | None = None,
    evidence_form: EvidenceForm | None = None,
    erase_form: EraseForm | None = None,
) -> HttpResponse:
    """The application page, with whichever form was just sent (and its errors) in place.

    A fixed number of queries whatever the number of assessments, questions, flags or lines.
    """
    user = request.user
    show_sensitive = access.has_capability(user, Capability.VIEW_SENSITIVE)
    if show_sensitive:
        # Reads of sensitive answers are audited like changes (threat: a curious volunteer).
        audit.record("application.answers.viewed", application, actor=user)
    assessments = list(
        application.assessments.select_related("reviewer").order_by("-created_at", "-pk")
    )
    status = application.status
    decision_form = decision_form or DecisionForm()
    decisions = review.decisions_open_to(application, user, assessments)
    decision_form.offer(decisions)
    proposal = (
        review.rejection_proposal(assessments)
        if status == Application.Status.REJECTION_PROPOSED
        else None
    )
    evidence_open = show_sensitive and status in review.UNDECIDED
    checklist = []
    if show_sensitive:
        for item in review.evidence_checklist(application):
            form = evidence_form
            if form is None or form.data.get("claim") != item.claim:
                form = EvidenceForm(claim=item.claim, status=item.status, note=item.note)
            checklist.append((item, form))
    # A checklist form whose line has no form now (decided meanwhile, or no such claim): its
    # errors go above the list.
    stray_evidence_form = (
        evidence_form
        if evidence_form is not None
        and (
            not evidence_open
            or all(evidence_form.data.get("claim") != item.claim for item, _form in checklist)
        )
        else None
    )
    context = {
        "application": application,
        "person": application.person,
        "show_sensitive": show_sensitive,
        "answers": answer_lines(application.answers) if show_sensitive else [],
        "parts": score_lines(application.score_parts) if show_sensitive else [],
        "assessments": assessments,
        "proposal": proposal,
        "own_proposal": proposal is not None and proposal.reviewer_id == user.pk,
        "form": decision_form,
        "show_decision": bool(decisions) or decision_form.is_bound,
        "decisions_open": bool(decisions),
        "question_form": question_form or QuestionForm(),
        "show_question_form": show_sensitive
        and (status == Application.Status.SUBMITTED or question_form is not None),
        "questions": list(application.questions.select_related("asked_by"))
        if show_sensitive
        else [],
        "duplicates": list(
            application.duplicate_flags.select_related("other")
            .only(
                "application_id",
                "reason",
                "resolved_at",
                "other__public_id",
                "other__reference",
                "other__status",
            )
            .order_by("created_at", "pk")
        ),
        "erase_form": erase_form
        or (
            EraseForm(reference=application.reference)
            if access.has_capability(user, Capability.ERASE_PEOPLE)
            else None
        ),
        "checklist": checklist,
        "evidence_open": evidence_open,
        "stray_evidence_form": stray_evidence_form,
    }
    return render(request, "staff/application.html", context)


@login_required
@require_POST
def erase(request: StaffRequest, public_id: UUID) -> HttpResponse:
    """Erase the applicant with everything about them (network admins only)."""
    application = access.get_application(request.user, public_id, Capability.REVIEW)
    if not access.has_capability(request.user, Capability.ERASE_PEOPLE):
        raise PermissionDenied
    form = EraseForm(request.POST, reference=application.reference)
    if form.is_valid():
        erase_person(application.person, actor=request.user, reason=form.cleaned_data["reason"])
        messages.success(
            request,
            _("%(reference)s erased: nothing about this person is left in Haven.")
            % {"reference": application.reference},
        )
        return redirect("staff:queue")
    return _page(request, application, erase_form=form)


def _decided_message(application: Application, decision: str) -> str:
    values = {"reference": application.reference, "name": application.person.display_name}
    if application.status == Application.Status.ACCEPTED:
        return _("%(reference)s accepted: %(name)s is on the waitlist.") % values
    if decision == review.REJECT:
        return _("%(reference)s: rejection proposed. A second reviewer must confirm it.") % values
    return _("%(reference)s not accepted.") % values
