from django.apps import AppConfig


class TechdocsConfig(AppConfig):
    name = "techdocs"
