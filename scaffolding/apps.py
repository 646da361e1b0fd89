from django.apps import AppConfig


class ScaffoldingConfig(AppConfig):
    name = "scaffolding"

    def ready(self) -> None:
        # Registers the Celery tasks in every process, not only in workers (Celery autodiscovers them
        # there): the web enqueues runs by task name (services.EXECUTE_TASK), as beat does.
        from scaffolding import tasks  # noqa: F401
