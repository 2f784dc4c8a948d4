"""SQLite's half of "the database refuses overlapping bookings": two triggers.

Migration 0002 creates them (0011 widens them to pending bookings, which hold their time), but
SQLite rebuilds a table (and drops its triggers) for many schema changes, so they are
re-created, if missing, after every `migrate` (see apps.py). PostgreSQL's exclusion constraint
survives such changes and needs nothing here.
"""

_CHECK = """
WHEN NEW.status IN ('pending', 'confirmed') AND EXISTS (
    SELECT 1 FROM booking_booking AS b
    WHERE b.owner_id = NEW.owner_id AND b.status IN ('pending', 'confirmed') AND b.id != NEW.id
      AND b.blocked_start < NEW.blocked_end AND NEW.blocked_start < b.blocked_end
)
BEGIN SELECT RAISE(ABORT, 'booking_no_overlap'); END
"""
TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS booking_no_overlap_insert BEFORE INSERT ON booking_booking"
    + _CHECK,
    "CREATE TRIGGER IF NOT EXISTS booking_no_overlap_update BEFORE UPDATE ON booking_booking"
    + _CHECK,
]


def ensure_triggers(using: str = "default", **kwargs) -> None:
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for sql in TRIGGERS:
            cursor.execute(sql)
