"""Free-text survey answers grouped into themes with a small keyword lexicon (no model, no network):
a keyword matches a word it starts (`doc` matches docs and documentation). An answer may fall in
several themes; one matching none is counted under "Other"."""

import re
from dataclasses import dataclass, field

LEXICON: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Slow or flaky builds and CI", ("build", "ci", "pipeline", "flak", "compile", "test")),
    ("Documentation is missing or stale", ("doc", "readme", "runbook", "wiki", "outdated", "stale")),
    ("Waiting on tickets for infrastructure", ("ticket", "jira", "infra", "provision", "environment", "database",
                                               "terraform", "wait", "approval")),
    ("Deployments and releases", ("deploy", "release", "rollback", "rollout", "helm", "argo")),
    ("Monitoring, alerts and on-call", ("alert", "monitor", "dashboard", "on-call", "oncall", "pager", "incident",
                                        "log", "metric")),
    ("Onboarding and access", ("onboard", "access", "permission", "laptop", "setup", "new hire")),
    ("Finding who owns what", ("owner", "who own", "contact", "catalog", "slack")),
    ("Tooling and the portal", ("portal", "tool", "ui", "backstage", "slow page")),
)
OTHER = "Other"
WORD = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass
class Theme:
    name: str
    count: int = 0
    examples: list[str] = field(default_factory=list)


def _matches(keyword: str, text: str, words: list[str]) -> bool:
    if " " in keyword:
        return keyword in text
    return any(word.startswith(keyword) for word in words)


def themes_of(texts: list[str], *, examples: int = 2, max_chars: int = 280) -> list[Theme]:
    """Themes by how many answers mention them (most first), each with a few short examples."""
    found = {name: Theme(name) for name, _ in LEXICON}
    other = Theme(OTHER)
    for raw in texts:
        text = (raw or "").lower()[:5000]
        if not text.strip():
            continue
        words = WORD.findall(text)
        hits = [found[name] for name, keywords in LEXICON if any(_matches(k, text, words) for k in keywords)]
        for theme in hits or [other]:
            theme.count += 1
            if len(theme.examples) < examples:
                short = raw.strip()
                theme.examples.append(short if len(short) <= max_chars else short[:max_chars - 1] + "…")
    ranked = sorted((t for t in found.values() if t.count), key=lambda t: (-t.count, t.name))
    return ranked + ([other] if other.count else [])
