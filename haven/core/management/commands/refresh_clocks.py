"""Daily job: recompute current residents' stored legal clocks and their duties (docs/jobs.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from haven.core.services.legal import current_resident_ids, refresh_clocks, sync_duties


class Command(BaseCommand):
    help = "Recompute the stored legal-stay clocks and duties of current residents (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        ids = current_resident_ids()
        report = refresh_clocks(ids)
        tasks = sync_duties(ids)
        self.stdout.write(
            f"examined {report.examined}, changed {report.changed}, tasks created {tasks}"
        )
