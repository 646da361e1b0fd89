"""The layer rules of ARCHITECTURE.md, checked by walking every production module's imports.

An app may import an app below it, and only that app's public modules; nothing imports an app
above it or beside it (siblings talk through signals). No import cycle between modules may exist,
counting function-local imports too: a local import that closes a cycle only hides it.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Lower numbers are lower layers; apps on one layer are siblings and may not import each other.
LAYERS = {
    "core": 0,
    "githost": 1,
    "catalog": 2,
    "scaffolding": 3,
    "techdocs": 3,
    "surveys": 3,
    "scorecards": 4,
    "insights": 4,
    "maturity": 5,
    "portal": 9,
}

# What an app offers the apps above it (module names, a package's submodules included).
PUBLIC = {
    "core": ("core",),
    "githost": ("githost.selectors", "githost.services", "githost.access", "githost.signals", "githost.models"),
    "catalog": ("catalog.selectors", "catalog.services", "catalog.access", "catalog.signals", "catalog.sources",
                "catalog.panels", "catalog.lib.refs", "catalog.lib.filters", "catalog.lib.safe_yaml",
                "catalog.models"),
    "scaffolding": ("scaffolding.selectors", "scaffolding.services", "scaffolding.access", "scaffolding.signals",
                    "scaffolding.models"),
    "techdocs": ("techdocs.selectors", "techdocs.services", "techdocs.access", "techdocs.signals", "techdocs.search",
                 "techdocs.models"),
    "surveys": ("surveys.selectors", "surveys.services", "surveys.access", "surveys.signals", "surveys.models"),
    "scorecards": ("scorecards.selectors", "scorecards.services", "scorecards.access", "scorecards.signals",
                   "scorecards.models"),
    "insights": ("insights.selectors", "insights.services", "insights.access", "insights.signals",
                 "insights.models"),
    "maturity": ("maturity.selectors", "maturity.services", "maturity.models"),
    "portal": (),
}


def _production_modules() -> dict[str, Path]:
    modules = {}
    for app in LAYERS:
        for path in (ROOT / app).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "tests" in parts or "migrations" in parts or parts[-1].startswith("test") or parts[-1] == "conftest":
                continue
            if parts[-1] == "tests_support":
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


MODULES = _production_modules()


def _resolve(name: str) -> str | None:
    """The module an imported name lives in (`from catalog.selectors import x` -> catalog.selectors)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, path: Path) -> list[tuple[str, int]]:
    """(imported module, line) for every import in the file, function-local ones included."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            names = [f"{stem}.{alias.name}" for alias in node.names] or [stem]
        else:
            continue
        for name in names:
            target = _resolve(name)
            if target is not None and target != module and (target, node.lineno) not in found:
                found.append((target, node.lineno))
    return found


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def _app(module: str) -> str:
    return module.partition(".")[0]


def _is_public(module: str) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in PUBLIC[_app(module)])


def layer_violations() -> list[str]:
    problems = []
    for module, imports in GRAPH.items():
        source = _app(module)
        for target, line in imports:
            destination = _app(target)
            if destination == source:
                continue
            where = f"{MODULES[module].relative_to(ROOT)}:{line} imports {target}"
            if LAYERS[destination] > LAYERS[source]:
                problems.append(f"{where}: {destination} is above {source}")
            elif LAYERS[destination] == LAYERS[source]:
                problems.append(f"{where}: {destination} is beside {source}; send a signal instead")
            elif not _is_public(target):
                problems.append(f"{where}: not one of {destination}'s public modules {PUBLIC[destination]}")
    return problems


def import_cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target, _line in GRAPH.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    return cycles


def test_every_app_has_a_layer():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps <= set(LAYERS), f"add {sorted(apps - set(LAYERS))} to LAYERS here and to ARCHITECTURE.md"


def test_no_app_imports_upwards_sideways_or_past_the_public_surface():
    assert layer_violations() == []


def test_no_import_cycles():
    assert import_cycles() == []


def test_core_imports_no_app():
    outside = [(m, t) for m, imports in GRAPH.items() if _app(m) == "core" for t, _ in imports if _app(t) != "core"]
    assert outside == []


@pytest.mark.parametrize("source", ["import catalog.views\n", "from catalog import views\n"])
def test_the_walker_sees_a_private_import(source, tmp_path):
    """The check itself can fail: a githost module importing the catalog is reported."""
    path = tmp_path / "probe.py"
    path.write_text(source)
    GRAPH["githost.probe"] = _imports("githost.probe", path)
    MODULES["githost.probe"] = ROOT / "githost" / "probe.py"
    try:
        assert any("githost/probe.py:1 imports catalog" in problem for problem in layer_violations())
    finally:
        del GRAPH["githost.probe"], MODULES["githost.probe"]


def test_the_walker_finds_a_cycle_hidden_in_a_function():
    GRAPH["scaffolding.probe_a"] = [("scaffolding.probe_b", 1)]
    GRAPH["scaffolding.probe_b"] = [("scaffolding.probe_a", 9)]  # as a function-local import would add it
    try:
        assert ["scaffolding.probe_a", "scaffolding.probe_b"] in import_cycles()
    finally:
        del GRAPH["scaffolding.probe_a"], GRAPH["scaffolding.probe_b"]
