from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "bookwithme.api"
    label = "api"
