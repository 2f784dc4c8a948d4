"""The outbox and the bookings written into calendars, in the admin: each with its state and
attempts, read-only. What finally failed is filtered by state, with its last error; a message's
Message-ID is the same on every attempt, so a rare duplicate can be matched to its row."""

from django.contrib import admin

from bookwithme.directory.admin import OrgScopedAdmin
from bookwithme.notify.models import CalendarCopy, OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(OrgScopedAdmin):
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
class CalendarCopyAdmin(OrgScopedAdmin):
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
