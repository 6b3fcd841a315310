"""Development only: the current second-factor code of a demo staff user."""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.core.management.commands.load_demo import DEMO_STAFF


class Command(BaseCommand):
    help = "Print the current 6-digit code (and the key) of a demo user's authenticator."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Codes are never printed in production.")
        username = options["username"]
        device = TOTPDevice.objects.filter(user__username=username, name="default").first()
        if username not in DEMO_STAFF or device is None:
            raise CommandError(f"No demo authenticator for {options['username']!r}.")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        key = base64.b32encode(device.bin_key).decode()
        self.stdout.write(f"{code:0{device.digits}d}  (key for an authenticator app: {key})")
