"""The pure normalisers and signature checks, fed hostile shapes directly."""

import hashlib
import hmac

import pytest

from insights.lib.webhooks import argocd, github, gitlab, pagerduty, signatures
from insights.lib.webhooks.api import parse_events
from insights.lib.webhooks.events import PayloadError


@pytest.mark.parametrize("module", [github, gitlab, argocd, pagerduty])
@pytest.mark.parametrize("payload", [[], "x", 3, None])
def test_non_object_payload_names_the_payload(module, payload):
    with pytest.raises(PayloadError, match="payload"):
        module.normalise("push", payload)


@pytest.mark.parametrize(("payload", "field"), [
    ({"after": "a" * 40, "repository": {}, "commits": []}, "repository.full_name"),
    ({"after": "a" * 40, "repository": {"full_name": "a/b"}, "commits": [{"id": "zz"}]}, "commits[0].id"),
    ({"after": "a" * 40, "repository": {"full_name": "a/b"}, "commits": [{"id": "a" * 40, "timestamp": 5}]},
     "commits[0].timestamp"),
    ({"after": "a" * 40, "repository": {"full_name": "a/b"}, "commits": "many"}, "payload.commits"),
])
def test_github_push_errors_name_the_field(payload, field):
    with pytest.raises(PayloadError, match=field.replace("[", r"\[").replace("]", r"\]")):
        github.normalise("push", payload)


def test_github_branch_deletion_and_pending_status_are_ignored():
    assert github.normalise("push", {"after": "0" * 40}).ignored == "a branch deletion"
    status = {"deployment_status": {"state": "queued"}, "deployment": {}, "repository": {"full_name": "a/b"}}
    assert "queued" in github.normalise("deployment_status", status).ignored


def test_pagerduty_without_event_and_unknown_type():
    with pytest.raises(PayloadError, match="payload.event"):
        pagerduty.normalise("", {})
    assert "incident.annotated" in pagerduty.normalise("", {"event": {"event_type": "incident.annotated"}}).ignored


def test_signatures_are_exact():
    body, secret = b'{"a":1}', "k" * 20
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert signatures.github_valid(secret=secret, body=body, header=f"sha256={digest}")
    assert not signatures.github_valid(secret=secret, body=body + b" ", header=f"sha256={digest}")
    assert not signatures.github_valid(secret="", body=body, header="sha256=")
    assert signatures.pagerduty_valid(secret=secret, body=body, header=f"v1=00, v1={digest}")
    assert not signatures.pagerduty_valid(secret=secret, body=body, header=f"v0={digest}")
    assert signatures.gitlab_valid(secret=secret, header=secret)
    assert not signatures.gitlab_valid(secret=secret, header="")
    assert not signatures.secret_header_valid(secret="", header="")


def test_api_ids_default_to_a_hash_so_resending_updates():
    item = {"type": "incident", "service": "s", "opened": "2026-01-01T00:00:00Z"}
    first = parse_events({"events": [item]}, max_items=10)[0]
    again = parse_events({"events": [item | {"resolved": "2026-01-01T01:00:00Z"}]}, max_items=10)[0]
    assert first.external_id == again.external_id and again.resolved_at is not None
