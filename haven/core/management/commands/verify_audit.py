"""Check the audit log's hash chain; exit status 1 and the first broken link if it fails."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from haven.core.services.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain and name the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"Audit log BROKEN at entry {report.broken_at}: {report.reason} "
                f"({report.entries} entries before it check out)"
            )
        self.stdout.write(self.style.SUCCESS(f"Audit log OK: {report.entries} entries"))
