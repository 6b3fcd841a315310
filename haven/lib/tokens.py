"""Secret tokens that are shown once and stored only as a SHA-256 hash.

Such tokens are long random strings (at least 256 bits), so a fast unsalted hash is enough to
make a copy of the database useless for signing in: nobody can guess a preimage.
"""

from __future__ import annotations

import hashlib
import secrets


def new_token(prefix: str = "") -> str:
    """A fresh random token (256 bits, URL-safe), after ``prefix``."""
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
