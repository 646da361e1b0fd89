"""Team labels as catalog Group refs."""

from catalog.lib.refs import RefError, parse_ref


def team_ref(value: str) -> str:
    """`payments`, `default/payments` and `group:default/payments` are all `group:default/payments`
    (lower case, as the catalog keys refs); a value naming another kind is taken as a group's name."""
    text = str(value or "").strip()
    if not text:
        return ""
    try:
        ref = parse_ref(text, default_kind="group")
    except RefError:
        return f"group:default/{text.lower()}"
    if ref.kind.lower() != "group":
        return f"group:default/{text.lower().replace(':', '-').replace('/', '-')}"
    return ref.key


def team_label(ref: str) -> str:
    """What pages show for a team ref: its name in the default namespace, else namespace/name."""
    if not ref:
        return "Unallocated"
    _, _, rest = ref.partition(":")
    namespace, _, name = rest.rpartition("/")
    return name if namespace in ("", "default") else rest


def team_slug(ref: str) -> str:
    """A team ref as one URL path segment (`payments`, or `ns~payments` outside the default namespace)."""
    _, _, rest = ref.partition(":")
    namespace, _, name = rest.rpartition("/")
    return name if namespace in ("", "default") else f"{namespace}~{name}"


def team_from_slug(slug: str) -> str:
    namespace, sep, name = str(slug).partition("~")
    return team_ref(f"{namespace}/{name}" if sep else namespace)
