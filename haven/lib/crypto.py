"""Encryption of sensitive fields at rest: a data key per person, wrapped by a master key.

Keys
    Master keys are ``settings.FIELD_KEYS`` (``HAVEN_FIELD_KEYS`` or ``HAVEN_FIELD_KEYS_FILE``),
    newest first; they never enter the database. Each person has a random 256-bit data key,
    stored only wrapped (AES-256-GCM) by the newest master key, in the person's own row
    (``Person.data_key``: ``wk1:<master key id>:<nonce + wrapped key>``); any configured
    master key whose id matches unwraps it.

Values
    ``enc2:`` values are sealed (AES-256-GCM) with the data key of the person they belong to;
    every encrypted field declares its owner as a path from its model to that person
    (``owner="application__person"``; ``"self"`` on the person). ``enc1:`` values are sealed
    with a master key directly (4-byte key id inside): a field declared without an owner
    (network data, of which there is none today) and values written before data keys
    (migration 0014 re-sealed them); both still open.

Erasing a person deletes the row that holds their wrapped key, so every value sealed with it,
wherever a copy of the ciphertext survives, can no longer be opened, even with the master key
(crypto-shredding; ``haven.core.services.erasure``, docs/threat-model.md). A backup taken
before the erasure still holds the wrapped key: it becomes unreadable once the master key
that wrapped it is retired.

Master key rotation without downtime: put the new key first in ``FIELD_KEYS`` (new data keys
are wrapped with it, old ones still unwrap), run ``manage.py rewrap_keys`` (re-wraps every data
key, the values stay as they are), then drop the old key.

Reading is lazy: a value stays sealed on the instance until its attribute is read, and is then
opened with the key found by following ``owner`` from the instance (a query per relation not
already loaded: use ``select_related`` when reading many rows). Saving writes an unread value
back as it was. Sealing needs the instance, so ``save()``, ``create()`` and ``bulk_create()``
work, while ``QuerySet.update()`` and ``bulk_update()`` of an owned field raise ``TypeError``
(``haven.core.services.bulk.save_fields`` writes many rows through ``pre_save``);
``values()``/``values_list()`` of an encrypted field give :class:`Sealed` values.

Unwrapped data keys are cached per thread, emptied when a request starts and ends
(``haven.core.apps``) and bounded by ``KEY_CACHE_SIZE`` for long jobs. Keys and plaintexts
never appear in exceptions or logs. Cost (``python -m bench.field_keys``): sealing or opening
a value takes about 3 us with the master key or a cached data key, and about 9 us when the
person's key must be unwrapped first.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from collections import OrderedDict
from functools import cache
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.query_utils import DeferredAttribute

PREFIX = "enc1:"  # sealed with a master key
PERSON_PREFIX = "enc2:"  # sealed with the owner's data key
WRAP_PREFIX = "wk1:"  # a data key wrapped by a master key
SELF = "self"  # the owner of a person's own fields
KEY_CACHE_SIZE = 4096
_NONCE = 12

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


def _master_keys() -> tuple[tuple[bytes, AESGCM], ...]:
    return _keys(tuple(settings.FIELD_KEYS))


def _master_key(key_id: bytes) -> AESGCM:
    for candidate_id, aead in _master_keys():
        if candidate_id == key_id:
            return aead
    raise ValueError("no configured master key opens this value")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def seal(plaintext: str) -> str:
    """Encrypt ``plaintext`` under the current master key; the result is ASCII text."""
    key_id, aead = _master_keys()[0]
    nonce = os.urandom(_NONCE)
    sealed = aead.encrypt(nonce, plaintext.encode("utf-8"), key_id)
    return PREFIX + _b64(key_id + nonce + sealed)


def open_sealed(token: str) -> str:
    """Decrypt a value made by :func:`seal`; raises ``ValueError`` if no master key opens it.

    A value sealed with a person's data key (``enc2:``) is refused: the master key alone
    cannot open it.
    """
    if not token.startswith(PREFIX):
        raise ValueError("not a value sealed with a master key")
    blob = base64.urlsafe_b64decode(token[len(PREFIX) :])
    key_id, nonce, sealed = blob[:4], blob[4 : 4 + _NONCE], blob[4 + _NONCE :]
    return _master_key(key_id).decrypt(nonce, sealed, key_id).decode("utf-8")


# --- Data keys ---


def master_key_id() -> str:
    """The id (hex) of the master key that wraps new data keys: the first configured."""
    return _master_keys()[0][0].hex()


def _wrap(key: bytes) -> str:
    key_id, aead = _master_keys()[0]
    nonce = os.urandom(_NONCE)
    wrapped = aead.encrypt(nonce, key, WRAP_PREFIX.encode() + key_id)
    return f"{WRAP_PREFIX}{key_id.hex()}:{_b64(nonce + wrapped)}"


def wrapped_by(wrapped: str) -> str:
    """The id (hex) of the master key that wrapped this data key."""
    if not wrapped.startswith(WRAP_PREFIX):
        raise ValueError("not a wrapped data key")
    return wrapped[len(WRAP_PREFIX) :].partition(":")[0]


def _unwrap(wrapped: str) -> bytes:
    key_id = bytes.fromhex(wrapped_by(wrapped))
    blob = base64.urlsafe_b64decode(wrapped.rpartition(":")[2])
    aead = _master_key(key_id)
    return aead.decrypt(blob[:_NONCE], blob[_NONCE:], WRAP_PREFIX.encode() + key_id)


def wrap_data_key(key: bytes) -> str:
    """The data key ``key`` (32 bytes) wrapped by the current master key."""
    if len(key) != 32:
        raise ValueError("a data key is 32 bytes")
    return _wrap(key)


def new_data_key() -> str:
    """A fresh random data key, wrapped by the current master key (the default of a person)."""
    return _wrap(os.urandom(32))


def rewrap(wrapped: str) -> str:
    """The same data key wrapped by the current master key (unchanged if it already is)."""
    if wrapped_by(wrapped) == master_key_id():
        return wrapped
    return _wrap(_unwrap(wrapped))


_cache = threading.local()


def _cached_keys() -> OrderedDict[str, AESGCM]:
    keys: OrderedDict[str, AESGCM] | None = getattr(_cache, "keys", None)
    if keys is None:
        keys = _cache.keys = OrderedDict()
    return keys


def _data_key(wrapped: str) -> AESGCM:
    keys = _cached_keys()
    aead = keys.get(wrapped)
    if aead is None:
        if len(keys) >= KEY_CACHE_SIZE:
            keys.popitem(last=False)  # the oldest
        aead = keys[wrapped] = AESGCM(_unwrap(wrapped))
    return aead


def forget_data_keys(*wrapped: str) -> None:
    """Drop these unwrapped data keys from this thread's cache (every key if none is given)."""
    keys = _cached_keys()
    if not wrapped:
        keys.clear()
    for item in wrapped:
        keys.pop(item, None)


