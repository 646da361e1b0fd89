"""pagerduty:service:create and slack:channel:create against recording servers that answer like the real APIs."""

from functools import partial
from urllib.parse import parse_qs, urlsplit

import pytest

from scaffolding.actions.base import ActionError, ActionInputError
from scaffolding.actions.oncall import PagerDutyServiceCreate, SlackChannelCreate
from scaffolding.tests.helpers import RecordingApi, olive_ctx

make_ctx = partial(olive_ctx, task_id="task-11", step_id="oncall")


class FakePagerDuty:
    def __init__(self):
        self.services, self.policies = [], []

    def __call__(self, method, path, body):
        route, query = urlsplit(path).path, parse_qs(urlsplit(path).query)
        if route == "/users":
            return 200, {"users": [{"id": "PUSER01", "email": "olive@example.com"}]}
        if route in ("/services", "/escalation_policies"):
            items = self.services if route == "/services" else self.policies
            key = "service" if route == "/services" else "escalation_policy"
            if method == "GET":
                return 200, {route[1:]: [i for i in items if query.get("query", [""])[0] in i["name"]]}
            item = {**body[key], "id": f"P{len(items) + 1:06d}", "html_url": f"https://acme.pagerduty.com/{key}/x",
                    "integrations": []}
            items.append(item)
            return 201, {key: item}
        if route.endswith("/integrations") and method == "POST":
            service = next(s for s in self.services if route.startswith(f"/services/{s['id']}"))
            integration = {"id": "PINT001", "type": body["integration"]["type"], "integration_key": "key-123"}
            service["integrations"].append(integration)
            return 201, {"integration": integration}
        if "/integrations/" in route:
            return 200, {"integration": {"id": "PINT001", "integration_key": "key-123"}}
        return 404, {"error": {"message": "Not Found"}}


@pytest.fixture
def pagerduty(settings):
    api = RecordingApi(FakePagerDuty())
    settings.PAVED_PAGERDUTY_TOKEN = "pd-token"
    settings.PAVED_PAGERDUTY_API_URL = api.url
    yield api
    api.close()


def test_service_policy_and_integration_are_made_once(pagerduty, tmp_path):
    ctx = make_ctx(tmp_path, name="payments-api", description="Payments", alertGrouping="intelligent")
    PagerDutyServiceCreate().run(ctx)
    posts = [c for c in pagerduty.calls if c["method"] == "POST"]
    assert [c["path"] for c in posts] == ["/escalation_policies", "/services", "/services/P000001/integrations"]
    assert posts[0]["body"]["escalation_policy"]["escalation_rules"][0]["targets"] == [
        {"id": "PUSER01", "type": "user_reference"}]
    assert posts[1]["body"]["service"]["escalation_policy"] == {"id": "P000001", "type": "escalation_policy_reference"}
    assert posts[1]["body"]["service"]["alert_grouping_parameters"] == {"type": "intelligent"}
    assert ctx.outputs == {"serviceUrl": "https://acme.pagerduty.com/service/x", "serviceId": "P000001",
                           "integrationKey": "key-123"}
    assert pagerduty.calls[0]["headers"]["authorization"] == "Token token=pd-token"
    retry = make_ctx(tmp_path, checkpoint=ctx.checkpoint, name="payments-api", description="Payments")
    PagerDutyServiceCreate().run(retry)
    assert len([c for c in pagerduty.calls if c["method"] == "POST"]) == 3, "a retry reuses what the step made"
    assert retry.outputs["integrationKey"] == "key-123"


def test_a_service_someone_else_made_is_refused(pagerduty, tmp_path):
    PagerDutyServiceCreate().run(make_ctx(tmp_path, name="orders", description="x", escalationPolicyId="PPOL123"))
    with pytest.raises(ActionError, match="already exists"):
        PagerDutyServiceCreate().run(make_ctx(tmp_path, name="orders", description="x", escalationPolicyId="PPOL123"))


