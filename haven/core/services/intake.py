"""The intake queue: an application acknowledged in one short statement, stored just after.

Storing an application (services/applications.py ``store_application``) takes one
passphrase hash, the legal clock, the score, a duplicate check, three rows and an audit
entry: about 16 ms of CPU. In a surge that is what limits how many people per second get
their codes. With ``settings.INTAKE_WORKER`` on, the form and the API call
:func:`receive_application` instead: the answers and the passphrase are sealed into one
:class:`ReceivedApplication` row, committed, and the person gets their codes. The
``process_intake`` worker (a management command, docs/jobs.md) then stores each received
row as its application, in batches, oldest first, and deletes it in the same transaction.

What holds either way:

* acknowledged means committed: the reply is sent only after the received row is;
* the same idempotency key gives the same reference and passphrase, whether its row is still
  queued or already stored (:func:`receive_application` checks both, race-free);
* the status check finds a queued application by its codes, as "received";
* a worker killed mid-batch rolls the batch back: every row is still queued, none half-stored.

With ``INTAKE_WORKER`` off (the default, and what ``make run`` uses) the request stores the
application itself, exactly as before the queue existed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from haven.core.models import Application, ReceivedApplication
from haven.core.services import audit
from haven.core.services.applications import (
    ApplicantAnswers,
    key_hash_of,
    new_reference,
    passphrase_for,
    store_application,
    submit_application,
)
from haven.core.services.triage import identity_fingerprint
from haven.lib.passphrases import hash_passphrase
from haven.lib.prepared import Prepared

logger = logging.getLogger(__name__)

# Attempts before a received row that cannot be stored is left for an operator (it stays,
# sealed, and ``process_intake`` names it on every run).
MAX_FAILURES = 5


@dataclass(frozen=True)
class Receipt:
    """What the person is told: their codes. ``created`` is false for a resubmission."""

    reference: str
    passphrase: str
    created: bool
    # Of the answers first sent under this key: a resubmission with other answers is a
    # reused key (the API answers 409).
    identity_fingerprint: str


def receive_application(
    answers: ApplicantAnswers,
    *,
    idempotency_key: str,
    language: str,
    actor: User | None = None,
) -> Receipt:
    """Acknowledge an application: store it now, or queue it for the worker (module doc)."""
    if not settings.INTAKE_WORKER:
        submission = submit_application(
            answers, idempotency_key=idempotency_key, language=language, actor=actor
        )
        application = submission.application
        return Receipt(
            application.reference,
            submission.passphrase,
            submission.created,
            application.identity_fingerprint,
        )
    passphrase = passphrase_for(idempotency_key)
    key_hash = key_hash_of(idempotency_key)
    fingerprint = identity_fingerprint(
        answers.display_name, answers.birth_year, answers.host_country, answers.entered_on
    )
    # The answers are flat: a copy of their attributes, not asdict's deep copy of each.
    payload = vars(answers) | {"entered_on": answers.entered_on.isoformat()}
    for _attempt in range(3):
        row = ReceivedApplication(
            reference=new_reference(),
            idempotency_hash=key_hash,
            language=language,
            actor=actor if actor is not None and actor.is_authenticated else None,
            identity_fingerprint=fingerprint,
        )
        row.sealed = {"answers": payload, "passphrase": passphrase}
        try:
            _insert(row)
        except IntegrityError:
            # A unique index refused the row: its key is queued (or was, and a worker has
            # stored it since), or its new reference is a queued row's.
            for model in (ReceivedApplication, Application):
                earlier = (
                    model.objects.filter(idempotency_hash=key_hash)
                    .values_list("reference", "identity_fingerprint")
                    .first()
                )
                if earlier is not None:
                    return Receipt(earlier[0], passphrase, False, earlier[1])
            continue  # the new reference collided with a queued row's: draw again
        # Inserted first, then checked: a worker storing an earlier row with this key
        # either still held it (the insert above waited for its commit and then failed) or
        # has committed the application (found here).
        found = _STORED_UNDER(key_hash, row.reference)
        stored = found[0] if found else None
        if stored is None:
            return Receipt(row.reference, passphrase, True, fingerprint)
        # The new row repeats a stored application's key or reference: taken back. A worker
        # that reached it first dropped it (the same key, stored: services.intake's
        # process_received) or could not store it (a taken reference).
        ReceivedApplication.objects.filter(pk=row.pk).delete()
        if stored[2] == key_hash:
            return Receipt(stored[0], passphrase, False, stored[1])
        # The new reference is a stored application's: draw again.
    raise RuntimeError("no free reference code after three draws")


# The stored application with this key hash or reference, if any (unordered: each condition
# has a unique index). Compiled once (haven/lib/prepared.py): every acknowledgement runs it.
_STORED_UNDER = Prepared(
    lambda key_hash, reference: Application.objects.filter(
        Q(idempotency_hash=key_hash) | Q(reference=reference)
    ).values_list("reference", "identity_fingerprint", "idempotency_hash")[:1]
)


def _insert(row: ReceivedApplication) -> None:
    """Insert ``row``.

    In autocommit, as requests run, that is one statement, committed when this returns
    (acknowledged means committed), with no BEGIN and COMMIT round trips. Inside a caller's
    transaction (a script, a test) the row commits with it, and a savepoint keeps a failed
    insert from breaking it.
    """
    if transaction.get_autocommit():
        row.save(force_insert=True)
    else:
        with transaction.atomic():
            row.save(force_insert=True)


@dataclass(frozen=True)
class IntakeReport:
    stored: int
    failed: int
    # Received rows left for an operator after MAX_FAILURES attempts (never dropped).
    stuck: int


def _answers(payload: dict[str, object]) -> ApplicantAnswers:
    data = dict(payload)
    data["entered_on"] = date.fromisoformat(str(data["entered_on"]))
    return ApplicantAnswers(**data)  # type: ignore[arg-type]


def process_received(*, batch_size: int = 100) -> IntakeReport:
    """Store up to ``batch_size`` received applications, oldest first, in one transaction.

    Rows another worker holds are skipped (``SKIP LOCKED``), so several workers can run. A
    row that fails is rolled back to its savepoint and counted in ``failures``; the rest of
    the batch is stored. The batch's audit entries are appended together at its end.
    """
    stored = failed = 0
    with transaction.atomic(), audit.deferred():
        rows = list(
            ReceivedApplication.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(failures__lt=MAX_FAILURES)
            .select_related("actor")
            .order_by("pk")[:batch_size]
        )
        done: list[int] = []
        for row in rows:
            try:
                with transaction.atomic():
                    sealed = row.sealed
                    # Stored before cannot happen through receive_application; if it did,
                    # the row is simply done.
                    if not Application.objects.filter(
                        idempotency_hash=row.idempotency_hash
                    ).exists():
                        store_application(
                            _answers(sealed["answers"]),
                            reference=row.reference,
                            passphrase_hash=hash_passphrase(str(sealed["passphrase"])),
                            idempotency_hash=row.idempotency_hash,
                            language=row.language,
                            actor=row.actor,
                            data_key=row.data_key,
                            submitted_at=row.received_at,
                        )
            except Exception:
                logger.exception("received application %s could not be stored", row.pk)
                ReceivedApplication.objects.filter(pk=row.pk).update(failures=row.failures + 1)
                failed += 1
                continue
            done.append(row.pk)
            stored += 1
        ReceivedApplication.objects.filter(pk__in=done).delete()
    stuck = ReceivedApplication.objects.filter(failures__gte=MAX_FAILURES).count()
    return IntakeReport(stored, failed, stuck)


@dataclass(frozen=True)
class QueueReport:
    waiting: int
    oldest_seconds: float  # 0 when none waits
    stuck: int


def queue_report() -> QueueReport:
    """How many received applications wait to be stored, and for how long the oldest has."""
    queue = ReceivedApplication.objects.aggregate(
        waiting=Count("pk"),
        oldest=Min("received_at"),
        stuck=Count("pk", filter=Q(failures__gte=MAX_FAILURES)),
    )
    oldest = queue["oldest"]
    age = (timezone.now() - oldest).total_seconds() if oldest is not None else 0.0
    return QueueReport(queue["waiting"], max(age, 0.0), queue["stuck"])
