import pytest
from makers import make_person


@pytest.fixture
def alex(db):
    return make_person(name="Alex Martin", email="alex@example.org", page_slug="alex")


@pytest.fixture(autouse=True)
def _frozen(frozen):
    """API tests run at NOW (tests/conftest.py's `frozen`)."""
    return frozen
