"""Erasing people: on request, and when the retention periods run out.

Erasure deletes the person and everything that hangs off them (application, assessments,
questions, vetting notes, border crossings, stays, documents, tasks, cases, appointments).
The audit log keeps only that a person (by public id) was erased, when, by whom and why.
On SQLite, ``secure_delete`` overwrites the freed pages (settings). Per-person data keys, so
that even copies in old backups become unreadable (crypto-shredding), are the next step
(docs/threat-model.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from haven.core.models import Application, Person
from haven.core.services import audit


def erase_person(person: Person, *, actor: User | None, reason: str) -> None:
    """Delete ``person`` and all their rows in one transaction, leaving an audit entry."""
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        audit.record("person.erased", locked, actor=actor, reason=reason)
        locked.delete()


@dataclass(frozen=True)
class RetentionReport:
    rejected: int
    moved_out: int

    @property
    def erased(self) -> int:
        return self.rejected + self.moved_out


def due_for_erasure() -> tuple[list[int], list[int]]:
    """People whose retention period is over: (rejected long ago, moved out long ago)."""
    now = timezone.now()
    rejected_before = now - timedelta(days=settings.RETENTION_REJECTED_DAYS)
    rejected = Application.objects.filter(
        status=Application.Status.REJECTED, decided_at__lt=rejected_before
    ).values_list("person_id", flat=True)
    moved_out_before = timezone.localdate() - timedelta(days=settings.RETENTION_MOVED_OUT_DAYS)
    moved_out = (
        Person.objects.filter(application__status=Application.Status.EXITED)
        .annotate(last_out=Max("stays__check_out"))
        .filter(last_out__lt=moved_out_before)
        .exclude(stays__check_out__isnull=True)  # back in a bed since: not moved out
        .values_list("pk", flat=True)
    )
    return list(rejected), list(moved_out)


def apply_retention(*, dry_run: bool = False) -> RetentionReport:
    """Erase everyone whose retention period is over. Idempotent: a second run erases nothing.

    Each person is erased in their own transaction, so a failure part-way keeps what was done.
    """
    rejected, moved_out = due_for_erasure()
    if not dry_run:
        for pk, reason in [
            *((pk, "retention.rejected") for pk in rejected),
            *((pk, "retention.moved_out") for pk in moved_out),
        ]:
            person = Person.objects.filter(pk=pk).first()
            if person is not None:
                erase_person(person, actor=None, reason=reason)
    return RetentionReport(rejected=len(rejected), moved_out=len(moved_out))
