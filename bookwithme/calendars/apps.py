from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _event_changed(sender, instance, **kwargs):
    from bookwithme.directory.models import bump_availability

    bump_availability(instance.owner_id)


class CalendarsConfig(AppConfig):
    name = "bookwithme.calendars"
    label = "calendars"

    def ready(self):
        # A saved or deleted event outdates its owner's cached slots (bulk writes bump
        # explicitly, since they send no signals). So does a removed connection: its busy
        # blocks go with it.
        Event = self.get_model("Event")
        post_save.connect(_event_changed, sender=Event, dispatch_uid="bump-event")
        post_delete.connect(_event_changed, sender=Event, dispatch_uid="bump-event-del")
        Connection = self.get_model("Connection")
        post_delete.connect(_event_changed, sender=Connection, dispatch_uid="bump-connection-del")
