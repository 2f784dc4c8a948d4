"""The built-in calendar's events in the admin, scoped to the organization of their owner."""

from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bookwithme.calendars.models import Event
from bookwithme.calendars.recurrence import RecurrenceError, prepare
from bookwithme.directory.admin import OrgScopedAdmin
from bookwithme.directory.models import available_time_zones

EDITABLE = (
    "owner",
    "title",
    "location",
    "description",
    "start",
    "end",
    "busy",
    "time_zone",
    "rrule",
    "exdates",
)


class EventForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = EDITABLE

    def clean_rrule(self):
        return self.cleaned_data["rrule"].strip().removeprefix("RRULE:")

    def clean(self):
        cleaned = super().clean()
        start, end, rule = cleaned.get("start"), cleaned.get("end"), cleaned.get("rrule")
        zone = cleaned.get("time_zone")
        if start and end and end <= start:
            self.add_error("end", _("The end must be after the start."))
        elif rule and start and end and zone in available_time_zones():
            # Kept beside the rule so that the busy query can skip series that are over.
            try:
                cleaned["rrule"], cleaned["repeats_until"] = prepare(
                    rule, start, end, ZoneInfo(zone)
                )
            except RecurrenceError as e:
                self.add_error("rrule", ValidationError(str(e)))
        return cleaned


@admin.register(Event)
class EventAdmin(OrgScopedAdmin):
    form = EventForm
    org_path = "owner__organization"
    choice_scopes = {"owner": "organization"}
    list_display = ("__str__", "owner", "start", "end", "busy", "is_recurring")
    list_filter = ("busy",)
    list_select_related = ("owner",)
    search_fields = ("title", "owner__email", "owner__name")
    date_hierarchy = "start"
    ordering = ("-start",)
    fields = (
        *EDITABLE,
        "repeats_until",
        "uid",
        "created_at",
    )
    readonly_fields = ("repeats_until", "uid", "created_at")

    @admin.display(boolean=True, description=_("recurring"))
    def is_recurring(self, obj: Event) -> bool:
        return bool(obj.rrule)

    def save_model(self, request, obj, form, change):
        obj.repeats_until = form.cleaned_data.get("repeats_until") if obj.rrule else None
        super().save_model(request, obj, form, change)
