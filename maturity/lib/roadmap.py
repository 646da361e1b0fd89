"""The six-month roadmap and its success metrics, as pure functions: drafting from the weakest
dimensions and the pain points (the seed's Exercise, l.731-741), parsing what an admin typed, and
progress toward a target."""

import math
from dataclasses import dataclass
from urllib.parse import urlsplit

from maturity.lib.levels import BY_KEY, HIGHER

PHASES = (("m1-2", "Month 1–2", "Address the top pain point with quick wins"),
          ("m3-4", "Month 3–4", "Build the next most impactful capability"),
          ("m5-6", "Month 5–6", "Measure impact and plan the next phase"))
PHASE_KEYS = tuple(key for key, _, _ in PHASES)
MAX_ITEMS_PER_PHASE = 12
MAX_TITLE = 300
MAX_LINK = 500
LINK_SEPARATOR = "->"

# What in Paved moves each dimension: (action, link label, link kind). Link kinds resolve to URLs
# in the selectors (the template catalogue, scorecards, the insights settings page, ...).
ACTIONS = {
    "service_creation": ("Adopt a service template for new services", "create"),
    "cicd": ("Move components onto the golden-path pipeline and upgrade those behind their template", "create"),
    "monitoring": ("Run a scorecard campaign on the monitoring checks (SLO defined, alerting configured)",
                   "scorecards"),
    "documentation": ("Run a scorecard campaign on documentation: publish TechDocs for every service",
                      "scorecards"),
    "self_service": ("Connect the ticket system in Insights and automate the most frequent ticket category",
                     "insights"),
    "onboarding": ("Connect the source host in Insights and publish an onboarding guide per team", "insights"),
    "cost_attribution": ("Connect cost data in Insights and label resources with their owning team", "insights"),
    "ownership": ("Give every component an owner group with members and a contact e-mail", "catalog"),
}

METRIC_KINDS = (("operational", "Operational"), ("adoption", "Adoption"), ("satisfaction", "Satisfaction"))
# The seed's examples (l.737-741): onboarding 3 weeks -> 3 days, 50% on golden path, NPS > 0.
DEFAULT_METRICS = (
    {"kind": "operational", "source": "dimension:onboarding", "target": 3.0},
    {"kind": "adoption", "source": "dimension:cicd", "target": 50.0},
    {"kind": "satisfaction", "source": "survey:nps", "target": 1.0},  # "NPS > 0": at least +1
)
SURVEY_SOURCES = {"survey:nps": ("Developer NPS (latest survey)", "", HIGHER),
                  "survey:mean": ("Average survey score (1–5)", "", HIGHER)}


class RoadmapError(ValueError):
    """What an admin typed cannot be saved; the message names the field and line."""


def metric_sources() -> list[tuple[str, str]]:
    dims = [(f"dimension:{d.key}", f"{d.title} ({d.unit})") for d in BY_KEY.values()]
    return dims + [(key, label) for key, (label, _, _) in SURVEY_SOURCES.items()]


def metric_direction(source: str) -> str:
    if source.startswith("dimension:"):
        return BY_KEY[source.partition(":")[2]].direction
    return SURVEY_SOURCES[source][2]


def draft(*, weakest: list[str], pains: list[str]) -> list[dict]:
    """Items per phase: the top pain point and the weakest dimension first, the next ones in month 3–4,
    measuring in month 5–6. `weakest`: dimension keys, weakest first; `pains`: pain point titles."""
    items = []
    if pains:
        items.append({"phase": "m1-2", "title": f"Quick win on the top pain point: {pains[0]}", "link": "surveys",
                      "dimension": ""})
    for index, key in enumerate(weakest[:3]):
        action, link = ACTIONS[key]
        items.append({"phase": "m1-2" if index == 0 else "m3-4", "title": f"{BY_KEY[key].title}: {action}",
                      "link": link, "dimension": key})
    for pain in pains[1:2]:
        items.append({"phase": "m3-4", "title": f"Address: {pain}", "link": "surveys", "dimension": ""})
    items.append({"phase": "m5-6", "title": "Run the next quarterly developer survey and compare the pain points",
                  "link": "surveys", "dimension": ""})
    items.append({"phase": "m5-6", "title": "Take a new assessment snapshot, review the success metrics and plan "
                  "the next phase", "link": "maturity", "dimension": ""})
    return items


def _link_ok(link: str) -> bool:
    if link.startswith("/") and not link.startswith("//"):
        return True
    parts = urlsplit(link)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def items_parse(phases: dict[str, str], *, known_links: set[str]) -> list[dict]:
    """Each non-empty line of a phase's text is one item: `title` or `title -> link`, where link is a
    known target (create, scorecards, insights, catalog, surveys, maturity), a site path or an http(s) URL."""
    items = []
    for key in PHASE_KEYS:
        text = phases.get(key) or ""
        if len(text) > MAX_ITEMS_PER_PHASE * (MAX_TITLE + MAX_LINK + 10):
            raise RoadmapError(f"{dict((k, n) for k, n, _ in PHASES)[key]}: the text is too long.")
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        name = dict((k, n) for k, n, _ in PHASES)[key]
        if len(lines) > MAX_ITEMS_PER_PHASE:
            raise RoadmapError(f"{name}: at most {MAX_ITEMS_PER_PHASE} items (one per line), not {len(lines)}.")
        for number, line in enumerate(lines, start=1):
            title, sep, link = line.rpartition(LINK_SEPARATOR) if LINK_SEPARATOR in line else (line, "", "")
            title, link = title.strip(), link.strip()
            if not title:
                raise RoadmapError(f"{name}, line {number}: the item needs a title before '{LINK_SEPARATOR}'.")
            if len(title) > MAX_TITLE:
                raise RoadmapError(f"{name}, line {number}: the title is {len(title)} characters; at most {MAX_TITLE}.")
            if sep and (len(link) > MAX_LINK or not (link in known_links or _link_ok(link))):
                raise RoadmapError(f"{name}, line {number}: '{link[:80]}' is not a link: expected one of "
                                   f"{', '.join(sorted(known_links))}, a path starting with / or an http(s) URL.")
            items.append({"phase": key, "title": title, "link": link, "dimension": ""})
    return items


def items_text(items: list[dict], phase: str) -> str:
    """A phase's items as the edit form shows them (the inverse of items_parse)."""
    return "\n".join(f"{i['title']} {LINK_SEPARATOR} {i['link']}" if i.get("link") else i["title"]
                     for i in items if i.get("phase") == phase)


def target_parse(kind: str, text: str) -> float:
    text = (text or "").strip()
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise RoadmapError(f"{kind.capitalize()} metric: target '{text[:40]}' is not a number.") from None
    if not math.isfinite(value) or abs(value) > 1e6:
        raise RoadmapError(f"{kind.capitalize()} metric: target {text[:40]} is out of range.")
    return value


@dataclass
class Progress:
    kind: str
    source: str
    label: str
    baseline: float | None
    current: float | None
    target: float
    direction: str

    @property
    def reached(self) -> bool:
        if self.current is None:
            return False
        return self.current >= self.target if self.direction == HIGHER else self.current <= self.target

    @property
    def share(self) -> float | None:
        """0..1: how far from the baseline toward the target the current value is."""
        if self.current is None:
            return None
        if self.reached:
            return 1.0
        if self.baseline is None or self.baseline == self.target:
            return 0.0
        moved = (self.current - self.baseline) / (self.target - self.baseline)
        return max(0.0, min(1.0, moved))

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(self.share * 100)

