"""Triage helpers: the rubric in force, duplicate detection and keeping priorities current."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from haven.core.models import Application, DuplicateFlag, RubricVersion
from haven.core.services.bulk import save_fields
from haven.rules.scoring import (
    RUBRIC_V1,
    TIME_PARTS,
    Rubric,
    Score,
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


# Published rubric versions, parsed once per process (versions are never edited).
_parsed_rubrics: dict[int, Rubric] = {}


def current_rubric() -> Rubric:
    """The newest published rubric version; the built-in 2026.1 until an admin publishes one.

    One query for the newest version's pk; its definition is read and parsed once per process.
    """
    latest = RubricVersion.objects.order_by("-created_at", "-pk").values_list("pk").first()
    if latest is None:
        return RUBRIC_V1
    rubric = _parsed_rubrics.get(latest[0])
    if rubric is None:
        definition = RubricVersion.objects.values_list("definition", flat=True).get(pk=latest[0])
        rubric = rubric_from_dict(definition)
        _parsed_rubrics.clear()  # only the newest version is needed
        _parsed_rubrics[latest[0]] = rubric
    return rubric


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
    reasons = {
        field: reason
        for reason, field in (
            (DuplicateFlag.Reason.CONTACT, "contact_fingerprint"),
            (DuplicateFlag.Reason.IDENTITY, "identity_fingerprint"),
        )
        if getattr(application, field)
    }
    if not reasons:
        return []
    # One query for both fingerprints (each has its own index).
    match = Q()
    for field in reasons:
        match |= Q(**{field: getattr(application, field)})
    others = (
        Application.objects.filter(match)
        .exclude(pk=application.pk)
        .order_by("pk")
        .values_list("pk", *reasons)
    )
    flags = []
    for other_pk, *values in others:
        for (field, reason), value in zip(reasons.items(), values, strict=True):
            if value == getattr(application, field):
                flags.append(
                    DuplicateFlag(application=application, other_id=other_pk, reason=reason)
                )
                flags.append(
                    DuplicateFlag(application_id=other_pk, other=application, reason=reason)
                )
    if flags:
        DuplicateFlag.objects.bulk_create(flags, ignore_conflicts=True)
    return flags


@dataclass(frozen=True)
class RefreshReport:
    examined: int
    changed: int


# What a score sets on an application (stored_scores).
SCORE_FIELDS = (
    "priority",
    "priority_parts",
    "priority_static",
    "priority_urgency",
    "priority_waiting",
    "rubric_version",
)


def stored_scores(result: Score) -> dict[str, Any]:
    """The score fields of an application scored ``result``, as keyword arguments."""
    parts = {part.key: part.points for part in result.parts}
    urgency, waiting = (parts.pop(key) for key in TIME_PARTS)
    return {
        "priority": result.total,
        "priority_parts": parts,
        "priority_static": sum(parts.values()),
        "priority_urgency": urgency,
        "priority_waiting": waiting,
        "rubric_version": result.rubric_version,
    }


def refresh_priorities(*, batch_size: int = 2000) -> RefreshReport:
    """Bring the calendar-dependent parts of every pending priority up to date.

    Days left on the legal clock and weeks waiting move every day; the rest of the score moves
    only with the answers. Nothing is decrypted: the calendar's parts and the answers' sum
    (``priority_static``) are plain columns. Idempotent: running it twice on one day changes
    nothing the second time. Run daily (docs/jobs.md).
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
            "priority_urgency",
            "priority_waiting",
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
            if (urgency, waiting) != (application.priority_urgency, application.priority_waiting):
                application.priority = application.priority_static + urgency + waiting
                application.priority_urgency = urgency
                application.priority_waiting = waiting
                updates.append(application)
        if updates:
            with transaction.atomic():
                save_fields(updates, ("priority", "priority_urgency", "priority_waiting"))
            changed += len(updates)
    return RefreshReport(examined, changed)


# --- Re-scoring under a newly published rubric ---
# Appended as one block (the module is shared), so its imports are here or in the function.

