"""TechDocs data: one DocsSite per documented entity, a DocsBuild row per build, and the
pages of the published build (sanitised HTML plus the text the search index reads)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class DocsSite(models.Model):
    """The documentation of one catalog entity: where it comes from and what is published."""

    # The entity is referenced by its ref, not a foreign key: the catalog deletes entities in
    # bulk and must not learn about techdocs (dependencies flow downwards).
    entity_ref = models.CharField(max_length=320, unique=True, help_text="kind:namespace/name, lower case.")
    namespace = models.CharField(max_length=63)
    kind = models.CharField(max_length=63)
    name = models.CharField(max_length=63)
    techdocs_ref = models.CharField(max_length=2100, blank=True, help_text="The backstage.io/techdocs-ref value.")
    source_dir = models.CharField(max_length=2100, blank=True, help_text="Resolved directory, when resolvable.")
    ref_error = models.TextField(blank=True, help_text="Why the reference cannot be resolved, if it cannot.")
    source_hash = models.CharField(max_length=64, blank=True, help_text="Hash of the docs tree last seen.")
    source_changed_at = models.DateTimeField(null=True, blank=True, help_text="Last change of the docs source.")
    built_hash = models.CharField(max_length=64, blank=True, help_text="Source hash of the published build.")
    published_build = models.ForeignKey("DocsBuild", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    storage_path = models.CharField(max_length=500, blank=True, help_text="Published site, relative to storage.")
    site_name = models.CharField(max_length=255, blank=True)
    site_description = models.TextField(blank=True)
    nav = models.JSONField(default=list, blank=True)
    files = models.JSONField(default=list, blank=True)
    page_count = models.PositiveIntegerField(default=0)
    built_at = models.DateTimeField(null=True, blank=True, help_text="When the published build finished.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entity_ref"]

    def __str__(self) -> str:
        return self.entity_ref


class DocsBuild(models.Model):
    """One build of a site: queued by the scan, the Rebuild button or the sync endpoint."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Reason(models.TextChoices):
        REGISTERED = "registered", "First build"
        SOURCE_CHANGED = "source_changed", "Source changed"
        MANUAL = "manual", "Rebuild requested"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    site = models.ForeignKey(DocsSite, on_delete=models.CASCADE, related_name="builds")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    source_hash = models.CharField(max_length=64, blank=True)
    task_id = models.CharField(max_length=255, blank=True)
    step = models.CharField(max_length=120, blank=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    log = models.TextField(blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When the worker last said it is alive (running) and when the build was last sent to the broker
    # (queued): the sweep fails builds whose worker died and re-sends builds whose message was lost.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Two requests for the same entity build once: at most one live build per site.
            models.UniqueConstraint(fields=["site"], condition=Q(status__in=["queued", "running"]),
                                    name="%(app_label)s_%(class)s_unique_active"),
        ]

    def __str__(self) -> str:
        return f"{self.site_id}#{self.pk} {self.status}"

    @property
    def active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class DocsPage(models.Model):
    """One page of a published site: sanitised HTML for the reader, text for search."""

    site = models.ForeignKey(DocsSite, on_delete=models.CASCADE, related_name="pages")
    path = models.CharField(max_length=1000, help_text="Site-relative URL: '' for the home page, 'runbook/'.")
    title = models.CharField(max_length=500, blank=True)
    html = models.TextField()
    toc = models.JSONField(default=list, blank=True)
    sections = models.JSONField(default=list, blank=True, help_text="[{id, title, text}] for search highlights.")
    headings = models.TextField(blank=True)
    body = models.TextField(blank=True)
    edit_url = models.URLField(max_length=2000, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True, help_text="Modification time of the source file.")

    class Meta:
        ordering = ["site", "path"]
        constraints = [
            models.UniqueConstraint(fields=["site", "path"], name="%(app_label)s_%(class)s_unique_path"),
        ]

    def __str__(self) -> str:
        return f"{self.site_id}:{self.path}"
