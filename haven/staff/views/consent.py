"""A person's consents to share their file outside Haven, and sharing it.

Needs ``can_view_sensitive`` for the person (``access.get_resident``: reviewers and admins
network-wide, coordinators for the people of their shelters). Recording and withdrawing a
consent need nothing more; sharing the file also needs a current consent (checked before
anything else, so nobody confirms their identity for a refusal) and a recent confirmation
with password and code (``reauth``). The file holds only the sections the consent's scope
needs, and of those only what the user's role shows them on Haven's pages (docs/permissions.md).
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts import access
from haven.accounts.models import Capability
from haven.core.models import Consent, Person
from haven.core.services import audit
from haven.core.services.consent import (
    LEGAL,
    SCOPE_SECTIONS,
    SECTIONS,
    STAYS,
    ConsentError,
    PersonFile,
    export_person,
    record_consent,
    withdraw_consent,
)
from haven.core.services.legal import local_today
from haven.staff import reauth
from haven.staff.consent_forms import ConsentForm, ExportForm
from haven.staff.legal_forms import ConfirmForm
from haven.staff.person_file import SECTION_TITLES, person_file_text
from haven.staff.views.common import StaffRequest

# Sections beyond the answers and contact need what the resident page needs.
RESIDENT_SECTIONS = frozenset({LEGAL, STAYS})


@login_required
@require_http_methods(["GET", "POST"])
def consents(request: StaffRequest, public_id: UUID) -> HttpResponse:
    """The consent page; a POST records a new consent."""
    person = access.get_resident(request.user, public_id, Capability.VIEW_SENSITIVE)
    form = ConsentForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            record_consent(person, form.facts(), actor=request.user)
        except ConsentError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Consent recorded."))
            return redirect("staff:consents", public_id=person.public_id)
    return _page(request, person, consent_form=form)


@login_required
@require_POST
def withdraw(request: StaffRequest, public_id: UUID) -> HttpResponse:
    consent = access.get_consent(request.user, public_id, Capability.VIEW_SENSITIVE)
    if not ConfirmForm(request.POST).is_valid():
        error = _("Use the button next to the consent to withdraw it.")
        return _page(request, consent.person, withdraw_error=error)
    try:
        withdraw_consent(consent, actor=request.user)
    except ConsentError as exc:
        return _page(request, consent.person, withdraw_error=str(exc.message))
    messages.success(request, _("Consent withdrawn: nothing can be shared under it any more."))
    return redirect("staff:consents", public_id=consent.person.public_id)


@login_required
@require_POST
def share(request: StaffRequest, public_id: UUID) -> HttpResponse:
    """Download the person's file under a current consent (after confirming it is you)."""
    person = access.get_resident(request.user, public_id, Capability.VIEW_SENSITIVE)
    form = ExportForm(request.POST, consents=list(person.consents.all()))
    if form.is_valid():
        consent: Consent = form.cleaned_data["consent"]
        page = reverse("staff:consents", kwargs={"public_id": person.public_id})
        confirm = reauth.require_recent_auth(
            request, then=f"{page}?consent={consent.public_id}#share"
        )
        if confirm is not None:
            return confirm
        visible = _visible(_sees_resident(request, person))
        sections = [s for s in SCOPE_SECTIONS[consent.scope] if s in visible]
        try:
            person_file = export_person(consent, sections=sections, actor=request.user)
        except ConsentError as exc:
            form.add_error(None, str(exc.message))
        else:
            return _download(person_file)
    return _page(request, person, export_form=form)


def _sees_resident(request: StaffRequest, person: Person) -> bool:
    return access.may_for_person(request.user, person, Capability.VIEW_RESIDENTS)


def _visible(sees_resident: bool) -> frozenset[str]:
    """Sections of a file the user may put in it: what they see on Haven's pages."""
    return frozenset(SECTIONS) if sees_resident else frozenset(SECTIONS) - RESIDENT_SECTIONS


def _download(person_file: PersonFile) -> HttpResponse:
    application = person_file.application
    made_on = local_today(application.host_country if application else None)
    response = HttpResponse(
        person_file_text(person_file, made_on=made_on), content_type="text/plain; charset=utf-8"
    )
    name = f"haven-file-{person_file.consent.scope}-{made_on.isoformat()}.txt"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    add_never_cache_headers(response)
    return response


def _page(
    request: StaffRequest,
    person: Person,
    *,
    consent_form: ConsentForm | None = None,
    export_form: ExportForm | None = None,
    withdraw_error: str = "",
) -> HttpResponse:
    user = request.user
    all_consents = list(person.consents.select_related("recorded_by", "withdrawn_by"))
    if all_consents:
        # Recipients say where a person means to go: reading them is audited.
        audit.record("person.consents.viewed", person, actor=user)
    current = [c for c in all_consents if c.is_current]
    sees_resident = _sees_resident(request, person)
    visible = _visible(sees_resident)
    scope_sections: list[tuple[str, list[Promise]]] = [
        (str(label), [SECTION_TITLES[s] for s in SCOPE_SECTIONS[scope] if s in visible])
        for scope, label in Consent.Scope.choices
    ]
    has_application = hasattr(person, "application")
    context = {
        "person": person,
        "current": current,
        "withdrawn": [c for c in all_consents if not c.is_current],
        "consent_form": consent_form or ConsentForm(),
        "export_form": export_form
        or ExportForm(consents=all_consents, initial=request.GET.get("consent")),
        "withdraw_error": withdraw_error,
        "scope_sections": scope_sections,
        "left_out": [SECTION_TITLES[s] for s in sorted(RESIDENT_SECTIONS - visible)],
        "application_url": reverse("staff:application", args=[person.application.public_id])
        if has_application and Capability.REVIEW in access.network_capabilities(user)
        else "",
        "resident_url": reverse("staff:resident", args=[person.public_id]) if sees_resident else "",
    }
    return render(request, "staff/consent.html", context)
