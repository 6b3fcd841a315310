"""Backup files: what goes in comes out, and any change, cut or wrong key is refused."""

from __future__ import annotations

import base64
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.lib.sealed_stream import (
    SealedStreamError,
    SealedWriter,
    open_stream,
    parse_key,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
HEADER = 32


def seal(data: bytes, *, chunk_size: int, pieces: list[int] | None = None) -> bytes:
    out = io.BytesIO()
    writer = SealedWriter(out, KEY, chunk_size=chunk_size)
    start = 0
    for size in pieces or []:
        writer.write(data[start : start + size])
        start += size
    writer.write(data[start:])
    writer.close()
    return out.getvalue()


def unseal(blob: bytes, key: bytes = KEY) -> bytes:
    return b"".join(open_stream(io.BytesIO(blob), key))


@settings(max_examples=200)
@given(
    data=st.binary(max_size=400),
    chunk_size=st.integers(min_value=1, max_value=64),
    pieces=st.lists(st.integers(min_value=0, max_value=100), max_size=6),
)
def test_what_is_sealed_opens_unchanged(data: bytes, chunk_size: int, pieces: list[int]) -> None:
    assert unseal(seal(data, chunk_size=chunk_size, pieces=pieces)) == data


@settings(max_examples=200)
@given(
    data=st.binary(max_size=200),
    chunk_size=st.integers(min_value=1, max_value=48),
    where=st.integers(min_value=0),
    flip=st.integers(min_value=1, max_value=255),
)
def test_any_changed_byte_is_refused(data: bytes, chunk_size: int, where: int, flip: int) -> None:
    blob = bytearray(seal(data, chunk_size=chunk_size))
    blob[where % len(blob)] ^= flip
    with pytest.raises(SealedStreamError):
        unseal(bytes(blob))


@settings(max_examples=200)
@given(
    data=st.binary(max_size=200),
    chunk_size=st.integers(min_value=1, max_value=48),
    keep=st.integers(min_value=0),
)
def test_a_file_cut_short_is_refused(data: bytes, chunk_size: int, keep: int) -> None:
    blob = seal(data, chunk_size=chunk_size)
    with pytest.raises(SealedStreamError):
        unseal(blob[: keep % len(blob)])


def test_extra_bytes_reordered_or_dropped_chunks_are_refused() -> None:
    chunk = 16
    blob = seal(bytes(range(64)), chunk_size=chunk)
    record = chunk + 16
    records = [blob[i : i + record] for i in range(HEADER, len(blob), record)]
    assert len(records) == 4
    head = blob[:HEADER]
    for changed in (
        blob + b"\x00",
        blob + records[-1],
        head + records[1] + records[0] + records[2] + records[3],
        head + records[0] + records[2] + records[3],
    ):
        with pytest.raises(SealedStreamError):
            unseal(changed)


def test_a_wrong_key_is_named_and_nothing_is_readable() -> None:
    blob = seal(b"secret rows", chunk_size=8)
    with pytest.raises(SealedStreamError, match="different backup key"):
        unseal(blob, OTHER_KEY)
    assert b"secret rows" not in blob


def test_other_files_are_not_taken_for_backups() -> None:
    with pytest.raises(SealedStreamError, match="not a Haven backup"):
        unseal(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)


def test_the_same_data_seals_differently_each_time() -> None:
    assert seal(b"rows", chunk_size=8) != seal(b"rows", chunk_size=8)


def test_keys_are_32_bytes_of_base64() -> None:
    assert parse_key(base64.urlsafe_b64encode(KEY).decode()) == KEY
    with pytest.raises(SealedStreamError, match="32 bytes"):
        parse_key(base64.urlsafe_b64encode(b"short").decode())
    with pytest.raises(SealedStreamError, match="not base64"):
        parse_key("!!!")
