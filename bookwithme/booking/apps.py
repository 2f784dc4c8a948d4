from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "bookwithme.booking"
    label = "booking"
