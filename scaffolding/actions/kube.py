"""`argocd:create-resources` (Roadie's Argo CD module) and `kube:apply` / `kubernetes:apply`.

Each calls the real API when the template names an instance or cluster configured in
PAVED_ARGOCD_INSTANCES / PAVED_KUBERNETES_CLUSTERS, and otherwise commits what it would have
created to the GitOps repository (as argocd:create-application does), where Argo CD or any GitOps
controller picks it up. Both are idempotent on retry: the API calls are upserts (Argo CD's
`upsert`, Kubernetes server-side apply) and the GitOps commit is made once per task.

argocd:create-resources follows RoadieHQ/roadie-backstage-plugins, plugins/scaffolder-actions/
scaffolder-backend-argocd (an AppProject named projectName or appName, allowed to deploy repoUrl
into namespace; an Application labelled `backstage-name: labelValue` with automated sync).
kube:apply follows the community module's inputs (`manifest`, `namespaced`, optional
`clusterName`); `kubernetes:apply` is the same action under the other id templates use.
"""

from __future__ import annotations

import base64
import json
import re
import ssl
import urllib.error
import urllib.request
from urllib.parse import quote, urlsplit

from django.conf import settings

from catalog.lib.safe_yaml import YamlError, load_documents
from scaffolding.actions import gitops_manifests as manifests
from scaffolding.actions._publish import api_request
from scaffolding.actions.base import Action, ActionContext, ActionError, ActionInputError
from scaffolding.actions.gitops import COMMIT_OUTPUT, gitops_commit
from scaffolding.lib.repo_url import clone_url_from

IN_CLUSTER = "https://kubernetes.default.svc"
PATH_RE = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*/?$")
API_VERSION_RE = re.compile(r"^(?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?v[0-9]+(?:(?:alpha|beta)[0-9]+)?$")
KIND_RE = re.compile(r"^[A-Z][A-Za-z0-9]{0,62}$")
MAX_MANIFEST_BYTES = 1024 * 1024


def _configured(setting: str, name: str) -> dict | None:
    """The configured instance `name`, checked; None when it is not configured."""
    found = (getattr(settings, setting, None) or {}).get(name)
    if found is None:
        return None
    url = str(found.get("url") or "").rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
        raise ActionError(f"{setting}: {name!r} has no usable url (expected https://host)")
    if not found.get("token"):
        raise ActionError(f"{setting}: {name!r} has no token")
    return {**found, "url": url}


# --- argocd:create-resources ---------------------------------------------------------------------


def argocd_documents(*, app: str, project: str, namespace: str, repo_url: str, path: str, label: str) -> tuple:
    """(AppProject, Application) as Roadie's ArgoService.createArgoResources creates them."""
    app_project = {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
        "metadata": {"name": project, "namespace": "argocd"},
        "spec": {"destinations": [{"name": "local", "namespace": namespace, "server": IN_CLUSTER}],
                 "sourceRepos": [repo_url]},
    }
    application = {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": app, "namespace": "argocd", "labels": {"backstage-name": label},
                     "finalizers": ["resources-finalizer.argocd.argoproj.io"]},
        "spec": {
            "destination": {"namespace": namespace, "server": IN_CLUSTER},
            "project": project, "revisionHistoryLimit": 10,
            "source": {"path": path, "repoURL": repo_url},
            "syncPolicy": {"automated": {"allowEmpty": True, "prune": True, "selfHeal": True},
                           "retry": {"backoff": {"duration": "5s", "factor": 2, "maxDuration": "5m"}, "limit": 10},
                           "syncOptions": ["CreateNamespace=false", "FailOnSharedResource=true"]},
        },
    }
    return app_project, application


