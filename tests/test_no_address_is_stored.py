"""A visitor's IP address is never stored (docs/security.md): no model has a field for one,
and the rate limits count each address in the shared cache under a keyed hash of it, so the
cache's table (`CACHE_URL=db://`, the default) never holds an address either."""

import json
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models
from django.test import Client
from makers import make_person, make_type

from bookwithme import throttle

pytestmark = pytest.mark.usefixtures("frozen")

IPV4, IPV6 = "198.51.100.173", "2001:db8::4242"
TABLE = "bookwithme_cache"
# A field that would hold a request's address, by its name: ip, ip_address, remote_addr...
ADDRESS_NAMES = re.compile(r"(^|_)(ip|ips|ip_address|remote_addr|remote_address|client_address)$")


def test_no_model_has_a_field_for_an_ip_address():
    fields = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models(include_auto_created=True)
        for field in model._meta.get_fields()
        if isinstance(field, models.GenericIPAddressField) or ADDRESS_NAMES.search(field.name)
    ]
    assert fields == []


def test_the_counters_name_is_a_keyed_hash(settings):
    key = throttle.stored_key(f"book:{IPV4}")

    assert re.fullmatch(r"throttle:[0-9a-f]{32}", key)
    assert throttle.stored_key(f"book:{IPV4}") == key  # every process finds the same counter
    assert throttle.stored_key("book:198.51.100.174") != key
    settings.SECRET_KEY = "another site's secret key, which nobody else has"
    assert throttle.stored_key(f"book:{IPV4}") != key  # not a plain hash anyone can recompute


@pytest.fixture
def db_cache(settings, db):
    """The default shared cache: the database's own table."""
    settings.CACHES = {"default": {"BACKEND": "bookwithme.caches.DatabaseCache", "LOCATION": TABLE}}
    call_command("createcachetable", verbosity=0)


def stored_keys() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {TABLE}")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize("address", [IPV4, IPV6])
def test_the_rate_limits_count_each_address_without_storing_it(db_cache, settings, address):
    settings.BOOKWITHME_BOOKING_RATE_LIMIT = 1
    settings.BOOKWITHME_TOKEN_LOOKUP_LIMIT = 1
    alex = make_person(email="alex@example.org", page_slug="alex")
    make_type(alex, slug="intro")
    visitor = Client(REMOTE_ADDR=address)
    body = {
        "name": "Eve Moreau",
        "email": "eve@example.org",
        "time_zone": "Europe/Paris",
    }

    assert book_as(visitor, body, "2026-06-02T10:00:00+02:00").status_code == 201
    assert (
        book_as(visitor, body, "2026-06-02T11:00:00+02:00").status_code == 429
    )  # counted, per address
    assert visitor.get("/api/v1/manage/not-a-token").status_code == 404
    assert visitor.get("/api/v1/manage/not-a-token").status_code == 429
    signing_in = {"username": alex.email, "password": "wrong"}
    assert visitor.post("/app/login", signing_in).status_code == 200
    other = Client(REMOTE_ADDR="203.0.113.9")  # another address has its own counts
    assert book_as(other, body, "2026-06-02T12:00:00+02:00").status_code == 201

    keys = stored_keys()
    assert len(keys) >= 4  # bookings (two addresses), look-ups, sign-ins (email, address)
    assert all(re.fullmatch(r":1:throttle:[0-9a-f]{32}", k) for k in keys), keys
    for plain in (address, alex.email, "203.0.113.9"):
        assert not any(plain in k for k in keys), keys


def book_as(client, body, start):
    return client.post(
        "/api/v1/pages/alex/intro/bookings",
        json.dumps({**body, "start": start}),
        content_type="application/json",
    )
