"""Streaming authenticated encryption for backup files (AES-256-GCM in fixed-size chunks).

A backup can be larger than memory, so it is sealed chunk by chunk (the STREAM construction):
each chunk is encrypted and authenticated on its own, its nonce holds its position and a flag
for the final chunk, and every chunk authenticates the file header as associated data. So a
reader accepts plaintext only after its chunk checked out, and refuses a file whose bytes were
changed, whose chunks were reordered, dropped or cut off at the end, or whose header was edited.

Layout: ``MAGIC`` (8 bytes), key id (4 bytes: the start of SHA-256 of the key, so a wrong key
is named as such), salt (16 random bytes), chunk size (4 bytes, big-endian), then the chunks,
each ``chunk size + 16`` bytes except the final one, which may be shorter. The chunk key is
HKDF-SHA256(key, salt), fresh for every file, so counter nonces never repeat under one key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import struct
from collections.abc import Iterator
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"HAVENBK\x01"
CHUNK_SIZE = 1024 * 1024
TAG_SIZE = 16
_HEADER = struct.Struct(">8s4s16sI")
_MAX_CHUNK = 64 * 1024 * 1024  # refuse absurd sizes from a corrupt header before allocating


class SealedStreamError(ValueError):
    """The stream is not a backup, was made with another key, or was changed or cut short."""


def parse_key(raw: str) -> bytes:
    """A 32-byte key from its URL-safe base64 form (as made in README's key recipe)."""
    try:
        key = base64.b64decode(raw.strip(), altchars=b"-_", validate=True)
    except (ValueError, binascii.Error) as exc:
        raise SealedStreamError("the backup key is not base64") from exc
    if len(key) != 32:
        raise SealedStreamError("the backup key must be 32 bytes, base64-encoded")
    return key


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()[:4]


def _chunk_cipher(key: bytes, salt: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=MAGIC).derive(key)
    return AESGCM(derived)


def _nonce(counter: int, final: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


class SealedWriter:
    """Encrypts what is written to it into ``out``; :meth:`close` seals the final chunk.

    Nothing written is authentic until ``close`` ran: a reader refuses a stream without its
    final chunk. ``close`` does not close ``out``.
    """

    def __init__(self, out: IO[bytes], key: bytes, *, chunk_size: int = CHUNK_SIZE) -> None:
        if not 0 < chunk_size <= _MAX_CHUNK:
            raise ValueError("chunk size out of range")
        salt = os.urandom(16)
        self._header = _HEADER.pack(MAGIC, key_id(key), salt, chunk_size)
        self._aead = _chunk_cipher(key, salt)
        self._out = out
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self._counter = 0
        self._closed = False
        out.write(self._header)

    def _emit(self, plaintext: bytes, *, final: bool) -> None:
        nonce = _nonce(self._counter, final)
        self._out.write(self._aead.encrypt(nonce, plaintext, self._header))
        self._counter += 1

    def write(self, data: bytes) -> None:
        if self._closed:
            raise ValueError("write to a closed sealed stream")
        self._buffer += data
        # Keep at least one byte back: the chunk that ends the stream must carry the final flag.
        while len(self._buffer) > self._chunk_size:
            self._emit(bytes(self._buffer[: self._chunk_size]), final=False)
            del self._buffer[: self._chunk_size]

    def close(self) -> None:
        if not self._closed:
            self._emit(bytes(self._buffer), final=True)
            self._buffer.clear()
            self._closed = True


def _read_exactly(src: IO[bytes], size: int) -> bytes:
    parts, missing = [], size
    while missing:
        part = src.read(missing)
        if not part:
            break
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


def open_stream(src: IO[bytes], key: bytes) -> Iterator[bytes]:
    """Yield the plaintext of ``src`` chunk by chunk, each only once it is authenticated.

    Raises :class:`SealedStreamError` as soon as something does not check out; chunks yielded
    before that were authentic, but the stream as a whole is not, so callers must discard them.
    """
    header = _read_exactly(src, _HEADER.size)
    if len(header) < _HEADER.size or not header.startswith(MAGIC):
        raise SealedStreamError("this is not a Haven backup file (or not of this format)")
    _, file_key_id, salt, chunk_size = _HEADER.unpack(header)
    if file_key_id != key_id(key):
        raise SealedStreamError("this backup was made with a different backup key")
    if not 0 < chunk_size <= _MAX_CHUNK:
        raise SealedStreamError("the backup's header is damaged")
    aead = _chunk_cipher(key, salt)
    record_size = chunk_size + TAG_SIZE
    counter = 0
    record = _read_exactly(src, record_size)
    while True:
        following = _read_exactly(src, record_size) if len(record) == record_size else b""
        final = not following
        try:
            plaintext = aead.decrypt(_nonce(counter, final), record, header)
        except InvalidTag:
            raise SealedStreamError(
                f"the backup was changed or cut short (chunk {counter} does not authenticate)"
            ) from None
        yield plaintext
        if final:
            return
        counter, record = counter + 1, following
