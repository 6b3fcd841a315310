"""Hourly job: offers nobody answered in time expire and their beds return (docs/jobs.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from haven.core.services.placements import expire_overdue


class Command(BaseCommand):
    help = "Expire confirmed bed offers past their answer time (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"expired {expire_overdue()}")
