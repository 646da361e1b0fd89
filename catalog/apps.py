from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from catalog.access import identity_resolve
        from core.access import identity_resolver_register

        identity_resolver_register(identity_resolve)
