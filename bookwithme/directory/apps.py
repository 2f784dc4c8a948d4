from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "bookwithme.directory"
    label = "directory"
