from django.apps import AppConfig
from django.core import checks

from bookwithme.checks import https_needs_trusted_proxies


class BookwithmeConfig(AppConfig):
    """The project itself, as an app: it holds the command line's management commands."""

    name = "bookwithme"
    label = "bookwithme"
    verbose_name = "bookwithme"

    def ready(self):
        checks.register(https_needs_trusted_proxies, checks.Tags.security)
