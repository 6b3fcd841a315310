"""Erasing people: on request, and when the retention periods run out.

Erasure deletes the person and everything that hangs off them (application, assessments,
questions, vetting notes, border crossings, stays, documents, tasks, cases, appointments),
and with the person's row their wrapped data key (``Person.data_key``): every value that was
sealed for them can no longer be opened, even with the master key, wherever a copy of its
ciphertext survives (crypto-shredding, haven/lib/crypto.py). A backup taken before the
erasure still holds the wrapped key until the master key that wrapped it is retired
(docs/threat-model.md).

The audit log keeps only that a person (by public id) was erased, when, by whom and why.
On SQLite, ``secure_delete`` (settings) zeroes the freed space, and after the commit the
write-ahead log is checkpointed and truncated, so the -wal file keeps no old copy of the
pages either (tests/core/test_crypto_shredding.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from haven.core.models import Application, Person
from haven.core.services import audit
from haven.lib.crypto import forget_data_keys

logger = logging.getLogger(__name__)


def erase_person(person: Person, *, actor: User | None, reason: str) -> None:
    """Delete ``person``, all their rows and their data key in one transaction, leaving an
    audit entry; then forget the key in this process and scrub SQLite's write-ahead log."""
    with transaction.atomic():
        locked = Person.objects.select_for_update(no_key=True).get(pk=person.pk)
        audit.record("person.erased", locked, actor=actor, reason=reason)
        data_key = locked.data_key
        locked.delete()
        transaction.on_commit(partial(_after_erasure, data_key))


def _after_erasure(data_key: str) -> None:
    forget_data_keys(data_key)
    # Commit callbacks run inside a transaction only in tests, where no checkpoint can run.
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return
    # The WAL still holds the pages as they were before the erasure; TRUNCATE copies the new
    # pages into the database file and empties the log. It cannot finish while another
    # connection reads an older snapshot: then the next erasure's checkpoint does it.
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy = cursor.fetchone()[0]
    if busy:
        logger.warning("SQLite write-ahead log not truncated after an erasure: a reader was busy")


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
