"""A real run tells the person who started it how it ended (the bell); a dry run tells nobody."""

import pytest

from core.models import Notification
from scaffolding import runner, services
from scaffolding.tests.helpers import HELLO_TEMPLATE, template_load

pytestmark = pytest.mark.django_db


def run_template(template, owner, *, dry_run: bool, name: str = "web-app") -> str:
    run = services.run_create(template=template, values={"name": name}, actor=owner, dry_run=dry_run)
    assert services.run_claim(run_id=run.pk, task_id="test")
    runner.run_execute(run_id=run.pk)
    return str(run.pk)


def test_the_creator_is_told_when_a_run_ends(tmp_path, owner, settings):
    settings.PAVED_FILE_ROOTS = [str(tmp_path)]
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "ws"
    template = template_load(tmp_path, HELLO_TEMPLATE, name="hello")
    run_id = run_template(template, owner, dry_run=False)
    note = Notification.objects.get()
    assert note.recipient == owner and note.title == "Hello finished"
    assert note.link == f"/create/tasks/{run_id}/" and note.severity == "normal"


def test_a_dry_run_tells_nobody(tmp_path, owner, settings):
    settings.PAVED_FILE_ROOTS = [str(tmp_path)]
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "ws"
    template = template_load(tmp_path, HELLO_TEMPLATE, name="hello")
    run_template(template, owner, dry_run=True)
    assert not Notification.objects.exists()