import time  # noqa: E402

from django.contrib.auth.models import User  # noqa: E402


@dataclass(frozen=True)
class RescoreReport:
    version: str  # the rubric version now in force
    rescored: int
    complete: bool = True  # False: stopped at the time budget; run it again to finish


def outdated_pending() -> bool:
    """Whether some application still waiting was scored under an older rubric version."""
    latest = RubricVersion.objects.order_by("-created_at", "-pk").only("version").first()
    if latest is None:
        return False
    return (
        Application.objects.filter(status__in=PENDING)
        .exclude(rubric_version=latest.version)
        .exists()
    )


def rescore_pending(
    *, actor: User | None, batch_size: int = 2000, budget_seconds: float | None = None
) -> RescoreReport:
    """Re-score pending applications (``PENDING``) not yet scored under the rubric in force.

    Each is scored as a new application would be today: from its decrypted answers, its last
    legal day (days left) and its submission date (days waiting); the ``SCORE_FIELDS`` are
    replaced. Decided applications (rejected, placed, moved out) and every ``Assessment`` keep
    the score they were decided on; an accepted applicant's place on the waitlist follows the
    new version.

    Resumable and idempotent: batches of ``batch_size`` commit one at a time, each read under
    a row lock and filtered again (still pending, still under an older version), so a decision
    taken meanwhile is never re-scored and a second run finds nothing to do. With
    ``budget_seconds`` it stops after the first batch that ends past the budget
    (``complete=False``); the next run goes on from there. Writes one audit entry
    (``applications.rescored``) when it re-scored anything. Until a version is published
    every application was scored by the built-in rubric, so there is nothing to do.

    Cost: about 0.15 ms per application on SQLite and 0.2 ms on PostgreSQL (a million: a few
    minutes), mostly decrypting the answers and sealing the new parts; each person's data key
    is read in the same query and unwrapped once (a few microseconds, not measurable here).
    """
    # Imported here: haven.core.services.applications imports this module.
    from haven.core.services import audit
    from haven.core.services.applications import scoring_input
    from haven.rules.scoring import score

    latest = RubricVersion.objects.order_by("-created_at", "-pk").first()
    if latest is None:
        return RescoreReport(RUBRIC_V1.version, 0)
    rubric = rubric_from_dict(latest.definition)
    outdated = (
        Application.objects.filter(status__in=PENDING)
        .exclude(rubric_version=rubric.version)
        .select_related("host_country", "person")
        # The score fields are all replaced, so they are not read (nor decrypted); the
        # person's data key opens the answers and seals the new parts.
        .only(
            "pk",
            "answers",
            "last_legal_day",
            "submitted_at",
            "host_country__timezone",
            "person__data_key",
        )
        .order_by("pk")
    )
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    rescored = last_pk = 0
    complete = True
    while True:
        if deadline is not None and time.monotonic() > deadline:
            complete = False
            break
        with transaction.atomic():
            batch = list(
                outdated.filter(pk__gt=last_pk).select_for_update(no_key=True, of=("self",))[
                    :batch_size
                ]
            )
            if not batch:
                break
            last_pk = batch[-1].pk
            for application in batch:
                today = timezone.localdate(
                    timezone=zoneinfo.ZoneInfo(application.host_country.timezone)
                )
                days_left = (
                    None
                    if application.last_legal_day is None
                    else (application.last_legal_day - today).days
                )
                waited = max(0, (today - timezone.localdate(application.submitted_at)).days)
                result = score(scoring_input(application.answers, days_left, waited), rubric)
                for name, value in stored_scores(result).items():
                    setattr(application, name, value)
            save_fields(batch, SCORE_FIELDS)
        rescored += len(batch)
    if rescored:
        with transaction.atomic():
            audit.record(
                "applications.rescored",
                latest,
                actor=actor,
                version=rubric.version,
                rescored=rescored,
                complete=complete,
            )
    return RescoreReport(rubric.version, rescored, complete)
