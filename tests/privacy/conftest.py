# A real SMTP server, and the fan-outs run as a worker would (tests/mailserver.py).
from mailserver import fan_out, smtp  # noqa: F401
