"""Daily e-mail to each shelter's coordinators about residents' legal clocks.

Who is listed: current residents (open stays) with at most ``SOON_DAYS`` days left, or whose
clock needs a caseworker's check; anyone past their last legal day gets a separate overstay
alarm.  The e-mails hold names, the shelter and dates only: no answers, contacts or notes.

Idempotent: each (person, kind, day) is recorded in ``ReminderSent`` in the transaction that
sends the e-mail, so a second run on the same day sends nothing new, a concurrent run cannot
send twice (the unique constraint), and a failed send records nothing (the next run retries).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from haven.accounts.models import Membership, Role
from haven.core.models import ClockStatus, ReminderSent, ResidentClock, Shelter, Stay
from haven.core.services import audit
from haven.core.services.legal import (
    current_resident_ids,
    local_today,
    refresh_clocks,
    resident_status,
)

SOON_DAYS = 14


@dataclass(frozen=True)
class Line:
    person_id: int
    name: str
    kind: str
    last_legal_day: date | None
    days_left: int | None


@dataclass
class ReminderReport:
    emails: int = 0
    reminders: int = 0
    no_recipient: list[str] = field(default_factory=list)


def reminder_kind(clock: ResidentClock | None) -> str | None:
    """What, if anything, to remind coordinators of for this (freshly computed) clock."""
    if clock is None:
        return ReminderSent.Kind.NEEDS_CHECK
    status = resident_status(clock.status, clock.present)
    if status == ClockStatus.NEEDS_CHECK:
        return ReminderSent.Kind.NEEDS_CHECK
    if status == ClockStatus.OVERSTAY:
        return ReminderSent.Kind.OVERSTAY
    if clock.days_left is not None and clock.days_left <= SOON_DAYS:
        return ReminderSent.Kind.SOON
    return None


def _lines_by_shelter() -> dict[Shelter, list[Line]]:
    stays = (
        Stay.objects.active()
        .heads()
        .select_related("person__clock", "bed__room__shelter__country")
        .defer("person__contact")
        .order_by("person__display_name", "pk")
    )
    lines: dict[Shelter, list[Line]] = defaultdict(list)
    for stay in stays:
        clock = getattr(stay.person, "clock", None)
        kind = reminder_kind(clock)
        if kind is None:
            continue
        lines[stay.bed.room.shelter].append(
            Line(
                stay.person_id,
                stay.person.display_name,
                kind,
                clock.last_legal_day if clock else None,
                clock.days_left if clock else None,
            )
        )
    return lines


def _recipients(shelter: Shelter) -> list[str]:
    emails = Membership.objects.filter(
        shelter=shelter, role=Role.COORDINATOR, user__is_active=True
    ).values_list("user__email", flat=True)
    return sorted({email for email in emails if email})


def _describe(line: Line) -> str:
    if line.kind == ReminderSent.Kind.NEEDS_CHECK or line.last_legal_day is None:
        return _("%(name)s: no date Haven can stand by") % {"name": line.name}
    days = line.days_left or 0
    if days < 0:
        return ngettext(
            "%(name)s: last legal day %(day)s (%(days)s day ago)",
            "%(name)s: last legal day %(day)s (%(days)s days ago)",
            -days,
        ) % {"name": line.name, "day": line.last_legal_day.isoformat(), "days": -days}
    return ngettext(
        "%(name)s: last legal day %(day)s (%(days)s day left)",
        "%(name)s: last legal day %(day)s (%(days)s days left)",
        days,
    ) % {"name": line.name, "day": line.last_legal_day.isoformat(), "days": days}


def _board_link(shelter: Shelter, base_url: str) -> list[str]:
    if not base_url:
        return []
    path = reverse("staff:shelter_clock", kwargs={"public_id": shelter.public_id})
    return ["", _("The board: %(url)s") % {"url": base_url.rstrip("/") + path}]


def _digest(shelter: Shelter, day: date, lines: Sequence[Line], base_url: str) -> EmailMessage:
    body = [
        _("Legal stay reminders for %(shelter)s, %(day)s.")
        % {"shelter": shelter, "day": day.isoformat()}
    ]
    sections = (
        (ReminderSent.Kind.NEEDS_CHECK, _("Needs caseworker check (Haven cannot give a date):")),
        (ReminderSent.Kind.SOON, _("Last legal day within %(days)s days:") % {"days": SOON_DAYS}),
    )
    for kind, heading in sections:
        listed = [line for line in lines if line.kind == kind]
        if listed:
            body += ["", heading, *(f"- {_describe(line)}" for line in listed)]
    body += _board_link(shelter, base_url)
    subject = _("Haven: legal stay reminders for %(shelter)s") % {"shelter": shelter.name}
    return EmailMessage(subject=subject, body="\n".join(body) + "\n")


def _alarm(shelter: Shelter, day: date, lines: Sequence[Line], base_url: str) -> EmailMessage:
    body = [
        _(
            "OVERSTAY in %(shelter)s on %(day)s: these residents are past their last legal "
            "day. Get legal advice for them today."
        )
        % {"shelter": shelter, "day": day.isoformat()},
        "",
        *(f"- {_describe(line)}" for line in lines),
        *_board_link(shelter, base_url),
    ]
    subject = _("Haven: OVERSTAY alarm for %(shelter)s") % {"shelter": shelter.name}
    return EmailMessage(subject=subject, body="\n".join(body) + "\n")


def _send(messages: Sequence[EmailMessage], recipients: Sequence[str]) -> int:
    """One message per recipient, so coordinators do not see each other's addresses."""
    copies = []
    for message in messages:
        for address in recipients:
            copies.append(
                EmailMessage(
                    subject=message.subject,
                    body=message.body,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[address],
                )
            )
    get_connection(fail_silently=False).send_messages(copies)
    return len(copies)


