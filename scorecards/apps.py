from django.apps import AppConfig


class ScorecardsConfig(AppConfig):
    name = "scorecards"
    verbose_name = "Scorecards"

    def ready(self) -> None:
        # Receivers of lower apps' signals, and the panels this app adds to pages it does not own.
        from scorecards import panels, receivers

        receivers.connect()
        panels.register()
