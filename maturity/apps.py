from django.apps import AppConfig


class MaturityConfig(AppConfig):
    name = "maturity"
    verbose_name = "Platform maturity"

    def ready(self) -> None:
        # Receivers of lower apps' signals, and the panels this app adds to pages it does not own.
        from maturity import panels, receivers

        receivers.connect()
        panels.register()
