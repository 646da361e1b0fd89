"""Scaffolder runs ("tasks" in Backstage's API), their steps and events, and template lineage."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.query_utils import DeferredAttribute

from scaffolding.lib.sealed import seal, unseal


class _Sealed(str):
    """A Fernet token as read from the database, opened only when the secrets are asked for."""


class _SealedAttribute(DeferredAttribute):
    # A data descriptor (it has __set__), so reads always come here and a token is opened lazily:
    # pages that load a run never decrypt its secrets, only the worker that reads `run.secrets`.
    def __get__(self, instance, cls=None):
        value = super().__get__(instance, cls)
        if isinstance(value, _Sealed):
            value = instance.__dict__[self.field.attname] = unseal(value)
        return value

    def __set__(self, instance, value) -> None:
        instance.__dict__[self.field.attname] = value


class SealedSecretsField(models.TextField):
    """A dict of secrets stored as one Fernet token ("" when empty); `run.secrets` is the plain dict."""

    descriptor_class = _SealedAttribute

    def from_db_value(self, value, expression, connection):
        return _Sealed(value) if value else {}

    def to_python(self, value):
        if isinstance(value, str):
            return _Sealed(value) if value else {}
        return value if isinstance(value, dict) else {}

    def value_to_string(self, obj) -> str:
        return self.get_prep_value(self.value_from_object(obj))  # dumpdata writes the token, not the secrets

    def pre_save(self, model_instance, add):
        # The stored form as it is (a token stays unopened), not the attribute, which would decrypt it.
        if self.attname in model_instance.__dict__:
            return model_instance.__dict__[self.attname]
        return super().pre_save(model_instance, add)

    def get_prep_value(self, value):
        if isinstance(value, _Sealed):
            return str(value)  # saved again unopened
        if not value:
            return ""
        if not isinstance(value, dict):
            raise TypeError(f"secrets must be a dict, not {type(value).__name__}")
        return seal(value)


class ScaffoldRun(models.Model):
    """One execution of a template: the row is the source of truth, Celery only carries its id."""

    class Status(models.TextChoices):
        # Backstage's task statuses, spelled as its API spells them.
        OPEN = "open"
        PROCESSING = "processing"
        COMPLETED = "completed"
        FAILED = "failed"
        CANCELLED = "cancelled"

    FINISHED = (Status.COMPLETED, Status.FAILED, Status.CANCELLED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    template_ref = models.CharField(max_length=500)
    # Content hash of the template entity the run was created from (its "version").
    template_version = models.CharField(max_length=64, blank=True)
    template_title = models.CharField(max_length=300, blank=True)
    # The template's spec (parameters, steps, output) frozen at creation, so an edit to the
    # template mid-run or before a retry does not change what this run does.
    spec = models.JSONField(default=dict)
    # Where the template came from ("file:/dir/" or "url:https://host/.../"), for relative fetch urls.
    template_base = models.CharField(max_length=2000, blank=True)
    # A dry run of a template that is not in the catalog brings its files with it (Backstage's
    # directoryContents); they live in the row because the worker may be on another machine.
    template_files = models.JSONField(default=list, blank=True)
    values = models.JSONField(default=dict)
    # Secrets live here, encrypted, only while the run may still use them; wiped when it ends,
    # whatever the outcome. Their names stay, so a retry knows which to ask for again.
    secrets = SealedSecretsField(default=dict, blank=True)
    secret_names = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    dry_run = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="scaffold_runs")
    # The catalog User entity ref of the creator ("user:default/jane"), Backstage's createdBy.
    created_by_ref = models.CharField(max_length=300, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set when a worker claims the run (the Celery task id) and refreshed while it works.
    claimed_by = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # When the run was last handed to the broker; the sweep re-enqueues open runs not queued lately.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    # Index of the step to start from (a retry resumes at the failed step).
    resume_from = models.PositiveIntegerField(default=0)
    # steps.<id>.output of the steps that completed, kept for retries.
    step_outputs = models.JSONField(default=dict, blank=True)
    output = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    # Everything the run created outside its workspace: [{"kind", "ref", "url", "step"}].
    created_resources = models.JSONField(default=list, blank=True)
    # Dry runs keep the files they produced: [{"path", "base64Content", "executable"}].
    dry_run_files = models.JSONField(default=list, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The sweep looks for open and processing runs only.
            models.Index(fields=["status", "heartbeat_at"], name="scaffolding_run_status_hb"),
        ]

    def __str__(self) -> str:
        return f"{self.template_ref} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class ScaffoldStep(models.Model):
    """One step of a run, as the template lists it, with what happened to it."""

    class Status(models.TextChoices):
        OPEN = "open"
        PROCESSING = "processing"
        COMPLETED = "completed"
        FAILED = "failed"
        CANCELLED = "cancelled"
        SKIPPED = "skipped"

    run = models.ForeignKey(ScaffoldRun, on_delete=models.CASCADE, related_name="steps")
    index = models.PositiveIntegerField()
    step_id = models.CharField(max_length=200)
    name = models.CharField(max_length=300)
    action = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Idempotency state an action keeps across retries (e.g. the commit it already made).
    checkpoint = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="scaffolding_scaffoldstep_unique_index"),
        ]

    def __str__(self) -> str:
        return f"{self.step_id} ({self.status})"


class ScaffoldEvent(models.Model):
    """A log line or state change of a run, in Backstage's event shape (type + body)."""

    class Type(models.TextChoices):
        LOG = "log"
        COMPLETION = "completion"
        CANCELLED = "cancelled"
        RECOVERED = "recovered"

    run = models.ForeignKey(ScaffoldRun, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=20, choices=Type.choices, default=Type.LOG)
    # {"message": ..., "stepId": ..., "status": ...}; secrets are redacted before this is written.
    body = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["run", "id"], name="scaffolding_event_run_id")]

    def __str__(self) -> str:
        return f"{self.type}: {self.body.get('message', '')[:60]}"


class ScaffoldedRepository(models.Model):
    """Lineage: a repository a run created, with the template version and answers behind it."""

    run = models.ForeignKey(ScaffoldRun, null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="repositories")
    template_ref = models.CharField(max_length=500, db_index=True)
    template_version = models.CharField(max_length=64, blank=True)
    values = models.JSONField(default=dict)
    # Where it lives: "git" (the built-in host), "github" or "gitlab"; owner/name on that host.
    provider = models.CharField(max_length=20, default="git")
    owner = models.CharField(max_length=200)
    name = models.CharField(max_length=200)
    remote_url = models.CharField(max_length=2000)
    default_branch = models.CharField(max_length=200, default="main")
    # The step whose sourcePath was published (the skeleton an upgrade re-renders).
    source_path = models.CharField(max_length=500, blank=True)
    entity_ref = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    upgraded_at = models.DateTimeField(null=True, blank=True)
    upgraded_to_version = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "owner", "name"],
                                    name="scaffolding_scaffoldedrepository_unique_repo"),
        ]

    def __str__(self) -> str:
        return f"{self.owner}/{self.name} from {self.template_ref}"
