"""On-call and chat for a new service, as the seed's golden path promises: `pagerduty:service:create`
(a PagerDuty service, its escalation policy when none is given, and an Events API v2 integration) and
`slack:channel:create` (a channel `#svc-<name>`, its topic, and the people to invite).

`pagerduty:service:create` keeps the inputs and outputs of the PagerDuty community plugin's action
(name, description, escalationPolicyId, alertGrouping -> serviceUrl, serviceId, integrationKey).
Both use the portal's tokens (PAVED_PAGERDUTY_TOKEN, PAVED_SLACK_TOKEN); without one the step fails
naming the setting. Both are retry-safe: a service or channel of that name is found and reused
(PagerDuty's and Slack's names are unique), never made twice.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.conf import settings

from scaffolding.actions._publish import api_request
from scaffolding.actions.base import Action, ActionContext, ActionError, ActionInputError

SLACK_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PD_ID_RE = re.compile(r"^[A-Z0-9]{5,20}$")
MAX_INVITES = 50


# --- PagerDuty ------------------------------------------------------------------------------------


def _pagerduty(method: str, path: str, body=None):
    token = settings.PAVED_PAGERDUTY_TOKEN
    if not token:
        raise ActionError("pagerduty:service:create needs a PagerDuty REST API key: set PAVED_PAGERDUTY_TOKEN on "
                          "the workers, or let the template skip this step")
    return api_request(method, settings.PAVED_PAGERDUTY_API_URL + path, service="PagerDuty", body=body, headers={
        "Authorization": f"Token token={token}", "Accept": "application/vnd.pagerduty+json;version=2"}) or {}


def _find_by_name(collection: str, name: str) -> dict | None:
    answer = _pagerduty("GET", f"/{collection}?" + urlencode({"query": name, "limit": 100}))
    return next((item for item in answer.get(collection) or [] if item.get("name") == name), None)


class PagerDutyServiceCreate(Action):
    id = "pagerduty:service:create"
    description = ("Create a PagerDuty service with an Events API v2 integration; without escalationPolicyId, "
                   "an escalation policy paging the person running the task is made too.")
    input_schema = {"type": "object", "required": ["name", "description"], "properties": {
        "name": {"type": "string", "title": "Name", "description": "Name of the service"},
        "description": {"type": "string", "title": "Description"},
        "escalationPolicyId": {"type": "string", "title": "Escalation policy ID"},
        "alertGrouping": {"type": "string", "title": "Alert grouping",
                          "enum": ["time", "intelligent", "content_based", "null"]},
    }}
    output_schema = {"type": "object", "properties": {
        "serviceUrl": {"type": "string", "examples": ["https://acme.pagerduty.com/service-directory/PABC123"]},
        "serviceId": {"type": "string", "examples": ["PABC123"]},
        "integrationKey": {"type": "string", "examples": ["0123456789abcdef0123456789abcdef"]},
    }}

    def run(self, ctx: ActionContext) -> None:
        name = " ".join(str(ctx.input.get("name") or "").split())
        if not name or len(name) > 255:
            raise ActionInputError("name: a service needs a name of at most 255 characters")
        policy_id = str(ctx.input.get("escalationPolicyId") or "").strip()
        if policy_id and not PD_ID_RE.match(policy_id):
            raise ActionInputError(f"escalationPolicyId: {policy_id!r} is not a PagerDuty id (like PABC123)")
        grouping = ctx.input.get("alertGrouping")
        if grouping not in (None, "", "time", "intelligent", "content_based", "null"):
            raise ActionInputError("alertGrouping: expected time, intelligent, content_based or null")
        service = _find_by_name("services", name)
        if service is not None and ctx.checkpoint.get("service_id") != service.get("id"):
            raise ActionError(f"a PagerDuty service named {name!r} already exists; choose another name")
        if service is None:
            policy_id = policy_id or self._escalation_policy(ctx, name)
            body = {"type": "service", "name": name, "description": str(ctx.input.get("description") or ""),
                    "escalation_policy": {"id": policy_id, "type": "escalation_policy_reference"},
                    "alert_creation": "create_alerts_and_incidents"}
            if grouping and grouping != "null":
                body["alert_grouping_parameters"] = {"type": grouping}
            service = _pagerduty("POST", "/services", {"service": body}).get("service") or {}
            ctx.checkpoint["service_id"] = service.get("id")
            ctx.record_created("pagerduty-service", name, str(service.get("html_url") or ""))
            ctx.log(f"created the PagerDuty service {name}")
        integration = self._integration(service)
        ctx.output("serviceUrl", service.get("html_url"))
        ctx.output("serviceId", service.get("id"))
        ctx.output("integrationKey", integration.get("integration_key"))

    @staticmethod
    def _escalation_policy(ctx: ActionContext, name: str) -> str:
        policy_name = f"{name} escalation"[:255]
        policy = _find_by_name("escalation_policies", policy_name)
        if policy is None:
            email = ctx.user.email
            users = _pagerduty("GET", "/users?" + urlencode({"query": email})).get("users") if email else []
            user = next((u for u in users or [] if str(u.get("email", "")).lower() == email.lower()), None)
            if user is None:
                raise ActionError(f"no escalationPolicyId given and no PagerDuty user has the e-mail {email!r} of "
                                  "the person running the task to page; give escalationPolicyId")
            policy = _pagerduty("POST", "/escalation_policies", {"escalation_policy": {
                "type": "escalation_policy", "name": policy_name, "escalation_rules": [{
                    "escalation_delay_in_minutes": 30,
                    "targets": [{"id": user["id"], "type": "user_reference"}]}]}}).get("escalation_policy") or {}
            ctx.record_created("pagerduty-escalation-policy", policy_name, str(policy.get("html_url") or ""))
            ctx.log(f"created the escalation policy {policy_name} paging {email}")
        return str(policy.get("id"))

    @staticmethod
    def _integration(service: dict) -> dict:
        path = f"/services/{service.get('id')}/integrations"
        found = [i for i in (service.get("integrations") or []) if i.get("type") == "events_api_v2_inbound_integration"]
        if found:
            return _pagerduty("GET", f"{path}/{found[0]['id']}").get("integration") or {}
        return _pagerduty("POST", path, {"integration": {
            "type": "events_api_v2_inbound_integration", "name": "Paved"}}).get("integration") or {}


# --- Slack ----------------------------------------------------------------------------------------


def _slack(method: str, body: dict | None = None, query: dict | None = None) -> dict:
    token = settings.PAVED_SLACK_TOKEN
    if not token:
        raise ActionError("slack:channel:create needs a Slack bot token: set PAVED_SLACK_TOKEN on the workers, or let "
                          "the template skip this step")
    url = f"{settings.PAVED_SLACK_API_URL}/{method}" + (f"?{urlencode(query)}" if query else "")
    return api_request("POST" if body is not None else "GET", url, service="Slack", body=body,
                       headers={"Authorization": f"Bearer {token}"}) or {}


class SlackChannelCreate(Action):
    id = "slack:channel:create"
    description = "Create a Slack channel (e.g. #svc-<name>), set its topic and invite people by e-mail."
    input_schema = {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string", "description": "Channel name without '#': lowercase, digits, '-' and '_'"},
        "isPrivate": {"type": "boolean", "default": False},
        "topic": {"type": "string"},
        "inviteEmails": {"type": "array", "items": {"type": "string"}, "description": "People to invite"},
    }}
    output_schema = {"type": "object", "properties": {
        "channelId": {"type": "string", "examples": ["C0123456789"]},
        "channelName": {"type": "string", "examples": ["svc-payments"]},
    }}

    def run(self, ctx: ActionContext) -> None:
        name = str(ctx.input.get("name") or "").strip().lstrip("#")
        if not SLACK_NAME_RE.match(name):
            raise ActionInputError(f"name: {name!r} is not a Slack channel name (lowercase letters, digits, '-' and "
                                   "'_', at most 80)")
        emails = ctx.input.get("inviteEmails") or []
        if not isinstance(emails, list) or len(emails) > MAX_INVITES or not all(
                isinstance(e, str) and EMAIL_RE.match(e) for e in emails):
            raise ActionInputError(f"inviteEmails: expected at most {MAX_INVITES} e-mail addresses")
        answer = _slack("conversations.create", {"name": name, "is_private": bool(ctx.input.get("isPrivate"))})
        if answer.get("ok"):
            channel = answer.get("channel") or {}
            ctx.checkpoint["channel_id"] = channel.get("id")
            ctx.record_created("slack-channel", f"#{name}")
            ctx.log(f"created the Slack channel #{name}")
        elif answer.get("error") == "name_taken" and ctx.checkpoint.get("channel_id"):
            channel = {"id": ctx.checkpoint["channel_id"], "name": name}  # made by this step before a retry
        elif answer.get("error") == "name_taken":
            raise ActionError(f"the Slack channel #{name} already exists; choose another name")
        else:
            raise ActionError(f"Slack refused to create #{name}: {answer.get('error') or 'unknown error'}")
        if ctx.input.get("topic"):
            topic = str(ctx.input["topic"])[:250]
            self._ok(_slack("conversations.setTopic", {"channel": channel["id"], "topic": topic}), "setting the topic")
        users = []
        for email in emails:
            found = _slack("users.lookupByEmail", query={"email": email})
            if found.get("ok"):
                users.append(found["user"]["id"])
            else:
                ctx.log(f"{email} is not in the Slack workspace; not invited")
        if users:
            invited = _slack("conversations.invite", {"channel": channel["id"], "users": ",".join(users)})
            if not invited.get("ok") and invited.get("error") != "already_in_channel":
                raise ActionError(f"Slack refused the invitations to #{name}: {invited.get('error')}")
        ctx.output("channelId", channel.get("id"))
        ctx.output("channelName", name)

    @staticmethod
    def _ok(answer: dict, what: str) -> None:
        if not answer.get("ok"):
            raise ActionError(f"Slack refused {what}: {answer.get('error') or 'unknown error'}")


ACTIONS = [PagerDutyServiceCreate(), SlackChannelCreate()]
