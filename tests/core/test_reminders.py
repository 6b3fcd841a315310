"""Daily reminders to coordinators: who is listed, what the e-mails hold, idempotency."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command

from haven.accounts.models import Membership, Role
from haven.core.models import AuditEntry, ReminderSent, ResidentClock, Stay
from haven.core.services.reminders import reminder_kind, send_clock_reminders
from tests.conftest import Network, Personas, make_user
from tests.staff.conftest import resident

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 20, 6, tzinfo=UTC)  # 11:00 in Almaty


@pytest.fixture(autouse=True)
def now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def residents(network: Network, personas: Personas) -> dict[str, Stay]:
    personas.coordinator.email = "coordinator@example.org"
    personas.coordinator.save()
    beds, astana = network.almaty_beds, network.astana_beds
    return {
        # 90 days from 1 Oct: last legal day 29 Dec, 9 days left.
        "soon": resident(
            beds[0], personas.admin, display_name="Soon", entered_on=date(2026, 10, 1)
        ),
        "fine": resident(
            beds[1], personas.admin, display_name="Fine", entered_on=date(2026, 11, 1)
        ),
        "over": resident(beds[2], personas.admin, display_name="Over", entered_on=date(2026, 9, 1)),
        # Armenia's rule is unclear: the clock gives no date.
        "check": resident(
            astana[0], personas.admin, display_name="Check", host_country="AM", city="Yerevan"
        ),
    }


def _bodies() -> str:
    return "\n".join(f"{message.subject}\n{message.body}" for message in mail.outbox)


def test_coordinators_get_a_digest_and_a_separate_overstay_alarm(
    residents: dict[str, Stay],
) -> None:
    report = send_clock_reminders(language="en")
    assert (report.emails, report.reminders) == (2, 2)
    assert report.no_recipient == ["Dom 2"]  # Astana's coordinator has no e-mail address
    alarm, digest = mail.outbox
    assert alarm.to == digest.to == ["coordinator@example.org"]
    assert "OVERSTAY" in alarm.subject
    assert "Dom 1" in alarm.subject
    assert "Over: last legal day 2026-11-29 (21 days ago)" in alarm.body
    assert "Soon" not in alarm.body
    assert "Soon: last legal day 2026-12-29 (9 days left)" in digest.body
    assert "Over" not in digest.body
    assert "Fine" not in digest.body
    # Names, the shelter and dates only: no contacts or answers.
    everything = _bodies()
    assert "@artem_example" not in everything
    assert "notice came to my parents" not in everything
    kinds = set(ReminderSent.objects.values_list("kind", "day"))
    assert kinds == {("soon", date(2026, 12, 20)), ("overstay", date(2026, 12, 20))}
    entry = AuditEntry.objects.filter(action="clock.reminders.sent").get()
    assert entry.data["overstay"] == 1
    assert entry.data["soon"] == 1


def test_a_second_run_on_the_same_day_sends_nothing(residents: dict[str, Stay]) -> None:
    send_clock_reminders(language="en")
    sent = len(mail.outbox)
    report = send_clock_reminders(language="en")
    assert (report.emails, report.reminders) == (0, 0)
    assert len(mail.outbox) == sent
    with time_machine.travel(datetime(2026, 12, 21, 6, tzinfo=UTC), tick=False):
        assert send_clock_reminders(language="en").reminders == 2
    assert len(mail.outbox) == sent + 2


def test_needs_check_residents_are_listed(
    residents: dict[str, Stay], network: Network, personas: Personas
) -> None:
    personas.outsider.email = "astana@example.org"
    personas.outsider.save()
    send_clock_reminders(language="en")
    astana = [message for message in mail.outbox if message.to == ["astana@example.org"]]
    assert len(astana) == 1
    assert "Check: no date Haven can stand by" in astana[0].body
    assert "Needs caseworker check" in astana[0].body


def test_each_coordinator_gets_their_own_copy(residents: dict[str, Stay], network: Network) -> None:
    second = make_user("second", Role.COORDINATOR, network.almaty)
    second.email = "second@example.org"
    second.save()
    volunteer = make_user("volunteer2", Role.VOLUNTEER, network.almaty)
    volunteer.email = "volunteer@example.org"  # not a coordinator: gets nothing
    volunteer.save()
    send_clock_reminders(language="en")
    assert sorted(tuple(message.to) for message in mail.outbox) == [
        ("coordinator@example.org",),
        ("coordinator@example.org",),
        ("second@example.org",),
        ("second@example.org",),
    ]
    assert Membership.objects.filter(role=Role.COORDINATOR, shelter=network.almaty).count() == 2


def test_a_failed_send_records_nothing_and_is_retried(
    residents: dict[str, Stay], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Any, messages: Any) -> int:
        raise OSError("mail server down")

    with monkeypatch.context() as patch:
        patch.setattr(EmailBackend, "send_messages", broken)
        with pytest.raises(OSError, match="down"):
            send_clock_reminders(language="en")
    assert not ReminderSent.objects.exists()
    assert send_clock_reminders(language="en").reminders == 2


def test_the_reminder_job_refreshes_stale_clocks(residents: dict[str, Stay]) -> None:
    ResidentClock.objects.all().delete()
    send_clock_reminders(language="en")
    assert ResidentClock.objects.count() == 4


def test_the_commands(residents: dict[str, Stay]) -> None:
    ResidentClock.objects.all().delete()  # check-in stored them; the job must rebuild them
    out = StringIO()
    call_command("refresh_clocks", stdout=out)
    assert out.getvalue().startswith("examined 4, changed 4, tasks created")
    out, err = StringIO(), StringIO()
    call_command(
        "send_clock_reminders",
        "--language=en",
        "--base-url=https://haven.example.org/",
        stdout=out,
        stderr=err,
    )
    assert out.getvalue() == "e-mails sent 2, reminders 2\n"
    assert "Dom 2: no coordinator with an e-mail address" in err.getvalue()
    assert "https://haven.example.org/en/staff/shelters/" in mail.outbox[0].body
    call_command("send_clock_reminders", "--language=en", stdout=(again := StringIO()))
    assert again.getvalue() == "e-mails sent 0, reminders 0\n"


@pytest.mark.parametrize(
    ("status", "days_left", "present", "kind"),
    [
        ("ok", 15, True, None),
        ("ok", 14, True, "soon"),
        ("ok", 0, True, "soon"),
        ("ok", 40, False, "needs_check"),  # in a bed, but the latest crossing is an exit
        ("needs_check", None, True, "needs_check"),
        ("overstay", -1, True, "overstay"),
    ],
)
def test_reminder_kinds(
    status: str, days_left: int | None, present: bool, kind: str | None
) -> None:
    clock = ResidentClock(status=status, days_left=days_left, present=present)
    assert reminder_kind(clock) == kind
    assert reminder_kind(None) == "needs_check"
