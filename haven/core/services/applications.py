"""Receiving applications and finding them again by their codes (deciding: review.py)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import zoneinfo
from dataclasses import asdict, dataclass
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.core.models import (
    Application,
    BorderCrossing,
    HostCountry,
    Person,
    ReceivedApplication,
)
from haven.core.models.people import DEFAULT_NATIONALITY
from haven.core.services import audit
from haven.core.services.errors import ApplicationError as ApplicationError
from haven.core.services.legal import clock_for_presence

# Deciding moved to haven.core.services.review; re-exported for existing callers.
from haven.core.services.review import decide_application as decide_application
from haven.core.services.triage import (
    contact_fingerprint,
    current_rubric,
    flag_duplicates,
    identity_fingerprint,
    stored_scores,
)
from haven.lib.passphrases import check_passphrase, hash_passphrase, spend_a_check
from haven.rules.scoring import ScoringInput, score
from haven.rules.stay_clock import Presence

# No 0/O, 1/I/L: codes are read aloud and typed on phones.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PASSPHRASE_ALPHABET = CODE_ALPHABET.lower()


@dataclass(frozen=True)
class ApplicantAnswers:
    """What the public form collects. Everything but the name, gender and place is sensitive."""

    display_name: str
    contact: str
    gender: str
    birth_year: int | None
    host_country: str
    city: str
    entered_on: date
    document: str
    dependants: int
    health_condition: bool
    no_income: bool
    no_housing: bool
    savings_days: int
    protests: bool
    opposition_member: bool
    arrested: bool
    draft_notice: bool
    prosecution: bool
    situation: str
    origin_region: str = ""
    needs_accessible: bool = False


@dataclass(frozen=True)
class Submission:
    application: Application
    passphrase: str
    created: bool


def key_hash_of(key: str) -> str:
    """What is stored of an idempotency key: its SHA-256, in hex."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def passphrase_for(key: str) -> str:
    """The passphrase shown for a form with this idempotency key: the same on every resubmit."""
    digest = hmac.new(
        str(settings.PASSPHRASE_KEY).encode(), b"passphrase:" + key.encode(), hashlib.sha256
    ).digest()
    chars = [PASSPHRASE_ALPHABET[b % len(PASSPHRASE_ALPHABET)] for b in digest[:12]]
    return "-".join("".join(chars[i : i + 4]) for i in range(0, 12, 4))


def new_reference() -> str:
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"HV-{body[:4]}-{body[4:]}"


def scoring_input(
    answers: ApplicantAnswers | dict[str, object], days_left: int | None, days_waiting: int
) -> ScoringInput:
    data = asdict(answers) if isinstance(answers, ApplicantAnswers) else dict(answers)
    return ScoringInput(
        no_income=bool(data["no_income"]),
        no_housing=bool(data["no_housing"]),
        savings_days=int(str(data["savings_days"])),
        protests=bool(data["protests"]),
        opposition_member=bool(data["opposition_member"]),
        arrested=bool(data["arrested"]),
        draft_notice=bool(data["draft_notice"]),
        prosecution=bool(data["prosecution"]),
        dependants=int(str(data["dependants"])),
        health_condition=bool(data["health_condition"]),
        days_left=days_left,
        days_waiting=days_waiting,
    )


def submit_application(
    answers: ApplicantAnswers,
    *,
    idempotency_key: str,
    language: str,
    actor: User | None = None,
) -> Submission:
    """Store an application once per idempotency key and return its codes.

    Resubmitting (double click, reload, retry on a bad network) returns the first application
    and the same passphrase. Nothing about the request (IP address, user agent) is stored.
    ``actor`` is the staff account that sent it in on the person's behalf (the API), if any.
    """
    key_hash = key_hash_of(idempotency_key)
    passphrase = passphrase_for(idempotency_key)
    passphrase_hash = hash_passphrase(passphrase)  # before the transaction: it takes CPU time
    # A resubmitted form is found by the unique idempotency hash when its row is inserted
    # (the IntegrityError below), not by a query ahead of every first submission.
    try:
        with transaction.atomic():
            application = store_application(
                answers,
                reference=new_reference(),
                passphrase_hash=passphrase_hash,
                idempotency_hash=key_hash,
                language=language,
                actor=actor,
            )
    except IntegrityError:
        # A concurrent resubmission of the same form won the race: return its application.
        existing = Application.objects.filter(idempotency_hash=key_hash).first()
        if existing is None:
            raise
        return Submission(existing, passphrase, created=False)
    return Submission(application, passphrase, created=True)


