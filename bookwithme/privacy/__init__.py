"""Privacy: what is held about an email address, handed out (`export`) or erased (`erasure`).

Above booking and notify (it reads and rewrites both, and directory's and calendars' rows);
used by the `privacy` command, the admin, the organizer app and the API. Retention, the
periodic erasure of old bookings, is booking's own (booking/retention.py) and notify's.
"""
