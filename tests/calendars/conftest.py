import pytest
from calendar_servers import _feed_server, dav_server, feeds, radicale, xandikos  # noqa: F401


@pytest.fixture(autouse=True)
def _in_english():
    """The messages compared here are the English ones, whatever a test before left active."""
    from django.utils import translation

    with translation.override("en"):
        yield
