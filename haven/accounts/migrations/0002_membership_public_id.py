"""Memberships get a public UUID (the role pages name them in URLs, never by database id).

Existing rows each get their own UUID before the column becomes unique.
"""

import uuid

from django.db import migrations, models


def give_public_ids(apps, schema_editor):
    Membership = apps.get_model("accounts", "Membership")
    for membership in Membership.objects.filter(public_id__isnull=True).only("pk"):
        membership.public_id = uuid.uuid4()
        membership.save(update_fields=["public_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="public_id",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(give_public_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="membership",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
