"""Secrets that travel in links and headers: made by `secrets`, stored only as hashes.

A leaked database then holds no working link, manage token or API token.
"""

import hashlib
import secrets

from django.conf import settings


def new_token(prefix: str = "") -> tuple[str, str]:
    """A fresh random token and the hash to store for it."""
    token = prefix + secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _fernet(purpose: str):
    # Imported here: only the few callers that keep a secret pay for the import.
    import base64

    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"bookwithme:{purpose}".encode()
    ).derive(settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(key))


class SecretUnreadable(ValueError):
    """An encrypted secret that the current secret key cannot open (the key changed)."""


def encrypt(secret: str, *, purpose: str) -> str:
    """`secret` encrypted (Fernet: AES and an HMAC) under a key derived from SECRET_KEY.

    For secrets the server must use again later in clear, such as a calendar's password or a
    booking's manage token (for the emails sent later, and for an idempotent repeat); a
    leaked database alone does not reveal them. Each purpose has its own key.
    """
    return _fernet(purpose).encrypt(secret.encode()).decode()


def decrypt(token: str, *, purpose: str) -> str:
    from cryptography.fernet import InvalidToken

    try:
        return _fernet(purpose).decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        raise SecretUnreadable("the secret cannot be decrypted with this SECRET_KEY") from None
