"""Catalog data: registered locations, the entities they emit, relations and errors.

Entities are stored the way Backstage stores its "final entities": the JSON served by the
API is kept ready in `Entity.final`, so reads never rebuild it. Filters are answered from
indexed columns and from `SearchEntry` rows (one per flattened field), never by loading
entities into Python.
"""

import uuid

from django.conf import settings
from django.db import models


class Location(models.Model):
    """A registered place the catalog reads entity files from (a file path or a URL)."""

    class Type(models.TextChoices):
        FILE = "file", "file"
        URL = "url", "url"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        OK = "ok", "OK"
        WARNING = "warning", "Has errors"
        FAILED = "failed", "Cannot be read"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=16, choices=Type.choices)
    target = models.CharField(max_length=2048)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(blank=True, help_text="Why the location could not be read, if it could not.")
    entity_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    refresh_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["type", "target"], name="%(app_label)s_%(class)s_unique_target"),
        ]
        # catalog_refresh_due() scans for locations whose refresh is due.
        indexes = [models.Index(fields=["refreshed_at"], name="catalog_location_refreshed")]

    def __str__(self) -> str:
        return f"{self.type}:{self.target}"

    @property
    def ref(self) -> str:
        return f"{self.type}:{self.target}"


class SourceFile(models.Model):
    """One file read for a location, with its content hash so an unchanged file is skipped."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="files")
    target = models.CharField(max_length=2048, help_text="Location ref of the file, e.g. file:/abs/path.yaml")
    sha256 = models.CharField(max_length=64, blank=True)
    entity_count = models.PositiveIntegerField(default=0)
    links = models.JSONField(default=dict, blank=True, help_text="Child location targets and placeholder includes.")
    read_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["location", "target"], name="%(app_label)s_%(class)s_unique_target"),
        ]

    def __str__(self) -> str:
        return self.target


class Entity(models.Model):
    """A catalog entity as served, with the columns that filters and facets use."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ref = models.CharField(max_length=320, help_text="kind:namespace/name, lower case: the identity.")
    kind = models.CharField(max_length=63)
    namespace = models.CharField(max_length=63, default="default")
    name = models.CharField(max_length=63)
    title = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    spec_type = models.CharField(max_length=255, blank=True)
    lifecycle = models.CharField(max_length=255, blank=True)
    owner_ref = models.CharField(max_length=320, blank=True, help_text="Lower-case ref of spec.owner.")
    tags = models.JSONField(default=list, blank=True)
    body = models.JSONField(help_text="The entity as processed: envelope, metadata, spec (no relations).")
    final = models.TextField(help_text="The JSON served by the API, relations and status included.")
    etag = models.CharField(max_length=64)
    content_hash = models.CharField(max_length=64, help_text="Hash of `body`: unchanged input, no write.")
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="entities"
    )
    source = models.CharField(max_length=2100, blank=True, help_text="managed-by-location: the file it came from.")
    orphan = models.BooleanField(default=False)
    has_errors = models.BooleanField(default=False)
    search_text = models.TextField(blank=True, help_text="Lower-case words for full-text search.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "entities"
        ordering = ["ref"]
        constraints = [
            # Backstage: names are unique per kind and namespace, ignoring case; `ref` is lower case.
            models.UniqueConstraint(fields=["ref"], name="%(app_label)s_%(class)s_unique_ref"),
        ]
        indexes = [
            # Facets and list filters on the catalog page and entity-facets.
            models.Index(fields=["kind", "ref"], name="catalog_entity_kind_ref"),
            # The catalog page sorts by these columns (ref breaks ties): a page is an index walk.
            models.Index(fields=["owner_ref", "ref"], name="catalog_entity_owner_ref"),
            models.Index(fields=["name", "ref"], name="catalog_entity_name_ref"),
            models.Index(fields=["spec_type", "ref"], name="catalog_entity_type_ref"),
            models.Index(fields=["lifecycle", "ref"], name="catalog_entity_lifecycle_ref"),
            models.Index(fields=["location", "source"], name="catalog_entity_source"),
            models.Index(fields=["orphan"], name="catalog_entity_orphan"),
        ]

    def __str__(self) -> str:
        return self.ref


class Relation(models.Model):
    """A directed edge `source_ref --type--> target_ref`, produced by one originating entity."""

    # No database-level constraint: ingestion writes these rows by the hundred thousand and
    # deletes them explicitly with their entity; a deferred FK check doubled import time.
    origin = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="emitted_relations",
                               db_constraint=False)
    source_ref = models.CharField(max_length=320)
    type = models.CharField(max_length=64)
    target_ref = models.CharField(max_length=320)

    class Meta:
        indexes = [
            # Stitching reads every relation whose source is an entity; the graph reads both ends.
            models.Index(fields=["source_ref", "type"], name="catalog_relation_source"),
            models.Index(fields=["target_ref"], name="catalog_relation_target"),
        ]

    def __str__(self) -> str:
        return f"{self.source_ref} {self.type} {self.target_ref}"


class SearchEntry(models.Model):
    """One flattened field of an entity (`spec.type` = `service`), lower case, for API filters."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="search_entries",
                               db_constraint=False)
    key = models.CharField(max_length=200)
    value = models.CharField(max_length=200, null=True, blank=True)

    class Meta:
        verbose_name_plural = "search entries"
        indexes = [
            # Covers the filter subqueries (key, value -> entity) so they are index-only scans.
            models.Index(fields=["key", "value", "entity"], name="catalog_search_key_value"),
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class ProcessingError(models.Model):
    """A problem found while reading a location, pinned to its file, document and field."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="errors")
    source = models.CharField(max_length=2100, help_text="The file, as a location ref.")
    document = models.PositiveIntegerField(null=True, blank=True, help_text="1-based YAML document number.")
    entity_ref = models.CharField(max_length=320, blank=True, help_text="The entity it concerns, if known.")
    field = models.CharField(max_length=255, blank=True)
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source", "document", "id"]
        indexes = [models.Index(fields=["entity_ref"], name="catalog_error_entity")]

    def __str__(self) -> str:
        return self.message[:80]


class CatalogEvent(models.Model):
    """Audit trail of changes people and machines make to the catalog."""

    class Action(models.TextChoices):
        LOCATION_ADDED = "location_added", "Location added"
        LOCATION_REMOVED = "location_removed", "Location removed"
        ENTITY_DELETED = "entity_deleted", "Entity deleted"
        REFRESH_REQUESTED = "refresh_requested", "Refresh requested"

    action = models.CharField(max_length=32, choices=Action.choices)
    subject = models.CharField(max_length=2100)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action} {self.subject}"


class CatalogRevision(models.Model):
    """One row whose counter every catalog write bumps, so read caches know when to expire."""

    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"revision {self.value}"
