"""The seed's Platform Maturity Model as data: the eight dimensions, their default threshold
tables, the level texts, and the pure functions that map a value to a level and check a table.

Citations are to ../shared/seed/platform-engineering-maturity.txt (line numbers of that file).
A table holds three boundaries: the value a dimension must reach for Level 1, Level 2 and
Level 3. "higher" dimensions (shares in percent) need at least the boundary; "lower" ones
(durations) need at most it. Below the Level 1 boundary the dimension is at Level 0.
"""

import math
from dataclasses import dataclass

HIGHER, LOWER = "higher", "lower"
UNITS = {"percent": "%", "hours": "h", "days": "days"}
UNIT_RANGES = {"percent": (0.0, 100.0), "hours": (0.0, 24.0 * 365), "days": (0.0, 365.0)}


@dataclass(frozen=True)
class Dimension:
    key: str
    title: str
    evidence: str  # what is measured (the exercise's "Evidence" column, seed l.720-728)
    unit: str
    direction: str
    defaults: tuple[float, float, float]
    question: str  # the audit question asked when Paved has no data (seed l.711-717)
    source_note: str  # why the defaults are what they are, with the seed lines

    @property
    def unit_symbol(self) -> str:
        return UNITS[self.unit]


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension(
        "service_creation", "Service creation", "Time from template start to first production deploy (median)",
        "hours", LOWER, (168.0, 1.0, 0.25),
        "How long does it take to create a new service, from starting to its first production deploy? "
        "(Time the entire process; answer in hours.)",
        # l.36 Level 0: "Time to provision new service 1-2 weeks (ticket queue)" -> under a week is Level 1;
        # l.65 Level 2: "Creating a new service takes minutes, not weeks" -> at most an hour;
        # l.144 "Time: 3-5 minutes" and l.606 "Service Creation 8 minutes" -> Level 3 at 15 minutes.
        "Level 0 at 1–2 weeks (l.36); Level 2 'minutes, not weeks' (l.65); Level 3 '3–5 / 8 minutes' (l.144, l.606).",
    ),
    Dimension(
        "cicd", "CI/CD standardization", "% of components on the standard pipeline (made from a golden-path "
        "template, lineage up to date)", "percent", HIGHER, (25.0, 50.0, 80.0),
        "What percentage of your services build and deploy with the standard pipeline? (Audit the repositories.)",
        # l.24 Level 0 "Deployment processes vary per team"; l.45 Level 1 "Standard CI/CD pipeline exists";
        # l.67 Level 2 "Golden paths are automated and enforced"; l.739 "50% of services on golden path" is a
        # six-month goal; l.604 "78% of services on golden paths" is a mature dashboard.
        "Level 1 a standard pipeline exists (l.45); Level 2 golden paths enforced, 50% (l.67, l.739); "
        "Level 3 ~80% (l.604).",
    ),
    Dimension(
        "monitoring", "Monitoring coverage", "% of services with golden-signal alerts (SLO defined, alerting "
        "configured)", "percent", HIGHER, (50.0, 75.0, 90.0),
        "What percentage of services have monitoring and alerting configured? (Audit.)",
        # l.26 Level 0 "Monitoring and alerting set up differently (or not at all)"; l.48 Level 1 "Consistent
        # monitoring stack"; l.163 mature: "Set up monitoring: Automatic with template"; l.439 the scorecard
        # weighs "Has SLO defined + alerting configured".
        "Level 0 ad hoc (l.26); Level 1 consistent stack (l.48); Level 2+ automatic with templates (l.163).",
    ),
    Dimension(
        "documentation", "Documentation", "% of services with up-to-date docs (TechDocs published, changed "
        "within the freshness window)", "percent", HIGHER, (30.0, 60.0, 85.0),
        "What percentage of services have documentation updated in the last 90 days? (Check the docs.)",
        # l.28 Level 0 "Knowledge lives in people's heads"; l.47 Level 1 "Documented runbooks";
        # l.68 Level 2 "Developer documentation is discoverable through the portal"; l.438 "TechDocs published and
        # updated in last 90 days".
        "Level 0 knowledge in heads (l.28); Level 1 runbooks (l.47); Level 2 discoverable in the portal (l.68).",
    ),
    Dimension(
        "self_service", "Self-service infrastructure", "% of infrastructure requests that need no ticket",
        "percent", HIGHER, (25.0, 60.0, 90.0),
        "How many tickets per month are filed for infrastructure tasks, against all such requests? "
        "(Count them; answer the percentage that needed no ticket.)",
        # l.23 Level 0 "provisioned by filing Jira tickets"; l.50 Level 1 "still requires infrastructure team
        # involvement for many tasks"; l.66/70 Level 2 "self-service ... Most common operations require zero
        # interaction"; l.605 "Self-Service Rate 92% of requests automated".
        "Level 0 tickets (l.23); Level 1 some automation (l.50); Level 2 most operations (l.70); Level 3 ~92% (l.605).",
    ),
    Dimension(
        "onboarding", "Developer onboarding", "Days from a new developer's start to their first commit (median)",
        "days", LOWER, (14.0, 2.0, 1.0),
        "Can a new developer make their first commit within 48 hours? How many days did it take the last hires? "
        "(Verify with a recent hire; answer in days.)",
        # l.27 Level 0 "New developers take 2-4 weeks to make their first commit"; l.713 "first commit within
        # 48 hours"; l.166 "Portal + docs, 1-2 days"; l.607 "Onboarding Time 1.5 days".
        "Level 0 2–4 weeks (l.27); Level 2 within 48 hours (l.713, l.166); Level 3 about a day (l.607).",
    ),
    Dimension(
        "cost_attribution", "Cost attribution", "% of spend attributed to a team", "percent", HIGHER,
        (25.0, 75.0, 95.0),
        "Can you tell per-team spend? What percentage of last month's spend is attributed to a team?",
        # l.69 Level 2 "Cost attribution per team/service is available"; l.87 Level 3 "Cost optimization is
        # automated" (which needs nearly all spend attributed); l.513 "per-team, per-service cost attribution".
        "Level 2 attribution per team available (l.69); Level 3 automated optimisation needs ~all of it (l.87).",
    ),
    Dimension(
        "ownership", "Service ownership", "% of components whose owner exists, has members and a contact e-mail",
        "percent", HIGHER, (50.0, 80.0, 95.0),
        "Do you have a service catalog? What percentage of services have an owner you can contact? "
        "(Check if it is complete and accurate.)",
        # l.25 Level 0 "No service catalog — who owns this service? requires asking in Slack"; l.58 Level 1
        # "Service ownership tracked (even if in a spreadsheet)"; l.392 the catalog is the foundation;
        # l.728 "Is every service owned and contactable?".
        "Level 0 ask in Slack (l.25); Level 1 tracked (l.58); Level 3 every service owned and contactable (l.728).",
    ),
)
BY_KEY = {d.key: d for d in DIMENSIONS}

