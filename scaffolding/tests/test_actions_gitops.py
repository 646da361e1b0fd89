"""GitOps actions against the real built-in git host; Datadog against a recording server."""

from functools import partial
from pathlib import Path

import pytest
import yaml

from scaffolding.actions import gitops_manifests
from scaffolding.actions.base import ActionError, ActionInputError
from scaffolding.actions.gitops import ArgocdCreateApplication, DatadogCreateMonitors, KubernetesCreateNamespace
from scaffolding.tests.helpers import RecordingApi, olive_ctx

HOST = "git.paved.test"


@pytest.fixture
def git_host(settings, tmp_path):
    settings.PAVED_GIT_ROOT = tmp_path / "git"
    settings.PAVED_PUBLIC_URL = f"https://{HOST}"
    settings.PAVED_GITOPS_REPO = "platform/gitops"
    settings.PAVED_DATADOG_API_KEY = None
    settings.PAVED_DATADOG_APP_KEY = None


make_ctx = partial(olive_ctx, task_id="task-1", step_id="gitops")


def read(path: str, ref: str = "main") -> dict:
    from githost.services import repo_read_file

    return yaml.safe_load(repo_read_file(owner="platform", name="gitops", ref=ref, path=path))


def commits() -> list[dict]:
    from githost.services import repo_log

    return repo_log(owner="platform", name="gitops", ref="main")


# --- kubernetes:create-namespace -----------------------------------------------------------------

@pytest.mark.django_db
def test_namespace_quota_and_rolebinding_land_in_one_commit(git_host, tmp_path):
    ctx = make_ctx(tmp_path, namespace="payments-api", team="group:default/payments-team", tier="critical",
                   labels={"cost-center": "CC 42/eu", "example.com/owner": "payments"})
    KubernetesCreateNamespace().run(ctx)

    namespace = read("namespaces/payments-api/namespace.yaml")
    assert namespace["kind"] == "Namespace" and namespace["metadata"]["name"] == "payments-api"
    assert namespace["metadata"]["labels"] == {"cost-center": "CC-42-eu", "example.com/owner": "payments",
                                               "app.kubernetes.io/managed-by": "paved", "tier": "critical",
                                               "team": "payments-team"}
    quota = read("namespaces/payments-api/resourcequota.yaml")
    assert quota["kind"] == "ResourceQuota" and quota["metadata"]["namespace"] == "payments-api"
    assert quota["spec"]["hard"] == gitops_manifests.QUOTAS["critical"]
    binding = read("namespaces/payments-api/rolebinding.yaml")
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"}
    assert binding["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group",
                                    "name": "payments-team"}]

    log = commits()
    assert len(log) == 1
    assert (log[0]["author"], log[0]["email"]) == ("Olive Owner", "olive@example.com")
    assert log[0]["message"].startswith("scaffolder: namespace payments-api (task task-1)")
    assert ctx.outputs == {"namespace": "payments-api", "manifestsPath": "namespaces/payments-api",
                           "commitHash": log[0]["sha"]}
    assert ctx.created == [{"kind": "gitops-commit", "ref": log[0]["sha"], "step": "gitops",
                            "url": f"https://{HOST}/git/platform/gitops/commits/{log[0]['sha']}"}]


@pytest.mark.django_db
def test_a_second_run_makes_no_new_commit(git_host, tmp_path):
    first = make_ctx(tmp_path, namespace="payments-api", team="payments-team")
    KubernetesCreateNamespace().run(first)
    retry = make_ctx(tmp_path, checkpoint=first.checkpoint, namespace="payments-api", team="payments-team")
    KubernetesCreateNamespace().run(retry)
    assert len(commits()) == 1
    assert retry.outputs["commitHash"] == first.outputs["commitHash"]
    assert retry.created == []


@pytest.mark.django_db
def test_another_teams_namespace_is_not_taken_over(git_host, tmp_path):
    KubernetesCreateNamespace().run(make_ctx(tmp_path, namespace="payments-api", team="payments-team"))
    with pytest.raises(ActionError, match="namespaces/payments-api/namespace.yaml already exists"):
        KubernetesCreateNamespace().run(make_ctx(tmp_path, task_id="task-2", namespace="payments-api",
                                                 team="intruders"))
    assert read("namespaces/payments-api/rolebinding.yaml")["subjects"][0]["name"] == "payments-team"
    assert len(commits()) == 1


