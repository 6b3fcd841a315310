"""Data exports for network admins: the dashboard's tables, and one pseudonymised row per stay
(the applicant's own: a family's other beds are left out, see ``stays_table``).

Never in any export: names, contacts, answers, questions, notes, years or dates of birth,
exact dates of a stay (weeks only), or anything encrypted. The per-stay export names each
person by a keyed pseudonym (HMAC-SHA256 of their public id under ``settings.EXPORT_KEY``):
the same person has the same pseudonym in every export, so stays can be linked, but the
pseudonym cannot be turned back into the person without the key and the database. It is
pseudonymised, not anonymous: someone who knows who checked in where in a given week can find
that row. Hence the capability, the re-authentication (the view) and the audit entry.

Each export writes ``export.downloaded`` (kind, format, rows; never any content) in the
transaction that reads the data.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.core.models import Stay
from haven.core.services import audit
from haven.core.services.dashboard import TABLE_KEYS, Table, load_dashboard, tables
from haven.core.services.fairness import BAND_WIDTH
from haven.core.services.legal import local_today
from haven.lib.spreadsheets import CSV_TYPE, XLSX_TYPE, csv_bytes, xlsx_bytes

STAYS = "stays"
KINDS = (*TABLE_KEYS, STAYS)


class Format(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", gettext_lazy("XLSX (Excel, LibreOffice)")


@dataclass(frozen=True)
class ExportFile:
    name: str
    content_type: str
    content: bytes
    rows: int


def pseudonym(person_public_id: object) -> str:
    """A stable pseudonym for a person: 16 hex digits of a keyed hash of their public id."""
    key = str(settings.EXPORT_KEY).encode()
    message = f"export-person:{person_public_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def iso_week(day: date | None) -> str:
    if day is None:
        return ""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def priority_band(priority: int | None) -> str:
    if priority is None:
        return ""
    low = max(priority, 0) // BAND_WIDTH * BAND_WIDTH
    return f"{low}-{low + BAND_WIDTH - 1}"


def stays_table() -> Table:
    """Every resident's stay in Haven, oldest first: pseudonym, shelter, weeks, outcome,
    priority band. A family's other beds are not rows: how many there are would tell the
    number of dependants, an answer."""
    rows = (
        Stay.objects.heads()
        .order_by("check_in", "pk")
        .values_list(
            "person__public_id",
            "bed__room__shelter__name",
            "check_in",
            "check_out",
            "outcome",
            "person__application__priority",
        )
        .iterator(chunk_size=2000)
    )
    return Table(
        STAYS,
        _("Stays, pseudonymised"),
        (
            "person",
            "shelter",
            "check_in_week",
            "check_out_week",
            "outcome",
            "priority_band",
        ),
        tuple(
            (
                pseudonym(person),
                shelter,
                iso_week(check_in),
                iso_week(check_out),
                outcome,
                priority_band(priority),
            )
            for person, shelter, check_in, check_out, outcome, priority in rows
        ),
    )


def export(kind: str, file_format: str, *, actor: User, today: date | None = None) -> ExportFile:
    """The file of ``kind`` (a dashboard table's key, or ``STAYS``), audited."""
    if kind not in KINDS or file_format not in Format.values:
        raise ValueError(f"no export {kind!r} as {file_format!r}")
    with transaction.atomic():
        if kind == STAYS:
            table = stays_table()
            made_on = today or local_today(None)
        else:
            board = load_dashboard(today)
            table = next(t for t in tables(board) if t.key == kind)
            made_on = board.today
        rows = table.all_rows
        audit.record(
            "export.downloaded", actor, actor=actor, kind=kind, format=file_format, rows=len(rows)
        )
    name = f"haven-{kind}-{made_on.isoformat()}.{file_format}"
    if file_format == Format.CSV:
        return ExportFile(name, CSV_TYPE, csv_bytes(table.columns, rows), len(rows))
    return ExportFile(name, XLSX_TYPE, xlsx_bytes(kind, table.columns, rows), len(rows))
