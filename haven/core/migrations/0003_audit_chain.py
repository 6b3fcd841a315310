"""Chain audit entries by hash and make the database refuse changes to them."""

from typing import Any

from django.db import migrations, models

GENESIS = "0" * 64

POSTGRES_GUARD = """
CREATE OR REPLACE FUNCTION haven_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditentry_append_only
    BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION haven_audit_append_only();
"""
POSTGRES_UNGUARD = """
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
DROP FUNCTION IF EXISTS haven_audit_append_only();
"""
# SQLite: UPDATE is refused. DELETE stays possible because Django's test flush empties tables
# row by row there; a deleted row still breaks the chain (verify_audit), and production runs
# on PostgreSQL, where both are refused.
SQLITE_GUARD = """
CREATE TRIGGER core_auditentry_append_only BEFORE UPDATE ON core_auditentry
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
"""
SQLITE_UNGUARD = "DROP TRIGGER IF EXISTS core_auditentry_append_only;"


def backfill_chain(apps: Any, schema_editor: Any) -> None:
    """Number and hash entries written before the chain existed (development databases)."""
    from haven.core.models.audit import AuditEntry as LiveEntry

    entry_model = apps.get_model("core", "AuditEntry")
    head_model = apps.get_model("core", "AuditChainHead")
    prev, seq = GENESIS, 0
    for row in entry_model.objects.order_by("id"):
        seq += 1
        live = LiveEntry(
            seq=seq,
            at=row.at,
            actor_id=row.actor_id,
            action=row.action,
            object_type=row.object_type,
            object_id=row.object_id,
            data=row.data,
            prev_hash=prev,
        )
        prev = live.compute_hash()
        entry_model.objects.filter(pk=row.pk).update(seq=seq, prev_hash=live.prev_hash,
                                                     entry_hash=prev)
    head_model.objects.update_or_create(pk=1, defaults={"entries": seq, "last_hash": prev})


def guard(apps: Any, schema_editor: Any) -> None:
    sql = POSTGRES_GUARD if schema_editor.connection.vendor == "postgresql" else SQLITE_GUARD
    schema_editor.execute(sql)


def unguard(apps: Any, schema_editor: Any) -> None:
    sql = POSTGRES_UNGUARD if schema_editor.connection.vendor == "postgresql" else SQLITE_UNGUARD
    schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_triage"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("entries", models.BigIntegerField(default=0)),
                ("last_hash", models.CharField(default=GENESIS, max_length=64)),
            ],
        ),
        migrations.AlterModelOptions(
            name="auditentry",
            options={"ordering": ["seq"], "verbose_name_plural": "audit entries"},
        ),
        migrations.AddField(
            model_name="auditentry",
            name="entry_hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="seq",
            field=models.BigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="at",
            field=models.DateTimeField(db_index=True),
        ),
        migrations.RunPython(backfill_chain, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditentry",
            name="seq",
            field=models.BigIntegerField(unique=True),
        ),
        migrations.RunPython(guard, unguard),
    ]
