"""Failed sign-ins are counted per email and per client address; past a limit, signing in
pauses for a while, even with the right password, so passwords cannot be guessed in bulk.
"""

import hashlib

from bookwithme import throttle

WINDOW_SECONDS = 15 * 60
PER_EMAIL = 5
PER_ADDRESS = 30


def _counters(email: str, address: str) -> list[tuple[str, int]]:
    # The email is hashed: cache keys are not a place for people's addresses.
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return [(f"signin:email:{digest}", PER_EMAIL), (f"signin:address:{address}", PER_ADDRESS)]


def blocked(email: str, address: str) -> bool:
    return any(throttle.spent(key) >= limit for key, limit in _counters(email, address))


def failed(email: str, address: str) -> None:
    for key, _limit in _counters(email, address):
        throttle.spend(key, WINDOW_SECONDS)


def succeeded(email: str, address: str) -> None:
    """A right password clears the count of that email (not of the address)."""
    throttle.forget(_counters(email, address)[0][0])
