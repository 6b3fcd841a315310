"""Write an encrypted backup of the database (docs/deployment.md, Backups)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from haven.core.services.backup import BackupError, write_backup_file


class Command(BaseCommand):
    help = (
        "Write the whole database, encrypted with HAVEN_BACKUP_KEY, to a file "
        "(or to haven-<UTC time>.backup in a directory)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path, help="file to create, or an existing directory")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            path, manifest = write_backup_file(options["path"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        # The head hash goes to the job's log: kept off the server, it shows later whether the
        # audit log was rewritten (docs/audit.md).
        self.stdout.write(
            f"wrote {path} ({path.stat().st_size} bytes, {time.monotonic() - started:.2f} s): "
            f"{manifest.describe()}"
        )
