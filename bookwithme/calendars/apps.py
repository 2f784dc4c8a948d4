from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "bookwithme.calendars"
    label = "calendars"
