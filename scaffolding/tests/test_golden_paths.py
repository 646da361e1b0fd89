"""The golden-path templates Paved ships (demo/templates/): they ingest, run and render cleanly.

Each template is read the way production reads it (a file Location through the catalog), then
dry-run end to end through the real runner and actions, and its skeleton files are rendered
with the expression engine and checked file by file.
"""

import ast
import base64
import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from catalog import selectors as catalog_selectors
from catalog import services as catalog_services
from catalog.lib.validation import validate_entity
from catalog.models import Entity, Location, ProcessingError
from core.testing import SEED_DOCUMENT, shared_missing_reason
from scaffolding import runner, services
from scaffolding.actions import action_registry
from scaffolding.lib.expressions import evaluate_condition, render_path, render_skeleton, render_value
from scaffolding.models import ScaffoldRun
from scaffolding.tests_support import RecordingProgress

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = REPO_ROOT / "demo" / "templates"
DEMO_ROOT = REPO_ROOT / "demo" / "catalog" / "all.yaml"
SEED = SEED_DOCUMENT

ALLOWED_ACTIONS = {
    "fetch:template", "fetch:plain", "fetch:template:file", "fs:rename", "fs:delete", "debug:log",
    "catalog:write", "catalog:register", "catalog:fetch", "publish:git", "kubernetes:create-namespace",
    "argocd:create-application", "datadog:create-monitors", "pagerduty:service:create", "slack:channel:create",
    "notification:send",
}
NAME_PATTERN = "^[a-z][a-z0-9-]{2,30}$"
# A hostile-looking but valid description: quotes, a colon and a hash must not break YAML, TOML or JSON.
DESCRIPTION = 'Takes "orders": fast # and safe'

# Answers a person could give in the form of each template (checked against its parameters).
SAMPLE_VALUES = {
    "go-microservice": {"name": "orders-api", "description": DESCRIPTION, "owner": "group:default/team-checkout",
                        "tier": "critical", "database": "postgresql", "cloudProvider": "gcp"},
    "python-service": {"name": "orders-api", "description": DESCRIPTION, "owner": "group:default/team-checkout",
                       "tier": "standard", "pythonVersion": "3.12"},
    "frontend-app": {"name": "orders-web", "description": DESCRIPTION, "owner": "group:default/team-web",
                     "system": "system:default/checkout-system", "tier": "experimental"},
    "openapi-service": {"name": "orders-api", "description": DESCRIPTION, "owner": "group:default/team-checkout",
                        "system": "system:default/checkout-system"},
    "database": {"name": "postgresql-carts", "engine": "postgresql", "size": "medium",
                 "owner": "group:default/team-checkout", "component": "component:default/cart-service"},
    "team": {"name": "team-loyalty", "displayName": 'Loyalty: "points"', "description": DESCRIPTION,
             "parent": "group:default/dept-commerce", "members": ["user:default/li.wei", "user:default/tom.becker"],
             "tier": "standard"},
    "environment": {"name": "staging", "description": DESCRIPTION, "owner": "group:default/team-platform",
                    "tier": "standard", "cloudProvider": "aws"},
}
NAMES = sorted(SAMPLE_VALUES)
# Outputs of the steps that act outside the workspace, as the real actions report them.
FAKE_OUTPUTS = {
    "publish:git": {"remoteUrl": "http://127.0.0.1:8000/git/acme/orders-api.git",
                    "repoUrl": "http://127.0.0.1:8000/git/acme/orders-api.git",
                    "repoContentsUrl": "http://127.0.0.1:8000/acme/orders-api/src/branch/main",
                    "commitHash": "0" * 40},
    "catalog:register": {"entityRef": "component:default/orders-api",
                         "catalogInfoUrl": "http://127.0.0.1:8000/acme/orders-api/src/branch/main/catalog-info.yaml"},
}
# What GitHub Actions, not the scaffolder, evaluates: left as `${{ ... }}` in workflow files.
ACTIONS_EXPRESSION = re.compile(r"\$\{\{ (github|env|secrets|vars|matrix|needs|steps|inputs|runner)\.[\w.-]+ \}\}")


def template_doc(name: str) -> dict:
    return yaml.safe_load((TEMPLATES / name / "template.yaml").read_text())


