import pytest
import time_machine
from makers import NOW, make_person


@pytest.fixture(autouse=True)
def frozen():
    """API tests run at NOW: Monday 2026-06-01, 08:00 in Paris."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def alex(db):
    return make_person(name="Alex Martin", email="alex@example.org", page_slug="alex")
