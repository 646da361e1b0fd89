from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from catalog.access import identity_resolve
        from core.access import identity_resolver_register

        identity_resolver_register(identity_resolve)

        # The catalog reacts to the apps below it through their signals (they never import the catalog).
        from catalog.receivers import repository_pushed_refresh
        from githost.signals import repository_pushed

        repository_pushed.connect(repository_pushed_refresh, dispatch_uid="catalog.repository_pushed_refresh")
