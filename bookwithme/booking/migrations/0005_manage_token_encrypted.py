"""The manage token kept once, encrypted with Fernet (tokens.encrypt), instead of twice under
a hand-made XOR stream (`manage_token_sealed`, and `idempotency_sealed_token` for repeats).

Existing tokens are carried over: the old seal is opened here with the same SECRET_KEY (its
algorithm is frozen below, as tokens.py no longer has it) and kept only when it matches the
booking's manage_token_hash, so a changed key leaves the field empty rather than wrong. The
idempotency copy needs the client's key to open and is dropped: a repeat now answers from the
one encrypted token. The old fields go in 0006, in a transaction of their own (PostgreSQL
refuses to alter a table with the updates' trigger events still pending).
"""

import hashlib
import hmac

from django.conf import settings
from django.db import migrations, models

BATCH = 500


def _unseal(sealed: str, purpose: str, key: str) -> str:
    data = bytes.fromhex(sealed)
    stream = b""
    counter = 0
    while len(stream) < len(data):
        msg = f"{purpose}:{counter}:{key}".encode()
        stream += hmac.new(settings.SECRET_KEY.encode(), msg, hashlib.sha256).digest()
        counter += 1
    return bytes(a ^ b for a, b in zip(data, stream, strict=False)).decode(errors="replace")


def _opened(booking) -> str:
    try:
        token = _unseal(booking.manage_token_sealed, "manage", booking.uid)
    except ValueError:  # not hex: nothing to carry over
        return ""
    if hashlib.sha256(token.encode()).hexdigest() != booking.manage_token_hash:
        return ""
    return token


def encrypt_tokens(apps, schema_editor):
    from bookwithme.tokens import encrypt

    Booking = apps.get_model("booking", "Booking")
    changed = []
    for booking in Booking.objects.exclude(manage_token_sealed="").iterator(chunk_size=BATCH):
        token = _opened(booking)
        if token:
            booking.manage_token_encrypted = encrypt(token, purpose="manage")
            changed.append(booking)
        if len(changed) >= BATCH:
            Booking.objects.bulk_update(changed, ["manage_token_encrypted"])
            changed = []
    Booking.objects.bulk_update(changed, ["manage_token_encrypted"])


class Migration(migrations.Migration):

    dependencies = [
        ("booking", "0004_bookingsfeed"),
    ]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="manage_token_encrypted",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.RunPython(encrypt_tokens, migrations.RunPython.noop, elidable=True),
    ]
