"""The organizer API's webhooks: one's subscriptions, their secrets, pings, and the delivery log
(docs/webhooks.md). The rules are notify/webhooks.py's, which the organizer app calls too."""

import uuid
from datetime import datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import StrictBool, StrictStr, model_validator
from pydantic_core import PydanticCustomError

from bookwithme.api.auth import TokenAuth
from bookwithme.api.errors import ApiError
from bookwithme.api.schemas import Error, In
from bookwithme.notify import webhooks
from bookwithme.notify.models import WebhookDelivery, WebhookSubscription

router = Router(auth=TokenAuth(), tags=["webhooks"])
ERRORS = {400: Error, 401: Error, 404: Error, 409: Error, 422: Error}


class WebhookIn(In):
    url: StrictStr
    # Every booking event when left out.
    events: list[StrictStr] | None = None
    description: StrictStr = ""


class WebhookPatch(In):
    # A field left out is left as it is; null is refused.
    url: StrictStr | None = None
    events: list[StrictStr] | None = None
    description: StrictStr | None = None
    active: StrictBool | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> "WebhookPatch":
        for name in sorted(self.model_fields_set):
            if getattr(self, name) is None:
                raise PydanticCustomError("null", "Give a value, not null.", {"field": name})
        return self


class WebhookOut(Schema):
    id: int
    url: str
    events: list[str]
    description: str
    # False when switched off, or paused after failed deliveries (`paused_at`).
    active: bool
    paused_at: datetime | None
    consecutive_failures: int
    created_at: datetime


class WebhookCreated(WebhookOut):
    # Shown this once: only its encrypted form is kept.
    secret: str


class SecretOut(Schema):
    id: int
    secret: str


class DeliveryOut(Schema):
    id: uuid.UUID
    event: str
    booking_id: int | None
    created_at: datetime
    state: str
    attempts: int
    attempted_at: datetime | None
    status_code: int | None
    duration_ms: int | None
    response: str
    last_error: str
    next_attempt_at: datetime | None
    delivered_at: datetime | None


def own(request: HttpRequest, webhook_id: int) -> WebhookSubscription:
    person = request.person  # type: ignore[attr-defined]
    return get_object_or_404(webhooks.subscriptions_of(person), pk=webhook_id)


def with_secret(subscription: WebhookSubscription, secret: str) -> dict:
    shown = WebhookOut.from_orm(subscription).model_dump()
    return {**shown, "secret": secret}


@router.post("/webhooks", response={201: WebhookCreated, **ERRORS})
def create_webhook(request: HttpRequest, payload: WebhookIn):
    """A new webhook; its `secret` (to check the signatures) is shown in this answer only."""
    subscription, secret = webhooks.create(
        request.person,  # type: ignore[attr-defined]
        url=payload.url,
        events=payload.events,
        description=payload.description,
    )
    return Status(201, with_secret(subscription, secret))


@router.get("/webhooks", response={200: list[WebhookOut], **ERRORS})
def list_webhooks(request: HttpRequest):
    return webhooks.subscriptions_of(request.person)  # type: ignore[attr-defined]


@router.get("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS})
def get_webhook(request: HttpRequest, webhook_id: int):
    return own(request, webhook_id)


@router.patch("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS})
def patch_webhook(request: HttpRequest, webhook_id: int, payload: WebhookPatch):
    """Change its address, events, description, or switch it off and on (`active`): a paused
    webhook switched on starts its count of failures afresh."""
    return webhooks.change(own(request, webhook_id), **payload.model_dump(exclude_unset=True))


@router.delete("/webhooks/{webhook_id}", response={204: None, **ERRORS})
def delete_webhook(request: HttpRequest, webhook_id: int):
    webhooks.delete(own(request, webhook_id))
    return Status(204, None)


@router.post("/webhooks/{webhook_id}/rotate-secret", response={200: SecretOut, **ERRORS})
def rotate_secret(request: HttpRequest, webhook_id: int):
    """A new secret, shown in this answer only; for a day deliveries carry a signature with
    the previous one too."""
    subscription = own(request, webhook_id)
    return {"id": subscription.pk, "secret": webhooks.rotate_secret(subscription)}


@router.post("/webhooks/{webhook_id}/ping", response={202: DeliveryOut, **ERRORS})
def ping_webhook(request: HttpRequest, webhook_id: int):
    """Send a `ping` event now; the delivery, to follow in the log."""
    return Status(202, webhooks.ping(own(request, webhook_id)))


@router.get("/webhooks/{webhook_id}/deliveries", response={200: list[DeliveryOut], **ERRORS})
def list_deliveries(
    request: HttpRequest,
    webhook_id: int,
    limit: int = Query(webhooks.LOG_LENGTH, ge=1, le=webhooks.LOG_MAX),
):
    """The webhook's last deliveries, newest first."""
    return webhooks.deliveries_of(own(request, webhook_id), limit)


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    response={202: DeliveryOut, **ERRORS},
)
def redeliver(request: HttpRequest, webhook_id: int, delivery_id: str):
    """Send a delivery again, with the same id and body; 409 `webhook_off` while the webhook
    is switched off or paused."""
    subscription = own(request, webhook_id)
    try:
        pk = uuid.UUID(delivery_id)
    except ValueError:
        pk = None
    delivery = get_object_or_404(WebhookDelivery, pk=pk, subscription=subscription)
    try:
        return Status(202, webhooks.redeliver(delivery))
    except webhooks.WebhookOff as e:
        raise ApiError(409, "webhook_off", str(e)) from None
