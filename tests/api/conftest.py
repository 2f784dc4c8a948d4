import pytest
from makers import make_person


@pytest.fixture
def alex(db):
    return make_person(name="Alex Martin", email="alex@example.org", page_slug="alex")


@pytest.fixture(autouse=True)
def _frozen(frozen):
    """API tests run at NOW (tests/conftest.py's `frozen`)."""
    return frozen


# Real calendar servers for the connected-calendars routes (tests/calendar_servers.py).
from calendar_servers import _feed_server, feeds, radicale  # noqa: E402, F401
