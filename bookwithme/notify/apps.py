from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "bookwithme.notify"
    label = "notify"

    def ready(self):
        from bookwithme.notify import receivers  # noqa: F401 - connects booking's signals
