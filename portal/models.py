"""Portal-wide data: API tokens for machines and scripts."""

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A bearer token for the JSON API and git; only its SHA-256 is stored."""

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        WRITE = "write", "Read and write"
        FACTS = "facts", "Send scorecard facts only (CI)"
        EVENTS = "events", "Send delivery events only (CI/CD, incident tools)"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, help_text="First characters, to recognise a token in lists.")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)
    scopes = models.JSONField(default=list, blank=True,
                              help_text='What the token may do: ["read"], ["read", "write"], ["facts"] or ["events"].')
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"


class EntityStar(models.Model):
    """A catalog entity a person starred, by ref (as Backstage stores stars): a star survives the
    entity being unregistered and registered again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="entity_stars")
    entity_ref = models.CharField(max_length=320, help_text="kind:namespace/name, lower case.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "entity_ref"], name="portal_entitystar_unique_user_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ★ {self.entity_ref}"


class EntityVisit(models.Model):
    """The last time a person opened an entity's page; only the most recent few per person are kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="entity_visits")
    entity_ref = models.CharField(max_length=320, help_text="kind:namespace/name, lower case.")
    visited_at = models.DateTimeField()

    class Meta:
        ordering = ["-visited_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "entity_ref"], name="portal_entityvisit_unique_user_ref"),
        ]
        indexes = [models.Index(fields=["user", "visited_at"], name="portal_entityvisit_recent")]

    def __str__(self) -> str:
        return f"{self.user} → {self.entity_ref}"
