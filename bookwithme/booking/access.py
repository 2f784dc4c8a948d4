"""Finding what a public URL points at, with the API's refusals.

Pages and the API both come through here, so a switched-off page, a private type, an expired
or spent link answer the same way everywhere.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model

from bookwithme import throttle
from bookwithme.booking.errors import (
    LinkExpired,
    LinkUsed,
    NotFound,
    PageUnavailable,
    TooManyLookups,
)
from bookwithme.booking.feeds import bookings_feed_owner
from bookwithme.booking.models import Booking, Link, MeetingType
from bookwithme.directory.policy import page_decision
from bookwithme.tokens import hash_token

MAX_TOKEN_LENGTH = 200


def page_shown(person) -> bool:
    """Whether the person's page may be shown now: not switched off by its owner, and let
    through by the access rules (`directory.policy`). Reads only the person's and their
    organization's columns, so the slots' hot path asks it of one SQL row
    (`availability._head`)."""
    return bool(person.is_active and person.page_published) and page_decision(person).allowed


def check_page(person) -> None:
    """Refuse with `PageUnavailable` when the person's page may not be shown now
    (`page_shown`). Visitors get the same plain message whatever the reason; the owner sees
    the reason in `/api/v1/me`."""
    if not page_shown(person):
        raise PageUnavailable()


def _address(value: str) -> str:
    """A slug from a URL, or NotFound when it cannot be one (too long, a NUL byte)."""
    if not value or len(value) > 100 or "\x00" in value:
        raise NotFound()
    return value


def page_owner(page_slug: str):
    page_slug = _address(page_slug)
    person = (
        get_user_model()
        .objects.select_related("organization")
        .filter(page_slug=page_slug.lower())
        .first()
    )
    if person is None:
        raise NotFound()
    check_page(person)
    return person


def public_type(page_slug: str, type_slug: str) -> MeetingType:
    # One query (the slots of a public type take it when the cache cannot answer); the
    # page's own refusals are told apart only when it finds nothing or finds an unavailable
    # page.
    page_slug, type_slug = _address(page_slug), _address(type_slug)
    mt = (
        MeetingType.objects.public()
        .select_related("owner__organization")
        .filter(owner__page_slug=page_slug.lower(), slug=type_slug)
        .first()
    )
    if mt is None:
        page_owner(page_slug)  # raises NotFound or PageUnavailable for the page itself
        raise NotFound()
    check_page(mt.owner)
    return mt


# Unknown tokens (private links, manage links, bookings feeds) one client address may try in a
# window (BOOKWITHME_TOKEN_LOOKUP_LIMIT): a person mistypes a few, a script guessing tokens
# needs millions. Found tokens never count, whatever their state (expired, cancelled).
LOOKUP_WINDOW_SECONDS = 10 * 60


def by_token[T](find: Callable[[], T], address: str) -> T:
    """`find()`, a look-up by secret token, for a client at `address`: refused with
    TooManyLookups (429) once the address has missed too many tokens, even a right one, so
    that a guesser cannot tell a hit while paused; a NotFound counts one miss."""
    limit = settings.BOOKWITHME_TOKEN_LOOKUP_LIMIT
    key = f"lookup:{address}"
    if limit and throttle.spent(key) >= limit:
        raise TooManyLookups()
    try:
        return find()
    except NotFound:
        if limit:
            throttle.spend(key, LOOKUP_WINDOW_SECONDS)
        raise


def link_for(token: str, *, address: str, allow_spent: bool = False) -> Link:
    """The live link for a token: revoked or unknown is 404, expired or spent is 410; 429
    for an address that missed too many tokens (`by_token`).

    `allow_spent` lets a spent single-use link through, for `book` to decide (it accepts only
    an idempotent repeat of the booking that spent it).
    """
    return by_token(lambda: _link(token, allow_spent), address)


def _link(token: str, allow_spent: bool) -> Link:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise NotFound()
    link = (
        Link.objects.for_token_hash(hash_token(token)).select_related("meeting_type__owner").first()
    )
    if link is None or link.revoked_at is not None:
        raise NotFound()
    check_page(link.meeting_type.owner)
    state = link.state()
    if state == Link.State.USED and not allow_spent:
        raise LinkUsed()
    if state == Link.State.EXPIRED:
        raise LinkExpired()
    return link


def booking_for(manage_token: str, *, address: str) -> Booking:
    """The booking a manage token opens; works whatever the page's state, so no one is stranded.
    429 for an address that missed too many tokens (`by_token`)."""
    return by_token(lambda: _booking(manage_token), address)


def _booking(manage_token: str) -> Booking:
    if not manage_token or len(manage_token) > MAX_TOKEN_LENGTH:
        raise NotFound()
    booking = (
        Booking.objects.select_related("meeting_type", "owner__organization")
        .filter(manage_token_hash=hash_token(manage_token))
        .first()
    )
    if booking is None:
        raise NotFound()
    return booking


def feed_owner(token: str, *, address: str):
    """The person whose bookings feed `token` opens: NotFound for a wrong, rotated or
    switched-off token, 429 for an address that missed too many tokens (`by_token`)."""

    def find():
        person = bookings_feed_owner(token)
        if person is None:
            raise NotFound()
        return person

    return by_token(find, address)
