"""Django admin: scorecards are viewable (their file is the source of truth: edit it in git, then
refresh); refresh and recompute are actions that go through the services (permission, audit)."""

from django.contrib import admin, messages
from django.db import transaction

from core.access import authorize
from core.audit import audit_record
from scorecards.models import Scorecard
from scorecards.services import definitions, scoring


@admin.action(description="Re-read the file (refresh)")
def refresh(modeladmin, request, queryset):
    for card in queryset:
        card = definitions.scorecard_refresh(actor=request.user, scorecard=card)
        level = messages.SUCCESS if card.status == Scorecard.Status.OK else messages.ERROR
        modeladmin.message_user(request, f"{card.slug}: {card.get_status_display()} {card.message}".strip(), level)


@admin.action(description="Recompute every score now")
def recompute(modeladmin, request, queryset):
    for card in queryset:
        stats = scoring.scorecard_compute(scorecard=card)
        modeladmin.message_user(request, f"{card.slug}: {stats['entities']} entities, {stats['written']} written "
                                         f"in {stats['seconds']} s.", messages.SUCCESS)


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin):
    list_display = ["slug", "title", "status", "applies_to", "builtin", "enabled", "refreshed_at", "computed_at"]
    list_filter = ["status", "builtin", "enabled"]
    search_fields = ["slug", "title", "target"]
    readonly_fields = ["slug", "title", "description", "target", "applies_to", "definition", "content_hash", "status",
                       "message", "builtin", "created_by", "created_at", "refreshed_at", "computed_at"]
    fields = ["enabled", *readonly_fields]
    actions = [refresh, recompute]

    def has_add_permission(self, request):
        return False  # registered from a file: scorecard_register (the page or the API)

    def has_change_permission(self, request, obj=None):
        return authorize(request.user, definitions.PERMISSION)

    def has_delete_permission(self, request, obj=None):
        return authorize(request.user, definitions.PERMISSION)

    def save_model(self, request, obj, form, change):
        """Only `enabled` is editable here; the switch is audited like the services' writes."""
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(actor=request.user, action="scorecards.scorecard.enable" if obj.enabled
                         else "scorecards.scorecard.disable", target=obj.slug)

    def delete_model(self, request, obj):
        definitions.scorecard_delete(actor=request.user, scorecard=obj)

    def delete_queryset(self, request, queryset):
        for card in queryset:
            definitions.scorecard_delete(actor=request.user, scorecard=card)
