"""Daily job: erase people whose retention period is over (docs/jobs.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from haven.core.services.erasure import apply_retention


class Command(BaseCommand):
    help = "Erase rejected applicants and moved-out residents past their retention period."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only count who is due")

    def handle(self, *args: Any, **options: Any) -> None:
        report = apply_retention(dry_run=options["dry_run"])
        verb = "due" if options["dry_run"] else "erased"
        self.stdout.write(
            f"{verb}: {report.rejected} rejected applicants, {report.moved_out} moved-out residents"
        )
