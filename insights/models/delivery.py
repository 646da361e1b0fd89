"""Delivery events: what delivery tools sent (raw), what it means (deployments, changes, incidents)
and the per-component daily roll-ups the DORA pages read.

A `Delivery` is one request as received, stored once per (source, delivery id) so a replay is
answered "duplicate" and never counted twice. Processing (insights.services.events) turns it into
`Deployment`, `Change` and `Incident` rows, matched to a catalog component (`component_ref`, empty
while unmatched: such rows are kept, listed and matched again when the catalog changes), and
recomputes the `DeliveryDay` rows of the (component, day) pairs it touched and their months'
`DeliveryMonth` sums.
"""

from django.db import models


class WebhookSource(models.Model):
    """One delivery tool allowed to post to /api/insights/webhooks/<name>, with its own secret.

    The secret is sealed with PAVED_SECRETS_ENCRYPTION_KEY (a Fernet token, as scaffolder task
    secrets are): a database dump alone does not let anyone forge deliveries."""

    class Kind(models.TextChoices):
        GITHUB = "github", "GitHub (X-Hub-Signature-256)"
        GITLAB = "gitlab", "GitLab (X-Gitlab-Token)"
        ARGOCD = "argocd", "Argo CD notifications (X-Webhook-Secret)"
        PAGERDUTY = "pagerduty", "PagerDuty V3 (X-PagerDuty-Signature)"

    name = models.SlugField(max_length=63, unique=True,
                            help_text="The last part of the webhook URL: /api/insights/webhooks/<name>.")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    secret_sealed = models.TextField(help_text="The shared secret, encrypted with PAVED_SECRETS_ENCRYPTION_KEY.")
    enabled = models.BooleanField(default=True)
    incident_label = models.CharField(max_length=63, default="incident", blank=True,
                                      help_text="GitHub/GitLab issues carrying this label are incidents.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class Delivery(models.Model):
    """One received delivery, raw (bounded by PAVED_INSIGHTS_WEBHOOK_MAX_BYTES) and its outcome."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be processed"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored (an event type or action that means nothing for DORA)"
        FAILED = "failed", "Could not be read"

    source = models.CharField(max_length=63, help_text="Webhook source name, 'githost' or 'api'.")
    kind = models.CharField(max_length=16)
    delivery_id = models.CharField(max_length=200)
    event_type = models.CharField(max_length=100, blank=True)
    payload = models.TextField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    note = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [models.UniqueConstraint(fields=["source", "delivery_id"], name="insights_delivery_once")]
        indexes = [models.Index(fields=["status", "received_at"], name="insights_delivery_status")]

    def __str__(self) -> str:
        return f"{self.source}:{self.delivery_id}"


class Deployment(models.Model):
    """A deployment of a service to an environment. Only successful production deployments (and
    rollbacks, which are deployments too) count in the four keys; failed attempts are kept."""

    class Status(models.TextChoices):
        SUCCESS = "success", "Succeeded"
        FAILURE = "failure", "Failed to deploy"
        ROLLBACK = "rollback", "A rollback (marks the previous production deployment as failed)"
        PENDING = "pending", "In progress"

    source = models.CharField(max_length=63)
    external_id = models.CharField(max_length=200)
    service = models.CharField(max_length=320, help_text="The service as the tool named it.")
    match_keys = models.JSONField(default=list, help_text="[[annotation, value], ...] tried against the catalog.")
    component_ref = models.CharField(max_length=320, blank=True)  # indexed with deployed_at (Meta)
    environment = models.CharField(max_length=100)
    production = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices)
    deployed_at = models.DateTimeField()
    commit_shas = models.JSONField(default=list)
    # Set when an incident names it as its cause or a later rollback undid it (change failure).
    caused_failure = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="insights_deployment_once")]
        indexes = [models.Index(fields=["component_ref", "deployed_at"], name="insights_deploy_comp_time"),
                   # An incident names its cause by id whatever the source that sent the deployment.
                   models.Index(fields=["external_id"], name="insights_deploy_external_id")]

    def __str__(self) -> str:
        return f"{self.service}@{self.environment} {self.deployed_at:%Y-%m-%d %H:%M}"


class DeploymentCommit(models.Model):
    """Which commits a deployment shipped (its head SHA and any it listed): finds the deployment
    that first shipped a change, whichever of the two arrives first."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="commits")
    sha = models.CharField(max_length=64, db_index=True)

    def __str__(self) -> str:
        return f"{self.deployment_id}:{self.sha[:12]}"


class Change(models.Model):
    """A commit (from a push or the events API), with the first production deployment that shipped it."""

    sha = models.CharField(max_length=64, unique=True)
    head_sha = models.CharField(max_length=64, blank=True, db_index=True,
                                help_text="The pushed head it arrived with: a deployment of that head ships it.")
    source = models.CharField(max_length=63)
    service = models.CharField(max_length=320, blank=True)
    match_keys = models.JSONField(default=list)
    component_ref = models.CharField(max_length=320, blank=True)
    author = models.CharField(max_length=254, blank=True, db_index=True, help_text="E-mail or login, lower case.")
    authored_at = models.DateTimeField()
    deployment = models.ForeignKey(Deployment, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="changes")
    deployed_at = models.DateTimeField(null=True, blank=True)
    lead_seconds = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["deployment"], name="insights_change_deployment")]

    def __str__(self) -> str:
        return self.sha[:12]


