import os

import pytest

# Playwright drives the browser from the test thread while pytest-django's live server runs
# Django in another; Django's async-safety check would refuse the ORM calls in between.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def uses_postgresql(settings):
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
