"""Daily job: e-mail coordinators who must act on a legal clock soon (docs/jobs.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from haven.core.services.reminders import send_clock_reminders


class Command(BaseCommand):
    help = (
        "Refresh current residents' clocks, then e-mail each shelter's coordinators the "
        "residents with 14 days or less left or needing a caseworker check, and an overstay "
        "alarm. Idempotent: a second run on the same day sends nothing new."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="Language of the e-mails (default: %(default)s).",
        )
        parser.add_argument(
            "--base-url",
            default="",
            help="Site address, e.g. https://haven.example.org, to link each shelter's board.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = send_clock_reminders(language=options["language"], base_url=options["base_url"])
        self.stdout.write(f"e-mails sent {report.emails}, reminders {report.reminders}")
        for name in report.no_recipient:
            self.stderr.write(f"{name}: no coordinator with an e-mail address; nothing sent")
