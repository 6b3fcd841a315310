"""Pathways onward: residents' cases and appointments, destination notes, the calendar feed.

Audit entries of cases say which case and person changed, never the case's kind, steps or
notes: whether someone applies for asylum, and where, is itself sensitive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.core.models import (
    Appointment,
    CalendarFeed,
    Destination,
    DestinationSource,
    PathwayCase,
    Person,
)
from haven.core.services import audit
from haven.lib.tokens import hash_token, new_token

# What the feed lists: appointments from a day ago (so today's stay visible all day) to a year on.
FEED_PAST = timedelta(days=1)
FEED_FUTURE = timedelta(days=366)


class PathwayError(Exception):
    """A case, appointment or destination could not be changed; ``message`` is for the user."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(message)
        self.message = message


# ------------------------------------------------------------------------------------------
# Cases and appointments


def open_case(
    person: Person,
    *,
    kind: str,
    destination: Destination | None,
    steps: str,
    actor: User,
) -> PathwayCase:
    """Open a case for ``person`` (status "preparing")."""
    if kind not in PathwayCase.Kind.values:
        raise PathwayError(_("Choose a kind of case from the list."))
    with transaction.atomic():
        case = PathwayCase.objects.create(
            person=person, kind=kind, destination=destination, steps=steps, created_by=actor
        )
        audit.record("pathway.case.opened", case, actor=actor, person=str(person.public_id))
    return case


@dataclass(frozen=True)
class CaseChange:
    status: str
    outcome: str
    outcome_on: date | None
    steps: str


def update_case(case: PathwayCase, change: CaseChange, *, actor: User) -> PathwayCase:
    """Move a case on: status, steps, outcome (an outcome needs its date and a decided or
    closed case)."""
    if change.status not in PathwayCase.Status.values:
        raise PathwayError(_("Choose a status from the list."))
    if change.outcome not in PathwayCase.Outcome.values:
        raise PathwayError(_("Choose an outcome from the list."))
    if change.outcome and change.status not in (
        PathwayCase.Status.DECIDED,
        PathwayCase.Status.CLOSED,
    ):
        raise PathwayError(_("A case with an outcome is decided or closed."))
    if change.outcome and change.outcome_on is None:
        raise PathwayError(_("Give the date of the outcome."))
    with transaction.atomic():
        locked = (
            PathwayCase.objects.select_for_update(no_key=True)
            .select_related("person")
            .get(pk=case.pk)
        )
        locked.status = change.status
        locked.outcome = change.outcome
        locked.outcome_on = change.outcome_on if change.outcome else None
        locked.steps = change.steps
        locked.save(update_fields=["status", "outcome", "outcome_on", "steps", "updated_at"])
        audit.record(
            "pathway.case.updated",
            locked,
            actor=actor,
            person=str(locked.person.public_id),
            status=locked.status,
        )
    return locked


def record_appointment(
    case: PathwayCase,
    *,
    kind: str,
    place: str,
    starts_at: datetime,
    tz_name: str,
    notes: str,
    actor: User,
) -> Appointment:
    """Add an appointment to a case; ``starts_at`` must be aware."""
    if kind not in Appointment.Kind.values:
        raise PathwayError(_("Choose a kind of appointment from the list."))
    if timezone.is_naive(starts_at):
        raise PathwayError(_("Give the time with its time zone."))
    with transaction.atomic():
        appointment = Appointment.objects.create(
            case=case,
            kind=kind,
            place=place,
            starts_at=starts_at,
            timezone=tz_name,
            notes=notes,
            created_by=actor,
        )
        audit.record(
            "pathway.appointment.recorded",
            appointment,
            actor=actor,
            case=str(case.public_id),
            starts_at=starts_at,
        )
    return appointment


# ------------------------------------------------------------------------------------------
# Destinations


@dataclass(frozen=True)
class NewSource:
    url: str
    title: str
    publisher: str = ""
    published: str = ""


def verify_destination(
    destination: Destination,
    *,
    policy_notes: str,
    confidence: str,
    verified_on: date,
    source: NewSource | None,
    actor: User,
) -> Destination:
    """Record that staff checked a destination's notes against its sources on ``verified_on``
    (notes and confidence as they now stand; optionally one more source)."""
    if confidence not in Destination.Confidence.values:
        raise PathwayError(_("Choose a confidence from the list."))
    if verified_on > timezone.localdate():
        raise PathwayError(_("This date is in the future."))
    with transaction.atomic():
        locked = Destination.objects.select_for_update(no_key=True).get(pk=destination.pk)
        locked.policy_notes = policy_notes
        locked.confidence = confidence
        locked.last_verified = verified_on
        locked.save(update_fields=["policy_notes", "confidence", "last_verified", "updated_at"])
        if source is not None:
            DestinationSource.objects.create(
                destination=locked,
                url=source.url,
                title=source.title,
                publisher=source.publisher,
                published=source.published,
            )
        audit.record(
            "pathway.destination.verified",
            locked,
            actor=actor,
            code=locked.code,
            verified_on=verified_on,
            source_added=source.url if source else None,
        )
    return locked


# ------------------------------------------------------------------------------------------
# The calendar feed


def create_calendar_feed(user: User, *, actor: User) -> str:
    """Give ``user`` a new secret calendar address token (the old one stops working).

    Returns the token: it is shown once and only its hash is stored.
    """
    token = new_token()
    with transaction.atomic():
        feed, _created = CalendarFeed.objects.update_or_create(
            user=user,
            defaults={"token_hash": hash_token(token), "created_at": timezone.now()},
        )
        audit.record("calendar.feed.created", user, actor=actor, feed=feed.pk)
    return token


def revoke_calendar_feed(user: User, *, actor: User) -> bool:
    """Stop the user's calendar address from working; False if there was none."""
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update(no_key=True).filter(user=user).first()
        if feed is None:
            return False
        feed_pk = feed.pk
        feed.delete()
        audit.record("calendar.feed.revoked", user, actor=actor, feed=feed_pk)
    return True


def feed_owner(token: str) -> User | None:
    """The active user whose calendar address has this token, or None."""
    if not token or len(token) > 200:
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=hash_token(token), user__is_active=True)
        .first()
    )
    return feed.user if feed else None


def upcoming_appointments(people: QuerySet[Person], now: datetime) -> QuerySet[Appointment]:
    """Appointments of ``people`` from a day ago to a year on, soonest first."""
    return (
        Appointment.objects.filter(
            case__person__in=people,
            starts_at__gte=now - FEED_PAST,
            starts_at__lte=now + FEED_FUTURE,
        )
        .select_related("case__person")
        .defer("notes", "case__steps", "case__person__contact")
        .order_by("starts_at", "pk")
    )
