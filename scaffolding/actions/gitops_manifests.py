"""The YAML the GitOps actions commit: namespaces, Argo CD applications, golden-signal monitors.

Plain functions of their inputs, no I/O: the same input gives byte-identical YAML, which is
what lets a second run of an action see "nothing changed" and make no commit.

Monitors are Datadog monitor definitions (the body of POST /api/v1/monitor), so the committed
file is exactly what is, or would be, sent to Datadog and can be applied by any Datadog tool.
"""

from __future__ import annotations

import re

import yaml

from scaffolding.actions.base import ActionInputError

DNS_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
DNS_SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
ENTITY_REF_RE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9_-]*:)?(?:[A-Za-z0-9._-]+/)?[A-Za-z0-9._-]+$")
LABEL_NAME_RE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$")
RESERVED_NAMESPACES = {"default", "argocd"}
TIERS = ("critical", "standard", "experimental")

# ResourceQuota per tier: critical services get the most room, experiments the least.
QUOTAS = {
    "critical": {"requests.cpu": "16", "requests.memory": "32Gi", "limits.cpu": "32", "limits.memory": "64Gi",
                 "pods": "200", "persistentvolumeclaims": "20"},
    "standard": {"requests.cpu": "8", "requests.memory": "16Gi", "limits.cpu": "16", "limits.memory": "32Gi",
                 "pods": "100", "persistentvolumeclaims": "10"},
    "experimental": {"requests.cpu": "2", "requests.memory": "4Gi", "limits.cpu": "4", "limits.memory": "8Gi",
                     "pods": "20", "persistentvolumeclaims": "2"},
}


def yaml_bytes(document: dict) -> bytes:
    return yaml.safe_dump(document, sort_keys=False, default_flow_style=False, allow_unicode=True).encode()


def label_value(value) -> str:
    """A Kubernetes label value from anything: "group:default/payments-team" -> "payments-team".

    Entity refs keep their name; other characters become "-"; at most 63 characters that start
    and end with a letter or digit ("" when nothing usable is left, which Kubernetes accepts).
    """
    text = str(value if value is not None else "").strip()
    if ENTITY_REF_RE.match(text):
        text = text.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    text = re.sub(r"[^A-Za-z0-9_.-]+", "-", text)
    text = re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", text)[:63]
    return re.sub(r"[^A-Za-z0-9]+$", "", text)


def team_name(value, *, field_name: str = "team") -> str:
    """The team's name as a label value from a Group ref ("group:default/payments-team") or a name; "" if none."""
    if value in (None, ""):
        return ""
    text = str(value).strip()
    name = label_value(text)
    if not ENTITY_REF_RE.match(text) or not name:
        raise ActionInputError(f"{field_name}: {text!r} is not a Group ref (group:default/<name>) or a team name")
    return name


def label_key_check(key, *, field_name: str) -> str:
    key = str(key)
    prefix, _, name = key.rpartition("/")
    if not LABEL_NAME_RE.match(name) or (prefix and (len(prefix) > 253 or not DNS_SUBDOMAIN_RE.match(prefix))):
        raise ActionInputError(f"{field_name}: {key!r} is not a Kubernetes label key ([prefix/]name, name at most 63 "
                               f"letters, digits, '-', '_' or '.')")
    return key


def dns_label_check(value, *, field_name: str, reserved: bool = False) -> str:
    text = str(value if value is not None else "").strip()
    if not DNS_LABEL_RE.match(text):
        raise ActionInputError(f"{field_name}: {text!r} is not a DNS label (lowercase letters, digits and '-', "
                               f"starting and ending with a letter or digit, at most 63 characters)")
    if reserved and (text in RESERVED_NAMESPACES or text.startswith("kube-")):
        raise ActionInputError(f"{field_name}: {text!r} is reserved for the cluster; choose another name")
    return text


def tier_check(value, *, field_name: str = "tier") -> str:
    text = str(value or "standard").strip().lower()
    if text not in TIERS:
        raise ActionInputError(f"{field_name}: {value!r} is not one of {', '.join(TIERS)}")
    return text


def namespace_manifests(*, namespace: str, team: str, tier: str, labels: dict) -> dict[str, bytes]:
    """{path: yaml} for namespaces/<ns>/: the Namespace, its ResourceQuota and the team's RoleBinding.

    The RoleBinding (ClusterRole "edit" for the Group named like the team) is left out without a team.
    """
    all_labels = {label_key_check(k, field_name=f"labels.{k}"): label_value(v) for k, v in (labels or {}).items()}
    all_labels.update({"app.kubernetes.io/managed-by": "paved", "tier": tier})
    if team:
        all_labels["team"] = team
    base = f"namespaces/{namespace}"
    files = {
        f"{base}/namespace.yaml": yaml_bytes({
            "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace, "labels": all_labels}}),
        f"{base}/resourcequota.yaml": yaml_bytes({
            "apiVersion": "v1", "kind": "ResourceQuota",
            "metadata": {"name": f"{namespace}-quota", "namespace": namespace, "labels": {"tier": tier}},
            "spec": {"hard": dict(QUOTAS[tier])}}),
    }
    if team:
        files[f"{base}/rolebinding.yaml"] = yaml_bytes({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": f"{team}-edit", "namespace": namespace, "labels": {"team": team}},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": team}]})
    return files


