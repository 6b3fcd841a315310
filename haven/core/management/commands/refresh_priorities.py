"""Daily job: update the calendar-dependent parts of pending priorities (docs/jobs.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from haven.core.services.triage import refresh_priorities


class Command(BaseCommand):
    help = "Recompute days-left and waiting points of pending applications (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        report = refresh_priorities()
        self.stdout.write(f"examined {report.examined}, changed {report.changed}")
