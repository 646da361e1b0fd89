from django.apps import AppConfig


class TechdocsConfig(AppConfig):
    name = "techdocs"

    def ready(self) -> None:
        from catalog.signals import entities_stored
        from techdocs.panels import docs_panels_register
        from techdocs.receivers import entities_stored_request_docs

        # TechDocs reacts to the catalog (below it) through its signal, and adds its panel to the
        # catalog's entity page through the panel registry: the catalog never imports TechDocs.
        entities_stored.connect(entities_stored_request_docs, dispatch_uid="techdocs.entities_stored_request_docs")
        docs_panels_register()
