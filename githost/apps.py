from django.apps import AppConfig


class GithostConfig(AppConfig):
    name = "githost"
    verbose_name = "Git host"