@pytest.mark.parametrize("inputs, message", [
    ({"name": " "}, "name"), ({"escalationPolicyId": "../users"}, "escalationPolicyId"),
    ({"alertGrouping": "chaos"}, "alertGrouping"),
])
def test_bad_pagerduty_inputs_are_named(pagerduty, tmp_path, inputs, message):
    with pytest.raises(ActionInputError, match=message):
        PagerDutyServiceCreate().run(make_ctx(tmp_path, **{"name": "svc", "description": "d", **inputs}))
    assert pagerduty.calls == []


def test_without_tokens_the_settings_are_named(settings, tmp_path):
    settings.PAVED_PAGERDUTY_TOKEN = None
    settings.PAVED_SLACK_TOKEN = None
    with pytest.raises(ActionError, match="PAVED_PAGERDUTY_TOKEN"):
        PagerDutyServiceCreate().run(make_ctx(tmp_path, name="svc", description="d"))
    with pytest.raises(ActionError, match="PAVED_SLACK_TOKEN"):
        SlackChannelCreate().run(make_ctx(tmp_path, name="svc-x"))


class FakeSlack:
    def __init__(self):
        self.channels = {}

    def __call__(self, method, path, body):
        route, query = urlsplit(path).path, parse_qs(urlsplit(path).query)
        if route == "/conversations.create":
            if body["name"] in self.channels:
                return 200, {"ok": False, "error": "name_taken"}
            self.channels[body["name"]] = {"id": f"C{len(self.channels) + 1:08d}", "name": body["name"]}
            return 200, {"ok": True, "channel": self.channels[body["name"]]}
        if route == "/users.lookupByEmail":
            email = query["email"][0]
            return 200, ({"ok": True, "user": {"id": "U1"}} if email == "olive@example.com"
                         else {"ok": False, "error": "users_not_found"})
        return 200, {"ok": True}


@pytest.fixture
def slack(settings):
    api = RecordingApi(FakeSlack())
    settings.PAVED_SLACK_TOKEN = "xoxb-token"
    settings.PAVED_SLACK_API_URL = api.url
    yield api
    api.close()


def test_channel_topic_and_invites(slack, tmp_path):
    ctx = make_ctx(tmp_path, name="#svc-payments", topic="Payments API", inviteEmails=["olive@example.com",
                                                                                       "ghost@example.com"])
    SlackChannelCreate().run(ctx)
    assert [c["path"].split("?")[0] for c in slack.calls] == [
        "/conversations.create", "/conversations.setTopic", "/users.lookupByEmail", "/users.lookupByEmail",
        "/conversations.invite"]
    assert slack.calls[4]["body"] == {"channel": "C00000001", "users": "U1"}
    assert ctx.outputs == {"channelId": "C00000001", "channelName": "svc-payments"}
    assert "ghost@example.com is not in the Slack workspace" in " ".join(ctx.lines)
    assert slack.calls[0]["headers"]["authorization"] == "Bearer xoxb-token"
    retry = make_ctx(tmp_path, checkpoint=ctx.checkpoint, name="svc-payments")
    SlackChannelCreate().run(retry)
    assert retry.outputs["channelId"] == "C00000001"
    with pytest.raises(ActionError, match="already exists"):
        SlackChannelCreate().run(make_ctx(tmp_path, name="svc-payments"))


@pytest.mark.parametrize("inputs, message", [
    ({"name": "Payments API"}, "name"), ({"name": "a" * 81}, "name"),
    ({"inviteEmails": ["not-an-email"]}, "inviteEmails"), ({"inviteEmails": "a@b.c"}, "inviteEmails"),
])
def test_bad_slack_inputs_are_named(slack, tmp_path, inputs, message):
    with pytest.raises(ActionInputError, match=message):
        SlackChannelCreate().run(make_ctx(tmp_path, **{"name": "svc-x", **inputs}))
    assert slack.calls == []