LEVEL_NAMES = {0: "Ad Hoc", 1: "Standardized", 2: "Self-Service", 3: "Optimized"}

# "How you know you are here": the seed writes this sentence for Level 0 only (l.39); for Levels 1–3
# the text below is the seed's own characteristics of that level (l.43-50, l.62-70, l.81-89), quoted.
HOW_YOU_KNOW = {
    0: "Engineers spend more time fighting infrastructure than writing business logic. The answer to most "
       "\"how do I...\" questions is \"ask Bob.\"",
    1: "A standard CI/CD pipeline exists and all teams use the same basic structure; documented runbooks and a "
       "consistent monitoring stack; service templates exist but are not enforced; some automation, but still "
       "requires infrastructure team involvement for many tasks.",
    2: "An internal developer portal provides a single pane of glass; creating a new service takes minutes, not "
       "weeks; infrastructure provisioning is self-service; golden paths are automated and enforced; most "
       "common operations require zero interaction with the platform team.",
    3: "DORA and SPACE metrics are tracked and used for continuous improvement; the platform team operates as "
       "a product team; developer satisfaction is measured regularly; platform capabilities evolve based on data.",
}

# "What changes from Level N" (seed l.52-58, l.72-77, l.91-96): what reaching level N+1 takes.
TO_REACH_NEXT = {
    0: ["Documented golden paths (even if not automated)", "Standard Dockerfile template, Helm chart structure",
        "Centralized logging and monitoring", "Shared CI/CD pipeline with per-repo configuration",
        "Service ownership tracked (even if in a spreadsheet)"],
    1: ["Portal replaces documentation as the primary interface", "Templates replace manual setup",
        "Self-service replaces tickets for infrastructure", "Guardrails replace reviews for standards enforcement"],
    2: ["Metrics drive decisions (not intuition)", "Platform has its own product management",
        "Continuous improvement loop is formalized", "Developer experience is quantified, not assumed"],
    3: [],
}


