"""Pathway cases, appointments, destination checks and calendar tokens."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection

from haven.core.models import (
    AuditEntry,
    CalendarFeed,
    Destination,
    DestinationSource,
    PathwayCase,
    Person,
)
from haven.core.models.pathways import REVERIFY_AFTER_DAYS
from haven.core.services.pathways import (
    CaseChange,
    NewSource,
    PathwayError,
    create_calendar_feed,
    feed_owner,
    open_case,
    record_appointment,
    revoke_calendar_feed,
    update_case,
    verify_destination,
)
from haven.lib.tokens import hash_token

pytestmark = pytest.mark.django_db

SEEDED = {"DE", "LV", "LT", "EE", "BE", "US"}


@pytest.fixture
def actor(db: object) -> User:
    return User.objects.create_user("caseworker")


@pytest.fixture
def person(db: object) -> Person:
    return Person.objects.create(display_name="Artem", gender="man", contact="@artem")


def _actions() -> list[str]:
    return list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))


def test_the_seeded_destinations_cite_sources_and_await_verification() -> None:
    destinations = {d.code: d for d in Destination.objects.prefetch_related("sources")}
    assert set(destinations) == SEEDED
    for destination in destinations.values():
        assert destination.last_verified is None
        assert destination.needs_reverification(date(2026, 11, 25))
        assert "Not yet verified by staff" in destination.policy_notes
        sources = list(destination.sources.all())
        assert sources, destination.code
        assert all(source.url.startswith("https://") for source in sources)
    # What the research says, not what one would like it to say.
    assert "Not a route for people whose only ground is avoiding the draft" in (
        destinations["DE"].policy_notes
    )
    assert "suspended all humanitarian admission procedures" in destinations["DE"].policy_notes
    assert "almost no visas" in destinations["BE"].policy_notes
    assert "physically present in the United States" in destinations["US"].policy_notes
    assert "Other parole programmes: source needed" in destinations["US"].policy_notes
    assert "will not issue humanitarian" in destinations["LV"].policy_notes


def test_verification_is_stale_after_90_days() -> None:
    destination = Destination(code="XX", name="X", policy_notes="-", last_verified=date(2026, 1, 1))
    assert not destination.needs_reverification(date(2026, 1, 1) + timedelta(REVERIFY_AFTER_DAYS))
    assert destination.needs_reverification(date(2026, 1, 1) + timedelta(REVERIFY_AFTER_DAYS + 1))


@time_machine.travel(datetime(2026, 11, 25, 12, tzinfo=UTC), tick=False)
def test_verifying_a_destination(actor: User) -> None:
    germany = Destination.objects.get(code="DE")
    sources = germany.sources.count()
    verify_destination(
        germany,
        policy_notes="Checked.",
        confidence="high",
        verified_on=date(2026, 11, 25),
        source=NewSource("https://example.org/de", "A new source", "Example", "2026-11"),
        actor=actor,
    )
    germany.refresh_from_db()
    assert germany.last_verified == date(2026, 11, 25)
    assert not germany.needs_reverification(date(2026, 11, 25))
    assert germany.sources.count() == sources + 1
    assert DestinationSource.objects.filter(title="A new source", published="2026-11").exists()
    assert _actions()[-1] == "pathway.destination.verified"
    with pytest.raises(PathwayError, match="future"):
        verify_destination(
            germany,
            policy_notes="-",
            confidence="high",
            verified_on=date(2026, 11, 26),
            source=None,
            actor=actor,
        )


def test_a_case_moves_on_to_its_outcome(person: Person, actor: User) -> None:
    germany = Destination.objects.get(code="DE")
    case = open_case(
        person,
        kind=PathwayCase.Kind.HUMANITARIAN_VISA,
        destination=germany,
        steps="1. Letter of support",
        actor=actor,
    )
    assert case.status == PathwayCase.Status.PREPARING
    with pytest.raises(PathwayError, match="decided or closed"):
        update_case(case, CaseChange("submitted", "granted", date(2026, 11, 1), ""), actor=actor)
    with pytest.raises(PathwayError, match="date of the outcome"):
        update_case(case, CaseChange("decided", "granted", None, ""), actor=actor)
    update_case(case, CaseChange("decided", "granted", date(2026, 11, 1), "done"), actor=actor)
    case.refresh_from_db()
    assert (case.status, case.outcome, case.outcome_on) == ("decided", "granted", date(2026, 11, 1))
    assert _actions()[-2:] == ["pathway.case.opened", "pathway.case.updated"]
    # The kind of case and its steps stay out of the audit log and are encrypted at rest.
    assert "humanitarian" not in str(list(AuditEntry.objects.values_list("data", flat=True)))
    with connection.cursor() as cursor:
        cursor.execute("SELECT steps FROM core_pathwaycase WHERE id = %s", [case.pk])
        assert cursor.fetchone()[0].startswith("enc2:")  # the person's data key


def test_appointments_need_an_aware_time(person: Person, actor: User) -> None:
    case = open_case(person, kind="asylum", destination=None, steps="", actor=actor)
    with pytest.raises(PathwayError, match="time zone"):
        record_appointment(
            case,
            kind="embassy",
            place="Embassy",
            starts_at=datetime(2026, 12, 1, 10),  # noqa: DTZ001
            tz_name="UTC",
            notes="",
            actor=actor,
        )
    appointment = record_appointment(
        case,
        kind="un_office",
        place="UNHCR, Almaty",
        starts_at=datetime(2026, 12, 1, 10, tzinfo=UTC),
        tz_name="Asia/Almaty",
        notes="bring the letter",
        actor=actor,
    )
    assert appointment.case == case
    assert _actions()[-1] == "pathway.appointment.recorded"


def test_calendar_tokens_are_stored_hashed_and_can_be_replaced(actor: User) -> None:
    first = create_calendar_feed(actor, actor=actor)
    assert len(first) >= 40
    feed = CalendarFeed.objects.get(user=actor)
    assert feed.token_hash == hash_token(first)
    assert first not in feed.token_hash
    assert feed_owner(first) == actor
    second = create_calendar_feed(actor, actor=actor)
    assert feed_owner(first) is None
    assert feed_owner(second) == actor
    assert feed_owner("") is None
    assert feed_owner("x" * 500) is None
    assert revoke_calendar_feed(actor, actor=actor)
    assert feed_owner(second) is None
    assert not revoke_calendar_feed(actor, actor=actor)
    assert _actions()[-3:] == [
        "calendar.feed.created",
        "calendar.feed.created",
        "calendar.feed.revoked",
    ]
    assert first not in str(list(AuditEntry.objects.values_list("data", flat=True)))


def test_a_deactivated_user_has_no_feed(actor: User) -> None:
    token = create_calendar_feed(actor, actor=actor)
    actor.is_active = False
    actor.save()
    assert feed_owner(token) is None
