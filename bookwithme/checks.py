"""System checks of the deployment's settings, shown when `bookwithme serve` starts (and by
`bookwithme check`)."""

from django.conf import settings
from django.core import checks


def https_needs_trusted_proxies(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """An https base URL behind a proxy nobody trusts: no request can be known to be https,
    so there is neither a redirect to https nor HSTS (settings.py)."""
    https = settings.BOOKWITHME_BASE_URL.startswith("https://")
    if not https or settings.BOOKWITHME_TRUSTED_PROXIES or settings.SECURE_SSL_REDIRECT:
        return []
    return [
        checks.Warning(
            "BOOKWITHME_BASE_URL is https, but BOOKWITHME_TRUSTED_PROXIES is empty: requests "
            "cannot be told https, so plain http is not redirected and no HSTS is sent.",
            hint="Set BOOKWITHME_TRUSTED_PROXIES to your reverse proxy's address, e.g. "
            "127.0.0.1 (see docs/security.md).",
            id="bookwithme.W001",
        )
    ]
