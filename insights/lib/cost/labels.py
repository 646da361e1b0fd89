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
    """Which of the seed's labels `key` spells, or None. OCI's defined tags are `Namespace.key`: the
    part after the last dot is tried when the whole key is no label."""
    bare = _PREFIX.sub("", str(key).strip())
    found = _KEY_TO_DIMENSION.get(_NOT_ALNUM.sub("", bare.lower()))
    if found is None and "." in bare:
        found = _KEY_TO_DIMENSION.get(_NOT_ALNUM.sub("", bare.rsplit(".", 1)[1].lower()))
    return found


def tag_pairs(value: object) -> dict | None:
    """Tags as a map: an object as it is, or a list of {"key": ..., "value": ...} pairs (Google Cloud's
    label arrays); None when it is neither."""
    if isinstance(value, dict):
        return value
    if isinstance(value, list) and all(isinstance(item, dict) and "key" in item for item in value):
        return {str(item["key"]): item.get("value") for item in value}
    return None


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
