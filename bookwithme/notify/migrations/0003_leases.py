"""One lease for the outbox and the write-back (`leased_until`), and a Message-ID kept per
outbox row. Rows made before get their own Message-ID and, when pending, the time they are due
(`next_attempt_at`), which the sweeps of notify/leases.py go by."""

from django.db import migrations, models

import bookwithme.notify.models


def fill_in(apps, schema_editor):
    from bookwithme.notify.models import new_message_id

    OutboxMessage = apps.get_model("notify", "OutboxMessage")
    CalendarCopy = apps.get_model("notify", "CalendarCopy")
    for message in OutboxMessage.objects.filter(message_id="").iterator():
        message.message_id = new_message_id()
        if message.state in ("pending", "sending") and message.next_attempt_at is None:
            message.next_attempt_at = message.due_at or message.created_at
        message.save(update_fields=["message_id", "next_attempt_at"])
    CalendarCopy.objects.filter(state="pending", next_attempt_at__isnull=True).update(
        next_attempt_at=models.F("pending_since")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0002_calendarcopy"),
    ]

    operations = [
        migrations.RenameField(
            model_name="calendarcopy", old_name="writing_until", new_name="leased_until"
        ),
        migrations.AlterField(
            model_name="calendarcopy",
            name="leased_until",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="attempt in progress until"
            ),
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="leased_until",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="attempt in progress until"
            ),
        ),
        # Empty first, then one each: a callable default would give every old row the same.
        migrations.AddField(
            model_name="outboxmessage",
            name="message_id",
            field=models.CharField(default="", max_length=250, verbose_name="Message-ID"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="outboxmessage",
            name="message_id",
            field=models.CharField(
                default=bookwithme.notify.models.new_message_id,
                max_length=250,
                verbose_name="Message-ID",
            ),
        ),
        migrations.RunPython(fill_in, migrations.RunPython.noop),
    ]
