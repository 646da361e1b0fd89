from django.apps import AppConfig


class ScaffoldingConfig(AppConfig):
    name = "scaffolding"
