"""The outbox, the bookings written into calendars, webhooks and their deliveries, and the task
rows, in the admin: each with its state and attempts, read-only. What finally failed is filtered
by state, with its last error; a message's Message-ID is the same on every attempt, so a rare
duplicate can be matched to its row.

These are the site's internals: only superusers, who run the site, see them
(`SuperusersOnly`); an organization's admins see their people, types and bookings.
"""

from django.contrib import admin
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from bookwithme.directory.admin import OrgScopedAdmin, SuperusersOnly
from bookwithme.notify.models import (
    CalendarCopy,
    OutboxMessage,
    WebhookDelivery,
    WebhookSubscription,
)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(SuperusersOnly, OrgScopedAdmin):
    org_path = "booking__owner__organization"
    read_only = True
    list_display = (
        "created_at",
        "kind",
        "recipient",
        "to_email",
        "state",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    )
    list_filter = ("state", "kind", "recipient")
    search_fields = ("to_email", "subject", "message_id")
    date_hierarchy = "created_at"
    fields = (
        "booking",
        "kind",
        "recipient",
        "sequence",
        "to_email",
        "subject",
        "message_id",
        "state",
        "attempts",
        "last_error",
        "created_at",
        "due_at",
        "next_attempt_at",
        "leased_until",
        "sent_at",
    )
    list_select_related = ("booking",)


@admin.register(CalendarCopy)
class CalendarCopyAdmin(SuperusersOnly, OrgScopedAdmin):
    org_path = "booking__owner__organization"
    read_only = True
    list_display = (
        "pending_since",
        "booking",
        "connection",
        "state",
        "wanted_sequence",
        "written_sequence",
        "attempts",
        "next_attempt_at",
        "last_error",
    )
    list_filter = ("state",)
    date_hierarchy = "pending_since"
    fields = (
        "booking",
        "connection",
        "state",
        "wanted_sequence",
        "written_sequence",
        "href",
        "etag",
        "attempts",
        "last_error",
        "created_at",
        "pending_since",
        "next_attempt_at",
        "leased_until",
        "done_at",
    )
    list_select_related = ("booking", "connection")


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(SuperusersOnly, OrgScopedAdmin):
    # Never its secret: only the encrypted form is kept, and it is not shown.
    org_path = "owner__organization"
    read_only = True
    list_display = (
        "created_at",
        "owner",
        "url",
        "active",
        "paused_at",
        "consecutive_failures",
    )
    list_filter = ("active",)
    search_fields = ("owner__email", "url", "description")
    fields = (
        "owner",
        "url",
        "events",
        "description",
        "active",
        "paused_at",
        "consecutive_failures",
        "created_at",
    )
    list_select_related = ("owner",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(SuperusersOnly, OrgScopedAdmin):
    org_path = "subscription__owner__organization"
    read_only = True
    list_display = (
        "created_at",
        "subscription",
        "event",
        "state",
        "attempts",
        "status_code",
        "duration_ms",
        "next_attempt_at",
        "last_error",
    )
    list_filter = ("state", "event")
    search_fields = ("id",)
    date_hierarchy = "created_at"
    fields = (
        "id",
        "subscription",
        "booking",
        "sequence",
        "event",
        "body",
        "state",
        "attempts",
        "last_error",
        "created_at",
        "pending_since",
        "attempted_at",
        "status_code",
        "duration_ms",
        "response",
        "next_attempt_at",
        "leased_until",
        "delivered_at",
    )
    list_select_related = ("subscription__owner",)


# The task queue's rows, as django_tasks_db shows them, to superusers only.
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(SuperusersOnly, DBTaskResultAdmin):
    pass
