"""The database refuses two confirmed bookings of one owner whose blocked times overlap.

PostgreSQL: an exclusion constraint over (owner, tstzrange(blocked_start, blocked_end)).
SQLite: triggers that abort the insert or update; with every write transaction IMMEDIATE,
the check and the write cannot interleave with another writer's.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

PG_ADD = """
ALTER TABLE booking_booking ADD CONSTRAINT booking_no_overlap
EXCLUDE USING gist (owner_id WITH =, tstzrange(blocked_start, blocked_end) WITH &&)
WHERE (status = 'confirmed')
"""
PG_DROP = "ALTER TABLE booking_booking DROP CONSTRAINT booking_no_overlap"

SQLITE_CHECK = """
WHEN NEW.status = 'confirmed' AND EXISTS (
    SELECT 1 FROM booking_booking AS b
    WHERE b.owner_id = NEW.owner_id AND b.status = 'confirmed' AND b.id != NEW.id
      AND b.blocked_start < NEW.blocked_end AND NEW.blocked_start < b.blocked_end
)
BEGIN SELECT RAISE(ABORT, 'booking_no_overlap'); END
"""
SQLITE_ADD = [
    "CREATE TRIGGER booking_no_overlap_insert BEFORE INSERT ON booking_booking" + SQLITE_CHECK,
    "CREATE TRIGGER booking_no_overlap_update BEFORE UPDATE ON booking_booking" + SQLITE_CHECK,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS booking_no_overlap_insert",
    "DROP TRIGGER IF EXISTS booking_no_overlap_update",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_ADD)
    elif vendor == "sqlite":
        for sql in SQLITE_ADD:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP)
    elif vendor == "sqlite":
        for sql in SQLITE_DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(forwards, backwards),
    ]
