"""Small makers for tests: an organization, a person with a token, a meeting type."""

import itertools
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model

from bookwithme.api.schemas import MeetingTypePatch
from bookwithme.booking import meeting_types, services
from bookwithme.booking.models import Booking, MeetingType, WorkingHours
from bookwithme.directory.models import ApiToken, Organization
from bookwithme.tokens import new_token

_seq = itertools.count(1)

# A Monday, before the working day starts in Paris; tests freeze time here unless they say.
NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


def make_org(name: str = "Acme", domain: str | None = None) -> Organization:
    n = next(_seq)
    return Organization.objects.create(name=name, domain=domain or f"org{n}.example")


def make_person(
    *,
    org: Organization | None = None,
    name: str = "Alex Martin",
    email: str | None = None,
    time_zone: str = "Europe/Paris",
    page_slug: str | None = None,
    weekly: dict | None = None,
    overrides: list | None = None,
    has_licence: bool = True,
):
    n = next(_seq)
    person = get_user_model().objects.create_user(
        email or f"person{n}@example.org",
        "pw-" + str(n),
        name=name,
        organization=org or make_org(),
        time_zone=time_zone,
        page_slug=page_slug or f"person{n}",
        has_licence=has_licence,
    )
    WorkingHours.objects.create(
        person=person,
        **({"weekly": weekly} if weekly is not None else {}),
        overrides=overrides or [],
    )
    return person


def make_token(person, app: str = "PersonalBookings") -> str:
    token, token_hash = new_token(prefix="bwm_")
    ApiToken.objects.create(person=person, app=app, token_hash=token_hash)
    return token


def make_type(owner, **fields) -> MeetingType:
    """A type made as the API makes it, from the fields as the API names them."""
    data = {"title": "Intro call", "duration_minutes": 30, "min_notice_minutes": 0}
    data.update(fields)
    return meeting_types.save(MeetingType(owner=owner), MeetingTypePatch(**data).changes())


def make_link(meeting_type, **options) -> str:
    return services.create_link(meeting_type, **options)[1]


def auth(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def ended(mt, end, email="zoe@example.org") -> Booking:
    """A confirmed booking of an hour that ended at `end`, with everything an attendee leaves
    (made directly: the past cannot be booked)."""
    hour = timedelta(hours=1)
    return Booking.objects.create(
        meeting_type=mt,
        owner=mt.owner,
        start=end - hour,
        end=end,
        blocked_start=end - hour,
        blocked_end=end,
        attendee_name="Zoé Durand",
        attendee_email=email,
        attendee_time_zone="America/Montreal",
        notes="Call me on my mobile",
        answers={"phone": "+33 6 12 34 56 78"},
        guests=["sam@example.org"],
        cancel_reason="Zoé is ill",
        manage_token_hash=new_token()[1],
    )


def org_admin_form(org: Organization, **changes) -> dict:
    """What the organization's change form in the admin posts, changed."""
    return {
        "name": org.name,
        "anonymous_sharing": org.anonymous_sharing,
        "calendar_api_enabled": "unknown",
        "app_access_policy": "",
        "app_allow_list": "",
        "app_block_list": "",
        "retention_days": "",
        "privacy_notice_url": org.privacy_notice_url,
        "privacy_notice_text": org.privacy_notice_text,
        "_save": "Save",
        **changes,
    }
