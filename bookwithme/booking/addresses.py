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


def privacy_notice_path(person) -> str | None:
    """Where the booking form's privacy notice is: the person's organization's own address,
    else the page of ours showing its text (`/<page>/-/privacy`, a path: the page's link stays
    on the site the visitor is on), else None when the organization has neither."""
    org = person.organization
    if org is None:
        return None
    if org.privacy_notice_url:
        return org.privacy_notice_url
    if org.privacy_notice_text.strip() and person.page_slug:
        return f"/{person.page_slug}/-/privacy"
    return None


def privacy_notice_url(person) -> str | None:
    """`privacy_notice_path`, absolute: for the API."""
    where = privacy_notice_path(person)
    return absolute(where) if where and where.startswith("/") else where