def properties(doc: dict) -> dict:
    return {key: prop for page in doc["spec"]["parameters"] for key, prop in page["properties"].items()}


def seed_template() -> dict:
    """The YAML block of the seed's "Backstage Scaffolder Templates" section."""
    lines = SEED.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# backstage-template.yaml"))
    end = next(i for i, line in enumerate(lines) if i > start and line.startswith("Backstage Alternatives"))
    return yaml.safe_load("\n".join(lines[start:end]))


def step_context(name: str) -> dict:
    """The expression context of a finished run with the sample answers and realistic step outputs."""
    steps = {step["id"]: {"output": FAKE_OUTPUTS.get(step["action"], {})}
             for step in template_doc(name)["spec"]["steps"]}
    return {"parameters": SAMPLE_VALUES[name], "steps": steps,
            "user": {"entity": {}, "ref": "user:default/jane.doe"}}


def skeletons(name: str) -> list[tuple[dict, Path, dict]]:
    """(step, skeleton dir, rendered values) of every fetch:template step of a template."""
    found = []
    for step in template_doc(name)["spec"]["steps"]:
        if step["action"] == "fetch:template":
            values = render_value(step["input"].get("values", {}), step_context(name))
            found.append((step, (TEMPLATES / name / step["input"]["url"]).resolve(), values))
    return found


def render_tree(name: str, dest: Path, *, only_if_true: bool = True) -> dict[str, str]:
    """Render every skeleton of `name` into `dest` as fetch:template would; returns {path: text}."""
    rendered = {}
    for step, source, values in skeletons(name):
        if only_if_true and not evaluate_condition(step.get("if"), step_context(name)):
            continue
        target = Path(step["input"].get("targetPath", "./"))
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            relative = (target / render_path(str(path.relative_to(source)), values)).as_posix()
            text = render_skeleton(path.read_text(), values, name=str(path.relative_to(TEMPLATES)))
            rendered[relative] = text
            (dest / relative).parent.mkdir(parents=True, exist_ok=True)
            (dest / relative).write_text(text)
    return rendered


def ingest(path: Path) -> Location:
    location, _ = Location.objects.get_or_create(type="file", target=str(path))
    catalog_services.location_refresh(location_id=location.pk)
    return location


# --- The templates as catalog entities -------------------------------------------------------------


@pytest.mark.django_db
def test_every_template_is_ingested_without_errors():
    ingest(TEMPLATES / "all.yaml")
    assert list(ProcessingError.objects.values_list("message", flat=True)) == []
    stored = Entity.objects.filter(kind__iexact="template")
    assert sorted(stored.values_list("name", flat=True)) == NAMES
    for entity in stored:
        assert entity.body["apiVersion"] == "scaffolder.backstage.io/v1beta3"


@pytest.mark.django_db
def test_the_demo_root_location_registers_the_templates_with_demo_owners():
    ingest(DEMO_ROOT)
    assert list(ProcessingError.objects.values_list("message", flat=True)) == []
    for name in NAMES:
        template = catalog_selectors.entity_get(kind="template", namespace="default", name=name)
        owner = template.body["spec"]["owner"]
        assert catalog_selectors.entity_get(kind="group", namespace="default", name=owner), (name, owner)


@pytest.mark.parametrize("name", NAMES)
def test_every_step_uses_an_installed_action_from_the_golden_path_list(name):
    steps = template_doc(name)["spec"]["steps"]
    assert services.template_steps_check(spec={"steps": steps}, template_ref=f"template:default/{name}")
    assert {step["action"] for step in steps} <= ALLOWED_ACTIONS
    assert set(action_registry()) >= ALLOWED_ACTIONS


@pytest.mark.parametrize("name", NAMES)
def test_metadata_and_output_links_text(name):
    doc = template_doc(name)
    assert doc["apiVersion"] == "scaffolder.backstage.io/v1beta3" and doc["kind"] == "Template"
    assert doc["metadata"]["name"] == name and doc["metadata"]["tags"] and len(doc["metadata"]["description"]) > 30
    links = {link["title"]: link for link in doc["spec"]["output"]["links"]}
    publish = next(s["id"] for s in doc["spec"]["steps"] if s["action"] == "publish:git")
    register = next(s["id"] for s in doc["spec"]["steps"] if s["action"] == "catalog:register")
    assert links["Repository"]["url"] == f"${{{{ steps['{publish}'].output.remoteUrl }}}}"
    assert links["Open in catalog"]["entityRef"] == f"${{{{ steps['{register}'].output.entityRef }}}}"
    assert doc["spec"]["output"]["text"].lstrip().startswith("## ")


