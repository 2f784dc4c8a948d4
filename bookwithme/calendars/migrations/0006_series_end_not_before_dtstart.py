"""A series stored before `recurrence.prepare` took the event's own end into account could end
(`repeats_until`) before its first occurrence, DTSTART, when its UNTIL lay before it: the busy
read then skipped it. Such a series ends with its first occurrence."""

from django.db import migrations
from django.db.models import F, Q


def end_with_first_occurrence(apps, schema_editor):
    for name in ("Event", "RemoteBusy"):
        model = apps.get_model("calendars", name)
        model.objects.filter(~Q(rrule=""), repeats_until__lt=F("end")).update(
            repeats_until=F("end")
        )


class Migration(migrations.Migration):
    dependencies = [("calendars", "0005_unread")]

    operations = [migrations.RunPython(end_with_first_occurrence, migrations.RunPython.noop)]
