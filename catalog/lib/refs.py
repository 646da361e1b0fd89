"""Entity references as Backstage writes them: `[kind:][namespace/]name`.

Which parts may be left out depends on the field (spec.owner defaults to kind Group,
spec.dependsOn has no default kind), so callers pass the defaults for their field.
"""

from dataclasses import dataclass


class RefError(ValueError):
    """A reference that cannot be parsed; the message says what was expected."""


@dataclass(frozen=True, slots=True)
class EntityRef:
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind.lower()}:{self.namespace}/{self.name}"

    @property
    def key(self) -> str:
        """The case-insensitive identity used for lookups and uniqueness."""
        return f"{self.kind}:{self.namespace}/{self.name}".lower()

    def as_dict(self) -> dict:
        return {"kind": self.kind.lower(), "namespace": self.namespace, "name": self.name}


def parse_ref(raw: object, *, default_kind: str | None = None, default_namespace: str = "default") -> EntityRef:
    if not isinstance(raw, str) or not raw.strip():
        raise RefError(f"expected an entity reference string, got {raw!r}")
    text = raw.strip()
    kind, sep, rest = text.partition(":")
    if not sep:
        kind, rest = "", text
    namespace, sep, name = rest.rpartition("/")
    if not sep:
        namespace = ""
    kind = kind or (default_kind or "")
    namespace = namespace or default_namespace
    if not kind:
        raise RefError(f"entity reference {text!r} has no kind; write it as kind:namespace/name")
    if not name:
        raise RefError(f"entity reference {text!r} has no name")
    if ":" in name or "/" in namespace:
        raise RefError(f"entity reference {text!r} is not of the form [kind:][namespace/]name")
    return EntityRef(kind=kind, namespace=namespace, name=name)


def entity_key(kind: str, namespace: str, name: str) -> str:
    """The stored `Entity.ref` of kind:namespace/name: all lower case, as lookups compare."""
    return f"{kind}:{namespace}/{name}".lower()


def stringify_ref(kind: str, namespace: str, name: str) -> str:
    """Backstage's stringifyEntityRef, as its API answers: kind and namespace lower case, the name as written."""
    return f"{kind.lower()}:{namespace.lower()}/{name}"


def split_key(key: str) -> tuple[str, str, str]:
    kind, _, rest = key.partition(":")
    namespace, _, name = rest.partition("/")
    return kind, namespace, name
