"""The audit log is a hash chain; the database refuses edits; tampering is found and named."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from haven.core.models import AuditEntry
from haven.core.services import audit
from haven.core.services.audit import verify_chain
from tests.conftest import Network, make_application

pytestmark = pytest.mark.django_db


def _three_entries() -> list[AuditEntry]:
    for name in ("Anna", "Boris", "Vera"):
        make_application(display_name=name, contact=f"@{name}")
    return list(AuditEntry.objects.order_by("seq"))


def _raw(sql: str, params: list[str | int] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def _as_database_owner() -> None:
    """What an attacker with the database owner's rights can do: switch the guard off."""
    if connection.vendor == "postgresql":
        _raw("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for no deferred checks
        _raw("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_append_only")
    else:
        _raw("DROP TRIGGER core_auditentry_append_only")


def test_entries_link_into_a_chain(network: Network) -> None:
    entries = _three_entries()
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[1].prev_hash == entries[0].entry_hash
    assert entries[2].prev_hash == entries[1].entry_hash
    report = verify_chain()
    assert report.ok
    assert report.entries == 3


def test_database_refuses_to_update_audit_rows(network: Network) -> None:
    entry = _three_entries()[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw("UPDATE core_auditentry SET action = %s WHERE id = %s", ["x.y", entry.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            _raw("DELETE FROM core_auditentry WHERE id = %s", [entry.pk])
    assert verify_chain().ok


def test_a_changed_row_is_named(network: Network) -> None:
    entries = _three_entries()
    _as_database_owner()
    _raw(
        "UPDATE core_auditentry SET object_id = %s WHERE id = %s",
        ["00000000-0000-0000-0000-000000000000", entries[1].pk],
    )

    report = verify_chain()
    assert (report.broken_at, report.entries) == (2, 1)
    assert "changed" in report.reason
    with pytest.raises(CommandError, match="BROKEN at entry 2"):
        call_command("verify_audit")


def test_a_removed_row_is_named(network: Network) -> None:
    entries = _three_entries()
    _as_database_owner()
    _raw("DELETE FROM core_auditentry WHERE id = %s", [entries[1].pk])
    report = verify_chain()
    assert report.broken_at == 2
    assert "missing" in report.reason


def test_rows_cut_from_the_end_are_noticed(network: Network) -> None:
    entries = _three_entries()
    _as_database_owner()
    _raw("DELETE FROM core_auditentry WHERE id = %s", [entries[2].pk])
    report = verify_chain()
    assert report.broken_at == 3
    assert "removed" in report.reason


def test_a_rewritten_chain_without_the_head_is_noticed(network: Network) -> None:
    """Re-hashing a changed row is not enough: the next link (or the head) disagrees."""
    entries = _three_entries()
    _as_database_owner()
    forged = entries[2]
    forged.action = "application.forged"
    forged.entry_hash = forged.compute_hash()
    _raw(
        "UPDATE core_auditentry SET action = %s, entry_hash = %s WHERE id = %s",
        [forged.action, forged.entry_hash, forged.pk],
    )
    assert verify_chain().broken_at == 3


def test_verify_command_reports_ok(network: Network) -> None:
    from io import StringIO

    _three_entries()
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "Audit log OK: 3 entries" in out.getvalue()


def test_deferred_entries_are_appended_together_at_the_end_in_order(network: Network) -> None:
    first = make_application(display_name="Anna", contact="@anna")
    before = AuditEntry.objects.count()
    with transaction.atomic(), audit.deferred():
        audit.record("test.one", first, actor=None, n=1)
        audit.record("test.two", first, actor=None, n=2)
        with audit.deferred():  # a nested block appends with the outer one
            audit.record("test.three", first, actor=None, n=3)
        assert AuditEntry.objects.count() == before  # nothing appended yet
    entries = list(AuditEntry.objects.order_by("seq")[before:])
    assert [e.action for e in entries] == ["test.one", "test.two", "test.three"]
    assert [e.data["n"] for e in entries] == [1, 2, 3]
    assert verify_chain().ok


def test_a_failed_deferred_block_appends_nothing(network: Network) -> None:
    first = make_application(display_name="Anna", contact="@anna")
    before = AuditEntry.objects.count()

    def failing_workflow() -> None:
        with transaction.atomic(), audit.deferred():
            audit.record("test.lost", first, actor=None)
            raise RuntimeError("the workflow failed")

    with pytest.raises(RuntimeError):
        failing_workflow()
    assert AuditEntry.objects.count() == before
    audit.record("test.after", first, actor=None)
    assert verify_chain().ok
