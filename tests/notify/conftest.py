# Real CalDAV servers for the write-back of bookings (tests/calendar_servers.py), a real SMTP
# server and the fan-outs run as a worker would (tests/mailserver.py).
from calendar_servers import dav_server, radicale, xandikos  # noqa: F401
from mailserver import fan_out, smtp  # noqa: F401
