"""Data migrations keep what people told us: run against rows made before them."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("core", "0011_house_notices_activities")]
AFTER = [("core", "0012_household_beds")]


@pytest.mark.django_db(transaction=True)
def test_beds_needed_comes_from_the_dependants_reported_before(network: Any) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    person = old.get_model("core", "Person").objects.create(
        display_name="Lena", gender="woman", contact="@lena"
    )
    old.get_model("core", "Application").objects.create(
        reference="HV-TEST-0001",
        passphrase_hash="x",
        idempotency_hash="a" * 64,
        person=person,
        language="ru",
        host_country_id=network.kazakhstan.pk,
        answers={"dependants": 2},
        rubric_version="1",
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    application = new.get_model("core", "Application").objects.get(reference="HV-TEST-0001")
    assert application.beds_needed == 3
    assert application.needs_accessible is False

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # leave the database as it was