def send_clock_reminders(*, language: str, base_url: str = "") -> ReminderReport:
    """Refresh the clocks of current residents, then send today's reminders (see module)."""
    refresh_clocks(current_resident_ids())
    report = ReminderReport()
    with translation.override(language):
        for shelter, lines in _lines_by_shelter().items():
            recipients = _recipients(shelter)
            if not recipients:
                report.no_recipient.append(shelter.name)
                continue
            day = local_today(shelter.country)
            try:
                sent = _send_for_shelter(shelter, day, lines, recipients, base_url)
            except IntegrityError:
                continue  # a concurrent run is sending these very reminders
            report.emails += sent[0]
            report.reminders += sent[1]
    return report


def _send_for_shelter(
    shelter: Shelter, day: date, lines: Sequence[Line], recipients: Sequence[str], base_url: str
) -> tuple[int, int]:
    with transaction.atomic():
        already = set(
            ReminderSent.objects.filter(
                person_id__in=[line.person_id for line in lines], day=day
            ).values_list("person_id", "kind")
        )
        new = [line for line in lines if (line.person_id, line.kind) not in already]
        if not new:
            return 0, 0
        now = timezone.now()
        ReminderSent.objects.bulk_create(
            [
                ReminderSent(
                    person_id=line.person_id,
                    shelter=shelter,
                    kind=line.kind,
                    day=day,
                    sent_at=now,
                    recipients=len(recipients),
                )
                for line in new
            ]
        )
        messages = []
        alarms = [line for line in new if line.kind == ReminderSent.Kind.OVERSTAY]
        if alarms:
            messages.append(_alarm(shelter, day, alarms, base_url))
        others = [line for line in new if line.kind != ReminderSent.Kind.OVERSTAY]
        if others:
            messages.append(_digest(shelter, day, others, base_url))
        emails = _send(messages, recipients)
        counts = {kind: sum(line.kind == kind for line in new) for kind in ReminderSent.Kind}
        audit.record(
            "clock.reminders.sent",
            shelter,
            actor=None,
            day=day,
            recipients=len(recipients),
            **{str(kind): count for kind, count in counts.items()},
        )
    return emails, len(new)
