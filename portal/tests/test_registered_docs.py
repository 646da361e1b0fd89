"""Across apps (the portal sits above them all): a scaffolder run that registers a documented component
gets its docs built, through the catalog's entities_stored signal that TechDocs listens to (the
scaffolder and TechDocs are siblings and never import each other)."""


import pytest

from scaffolding import runner
from scaffolding.actions.catalog import CatalogRegister
from scaffolding.models import ScaffoldRun, ScaffoldStep
from scaffolding.services import step_id_of
from scaffolding.tests_support import RecordingProgress
from techdocs import tasks
from techdocs.models import DocsBuild
from techdocs.tests.conftest import documented_repo_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def repo(settings, tmp_path):
    settings.PAVED_GIT_ROOT = tmp_path / "git"
    settings.PAVED_TECHDOCS_DIR = tmp_path / "docs-storage"
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "ws"
    return documented_repo_create()


def test_a_run_registering_a_documented_component_without_a_step_id_gets_a_docs_build(
        repo, monkeypatch, django_capture_on_commit_callbacks):
    steps = [{"action": "catalog:register", "input": {"repoContentsUrl": repo}}]  # no id: Backstage's step-1
    run = ScaffoldRun.objects.create(template_ref="template:default/t", spec={"steps": steps, "output": {}},
                                     values={}, status=ScaffoldRun.Status.PROCESSING)
    ScaffoldStep.objects.create(run=run, index=0, step_id=step_id_of(steps[0], 0), name="register",
                                action="catalog:register")
    enqueued, builds = [], []
    monkeypatch.setattr(tasks.docs_entities_registered, "delay", lambda refs: enqueued.append(refs))
    monkeypatch.setattr(tasks.docs_build_execute, "delay", lambda build_id: builds.append(build_id))
    with django_capture_on_commit_callbacks(execute=True):
        status = runner.run_execute(run_id=run.pk, report=RecordingProgress(),
                                    actions={"catalog:register": CatalogRegister()})
    assert status == "completed"
    assert enqueued == [["component:default/ledger"]]
    with django_capture_on_commit_callbacks(execute=True):
        tasks.docs_entities_registered(enqueued[0])  # what the worker runs
    build = DocsBuild.objects.get()
    assert build.site.entity_ref == "component:default/ledger" and build.reason == DocsBuild.Reason.REGISTERED
    assert builds == [build.pk]
