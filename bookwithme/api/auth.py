"""Bearer tokens for the organizer API: looked up by hash, recorded with their app's name."""

from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from bookwithme.api.errors import ApiError
from bookwithme.directory.models import ApiToken
from bookwithme.directory.policy import PAGE_APP, may_use
from bookwithme.tokens import hash_token

# Write last_used_at at most this often: reads should not turn into writes on every call.
TOUCH_EVERY = timedelta(minutes=5)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        if not token or len(token) > 200:
            return None
        api_token = (
            ApiToken.objects.active()
            .select_related("person__organization")
            .filter(token_hash=hash_token(token))
            .first()
        )
        if api_token is None:
            return None
        # The booking page's own app always reaches its owner's account (to see why the page
        # is off, to cancel bookings); any other app passes the access rules first.
        if api_token.app != PAGE_APP:
            decision = may_use(api_token.person, api_token.app)
            if not decision.allowed:
                raise ApiError(403, "forbidden", f"{decision.message} ({decision.reason})")
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at > TOUCH_EVERY:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.person = api_token.person  # type: ignore[attr-defined]
        return api_token