def test_quota_grows_with_the_tier():
    def cpu(tier):
        return int(gitops_manifests.QUOTAS[tier]["limits.cpu"])

    def memory(tier):
        return int(gitops_manifests.QUOTAS[tier]["limits.memory"].removesuffix("Gi"))

    assert cpu("critical") > cpu("standard") > cpu("experimental")
    assert memory("critical") > memory("standard") > memory("experimental")


@pytest.mark.django_db
def test_without_a_team_there_is_no_rolebinding(git_host, tmp_path):
    ctx = make_ctx(tmp_path, namespace="sandbox", tier="experimental")
    KubernetesCreateNamespace().run(ctx)
    from githost.services import repo_tree

    names = [e["name"] for e in repo_tree(owner="platform", name="gitops", ref="main", path="namespaces/sandbox")]
    assert sorted(names) == ["namespace.yaml", "resourcequota.yaml"]
    assert read("namespaces/sandbox/resourcequota.yaml")["spec"]["hard"] == gitops_manifests.QUOTAS["experimental"]


@pytest.mark.django_db
@pytest.mark.parametrize(("inputs", "message"), [
    ({"namespace": "Payments_API"}, "^namespace: 'Payments_API' is not a DNS label"),
    ({"namespace": "../etc"}, "^namespace"),
    ({"namespace": "kube-system"}, "^namespace: 'kube-system' is reserved"),
    ({"namespace": "a" * 64}, "^namespace"),
    ({"namespace": "ok", "tier": "gold"}, "^tier: 'gold' is not one of"),
    ({"namespace": "ok", "labels": {"bad key!": "x"}}, r"^labels\.bad key!"),
    ({"namespace": "ok", "team": "group:default/***"}, "^team"),
])
def test_bad_namespace_input_names_the_field(git_host, tmp_path, inputs, message):
    with pytest.raises(ActionInputError, match=message):
        KubernetesCreateNamespace().run(make_ctx(tmp_path, **inputs))


@pytest.mark.parametrize(("value", "expected"), [
    ("group:default/payments-team", "payments-team"),
    ("payments-team", "payments-team"),
    ("user:jane", "jane"),
    ("Team A (EU)", "Team-A-EU"),
    ("-x-", "x"),
    ("a" * 80, "a" * 63),
    ("a" * 62 + "-b", "a" * 62),
    (None, ""),
    ("***", ""),
])
def test_label_values_follow_kubernetes_syntax(value, expected):
    assert gitops_manifests.label_value(value) == expected


@pytest.mark.django_db
def test_a_bad_gitops_repo_setting_is_named(git_host, tmp_path, settings):
    settings.PAVED_GITOPS_REPO = "gitops"
    with pytest.raises(ActionError, match="PAVED_GITOPS_REPO"):
        KubernetesCreateNamespace().run(make_ctx(tmp_path, namespace="ok"))


# --- argocd:create-application -------------------------------------------------------------------

