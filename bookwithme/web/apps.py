from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "bookwithme.web"
    label = "web"