def seal_with(wrapped: str, plaintext: str) -> str:
    """Encrypt ``plaintext`` with the data key ``wrapped`` (a person's ``data_key``)."""
    nonce = os.urandom(_NONCE)
    sealed = _data_key(wrapped).encrypt(nonce, plaintext.encode("utf-8"), PERSON_PREFIX.encode())
    return PERSON_PREFIX + _b64(nonce + sealed)


def open_with(wrapped: str, token: str) -> str:
    """Decrypt a value sealed with the data key ``wrapped``; ``enc1:`` values open too."""
    if token.startswith(PREFIX):
        return open_sealed(token)
    if not token.startswith(PERSON_PREFIX):
        raise ValueError("not an encrypted value")
    blob = base64.urlsafe_b64decode(token[len(PERSON_PREFIX) :])
    aead = _data_key(wrapped)
    return aead.decrypt(blob[:_NONCE], blob[_NONCE:], PERSON_PREFIX.encode()).decode("utf-8")


# --- Fields ---


class Sealed:
    """A value as the database holds it (ciphertext); opened when its attribute is read."""

    __slots__ = ("token",)

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return "<Sealed>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sealed) and other.token == self.token

    def __hash__(self) -> int:
        return hash(self.token)


class _SealedAttribute(DeferredAttribute):
    """Keeps a loaded value sealed on the instance until it is read, then opens it once."""

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Sealed):
            field = self.field
            assert isinstance(field, EncryptedField)
            value = field.open_value(instance, value)
            instance.__dict__[field.attname] = value
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        # A data descriptor, so that reads always come through __get__.
        instance.__dict__[self.field.attname] = value


if TYPE_CHECKING:
    _FieldBase = models.Field[Any, Any]
else:
    _FieldBase = object


class EncryptedField(_FieldBase):
    """What both encrypted fields share (mixed in before the Django field class): an owner."""

    descriptor_class = _SealedAttribute
    # The owner changes how values are sealed, not the column: no table rebuild on SQLite.
    non_db_attrs = (*models.Field.non_db_attrs, "owner")

    def __init__(self, *args: Any, owner: str | None = None, **kwargs: Any) -> None:
        self.owner = owner
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.owner is not None:
            kwargs["owner"] = self.owner
        return name, path, args, kwargs

    def _dumps(self, value: Any) -> str:
        raise NotImplementedError

    def _loads(self, text: str) -> Any:
        raise NotImplementedError

    def _owner_key(self, instance: models.Model) -> str:
        """The wrapped data key of the person who owns ``instance``'s values."""
        assert self.owner is not None
        owner: Any = instance
        if self.owner != SELF:
            for name in self.owner.split("__"):
                owner = getattr(owner, name)
        return str(owner.data_key)

    def open_value(self, instance: models.Model, value: Sealed) -> Any:
        """The plaintext of a stored value of this field on ``instance``."""
        if self.owner is None or value.token.startswith(PREFIX):
            return self._loads(open_sealed(value.token))
        return self._loads(open_with(self._owner_key(instance), value.token))

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        return None if value is None else Sealed(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        """The value as it is to be stored: sealed with the owner's key unless it still is."""
        loaded = model_instance.__dict__
        value = (
            loaded[self.attname]
            if self.attname in loaded
            else getattr(model_instance, self.attname)
        )
        if value is None or isinstance(value, Sealed):
            return value
        text = self._dumps(value)
        if self.owner is None:
            return Sealed(seal(text))
        return Sealed(seal_with(self._owner_key(model_instance), text))

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, Sealed):
            return value.token
        if self.owner is None:
            return seal(self._dumps(value))
        raise TypeError(
            f"{self.attname} is sealed with its owner's data key: save the instance "
            "(QuerySet.update() and bulk_update() do not know the owner)"
        )


class EncryptedTextField(EncryptedField, models.TextField):  # type: ignore[type-arg]
    """Text stored encrypted with its owner's data key; readable only through the ORM."""

    description = "Text encrypted at rest"

    def _dumps(self, value: Any) -> str:
        return str(value)

    def _loads(self, text: str) -> Any:
        return text


class EncryptedJSONField(EncryptedField, _JSONColumn):
    """A JSON document stored encrypted (so it cannot be queried by content, by design)."""

    description = "JSON encrypted at rest"

    def _dumps(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def _loads(self, text: str) -> Any:
        return json.loads(text)

    def to_python(self, value: Any) -> Any:
        return value