class Incident(models.Model):
    """An incident of a service: opened, maybe resolved, maybe caused by a deployment."""

    source = models.CharField(max_length=63)
    external_id = models.CharField(max_length=200)
    service = models.CharField(max_length=320)
    match_keys = models.JSONField(default=list)
    component_ref = models.CharField(max_length=320, blank=True)
    title = models.CharField(max_length=300, blank=True)
    severity = models.CharField(max_length=40, blank=True)
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    caused_by = models.ForeignKey(Deployment, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="incidents")
    caused_by_hint = models.CharField(max_length=200, blank=True, db_index=True,
                                      help_text="Deployment id or commit SHA named as the cause, until it is found.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="insights_incident_once")]
        indexes = [models.Index(fields=["component_ref", "opened_at"], name="insights_incident_comp_time")]

    def __str__(self) -> str:
        return f"{self.service} {self.opened_at:%Y-%m-%d %H:%M}"


class DeliveryDay(models.Model):
    """The four keys' inputs for one component (or ORG, every event) on one day (UTC).

    Medians come from log-spaced histograms, {bucket: [count, sum_seconds]} (insights.lib.dora):
    a bucket's value is the mean of its samples, so a median is exact when its samples sit alone in
    their buckets and otherwise within the bucket's width (±4.4%)."""

    ORG = "*"

    component_ref = models.CharField(max_length=320)
    day = models.DateField()
    deployments = models.IntegerField(default=0)
    failed_deployments = models.IntegerField(default=0)
    changes = models.IntegerField(default=0)
    lead_hist = models.JSONField(default=dict)
    incidents = models.IntegerField(default=0)
    unresolved = models.IntegerField(default=0)
    restore_hist = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["component_ref", "day"], name="insights_deliveryday_once")]

    def __str__(self) -> str:
        return f"{self.component_ref} {self.day}"


class DeliveryMonth(models.Model):
    """The sum of one month's DeliveryDay rows of a component (or ORG), kept by the same deltas.

    `month` is the first day of the month (UTC). Every change of a DeliveryDay row (insights.services
    .rollups.Deltas) changes its month's row by the same amount in the same transaction, so a window of
    whole months reads one row a month instead of one a day; `delivery_months_rebuild` recomputes them
    from the days (a repair)."""

    component_ref = models.CharField(max_length=320)
    month = models.DateField()
    deployments = models.IntegerField(default=0)
    failed_deployments = models.IntegerField(default=0)
    changes = models.IntegerField(default=0)
    lead_hist = models.JSONField(default=dict)
    incidents = models.IntegerField(default=0)
    unresolved = models.IntegerField(default=0)
    restore_hist = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["component_ref", "month"], name="insights_deliverymonth_once")]

    def __str__(self) -> str:
        return f"{self.component_ref} {self.month:%Y-%m}"
