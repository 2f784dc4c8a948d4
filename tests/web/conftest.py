import pytest
from calendar_servers import _feed_server, feeds, radicale  # noqa: F401 - fixtures


@pytest.fixture
def signed_in(client, alex):
    """A test client signed in as the test module's own `alex`."""
    client.force_login(alex)
    return client