@pytest.mark.django_db
def test_argocd_application_from_a_backstage_repo_url(git_host, tmp_path):
    ctx = make_ctx(tmp_path, appName="payments-api", repoUrl=f"{HOST}?owner=acme&repo=payments-api",
                   destNamespace="payments-api")
    ArgocdCreateApplication().run(ctx)
    app = read("argocd/applications/payments-api.yaml")
    assert app["apiVersion"] == "argoproj.io/v1alpha1" and app["kind"] == "Application"
    assert app["metadata"]["name"] == "payments-api"
    assert app["spec"]["source"] == {"repoURL": f"https://{HOST}/git/acme/payments-api.git", "path": "helm/",
                                     "targetRevision": "HEAD"}
    assert app["spec"]["destination"] == {"server": "https://kubernetes.default.svc", "namespace": "payments-api"}
    assert app["spec"]["project"] == "default"
    assert app["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    assert "CreateNamespace=true" in app["spec"]["syncPolicy"]["syncOptions"]
    assert ctx.outputs["manifestPath"] == "argocd/applications/payments-api.yaml"
    assert commits()[0]["message"].startswith("scaffolder: argocd application payments-api (task task-1)")

    again = make_ctx(tmp_path, checkpoint=ctx.checkpoint, appName="payments-api",
                     repoUrl=f"{HOST}?owner=acme&repo=payments-api", destNamespace="payments-api")
    ArgocdCreateApplication().run(again)
    assert len(commits()) == 1 and again.outputs["commitHash"] == ctx.outputs["commitHash"]


@pytest.mark.django_db
def test_argocd_accepts_a_clone_url_and_custom_fields(git_host, tmp_path):
    ArgocdCreateApplication().run(make_ctx(
        tmp_path, appName="web", repoUrl="https://github.com/acme/web.git", path="deploy/chart",
        destNamespace="web", destServer="https://k8s.prod.example:6443", project="team-web", targetRevision="v1.2.0"))
    app = read("argocd/applications/web.yaml")
    assert app["spec"]["source"] == {"repoURL": "https://github.com/acme/web.git", "path": "deploy/chart",
                                     "targetRevision": "v1.2.0"}
    assert app["spec"]["destination"]["server"] == "https://k8s.prod.example:6443"
    assert app["spec"]["project"] == "team-web"


@pytest.mark.django_db
@pytest.mark.parametrize(("inputs", "message"), [
    ({"repoUrl": ""}, "^repoUrl"),
    ({"repoUrl": "https://u:p@github.com/a/b.git"}, "^repoUrl: the URL carries credentials"),
    ({"appName": "Web App"}, "^appName"),
    ({"path": "../secrets"}, "^path"),
    ({"path": "/etc"}, "^path"),
    ({"destServer": "http://k8s:80"}, "^destServer"),
    ({"destNamespace": "kube-system"}, "^destNamespace"),
    ({"targetRevision": "main; rm -rf"}, "^targetRevision"),
])
def test_bad_argocd_input_names_the_field(git_host, tmp_path, inputs, message):
    base = {"appName": "web", "repoUrl": "https://github.com/acme/web.git", "destNamespace": "web"}
    with pytest.raises(ActionInputError, match=message):
        ArgocdCreateApplication().run(make_ctx(tmp_path, **{**base, **inputs}))
    assert not Path(tmp_path / "git" / "platform" / "gitops.git").exists() or not commits()


# --- datadog:create-monitors ---------------------------------------------------------------------

@pytest.fixture
def datadog(settings):
    ids = iter(range(1000, 2000))
    api = RecordingApi(lambda method, path, body: (200, {"id": next(ids), "name": body["name"]}))
    settings.PAVED_DATADOG_API_URL = api.url
    yield api
    api.close()


def monitor_thresholds(tier: str) -> dict:
    monitors = gitops_manifests.golden_signal_monitors(service="svc", tier=tier, team="t", task_id="x")
    return {m["tags"][-1].removeprefix("signal:"): m for m in monitors}


def test_monitor_thresholds_follow_the_tier_slo():
    critical, standard, experimental = (monitor_thresholds(t) for t in ("critical", "standard", "experimental"))
    assert critical["errors"]["options"]["thresholds"]["critical"] == 0.0001
    assert critical["errors"]["query"].endswith("> 0.0001")
    assert standard["errors"]["options"]["thresholds"]["critical"] == 0.001
    assert set(critical) == {"latency", "traffic", "errors", "saturation"}
    assert (critical["latency"]["options"]["thresholds"]["critical"]
            < standard["latency"]["options"]["thresholds"]["critical"]
            < experimental["latency"]["options"]["thresholds"]["critical"])
    assert "no page" in experimental["errors"]["message"] and "paging" in critical["errors"]["message"]
    assert experimental["errors"]["priority"] > standard["errors"]["priority"] > critical["errors"]["priority"]
    assert "SLO 99.99%" in critical["errors"]["message"] and "no SLO" in experimental["errors"]["message"]


@pytest.mark.django_db
def test_monitors_are_only_committed_when_datadog_is_not_configured(git_host, tmp_path, datadog):
    ctx = make_ctx(tmp_path, serviceName="payments-api", tier="critical", owner="group:default/payments-team")
    DatadogCreateMonitors().run(ctx)
    document = read("monitoring/payments-api/golden-signals.yaml")
    assert document["tier"] == "critical" and len(document["monitors"]) == 4
    assert all("team:payments-team" in m["tags"] for m in document["monitors"])
    assert ctx.outputs["monitors"] == [m["name"] for m in document["monitors"]]
    assert ctx.outputs["monitorIds"] == {} and ctx.outputs["commitHash"] == commits()[0]["sha"]
    assert datadog.calls == []
    assert any("Datadog is not configured" in line for line in ctx.lines)


@pytest.mark.django_db
def test_monitors_are_created_in_datadog_once_when_configured(git_host, tmp_path, datadog, settings):
    settings.PAVED_DATADOG_API_KEY = "dd-api"
    settings.PAVED_DATADOG_APP_KEY = "dd-app"
    ctx = make_ctx(tmp_path, serviceName="payments-api", tier="standard", owner="payments-team")
    DatadogCreateMonitors().run(ctx)
    assert datadog.paths() == ["POST /api/v1/monitor"] * 4
    assert all(c["headers"]["dd-api-key"] == "dd-api" and c["headers"]["dd-application-key"] == "dd-app"
               for c in datadog.calls)
    committed = read("monitoring/payments-api/golden-signals.yaml")["monitors"]
    assert [c["body"] for c in datadog.calls] == committed
    assert sorted(ctx.outputs["monitorIds"].values()) == [1000, 1001, 1002, 1003]
    assert [c["kind"] for c in ctx.created] == ["gitops-commit"] + ["datadog-monitor"] * 4

    retry = make_ctx(tmp_path, checkpoint=ctx.checkpoint, serviceName="payments-api", tier="standard",
                     owner="payments-team")
    DatadogCreateMonitors().run(retry)
    assert len(datadog.calls) == 4 and len(commits()) == 1
    assert retry.outputs["monitorIds"] == ctx.outputs["monitorIds"]


@pytest.mark.django_db
def test_datadog_errors_and_a_missing_app_key_are_named(git_host, tmp_path, settings):
    settings.PAVED_DATADOG_API_KEY = "dd-api"
    with pytest.raises(ActionError, match="PAVED_DATADOG_APP_KEY"):
        DatadogCreateMonitors().run(make_ctx(tmp_path, serviceName="web"))
    settings.PAVED_DATADOG_APP_KEY = "dd-app"
    api = RecordingApi(lambda method, path, body: (403, {"errors": ["Forbidden"]}))
    settings.PAVED_DATADOG_API_URL = api.url
    try:
        with pytest.raises(ActionError, match=r"Datadog answered 403 to POST /api/v1/monitor: \[\"Forbidden\"\]"):
            DatadogCreateMonitors().run(make_ctx(tmp_path, serviceName="web"))
    finally:
        api.close()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["../x", "a/b", "", "-web"])