def store_application(
    answers: ApplicantAnswers,
    *,
    reference: str,
    passphrase_hash: str,
    idempotency_hash: str,
    language: str,
    actor: User | None,
    data_key: str | None = None,
    submitted_at: datetime | None = None,
) -> Application:
    """Create the person, border crossing and application, scored, with its audit entry.

    Call inside a transaction. ``data_key`` and ``submitted_at`` carry over what a queued
    application was received with (services/intake.py); by default a new key, and now.
    """
    try:
        country = HostCountry.objects.get(code=answers.host_country)
    except HostCountry.DoesNotExist:
        raise ApplicationError(_("Choose a country from the list.")) from None
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(country.timezone))
    clock = clock_for_presence(
        country.code,
        DEFAULT_NATIONALITY,
        answers.document,
        [Presence(answers.entered_on, None)],
        today,
    )
    result = score(scoring_input(answers, clock.days_left, 0), current_rubric())
    scores = stored_scores(result)
    sensitive = asdict(answers)
    public_fields = (
        "display_name",
        "contact",
        "gender",
        "birth_year",
        "host_country",
        "city",
        "origin_region",
    )
    for public_field in public_fields:
        sensitive.pop(public_field)
    sensitive["entered_on"] = answers.entered_on.isoformat()
    person = Person(
        display_name=answers.display_name,
        gender=answers.gender,
        birth_year=answers.birth_year,
        contact=answers.contact,
    )
    if data_key is not None:
        person.data_key = data_key
    person.save(force_insert=True)
    BorderCrossing.objects.create(
        person=person,
        country=country,
        entered_on=answers.entered_on,
        document=answers.document,
    )
    application = Application.objects.create(
        reference=reference,
        passphrase_hash=passphrase_hash,
        idempotency_hash=idempotency_hash,
        person=person,
        language=language,
        host_country=country,
        city=answers.city,
        beds_needed=1 + answers.dependants,
        needs_accessible=answers.needs_accessible,
        origin_region=answers.origin_region,
        answers=sensitive,
        **scores,
        last_legal_day=clock.last_legal_day,
        contact_fingerprint=contact_fingerprint(answers.contact),
        identity_fingerprint=identity_fingerprint(
            answers.display_name, answers.birth_year, country.code, answers.entered_on
        ),
        submitted_at=submitted_at or timezone.now(),
    )
    flags = flag_duplicates(application)
    audit.record("application.submitted", application, actor=actor, duplicate_flags=len(flags) // 2)
    return application


def find_for_applicant(reference: str, passphrase: str) -> Application | None:
    """The application matching both codes, or ``None`` (the same answer for either mismatch)."""
    application = (
        Application.objects.filter(reference=reference.strip().upper())
        .only("pk", "status", "reference", "passphrase_hash", "language", "submitted_at")
        .first()
    )
    typed = passphrase.strip().lower()
    if application is None:
        # Perhaps still in the intake queue (services/intake.py); a miss takes as long.
        return queued_for_applicant(reference.strip().upper(), typed)
    check = check_passphrase(typed, application.passphrase_hash)
    if not check.matches:
        return None
    if check.outdated:
        # Made at an earlier cost (e.g. Django's 1,000,000 iterations): remake it at today's.
        application.passphrase_hash = hash_passphrase(typed)
        Application.objects.filter(pk=application.pk).update(
            passphrase_hash=application.passphrase_hash
        )
    return application


def queued_for_applicant(reference: str, passphrase: str) -> Application | None:
    """A queued application matching both codes, as an unsaved "received" application.

    Takes as long as a stored hash's check, so a reply does not tell queued from unknown.
    """
    row = ReceivedApplication.objects.filter(reference=reference).first()
    spend_a_check(passphrase)
    if row is None:
        return None
    sealed = row.sealed
    if not hmac.compare_digest(str(sealed["passphrase"]).encode(), passphrase.encode()):
        return None
    return Application(
        reference=row.reference,
        language=row.language,
        status=Application.Status.SUBMITTED,
        submitted_at=row.received_at,
    )
