"""Argo CD notifications (argocd-notifications' webhook service), in the JSON shape Paved documents.

Configure a webhook service and template in argocd-notifications-cm:

    service.webhook.paved: |
      url: https://paved.example.com/api/insights/webhooks/<source name>
      headers:
      - name: X-Webhook-Secret
        value: $paved-webhook-secret
    template.paved-sync: |
      webhook:
        paved:
          method: POST
          body: |
            {"id": "{{.app.metadata.name}}-{{.app.status.operationState.finishedAt}}",
             "app": "{{.app.metadata.name}}",
             "phase": "{{.app.status.operationState.phase}}",
             "revision": "{{.app.status.operationState.syncResult.revision}}",
             "finishedAt": "{{.app.status.operationState.finishedAt}}",
             "environment": "{{index .app.metadata.labels "environment"}}"}

and subscribe the template to `on-sync-succeeded` and `on-sync-failed`. `phase` is Argo CD's
operation phase (Succeeded, Failed, Error); `environment` is optional (default: production, as
Argo CD usually deploys one environment per application); `rollback: true` marks a sync that rolled
back (the previous production deployment of the application then counts as failed).
"""

from insights.lib.webhooks.events import DeploymentEvent, Normalised, get, obj, parse_time, sha

ANNOTATION = "argocd/app-name"
PHASES = {"succeeded": "success", "failed": "failure", "error": "failure"}


def delivery_id(payload: dict) -> str:
    """The template's `id`, else the app and finish time (Argo CD sends no delivery header)."""
    if isinstance(payload, dict):
        if isinstance(payload.get("id"), str) and payload["id"]:
            return payload["id"][:200]
        return f"{payload.get('app')}-{payload.get('finishedAt')}-{payload.get('phase')}"[:200]
    return ""


def normalise(event_type: str, payload: dict, *, incident_label: str = "") -> Normalised:
    obj(payload, "payload")
    app = get(payload, "app", "payload")
    phase = str(get(payload, "phase", "payload")).lower()
    if phase not in PHASES:
        return Normalised(ignored=f"sync phase {phase!r}")
    at = parse_time(get(payload, "finishedAt", "payload"), "payload.finishedAt")
    revision = payload.get("revision")
    status = PHASES[phase]
    if status == "success" and get(payload, "rollback", "payload", bool, required=False, default=False):
        status = "rollback"
    return Normalised(events=[DeploymentEvent(
        external_id=f"{app}@{at.isoformat()}", service=app,
        environment=str(payload.get("environment") or "production")[:100], status=status, deployed_at=at,
        commit_shas=(sha(revision, "payload.revision"),) if revision else (),
        match_keys=((ANNOTATION, app.lower()),))])
