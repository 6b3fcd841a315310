"""Master key rotation: re-wrap every person's data key under the current master key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.core.services.data_keys import rewrap_data_keys


class Command(BaseCommand):
    help = (
        "Re-wrap every person's data key with the first key of HAVEN_FIELD_KEYS, so older "
        "master keys can be dropped (idempotent; safe while Haven runs)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        report = rewrap_data_keys(batch_size=options["batch_size"])
        self.stdout.write(
            f"master key {report.master_key}: rewrapped {report.rewrapped}, "
            f"already current {report.current}"
        )
        if report.unreadable:
            raise CommandError(
                f"{report.unreadable} data keys were wrapped by a master key that is not "
                "configured: put it back in HAVEN_FIELD_KEYS (after the new key) and run again"
            )
