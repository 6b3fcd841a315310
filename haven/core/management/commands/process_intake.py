"""The intake worker: stores queued applications (services/intake.py, docs/jobs.md).

``process_intake`` empties the queue and exits; ``--follow`` keeps going, looking again every
``--interval`` seconds when the queue is empty (the systemd service runs it so). A lost
database connection (PostgreSQL restarting) is waited out; SIGTERM finishes the batch in
hand, then exits.
"""

from __future__ import annotations

import signal
import sys
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, close_old_connections, connection

from haven.core.services.intake import MAX_FAILURES, process_received, queue_report


class Command(BaseCommand):
    help = "Store the applications waiting in the intake queue (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--follow", action="store_true", help="keep running")
        parser.add_argument("--interval", type=float, default=0.5, help="seconds between looks")
        parser.add_argument("--batch-size", type=int, default=100)
        parser.add_argument(
            "--report",
            action="store_true",
            help="only print how many wait and how long the oldest has waited",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["report"]:
            queued = queue_report()
            self.stdout.write(
                f"queued {queued.waiting} oldest {queued.oldest_seconds:.0f} s stuck {queued.stuck}"
            )
            return
        follow: bool = options["follow"]
        interval: float = options["interval"]
        batch: int = options["batch_size"]
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        if follow:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        stored = failed = stuck = 0
        while not stopping:
            try:
                report = process_received(batch_size=batch)
            except DatabaseError as error:
                if not follow:
                    raise
                self.stderr.write(f"database unavailable, retrying: {error}".strip())
                connection.close()
                time.sleep(interval * 4)
                continue
            stored += report.stored
            failed += report.failed
            stuck = report.stuck
            if report.stored or report.failed:
                if follow:
                    self.stdout.write(f"stored {report.stored} failed {report.failed}")
                continue  # there may be more
            if not follow:
                break
            close_old_connections()
            time.sleep(interval)
        self.stdout.write(f"stored {stored} failed {failed} stuck {stuck}")
        if stuck:
            self.stderr.write(
                f"{stuck} received application(s) failed {MAX_FAILURES} times and wait for "
                "an operator: see the log above and docs/jobs.md"
            )
            sys.exit(1)