@pytest.mark.parametrize("name", [n for n in NAMES if n != "go-microservice"])
def test_parameters_have_titles_help_patterns_and_required_lists(name):
    # go-microservice is the seed's own template, kept as written there.
    doc = template_doc(name)
    for page in doc["spec"]["parameters"]:
        assert page["title"] and page["required"], page
        assert set(page["required"]) <= set(page["properties"])
        for key, prop in page["properties"].items():
            assert prop.get("title") and prop.get("description") and prop.get("ui:help"), (name, key)
    assert properties(doc)["name"]["pattern"] == NAME_PATTERN


@pytest.mark.parametrize("name", NAMES)
def test_sample_answers_pass_the_form_validation_and_bad_names_do_not(name):
    spec = template_doc(name)["spec"]
    services.values_validate(spec=spec, values=SAMPLE_VALUES[name])
    with pytest.raises(services.ParameterErrors) as caught:
        services.values_validate(spec=spec, values={**SAMPLE_VALUES[name], "name": "Bad_Name"})
    assert [error["field"] for error in caught.value.errors] == ["name"]


# What issue 12 added to the seed's template: an on-call-and-chat choice and a note to the owning team.
ADDED_STEPS = ["create-pagerduty", "create-slack", "tell-the-team"]


@pytest.mark.skipif(not SEED_DOCUMENT.exists(), reason=shared_missing_reason(SEED_DOCUMENT))
def test_go_template_is_the_seeds_except_the_publish_step_and_the_on_call_choice():
    seed, ours = seed_template(), template_doc("go-microservice")
    assert ours["metadata"] == seed["metadata"]
    assert ours["spec"]["type"] == seed["spec"]["type"]
    our_parameters = [dict(page, properties=dict(page["properties"])) for page in ours["spec"]["parameters"]]
    choice = our_parameters[1]["properties"].pop("onCallAndChat")
    assert choice["type"] == "boolean" and choice["default"] is False
    assert our_parameters == seed["spec"]["parameters"]
    added = [step for step in ours["spec"]["steps"] if step["id"] in ADDED_STEPS]
    assert [step["action"] for step in added] == ["pagerduty:service:create", "slack:channel:create",
                                                  "notification:send"]
    assert all(step["if"] == "${{ parameters.onCallAndChat }}" for step in added[:2])
    ours = {**ours, "spec": {**ours["spec"], "steps": [s for s in ours["spec"]["steps"] if s["id"] not in ADDED_STEPS]}}
    seed_steps = {step["id"]: step for step in seed["spec"]["steps"]}
    our_steps = {step["id"]: step for step in ours["spec"]["steps"]}
    assert list(our_steps) == list(seed_steps)
    for step_id, step in seed_steps.items():
        if step_id != "create-repo":
            assert our_steps[step_id] == step, step_id
    publish, seed_publish = our_steps["create-repo"], seed_steps["create-repo"]
    assert publish["action"] == "publish:git" and seed_publish["action"] == "publish:github"
    assert publish["input"]["allowedHosts"] == ["paved"]  # the built-in host's stable name (githost.services)
    assert publish["input"]["repoUrl"] == "paved?owner=acme&repo=${{ parameters.name }}"
    unchanged = {k: v for k, v in seed_publish["input"].items() if k not in ("allowedHosts", "repoUrl")}
    assert {k: publish["input"][k] for k in unchanged} == unchanged
    assert [link["url" if "url" in link else "entityRef"] for link in ours["spec"]["output"]["links"]] == [
        link["url" if "url" in link else "entityRef"] for link in seed["spec"]["output"]["links"]]


# --- Running them ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_step_inputs_render_to_what_each_action_accepts(name):
    import jsonschema

    context = step_context(name)
    for step in template_doc(name)["spec"]["steps"]:
        rendered = render_value(step.get("input") or {}, context)
        jsonschema.validate(rendered, action_registry()[step["action"]].input_schema)
        assert "${{" not in json.dumps(rendered), step["id"]
    output = render_value(template_doc(name)["spec"]["output"], context)
    assert "${{" not in json.dumps(output)


