"""What the public-page tests share: a fixed clock, a valid form, and reading the codes back."""

# Russian text is what these tests check, so Cyrillic letters that look Latin are expected.

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine

from haven.core.models import (
    Application,
    AuditEntry,
    BorderCrossing,
    Person,
    ReceivedApplication,
)

# Mid-morning in Almaty (UTC+5) on the same date as in UTC.
NOW = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def valid_post(**changes: Any) -> dict[str, str]:
    """A complete, valid application as a browser posts it; ``None`` leaves a field out."""
    data: dict[str, Any] = {
        "display_name": "Артём",
        "contact": "@artem_example",
        "gender": "man",
        "birth_year": "1994",
        "host_country": "KZ",
        "city": "Алматы",
        "entered_on": "2026-10-01",
        "document": "ru_internal_passport",
        "dependants": "1",
        "savings_days": "14",
        "no_income": "on",
        "no_housing": "on",
        "draft_notice": "on",
        "protests": "on",
        "situation": "Повестка пришла родителям.",
        "consent": "on",
        "idempotency_key": str(uuid.uuid4()),
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def codes_in(html: str) -> tuple[str, str]:
    """The reference code and passphrase shown on a confirmation page."""
    reference = re.search(r'<code id="reference">([^<]+)</code>', html)
    passphrase = re.search(r'<code id="passphrase">([^<]+)</code>', html)
    assert reference is not None, "no reference code on the page"
    assert passphrase is not None, "no passphrase on the page"
    return reference.group(1), passphrase.group(1)


def stored_rows() -> int:
    """How many rows an application writes, over every table it writes to."""
    return (
        Application.objects.count()
        + Person.objects.count()
        + BorderCrossing.objects.count()
        + AuditEntry.objects.count()
        + ReceivedApplication.objects.count()
    )
