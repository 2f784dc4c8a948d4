from django.apps import AppConfig


class BookwithmeConfig(AppConfig):
    """The project itself, as an app: it holds the command line's management commands."""

    name = "bookwithme"
    label = "bookwithme"
    verbose_name = "bookwithme"
