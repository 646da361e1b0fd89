"""One pure normaliser per delivery source: raw payload in, normalised events out (no database).

Each module offers `normalise(event_type: str, payload: dict, *, incident_label: str) -> Normalised`
and raises `PayloadError` naming the field that is missing or of the wrong type. Signature checks
live in `signatures.py`; the shapes of the normalised events in `events.py`.

Setting a tool up (a platform admin first adds a webhook source in the admin: name, kind, secret):

- GitHub: webhook URL `/api/insights/webhooks/<name>`, content type JSON, the secret; events
  Deployments, Deployment statuses, Pushes, Pull requests, Issues (labelled `incident`, or the
  source's label; "root cause: <sha>" in the body links the deployment). Component annotation
  `github.com/project-slug: owner/repo`.
- GitLab: same URL, "Secret token" = the secret; Push, Merge request, Deployment and Issue events
  (incidents are issues of type incident or with the label). Annotation
  `gitlab.com/project-slug: group/project` (or `gitlab.com/project-id`).
- Argo CD: see `argocd.py` for the notification service and template; the secret is sent as
  `X-Webhook-Secret`. Annotation `argocd/app-name`.
- PagerDuty: a V3 webhook subscription with the URL; its signing secret is the source's secret.
  Annotation `pagerduty.com/service-id`.
- Anything else: `POST /api/events` with an API token of scope `events` (see `api.py`).
- The built-in git host: nothing to set up; pushes are recorded as changes.
Events whose service matches no component are kept and listed at /insights/delivery/unmatched/.
"""