def test_a_bad_service_name_is_refused(git_host, tmp_path, name):
    with pytest.raises(ActionInputError, match="^serviceName"):
        DatadogCreateMonitors().run(make_ctx(tmp_path, serviceName=name))


@pytest.mark.django_db
def test_team_and_tier_can_come_as_labels_like_the_seed_template_passes_them(git_host, tmp_path):
    ctx = make_ctx(tmp_path, namespace="orders", labels={"team": "group:default/checkout", "tier": "experimental"})
    KubernetesCreateNamespace().run(ctx)
    labels = read("namespaces/orders/namespace.yaml")["metadata"]["labels"]
    assert labels["team"] == "checkout" and labels["tier"] == "experimental"
    assert read("namespaces/orders/resourcequota.yaml")["spec"]["hard"] == gitops_manifests.QUOTAS["experimental"]
    assert read("namespaces/orders/rolebinding.yaml")["subjects"][0]["name"] == "checkout"
    with pytest.raises(ActionInputError, match="^labels.tier: 'gold'"):
        KubernetesCreateNamespace().run(make_ctx(tmp_path, namespace="orders", labels={"tier": "gold"}))


# --- through the runner: the golden path's side-effect steps, a failure and a retry --------------

GOLDEN_STEPS = [
    {"id": "fetch", "action": "fetch:plain", "input": {"url": "./skeleton"}},
    {"id": "create-repo", "action": "publish:git",
     "input": {"repoUrl": f"{HOST}?owner=acme&repo=${{{{ parameters.name }}}}", "allowedHosts": [HOST],
               "protectDefaultBranch": True, "requireCodeOwnerReviews": True}},
    {"id": "create-namespace", "action": "kubernetes:create-namespace",
     "input": {"namespace": "${{ parameters.name }}",
               "labels": {"team": "${{ parameters.owner }}", "tier": "${{ parameters.tier }}"}}},
    {"id": "create-argocd-app", "action": "argocd:create-application",
     "input": {"appName": "${{ parameters.name }}", "repoUrl": "${{ steps['create-repo'].output.repoUrl }}",
               "path": "helm/", "destNamespace": "${{ parameters.name }}"}},
    {"id": "create-monitors", "action": "datadog:create-monitors",
     "input": {"serviceName": "${{ parameters.name }}", "tier": "${{ parameters.tier }}",
               "owner": "${{ parameters.owner }}"}},
]


