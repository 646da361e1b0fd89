from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        # Receivers of lower apps' signals, and the panels this app adds to pages it does not own.
        from insights import panels, receivers

        receivers.connect()
        panels.register()
