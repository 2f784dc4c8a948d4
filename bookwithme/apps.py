from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate

from bookwithme.caches import create_table
from bookwithme.checks import https_needs_trusted_proxies
from bookwithme.observe.metrics import count_booking_changes


class BookwithmeConfig(AppConfig):
    """The project itself, as an app: it holds the command line's management commands."""

    name = "bookwithme"
    label = "bookwithme"
    verbose_name = "bookwithme"

    def ready(self):
        checks.register(https_needs_trusted_proxies, checks.Tags.security)
        # Bookings made, moved and cancelled, for /metrics.
        count_booking_changes()
        # The database cache's table (CACHE_URL=db://) is made by `migrate`, like any other.
        post_migrate.connect(create_table, dispatch_uid="bookwithme-cache-table")
