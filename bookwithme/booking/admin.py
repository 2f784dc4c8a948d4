"""Meeting types, links and bookings in the admin, scoped to the organization of their owner.

Links and bookings are made by the app, never here: a link's token is shown once to its
creator and a booking's manage token only to its attendee, so the admin holds neither.
Bookings change through `services` (which tells the attendee), so here they are read-only.
A meeting type is checked as at every other door: `MeetingType.full_clean` tidies it first
(hours in their stored form, question defaults, a slug made from the title).
"""

from django.contrib import admin
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bookwithme.booking.meeting_types import FIELDS, create_first
from bookwithme.booking.models import SLUG_HELP, Booking, Link, MeetingType
from bookwithme.directory.admin import OrgScopedAdmin, PersonAdmin
from bookwithme.directory.models import Person


class PersonWithFirstTypeAdmin(PersonAdmin):
    """People as directory's admin has them; a person added here starts with a first meeting
    type, as from the command line (directory cannot make one: it sits below booking)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            create_first(obj)


admin.site.unregister(Person)
admin.site.register(Person, PersonWithFirstTypeAdmin)


@admin.register(MeetingType)
class MeetingTypeAdmin(OrgScopedAdmin):
    org_path = "owner__organization"
    choice_scopes = {"owner": "organization"}
    list_display = ("title", "owner", "slug", "duration_minutes", "visibility", "is_live")
    list_filter = ("visibility", "location_kind")
    list_select_related = ("owner",)
    search_fields = ("title", "slug", "owner__email", "owner__name")
    ordering = ("owner__email", "title")
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("owner", *FIELDS)}),
        (_("Dates"), {"fields": ("created_at", "updated_at", "deleted_at")}),
    )

    def get_changeform_initial_data(self, request):
        # Online with a generated link, as at every door: attendees know how to join.
        return {"online_meeting": True, **super().get_changeform_initial_data(request)}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "slug":  # blank: made from the title, as at every door
            kwargs.update(required=False, help_text=SLUG_HELP)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(boolean=True, description=_("live"), ordering="deleted_at")
    def is_live(self, obj: MeetingType) -> bool:
        return obj.deleted_at is None


@admin.register(Link)
class LinkAdmin(OrgScopedAdmin):
    org_path = "meeting_type__owner__organization"
    list_display = ("meeting_type", "owner", "label", "state", "expires_at", "single_use")
    list_filter = ("single_use",)
    list_select_related = ("meeting_type__owner",)
    search_fields = ("label", "meeting_type__title", "meeting_type__owner__email")
    ordering = ("-created_at",)
    fields = (
        "meeting_type",
        "label",
        "expires_at",
        "single_use",
        "used_at",
        "revoked_at",
        "token_hash",
        "created_at",
    )
    readonly_fields = ("meeting_type", "used_at", "token_hash", "created_at")

    def has_add_permission(self, request):
        return False  # only the app makes links: it shows the token once, to their owner

    @admin.display(description=_("owner"), ordering="meeting_type__owner__email")
    def owner(self, obj: Link):
        return obj.meeting_type.owner

    @admin.display(description=_("state"))
    def state(self, obj: Link) -> str | Promise:
        return obj.state().label


@admin.register(Booking)
class BookingAdmin(OrgScopedAdmin):
    org_path = "owner__organization"
    read_only = True
    hidden_fields = (
        "manage_token_hash",
        "idempotency_key_hash",
        "idempotency_fingerprint",
        "manage_token_encrypted",
    )
    list_display = ("meeting_type", "owner", "start", "status", "attendee")
    list_filter = ("status",)
    list_select_related = ("meeting_type", "owner")
    search_fields = ("attendee_name", "attendee_email", "meeting_type__title", "owner__email")
    date_hierarchy = "start"
    ordering = ("-start",)
    fields = (
        "meeting_type",
        "owner",
        "start",
        "end",
        "status",
        "attendee_name",
        "attendee_email",
        "attendee_time_zone",
        "attendee_language",
        "notes",
        "answers",
        "meeting_url",
        "link",
        "cancelled_by",
        "cancelled_at",
        "cancel_reason",
        "uid",
        "sequence",
        "created_at",
        "updated_at",
    )

    @admin.display(description=_("attendee"), ordering="attendee_name")
    def attendee(self, obj: Booking) -> str:
        return f"{obj.attendee_name} <{obj.attendee_email}>"
