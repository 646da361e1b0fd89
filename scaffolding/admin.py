"""Django admin for scaffolder runs (read-mostly: runs are created from the Create page or the API)."""

from django.contrib import admin

from scaffolding.models import ScaffoldedRepository, ScaffoldEvent, ScaffoldRun, ScaffoldStep


class ScaffoldStepInline(admin.TabularInline):
    model = ScaffoldStep
    extra = 0
    can_delete = False
    fields = ["index", "step_id", "name", "action", "status", "started_at", "ended_at"]
    readonly_fields = fields


@admin.register(ScaffoldRun)
class ScaffoldRunAdmin(admin.ModelAdmin):
    list_display = ["id", "template_ref", "status", "dry_run", "created_by_ref", "created_at", "finished_at"]
    list_filter = ["status", "dry_run"]
    search_fields = ["template_ref", "created_by_ref", "id"]
    # Secrets are never shown, not even to admins.
    exclude = ["secrets", "template_files", "dry_run_files"]
    readonly_fields = ["template_ref", "template_version", "template_title", "template_base", "spec", "values",
                       "status", "created_by", "created_by_ref", "started_at", "finished_at", "claimed_by",
                       "heartbeat_at", "enqueued_at", "cancel_requested", "resume_from", "step_outputs", "output",
                       "error", "created_resources", "attempts", "dry_run"]
    inlines = [ScaffoldStepInline]
    show_full_result_count = False


@admin.register(ScaffoldEvent)
class ScaffoldEventAdmin(admin.ModelAdmin):
    list_display = ["id", "run", "type", "created_at"]
    list_filter = ["type"]
    readonly_fields = ["run", "type", "body", "created_at"]
    show_full_result_count = False


@admin.register(ScaffoldedRepository)
class ScaffoldedRepositoryAdmin(admin.ModelAdmin):
    list_display = ["owner", "name", "provider", "template_ref", "template_version", "entity_ref", "created_at"]
    list_filter = ["provider"]
    search_fields = ["owner", "name", "template_ref", "entity_ref"]
    readonly_fields = ["run"]
