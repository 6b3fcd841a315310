"""One application: answers, score parts, the reviewer's decision (needs ``can_review``)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from haven.accounts import access
from haven.accounts.models import Capability
from haven.core.models import Application
from haven.core.services import audit
from haven.core.services.applications import ApplicationError, decide_application
from haven.staff.forms import DecisionForm
from haven.staff.labels import answer_lines, score_lines
from haven.staff.views.common import StaffRequest


@login_required
@require_http_methods(["GET", "POST"])
def application(request: StaffRequest, public_id: UUID) -> HttpResponse:
    application = access.get_application(request.user, public_id, Capability.REVIEW)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            decide_application(
                application,
                form.cleaned_data["decision"],
                form.cleaned_data["reason"],
                actor=request.user,
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _decided_message(application))
            return redirect("staff:queue")
    show_sensitive = access.has_capability(request.user, Capability.VIEW_SENSITIVE)
    if show_sensitive:
        # Reads of sensitive answers are audited like changes (threat: a curious volunteer).
        audit.record("application.answers.viewed", application, actor=request.user)
    context = {
        "application": application,
        "person": application.person,
        "decidable": application.status == Application.Status.SUBMITTED,
        "form": form,
        "show_sensitive": show_sensitive,
        "answers": answer_lines(application.answers) if show_sensitive else [],
        "parts": score_lines(application.priority_parts) if show_sensitive else [],
        "assessments": application.assessments.select_related("reviewer"),
    }
    return render(request, "staff/application.html", context)


def _decided_message(application: Application) -> str:
    values = {"reference": application.reference, "name": application.person.display_name}
    if application.status == Application.Status.ACCEPTED:
        return _("%(reference)s accepted: %(name)s is on the waitlist.") % values
    return _("%(reference)s not accepted.") % values
