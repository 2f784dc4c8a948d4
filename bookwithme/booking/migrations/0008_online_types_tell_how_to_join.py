"""An online type tells its attendees how to join (`MeetingType.tells_how_to_join`): stored
online types that had neither a generated link nor a web address of their own now generate one,
so no type stored is one the rules refuse."""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import migrations, models

import bookwithme.directory.models


def _is_web_address(value: str) -> bool:
    # A copy of booking.models.is_web_address as it is today: a migration keeps its own rules.
    if not value.startswith(("https://", "http://")):
        return False
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return False
    return True


def generate_links(apps, schema_editor):
    MeetingType = apps.get_model("booking", "MeetingType")
    silent = MeetingType.objects.filter(location_kind="online", online_meeting=False)
    mended = [
        mt.pk
        for mt in silent.only("pk", "location_value")
        if not _is_web_address(mt.location_value)
    ]
    for i in range(0, len(mended), 500):  # under every database's parameter limit
        MeetingType.objects.filter(pk__in=mended[i : i + 500]).update(online_meeting=True)


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0007_meeting_type_help_texts"),
    ]

    operations = [
        migrations.AlterField(
            model_name="meetingtype",
            name="location_value",
            field=models.CharField(
                blank=True,
                help_text=(
                    "The address for in-person meetings, the number to call for phone ones; "
                    "for online ones, the meeting's web address when no link is generated."
                ),
                max_length=500,
                validators=[bookwithme.directory.models.validate_one_line],
                verbose_name="location details",
            ),
        ),
        # Going back leaves the links on: nothing tells which types had them off.
        migrations.RunPython(generate_links, migrations.RunPython.noop),
    ]
