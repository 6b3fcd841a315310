"""Recording crossings and documents: the stored clock, dated duties and audit entries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection

from haven.core.models import (
    AuditEntry,
    BorderCrossing,
    HostCountry,
    Person,
    ResidentClock,
    ResidentDocument,
    ResidentTask,
)
from haven.core.services.legal import (
    DocumentFacts,
    LegalRecordError,
    clock_for,
    complete_task,
    evaluate_clock,
    record_crossing,
    record_document,
    record_exit,
    refresh_clocks,
    remove_document,
    sync_duties,
    update_document,
)
from haven.rules.stay_clock import StayDataError, rules_for
from tests.conftest import Network

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)  # 17:00 in Almaty


@pytest.fixture(autouse=True)
def now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


PASSPORT = BorderCrossing.Document.INTERNAL_PASSPORT


@pytest.fixture
def actor(db: object) -> User:
    return User.objects.create_user("caseworker")


@pytest.fixture
def person(db: object) -> Person:
    return Person.objects.create(display_name="Artem", gender="man", contact="@artem")


def _last_action() -> str:
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None
    return entry.action


def _permit(country: HostCountry, start: date, end: date | None) -> DocumentFacts:
    return DocumentFacts(
        status=ResidentDocument.Status.ISSUED, country=country, valid_from=start, valid_to=end
    )


def test_an_entry_stores_the_clock_creates_duties_and_is_audited(
    network: Network, person: Person, actor: User
) -> None:
    crossing = record_crossing(
        person,
        country=network.kazakhstan,
        entered_on=date(2026, 10, 26),
        document=PASSPORT,
        actor=actor,
    )
    clock = ResidentClock.objects.get(person=person)
    # 90 days per stay from Monday 26 Oct (both ends count): the last legal day is 23 Jan.
    assert (clock.status, clock.last_legal_day, clock.days_left) == ("ok", date(2027, 1, 23), 83)
    assert clock.rule_ids == ["kz-ru-stay-2023"]
    assert clock.present
    assert clock.computed_on == date(2026, 11, 1)
    assert not clock.needs_review
    tasks = {task.duty_id: task for task in ResidentTask.objects.filter(person=person)}
    # 3 working days counting the Monday of entry.
    assert tasks["kz-ru-host-notification"].due_date == date(2026, 10, 28)
    assert tasks["kz-ru-host-notification"].source_url.startswith("https://")
    assert tasks["kz-asylum-claim-deadline"].condition == "asylum_claim"
    assert tasks["kz-ru-trp-application-deadline"].due_date == date(2027, 1, 23)
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None
    assert entry.action == "resident.crossing.recorded"
    assert entry.object_id == str(crossing.public_id)
    assert entry.data["tasks_created"] == 3


def test_duties_are_created_once_per_entry(network: Network, person: Person, actor: User) -> None:
    record_crossing(
        person,
        country=network.kazakhstan,
        entered_on=date(2026, 10, 26),
        document=PASSPORT,
        actor=actor,
    )
    assert sync_duties([person.pk]) == 0
    assert sync_duties([person.pk]) == 0
    assert ResidentTask.objects.filter(person=person).count() == 3


def test_a_past_stay_recorded_later_shortens_the_clock(
    network: Network, person: Person, actor: User
) -> None:
    record_crossing(
        person,
        country=network.kazakhstan,
        entered_on=date(2026, 10, 1),
        document=PASSPORT,
        actor=actor,
    )
    assert ResidentClock.objects.get(person=person).days_left == 58
    # 60 days earlier this year: at most 90 days in any 180 leaves 30 for the current stay.
    record_crossing(
        person,
        country=network.kazakhstan,
        entered_on=date(2026, 7, 1),
        exited_on=date(2026, 8, 29),
        document=PASSPORT,
        actor=actor,
    )
    clock = ResidentClock.objects.get(person=person)
    assert (clock.last_legal_day, clock.days_left) == (date(2026, 10, 30), -2)
    assert clock.status == "overstay"
    # A finished stay's duties are moot: none created for it.
    assert not ResidentTask.objects.filter(person=person, trigger_date=date(2026, 7, 1)).exists()


@pytest.mark.parametrize(
    ("entered", "exited", "message"),
    [
        (date(2026, 10, 5), None, "no exit"),  # the open entry of 1 Oct
        (date(2026, 9, 20), date(2026, 10, 2), "overlaps"),
        (date(2026, 10, 1), date(2026, 10, 1), "no exit"),
        (date(2026, 9, 20), date(2026, 10, 1), None),  # left and came back the same day: fine
        (date(2026, 11, 2), None, "future"),
        (date(2026, 9, 2), date(2026, 9, 1), "leave before"),
    ],
)
def test_overlapping_crossings_are_refused(
    network: Network,
    person: Person,
    actor: User,
    entered: date,
    exited: date | None,
    message: str | None,
) -> None:
    record_crossing(
        person, country=network.kazakhstan, entered_on=date(2026, 10, 1), document=PASSPORT,
        actor=actor,
    )  # fmt: skip

    def record() -> None:
        record_crossing(
            person,
            country=network.kazakhstan,
            entered_on=entered,
            exited_on=exited,
            document=PASSPORT,
            actor=actor,
        )

    if message is None:
        record()
        assert BorderCrossing.objects.filter(person=person).count() == 2
        return
    with pytest.raises(LegalRecordError, match=message):
        record()
    assert BorderCrossing.objects.filter(person=person).count() == 1


def test_leaving_one_country_and_entering_another_on_the_same_day(
    network: Network, person: Person, actor: User
) -> None:
    record_crossing(
        person, country=network.kazakhstan, entered_on=date(2026, 9, 1), document=PASSPORT,
        actor=actor,
    )  # fmt: skip
    record_exit(person, exited_on=date(2026, 10, 10), actor=actor)
    assert _last_action() == "resident.crossing.exit_recorded"
    record_crossing(
        person,
        country=network.armenia,
        entered_on=date(2026, 10, 10),
        document=BorderCrossing.Document.INTERNATIONAL_PASSPORT,
        actor=actor,
    )
    clock = ResidentClock.objects.get(person=person)
    # Armenia's rule is unclear: no date, ever.
    assert clock.status == "needs_check"
    assert clock.last_legal_day is None
    assert clock.country == network.armenia


def test_record_exit_needs_an_open_entry(network: Network, person: Person, actor: User) -> None:
    with pytest.raises(LegalRecordError, match="No entry"):
        record_exit(person, exited_on=date(2026, 10, 1), actor=actor)
    record_crossing(
        person, country=network.kazakhstan, entered_on=date(2026, 10, 1), document=PASSPORT,
        actor=actor,
    )  # fmt: skip
    with pytest.raises(LegalRecordError, match="before they entered"):
        record_exit(person, exited_on=date(2026, 9, 30), actor=actor)
    with pytest.raises(LegalRecordError, match="future"):
        record_exit(person, exited_on=date(2026, 11, 2), actor=actor)


def test_a_residence_permit_pauses_the_count_and_its_end_is_the_date(
    network: Network, person: Person, actor: User
) -> None:
    record_crossing(
        person, country=network.kazakhstan, entered_on=date(2026, 10, 1), document=PASSPORT,
        actor=actor,
    )  # fmt: skip
    permit = record_document(
        person,
        ResidentDocument.Kind.RESIDENCE_PERMIT,
        _permit(network.kazakhstan, date(2026, 10, 20), date(2027, 10, 19)),
        actor=actor,
    )
    assert _last_action() == "resident.document.recorded"
    clock = ResidentClock.objects.get(person=person)
    assert (clock.status, clock.last_legal_day, clock.rule_ids) == ("ok", date(2027, 10, 19), [])
    result = clock_for(person, date(2026, 11, 1))
    assert result is not None
    assert result.last_legal_day == date(2027, 10, 19)

    # The permit turns out to end sooner: the clock follows.
    update_document(
        permit, _permit(network.kazakhstan, date(2026, 10, 20), date(2026, 12, 31)), actor=actor
    )
    assert _last_action() == "resident.document.updated"
    assert ResidentClock.objects.get(person=person).last_legal_day == date(2026, 12, 31)

    # Recorded by mistake: without it, the visa-free count is back (90 days from 1 Oct).
    remove_document(permit, actor=actor)
    assert _last_action() == "resident.document.removed"
    assert ResidentClock.objects.get(person=person).last_legal_day == date(2026, 12, 29)


def test_a_permit_of_another_country_or_without_dates_does_not_pause(
    network: Network, person: Person, actor: User
) -> None:
    record_crossing(
        person, country=network.kazakhstan, entered_on=date(2026, 10, 1), document=PASSPORT,
        actor=actor,
    )  # fmt: skip
    record_document(
        person,
        ResidentDocument.Kind.RESIDENCE_PERMIT,
        _permit(network.armenia, date(2026, 10, 20), None),
        actor=actor,
    )
    record_document(
        person,
        ResidentDocument.Kind.RESIDENCE_PERMIT,
        DocumentFacts(ResidentDocument.Status.APPLIED, network.kazakhstan, None, None),
        actor=actor,
    )
    assert ResidentClock.objects.get(person=person).last_legal_day == date(2026, 12, 29)


def test_a_permit_with_no_known_end_needs_a_caseworker(
    network: Network, person: Person, actor: User
) -> None:
    record_crossing(
        person, country=network.kazakhstan, entered_on=date(2026, 10, 1), document=PASSPORT,
        actor=actor,
    )  # fmt: skip
    record_document(
        person,
        ResidentDocument.Kind.VISA,
        _permit(network.kazakhstan, date(2026, 10, 20), None),
        actor=actor,
    )
    clock = ResidentClock.objects.get(person=person)
    assert clock.status == "needs_check"
    assert clock.last_legal_day is None


@pytest.mark.parametrize(
    ("status", "with_country", "start", "end", "message"),
    [
        ("issued", False, date(2026, 1, 1), None, "which country"),
        ("issued", True, None, date(2027, 1, 1), "first day"),
        ("issued", True, date(2027, 1, 2), date(2027, 1, 1), "expire before"),
        ("lost", True, date(2026, 1, 1), None, "status"),
    ],
)
def test_documents_are_checked(
    network: Network,
    person: Person,
    actor: User,
    status: str,
    with_country: bool,
    start: date | None,
    end: date | None,
    message: str,
) -> None:
    facts = DocumentFacts(status, network.kazakhstan if with_country else None, start, end)
    with pytest.raises(LegalRecordError, match=message):
        record_document(person, ResidentDocument.Kind.RESIDENCE_PERMIT, facts, actor=actor)
    assert not ResidentDocument.objects.exists()


def test_a_passport_applied_for_needs_no_dates_and_its_note_is_encrypted(
    person: Person, actor: User
) -> None:
    document = record_document(
        person,
        ResidentDocument.Kind.INTERNATIONAL_PASSPORT,
        DocumentFacts(ResidentDocument.Status.APPLIED, None, None, None, note="at the consulate"),
        actor=actor,
    )
    # Data minimisation: there is nowhere to put a document number.
    assert not any("number" in field.name for field in ResidentDocument._meta.fields)
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM core_residentdocument WHERE id = %s", [document.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("enc2:")  # sealed with the person's data key
    assert "consulate" not in raw
    assert ResidentDocument.objects.get(pk=document.pk).note == "at the consulate"
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None
    assert "consulate" not in str(entry.data)


def test_ticking_a_task_done_twice_changes_nothing(
    network: Network, person: Person, actor: User
) -> None:
    record_crossing(
        person, country=network.kazakhstan, entered_on=date(2026, 10, 26), document=PASSPORT,
        actor=actor,
    )  # fmt: skip
    task = ResidentTask.objects.filter(person=person).first()
    assert task is not None
    done = complete_task(task, actor=actor)
    assert done.done_at is not None
    assert done.done_by == actor
    audits = AuditEntry.objects.filter(action="resident.task.done").count()
    again = complete_task(task, actor=actor)
    assert again.done_at == done.done_at
    assert AuditEntry.objects.filter(action="resident.task.done").count() == audits == 1


def test_refresh_is_idempotent_and_follows_the_calendar(
    network: Network, person: Person, actor: User
) -> None:
    record_crossing(
        person, country=network.kazakhstan, entered_on=date(2026, 10, 1), document=PASSPORT,
        actor=actor,
    )  # fmt: skip
    assert refresh_clocks([person.pk]).changed == 0
    with time_machine.travel(datetime(2026, 11, 2, 12, tzinfo=UTC), tick=False):
        report = refresh_clocks([person.pk])
        assert (report.examined, report.changed) == (1, 1)
        assert ResidentClock.objects.get(person=person).days_left == 57
        assert refresh_clocks([person.pk]).changed == 0


def test_a_clock_without_crossings_or_with_contradictions_has_no_date(
    network: Network, person: Person
) -> None:
    nothing = evaluate_clock(person.nationality, [], [])
    assert (nothing.status, nothing.reason, nothing.result) == ("needs_check", "no_crossing", None)
    for day in (date(2026, 9, 1), date(2026, 10, 1)):  # two entries, neither with an exit
        BorderCrossing.objects.create(
            person=person, country=network.kazakhstan, entered_on=day, document=PASSPORT
        )
    refresh_clocks([person.pk])
    clock = ResidentClock.objects.get(person=person)
    assert (clock.status, clock.reason, clock.last_legal_day) == ("needs_check", "conflict", None)
    with pytest.raises(StayDataError):
        clock_for(person, date(2026, 11, 1))


def test_a_rule_awaiting_review_is_flagged(person: Person, actor: User) -> None:
    turkey = HostCountry.objects.create(code="TR", name="Turkey", timezone="Europe/Istanbul")
    record_crossing(
        person,
        country=turkey,
        entered_on=date(2026, 10, 1),
        document=BorderCrossing.Document.INTERNATIONAL_PASSPORT,
        actor=actor,
    )
    clock = ResidentClock.objects.get(person=person)
    assert clock.last_legal_day is not None
    assert clock.needs_review


def test_the_schengen_rules_are_reachable_by_document() -> None:
    document = BorderCrossing.Document.SCHENGEN_SHORT_STAY_VISA
    assert [rule.id for rule in rules_for("PL", "RU", document)] == ["schengen-ru-short-stay"]
