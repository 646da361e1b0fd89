"""notification:send: broadcast, entity refs through group membership, optional, and no double send on retry."""

from functools import partial

import pytest

from catalog.tests.factories import yaml_load
from core.models import Notification
from scaffolding.actions.base import ActionInputError
from scaffolding.actions.notification import NotificationSend
from scaffolding.tests.helpers import olive_ctx

pytestmark = pytest.mark.django_db
make_ctx = partial(olive_ctx, task_id="task-5", step_id="notify")

PEOPLE = """
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: platform}
spec: {type: team, children: [sre]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: sre}
spec: {type: team, parent: platform, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: owner}
spec: {memberOf: [platform]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: pager}
spec: {profile: {email: teammate@example.com}, memberOf: [sre]}
"""


@pytest.fixture
def people(tmp_path, owner, teammate, outsider, settings):
    settings.PAVED_FILE_ROOTS = [str(tmp_path)]
    yaml_load(tmp_path, PEOPLE, name="people.yaml")


def recipients() -> list[str]:
    return sorted(Notification.objects.values_list("recipient__username", flat=True))


def test_entity_recipients_include_child_groups_and_email_matches(people, tmp_path):
    ctx = make_ctx(tmp_path, recipients="entity", entityRefs=["group:default/platform"], title="Service ready",
                   info="orders is live", link="/catalog/default/component/orders/", severity="high")
    NotificationSend().run(ctx)
    assert recipients() == ["owner", "teammate"]  # teammate is User pager by e-mail, a member of child group sre
    row = Notification.objects.first()
    assert row.origin == "scaffolder:task:task-5" and row.severity == "high"
    NotificationSend().run(make_ctx(tmp_path, checkpoint=ctx.checkpoint, recipients="entity",
                                    entityRefs=["group:default/platform"], title="Service ready"))
    assert Notification.objects.count() == 2, "a retry does not send twice"


def test_broadcast_reaches_everyone(people, tmp_path):
    NotificationSend().run(make_ctx(tmp_path, recipients="broadcast", title="Maintenance tonight"))
    assert recipients() == ["outsider", "owner", "teammate"]


@pytest.mark.parametrize("inputs, message", [
    ({"recipients": "entity"}, "entityRefs"),
    ({"recipients": "entity", "entityRefs": "group:default/platform"}, "entityRefs"),
    ({"recipients": "everyone"}, "recipients"),
    ({"recipients": "broadcast", "link": "javascript:alert(1)"}, "link"),
    ({"recipients": "broadcast", "severity": "extreme"}, "severity"),
])
def test_bad_inputs_fail_naming_the_field(people, tmp_path, inputs, message):
    with pytest.raises(ActionInputError, match=message):
        NotificationSend().run(make_ctx(tmp_path, title="t", **inputs))
    assert not Notification.objects.exists()


def test_optional_turns_a_failure_into_a_log_line(people, tmp_path):
    ctx = make_ctx(tmp_path, recipients="everyone", title="t", optional=True)
    NotificationSend().run(ctx)
    assert "notification not sent (optional)" in ctx.lines[-1]
