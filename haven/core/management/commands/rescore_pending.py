"""Re-score pending applications under the rubric in force (docs/jobs.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.core.services.triage import rescore_pending


class Command(BaseCommand):
    help = (
        "Re-score applications waiting for a decision or a bed that were scored under an "
        "older rubric version (idempotent; publishing a version starts the same work)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        report = rescore_pending(actor=None, batch_size=options["batch_size"])
        self.stdout.write(f"rubric {report.version}: rescored {report.rescored}")
