from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from catalog.panels import panel_register
        from portal import auth_audit, scorecard_panels
        from portal.star_views import star_panel_context

        auth_audit.connect()
        # The star button on every entity page; loading it records the visit for the home page.
        panel_register(key="portal.star", title="Star", template="portal/panels/entity_star_placeholder.html",
                       context=star_panel_context, order=0)
        # The home page's scorecard panel (scorecards sits below the portal: the portal registers it).
        scorecard_panels.register()
        # --- insights: Platform Health reads scorecards through the portal (siblings may not import) ---
        from portal import measurement

        measurement.connect()