@pytest.mark.django_db
@pytest.mark.parametrize("name", NAMES)
def test_dry_run_completes_and_produces_the_skeleton(name, owner, settings, tmp_path):
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "ws"
    ingest(TEMPLATES / "all.yaml")
    template = catalog_selectors.entity_get(kind="template", namespace="default", name=name)
    run = services.run_create(template=template, values=SAMPLE_VALUES[name], actor=owner, dry_run=True)
    report = RecordingProgress()
    status = runner.run_execute(run_id=run.pk, report=report)
    assert status == "completed", report.finished["error"]
    files = {f["path"]: base64.b64decode(f["base64Content"]).decode() for f in report.finished["dry_run_files"]}
    assert "catalog-info.yaml" in files and "README.md" in files
    for path, text in files.items():
        leftovers = ACTIONS_EXPRESSION.sub("", text) if path.startswith(".github/") else text
        assert "${{" not in leftovers, path
    for document in yaml.safe_load_all(files["catalog-info.yaml"]):
        if "$text" not in json.dumps(document):
            assert validate_entity(document) == [], document
    assert report.finished["output"]["links"][0]["title"] == "Repository"


@pytest.mark.django_db
def test_database_dry_run_fetches_only_the_chosen_engine(owner, settings, tmp_path):
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "ws"
    ingest(TEMPLATES / "all.yaml")
    template = catalog_selectors.entity_get(kind="template", namespace="default", name="database")
    paths = {}
    for engine in ("postgresql", "mysql", "redis"):
        run = services.run_create(template=template, values={**SAMPLE_VALUES["database"], "engine": engine},
                                  actor=owner, dry_run=True)
        report = RecordingProgress()
        assert runner.run_execute(run_id=run.pk, report=report) == "completed", report.finished["error"]
        paths[engine] = {f["path"] for f in report.finished["dry_run_files"] if f["path"].startswith("kubernetes/")}
    assert paths["postgresql"] == {"kubernetes/cluster.yaml", "kubernetes/README.md"}
    assert paths["mysql"] == paths["redis"] == {"kubernetes/statefulset.yaml", "kubernetes/README.md"}


# --- The skeleton files ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_every_skeleton_file_renders_without_leftover_expressions(name, tmp_path):
    rendered = render_tree(name, tmp_path, only_if_true=False)
    assert rendered
    for path, text in rendered.items():
        leftovers = ACTIONS_EXPRESSION.sub("", text) if path.startswith(".github/") else text
        assert "${{" not in leftovers, path
        assert "{%" not in text and "{#" not in text, path
        if path.endswith((".yaml", ".yml")) and "/templates/" not in path:
            assert list(yaml.safe_load_all(text)) is not None
        elif path.endswith(".json"):
            json.loads(text)
        elif path.endswith(".toml"):
            assert tomllib.loads(text)["project"]["description"] == DESCRIPTION
        elif path.endswith(".py"):
            ast.parse(text, filename=path)


@pytest.mark.parametrize("name", ["go-microservice", "python-service", "frontend-app"])
def test_helm_templates_are_left_for_helm_and_sized_by_tier(name, tmp_path):
    rendered = render_tree(name, tmp_path)
    source = next(source for _, source, _ in skeletons(name))
    for template in (source / "helm" / "templates").iterdir():
        text = template.read_text()
        assert rendered[f"helm/templates/{template.name}"] == text  # untouched: no `${{` in Helm files
    assert "{{ .Values.image.repository }}" in rendered["helm/templates/deployment.yaml"]
    values = yaml.safe_load(rendered["helm/values.yaml"])
    assert values["tier"] == SAMPLE_VALUES[name]["tier"]
    assert set(values["sizing"]) == {"critical", "standard", "experimental"}
    replicas = [values["sizing"][tier]["replicas"] for tier in ("critical", "standard", "experimental")]
    assert replicas == sorted(replicas, reverse=True) and replicas[0] > replicas[-1]
    assert yaml.safe_load(rendered["helm/Chart.yaml"])["name"] == SAMPLE_VALUES[name]["name"]


