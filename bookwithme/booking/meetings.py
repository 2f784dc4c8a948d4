"""Online-meeting links generated for bookings (`BOOKWITHME_MEETING_PROVIDER`).

`jitsi` makes a fresh, unguessable room per booking; `fixed` uses the address the organizer
wrote as the meeting type's location; `none` makes none.
"""

import secrets

from django.conf import settings


def meeting_url_for(meeting_type) -> str:
    if not meeting_type.online_meeting:
        return ""
    provider = settings.BOOKWITHME_MEETING_PROVIDER
    if provider == "jitsi":
        return f"{settings.BOOKWITHME_JITSI_URL.rstrip('/')}/bookwithme-{secrets.token_urlsafe(16)}"
    if provider == "fixed" and meeting_type.location_value.startswith(("https://", "http://")):
        return meeting_type.location_value
    return ""
