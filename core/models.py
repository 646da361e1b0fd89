"""Roles (what people may do), who holds them, and the append-only audit log."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from core.permissions import PERMISSIONS, RULES, permission_choices


class Role(models.Model):
    """A named set of grants, held by catalog Groups, catalog Users or everyone signed in."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    everyone = models.BooleanField(
        default=False, help_text="Every signed-in person holds this role, without a binding."
    )
    builtin = models.BooleanField(default=False, editable=False, help_text="Shipped with Paved; cannot be deleted.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Grant(models.Model):
    """One permission a role gives, always or only when a rule holds (owner only, a tag, a kind...)."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="grants")
    permission = models.CharField(max_length=100, choices=permission_choices())
    rule = models.CharField(
        max_length=40, blank=True, choices=[("", "always")] + [(r, r) for r in RULES],
        help_text="Leave empty to grant the permission on everything.",
    )
    params = models.JSONField(default=dict, blank=True, help_text='The rule\'s parameters, e.g. {"tag": "beta"}.')

    class Meta:
        ordering = ["permission", "rule"]

    def __str__(self) -> str:
        return f"{self.permission} if {self.rule}" if self.rule else self.permission

    def clean(self) -> None:
        if not self.rule:
            return
        rule = RULES[self.rule]
        name = self.permission
        if name in PERMISSIONS and PERMISSIONS[name].resource_type not in rule.resource_types:
            raise ValidationError({"rule": f"{self.rule} does not apply to {name}: it checks "
                                           f"{', '.join(rule.resource_types)}."})
        if not isinstance(self.params, dict):
            raise ValidationError({"params": "Expected a JSON object."})
        unknown = sorted(set(self.params) - set(rule.params))
        if unknown:
            raise ValidationError({"params": f"Unknown parameter(s) {', '.join(unknown)} for {self.rule}; "
                                             f"expected {', '.join(rule.params) or 'none'}."})


class RoleBinding(models.Model):
    """Gives a role to a catalog Group (and its child groups' members) or to one person."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="bindings")
    subject = models.CharField(
        max_length=320,
        help_text="A catalog ref: group:default/platform-team or user:default/alice (lower case).",
    )

    class Meta:
        ordering = ["subject"]
        constraints = [
            models.UniqueConstraint(fields=["role", "subject"], name="%(app_label)s_%(class)s_unique_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.role}"

    def clean(self) -> None:
        subject = (self.subject or "").strip().lower()
        kind, sep, rest = subject.partition(":")
        if not sep or kind not in {"group", "user"} or not rest:
            raise ValidationError({"subject": "Expected group:<namespace>/<name> or user:<namespace>/<name>."})
        if "/" not in rest:
            subject = f"{kind}:default/{rest}"
        self.subject = subject


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError("The audit log is append-only.")


class AuditEntry(models.Model):
    """One write (or refused attempt), appended and never changed."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        DENIED = "denied", "Denied"
        FAILED = "failed", "Failed"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True, help_text="Kept when the user is deleted.")
    action = models.CharField(max_length=100)
    target = models.CharField(max_length=2100, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS)
    source_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        # The audit page filters by action and actor, newest first.
        indexes = [
            models.Index(fields=["action", "-created_at"], name="core_audit_action"),
            models.Index(fields=["actor_name", "-created_at"], name="core_audit_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_name or '-'} {self.action} {self.target}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("The audit log is append-only.")
        super().save(*args, **kwargs)


class Notification(models.Model):
    """One message to one person (Backstage's notifications): what happened, a link, how urgent, read or not."""

    class Severity(models.TextChoices):
        CRITICAL = "critical"
        HIGH = "high"
        NORMAL = "normal"
        LOW = "low"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    link = models.CharField(max_length=2000, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.NORMAL)
    topic = models.CharField(max_length=200, blank=True)
    origin = models.CharField(max_length=200, help_text="What sent it, e.g. plugin:scaffolder")
    created = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Sent by e-mail when PAVED_NOTIFICATIONS_EMAIL is on: wanted at creation, stamped once sent.
    email_wanted = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created"], name="core_notif_inbox"),
            models.Index(fields=["email_wanted", "emailed_at"], name="core_notif_email_due"),
        ]

    def __str__(self) -> str:
        return f"{self.title} → {self.recipient_id}"
