"""The public web addresses of pages, meeting types, links, bookings and bookings feeds.

Built from BOOKWITHME_BASE_URL, read on every call, so the JSON API, the organizer app and
the emails all hand out the same URLs.
"""

from django.conf import settings


def absolute(path: str) -> str:
    return f"{settings.BOOKWITHME_BASE_URL}{path}"


def page_url(person) -> str | None:
    """The person's booking page, or None while they have no page address."""
    return absolute(f"/{person.page_slug}") if person.page_slug else None


def type_url(meeting_type) -> str | None:
    """A public type's own page; private types are reached through links only."""
    if not meeting_type.is_public or not meeting_type.owner.page_slug:
        return None
    return absolute(f"/{meeting_type.owner.page_slug}/{meeting_type.slug}")


def link_url(token: str) -> str:
    return absolute(f"/l/{token}")


def manage_url(token: str) -> str:
    return absolute(f"/manage/{token}")


def bookings_feed_url(token: str) -> str:
    return absolute(f"/feeds/{token}.ics")


def approval_url(action: str, token: str) -> str:
    """The organizer's approve or decline link for a pending booking (`booking.approval`)."""
    return absolute(f"/approval/{action}/{token}")
