"""A failed docs build tells the entity's owners (the owning group's members) once per source version."""

import pytest

from catalog.tests.factories import yaml_load
from core.models import Notification
from techdocs import services
from techdocs.models import DocsBuild

pytestmark = pytest.mark.django_db

TEAM = """
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-docs}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: owner}
spec: {memberOf: [team-docs]}
"""


def test_a_failed_build_notifies_the_owning_team_once(documented, tmp_path, owner, outsider):
    yaml_load(tmp_path, TEAM, name="team.yaml")
    root = documented("ledger")
    (root / "mkdocs.yml").write_text("site_name: x\nhooks: [evil.py]\n")
    failed = services.docs_build_here(build_id=services.docs_scan(enqueue=False)[0])
    assert failed.status == DocsBuild.Status.FAILED
    note = Notification.objects.get()
    assert note.recipient == owner and note.title == "Docs build failed for ledger"
    assert "hooks:" in note.description and note.link == "/docs/default/component/ledger/-/build/"
    again = services.docs_build_request(site=failed.site, enqueue=False)
    assert again.pk != failed.pk
    services.docs_build_here(build_id=again.pk)
    assert DocsBuild.objects.filter(status=DocsBuild.Status.FAILED).count() == 2
    assert Notification.objects.count() == 1, "a rebuild of the same source tells nobody again"


def test_a_successful_build_tells_nobody(documented, tmp_path, owner):
    yaml_load(tmp_path, TEAM, name="team.yaml")
    documented("ledger")
    services.docs_build_here(build_id=services.docs_scan(enqueue=False)[0])
    assert not Notification.objects.exists()
