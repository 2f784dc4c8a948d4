from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


def _owner_changed(sender, instance, **kwargs):
    from bookwithme.directory.models import bump_availability

    bump_availability(instance.owner_id if hasattr(instance, "owner_id") else instance.person_id)


def longest_horizon(owner_id: int) -> int | None:
    """How far ahead the owner's calendars must be read: their live types' longest horizon
    (None: no live type)."""
    from django.db.models import Max

    from bookwithme.booking.models import MeetingType

    return (
        MeetingType.objects.live()
        .filter(owner_id=owner_id)
        .aggregate(days=Max("horizon_days"))["days"]
    )


def own_booking_uids(owner_id: int, uids: set[str]) -> set[str]:
    """Which UIDs read from the owner's calendars are copies of their own bookings."""
    from bookwithme.booking.models import Booking

    return Booking.objects.own_uids(owner_id, uids)


class BookingConfig(AppConfig):
    name = "bookwithme.booking"
    label = "booking"

    def ready(self):
        from bookwithme.booking.overlap import ensure_triggers
        from bookwithme.calendars import sync

        post_migrate.connect(ensure_triggers, sender=self, dispatch_uid="booking-triggers")
        # Any saved or deleted booking, working hours or meeting type outdates the owner's
        # cached slots.
        for model in ("Booking", "WorkingHours", "MeetingType"):
            sender = self.get_model(model)
            post_save.connect(_owner_changed, sender=sender, dispatch_uid=f"bump-{model}")
            post_delete.connect(_owner_changed, sender=sender, dispatch_uid=f"bump-{model}-del")
        # What a calendar sync asks of booking, handed to it as calls (calendars never
        # imports booking): how far ahead to read, and which events are our own bookings.
        sync.configure(horizon_days=longest_horizon, own_booking_uids=own_booking_uids)
