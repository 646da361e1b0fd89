"""OpenSLO YAML (v1 and v1alpha), one or many documents in a file.

Documents of kind SLO give `slo.count`, `slo.names` (metadata.name, in file order) and
`slo.objectives` (one {"slo", "name", "target"} per objective, target as a fraction: v1's
`targetPercent` is divided by 100). `slo.alert_policies` counts the AlertPolicy documents plus the
SLOs' inline `spec.alertPolicies` (what "alerting configured" reads). Other OpenSLO kinds (Service,
SLI, DataSource, ...) are accepted and not counted; a document that is not OpenSLO is an error.
YAML is read by the catalog's safe loader (no tags, no alias bombs, bounded depth).
"""

from catalog.lib.safe_yaml import YamlError, load_documents
from scorecards.lib.reports.base import ParsedReport, ReportError, Source, number

VERSIONS = ("openslo/v1", "openslo/v1alpha")
MAX_SLOS = 10_000


def _objective(raw: object, *, source: Source, line: int, field: str, slo: str) -> dict:
    if not isinstance(raw, dict):
        raise ReportError("expected an objective (a mapping with target or targetPercent)", filename=source.filename,
                          line=line, field=field)
    if "targetPercent" in raw:
        target = number(raw["targetPercent"], filename=source.filename, line=line, field=f"{field}.targetPercent",
                        minimum=0, maximum=100) / 100.0
    elif "target" in raw:
        target = number(raw["target"], filename=source.filename, line=line, field=f"{field}.target",
                        minimum=0, maximum=1)
    else:
        raise ReportError("expected target (0-1) or targetPercent (0-100)", filename=source.filename, line=line,
                          field=field)
    name = raw.get("displayName") or raw.get("name") or ""
    return {"slo": slo, "name": str(name)[:200], "target": round(target, 6)}


def parse(source: Source) -> ParsedReport:
    try:
        documents = load_documents(bytes(source.read_all()))
    except YamlError as exc:
        raise ReportError(f"{exc.message}: expected OpenSLO YAML", filename=source.filename, line=exc.line) from None
    if not documents:
        raise ReportError("empty report: expected OpenSLO YAML documents", filename=source.filename)
    names: list[str] = []
    objectives: list[dict] = []
    alert_policies = 0
    for doc in documents:
        data = doc.data
        where = {"filename": source.filename, "line": doc.line}
        if not isinstance(data, dict):
            raise ReportError(f"document {doc.index} is not a mapping: expected an OpenSLO object", **where)
        if data.get("apiVersion") not in VERSIONS:
            raise ReportError(f"document {doc.index} has apiVersion {str(data.get('apiVersion'))[:40]!r}: expected "
                              "openslo/v1 or openslo/v1alpha", field="apiVersion", **where)
        kind = data.get("kind")
        if kind == "AlertPolicy":
            alert_policies += 1
        if kind != "SLO":
            continue
        metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        name = metadata.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ReportError(f"document {doc.index}: expected a metadata.name for the SLO", field="metadata.name",
                              **where)
        spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
        raw_objectives = spec.get("objectives")
        if not isinstance(raw_objectives, list) or not raw_objectives:
            raise ReportError(f"SLO {name!r}: expected a non-empty list spec.objectives", field="spec.objectives",
                              **where)
        names.append(name.strip()[:200])
        if len(names) > MAX_SLOS:
            raise ReportError(f"more than {MAX_SLOS:,} SLOs: expected one service's SLO definitions", **where)
        objectives.extend(_objective(o, source=source, line=doc.line, field=f"spec.objectives[{i}]", slo=name)
                          for i, o in enumerate(raw_objectives))
        policies = spec.get("alertPolicies")
        alert_policies += len(policies) if isinstance(policies, list) else 0
    facts = {"slo.count": len(names), "slo.names": names, "slo.objectives": objectives,
             "slo.alert_policies": alert_policies}
    summary = f"OpenSLO: {len(names)} SLOs, {len(objectives)} objectives, {alert_policies} alert policies"
    return ParsedReport(facts=facts, observed_at=None, summary=summary, format="openslo")
