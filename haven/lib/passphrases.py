"""Hashing of applicants' passphrases, at a cost set for what they are.

Django's password hasher is tuned for passwords people choose: PBKDF2-SHA256 at 1,000,000
iterations, about a third of a second of CPU per hash. An applicant's passphrase is not
chosen by a person: it is 12 characters drawn by HMAC-SHA256 from a 31-letter alphabet,
about 59 bits, so a slow hash buys little against guessing (docs/threat-model.md has the
arithmetic) and would spend most of the CPU of a submission during a surge. Passphrases are
hashed with the same algorithm (``pbkdf2_sha256``) at ``settings.PASSPHRASE_ITERATIONS``
(``HAVEN_PASSPHRASE_ITERATIONS``; production refuses fewer than
``settings.PASSPHRASE_ITERATIONS_FLOOR``, 10,000).

A stored hash carries its own iteration count, so hashes made at any earlier cost (Django's
1,000,000 included) still verify; a successful check tells the caller when the stored hash
should be remade at the current cost.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password


class PassphraseHasher(PBKDF2PasswordHasher):
    """PBKDF2-SHA256 at Haven's passphrase cost; verifies hashes made at any cost."""

    @property
    def iterations(self) -> int:  # type: ignore[override]
        return int(settings.PASSPHRASE_ITERATIONS)


_HASHER = PassphraseHasher()


def hash_passphrase(passphrase: str) -> str:
    """The stored form of ``passphrase``: ``pbkdf2_sha256$<iterations>$<salt>$<hash>``."""
    return _HASHER.encode(passphrase, _HASHER.salt())


@dataclass(frozen=True)
class Check:
    matches: bool
    # The stored hash was made at another cost than today's: store a new one.
    outdated: bool


def check_passphrase(passphrase: str, encoded: str) -> Check:
    """Whether ``passphrase`` matches the stored hash, in time independent of where it differs."""
    algorithm = encoded.split("$", 1)[0]
    if algorithm == _HASHER.algorithm:
        try:
            iterations = int(_HASHER.decode(encoded)["iterations"])
        except (ValueError, KeyError):
            return Check(False, False)
        matches = _HASHER.verify(passphrase, encoded)
        return Check(matches, matches and iterations != _HASHER.iterations)
    # Any other algorithm Django is configured for (e.g. a faster one in the test settings).
    matches = check_password(passphrase, encoded)
    return Check(matches, matches)


def spend_a_check(passphrase: str) -> None:
    """Take as long as checking a current hash, for answers that must not reveal a miss early."""
    _HASHER.encode(passphrase, secrets.token_hex(11))
