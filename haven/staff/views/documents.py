"""Recording what the legal clock is computed from: border crossings and documents.

All need ``can_do_casework`` for the resident (``access.get_resident`` / ``get_document``).
A form with errors re-renders the resident page (or the document page) with the errors; a
recorded change recomputes the clock in the service and redirects to the resident page.
"""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts import access
from haven.accounts.models import Capability
from haven.core.models import ResidentDocument
from haven.core.services import audit
from haven.core.services.legal import (
    LegalRecordError,
    record_crossing,
    record_document,
    record_exit,
    remove_document,
    update_document,
)
from haven.staff.legal_forms import CrossingForm, DocumentForm, ExitForm
from haven.staff.views.common import StaffRequest
from haven.staff.views.residents import ResidentPage


class RemoveForm(forms.Form):
    confirm = forms.BooleanField(label=gettext_lazy("Yes, remove this document"))

    def __init__(self, data: QueryDict | None = None) -> None:
        super().__init__(data, prefix="remove")


def _back(public_id: UUID) -> HttpResponse:
    return redirect("staff:resident", public_id=public_id)


@login_required
@require_POST
def record_crossing_view(request: StaffRequest, public_id: UUID) -> HttpResponse:
    person = access.get_resident(request.user, public_id, Capability.CASEWORK)
    form = CrossingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            record_crossing(
                person,
                country=data["country"],
                entered_on=data["entered_on"],
                exited_on=data.get("exited_on"),
                document=data["document"],
                actor=request.user,
            )
        except LegalRecordError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Entry recorded; the legal clock is updated."))
            return _back(person.public_id)
    page = ResidentPage.load(request, person)
    page.forms["crossing"] = form
    return page.render(request)


@login_required
@require_POST
def record_exit_view(request: StaffRequest, public_id: UUID) -> HttpResponse:
    person = access.get_resident(request.user, public_id, Capability.CASEWORK)
    form = ExitForm(request.POST)
    if form.is_valid():
        try:
            record_exit(person, exited_on=form.cleaned_data["exited_on"], actor=request.user)
        except LegalRecordError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Exit recorded; the legal clock is updated."))
            return _back(person.public_id)
    page = ResidentPage.load(request, person)
    page.forms["exit"] = form
    return page.render(request)


@login_required
@require_POST
def record_document_view(request: StaffRequest, public_id: UUID) -> HttpResponse:
    person = access.get_resident(request.user, public_id, Capability.CASEWORK)
    form = DocumentForm(request.POST)
    if form.is_valid():
        try:
            record_document(person, form.cleaned_data["kind"], form.facts(), actor=request.user)
        except LegalRecordError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Document recorded; the legal clock is updated."))
            return _back(person.public_id)
    page = ResidentPage.load(request, person)
    page.forms["document"] = form
    return page.render(request)


def _document_page(
    request: StaffRequest,
    document: ResidentDocument,
    form: DocumentForm | None = None,
    remove_form: RemoveForm | None = None,
) -> HttpResponse:
    if document.note:
        audit.record("resident.document.viewed", document, actor=request.user)
    context = {
        "document": document,
        "person": document.person,
        "form": form or DocumentForm(document=document),
        "remove_form": remove_form or RemoveForm(),
    }
    return render(request, "staff/document.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def edit_document(request: StaffRequest, public_id: UUID) -> HttpResponse:
    document = access.get_document(request.user, public_id, Capability.CASEWORK)
    if request.method != "POST":
        return _document_page(request, document)
    form = DocumentForm(request.POST, document=document)
    if form.is_valid():
        try:
            update_document(document, form.facts(), actor=request.user)
        except LegalRecordError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Document changed; the legal clock is updated."))
            return _back(document.person.public_id)
    return _document_page(request, document, form=form)


@login_required
@require_POST
def remove_document_view(request: StaffRequest, public_id: UUID) -> HttpResponse:
    document = access.get_document(request.user, public_id, Capability.CASEWORK)
    form = RemoveForm(request.POST)
    if not form.is_valid():
        return _document_page(request, document, remove_form=form)
    remove_document(document, actor=request.user)
    messages.success(request, _("Document removed; the legal clock is updated."))
    return _back(document.person.public_id)
