"""SARIF 2.1.0 (CodeQL, Semgrep, Trivy/Grype/Snyk's SARIF output, anything GitHub code scanning takes).

Each result that is a problem counts once, by its severity as GitHub code scanning maps it:
- the `security-severity` property (a CVSS score) of the result, else of its rule
  (`tool.driver.rules[]` or an extension's, found by `rule.index`/`ruleIndex`, else by `ruleId`):
  >= 9.0 critical, >= 7.0 high, >= 4.0 medium, > 0 low, 0 unknown;
- without one, the SARIF level (the result's, else the rule's defaultConfiguration's, else SARIF's
  default "warning"): error -> high, warning -> medium, note -> low, none -> unknown.
Results whose `kind` is not "fail" (pass, notApplicable, informational...), suppressed results (a
suppression that is not "rejected") and results whose baselineState is "absent" are not counted.
`scan.tool` is the driver name of each run (joined when several).
"""

from scorecards.lib.reports.base import ParsedReport, ReportError, Source, number, timestamp_from_iso
from scorecards.lib.reports.jsondoc import expect_list, expect_object, load, vulnerability_facts, vulnerability_summary

LEVELS = {"error": "high", "warning": "medium", "note": "low", "none": "unknown"}


def severity_of_score(score: float) -> str:
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    if score > 0:
        return "low"
    return "unknown"


def _props(obj: object) -> dict:
    props = obj.get("properties") if isinstance(obj, dict) else None
    return props if isinstance(props, dict) else {}


def _rules(run: dict, source: Source, r: int) -> tuple[list[list], dict]:
    """The rules of each tool component (the driver first, then the extensions: a result's
    rule.toolComponent.index n is at position n + 1), and every rule by id."""
    tool = run.get("tool") if isinstance(run.get("tool"), dict) else {}
    driver = tool.get("driver") if isinstance(tool.get("driver"), dict) else {}
    components = [driver] + [e for e in expect_list(tool.get("extensions"), source, f"runs[{r}].tool.extensions",
                                                    "tool components") if isinstance(e, dict)]
    rules = [expect_list(c.get("rules"), source, f"runs[{r}].tool.driver.rules", "rules") for c in components]
    by_id = {}
    for component in rules:
        for rule in component:
            if isinstance(rule, dict) and isinstance(rule.get("id"), str):
                by_id.setdefault(rule["id"], rule)
    return rules, by_id


def _rule_of(result: dict, rules: list[list], by_id: dict) -> dict:
    ref = result.get("rule") if isinstance(result.get("rule"), dict) else {}
    index = ref.get("index", result.get("ruleIndex"))
    component = 0
    if isinstance(ref.get("toolComponent"), dict) and isinstance(ref["toolComponent"].get("index"), int):
        component = ref["toolComponent"]["index"] + 1
    if isinstance(index, int) and not isinstance(index, bool) and 0 <= component < len(rules) \
            and 0 <= index < len(rules[component]) and isinstance(rules[component][index], dict):
        return rules[component][index]
    rule_id = ref.get("id", result.get("ruleId"))
    return by_id.get(rule_id, {}) if isinstance(rule_id, str) else {}


def _counted(result: dict) -> bool:
    if result.get("kind", "fail") != "fail":
        return False
    if result.get("baselineState") == "absent":
        return False
    suppressions = result.get("suppressions")
    accepted = isinstance(suppressions, list) and any(
        isinstance(s, dict) and s.get("status", "accepted") != "rejected" for s in suppressions)
    return not accepted


def _severity(result: dict, rule: dict, source: Source, field: str) -> str:
    for owner, where in ((result, field), (rule, f"{field} (its rule)")):
        raw = _props(owner).get("security-severity")
        if raw is not None:
            return severity_of_score(number(raw, filename=source.filename, field=f"{where}.properties."
                                            "security-severity", minimum=0, maximum=10))
    level = result.get("level")
    if level is None:
        config = rule.get("defaultConfiguration") if isinstance(rule.get("defaultConfiguration"), dict) else {}
        level = config.get("level", "warning")
    if level not in LEVELS:
        raise ReportError(f"level {str(level)[:20]!r}: expected one of {', '.join(LEVELS)}", filename=source.filename,
                          field=f"{field}.level")
    return LEVELS[level]


def parse(source: Source) -> ParsedReport:
    data = expect_object(load(source, "a SARIF 2.1.0 log"), source, "a SARIF log")
    version = data.get("version")
    if "runs" not in data or version not in ("2.1.0", None):
        raise ReportError(f"version {str(version)[:20]!r} without runs: expected a SARIF 2.1.0 log "
                          "({\"version\": \"2.1.0\", \"runs\": [...]})", filename=source.filename, field="version")
    counts: dict[str, int] = {}
    tools: list[str] = []
    observed = None
    for r, run in enumerate(expect_list(data.get("runs"), source, "runs", "runs")):
        if not isinstance(run, dict):
            raise ReportError("expected a run object", filename=source.filename, field=f"runs[{r}]")
        rules, by_id = _rules(run, source, r)
        driver = (run.get("tool") or {}).get("driver") if isinstance(run.get("tool"), dict) else None
        name = driver.get("name") if isinstance(driver, dict) else None
        if isinstance(name, str) and name.strip() and name.strip() not in tools:
            tools.append(name.strip()[:100])
        for inv in expect_list(run.get("invocations"), source, f"runs[{r}].invocations", "invocations"):
            when = timestamp_from_iso(inv.get("endTimeUtc") or inv.get("startTimeUtc")) if isinstance(inv, dict) \
                else None
            observed = max(observed, when) if observed and when else (when or observed)
        for i, result in enumerate(expect_list(run.get("results"), source, f"runs[{r}].results", "results")):
            field = f"runs[{r}].results[{i}]"
            if not isinstance(result, dict):
                raise ReportError("expected a result object", filename=source.filename, field=field)
            if not _counted(result):
                continue
            severity = _severity(result, _rule_of(result, rules, by_id), source, field)
            counts[severity] = counts.get(severity, 0) + 1
    facts = vulnerability_facts(counts, ", ".join(tools) or "sarif")
    return ParsedReport(facts=facts, observed_at=observed, summary=vulnerability_summary(
        f"SARIF ({facts['scan.tool']})", facts), format="sarif")
