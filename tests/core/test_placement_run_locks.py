"""A placement run in progress does not hold up applications being sent in (PostgreSQL).

During a surge a run over the whole network can take seconds; every application sent in
meanwhile appends to the same audit chain. The run appends its entries at its end
(``audit.deferred``) and locks its shelters without blocking the foreign-key checks of other
transactions (``FOR NO KEY UPDATE OF`` the shelter alone), so a submission made while the run
is half-way is stored at once. On SQLite writers are serialised anyway: nothing to stage.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest
from django.db import connection, connections
from django.db.models.signals import post_save

from haven.core.models import Application, Offer, PlacementRun, Shelter
from haven.core.services import placements
from haven.core.services.applications import submit_application
from haven.core.services.audit import verify_chain
from tests.conftest import ANSWERS, Network, Personas
from tests.staff.conftest import accepted

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_an_application_is_stored_while_a_run_is_half_way(
    network: Network, personas: Personas
) -> None:
    for name in ("Anna", "Boris", "Vera"):
        accepted(personas.admin, display_name=name, contact=f"@{name}")
    halfway, resume = threading.Event(), threading.Event()
    offers_written = 0

    def pause(sender: Any, **kwargs: Any) -> None:
        nonlocal offers_written
        offers_written += 1
        if offers_written == 2:  # the first offer and its audit entry are written
            halfway.set()
            resume.wait(20)

    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(
                placements.run_placement(Shelter.objects.all(), actor=personas.admin, seed=1)
            )
        except Exception as exc:  # the test inspects it
            outcome.append(exc)
        finally:
            connections.close_all()

    post_save.connect(pause, sender=Offer, weak=False)
    try:
        worker = threading.Thread(target=run)
        worker.start()
        assert halfway.wait(20), "the run never reached its second offer"
        with connection.cursor() as cursor:  # blocked means failed, not a hung test
            cursor.execute("SET lock_timeout = '5s'")
        submission = submit_application(
            replace(ANSWERS, display_name="Surge", contact="@surge"),
            idempotency_key="during-the-run",
            language="ru",
        )
        stored_while_paused = Application.objects.filter(pk=submission.application.pk).exists()
    finally:
        resume.set()
        worker.join(30)
        post_save.disconnect(pause, sender=Offer)

    assert stored_while_paused
    assert isinstance(outcome[0], PlacementRun), outcome
    assert Offer.objects.filter(run=outcome[0]).count() == 3
    report = verify_chain()
    assert report.ok, report
