from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


def _owner_changed(sender, instance, **kwargs):
    from bookwithme.directory.models import bump_availability

    bump_availability(instance.owner_id if hasattr(instance, "owner_id") else instance.person_id)


class BookingConfig(AppConfig):
    name = "bookwithme.booking"
    label = "booking"

    def ready(self):
        from bookwithme.booking.overlap import ensure_triggers

        post_migrate.connect(ensure_triggers, sender=self, dispatch_uid="booking-triggers")
        # Any saved or deleted booking, working hours or meeting type outdates the owner's
        # cached slots.
        for model in ("Booking", "WorkingHours", "MeetingType"):
            sender = self.get_model(model)
            post_save.connect(_owner_changed, sender=sender, dispatch_uid=f"bump-{model}")
            post_delete.connect(_owner_changed, sender=sender, dispatch_uid=f"bump-{model}-del")
