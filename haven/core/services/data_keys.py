"""Master key rotation: re-wrapping every person's data key under the current master key.

Rotation without downtime (docs/threat-model.md): put the new master key first in
``HAVEN_FIELD_KEYS`` and restart, so new data keys are wrapped with it while the old key still
unwraps the rest; run ``rewrap_keys``; then drop the old key. Only the wrapped keys change:
the values sealed with the data keys stay as they are. A million people took 68 s on
PostgreSQL on the 2-core bench machine (a second run, with nothing to do: 1.4 s).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from haven.core.models import Person, ReceivedApplication
from haven.core.services.bulk import save_fields
from haven.lib.crypto import WRAP_PREFIX, master_key_id, rewrap


@dataclass(frozen=True)
class RewrapReport:
    master_key: str  # id of the master key that now wraps the data keys
    rewrapped: int
    current: int  # already wrapped by it
    unreadable: int  # wrapped by a master key no longer configured: their data is lost


def rewrap_data_keys(*, batch_size: int = 2000) -> RewrapReport:
    """Re-wrap every data key not wrapped by the first master key with it.

    Idempotent (a second run re-wraps nothing) and safe while Haven runs: each batch is
    locked and written in its own transaction, and the data key itself does not change, so
    readers open values with the old or the new wrapping alike. Applications still in the
    intake queue carry the key their person will get: they go first, so one stored while
    this runs is a person by the time the people are re-wrapped.
    """
    current_id = master_key_id()
    total = RewrapReport(current_id, 0, 0, 0)
    for model in (ReceivedApplication, Person):
        done = _rewrap(model, current_id, batch_size)
        total = RewrapReport(
            current_id,
            total.rewrapped + done.rewrapped,
            total.current + done.current,
            total.unreadable + done.unreadable,
        )
    return total


def _rewrap(
    model: type[Person] | type[ReceivedApplication], current_id: str, batch_size: int
) -> RewrapReport:
    is_current = {"data_key__startswith": f"{WRAP_PREFIX}{current_id}:"}
    current = model.objects.filter(**is_current).count()
    rewrapped = unreadable = last_pk = 0
    while True:
        with transaction.atomic():
            batch: list[Person | ReceivedApplication] = list(
                model.objects.filter(pk__gt=last_pk)
                .exclude(**is_current)
                .order_by("pk")
                .only("pk", "data_key")
                .select_for_update(no_key=True)[:batch_size]
            )
            if not batch:
                break
            last_pk = batch[-1].pk
            changed = []
            for row in batch:
                try:
                    row.data_key = rewrap(row.data_key)
                except ValueError:
                    unreadable += 1
                    continue
                changed.append(row)
            save_fields(changed, ["data_key"])
        rewrapped += len(changed)
    return RewrapReport(current_id, rewrapped, current, unreadable)
