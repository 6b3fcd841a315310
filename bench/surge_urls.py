"""Haven's URLs plus ``/bench/bare/``: the baseline of bench/surge.py.

The bare view stores the same rows a real application stores (its person, border crossing and
application, copied field for field from a real application sent in during set-up, with new
unique values) in one transaction, through Django's ORM and nothing else: no form, no scoring,
no passphrase hash, no duplicate check, no rate limit, no audit entry, no template. Saving
the rows encrypts their sensitive fields, as storing those rows always does. It is what
Django and PostgreSQL cost on their own, in the same server processes as Haven, so Haven's
throughput can be given as a ratio of it.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
import uuid
from typing import TypeVar

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from haven.core.models import Application, BorderCrossing, Person
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


@csrf_exempt
def bare(request: HttpRequest) -> HttpResponse:
    key = request.POST["key"]
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
