"""Busy time that is not a booking: the built-in calendar's events.

Times are aware UTC; a recurring event also keeps the time zone its rule repeats in, so that a
weekly 09:00 stays at 09:00 wall time across daylight-saving changes.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookwithme.directory.models import validate_time_zone


class Event(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="events"
    )
    title = models.CharField(_("title"), max_length=500, blank=True)
    location = models.CharField(_("location"), max_length=500, blank=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    busy = models.BooleanField(_("busy"), default=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    rrule = models.TextField(_("recurrence rule"), blank=True)
    exdates = models.JSONField(_("excluded occurrences"), default=list, blank=True)
    # Last occurrence's end for a finite rule, null for an endless one: lets the busy query skip
    # series that are over without expanding them.
    repeats_until = models.DateTimeField(null=True, blank=True)
    uid = models.CharField(_("UID"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["owner", "start"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="event_end_after_start"
            ),
            models.UniqueConstraint(
                fields=["owner", "uid"],
                condition=~models.Q(uid=""),
                name="event_uid_unique_per_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.title or str(_("Busy"))
