"""The seed's cost labels (team, service, environment, cost-center, tier) under the spellings that
clouds and Kubernetes give them.

A key is compared after lower-casing, dropping a provider prefix (AWS's `user:`, CUR 2.0's `user_`,
Prometheus' `label_`) and every character that is not a letter or a digit: `cost-center`,
`cost_center`, `costCenter` and `user:CostCenter` are one label.
"""

import re

DIMENSIONS = ("team", "service", "environment", "cost_center", "tier")

_ALIASES = {
    "team": ("team", "owningteam", "teamname"),
    "service": ("service", "servicename", "app", "application", "appkubernetesioname", "component"),
    "environment": ("environment", "env", "stage"),
    "cost_center": ("costcenter", "costcentre"),
    "tier": ("tier",),
}
_KEY_TO_DIMENSION = {alias: dimension for dimension, aliases in _ALIASES.items() for alias in aliases}
_PREFIX = re.compile(r"^(?:resourcetags/|tags/)?(?:user:|user_|label_|aws:|k8s:)?", re.IGNORECASE)
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_MAX_VALUE = 100


def label_dimension(key: str) -> str | None:
    """Which of the seed's labels `key` spells, or None."""
    bare = _PREFIX.sub("", str(key).strip())
    return _KEY_TO_DIMENSION.get(_NOT_ALNUM.sub("", bare.lower()))


def labels_from(tags: dict | None) -> dict[str, str]:
    """The seed's labels found in `tags` (the first spelling met wins), values trimmed."""
    found: dict[str, str] = {}
    if not tags:
        return found
    for key, value in tags.items():
        dimension = label_dimension(key)
        if dimension is None or dimension in found or value is None:
            continue
        text = str(value).strip()[:_MAX_VALUE]
        if text:
            found[dimension] = text
    return found