class ArgocdCreateResources(Action):
    id = "argocd:create-resources"
    description = ("Create an Argo CD project and application for a repository path: through the Argo CD API when "
                   "argoInstance is configured (PAVED_ARGOCD_INSTANCES), otherwise committed to the GitOps repository.")
    input_schema = {"type": "object", "required": ["appName", "argoInstance", "namespace", "repoUrl", "path"],
                    "properties": {
        "projectName": {"type": "string", "title": "Project Name",
                        "description": "The name of the project as it will show up in Argo CD. By default the "
                                       "application name."},
        "appName": {"type": "string", "title": "Application Name"},
        "argoInstance": {"type": "string", "title": "Argo CD Instance",
                         "description": "The name of the Argo CD instance to deploy to"},
        "namespace": {"type": "string", "title": "Namespace",
                      "description": "The namespace Argo CD will target for resource deployment"},
        "repoUrl": {"type": "string", "title": "Repository URL"},
        "path": {"type": "string", "title": "path",
                 "description": "The path of the resources Argo CD will watch in the repository"},
        "labelValue": {"type": "string", "title": "Label Value",
                       "description": "The label Backstage will use to find applications in Argo CD"},
    }}
    output_schema = {"type": "object", "properties": {"commitHash": COMMIT_OUTPUT}}

    def run(self, ctx: ActionContext) -> None:
        app = manifests.dns_label_check(ctx.input.get("appName"), field_name="appName")
        project = manifests.dns_label_check(ctx.input.get("projectName") or app, field_name="projectName")
        namespace = manifests.dns_label_check(ctx.input.get("namespace"), field_name="namespace", reserved=True)
        label = manifests.label_value(ctx.input.get("labelValue") or app)
        path = str(ctx.input.get("path") or "").strip()
        if path not in (".", "./") and (not PATH_RE.match(path) or ".." in path.split("/")):
            raise ActionInputError(f"path: {path!r} is not a relative folder of the repository")
        repo_url = clone_url_from(ctx.input.get("repoUrl"), field_name="repoUrl")
        app_project, application = argocd_documents(app=app, project=project, namespace=namespace,
                                                    repo_url=repo_url, path=path, label=label)
        instance_name = str(ctx.input.get("argoInstance") or "").strip()
        instance = _configured("PAVED_ARGOCD_INSTANCES", instance_name)
        if instance is None:
            ctx.log(f"Argo CD instance {instance_name!r} is not configured (PAVED_ARGOCD_INSTANCES): committing the "
                    "project and application to the GitOps repository for Argo CD to sync")
            files = {f"argocd/projects/{project}.yaml": manifests.yaml_bytes(app_project),
                     f"argocd/applications/{app}.yaml": manifests.yaml_bytes(application)}
            ctx.output("commitHash", gitops_commit(ctx, files=files, message=f"scaffolder: argocd resources {app}"))
            return
        headers = {"Authorization": f"Bearer {instance['token']}"}
        service = f"Argo CD ({instance_name})"
        ctx.check_cancelled()
        api_request("POST", f"{instance['url']}/api/v1/projects", headers=headers, service=service,
                    body={"project": app_project, "upsert": True})
        ctx.log(f"Argo CD project {project} created or updated on {instance_name}")
        ctx.check_cancelled()
        api_request("POST", f"{instance['url']}/api/v1/applications?upsert=true", headers=headers, service=service,
                    body=application)
        ctx.record_created("argocd-application", f"{instance_name}/{app}",
                           f"{instance['url']}/applications/{quote(app)}")
        ctx.log(f"Argo CD application {app} created or updated on {instance_name}")


# --- kube:apply ----------------------------------------------------------------------------------


def manifest_parse(value, *, namespaced) -> dict:
    """The one Kubernetes object `manifest` holds (YAML text or an object), checked."""
    if isinstance(value, str):
        if len(value.encode()) > MAX_MANIFEST_BYTES:
            raise ActionInputError("manifest: larger than 1 MB")
        try:
            documents = [document.data for document in load_documents(value)]
        except YamlError as exc:
            line = f" at line {exc.line}" if exc.line else ""
            raise ActionInputError(f"manifest: not valid YAML{line}: {exc.message}") from None
        if len(documents) != 1:
            raise ActionInputError(f"manifest: expected one Kubernetes object, found {len(documents)}")
        value = documents[0]
    if not isinstance(value, dict):
        raise ActionInputError("manifest: expected a Kubernetes object (apiVersion, kind, metadata)")
    api_version, kind = value.get("apiVersion"), value.get("kind")
    metadata = value.get("metadata")
    if not isinstance(api_version, str) or not API_VERSION_RE.match(api_version):
        raise ActionInputError(f"manifest.apiVersion: {api_version!r} is not a Kubernetes API version (v1, apps/v1)")
    if not isinstance(kind, str) or not KIND_RE.match(kind):
        raise ActionInputError(f"manifest.kind: {kind!r} is not a Kubernetes kind")
    if not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str) or \
            not manifests.DNS_SUBDOMAIN_RE.match(metadata["name"]) or len(metadata["name"]) > 253:
        raise ActionInputError("manifest.metadata.name: expected a Kubernetes object name (lowercase DNS name)")
    if namespaced:
        namespace = metadata.get("namespace") or "default"
        manifests.dns_label_check(namespace, field_name="manifest.metadata.namespace")
        value = {**value, "metadata": {**metadata, "namespace": namespace}}
    elif metadata.get("namespace"):
        raise ActionInputError("manifest.metadata.namespace: set on an object applied with namespaced: false")
    return value


