"""Busy time that is not a booking: the built-in calendar's events, and the busy blocks read
from connected calendars (CalDAV servers and ICS feeds) by the sync tasks.

Times are aware UTC; a recurring block also keeps the time zone its rule repeats in, so that a
weekly 09:00 stays at 09:00 wall time across daylight-saving changes.
"""

from datetime import datetime, timedelta
from typing import NamedTuple
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookwithme.directory.models import validate_time_zone
from bookwithme.tokens import decrypt, encrypt

PASSWORD_PURPOSE = "calendar-password"  # noqa: S105 - a key's name, not a secret


class BusyBlock(models.Model):
    """What the busy query reads of any calendar: times, the rule they repeat by, and what a
    published feed may show."""

    title = models.CharField(_("title"), max_length=500, blank=True)
    location = models.CharField(_("location"), max_length=500, blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    rrule = models.TextField(_("recurrence rule"), blank=True)
    exdates = models.JSONField(_("excluded occurrences"), default=list, blank=True)
    # Last occurrence's end for a finite rule, null for an endless one: lets the busy query skip
    # series that are over without expanding them.
    repeats_until = models.DateTimeField(null=True, blank=True)
    uid = models.CharField(_("UID"), max_length=500, blank=True)

    class Meta:
        abstract = True


class Event(BusyBlock):
    """A block of the built-in calendar, added by hand or imported from a .ics file."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="events"
    )
    description = models.TextField(_("description"), max_length=5000, blank=True)
    busy = models.BooleanField(_("busy"), default=True)
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


def stale_after() -> timedelta:
    return timedelta(minutes=settings.BOOKWITHME_CALENDAR_STALE_AFTER_MINUTES)


def _not_fresh(now: datetime) -> Q:
    return Q(last_success_at__isnull=True) | Q(last_success_at__lt=now - stale_after())


class BusyState(NamedTuple):
    """What availability must know of an owner's connected calendars."""

    # A checked connection has not been read within the staleness bound: offer nothing.
    stale: bool
    # Remote busy time is known up to here (the end of the window the sync read); None when
    # there is no such bound (no CalDAV calendar checked).
    covered_until: datetime | None


SHOWN_EXAMPLES = 5


class UnreadSummary(NamedTuple):
    """What a connection's owner is told of events its syncs could not read."""

    skipped_count: int
    skipped: list[dict]  # a few {uid, reason}
    warnings: list[str]


class ConnectionQuerySet(models.QuerySet["Connection"]):
    def of(self, owner) -> "ConnectionQuerySet":
        """The owner's connections as lists and pages show them: oldest first, with the
        calendars each checks."""
        return self.filter(owner=owner).prefetch_related("checked").order_by("created_at", "pk")

    def checked(self) -> "ConnectionQuerySet":
        """Connections whose busy time counts (an ICS feed, a CalDAV server with calendars to
        check): the ones that can make their owner's availability stale."""
        return self.filter(checks_busy=True)

    def busy_state(self, owner_id: int, now: datetime) -> BusyState:
        """The owner's connected calendars as availability sees them, in one query."""
        row = (
            self.checked()
            .filter(owner_id=owner_id)
            .aggregate(stale=Count("pk", filter=_not_fresh(now)), covered_until=Min("synced_until"))
        )
        return BusyState(bool(row["stale"]), row["covered_until"])


class Connection(models.Model):
    """A calendar server or feed an organizer connected: where to read busy time, where to
    write bookings (CalDAV), and how its last reads went."""

    class Kind(models.TextChoices):
        CALDAV = "caldav", "CalDAV"
        ICS = "ics", _("ICS feed")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_connections"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    # CalDAV: the server or principal address the calendars were found from; ICS: the feed.
    url = models.CharField(_("address"), max_length=2000)
    username = models.CharField(_("username"), max_length=200, blank=True)
    # Fernet under a key derived from SECRET_KEY (`password()` opens it); never shown.
    password_encrypted = models.TextField(blank=True, editable=False)
    # The scheme the server asked for when the connection was tested (basic, digest, bearer),
    # sent straight away by later syncs.
    auth_scheme = models.CharField(max_length=16, blank=True, editable=False)
    # The CalDAV calendar bookings are written into; empty for none.
    write_to = models.CharField(_("calendar to write bookings into"), max_length=2000, blank=True)
    # Why the last write of a booking into it failed for good; cleared by one that works.
    write_error = models.CharField(_("last write error"), max_length=500, blank=True)
    # The calendars found under the principal when the connection was made: [{url, name}].
    found = models.JSONField(_("calendars found"), default=list, blank=True)
    # True for a feed, or a CalDAV connection with calendars to check (`CheckedCalendar`).
    checks_busy = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    last_sync_at = models.DateTimeField(_("last sync"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last good sync"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    failures = models.PositiveIntegerField(default=0)  # in a row, for the retry backoff
    # The end of the span the last good sync read (CalDAV); slots stop there.
    synced_until = models.DateTimeField(null=True, blank=True)
    # When the periodic sync is due next; null while paused (a permanent failure).
    next_sync_at = models.DateTimeField(_("next sync"), null=True, blank=True)
    # A sync in progress holds this lease, so that two never write the same blocks at once.
    syncing_until = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ConnectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("connected calendar")
        verbose_name_plural = _("connected calendars")
        indexes = [models.Index(fields=["owner", "checks_busy"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.host}"

    @property
    def host(self) -> str:
        """What logs may say of the address: a feed's URL can hold a secret, its host cannot."""
        try:
            return urlsplit(self.url).hostname or "?"
        except ValueError:
            return "?"

    def set_password(self, password: str) -> None:
        self.password_encrypted = encrypt(password, purpose=PASSWORD_PURPOSE) if password else ""

    def password(self) -> str:
        """The password in clear, for the CalDAV client; `SecretUnreadable` if SECRET_KEY
        changed since it was stored."""
        if not self.password_encrypted:
            return ""
        return decrypt(self.password_encrypted, purpose=PASSWORD_PURPOSE)

    def unread_summary(self) -> "UnreadSummary":
        """How many events its calendars' last reads skipped, a few of them with why, and the
        time zone warnings (uses the prefetched `checked` when there is one)."""
        skipped: list[dict] = []
        warnings: list[str] = []
        for calendar in self.checked.all():
            for problems in calendar.unread.values():
                skipped.extend(problems.get("skipped", ()))
                warnings.extend(w for w in problems.get("warnings", ()) if w not in warnings)
        return UnreadSummary(len(skipped), skipped[:SHOWN_EXAMPLES], warnings[:SHOWN_EXAMPLES])

    def is_stale(self, now: datetime | None = None) -> bool:
        if not self.checks_busy:
            return False
        now = now or timezone.now()
        return self.last_success_at is None or self.last_success_at < now - stale_after()


class CheckedCalendar(models.Model):
    """One calendar whose busy time is read (a CalDAV collection, or the feed itself), with
    what the next sync needs to read only what changed."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="checked")
    url = models.CharField(max_length=2000)
    name = models.CharField(max_length=200, blank=True)
    # The collection's tag when last read (CalDAV getctag or sync-token; a feed's SHA-256):
    # the same tag means nothing changed.
    tag = models.CharField(max_length=500, blank=True)
    # CalDAV: href -> etag of each resource whose busy blocks are stored.
    etags = models.JSONField(default=dict, blank=True)
    # The owner's zone the blocks were read in (all-day events and floating times use it).
    time_zone = models.CharField(max_length=64, blank=True)
    # What the last reads could not use, by resource (CalDAV href; "" for a feed):
    # {key: {"skipped": [{uid, reason}], "warnings": [text]}}; only resources with something.
    unread = models.JSONField(default=dict, blank=True)
    # A feed's HTTP validators, for conditional requests.
    http_etag = models.CharField(max_length=500, blank=True)
    http_last_modified = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "url"], name="checked_calendar_once")
        ]

    def __str__(self) -> str:
        return self.name or self.url


class RemoteBusy(BusyBlock):
    """A busy event read from a connected calendar; the availability reads these like the
    built-in calendar's events. Free (transparent) and cancelled events are not stored."""

    calendar = models.ForeignKey(CheckedCalendar, on_delete=models.CASCADE, related_name="busy")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # The CalDAV resource it came from (empty for a feed): what a changed etag replaces.
    href = models.CharField(max_length=2000, blank=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "start"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="remote_busy_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title or str(_("Busy"))
