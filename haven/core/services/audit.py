"""Writing and verifying audit entries (always inside the transaction of the change)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from haven.core.models import AuditEntry
from haven.core.models.audit import GENESIS, AuditChainHead


def _head_for_update() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update(no_key=True).filter(pk=1).first()
    if head is None:
        head, _ = AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update(no_key=True).get(pk=1)
    return head


# Entries recorded inside ``deferred()``, appended together when it ends.
_pending: ContextVar[list[AuditEntry] | None] = ContextVar("audit_pending", default=None)


def record(
    action: str,
    obj: models.Model,
    *,
    actor: User | None,
    **data: Any,
) -> AuditEntry:
    """Append an audit entry for ``obj`` to the hash chain.

    ``data`` must not hold sensitive answers or secrets. Appending locks the chain head row
    until the surrounding transaction ends, so call this last in a workflow's transaction, or
    inside ``deferred()``. Inside ``deferred()`` the entry is returned unsaved and appended
    when the block ends.
    """
    object_id = getattr(obj, "public_id", None) or obj.pk
    # Store exactly what is hashed: a JSON round trip turns UUIDs and dates into strings.
    plain_data = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    entry = AuditEntry(
        at=timezone.now(),
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        object_type=obj._meta.model_name or type(obj).__name__,
        object_id=str(object_id),
        data=plain_data,
    )
    pending = _pending.get()
    if pending is not None:
        pending.append(entry)
    else:
        _append([entry])
    return entry


@contextmanager
def deferred() -> Iterator[None]:
    """Collect the entries recorded inside the block and append them together at its end.

    Use it inside a long workflow's transaction (a placement run): the chain's head is then
    locked only for the append at the end, not from the first entry to the commit, so other
    workflows (every application sent in) are not held up meanwhile. If the block raises,
    nothing is appended (the transaction rolls back anyway). Nested blocks append with the
    outermost one.
    """
    if _pending.get() is not None:
        yield
        return
    token = _pending.set([])
    try:
        yield
        entries = _pending.get() or []
    finally:
        _pending.reset(token)
    if entries:
        _append(entries)


def _append(entries: list[AuditEntry]) -> None:
    # Part of the caller's transaction when there is one (no savepoint: two statements less).
    with transaction.atomic(savepoint=False):
        head = _head_for_update()
        for entry in entries:
            entry.seq = head.entries + 1
            entry.prev_hash = head.last_hash
            entry.entry_hash = entry.compute_hash()
            head.entries = entry.seq
            head.last_hash = entry.entry_hash
        AuditEntry.objects.bulk_create(entries)
        head.save(update_fields=["entries", "last_hash"])


@dataclass(frozen=True)
class ChainReport:
    entries: int
    broken_at: int | None  # seq of the first entry that does not check out
    reason: str

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _entries(batch_size: int) -> Iterator[AuditEntry]:
    last = 0
    while True:
        batch = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:batch_size])
        if not batch:
            return
        yield from batch
        last = batch[-1].seq


def verify_chain(*, batch_size: int = 5000) -> ChainReport:
    """Walk the whole log and name the first entry that was changed, inserted or removed."""
    expected_prev, expected_seq, count = GENESIS, 1, 0
    for entry in _entries(batch_size):
        if entry.seq != expected_seq:
            return ChainReport(count, expected_seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != expected_prev:
            return ChainReport(count, entry.seq, "does not link to the entry before it")
        if entry.compute_hash() != entry.entry_hash:
            return ChainReport(count, entry.seq, "its content was changed")
        expected_prev, expected_seq, count = entry.entry_hash, entry.seq + 1, count + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    head_entries = head.entries if head else 0
    head_hash = head.last_hash if head else GENESIS
    if head_entries > count:
        return ChainReport(count, count + 1, f"entries after {count} were removed")
    if head_entries < count:
        return ChainReport(head_entries, head_entries + 1, "was added outside the chain")
    if head_hash != expected_prev:
        return ChainReport(count - 1, count, "does not match the chain head (changed)")
    return ChainReport(count, None, "")
