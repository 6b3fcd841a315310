"""Encryption of sensitive fields at rest.

Values are sealed with AES-256-GCM under the first key of ``settings.FIELD_KEYS`` and opened
with whichever configured key produced them (a 4-byte key id travels with each value), so keys
can be rotated without downtime: put the new key first, re-save rows, then drop the old key.
Per-person data keys for crypto-shredding build on this (issue 6, docs/threat-model.md).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from functools import cache
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "enc1:"

if TYPE_CHECKING:
    # For the type checker an encrypted JSON column holds any JSON value, not text.
    _JSONColumn = models.Field[Any, Any]
else:
    _JSONColumn = models.TextField


@cache
def _keys(raw_keys: tuple[str, ...]) -> tuple[tuple[bytes, AESGCM], ...]:
    keys = []
    for raw in raw_keys:
        try:
            key = base64.urlsafe_b64decode(raw)
        except ValueError as exc:
            raise ImproperlyConfigured("HAVEN_FIELD_KEYS holds a key that is not base64") from exc
        if len(key) != 32:
            raise ImproperlyConfigured("Each HAVEN_FIELD_KEYS key must be 32 bytes, base64")
        keys.append((hashlib.sha256(key).digest()[:4], AESGCM(key)))
    if not keys:
        raise ImproperlyConfigured("HAVEN_FIELD_KEYS is empty: sensitive fields cannot be stored")
    return tuple(keys)


def seal(plaintext: str) -> str:
    """Encrypt ``plaintext`` under the current key; the result is ASCII text."""
    key_id, aead = _keys(tuple(settings.FIELD_KEYS))[0]
    nonce = os.urandom(12)
    sealed = aead.encrypt(nonce, plaintext.encode("utf-8"), key_id)
    return PREFIX + base64.urlsafe_b64encode(key_id + nonce + sealed).decode("ascii")


def open_sealed(token: str) -> str:
    """Decrypt a value made by :func:`seal`; raises ``ValueError`` if no key opens it."""
    if not token.startswith(PREFIX):
        raise ValueError("not an encrypted value")
    blob = base64.urlsafe_b64decode(token[len(PREFIX) :])
    key_id, nonce, sealed = blob[:4], blob[4:16], blob[16:]
    for candidate_id, aead in _keys(tuple(settings.FIELD_KEYS)):
        if candidate_id == key_id:
            return aead.decrypt(nonce, sealed, key_id).decode("utf-8")
    raise ValueError("no configured key opens this value")


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text stored encrypted; readable only through the ORM with the keys configured."""

    description = "Text encrypted at rest"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None:
            return None
        return open_sealed(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return seal(str(value))


class EncryptedJSONField(_JSONColumn):
    """A JSON document stored encrypted (so it cannot be queried by content, by design)."""

    description = "JSON encrypted at rest"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return json.loads(open_sealed(value))

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return seal(json.dumps(value, ensure_ascii=False, sort_keys=True))