@pytest.mark.django_db
def test_a_golden_path_run_fails_at_datadog_and_its_retry_duplicates_nothing(git_host, tmp_path, settings, owner,
                                                                            datadog):
    from catalog.tests.factories import yaml_load
    from githost.models import GitRepository
    from scaffolding import runner, services
    from scaffolding.models import ScaffoldRun, ScaffoldStep

    # publish:git creates the repository for the owner answer: the person must be in that team.
    yaml_load(tmp_path, """
        apiVersion: backstage.io/v1alpha1
        kind: Group
        metadata: {name: payments-team}
        spec: {type: team, children: [], members: [owner]}
        """, name="team.yaml")
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "workspaces"
    skeleton = tmp_path / "template" / "skeleton"
    (skeleton / "helm").mkdir(parents=True)
    (skeleton / "helm" / "Chart.yaml").write_text("name: payments-api\n")
    run = ScaffoldRun.objects.create(
        template_ref="template:default/go", template_base=f"file:{tmp_path / 'template'}/", created_by=owner,
        spec={"steps": GOLDEN_STEPS}, status=ScaffoldRun.Status.PROCESSING,
        values={"name": "payments-api", "owner": "group:default/payments-team", "tier": "critical"})
    for index, step in enumerate(GOLDEN_STEPS):
        ScaffoldStep.objects.create(run=run, index=index, step_id=step["id"], name=step["id"],
                                    action=step["action"])
    settings.PAVED_DATADOG_API_KEY = "dd-api"  # without the app key: the last step fails
    assert runner.run_execute(run_id=run.pk) == "failed"
    run.refresh_from_db()
    assert "PAVED_DATADOG_APP_KEY" in run.error and run.resume_from == 4
    assert len(commits()) == 3  # namespace, application, monitors: the monitors' commit came before Datadog

    settings.PAVED_DATADOG_APP_KEY = "dd-app"
    services.run_retry(run=run)
    ScaffoldRun.objects.filter(pk=run.pk).update(status=ScaffoldRun.Status.PROCESSING)
    assert runner.run_execute(run_id=run.pk) == "completed"
    run.refresh_from_db()
    assert len(commits()) == 3 and len(datadog.calls) == 4
    assert GitRepository.objects.filter(owner="acme").count() == 1
    app = read("argocd/applications/payments-api.yaml")
    assert app["spec"]["source"]["repoURL"] == f"https://{HOST}/git/acme/payments-api.git"
    assert read("namespaces/payments-api/namespace.yaml")["metadata"]["labels"]["team"] == "payments-team"
    kinds = [c["kind"] for c in run.created_resources]
    assert kinds.count("repository") == 1 and kinds.count("gitops-commit") == 3
    assert kinds.count("datadog-monitor") == 4


@pytest.mark.django_db
def test_the_portal_commits_as_itself_to_a_repository_no_team_owns(git_host, tmp_path):
    """The user running the task needs no push right here, and gains none: the repository is the
    portal's (no owner_ref, reserved), and the audit names the portal and the task it acted for."""
    from core.models import AuditEntry
    from githost.access import repository_resource
    from githost.models import GitRepository

    KubernetesCreateNamespace().run(make_ctx(tmp_path, namespace="payments-api", team="payments-team"))
    repo = GitRepository.objects.get(owner="platform", name="gitops")
    assert repo.owner_ref == "" and repository_resource(repo).owner_refs == frozenset()
    rows = list(AuditEntry.objects.order_by("pk").values_list("action", "actor_id", "actor_name", "detail__via"))
    via = "scaffolder task task-1 (gitops) for olive"
    assert rows == [("githost.repository.create", None, "paved", via), ("githost.repository.push", None, "paved", via)]
