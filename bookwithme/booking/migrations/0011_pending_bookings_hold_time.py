"""A booking waiting for approval holds its time: the no-overlap rule of 0002 covers pending
bookings as well as confirmed ones.

PostgreSQL: the exclusion constraint made again with the wider condition. SQLite: the two
triggers made again (booking/overlap.py holds their text, re-created after every migrate).
"""

from django.db import migrations

HOLDING = "('pending', 'confirmed')"

PG_DROP = "ALTER TABLE booking_booking DROP CONSTRAINT booking_no_overlap"
PG_ADD = """
ALTER TABLE booking_booking ADD CONSTRAINT booking_no_overlap
EXCLUDE USING gist (owner_id WITH =, tstzrange(blocked_start, blocked_end) WITH &&)
WHERE (status IN {statuses})
"""

SQLITE_CHECK = """
WHEN NEW.status IN {statuses} AND EXISTS (
    SELECT 1 FROM booking_booking AS b
    WHERE b.owner_id = NEW.owner_id AND b.status IN {statuses} AND b.id != NEW.id
      AND b.blocked_start < NEW.blocked_end AND NEW.blocked_start < b.blocked_end
)
BEGIN SELECT RAISE(ABORT, 'booking_no_overlap'); END
"""
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS booking_no_overlap_insert",
    "DROP TRIGGER IF EXISTS booking_no_overlap_update",
]


def _sqlite_add(statuses: str) -> list[str]:
    check = SQLITE_CHECK.format(statuses=statuses)
    return [
        "CREATE TRIGGER booking_no_overlap_insert BEFORE INSERT ON booking_booking" + check,
        "CREATE TRIGGER booking_no_overlap_update BEFORE UPDATE ON booking_booking" + check,
    ]


def _hold(statuses: str):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(PG_DROP)
            schema_editor.execute(PG_ADD.format(statuses=statuses))
        elif vendor == "sqlite":
            for sql in SQLITE_DROP + _sqlite_add(statuses):
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("booking", "0010_booking_rules")]

    operations = [migrations.RunPython(_hold(HOLDING), _hold("('confirmed')"))]
