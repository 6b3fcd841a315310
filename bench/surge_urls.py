"""Haven's URLs plus ``/bench/bare/``: the baseline of bench/surge.py.

The bare view stores what Haven's acknowledgement stores. With the intake queue on (what
bench/surge.py measures by default) that is one received row (services/intake.py), sealed;
with it off (``--no-queue``), the same rows a real application stores (its person, border
crossing and application, copied field for field from a real application sent in during
set-up, with new unique values) in one transaction. Through Django's ORM and nothing else:
no form, no scoring, no passphrase hash, no duplicate check, no rate limit, no audit entry,
no template. It is what Django and PostgreSQL cost on their own, in the same server
processes as Haven, so Haven's throughput can be given as a ratio of it.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
import uuid
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from haven.core.models import Application, BorderCrossing, Person, ReceivedApplication
from haven.core.services.applications import new_reference
from haven.urls import urlpatterns as haven_urlpatterns

_template: list[tuple[Person, BorderCrossing, Application]] = []


Row = TypeVar("Row", Person, BorderCrossing, Application)


def _copy(instance: Row) -> Row:
    fresh = copy.copy(instance)
    fresh.pk = None
    fresh._state = copy.copy(instance._state)
    fresh._state.adding = True
    fresh.public_id = uuid.uuid4()
    return fresh


# What a person's answers look like in a received row (bench/surge_load.py's answers).
_ANSWERS = {
    "display_name": "Artem 123456",
    "contact": "@surge_0123456789abcdef",
    "gender": "man",
    "birth_year": 1990,
    "host_country": "KZ",
    "city": "Almaty",
    "entered_on": "2026-11-01",
    "document": "ru_internal_passport",
    "dependants": 0,
    "health_condition": False,
    "no_income": True,
    "no_housing": True,
    "savings_days": 3,
    "protests": False,
    "opposition_member": False,
    "arrested": False,
    "draft_notice": True,
    "prosecution": False,
    "situation": "Arrived last week, sleeping at a friend's place.",
    "origin_region": "",
    "needs_accessible": False,
}


@csrf_exempt
def bare(request: HttpRequest) -> HttpResponse:
    """What Haven's acknowledgement stores, through the ORM alone: with the intake queue on,
    one received row with the same fields, sealed under a new data key as Haven seals it;
    with it off, the person, border crossing and application rows of an application."""
    key = request.POST["key"]
    if settings.INTAKE_WORKER:
        row = ReceivedApplication(
            reference=new_reference(),
            idempotency_hash=hashlib.sha256(key.encode()).hexdigest(),
            language="ru",
            identity_fingerprint=hashlib.sha256(b"identity" + key.encode()).hexdigest(),
        )
        # A person of their own, as each submission is (the worker stores these rows too).
        answers = _ANSWERS | {"display_name": f"Bare {key[:8]}", "contact": f"@bare_{key}"}
        row.sealed = {"answers": answers, "passphrase": "abcd-efgh-jkmn"}
        row.save(force_insert=True)
        return HttpResponse(row.reference, content_type="text/plain")
    if not _template:  # once per worker process
        application = Application.objects.order_by("pk").select_related("person").first()
        if application is None:
            return HttpResponse("no template application", status=503)
        crossing = BorderCrossing.objects.filter(person=application.person).first()
        if crossing is None:
            return HttpResponse("no template border crossing", status=503)
        _template.append((application.person, crossing, application))
    person = _copy(_template[0][0])
    crossing = _copy(_template[0][1])
    application = _copy(_template[0][2])
    application.reference = new_reference()
    application.idempotency_hash = hashlib.sha256(key.encode()).hexdigest()
    application.passphrase_hash = secrets.token_hex(8)
    with transaction.atomic():
        person.save()
        crossing.person = person
        crossing.save()
        application.person = person
        application.save()
    return HttpResponse(application.reference, content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), *haven_urlpatterns]
