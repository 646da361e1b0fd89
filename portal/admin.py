from django.contrib import admin

from portal.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked"]
    list_filter = ["revoked", "created_at", "last_used_at"]
    search_fields = ["user__username", "name", "prefix"]
    list_select_related = ["user"]
    readonly_fields = ["prefix", "token_hash", "created_at", "last_used_at"]
    autocomplete_fields = ["user"]

    def has_add_permission(self, request) -> bool:
        # A token is only useful when its raw value is shown once: create them on the profile
        # page or with `manage.py create_api_token`, never here.
        return False
