"""Photos move from files in the data dir (DATA_DIR/photos/<name>) into the database, so that
every app machine of a site serves them. A person whose file is missing goes back to
initials; the files are left where they were (delete DATA_DIR/photos once migrated)."""

from pathlib import Path

import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def files_into_rows(apps, schema_editor):
    Person = apps.get_model("directory", "Person")
    Photo = apps.get_model("directory", "Photo")
    folder = Path(settings.DATA_DIR) / "photos"
    for person in Person.objects.exclude(photo="").only("pk", "photo"):
        name = person.photo
        path = folder / name
        # The names were made by the app (a random token, .webp); anything else is dropped.
        if "/" not in name and ".." not in name and path.is_file():
            Photo.objects.get_or_create(name=name, defaults={"data": path.read_bytes()})
        else:
            Person.objects.filter(pk=person.pk).update(photo="")


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0005_booking_limits"),
    ]

    operations = [
        migrations.CreateModel(
            name="Photo",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=40, unique=True)),
                ("data", models.BinaryField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.RunPython(files_into_rows, migrations.RunPython.noop),
    ]
