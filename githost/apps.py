from django.apps import AppConfig


class GithostConfig(AppConfig):
    name = "githost"
    verbose_name = "Git host"

    def ready(self) -> None:
        from githost import checks  # noqa: F401  (registers the system checks)