class ThresholdError(ValueError):
    """A threshold table that cannot be used; the message names the field and what was expected."""


def level_for(value: float | None, thresholds, direction: str) -> int | None:
    """The level `value` reaches in a table of three boundaries (None without a value)."""
    if value is None:
        return None
    if direction == HIGHER:
        return sum(1 for bound in thresholds if value >= bound)
    return sum(1 for bound in thresholds if value <= bound)


def thresholds_parse(dimension: Dimension, raw: list[str]) -> tuple[float, float, float]:
    """Three boundaries typed by a person: numbers, within the unit's range, strictly ordered in the
    dimension's direction (rising for shares, falling for durations)."""
    if len(raw) != 3:
        raise ThresholdError(f"{dimension.title}: three boundaries are needed (Level 1, 2 and 3).")
    low, high = UNIT_RANGES[dimension.unit]
    values = []
    for level, text in enumerate(raw, start=1):
        text = (text or "").strip()
        if len(text) > 20:
            raise ThresholdError(f"{dimension.title}, Level {level}: a number is expected, not {len(text)} characters.")
        try:
            value = float(text.replace(",", "."))
        except ValueError:
            raise ThresholdError(f"{dimension.title}, Level {level}: '{text}' is not a number "
                                 f"(expected {dimension.unit}).") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise ThresholdError(f"{dimension.title}, Level {level}: {value:g} is outside {low:g}–{high:g} "
                                 f"{dimension.unit}.")
        values.append(value)
    rising = dimension.direction == HIGHER
    for level in (1, 2):
        a, b = values[level - 1], values[level]
        if (rising and not a < b) or (not rising and not a > b):
            need = "higher" if rising else "lower"
            raise ThresholdError(f"{dimension.title}: the table must be monotonic: Level {level + 1} ({b:g}) "
                                 f"must be {need} than Level {level} ({a:g}) {dimension.unit}.")
    return tuple(values)


def answer_parse(dimension: Dimension, text: str) -> float:
    """A questionnaire answer: one number in the dimension's unit."""
    text = (text or "").strip()
    if not text:
        raise ThresholdError(f"{dimension.title}: an answer in {dimension.unit} is required.")
    if len(text) > 20:
        raise ThresholdError(f"{dimension.title}: the answer must be a number in {dimension.unit}.")
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise ThresholdError(f"{dimension.title}: '{text}' is not a number (expected {dimension.unit}).") from None
    low, high = UNIT_RANGES[dimension.unit]
    if not math.isfinite(value) or not low <= value <= high:
        raise ThresholdError(f"{dimension.title}: {value:g} is outside {low:g}–{high:g} {dimension.unit}.")
    return value


def threshold_rows(dimension: Dimension, thresholds) -> list[dict]:
    """The table as shown beside a score: one row per level with the range of values it takes."""
    sym = dimension.unit_symbol
    t1, t2, t3 = thresholds
    if dimension.direction == HIGHER:
        ranges = [f"< {t1:g}{sym}", f"{t1:g}–{t2:g}{sym}", f"{t2:g}–{t3:g}{sym}", f"≥ {t3:g}{sym}"]
    else:
        ranges = [f"> {t1:g} {sym}", f"{t2:g}–{t1:g} {sym}", f"{t3:g}–{t2:g} {sym}", f"≤ {t3:g} {sym}"]
    return [{"level": n, "name": LEVEL_NAMES[n], "range": r} for n, r in enumerate(ranges)]


MIN_SCORED = 4  # with fewer dimensions known, any overall level would be a guess


def overall_level(levels: list[int]) -> int | None:
    """A level is reached when every scored dimension has reached it (the seed's Key Takeaway:
    "standardize before you automate ... Skipping levels leads to fragile platforms"); None until at
    least MIN_SCORED of the eight dimensions are scored (from data or the questionnaire)."""
    return min(levels) if len(levels) >= MIN_SCORED else None