@pytest.mark.parametrize("name", ["go-microservice", "python-service", "frontend-app"])
def test_ci_workflow_keeps_github_actions_expressions(name, tmp_path):
    text = render_tree(name, tmp_path)[".github/workflows/ci.yaml"]
    assert "${{ github.sha }}" in text and "${{ secrets.REGISTRY_PASSWORD }}" in text
    assert "${{ '${{' }}" not in text
    workflow = yaml.safe_load(text)
    assert {"test", "build"} <= set(workflow["jobs"])
    assert f"registry.acme.example/{SAMPLE_VALUES[name]['name']}" == workflow["env"]["IMAGE"]


def test_go_skeleton_renders_a_valid_component_and_the_seeds_files(tmp_path):
    rendered = render_tree("go-microservice", tmp_path)
    for path in ("main.go", "go.mod", "Dockerfile", "helm/Chart.yaml", "helm/values.yaml",
                 "helm/templates/deployment.yaml", "helm/templates/service.yaml",
                 "helm/templates/servicemonitor.yaml", ".github/workflows/ci.yaml", "catalog-info.yaml",
                 "mkdocs.yml", "docs/index.md", "docs/runbook.md", "README.md", ".gitignore"):
        assert path in rendered, path
    entity = yaml.safe_load(rendered["catalog-info.yaml"])
    assert validate_entity(entity) == []
    assert entity["metadata"]["name"] == "orders-api"
    assert entity["metadata"]["description"] == DESCRIPTION
    assert entity["metadata"]["annotations"] == {"backstage.io/techdocs-ref": "dir:.", "paved.dev/tier": "critical"}
    assert "critical" in entity["metadata"]["tags"]
    assert entity["spec"] == {"type": "service", "lifecycle": "experimental", "owner": "group:default/team-checkout"}
    main = rendered["main.go"]
    for needle in ('"GET /healthz"', '"GET /readyz"', '"GET /metrics"', "OTEL_EXPORTER_OTLP_ENDPOINT",
                   "slog.NewJSONHandler", "server.Shutdown", 'serviceName     = "orders-api"'):
        assert needle in main, needle
    assert rendered["go.mod"].startswith("module acme.example/orders-api\n")
    dockerfile = rendered["Dockerfile"]
    assert dockerfile.count("FROM ") == 2 and "distroless" in dockerfile.split("FROM ")[-1]
    assert yaml.safe_load(rendered["mkdocs.yml"])["nav"] == [{"Overview": "index.md"}, {"Runbook": "runbook.md"}]


@pytest.mark.django_db
@pytest.mark.parametrize("name", NAMES)
def test_rendered_catalog_info_ingests_cleanly(name, tmp_path):
    """What catalog:register will read, as the catalog reads it (placeholders such as $text resolved)."""
    render_tree(name, tmp_path)
    context = step_context(name)
    for step in template_doc(name)["spec"]["steps"]:
        if step["action"] == "catalog:write":
            entity = render_value(step["input"]["entity"], context)
            (tmp_path / step["input"]["filePath"]).write_text(yaml.safe_dump(entity, sort_keys=False))
    ingest(tmp_path / "catalog-info.yaml")
    assert list(ProcessingError.objects.values_list("message", flat=True)) == []
    assert Entity.objects.exclude(kind__iexact="location").exists()


@pytest.mark.django_db
def test_openapi_service_provides_its_api_with_the_spec_as_definition(tmp_path):
    rendered = render_tree("openapi-service", tmp_path)
    ingest(tmp_path / "catalog-info.yaml")
    api = catalog_selectors.entity_get(kind="api", namespace="default", name="orders-api-api")
    component = catalog_selectors.entity_get(kind="component", namespace="default", name="orders-api")
    assert component.body["spec"]["providesApis"] == ["orders-api-api"]
    assert api.body["spec"]["definition"] == rendered["openapi.yaml"]
    assert api.body["spec"]["system"] == "system:default/checkout-system"


def test_openapi_stub_routes_match_the_spec_paths(tmp_path):
    rendered = render_tree("openapi-service", tmp_path)
    spec = yaml.safe_load(rendered["openapi.yaml"])
    assert spec["openapi"].startswith("3.")
    in_spec = {(method, path) for path, item in spec["paths"].items()
               for method in item if method in {"get", "post", "put", "patch", "delete"}}
    served = set(re.findall(r'^@app\.(get|post|put|patch|delete)\("([^"]+)"', rendered["app/main.py"], re.M))
    assert served == {(m, p) for m, p in in_spec} and len(served) >= 4


