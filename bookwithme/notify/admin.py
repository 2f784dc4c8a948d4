"""The outbox in the admin: each message with its state and attempts, read-only."""

from django.contrib import admin

from bookwithme.directory.admin import OrgScopedAdmin
from bookwithme.notify.models import OutboxMessage


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
    search_fields = ("to_email", "subject")
    date_hierarchy = "created_at"
    fields = (
        "booking",
        "kind",
        "recipient",
        "sequence",
        "to_email",
        "subject",
        "state",
        "attempts",
        "last_error",
        "created_at",
        "due_at",
        "next_attempt_at",
        "sent_at",
    )
    list_select_related = ("booking",)
