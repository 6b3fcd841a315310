"""What applicants see, without an account: the application form and the status check.

Every response is ``no-store``: pages carry a person's answers or their codes, and the phone
they use may be shared or searched. Nothing about the request (IP address, user agent) is
passed on or stored.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from haven.core.models import Application, Offer
from haven.core.services.applications import ApplicationError
from haven.core.services.intake import receive_application
from haven.core.services.placements import answer_offer, current_offer
from haven.core.services.review import answer_question, open_question
from haven.core.services.stays import PlacementError
from haven.public.forms import (
    NOT_FOUND,
    OFFER_GONE,
    TOO_MANY_APPLICATIONS,
    TOO_MANY_ATTEMPTS,
    AnswerForm,
    ApplicationForm,
    OfferAnswerForm,
    StatusForm,
)
from haven.public.limits import TooManyAttempts, count_application_post, find_with_limits


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    """The application form; a valid POST stores it once per form and shows the codes.

    The confirmation is rendered in reply to the POST itself (no redirect): a reload re-sends
    the same idempotency key and shows the same codes again instead of losing them.
    """
    if request.method != "POST":
        return _blank_form(request)
    try:
        count_application_post(request)
    except TooManyAttempts:
        form = ApplicationForm(request.POST)
        form.is_valid()
        form.add_error(None, TOO_MANY_APPLICATIONS)
        return render(request, "public/apply.html", {"form": form}, status=429)
    form = ApplicationForm(request.POST)
    if form.is_valid():
        try:
            receipt = receive_application(
                form.answers(),
                idempotency_key=str(form.cleaned_data["idempotency_key"]),
                language=get_language(),
            )
        except ApplicationError as error:
            form.add_error(None, str(error.message))
        else:
            return _submitted(request, receipt.reference, receipt.passphrase)
    return render(request, "public/apply.html", {"form": form})


# Pages that are the same for everybody but for a few values (the blank form, the page with
# the codes) are rendered once per language, path and what else they depend on, in each
# process, with slot strings in place of those values, which are filled in per request.
# Rendering the long form cost about 20 ms of CPU, as much as storing an application, and in
# a surge everybody loads it; the codes page cost 1.6 ms of a 6 ms acknowledgement.
_CSRF_SLOT = "HAVENCSRFSLOT"
_KEY_SLOT = "HAVENKEYSLOT"
_REFERENCE_SLOT = "HAVENREFERENCESLOT"
_PASSPHRASE_SLOT = "HAVENPASSPHRASESLOT"  # noqa: S105 - a placeholder, not a secret
_shared_pages: dict[tuple[object, ...], str] = {}


def _personal(request: HttpRequest) -> bool:
    """A query string, or a signed-in staff member (who may have messages waiting): the page
    is not the same for everybody, so it is rendered for this request alone."""
    return bool(
        request.GET or request.COOKIES.get(settings.SESSION_COOKIE_NAME) or get_messages(request)
    )


def _filled(
    request: HttpRequest,
    template: str,
    context: dict[str, object],
    key: tuple[object, ...],
    values: dict[str, str],
) -> HttpResponse:
    """``template`` rendered once per ``key`` with the slots in ``values``, then filled."""
    key = (template, get_language(), request.path, *key)
    page = _shared_pages.get(key)
    if page is None:
        page = render_to_string(template, context, request=request)
        if len(_shared_pages) > 32:  # old days and countries: keep the cache small
            _shared_pages.clear()
        _shared_pages[key] = page
    for slot, value in values.items():
        page = page.replace(slot, escape(value))
    return HttpResponse(page)


def _blank_form(request: HttpRequest) -> HttpResponse:
    if _personal(request):
        return render(request, "public/apply.html", {"form": ApplicationForm()})
    form = ApplicationForm(initial={"idempotency_key": _KEY_SLOT})
    year = form.fields["birth_year"].widget.attrs.get("max")
    latest = form.fields["entered_on"].widget.attrs.get("max")
    countries = tuple(form.fields["host_country"].choices)  # type: ignore[attr-defined]
    return _filled(
        request,
        "public/apply.html",
        {"form": form, "csrf_token": _CSRF_SLOT},
        (year, latest, countries),
        {_CSRF_SLOT: get_token(request), _KEY_SLOT: str(uuid.uuid4())},
    )


def _submitted(request: HttpRequest, reference: str, passphrase: str) -> HttpResponse:
    """The page with the person's two codes."""
    if _personal(request):
        context = {"reference": reference, "passphrase": passphrase}
        return render(request, "public/submitted.html", context)
    return _filled(
        request,
        "public/submitted.html",
        {"reference": _REFERENCE_SLOT, "passphrase": _PASSPHRASE_SLOT},
        (),
        {_REFERENCE_SLOT: reference, _PASSPHRASE_SLOT: passphrase},
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    """Look an application up by its two codes; a mismatch of either gets the same answer."""
    form = StatusForm(request.POST if request.method == "POST" else None)
    application = None
    if form.is_valid():
        try:
            application = find_with_limits(
                request, form.cleaned_data["reference"], form.cleaned_data["passphrase"]
            )
        except TooManyAttempts:
            form.add_error(None, TOO_MANY_ATTEMPTS)
            return render(
                request, "public/status.html", {"form": form, "application": None}, status=429
            )
        if application is None:
            form.add_error(None, NOT_FOUND)
    return _status_page(request, form, application)


@never_cache
@require_http_methods(["POST"])
def answer(request: HttpRequest) -> HttpResponse:
    """The answer to a reviewer's question, sent from the status page with the codes again.

    The codes are checked exactly as on the status check (same limits, same answer for any
    mismatch) and nothing is stored unless they match. No session is kept between the pages.
    """
    codes, application, refusal = _codes_again(request)
    if application is None:
        return refusal
    if application.pk is None:  # still queued: no question was asked
        return _status_page(request, codes, application)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _status_page(request, codes, application, answer_form=form)
    try:
        answer_question(
            application, form.cleaned_data["question"], form.cleaned_data["answer"], actor=None
        )
    except ApplicationError as error:
        return _status_page(request, codes, application, refused=str(error.message))
    return _status_page(request, codes, application, answered=True)


def _codes_again(request: HttpRequest) -> tuple[StatusForm, Application | None, HttpResponse]:
    """Check the codes a status-page form sent back, exactly as the status check does.

    Returns the codes form, the application (``None`` if the codes do not match) and, for
    that case, the page to answer with.
    """
    codes = StatusForm(request.POST)
    if not codes.is_valid():
        return codes, None, _status_page(request, codes, None)
    try:
        application = find_with_limits(
            request, codes.cleaned_data["reference"], codes.cleaned_data["passphrase"]
        )
    except TooManyAttempts:
        codes.add_error(None, TOO_MANY_ATTEMPTS)
        return codes, None, _status_page(request, codes, None, status=429)
    if application is None:
        codes.add_error(None, NOT_FOUND)
        return codes, None, _status_page(request, codes, None)
    return codes, application, HttpResponse()


@never_cache
@require_http_methods(["POST"])
def offer_answer(request: HttpRequest) -> HttpResponse:
    """The applicant accepts or declines the bed offered to them (codes checked again)."""
    codes, application, refusal = _codes_again(request)
    if application is None:
        return refusal
    form = OfferAnswerForm(request.POST)
    offer = current_offer(application) if application.pk is not None else None
    if not form.is_valid() or offer is None or form.cleaned_data["offer"] != offer.public_id:
        return _status_page(request, codes, application, refused=str(OFFER_GONE))
    try:
        answered = answer_offer(offer, accept=form.cleaned_data["choice"] == "accept", actor=None)
    except PlacementError:
        return _status_page(request, codes, application, refused=str(OFFER_GONE))
    if answered.status == Offer.Status.EXPIRED:
        return _status_page(request, codes, application, refused=str(OFFER_GONE))
    return _status_page(request, codes, application, offer_answered=answered)


def _status_page(
    request: HttpRequest,
    codes: StatusForm,
    application: Application | None,
    *,
    answer_form: AnswerForm | None = None,
    answered: bool = False,
    offer_answered: Offer | None = None,
    refused: str = "",
    status: int = 200,
) -> HttpResponse:
    """The status (with the open question and its answer form), or the codes form again.

    ``codes`` has matched ``application`` when there is one: the answer form carries them.
    """
    # A queued application (services/intake.py) is not stored yet: it has neither.
    stored = application if application is not None and application.pk is not None else None
    question = open_question(stored) if stored is not None else None
    if question is not None and (
        answer_form is None or answer_form.data.get("question") != str(question.public_id)
    ):
        answer_form = AnswerForm(
            initial={
                "reference": codes.cleaned_data["reference"],
                "passphrase": codes.cleaned_data["passphrase"],
                "question": question.public_id,
            }
        )
    offer = current_offer(stored) if stored is not None else None
    context = {
        "form": codes,
        "application": application,
        "offer": offer,
        "offer_answered": offer_answered,
        "offer_form": (
            OfferAnswerForm(
                initial={
                    "reference": codes.cleaned_data["reference"],
                    "passphrase": codes.cleaned_data["passphrase"],
                    "offer": offer.public_id,
                }
            )
            if offer is not None
            else None
        ),
        "question": question,
        "answer_form": answer_form,
        "answered": answered,
        "refused": refused,
    }
    return render(request, "public/status.html", context, status=status)


@never_cache
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Shown instead of Django's English page when a form's security token is missing or old.

    The usual cause for an applicant is a page left open for a long time or cookies switched
    off; ``reason`` is for developers and is not shown. Nothing from the refused form is kept.
    """
    return render(request, "public/csrf_failure.html", status=403)
