"""Helpers for the staff tests: people in beds, through the real services."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils.translation import override

from haven.core.models import Application, Bed, Stay
from haven.core.services.applications import decide_application
from haven.core.services.stays import check_in
from tests.conftest import make_application


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Staff tests read English pages: reverse() gives /en/ URLs and messages are English."""
    with override("en"):
        yield


def accepted(actor: User, **answers: Any) -> Application:
    application = make_application(**answers)
    decide_application(application, "accept", "Meets the criteria.", actor=actor)
    return application


def resident(bed: Bed, actor: User, day: date = date(2026, 10, 2), **answers: Any) -> Stay:
    """An accepted applicant checked into ``bed`` on ``day``."""
    return check_in(accepted(actor, **answers), bed, day, actor=actor)
