from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from catalog.access import identity_resolve
        from catalog.receivers import repository_pushed_refresh
        from core.access import identity_resolver_register
        from githost.signals import repository_pushed

        identity_resolver_register(identity_resolve)
        # The catalog reacts to the apps below it through their signals (they never import the catalog).
        repository_pushed.connect(repository_pushed_refresh, dispatch_uid="catalog.repository_pushed_refresh")
