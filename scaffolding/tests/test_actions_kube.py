"""argocd:create-resources and kube:apply: the APIs against recording servers when configured, the
GitOps repository (the real built-in git host) when not, retries, and hostile manifests."""

from functools import partial

import pytest
import yaml

from scaffolding.actions.base import ActionError, ActionInputError
from scaffolding.actions.kube import ArgocdCreateResources, KubeApply, KubernetesApply
from scaffolding.tests.helpers import RecordingApi, olive_ctx

HOST = "git.paved.test"
make_ctx = partial(olive_ctx, task_id="task-9", step_id="deploy")
ARGO = {"appName": "payments-api", "argoInstance": "main", "namespace": "payments",
        "repoUrl": f"{HOST}?owner=acme&repo=payments-api", "path": "deploy/"}
DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: payments
spec:
  replicas: 2
"""


@pytest.fixture
def git_host(settings, tmp_path):
    settings.PAVED_GIT_ROOT = tmp_path / "git"
    settings.PAVED_PUBLIC_URL = f"https://{HOST}"
    settings.PAVED_GITOPS_REPO = "platform/gitops"
    settings.PAVED_ARGOCD_INSTANCES = {}
    settings.PAVED_KUBERNETES_CLUSTERS = {}


def read(path: str) -> dict:
    from githost.services import repo_read_file

    return yaml.safe_load(repo_read_file(owner="platform", name="gitops", ref="main", path=path))


def commits() -> list[dict]:
    from githost.services import repo_log

    return repo_log(owner="platform", name="gitops", ref="main")


@pytest.fixture
def api():
    server = RecordingApi(lambda method, path, body: (200, {"metadata": {"name": "x"}}))
    yield server
    server.close()


# --- argocd:create-resources ---------------------------------------------------------------------


@pytest.mark.django_db
def test_argocd_resources_go_to_gitops_when_the_instance_is_not_configured(git_host, tmp_path):
    ctx = make_ctx(tmp_path, **ARGO, labelValue="payments")
    ArgocdCreateResources().run(ctx)
    project = read("argocd/projects/payments-api.yaml")
    app = read("argocd/applications/payments-api.yaml")
    assert project["kind"] == "AppProject"
    assert project["spec"]["sourceRepos"] == [f"https://{HOST}/git/acme/payments-api.git"]
    assert project["spec"]["destinations"] == [{"name": "local", "namespace": "payments",
                                                "server": "https://kubernetes.default.svc"}]
    assert app["metadata"]["labels"] == {"backstage-name": "payments"}
    assert app["spec"]["project"] == "payments-api" and app["spec"]["source"]["path"] == "deploy/"
    assert "not configured (PAVED_ARGOCD_INSTANCES)" in ctx.lines[0]
    retry = make_ctx(tmp_path, checkpoint=ctx.checkpoint, **ARGO, labelValue="payments")
    ArgocdCreateResources().run(retry)
    assert len(commits()) == 1, "a retry makes no second commit"


@pytest.mark.django_db
def test_argocd_resources_through_the_api_when_configured(git_host, tmp_path, settings, api):
    settings.PAVED_ARGOCD_INSTANCES = {"main": {"url": api.url, "token": "argo-token"}}
    ctx = make_ctx(tmp_path, **ARGO, projectName="payments")
    ArgocdCreateResources().run(ctx)
    ArgocdCreateResources().run(make_ctx(tmp_path, **ARGO, projectName="payments"))  # a retry upserts again
    assert api.paths() == ["POST /api/v1/projects", "POST /api/v1/applications?upsert=true"] * 2
    project_call, app_call = api.calls[0], api.calls[1]
    assert project_call["headers"]["authorization"] == "Bearer argo-token"
    assert project_call["body"]["upsert"] is True
    assert project_call["body"]["project"]["metadata"]["name"] == "payments"
    assert app_call["body"]["metadata"]["labels"] == {"backstage-name": "payments-api"}
    assert app_call["body"]["spec"]["project"] == "payments"
    assert ctx.created[0]["kind"] == "argocd-application"
    assert "argo-token" not in " ".join(ctx.lines)


@pytest.mark.django_db
def test_argocd_api_errors_are_named(git_host, tmp_path, settings):
    server = RecordingApi(lambda method, path, body: (403, {"message": "permission denied"}))
    try:
        settings.PAVED_ARGOCD_INSTANCES = {"main": {"url": server.url, "token": "t"}}
        with pytest.raises(ActionError, match=r"Argo CD \(main\) answered 403 .*permission denied"):
            ArgocdCreateResources().run(make_ctx(tmp_path, **ARGO))
    finally:
        server.close()


@pytest.mark.parametrize("change, message", [
    ({"appName": "Payments API"}, "appName"),
    ({"namespace": "kube-system"}, "namespace"),
    ({"path": "../../etc"}, "path"),
    ({"projectName": "a/b"}, "projectName"),
    ({"repoUrl": ""}, "repoUrl"),
])
def test_bad_argocd_inputs_name_the_field(git_host, tmp_path, change, message):
    with pytest.raises(ActionInputError, match=message):
        ArgocdCreateResources().run(make_ctx(tmp_path, **{**ARGO, **change}))


# --- kube:apply ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_kube_apply_commits_to_gitops_without_a_cluster(git_host, tmp_path):
    ctx = make_ctx(tmp_path, manifest=DEPLOYMENT, namespaced=True)
    KubeApply().run(ctx)
    assert read("kubernetes/default/payments/deployment-web.yaml")["spec"] == {"replicas": 2}
    KubernetesApply().run(make_ctx(tmp_path, manifest={"apiVersion": "v1", "kind": "Namespace",
                                                       "metadata": {"name": "payments"}}, namespaced=False))
    assert read("kubernetes/default/_cluster/namespace-payments.yaml")["kind"] == "Namespace"


@pytest.mark.django_db
def test_kube_apply_server_side_applies_on_a_configured_cluster(git_host, tmp_path, settings):
    def respond(method, path, body):
        if method == "GET" and path == "/apis/apps/v1":
            return 200, {"resources": [{"name": "deployments", "kind": "Deployment", "namespaced": True},
                                       {"name": "deployments/scale", "kind": "Scale", "namespaced": True}]}
        return 200, body

    server = RecordingApi(respond)
    try:
        settings.PAVED_KUBERNETES_CLUSTERS = {"prod": {"url": server.url, "token": "kube-token"}}
        ctx = make_ctx(tmp_path, manifest=DEPLOYMENT, namespaced=True, clusterName="prod")
        KubeApply().run(ctx)
        assert server.paths() == ["GET /apis/apps/v1", "PATCH /apis/apps/v1/namespaces/payments/deployments/web"
                                  "?fieldManager=paved-scaffolder&force=true"]
        patch = server.calls[1]
        assert patch["headers"]["content-type"] == "application/apply-patch+yaml"
        assert patch["headers"]["authorization"] == "Bearer kube-token"
        assert patch["body"]["spec"] == {"replicas": 2}
        with pytest.raises(ActionInputError, match="Deployment is namespaced"):
            KubeApply().run(make_ctx(tmp_path, manifest=DEPLOYMENT.replace("  namespace: payments\n", ""),
                                     namespaced=False, clusterName="prod"))
    finally:
        server.close()


@pytest.mark.parametrize("manifest, namespaced, message", [
    ("a: [", True, "manifest: not valid YAML"),
    ("kind: Deployment\n---\nkind: Service\n", True, "expected one Kubernetes object, found 2"),
    ("apiVersion: ../../v1\nkind: Pod\nmetadata: {name: x}\n", True, "manifest.apiVersion"),
    ("apiVersion: v1\nkind: 'Pod/../x'\nmetadata: {name: x}\n", True, "manifest.kind"),
    ("apiVersion: v1\nkind: Pod\nmetadata: {name: ../../x}\n", True, "manifest.metadata.name"),
    ("apiVersion: v1\nkind: Pod\nmetadata: {name: x, namespace: 'a/b'}\n", True, "manifest.metadata.namespace"),
    ("apiVersion: v1\nkind: Namespace\nmetadata: {name: x, namespace: y}\n", False, "namespaced: false"),
    ("- 1\n- 2\n", True, "expected a Kubernetes object"),
    ("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", "yes", "namespaced: expected true or false"),
])
def test_hostile_manifests_are_refused_naming_the_field(git_host, tmp_path, manifest, namespaced, message):
    with pytest.raises(ActionInputError, match=message):
        KubeApply().run(make_ctx(tmp_path, manifest=manifest, namespaced=namespaced))


def test_a_broken_cluster_setting_is_named(git_host, tmp_path, settings):
    settings.PAVED_KUBERNETES_CLUSTERS = {"prod": {"url": "file:///etc", "token": "t"}}
    with pytest.raises(ActionError, match="PAVED_KUBERNETES_CLUSTERS: 'prod' has no usable url"):
        KubeApply().run(make_ctx(tmp_path, manifest=DEPLOYMENT, namespaced=True, clusterName="prod"))


def test_env_json_objects_reads_named_objects(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from core.env import env_json_objects

    monkeypatch.setenv("PAVED_X", '{"main": {"url": "https://a", "token": "t"}}')
    assert env_json_objects("PAVED_X") == {"main": {"url": "https://a", "token": "t"}}
    for bad in ("[1]", "{nope", '{"main": 1}'):
        monkeypatch.setenv("PAVED_X", bad)
        with pytest.raises(ImproperlyConfigured, match="PAVED_X"):
            env_json_objects("PAVED_X")
