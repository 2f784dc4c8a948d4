"""Migration 0005 carries manage tokens sealed the old way (an XOR stream) over to Fernet.

Run in a fresh data dir by a subprocess: it migrates the database back and forth, which the
test database shared by the other tests must not see.
"""

import json

from liveserver import cli, run_python, server_env

# The old `tokens.seal`, as bookings made before 0005 hold it.
OLD_SEAL = """
import hashlib, hmac
from django.conf import settings

def old_seal(secret, purpose, key):
    data = secret.encode()
    stream, counter = b"", 0
    while len(stream) < len(data):
        msg = f"{purpose}:{counter}:{key}".encode()
        stream += hmac.new(settings.SECRET_KEY.encode(), msg, hashlib.sha256).digest()
        counter += 1
    return bytes(a ^ b for a, b in zip(data, stream)).hex()
"""

BOOK_THEN_GO_BACK = """
import json
from datetime import UTC, datetime
from django.core.management import call_command
from django.db import connection
from makers import NOW, make_person, make_type
from bookwithme.booking import services

made = []
mt = make_type(make_person(page_slug="alex"), slug="intro")
for hour in (8, 9):
    result = services.book(
        mt,
        datetime(2026, 6, 2, hour, 0, tzinfo=UTC),
        services.Attendee(name="Sam", email="sam@example.org", time_zone="UTC"),
        now=NOW,
    )
    made.append([result.booking.pk, result.booking.uid, result.manage_token])
call_command("migrate", "booking", "0004", verbosity=0)
# The first as sealed under this SECRET_KEY; the second under another key (garbage now).
with connection.cursor() as cursor:
    for (pk, uid, token), key in zip(made, [None, "other"]):
        sealed = old_seal(token, "manage", uid if key is None else uid + key)
        cursor.execute(
            "UPDATE booking_booking SET manage_token_sealed = %s WHERE id = %s", [sealed, pk]
        )
print(json.dumps(made))
"""

READ_BACK = """
import json
from bookwithme.booking.models import Booking
print(json.dumps({b.pk: b.manage_token() for b in Booking.objects.all()}))
"""


def test_sealed_manage_tokens_are_carried_over_and_wrong_ones_dropped(tmp_path):
    env = server_env(tmp_path / "data")
    assert cli(env, "migrate", "--no-input", "-v", "0").returncode == 0
    made = json.loads(run_python(env, OLD_SEAL + BOOK_THEN_GO_BACK))

    done = cli(env, "migrate", "--no-input", "-v", "0")
    assert done.returncode == 0, done.stderr
    tokens = json.loads(run_python(env, READ_BACK))

    (first_pk, _, first_token), (second_pk, _, _) = made
    assert tokens[str(first_pk)] == first_token
    assert tokens[str(second_pk)] == ""
