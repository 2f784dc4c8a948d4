"""Webhooks: one's subscriptions (their secret shown once, when made or rotated), changing,
switching off and on, deleting one, a ping, and each one's delivery log with redelivery.

The same functions as the JSON API's (`notify.webhooks`): the page sends nothing itself, a
ping or a redelivery is a row the webhooks worker sends.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bookwithme.notify import webhooks as hooks
from bookwithme.notify.models import WebhookDelivery, WebhookSubscription
from bookwithme.web.app.auth import SignedInRequest, signed_in
from bookwithme.web.app.forms import WebhookEditForm, WebhookForm

# The tag of the message that carries a new secret: the only time it can be shown, since
# only its encrypted form is kept (web/app/messages.html shows it with a copy button).
NEW_SECRET = "new-secret"  # noqa: S105 (a message's tag, not a secret)

State = WebhookDelivery.State
# A delivery's badge: its state's look (web/static/web/site.css).
BADGE = {State.DELIVERED: "active", State.FAILED: "failing"}


@dataclass(frozen=True)
class Shown:
    """A webhook as the pages show it: `state` is on, paused (after failed deliveries in a
    row) or off (switched off by its owner)."""

    subscription: WebhookSubscription
    host: str
    state: str
    last: WebhookDelivery | None

    @classmethod
    def of(cls, subscription: WebhookSubscription, last: WebhookDelivery | None = None):
        state = "on" if subscription.active else "paused" if subscription.paused_at else "off"
        return cls(subscription, host_of(subscription.url), state, last)


def host_of(url: str) -> str:
    try:
        return urlsplit(url).hostname or url
    except ValueError:
        return url


def offered(subscription: WebhookSubscription | None = None) -> list[str]:
    """The events to choose from: the booking events, and any other the webhook asks for."""
    own = subscription.events if subscription else []
    return [e for e in hooks.EVENTS if e in hooks.BOOKING_EVENTS or e in own]


def _own(request: SignedInRequest, webhook_id: int) -> WebhookSubscription:
    return get_object_or_404(hooks.subscriptions_of(request.user), pk=webhook_id)


def _to(subscription: WebhookSubscription, anchor: str = "") -> HttpResponse:
    return redirect(reverse("app:webhook", args=[subscription.pk]) + anchor)


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def index(request: SignedInRequest) -> HttpResponse:
    if request.method == "POST":
        form = WebhookForm(request.POST, offered=offered())
        if form.is_valid():
            try:
                subscription, secret = hooks.create(request.user, **form.cleaned_data)
            except ValidationError as e:
                form.refuse(e)
            else:
                messages.success(request, secret, extra_tags=NEW_SECRET)
                return _to(subscription)
    else:
        form = WebhookForm(initial={"events": list(hooks.BOOKING_EVENTS)}, offered=offered())
    rows = [
        Shown.of(s, next(iter(hooks.deliveries_of(s, 1)), None))
        for s in hooks.subscriptions_of(request.user)
    ]
    return render(
        request,
        "web/app/webhooks.html",
        {
            "rows": rows,
            "form": form,
            "full": len(rows) >= hooks.MAX_PER_PERSON,
            "pause_after": settings.BOOKWITHME_WEBHOOK_PAUSE_AFTER,
        },
    )


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request: SignedInRequest, webhook_id: int) -> HttpResponse:
    """A webhook's settings and its delivery log."""
    subscription = _own(request, webhook_id)
    if request.method == "POST":
        form = WebhookEditForm(request.POST, offered=offered(subscription))
        if form.is_valid():
            try:
                hooks.change(subscription, **form.cleaned_data)
            except ValidationError as e:
                form.refuse(e)
                subscription = _own(request, webhook_id)  # as it is, not as it was typed
            else:
                messages.success(request, _("The webhook is saved."))
                return _to(subscription)
    else:
        form = WebhookEditForm(
            initial={
                "url": subscription.url,
                "events": subscription.events,
                "description": subscription.description,
                "active": subscription.active,
            },
            offered=offered(subscription),
        )
    deliveries = hooks.deliveries_of(subscription)
    return render(
        request,
        "web/app/webhook.html",
        {
            "row": Shown.of(subscription),
            "form": form,
            "deliveries": [(d, BADGE.get(d.state, "")) for d in deliveries],
            "log_length": hooks.LOG_LENGTH,
            "final": (State.DELIVERED, State.FAILED),
        },
    )


@signed_in
@require_POST
def switch(request: SignedInRequest, webhook_id: int) -> HttpResponse:
    """Switch a webhook on (a paused one starts its count of failures afresh) or off."""
    subscription = _own(request, webhook_id)
    on = request.POST.get("active") == "on"
    hooks.change(subscription, active=on)
    if on:
        messages.success(request, _("The webhook is on: new events are sent to it."))
    else:
        messages.success(request, _("The webhook is off: nothing more is sent to it."))
    if request.POST.get("next") == "list":
        return redirect("app:webhooks")
    return _to(subscription)


@signed_in
@require_POST
def ping(request: SignedInRequest, webhook_id: int) -> HttpResponse:
    subscription = _own(request, webhook_id)
    hooks.ping(subscription)
    messages.success(
        request,
        _(
            "A ping is on its way to %(host)s: it is at the top of the log. "
            "Reload the page to see how it went."
        )
        % {"host": host_of(subscription.url)},
    )
    return _to(subscription, "#deliveries")


@signed_in
@require_POST
def rotate_secret(request: SignedInRequest, webhook_id: int) -> HttpResponse:
    subscription = _own(request, webhook_id)
    messages.success(request, hooks.rotate_secret(subscription), extra_tags=NEW_SECRET)
    messages.info(
        request,
        _(
            "For a day, deliveries are signed with the previous secret too: give the new one "
            "to the receiver meanwhile."
        ),
    )
    return _to(subscription)


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def delete(request: SignedInRequest, webhook_id: int) -> HttpResponse:
    subscription = _own(request, webhook_id)
    if request.method == "POST":
        hooks.delete(subscription)
        messages.success(
            request,
            _("The webhook to %(host)s is deleted, with its log.")
            % {"host": host_of(subscription.url)},
        )
        return redirect("app:webhooks")
    return render(request, "web/app/webhook_delete.html", {"row": Shown.of(subscription)})


@signed_in
@require_POST
def redeliver(request: SignedInRequest, webhook_id: int, delivery_id: UUID) -> HttpResponse:
    subscription = _own(request, webhook_id)
    delivery = get_object_or_404(subscription.deliveries, pk=delivery_id)
    if delivery.state not in (State.DELIVERED, State.FAILED):
        messages.info(request, _("This delivery is still to be sent: it is left as it is."))
        return _to(subscription, "#deliveries")
    try:
        hooks.redeliver(delivery)
    except hooks.WebhookOff as e:
        messages.error(request, str(e))
    else:
        messages.success(
            request,
            _("The %(event)s delivery is sent again, with the same id and body.")
            % {"event": delivery.event},
        )
    return _to(subscription, "#deliveries")