@pytest.mark.parametrize(("name", "kind", "extra"), [
    ("database", "Resource", {"type": "database", "dependencyOf": ["component:default/cart-service"]}),
    ("environment", "Resource", {"type": "environment"}),
    ("team", "Group", {"type": "team", "parent": "group:default/dept-commerce", "children": [],
                       "members": ["user:default/li.wei", "user:default/tom.becker"]}),
])
def test_catalog_write_entities_are_valid(name, kind, extra):
    step = next(s for s in template_doc(name)["spec"]["steps"] if s["action"] == "catalog:write")
    entity = render_value(step["input"]["entity"], step_context(name))
    assert validate_entity(entity) == []
    assert entity["kind"] == kind and entity["metadata"]["name"] == SAMPLE_VALUES[name]["name"]
    assert extra.items() <= entity["spec"].items()


def test_database_sizes_follow_the_size_parameter():
    step = next(s for s in template_doc("database")["spec"]["steps"] if s["id"] == "fetch-docs")
    sized = {}
    for size in ("small", "medium", "large"):
        context = {"parameters": {**SAMPLE_VALUES["database"], "size": size}}
        values = render_value(step["input"]["values"], context)
        sized[size] = (values["instances"], values["storage"])
    assert sized == {"small": (1, "10Gi"), "medium": (2, "50Gi"), "large": (3, "200Gi")}


# --- A real run, end to end on the built-in git host -----------------------------------------------

# publish:git creates the repository for the template's owner answer, so the person running the
# templates belongs to the teams in SAMPLE_VALUES (the team template names none: its repository is
# the person's own).
TEAMS_YAML = "".join(f"""---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {{name: {team}}}
spec: {{type: team, children: [], members: [owner]}}
""" for team in ("team-checkout", "team-web", "team-platform"))


@pytest.fixture
def member(owner, tmp_path):
    """`owner`, a member of the teams the sample answers name."""
    path = tmp_path / "teams.yaml"
    path.write_text(TEAMS_YAML)
    ingest(path)
    return owner


