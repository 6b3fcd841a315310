"""Writing audit entries (always inside the transaction of the change they describe)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import models

from haven.core.models import AuditEntry


def record(
    action: str,
    obj: models.Model,
    *,
    actor: User | None,
    **data: Any,
) -> AuditEntry:
    """Append an audit entry for ``obj``. ``data`` must not hold sensitive answers or secrets."""
    object_id = getattr(obj, "public_id", None) or obj.pk
    return AuditEntry.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        object_type=obj._meta.model_name or type(obj).__name__,
        object_id=str(object_id),
        data=data,
    )
