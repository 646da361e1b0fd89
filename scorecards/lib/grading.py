"""Scores from facts: pure functions, no database (scorecards.services.scoring feeds and stores them).

The rule, in order (scorecards/README.md says it for people):

1. Each check's expression is evaluated over the entity's facts: true passes. A fact it needs
   that has no value makes it `unknown` (counted as not passing); facts that do not fit the
   expression make it `error`. An approved, unexpired exemption makes it `exempt`.
2. Credit: 1 for pass or exempt; otherwise the check's `partial` expression clamped to 0..1
   when it has one and it can be computed (coverage 72% against an 80% target earns 0.9),
   else 0.
3. A category earns weight x (sum of check weight x credit) / (sum of check weights); the score
   is the sum over categories (out of 100). It is shown rounded half up to a whole point and
   the grade is read from that shown number, so what people see and the grade always agree.
4. A failing required check caps the grade at `requiredCap` (it never raises one).
5. Level: the highest ladder level whose checks all pass (or are exempt) and whose minScore is
   reached, climbing from the lowest; a level missed stops the climb.
6. Missing: the `missing` word of every check that earned no credit at all, without repeats, in
   the card's order, the failing required checks last (they cost no points but gate the grade).
   A check with partial credit is shown as below target, not as missing.
"""

import hashlib
import math
from datetime import datetime

from scorecards.lib import expressions

PASS, FAIL, EXEMPT, ERROR, UNKNOWN = "pass", "fail", "exempt", "error", "unknown"


def round_half_up(value: float) -> int:
    return int(math.floor(value + 0.5 + 1e-9))


def grade_of(points: float, grades: list[list]) -> str:
    shown = round_half_up(points)
    for letter, threshold in grades:
        if shown >= threshold:
            return letter
    return "F"


def _cap(grade: str, cap: str, grades: list[list]) -> str:
    order = [g[0] for g in grades] + ["F"]
    if cap not in order or grade not in order:
        return grade
    return order[max(order.index(grade), order.index(cap))]


class Compiled:
    """A definition with its expressions parsed once (a full recompute reuses it per entity)."""

    def __init__(self, definition: dict):
        self.definition = definition
        self.trees: dict[str, tuple] = {}
        self.paths: dict[str, list[str]] = {}
        self.functions: dict[str, tuple] = {}
        for category in definition.get("categories", []):
            for check in category["checks"]:
                tree = expressions.parse(check["expr"])
                partial = expressions.parse(check["partial"]) if check.get("partial") else None
                self.trees[check["key"]] = (tree, partial)
                self.functions[check["key"]] = (expressions.compile_tree(tree),
                                                expressions.compile_tree(partial) if partial else None)
                self.paths[check["key"]] = [path for path, _ in expressions.paths_of(tree)]
        self.fact_keys = sorted({path for trees in self.trees.values() for tree in trees if tree
                                 for path, _ in expressions.paths_of(tree)})


def inputs_hash(*, definition_hash: str, facts: dict, exempt: set[str], day: str) -> str:
    """What a score depends on: the definition, the facts read (value and when they were observed,
    which the check list shows), the exemptions and the day (ages move). repr of sorted tuples:
    stable for equal stored values and much cheaper than JSON."""
    payload = repr((definition_hash, sorted((k, v[0], v[2]) for k, v in facts.items()), sorted(exempt), day))
    return hashlib.sha256(payload.encode()).hexdigest()


def _first_fact(paths: list[str], facts: dict) -> str:
    """The fact a check shows: the first it reads that has a value, else the first it reads."""
    for path in paths:
        if path in facts:
            return path
    return paths[0] if paths else ""


def _credit(function, lookup, now) -> float:
    try:
        value = function(lookup, now)
    except (expressions.MissingFact, expressions.EvalError):
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if not isinstance(value, int | float) or not math.isfinite(value):
        return 0.0
    return min(1.0, max(0.0, float(value)))


def score(compiled: Compiled, facts: dict, *, exempt: set[str] | frozenset = frozenset(), now: datetime) -> dict:
    """Score one entity. `facts`: {key: (value, source, observed_at iso string)}.

    Returns {points, grade, capped, level, missing, results}; results follow Score.results."""
    definition = compiled.definition

    def lookup(path: str):
        found = facts.get(path)
        if found is None:
            raise expressions.MissingFact(path)
        return found[0]

    points, results, missing, required_missing, capped = 0.0, [], [], [], False
    states: dict[str, str] = {}
    for category in definition["categories"]:
        total_weight = sum(c["weight"] for c in category["checks"]) or 1
        earned = 0.0
        for check in category["checks"]:
            function, partial_function = compiled.functions[check["key"]]
            message, credit = "", 0.0
            try:
                state = PASS if expressions.truthy(function(lookup, now)) else FAIL
            except expressions.MissingFact as exc:
                state, message = UNKNOWN, f"No value for {exc.path}."
            except expressions.EvalError as exc:
                state, message = ERROR, str(exc)
            if state != PASS and check["key"] in exempt:
                state, message = EXEMPT, "Exempt (approved exemption)."
            if state in (PASS, EXEMPT):
                credit = 1.0
            elif partial_function is not None:
                credit = _credit(partial_function, lookup, now)
                if credit > 0:
                    message = message or f"Below target: {round(credit * 100)}% of the credit."
            states[check["key"]] = state
            earned += check["weight"] * credit
            fact = _first_fact(compiled.paths[check["key"]], facts)
            value, source, observed = facts.get(fact, (None, "", ""))
            results.append({
                "key": check["key"], "title": check["title"], "category": category["key"],
                "state": state, "required": check["required"],
                "credit": round(credit, 4), "points": round(category["weight"] * check["weight"] / total_weight
                                                           * credit, 2),
                "max_points": round(category["weight"] * check["weight"] / total_weight, 2),
                "value": value, "fact": fact, "source": source, "observed_at": observed, "message": message,
                "fix": check["fix"], "missing": check["missing"],
            })
            if state not in (PASS, EXEMPT):
                if check["required"]:
                    capped = True
                    if check["missing"] not in required_missing:
                        required_missing.append(check["missing"])
                elif credit == 0 and check["missing"] not in missing:
                    missing.append(check["missing"])
        points += category["weight"] * earned / total_weight
    points = round(points, 2)
    grade = grade_of(points, definition["grades"])
    if capped:
        grade = _cap(grade, definition.get("required_cap", "C"), definition["grades"])
    level = ""
    for rung in definition.get("levels", []):
        if round_half_up(points) < rung["min_score"]:
            break
        if any(states.get(key) not in (PASS, EXEMPT) for key in rung["checks"]):
            break
        level = rung["title"]
    missing += [m for m in required_missing if m not in missing]
    return {"points": points, "grade": grade, "capped": capped, "level": level, "missing": missing,
            "results": results}


def fix_links(result: dict) -> list[dict]:
    """The Missing line's items with the fix of the first check that named each."""
    links: dict[str, dict] = {}
    for check in result["results"]:
        word = check["missing"]
        if word in result["missing"] and word not in links:
            links[word] = {"text": word, "fix": check["fix"]}
    return [links[w] for w in result["missing"] if w in links]
