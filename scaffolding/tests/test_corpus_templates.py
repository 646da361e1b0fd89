"""Every template in ../shared/corpus/templates/ is parsed; those whose actions are all installed
pass a dry run through the real runner (their skeletons rendered in a throwaway workspace)."""

import base64
from pathlib import Path

import pytest
import yaml

from catalog.models import Entity, ProcessingError
from catalog.tests.factories import location_load
from core.testing import CORPUS_DIR, shared_missing_reason
from scaffolding import runner, selectors, services
from scaffolding.actions import action_registry
from scaffolding.tests.corpus_values import sample_values

CORPUS = CORPUS_DIR / "templates"
TEMPLATE_FILES = sorted(CORPUS.glob("*/template.yaml"))
# Answers the generic sampler cannot guess: a oneOf branch, a pattern that wants a code.
OVERRIDES = {
    "RoadieHQ__software-templates__scaffolder-templates__oneof-example__oneof-example": {"lorem": "dolor"},
    "ikto-cma-cgm__backstage-templates__swagger-template": {"hopexComponentCode": "CP1"},
}

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(not CORPUS.is_dir(), reason=shared_missing_reason(CORPUS))]


def documents(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def fetches_from_the_internet(document: dict) -> bool:
    """Steps that fetch skeletons from github.com and the like: this machine has no network."""
    return any(str((step.get("input") or {}).get("url", "")).startswith(("http://", "https://"))
               for step in document["spec"].get("steps") or [] if str(step.get("action")).startswith("fetch:"))


def fetches_outside_its_folder(document: dict) -> bool:
    """Steps that fetch `../` skeletons: read from a local file, as here, Backstage refuses them too
    (resolveSafeChildPath); they work from a repository location, where the url resolves on the host
    (test_corpus_from_repository.py registers them so and dry-runs them)."""
    return any(str((step.get("input") or {}).get("url", "")).startswith("../")
               for step in document["spec"].get("steps") or [] if str(step.get("action")).startswith("fetch:"))


def installed(document: dict) -> bool:
    actions = action_registry()
    return document.get("apiVersion") == "scaffolder.backstage.io/v1beta3" and all(
        step.get("action") in actions for step in document["spec"].get("steps") or [])


def runnable(document: dict) -> bool:
    return installed(document) and not fetches_from_the_internet(document) and not fetches_outside_its_folder(document)


def dry_run(path: Path, document: dict, owner):
    """Dry-run the corpus template `document` of `path` with sampled answers; returns (status, run)."""
    template = selectors.template_get(namespace="default", name=document["metadata"]["name"])
    values = {}
    for step in selectors.template_parameter_steps(template=template):
        values.update(sample_values(step["schema"]))
    values.update(OVERRIDES.get(path.parent.name, {}))
    run = services.run_create(template=template, values=values, actor=owner, dry_run=True)
    assert services.run_claim(run_id=run.pk, task_id="test")
    status = runner.run_execute(run_id=run.pk)
    run.refresh_from_db()
    return status, run


def test_the_corpus_is_there():
    assert len(TEMPLATE_FILES) >= 30


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.parent.name)
def test_every_corpus_template_is_parsed(path):
    location_load(path)
    for document in documents(path):
        name = document["metadata"]["name"]
        stored = Entity.objects.filter(ref=f"template:default/{name}".lower()).first()
        if document["apiVersion"] == "backstage.io/v1beta2":
            assert stored is None
            message = " ".join(ProcessingError.objects.values_list("message", flat=True))
            assert "migrate" in message and "scaffolder.backstage.io/v1beta3" in message
            continue
        errors = list(ProcessingError.objects.values_list("message", flat=True))
        assert stored is not None, errors
        steps = selectors.template_parameter_steps(template=stored)
        assert isinstance(steps, list)


DRY_RUNNABLE = [p for p in TEMPLATE_FILES if any(runnable(d) for d in documents(p))]
NEEDS_NETWORK = [p for p in TEMPLATE_FILES if any(installed(d) and fetches_from_the_internet(d)
                                                  for d in documents(p))]
OUTSIDE_FOLDER = [p for p in TEMPLATE_FILES if p not in NEEDS_NETWORK and any(
    installed(d) and fetches_outside_its_folder(d) for d in documents(p))]


def test_the_dry_run_set_is_most_of_the_runnable_corpus():
    assert len(DRY_RUNNABLE) >= 12 and len(NEEDS_NETWORK) <= 2


@pytest.mark.parametrize("path", NEEDS_NETWORK, ids=lambda p: p.parent.name)
def test_templates_that_fetch_from_the_internet_fail_saying_so(path, settings, tmp_path, owner):
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "ws"
    location_load(path)
    document = next(d for d in documents(path) if installed(d))
    status, run = dry_run(path, document, owner)
    assert status == "failed"
    assert "github.com" in run.error and "built-in git host" in run.error


@pytest.mark.parametrize("path", DRY_RUNNABLE, ids=lambda p: p.parent.name)
def test_corpus_templates_with_installed_actions_pass_a_dry_run(path, settings, tmp_path, owner):
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "ws"
    settings.PAVED_GIT_ROOT = tmp_path / "git"
    location_load(path)
    for document in (d for d in documents(path) if runnable(d)):
        status, run = dry_run(path, document, owner)
        assert status == "completed", f"{path.parent.name}: {run.error}"
        for item in run.dry_run_files:
            base64.b64decode(item["base64Content"])
        assert not (tmp_path / "git").exists() or not any((tmp_path / "git").iterdir()), "no side effects"


@pytest.mark.parametrize("path", OUTSIDE_FOLDER, ids=lambda p: p.parent.name)
def test_templates_that_fetch_outside_their_folder_fail_saying_so(path, settings, tmp_path, owner):
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "ws"
    location_load(path)
    document = next(d for d in documents(path) if installed(d) and fetches_outside_its_folder(d))
    status, run = dry_run(path, document, owner)
    assert status == "failed"
    assert "leads outside the template's own directory" in run.error
    assert "register the template from a repository" in run.error
