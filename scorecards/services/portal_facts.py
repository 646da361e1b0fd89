"""Facts the portal knows itself, read from the lower apps' public selectors and stored as Fact rows.

Sources: "catalog" (owner, annotations, labels, cost labels, alerting, on-call), "techdocs"
(published, last change, page names), "scaffolder" (lineage) and "githost" (README, CI
workflow, monitors, last commit of the repository the entity's source location points at).
Every check then shows the fact behind it and when it was read. Only changed values are
written (and appended to FactRecord); a refresh that changes nothing writes nothing.
"""

import json
import logging
import re
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from catalog.lib.refs import RefError, parse_ref
from catalog.selectors import entities_matching, owners_resolved
from githost.selectors import repo_log, repo_tree
from githost.services import GitHostError, parse_host_url
from scaffolding.selectors import lineage_of_entities
from scorecards.models import Fact, FactRecord
from techdocs.selectors import docs_facts_for

logger = logging.getLogger(__name__)

COST_LABELS = ("team", "service", "environment", "cost-center", "tier")
ALERTING_ANNOTATIONS = ("pagerduty.com/service-id", "pagerduty.com/integration-key", "opsgenie.com/team",
                        "opsgenie.com/component-selector", "datadoghq.com/dashboard-url", "datadoghq.com/monitor-ids")
ONCALL_ANNOTATIONS = ("pagerduty.com/service-id", "pagerduty.com/integration-key", "pagerduty.com/escalation-policy",
                      "opsgenie.com/team", "opsgenie.com/schedule")
SOURCE_LOCATION = "backstage.io/source-location"
CI_FILES = (".gitlab-ci.yml", "Jenkinsfile", ".drone.yml", "azure-pipelines.yml", "bitbucket-pipelines.yml")
MONITOR_DIRS = ("monitors", "alerts", "datadog", "prometheus-rules")
PAGE_WORDS = {
    "has_runbook": ("runbook",),
    "has_adr": ("adr", "decision"),
    "has_architecture": ("architecture",),
    "has_api_reference": ("api", "reference", "openapi"),
    "has_onboarding": ("onboarding", "getting started"),
}
BATCH = 500


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _metadata(body: dict) -> dict:
    return (body or {}).get("metadata") or {}


def _owner_ref(entity) -> str:
    if entity.owner_ref:
        return entity.owner_ref
    owner = str(((entity.body or {}).get("spec") or {}).get("owner") or "").strip()
    if not owner:
        return ""
    try:
        return parse_ref(owner, default_kind="group", default_namespace=entity.namespace or "default").key
    except (RefError, TypeError, ValueError):
        return owner.lower()


def _cost_labels(labels: dict) -> list[str]:
    present = set()
    for key, value in labels.items():
        if str(value).strip():
            present.add(str(key).lower().rsplit("/", 1)[-1])
    return [name for name in COST_LABELS if name in present]


def _names(path: str, title: str) -> str:
    """A page's path and title as words separated by single spaces ("docs/adr/0001" -> " docs adr 0001 ")."""
    return " " + " ".join(re.split(r"[^a-z0-9]+", f"{path} {title}".lower())) + " "


def _named(names: str, words: tuple[str, ...]) -> bool:
    # A word (or phrase) starts a word of the name: "adr" finds "adrs", "api" finds "api-reference",
    # not "rapid"; "getting started" finds "getting-started/".
    return any(f" {w}" in names for w in words)


def _page_flags(pages: list[tuple], links: list) -> dict:
    named = [(_names(path, title), updated) for path, title, updated in pages]
    flags = {flag: any(_named(names, words) for names, _ in named) for flag, words in PAGE_WORDS.items()}
    runbook_pages = [updated for names, updated in named if _named(names, ("runbook",))]
    runbook_link = any(isinstance(link, dict) and "runbook" in f"{link.get('title', '')} {link.get('type', '')}"
                       .lower() for link in links or [])
    flags["has_runbook"] = flags["has_runbook"] or runbook_link
    flags["runbook_updated"] = _iso(max((u for u in runbook_pages if u), default=None))
    return flags


