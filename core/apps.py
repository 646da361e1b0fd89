from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Access and audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import access, signals
        from core.models import Grant, Role, RoleBinding

        # A role change applies at once in this process (other processes within the cache TTL).
        for model in (Role, Grant, RoleBinding):
            post_save.connect(access.access_cache_clear, sender=model, dispatch_uid=f"access-{model.__name__}-save")
            post_delete.connect(access.access_cache_clear, sender=model,
                                dispatch_uid=f"access-{model.__name__}-delete")
        signals.identities_changed.connect(access.identities_forget, dispatch_uid="access-identities")
