"""Django admin for the catalog.

Entities, relations, search entries and source files are written by ingestion, so the admin
shows them read-only; deleting them is allowed (the next refresh of their location brings
back whatever is still in the files). Locations can be added and edited here.

The big tables (entities, relations, search entries) can hold hundreds of thousands of rows:
their list pages skip the full `COUNT(*)` and join the foreign keys they display.
"""

import json
from urllib.parse import urlencode

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from .models import CatalogEvent, Entity, Location, ProcessingError, Relation, SearchEntry, SourceFile


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by ingestion: viewable and deletable, never added or edited by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _changelist_link(model, label: str, **filters) -> str:
    """Link to another model's admin list, filtered (a location can have thousands of files)."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, urlencode(filters), label)


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("target", "type", "status", "entity_count", "error_count", "refreshed_at", "created_by")
    list_filter = ("status", "type")
    search_fields = ("target", "message")
    list_select_related = ("created_by",)
    date_hierarchy = "created_at"
    raw_id_fields = ("created_by",)
    readonly_fields = (
        "id", "status", "message", "entity_count", "error_count", "created_by", "created_at",
        "refreshed_at", "refresh_requested_at", "browse",
    )
    fieldsets = (
        (None, {"fields": ("type", "target")}),
        ("State", {"fields": (
            "id", "status", "message", "entity_count", "error_count", "browse",
            "created_by", "created_at", "refreshed_at", "refresh_requested_at",
        )}),
    )

    @admin.display(description="browse")
    def browse(self, obj):
        if obj.pk is None:
            return "-"
        return format_html(
            "{} · {} · {}",
            _changelist_link(Entity, "entities", location__id__exact=obj.pk),
            _changelist_link(SourceFile, "files", location__id__exact=obj.pk),
            _changelist_link(ProcessingError, "errors", location__id__exact=obj.pk),
        )

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(SourceFile)
class SourceFileAdmin(ReadOnlyAdmin):
    list_display = ("target", "location", "entity_count", "short_sha256", "read_at")
    list_filter = ("location__status", "location__type")
    search_fields = ("target",)
    list_select_related = ("location",)
    raw_id_fields = ("location",)
    readonly_fields = ("location", "target", "sha256", "entity_count", "read_at")

    @admin.display(description="sha256")
    def short_sha256(self, obj):
        return obj.sha256[:12]


@admin.register(Entity)
class EntityAdmin(ReadOnlyAdmin):
    list_display = (
        "ref", "kind", "title", "spec_type", "lifecycle", "owner_ref", "orphan", "has_errors", "updated_at",
    )
    list_filter = ("kind", "orphan", "has_errors", "lifecycle", "location__status")
    search_fields = ("ref", "name", "title", "owner_ref")
    raw_id_fields = ("location",)
    show_full_result_count = False
    list_per_page = 100
    readonly_fields = (
        "uid", "ref", "kind", "namespace", "name", "title", "description", "spec_type", "lifecycle",
        "owner_ref", "tags", "location", "source", "orphan", "has_errors", "etag", "content_hash",
        "created_at", "updated_at", "pretty_final", "search_text",
    )
    fieldsets = (
        (None, {"fields": ("ref", "kind", "namespace", "name", "title", "description")}),
        ("Spec", {"fields": ("spec_type", "lifecycle", "owner_ref", "tags")}),
        ("Origin", {"fields": ("location", "source", "orphan", "has_errors", "created_at", "updated_at")}),
        ("Stored", {
            "classes": ("collapse",),
            "fields": ("uid", "etag", "content_hash", "pretty_final", "search_text"),
        }),
    )

    @admin.display(description="final (served JSON)")
    def pretty_final(self, obj):
        try:
            text = json.dumps(json.loads(obj.final), indent=2, ensure_ascii=False)
        except (TypeError, ValueError):
            text = obj.final
        return format_html('<pre style="white-space: pre-wrap; max-height: 40em; overflow: auto">{}</pre>',
                           text)


@admin.register(Relation)
class RelationAdmin(ReadOnlyAdmin):
    list_display = ("source_ref", "type", "target_ref", "origin")
    list_filter = ("type",)
    search_fields = ("source_ref", "target_ref")
    list_select_related = ("origin",)
    raw_id_fields = ("origin",)
    show_full_result_count = False
    readonly_fields = ("origin", "source_ref", "type", "target_ref")


@admin.register(SearchEntry)
class SearchEntryAdmin(ReadOnlyAdmin):
    list_display = ("entity", "key", "value")
    search_fields = ("key", "value", "entity__ref")
    list_select_related = ("entity",)
    raw_id_fields = ("entity",)
    show_full_result_count = False
    readonly_fields = ("entity", "key", "value")


@admin.register(ProcessingError)
class ProcessingErrorAdmin(ReadOnlyAdmin):
    list_display = ("short_message", "source", "document", "entity_ref", "field", "location", "created_at")
    list_filter = ("location__status",)
    search_fields = ("message", "source", "entity_ref", "field")
    list_select_related = ("location",)
    raw_id_fields = ("location",)
    readonly_fields = ("location", "source", "document", "entity_ref", "field", "message", "created_at")

    @admin.display(description="message")
    def short_message(self, obj):
        return str(obj)


@admin.register(CatalogEvent)
class CatalogEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "subject", "actor")
    list_filter = ("action",)
    search_fields = ("subject", "actor__username")
    list_select_related = ("actor",)
    raw_id_fields = ("actor",)
    date_hierarchy = "created_at"
    readonly_fields = ("action", "subject", "actor", "created_at")

    def has_delete_permission(self, request, obj=None):
        return False  # an audit trail
