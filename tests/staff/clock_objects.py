"""Objects of the legal-clock and pathway pages for the access matrix, in and out of scope."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from haven.core.models import (
    Appointment,
    CalendarFeed,
    Destination,
    PathwayCase,
    Person,
    ResidentDocument,
    ResidentTask,
)
from haven.lib.tokens import hash_token


def legal_objects(
    inside: Person, outside: Person, coordinator: User, actor: User
) -> dict[str, dict[str, uuid.UUID]]:
    """A document, a task and a case for each person; a destination; the coordinator's feed.

    The feed's token is a UUID string, so it fits the matrix's table of UUIDs.
    """
    found: dict[str, dict[str, uuid.UUID]] = {"document": {}, "task": {}, "case": {}}
    for scope, person in (("in", inside), ("out", outside)):
        document = ResidentDocument.objects.create(
            person=person, kind=ResidentDocument.Kind.DOMESTIC_PASSPORT, created_by=actor
        )
        # Check-in may already have created this duty for the entry day.
        task, _ = ResidentTask.objects.get_or_create(
            person=person,
            duty_id="kz-ru-host-notification",
            trigger_date=date(2026, 10, 1),
            defaults={
                "due_date": date(2026, 10, 5),
                "description_key": "stay_duty.kz-ru-host-notification",
            },
        )
        case = PathwayCase.objects.create(
            person=person, kind=PathwayCase.Kind.HUMANITARIAN_VISA, created_by=actor
        )
        Appointment.objects.create(
            case=case,
            kind=Appointment.Kind.EMBASSY,
            place="Embassy",
            starts_at=timezone.now() + timedelta(days=1),
            created_by=actor,
        )
        found["document"][scope] = document.public_id
        found["task"][scope] = task.public_id
        found["case"][scope] = case.public_id
    token = uuid.uuid4()
    CalendarFeed.objects.create(
        user=coordinator, token_hash=hash_token(str(token)), created_at=timezone.now()
    )
    destination = Destination.objects.order_by("code").first()
    assert destination is not None  # seeded by migration 0005
    found["destination"] = {"any": destination.public_id}
    found["feed"] = {"in": token}
    return found
