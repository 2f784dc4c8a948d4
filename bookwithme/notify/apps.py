from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "bookwithme.notify"
    label = "notify"
