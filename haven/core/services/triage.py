"""Triage helpers: the rubric in force, duplicate detection and keeping priorities current."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from haven.core.models import Application, DuplicateFlag, RubricVersion
from haven.rules.scoring import (
    RUBRIC_V1,
    Rubric,
    rubric_from_dict,
    urgency_points,
    waiting_points,
)

# Applications whose place in a queue (review queue or waitlist) still depends on priority.
PENDING = (
    Application.Status.SUBMITTED,
    Application.Status.NEEDS_INFO,
    Application.Status.REJECTION_PROPOSED,
    Application.Status.ACCEPTED,
)


def current_rubric() -> Rubric:
    """The newest published rubric version; the built-in 2026.1 until an admin publishes one."""
    latest = RubricVersion.objects.order_by("-created_at", "-pk").first()
    return RUBRIC_V1 if latest is None else rubric_from_dict(latest.definition)


def _fingerprint(kind: str, value: str) -> str:
    key = str(settings.FINGERPRINT_KEY).encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def normalise_contact(contact: str) -> str:
    """The same contact typed differently normalises alike: case, spaces, @, phone punctuation."""
    text = unicodedata.normalize("NFKC", contact).strip().casefold()
    if re.fullmatch(r"[+\d\s().-]{7,}", text):
        digits = re.sub(r"\D", "", text)
        # Russian and Kazakh numbers: 8XXXXXXXXXX and +7XXXXXXXXXX are the same number.
        if len(digits) == 11 and digits.startswith("8"):
            digits = "7" + digits[1:]
        return "tel:" + digits
    text = text.removeprefix("https://t.me/").removeprefix("t.me/").removeprefix("@")
    return re.sub(r"\s+", "", text)


def contact_fingerprint(contact: str) -> str:
    return _fingerprint("contact", normalise_contact(contact))


def identity_fingerprint(
    display_name: str, birth_year: int | None, host_country: str, entered_on: date
) -> str:
    name = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", display_name).strip().casefold())
    name = name.replace("\u0451", "\u0435")  # Cyrillic yo is often typed as ye
    return _fingerprint("identity", f"{name}|{birth_year}|{host_country}|{entered_on}")


def flag_duplicates(application: Application) -> list[DuplicateFlag]:
    """Flag earlier applications that share a fingerprint with ``application`` (both ways)."""
    flags = []
    for reason, field in (
        (DuplicateFlag.Reason.CONTACT, "contact_fingerprint"),
        (DuplicateFlag.Reason.IDENTITY, "identity_fingerprint"),
    ):
        value = getattr(application, field)
        if not value:
            continue
        others = Application.objects.filter(**{field: value}).exclude(pk=application.pk)
        for other in others.only("pk"):
            flags.append(DuplicateFlag(application=application, other=other, reason=reason))
            flags.append(DuplicateFlag(application=other, other=application, reason=reason))
    DuplicateFlag.objects.bulk_create(flags, ignore_conflicts=True)
    return flags


@dataclass(frozen=True)
class RefreshReport:
    examined: int
    changed: int


def refresh_priorities(*, batch_size: int = 2000) -> RefreshReport:
    """Bring the calendar-dependent parts of every pending priority up to date.

    Days left on the legal clock and weeks waiting move every day; the rest of the score moves
    only with the answers. Idempotent: running it twice on one day changes nothing the second
    time. Run daily (docs/jobs.md).
    """
    rubric = current_rubric()
    examined = changed = 0
    queryset = (
        Application.objects.filter(status__in=PENDING)
        .select_related("host_country")
        .only(
            "pk",
            "priority",
            "priority_static",
            "priority_parts",
            "last_legal_day",
            "submitted_at",
            "host_country__timezone",
        )
        .order_by("pk")
    )
    last_pk = 0
    while True:
        batch = list(queryset.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            break
        last_pk = batch[-1].pk
        updates = []
        for application in batch:
            examined += 1
            today = timezone.localdate(
                timezone=zoneinfo.ZoneInfo(application.host_country.timezone)
            )
            days_left = (
                None
                if application.last_legal_day is None
                else (application.last_legal_day - today).days
            )
            waited = max(0, (today - timezone.localdate(application.submitted_at)).days)
            urgency = urgency_points(days_left, rubric)
            waiting = waiting_points(waited, rubric)
            total = application.priority_static + urgency + waiting
            if total != application.priority:
                application.priority = total
                application.priority_parts = {
                    **application.priority_parts,
                    "urgency.days_left": urgency,
                    "waiting.days_waiting": waiting,
                }
                updates.append(application)
        if updates:
            with transaction.atomic():
                Application.objects.bulk_update(updates, ["priority", "priority_parts"])
            changed += len(updates)
    return RefreshReport(examined, changed)
