"""Applicants' passphrases are hashed at Haven's own cost; hashes made at any cost still work."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import override_settings

from haven.core.models import Application
from haven.core.services.applications import find_for_applicant, submit_application
from haven.lib.passphrases import check_passphrase, hash_passphrase
from tests.conftest import ANSWERS, Network

pytestmark = pytest.mark.django_db


def test_a_passphrase_is_hashed_at_the_configured_cost() -> None:
    with override_settings(PASSPHRASE_ITERATIONS=12_345):
        encoded = hash_passphrase("abcd-efgh-jkmn")
    algorithm, iterations, salt, digest = encoded.split("$")
    assert (algorithm, iterations) == ("pbkdf2_sha256", "12345")
    assert "abcd" not in encoded
    assert len(salt) >= 20
    assert digest
    assert hash_passphrase("abcd-efgh-jkmn") != hash_passphrase("abcd-efgh-jkmn")  # salted


def test_the_default_cost_is_the_production_floor() -> None:
    assert settings.PASSPHRASE_ITERATIONS == settings.PASSPHRASE_ITERATIONS_FLOOR == 10_000
    assert hash_passphrase("x").startswith("pbkdf2_sha256$10000$")


def test_check_matches_only_the_right_passphrase() -> None:
    encoded = hash_passphrase("abcd-efgh-jkmn")
    assert check_passphrase("abcd-efgh-jkmn", encoded).matches
    assert not check_passphrase("abcd-efgh-jkmp", encoded).matches
    assert not check_passphrase("", encoded).matches
    assert not check_passphrase("abcd-efgh-jkmn", "pbkdf2_sha256$broken").matches
    assert not check_passphrase("abcd-efgh-jkmn", "").matches


def test_a_hash_from_djangos_password_cost_still_opens_and_is_remade(network: Network) -> None:
    submission = submit_application(ANSWERS, idempotency_key="old-cost", language="ru")
    # How passphrases were stored before: Django's password hasher, 1,000,000 iterations.
    django_hasher = PBKDF2PasswordHasher()
    old = django_hasher.encode(submission.passphrase, django_hasher.salt())
    assert old.startswith("pbkdf2_sha256$1000000$")
    Application.objects.filter(pk=submission.application.pk).update(passphrase_hash=old)

    reference = submission.application.reference
    assert find_for_applicant(reference, "wron-gpas-sphr") is None
    assert Application.objects.get().passphrase_hash == old  # a wrong guess changes nothing

    assert find_for_applicant(reference, submission.passphrase) == submission.application
    remade = Application.objects.get().passphrase_hash
    assert remade.startswith("pbkdf2_sha256$10000$")
    check = check_passphrase(submission.passphrase, remade)
    assert check.matches
    assert not check.outdated
    assert find_for_applicant(reference, submission.passphrase) == submission.application


def test_raising_the_cost_later_upgrades_hashes_on_the_next_status_check(
    network: Network,
) -> None:
    submission = submit_application(ANSWERS, idempotency_key="raise", language="ru")
    reference = submission.application.reference
    with override_settings(PASSPHRASE_ITERATIONS=20_000):
        assert check_passphrase(
            submission.passphrase, Application.objects.get().passphrase_hash
        ).outdated
        assert find_for_applicant(reference, submission.passphrase) is not None
        assert Application.objects.get().passphrase_hash.startswith("pbkdf2_sha256$20000$")
