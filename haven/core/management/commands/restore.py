"""Restore an encrypted backup into an empty database and check it (docs/deployment.md)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from haven.core.services.backup import BackupError, backup_key, check_backup, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` into the configured database, which must be empty, "
        "then check rows per table and the audit chain against the backup's manifest."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path, help="the backup file")
        parser.add_argument(
            "--check-only",
            action="store_true",
            help="only authenticate the file and print its manifest; touch no database",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            if options["check_only"]:
                manifest = check_backup(options["path"], backup_key())
                self.stdout.write(f"authentic: {manifest.describe()}")
                return
            report = restore_backup(options["path"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.monotonic() - started
        self.stdout.write(f"restored in {elapsed:.2f} s: {report.manifest.describe()}")
        if report.problems:
            raise CommandError(
                "the restored database does NOT match the backup; do not use it:\n  "
                + "\n  ".join(report.problems)
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"checked: rows in all {len(report.manifest.tables)} tables match, "
                f"audit log OK with {report.manifest.audit_entries} entries and the same head"
            )
        )
