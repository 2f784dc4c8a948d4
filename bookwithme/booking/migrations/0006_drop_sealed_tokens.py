"""The sealed copies of the manage token, carried over to manage_token_encrypted by 0005."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("booking", "0005_manage_token_encrypted"),
    ]

    operations = [
        migrations.RemoveField(model_name="booking", name="manage_token_sealed"),
        migrations.RemoveField(model_name="booking", name="idempotency_sealed_token"),
    ]