REGISTERED = {
    "go-microservice": "component:default/orders-api", "python-service": "component:default/orders-api",
    "frontend-app": "component:default/orders-web", "openapi-service": "component:default/orders-api",
    "database": "resource:default/postgresql-carts", "team": "group:default/team-loyalty",
    "environment": "resource:default/staging",
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", NAMES)
def test_real_run_publishes_the_repository_and_registers_the_entity(name, member, settings, tmp_path):
    from githost import services as githost

    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "ws"
    settings.PAVED_GIT_ROOT = tmp_path / "git"
    ingest(TEMPLATES / "all.yaml")
    template = catalog_selectors.entity_get(kind="template", namespace="default", name=name)
    run = services.run_create(template=template, values=SAMPLE_VALUES[name], actor=member)
    report = RecordingProgress()
    status = runner.run_execute(run_id=run.pk, report=report)
    assert status == "completed", report.finished["error"]
    expected = [(step["id"], "completed" if evaluate_condition(step.get("if"), step_context(name)) else "skipped")
                for step in template_doc(name)["spec"]["steps"]]
    assert report.steps == expected
    links = {link["title"]: link for link in report.finished["output"]["links"]}
    assert links["Open in catalog"]["entityRef"] == REGISTERED[name]
    kind, _, entity_name = REGISTERED[name].partition(":default/")
    entity = catalog_selectors.entity_get(kind=kind, namespace="default", name=entity_name)
    assert entity is not None
    assert not ProcessingError.objects.exists()
    repo = "env-staging" if name == "environment" else SAMPLE_VALUES[name]["name"]
    assert githost.repo_read_file(owner="acme", name=repo, ref="main", path="catalog-info.yaml")
    owner_ref = SAMPLE_VALUES[name].get("owner", "user:default/owner")
    assert githost.repo_get(owner="acme", name=repo).owner_ref == owner_ref


@pytest.mark.django_db
def test_go_run_commits_namespace_argocd_app_and_monitors_to_gitops(member, settings, tmp_path):
    from githost import services as githost

    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "ws"
    settings.PAVED_GIT_ROOT = tmp_path / "git"
    ingest(TEMPLATES / "all.yaml")
    template = catalog_selectors.entity_get(kind="template", namespace="default", name="go-microservice")
    run = services.run_create(template=template, values=SAMPLE_VALUES["go-microservice"], actor=member)
    report = RecordingProgress()
    assert runner.run_execute(run_id=run.pk, report=report) == "completed", report.finished["error"]
    gitops_owner, _, gitops_name = settings.PAVED_GITOPS_REPO.partition("/")

    def gitops(path: str) -> dict:
        return yaml.safe_load(githost.repo_read_file(owner=gitops_owner, name=gitops_name, ref="main", path=path))

    namespace = gitops("namespaces/orders-api/namespace.yaml")
    assert namespace["metadata"]["labels"]["team"] == "team-checkout"
    assert namespace["metadata"]["labels"]["tier"] == "critical"
    application = gitops("argocd/applications/orders-api.yaml")
    assert application["spec"]["source"]["path"] == "helm/"
    assert application["spec"]["destination"]["namespace"] == "orders-api"
    assert gitops("monitoring/orders-api/golden-signals.yaml")
    chart = githost.repo_read_file(owner="acme", name="orders-api", ref="main", path="helm/templates/deployment.yaml")
    assert b"{{ .Values.image.repository }}" in chart


# --- The same run at a public address other than 127.0.0.1:8000 (issue 11, items 5 and 6) ------------


@pytest.mark.django_db
def test_a_golden_path_behind_a_public_url_publishes_and_prints_only_that_url(member, settings, tmp_path, client):
    """PAVED_PUBLIC_URL=https://paved.example.com (settings derive PAVED_GIT_HOST from it): the demo
    template, which names the host `paved`, publishes, and the clone URL, the task's links, the
    catalog's source annotations and the API's events all use the public URL, never 127.0.0.1:8000."""
    from githost import services as githost

    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "ws"
    settings.PAVED_GIT_ROOT = tmp_path / "git"
    settings.PAVED_PUBLIC_URL = "https://paved.example.com"
    settings.PAVED_GIT_HOST = "paved.example.com"
    public = "https://paved.example.com/git/acme/orders-api"
    ingest(TEMPLATES / "all.yaml")
    template = catalog_selectors.entity_get(kind="template", namespace="default", name="python-service")
    run = services.run_create(template=template, values=SAMPLE_VALUES["python-service"], actor=member)
    ScaffoldRun.objects.filter(pk=run.pk).update(status=ScaffoldRun.Status.PROCESSING)  # as a worker claims it
    assert runner.run_execute(run_id=run.pk) == "completed", ScaffoldRun.objects.get(pk=run.pk).error

    assert githost.repo_read_file(owner="acme", name="orders-api", ref="main", path="catalog-info.yaml")
    run.refresh_from_db()
    links = {link["title"]: link for link in run.output["links"]}
    assert links["Repository"]["url"] == f"{public}.git"  # Backstage's remoteUrl: the clone URL
    assert f"**Repository**: {public}.git" in run.output["text"]
    entity = catalog_selectors.entity_get(kind="component", namespace="default", name="orders-api")
    annotations = entity.body["metadata"]["annotations"]
    assert annotations["backstage.io/managed-by-location"] == f"url:{public}/blob/main/catalog-info.yaml"
    assert annotations["backstage.io/source-location"] == f"url:{public}/blob/main/"
    assert Location.objects.filter(target=f"{public}/blob/main/catalog-info.yaml").exists()

    client.force_login(member)
    page = client.get(f"/create/tasks/{run.pk}/").content.decode()
    # The Repository link opens the repository page; the clone URL sits beside it with a copy button.
    assert f'href="{public}"' in page
    assert f'value="{public}.git"' in page and 'data-copy="#run-clone-url-1"' in page
    assert "js/copy.js" in page
    assert f"<strong>Repository</strong>: {public}.git" in page  # the template's Markdown summary is shown
    events = client.get(f"/api/scaffolder/v2/tasks/{run.pk}/events").content.decode()
    assert f"{public}.git" in events
    for text in (page, events, json.dumps(run.output), json.dumps(entity.body)):
        assert "127.0.0.1:8000" not in text and "//paved/" not in text