def _git_facts(annotations: dict) -> dict:
    """README, CI workflow, monitors and last commit of a repository on the built-in git host."""
    location = str(annotations.get(SOURCE_LOCATION) or "")
    url = location.removeprefix("url:")
    host = parse_host_url(url) if url.startswith(("http://", "https://")) else None
    if host is None:
        return {}
    try:
        root = repo_tree(owner=host.owner, name=host.name, ref=host.ref, path=host.path.strip("/"))
        names = {entry["name"] for entry in root}
        ci = bool(names & set(CI_FILES))
        if ".github" in names:
            try:
                github = repo_tree(owner=host.owner, name=host.name, ref=host.ref,
                                   path=f"{host.path.strip('/')}/.github".strip("/"))
                ci = ci or any(e["name"] == "workflows" for e in github)
            except GitHostError:
                pass
        log = repo_log(owner=host.owner, name=host.name, ref=host.ref, limit=1)
    except GitHostError as exc:
        logger.info("git facts of %s unreadable: %s", url, exc)
        return {}
    return {
        "git.readme": any(n.lower().startswith("readme") for n in names),
        "git.ci_workflow": ci,
        "git.monitors": bool(names & set(MONITOR_DIRS)),
        "git.last_commit_at": _iso(log[0]["date"]) if log else None,
    }


def portal_facts_compute(*, entities: list) -> dict[str, dict[str, tuple[object, str]]]:
    """{ref: {key: (value, source)}} for these catalog entities (a few queries per batch)."""
    refs = [e.ref for e in entities]
    owners = {e.ref: _owner_ref(e) for e in entities}
    resolved = owners_resolved(refs=[o for o in owners.values() if o])
    owner_annotations = {o.ref: _metadata(o.body).get("annotations") or {}
                         for o in entities_matching(refs=[o for o in owners.values() if o])}
    docs = docs_facts_for(refs=refs)
    lineage = lineage_of_entities(refs=refs)
    out = {}
    for entity in entities:
        metadata = _metadata(entity.body)
        spec = (entity.body or {}).get("spec") or {}
        annotations = metadata.get("annotations") or {}
        labels = metadata.get("labels") or {}
        owner = owners[entity.ref]
        cost = _cost_labels(labels)
        git = _git_facts(annotations)
        on_owner = owner_annotations.get(owner, {})
        facts: dict[str, tuple[object, str]] = {
            "owner.ref": (owner or None, "catalog"),
            "owner.valid": (bool(owner) and resolved.get(owner, False), "catalog"),
            "annotations": (annotations, "catalog"),
            "labels": (labels, "catalog"),
            "entity.kind": (entity.kind.lower(), "catalog"),
            "entity.type": (entity.spec_type or "", "catalog"),
            "entity.lifecycle": (entity.lifecycle or "", "catalog"),
            "apis.provided": (len(spec.get("providesApis") or []), "catalog"),
            "cost.labels": (cost, "catalog"),
            "cost.labels_complete": (len(cost) == len(COST_LABELS), "catalog"),
            "alerting.configured": (any(annotations.get(a) for a in ALERTING_ANNOTATIONS)
                                    or bool(git.get("git.monitors")), "catalog"),
            "oncall.configured": (any(annotations.get(a) for a in ONCALL_ANNOTATIONS)
                                  or any(on_owner.get(a) for a in ONCALL_ANNOTATIONS), "catalog"),
        }
        site = docs.get(entity.ref)
        flags = _page_flags(site["pages"] if site else [], metadata.get("links") or [])
        facts["docs.published"] = (bool(site and site["published"]), "techdocs")
        facts["docs.last_updated"] = (_iso(site["last_updated"]) if site else None, "techdocs")
        for flag, value in flags.items():
            facts[f"docs.{flag}"] = (value, "techdocs")
        made = lineage.get(entity.ref)
        facts["scaffolder.from_template"] = (made is not None, "scaffolder")
        facts["scaffolder.template"] = (made["template_ref"] if made else None, "scaffolder")
        facts["scaffolder.versions_behind"] = ((1 if made["behind"] else 0) if made else None, "scaffolder")
        for key, value in git.items():
            if key != "git.monitors":
                facts[key] = (value, "githost")
        out[entity.ref] = facts
    return out


