"""GitOps actions: commit namespaces, Argo CD applications and monitors to the platform's GitOps repo.

The GitOps repository (PAVED_GITOPS_REPO, on the built-in git host, branch main) is created when
missing. Each action makes at most one commit per task, authored by the task's user; a retry
that finds its files already there makes none. A file that exists with other content and was not
written by this task is refused rather than overwritten: a second template run must not take
over another team's namespace (its RoleBinding) or application.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings

from githost.services import GitHostError, repo_commit_files, repo_create, repo_head, repo_read_file, web_url
from scaffolding.actions import gitops_manifests as manifests
from scaffolding.actions._publish import api_request, commit_author
from scaffolding.actions.base import Action, ActionContext, ActionError, ActionInputError
from scaffolding.lib.repo_url import clone_url_from

BRANCH = "main"
PATH_RE = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*/?$")
REVISION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/+-]{0,254}$")
SERVICE_RE = re.compile(r"^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$")
COMMIT_OUTPUT = {"type": "string", "description": "The GitOps commit holding the files",
                 "examples": ["0123456789abcdef0123456789abcdef01234567"]}


def gitops_repo() -> tuple[str, str]:
    owner, _, name = str(settings.PAVED_GITOPS_REPO).strip().partition("/")
    if not owner or not name or "/" in name:
        raise ActionError(f"PAVED_GITOPS_REPO is {settings.PAVED_GITOPS_REPO!r}; expected \"<owner>/<name>\"")
    return owner, name


def gitops_commit(ctx: ActionContext, *, files: dict[str, bytes], message: str) -> str:
    """Commit `files` to the GitOps repository once for this task; returns the commit that holds them."""
    owner, name = gitops_repo()
    author_name, author_email = commit_author(ctx)
    mine = set(ctx.checkpoint.get("files") or [])
    # The portal writes here itself, through the services (no actor): the repository is reserved
    # (githost.access), so no person's push rights reach it and over HTTP only admins push to it.
    # The audit entries name the portal and, in `via`, the task and person it acted for.
    via = f"scaffolder task {ctx.task_id} ({ctx.step_id}) for {ctx.user.username}"
    try:
        _, created = repo_create(owner=owner, name=name, default_branch=BRANCH, via=via,
                                 description="Platform GitOps manifests, committed by the scaffolder")
        if created:
            ctx.log(f"created the GitOps repository {owner}/{name}")
        for path, content in files.items():
            if path in mine:
                continue
            try:
                existing = repo_read_file(owner=owner, name=name, ref=BRANCH, path=path)
            except GitHostError:
                continue  # not there (or no branch yet)
            if existing != content:
                raise ActionError(f"{path} already exists in the GitOps repository {owner}/{name} with other "
                                  f"content; it belongs to someone else: choose another name or change it there")
        ctx.check_cancelled()
        sha = repo_commit_files(owner=owner, name=name, branch=BRANCH, files=files,
                                message=f"{message} (task {ctx.task_id})",
                                author_name=author_name, author_email=author_email, via=via)
        ctx.checkpoint["files"] = sorted(mine | set(files))
        if sha:
            ctx.checkpoint["commit"] = sha
            ctx.record_created("gitops-commit", sha, f"{web_url(owner, name)}/commits/{sha}")
            ctx.log(f"committed {len(files)} file(s) to {owner}/{name}@{BRANCH} ({sha[:12]})")
            return sha
        ctx.log(f"{owner}/{name} already holds these files; no new commit")
        return ctx.checkpoint.get("commit") or repo_head(owner=owner, name=name, branch=BRANCH) or ""
    except GitHostError as exc:
        raise ActionError(f"GitOps repository {owner}/{name}: {exc}") from None


class KubernetesCreateNamespace(Action):
    id = "kubernetes:create-namespace"
    description = ("Commit a Namespace, a ResourceQuota sized by tier and the owning team's RoleBinding (ClusterRole "
                   "edit) under namespaces/<namespace>/ in the GitOps repository.")
    input_schema = {"type": "object", "required": ["namespace"], "properties": {
        "namespace": {"type": "string", "title": "Namespace", "description": "A DNS label, e.g. payments-api"},
        "labels": {"type": "object", "title": "Labels", "additionalProperties": {"type": ["string", "number",
                                                                                            "boolean"]}},
        "team": {"type": "string", "title": "Owning team",
                 "description": "A Group ref or name; gets edit rights. Defaults to labels.team"},
        "tier": {"type": "string", "enum": list(manifests.TIERS),
                 "description": "Sizes the ResourceQuota. Defaults to labels.tier, then standard"},
    }}
    output_schema = {"type": "object", "properties": {
        "namespace": {"type": "string", "description": "The namespace", "examples": ["payments-api"]},
        "manifestsPath": {"type": "string", "description": "Folder of the manifests in the GitOps repository",
                          "examples": ["namespaces/payments-api"]},
        "commitHash": COMMIT_OUTPUT,
    }}

    examples = [{
        "description": "A namespace for the new service, owned by the chosen team",
        "example": "steps:\n  - id: create-namespace\n    action: kubernetes:create-namespace\n    input:\n"
                   "      namespace: ${{ parameters.name }}\n      labels:\n"
                   "        team: ${{ parameters.owner }}\n        tier: ${{ parameters.tier }}\n",
    }]

    def run(self, ctx: ActionContext) -> None:
        namespace = manifests.dns_label_check(ctx.input.get("namespace"), field_name="namespace", reserved=True)
        labels = ctx.input.get("labels") or {}
        if not isinstance(labels, dict):
            raise ActionInputError("labels: expected an object of label names to values")
        # The seed's templates pass team and tier as labels (`labels: {team: ..., tier: ...}`).
        team_field = "team" if ctx.input.get("team") else "labels.team"
        team = manifests.team_name(ctx.input.get("team") or labels.get("team"), field_name=team_field)
        tier_field = "tier" if ctx.input.get("tier") else "labels.tier"
        tier = manifests.tier_check(ctx.input.get("tier") or labels.get("tier"), field_name=tier_field)
        files = manifests.namespace_manifests(namespace=namespace, team=team, tier=tier, labels=labels)
        if not team:
            ctx.log("no team given: the namespace gets no RoleBinding")
        sha = gitops_commit(ctx, files=files, message=f"scaffolder: namespace {namespace}")
        ctx.output("namespace", namespace)
        ctx.output("manifestsPath", f"namespaces/{namespace}")
        ctx.output("commitHash", sha)


def _repo_path_check(value) -> str:
    text = str(value if value is not None else "helm/").strip()
    if text in ("", ".", "./"):
        return "."
    if not PATH_RE.match(text) or any(part in (".", "..") for part in text.split("/")) or len(text) > 500:
        raise ActionInputError(f"path: {text!r} is not a relative folder of the repository (no '..', no leading '/')")
    return text


def _server_check(value) -> str:
    text = str(value or "https://kubernetes.default.svc").strip()
    parts = urlsplit(text)
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password or parts.query:
        raise ActionInputError(f"destServer: {text!r} is not an https URL of a Kubernetes API server")
    return text


class ArgocdCreateApplication(Action):
    id = "argocd:create-application"
    description = ("Commit an Argo CD Application (automated sync, CreateNamespace) for a repository path to "
                   "argocd/applications/<appName>.yaml in the GitOps repository.")
    input_schema = {"type": "object", "required": ["appName", "repoUrl", "destNamespace"], "properties": {
        "appName": {"type": "string", "description": "Application name (a DNS label)"},
        "repoUrl": {"type": "string", "description": "Clone URL, or Backstage's host?owner=o&repo=r"},
        "path": {"type": "string", "default": "helm/", "description": "Folder of the manifests or chart"},
        "destNamespace": {"type": "string", "description": "Namespace to deploy to"},
        "destServer": {"type": "string", "default": "https://kubernetes.default.svc"},
        "project": {"type": "string", "default": "default", "description": "Argo CD project"},
        "targetRevision": {"type": "string", "default": "HEAD"},
    }}
    output_schema = {"type": "object", "properties": {
        "appName": {"type": "string", "description": "The application", "examples": ["payments-api"]},
        "manifestPath": {"type": "string", "description": "Path of the Application in the GitOps repository",
                         "examples": ["argocd/applications/payments-api.yaml"]},
        "commitHash": COMMIT_OUTPUT,
    }}

    examples = [{
        "description": "Deploy the new repository's helm/ chart into its namespace",
        "example": "steps:\n  - id: create-argocd-app\n    action: argocd:create-application\n    input:\n"
                   "      appName: ${{ parameters.name }}\n      repoUrl: ${{ steps['create-repo'].output.repoUrl }}\n"
                   "      path: helm/\n      destNamespace: ${{ parameters.name }}\n",
    }]

    def run(self, ctx: ActionContext) -> None:
        name = manifests.dns_label_check(ctx.input.get("appName"), field_name="appName")
        revision = str(ctx.input.get("targetRevision") or "HEAD").strip()
        if not REVISION_RE.match(revision) or ".." in revision:
            raise ActionInputError(f"targetRevision: {revision!r} is not a branch, tag, commit or HEAD")
        files = manifests.argocd_application(
            name=name, repo_url=clone_url_from(ctx.input.get("repoUrl"), field_name="repoUrl"),
            path=_repo_path_check(ctx.input.get("path")),
            dest_namespace=manifests.dns_label_check(ctx.input.get("destNamespace"), field_name="destNamespace",
                                                     reserved=True),
            dest_server=_server_check(ctx.input.get("destServer")),
            project=manifests.dns_label_check(ctx.input.get("project") or "default", field_name="project"),
            target_revision=revision)
        sha = gitops_commit(ctx, files=files, message=f"scaffolder: argocd application {name}")
        ctx.output("appName", name)
        ctx.output("manifestPath", next(iter(files)))
        ctx.output("commitHash", sha)


class DatadogCreateMonitors(Action):
    id = "datadog:create-monitors"
    description = ("Golden-signal monitors (latency, traffic, errors, saturation) with thresholds from the tier's "
                   "SLO, committed as Datadog monitor definitions to monitoring/<service>/golden-signals.yaml; "
                   "also created in Datadog when PAVED_DATADOG_API_KEY is set.")
    input_schema = {"type": "object", "required": ["serviceName"], "properties": {
        "serviceName": {"type": "string", "description": "The service (its Datadog service tag)"},
        "tier": {"type": "string", "enum": list(manifests.TIERS), "default": "standard",
                 "description": "critical: 99.99% SLO, standard: 99.9%, experimental: best effort, no paging"},
        "owner": {"type": "string", "description": "Owning team (a Group ref or name): notified and tagged"},
    }}
    output_schema = {"type": "object", "properties": {
        "monitors": {"type": "array", "items": {"type": "string"}, "description": "Names of the monitors",
                     "examples": [["[payments-api] p99 latency", "[payments-api] no traffic"]]},
        "monitorIds": {"type": "object", "description": "Datadog ids by monitor name (empty without Datadog)"},
        "manifestPath": {"type": "string", "description": "Path of the definitions in the GitOps repository",
                         "examples": ["monitoring/payments-api/golden-signals.yaml"]},
        "commitHash": COMMIT_OUTPUT,
    }}

    examples = [{
        "description": "Golden-signal monitors sized by the service's tier",
        "example": "steps:\n  - id: create-monitors\n    action: datadog:create-monitors\n    input:\n"
                   "      serviceName: ${{ parameters.name }}\n      tier: ${{ parameters.tier }}\n"
                   "      owner: ${{ parameters.owner }}\n",
    }]

    def run(self, ctx: ActionContext) -> None:
        service = str(ctx.input.get("serviceName") or "").strip().lower()
        if not SERVICE_RE.match(service) or ".." in service:
            raise ActionInputError(f"serviceName: {ctx.input.get('serviceName')!r} is not a service name (letters, "
                                   f"digits, '.', '_' and '-', at most 63 characters)")
        tier = manifests.tier_check(ctx.input.get("tier"))
        team = manifests.team_name(ctx.input.get("owner"), field_name="owner")
        monitors = manifests.golden_signal_monitors(service=service, tier=tier, team=team, task_id=ctx.task_id)
        files = manifests.monitors_file(service=service, tier=tier, monitors=monitors)
        sha = gitops_commit(ctx, files=files, message=f"scaffolder: golden-signal monitors for {service}")
        ids = _datadog_create(ctx, monitors)
        ctx.output("monitors", [m["name"] for m in monitors])
        ctx.output("monitorIds", ids)
        ctx.output("manifestPath", next(iter(files)))
        ctx.output("commitHash", sha)


def _datadog_create(ctx: ActionContext, monitors: list[dict]) -> dict:
    """POST each monitor to Datadog once per task (ids kept in the checkpoint); {} when not configured."""
    if not settings.PAVED_DATADOG_API_KEY:
        ctx.log("Datadog is not configured (PAVED_DATADOG_API_KEY is unset): monitors are only committed")
        return {}
    if not settings.PAVED_DATADOG_APP_KEY:
        raise ActionError("PAVED_DATADOG_API_KEY is set but PAVED_DATADOG_APP_KEY is not; Datadog needs both "
                          "to create monitors")
    headers = {"DD-API-KEY": settings.PAVED_DATADOG_API_KEY, "DD-APPLICATION-KEY": settings.PAVED_DATADOG_APP_KEY}
    ids = ctx.checkpoint.setdefault("datadog_ids", {})
    app_url = settings.PAVED_DATADOG_API_URL.replace("://api.", "://app.", 1)
    for monitor in monitors:
        if monitor["name"] in ids:
            continue
        ctx.check_cancelled()
        answer = api_request("POST", f"{settings.PAVED_DATADOG_API_URL}/api/v1/monitor", headers=headers,
                             body=monitor, service="Datadog") or {}
        ids[monitor["name"]] = answer.get("id")
        ctx.record_created("datadog-monitor", str(answer.get("id")), f"{app_url}/monitors/{answer.get('id')}")
        ctx.log(f"created Datadog monitor {monitor['name']!r} (id {answer.get('id')})")
    return dict(ids)


ACTIONS = [KubernetesCreateNamespace(), ArgocdCreateApplication(), DatadogCreateMonitors()]
