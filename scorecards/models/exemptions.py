"""Exemptions (an owner asks, a platform admin approves; they expire on their own) and campaigns."""

from django.conf import settings
from django.db import models


class Exemption(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        REVOKED = "revoked", "Revoked"

    scorecard = models.ForeignKey("scorecards.Scorecard", on_delete=models.CASCADE, related_name="exemptions")
    entity_ref = models.CharField(max_length=320)
    check_key = models.CharField(max_length=100)
    reason = models.TextField()
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["entity_ref", "status", "expires_at"], name="scorecards_exempt_active")]
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.entity_ref} {self.check_key} ({self.status})"


class Campaign(models.Model):
    """A target ("every production service reaches Silver by 31 March") with reminders to owners."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    scorecard = models.ForeignKey("scorecards.Scorecard", on_delete=models.CASCADE, related_name="campaigns")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    applies_to = models.CharField(max_length=1000, blank=True,
                                  help_text="Extra catalog filter, e.g. lifecycle=production.")
    target_level = models.CharField(max_length=50, blank=True)
    target_check = models.CharField(max_length=100, blank=True, help_text="Or: this check passes.")
    due = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due", "title"]

    def __str__(self) -> str:
        return self.title


class CampaignReminder(models.Model):
    """Reminders sent to one owner for one campaign: the survey reminder limits apply (how many, how often)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="reminders")
    owner_ref = models.CharField(max_length=320)
    count = models.PositiveIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "owner_ref"], name="scorecards_reminder_unique")]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.owner_ref} x{self.count}"