def _kube_request(cluster: dict, method: str, path: str, *, body=None, content_type: str = "application/json"):
    context = None
    if cluster["url"].startswith("https") and cluster.get("caData"):
        try:
            context = ssl.create_default_context(cadata=base64.b64decode(cluster["caData"]).decode())
        except (ValueError, ssl.SSLError) as exc:
            raise ActionError(f"PAVED_KUBERNETES_CLUSTERS: caData is not a base64 PEM certificate ({exc})") from None
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{cluster['url']}{path}", data=data, method=method, headers={
        "Authorization": f"Bearer {cluster['token']}", "Accept": "application/json",
        **({"Content-Type": content_type} if data is not None else {})})
    try:
        with urllib.request.urlopen(request, timeout=30, context=context) as response:  # noqa: S310 - https or test http
            return json.loads(response.read(10 * 1024 * 1024) or b"null")
    except urllib.error.HTTPError as exc:
        try:
            detail = json.loads(exc.read(64 * 1024)).get("message") or exc.reason
        except (ValueError, AttributeError):
            detail = exc.reason
        raise ActionError(f"Kubernetes answered {exc.code} to {method} {path.split('?')[0]}: {detail}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ActionError(f"Kubernetes could not be reached at {urlsplit(cluster['url']).netloc} "
                          f"({getattr(exc, 'reason', exc)})") from None


def _resource_name(cluster: dict, api_version: str, kind: str, namespaced: bool) -> str:
    """The plural resource name of `kind`, from the API server's discovery document."""
    base = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
    listing = _kube_request(cluster, "GET", base) or {}
    for resource in listing.get("resources") or []:
        if resource.get("kind") == kind and "/" not in str(resource.get("name")):
            if bool(resource.get("namespaced")) != bool(namespaced):
                scope = "namespaced" if resource.get("namespaced") else "cluster-scoped"
                raise ActionInputError(f"namespaced: {kind} is {scope} on this cluster")
            return str(resource["name"])
    raise ActionError(f"manifest.kind: the cluster has no {kind} in {api_version}")


class KubeApply(Action):
    id = "kube:apply"
    description = ("Apply a Kubernetes manifest: server-side apply on a configured cluster "
                   "(PAVED_KUBERNETES_CLUSTERS), otherwise committed to the GitOps repository under kubernetes/.")
    input_schema = {"type": "object", "required": ["manifest", "namespaced"], "properties": {
        "manifest": {"type": ["string", "object"], "title": "Manifest", "description": "The resource manifest"},
        "namespaced": {"type": "boolean", "title": "Namespaced", "description": "Whether the resource is namespaced"},
        "clusterName": {"type": "string", "title": "Cluster name",
                        "description": "A cluster of PAVED_KUBERNETES_CLUSTERS; without one the manifest is "
                                       "committed to the GitOps repository"},
    }}
    output_schema = {"type": "object", "properties": {"commitHash": COMMIT_OUTPUT}}

    def run(self, ctx: ActionContext) -> None:
        namespaced = ctx.input.get("namespaced")
        if not isinstance(namespaced, bool):
            raise ActionInputError("namespaced: expected true or false")
        manifest = manifest_parse(ctx.input.get("manifest"), namespaced=namespaced)
        api_version, kind, name = manifest["apiVersion"], manifest["kind"], manifest["metadata"]["name"]
        namespace = manifest["metadata"].get("namespace")
        cluster_name = str(ctx.input.get("clusterName") or "").strip()
        cluster = _configured("PAVED_KUBERNETES_CLUSTERS", cluster_name) if cluster_name else None
        if cluster is None:
            folder = f"kubernetes/{manifests.label_value(cluster_name) or 'default'}/{namespace or '_cluster'}"
            ctx.log(f"no cluster {cluster_name!r} is configured (PAVED_KUBERNETES_CLUSTERS): committing {kind} "
                    f"{name} to the GitOps repository")
            files = {f"{folder}/{kind.lower()}-{name}.yaml": manifests.yaml_bytes(manifest)}
            ctx.output("commitHash", gitops_commit(ctx, files=files, message=f"scaffolder: {kind} {name}"))
            return
        plural = _resource_name(cluster, api_version, kind, namespaced)
        base = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
        scope = f"/namespaces/{namespace}" if namespaced else ""
        ctx.check_cancelled()
        # Server-side apply is an upsert owned by one field manager: a retry applies the same object again.
        _kube_request(cluster, "PATCH", f"{base}{scope}/{plural}/{name}?fieldManager=paved-scaffolder&force=true",
                      body=manifest, content_type="application/apply-patch+yaml")
        ctx.record_created("kubernetes-object", f"{cluster_name}/{namespace or ''}/{kind}/{name}".replace("//", "/"))
        ctx.log(f"applied {kind} {name} on {cluster_name}")


class KubernetesApply(KubeApply):
    id = "kubernetes:apply"


ACTIONS = [ArgocdCreateResources(), KubeApply(), KubernetesApply()]