def facts_store_changed(*, facts: dict[str, dict[str, tuple[object, str]]], now: datetime | None = None,
                        drop_missing: bool = False) -> list[str]:
    """Write the facts whose value (or source) changed, with a FactRecord each; the refs that changed.

    A None value removes the fact (it is no longer known). Nothing is written for equal values."""
    now = now or timezone.now()
    refs = list(facts)
    existing = {(f.entity_ref, f.key): f for f in Fact.objects.filter(
        entity_ref__in=refs, key__in=sorted({k for v in facts.values() for k in v}))}
    creates, updates, deletes, records, changed = [], [], [], [], set()
    for ref, values in facts.items():
        for key, (value, source) in values.items():
            current = existing.get((ref, key))
            if value is None:
                if current is not None:
                    deletes.append(current.pk)
                    changed.add(ref)
                continue
            if current is not None and current.value == value and current.source == source:
                continue
            changed.add(ref)
            records.append(FactRecord(entity_ref=ref, key=key, value=value, source=source, observed_at=now,
                                      recorded_at=now))
            if current is None:
                creates.append(Fact(entity_ref=ref, key=key, value=value, source=source, observed_at=now,
                                    recorded_at=now))
            else:
                current.value, current.source, current.observed_at, current.recorded_at = value, source, now, now
                updates.append(current)
    with transaction.atomic():
        if deletes:
            Fact.objects.filter(pk__in=deletes).delete()
        if connection.vendor == "postgresql":
            _store_copy([*creates, *updates], records)
        else:
            Fact.objects.bulk_create(creates, batch_size=1000)
            Fact.objects.bulk_update(updates, ["value", "source", "observed_at", "recorded_at"], batch_size=1000)
            FactRecord.objects.bulk_create(records, batch_size=1000)
    return sorted(changed)


def _store_copy(facts: list[Fact], records: list[FactRecord]) -> None:
    """PostgreSQL: COPY the changed facts into a temporary table and upsert them in one statement,
    COPY the history rows straight in (bulk_create spent seconds per thousand rows preparing them)."""
    columns = ["entity_ref", "key", "value", "source", "observed_at", "recorded_at"]
    fact_t, record_t = Fact._meta.db_table, FactRecord._meta.db_table
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        if facts:
            cursor.execute("DROP TABLE IF EXISTS scorecards_tmp_fact")
            cursor.execute(f"CREATE TEMP TABLE scorecards_tmp_fact AS SELECT {', '.join(columns)} FROM {fact_t} "
                           f"WITH NO DATA")
            with cursor.copy(f"COPY scorecards_tmp_fact ({', '.join(columns)}) FROM STDIN") as copy:
                for f in facts:
                    copy.write_row([f.entity_ref, f.key, json.dumps(f.value), f.source, f.observed_at, f.recorded_at])
            updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns[2:])
            cursor.execute(f"INSERT INTO {fact_t} ({', '.join(columns)}) SELECT {', '.join(columns)} "
                           f"FROM scorecards_tmp_fact ON CONFLICT (entity_ref, key) DO UPDATE SET {updates}")
            cursor.execute("DROP TABLE scorecards_tmp_fact")
        if records:
            with cursor.copy(f"COPY {record_t} ({', '.join(columns)}) FROM STDIN") as copy:
                for r in records:
                    copy.write_row([r.entity_ref, r.key, json.dumps(r.value), r.source, r.observed_at, r.recorded_at])


def _owned_by(refs: list[str]) -> list[str]:
    """Entities owned by the groups and users among `refs`: a team gaining or losing members (or its
    e-mail) changes their owner.valid, so their facts are re-read with it."""
    owners = sorted({r.lower() for r in refs if r.lower().startswith(("group:", "user:"))})
    owned: list[str] = []
    for start in range(0, len(owners), 40):  # the filter language takes at most 50 conditions
        conditions = ",".join(f"relations.ownedby={ref}" for ref in owners[start:start + 40])
        owned += entities_matching(filter_text=conditions).values_list("ref", flat=True)
    return owned


def portal_facts_refresh(*, entity_refs: list[str] | None = None) -> list[str]:
    """Recompute and store the portal facts of these entities (all of them when None); the refs whose
    facts changed (the caller rescores those)."""
    if entity_refs is not None:
        entity_refs = sorted({*entity_refs, *_owned_by(entity_refs)})
    queryset = entities_matching(refs=entity_refs).order_by("ref")
    changed: list[str] = []
    batch: list = []
    for entity in queryset.iterator(chunk_size=BATCH):
        batch.append(entity)
        if len(batch) >= BATCH:
            changed += facts_store_changed(facts=portal_facts_compute(entities=batch))
            batch = []
    if batch:
        changed += facts_store_changed(facts=portal_facts_compute(entities=batch))
    return changed