def argocd_application(*, name: str, repo_url: str, path: str, dest_namespace: str, dest_server: str,
                       project: str, target_revision: str) -> dict[str, bytes]:
    """{path: yaml} for argocd/applications/<name>.yaml: automated sync that creates its namespace."""
    document = {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": name, "namespace": "argocd", "labels": {"app.kubernetes.io/managed-by": "paved"},
                     "finalizers": ["resources-finalizer.argocd.argoproj.io"]},
        "spec": {
            "project": project,
            "source": {"repoURL": repo_url, "path": path, "targetRevision": target_revision},
            "destination": {"server": dest_server, "namespace": dest_namespace},
            "syncPolicy": {"automated": {"prune": True, "selfHeal": True}, "syncOptions": ["CreateNamespace=true"]},
        },
    }
    return {f"argocd/applications/{name}.yaml": yaml_bytes(document)}


# Thresholds per tier. error_rate follows the SLO's error budget (99.99% -> 0.01%, 99.9% -> 0.1%);
# experimental services have no SLO: a loose error alert that notifies the team and pages nobody.
SIGNALS = {
    "critical": {"slo": 99.99, "error_rate": 0.0001, "p99_seconds": 0.5, "saturation_pct": 80, "priority": 1,
                 "page": True},
    "standard": {"slo": 99.9, "error_rate": 0.001, "p99_seconds": 1.0, "saturation_pct": 85, "priority": 2,
                 "page": True},
    "experimental": {"slo": None, "error_rate": 0.05, "p99_seconds": 3.0, "saturation_pct": 95, "priority": 4,
                     "page": False},
}


def golden_signal_monitors(*, service: str, tier: str, team: str, task_id: str) -> list[dict]:
    """Datadog monitor definitions for latency, traffic, errors and saturation of `service`."""
    rule = SIGNALS[tier]
    scope = f"service:{service}"
    notify = f"@team-{team}" if team else ""
    who = f"{notify} {'(paging: ' + tier + ' tier)' if rule['page'] else '(best effort: no page)'}".strip()
    tags = [f"service:{service}", f"tier:{tier}", "managed-by:paved", f"paved-task:{task_id}"]
    if team:
        tags.append(f"team:{team}")
    slo = f"SLO {rule['slo']}%" if rule["slo"] else "no SLO"

    def monitor(signal: str, title: str, query: str, critical: float, warning: float, text: str,
                no_data: bool = False) -> dict:
        return {
            "name": f"[{service}] {title}", "type": "query alert", "query": query,
            "message": f"{text} ({tier}, {slo}). {who}", "tags": [*tags, f"signal:{signal}"],
            "priority": rule["priority"],
            "options": {"thresholds": {"critical": critical, "warning": warning}, "notify_no_data": no_data,
                        **({"no_data_timeframe": 20} if no_data else {}), "require_full_window": False,
                        "include_tags": True},
        }

    errors = (f"sum(last_5m):sum:trace.http.request.errors{{{scope}}}.as_count() / "
              f"sum:trace.http.request.hits{{{scope}}}.as_count() > {rule['error_rate']}")
    return [
        monitor("latency", "p99 latency", f"percentile(last_5m):p99:trace.http.request{{{scope}}} > "
                f"{rule['p99_seconds']}", rule["p99_seconds"], round(rule["p99_seconds"] * 0.8, 3),
                f"p99 latency of {service} is above {rule['p99_seconds']}s"),
        monitor("traffic", "no traffic", f"sum(last_10m):sum:trace.http.request.hits{{{scope}}}.as_count() < 1",
                1, 10, f"{service} served no requests for 10 minutes", no_data=rule["page"]),
        monitor("errors", "error rate", errors, rule["error_rate"], round(rule["error_rate"] / 2, 6),
                f"{service} is burning its error budget: error rate above {rule['error_rate'] * 100:g}%"),
        monitor("saturation", "CPU saturation",
                f"avg(last_15m):100 * avg:kubernetes.cpu.usage.total{{{scope}}} / "
                f"(1000000000 * avg:kubernetes.cpu.limits{{{scope}}}) > {rule['saturation_pct']}",
                rule["saturation_pct"], rule["saturation_pct"] - 10,
                f"{service} uses more than {rule['saturation_pct']}% of its CPU limit"),
    ]


def monitors_file(*, service: str, tier: str, monitors: list[dict]) -> dict[str, bytes]:
    document = {"service": service, "tier": tier, "format": "datadog-monitor/v1", "monitors": monitors}
    return {f"monitoring/{service}/golden-signals.yaml": yaml_bytes(document)}
