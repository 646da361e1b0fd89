"""Scorecard definitions: YAML files registered like catalog locations (they live in git)."""

from django.conf import settings
from django.db import models


class Scorecard(models.Model):
    """One scorecard, parsed from its YAML file. `definition` is the validated, normalised form
    (categories with weights, checks with their expressions, grade thresholds, level ladder) that
    the scoring engine reads; the file stays the source of truth and a refresh re-reads it."""

    class Status(models.TextChoices):
        OK = "ok", "Loaded"
        ERROR = "error", "Invalid file"

    slug = models.SlugField(max_length=100, unique=True, help_text="metadata.name of the scorecard file.")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    target = models.CharField(max_length=2048, help_text="Where the file is read from: a file path or URL.")
    applies_to = models.CharField(max_length=1000, blank=True,
                                  help_text="Catalog filter, e.g. kind=component,spec.type=service.")
    definition = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OK)
    message = models.TextField(blank=True, help_text="Why the file could not be read (file, line, field).")
    builtin = models.BooleanField(default=False, help_text="Shipped with Paved (the seed's two scorecards).")
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True, help_text="Last full recompute.")

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title or self.slug
