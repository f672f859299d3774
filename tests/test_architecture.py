"""The import graph of ``openbrain`` (its Lambda adapters ``openbrain.event_targets`` too), read
from the source with ``ast``.

Every import statement counts: module level, function-local and ``TYPE_CHECKING`` ones.
``from package import name`` depends on the submodule ``package.name`` when there is one, else
on the package. The parent packages Python imports on the way (``a`` for ``a.b.c``) are not
edges: every submodule import runs them, so counting them would make each package that
re-exports its modules a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ROOTS = {"openbrain": REPO / "platform" / "openbrain"}

DOMAIN, SETTINGS, LOGS = "openbrain.domain", "openbrain.settings", "openbrain.logs"
STORE, TENANCY, AUTH = "openbrain.store", "openbrain.tenancy", "openbrain.auth"
EVENTS, AGENT, RUNTIME = "openbrain.events", "openbrain.agent", "openbrain.runtime"
API, CLI, TARGETS = "openbrain.api", "openbrain.cli", "openbrain.event_targets"
CLIENT = "openbrain.client"
_BELOW_RUNTIME = {DOMAIN, SETTINGS, LOGS, STORE, TENANCY, AUTH, EVENTS, AGENT}

# Each layer and the layers it may import (its own modules aside). The composition root
# imports every layer below it; the API, the CLI and the Lambda adapters build on it.
LAYERS: dict[str, set[str]] = {
    "openbrain": set(),  # the package's __init__
    DOMAIN: set(),
    SETTINGS: set(),
    LOGS: set(),
    STORE: {DOMAIN, SETTINGS},
    TENANCY: {DOMAIN, STORE},
    AUTH: {DOMAIN, SETTINGS, STORE},
    EVENTS: {DOMAIN, SETTINGS, STORE, TENANCY},
    AGENT: {DOMAIN, SETTINGS, STORE, TENANCY, EVENTS},
    RUNTIME: _BELOW_RUNTIME,
    API: _BELOW_RUNTIME | {RUNTIME},
    # The API client speaks the API's wire schemas (openbrain.api.schemas) and domain records.
    CLIENT: {DOMAIN, API},
    CLI: _BELOW_RUNTIME | {RUNTIME, API, CLIENT},
    TARGETS: {DOMAIN, EVENTS, RUNTIME},
}
# The package's __init__ (the release, ``__version__``) imports nothing: every layer may read it.
for _allowed in LAYERS.values():
    _allowed.add("openbrain")


def _modules() -> dict[str, tuple[Path, bool]]:
    """Dotted name -> (file, is a package's ``__init__``)."""
    found: dict[str, tuple[Path, bool]] = {}
    for top, root in ROOTS.items():
        for path in root.rglob("*.py"):
            parts = [top, *path.relative_to(root).with_suffix("").parts]
            is_package = parts[-1] == "__init__"
            found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


MODULES = _modules()


def _known(name: str) -> str | None:
    """The innermost of our modules that ``name`` (maybe ``module.attribute``) lies in."""
    parts = name.split(".")
    while parts and ".".join(parts) not in MODULES:
        parts.pop()
    return ".".join(parts) or None


def _imported(module: str, path: Path, is_package: bool) -> Iterator[str]:
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            submodules = [f"{source}.{a.name}" for a in node.names
                          if f"{source}.{a.name}" in MODULES]
            yield from submodules
            if len(submodules) < len(node.names):
                yield source


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, (path, is_package) in MODULES.items():
        targets = {_known(name) for name in _imported(module, path, is_package)}
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


GRAPH = _graph()


def _packages() -> list[str]:
    return sorted(name for name, (_, is_package) in MODULES.items() if is_package)


def _child(package: str | None, module: str) -> str | None:
    """The node ``module`` belongs to in ``package``'s graph (``None`` at the root: the top
    package); a package's own ``__init__`` is the node ``package.__init__``."""
    if package is None:
        return module.split(".")[0]
    if module == package:
        return f"{package}.__init__"
    if not module.startswith(package + "."):
        return None
    return f"{package}.{module[len(package) + 1:].split('.')[0]}"


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``edges`` as a path, or ``None``."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def _layer(module: str) -> str:
    if module.startswith(TARGETS):
        return TARGETS
    return ".".join(module.split(".")[:2])


def test_the_graph_holds_every_module_and_function_local_imports() -> None:
    """The parser sees imports inside functions: the runtime imports the executor (and with
    it LangChain) only when a command needs it."""
    assert {
        "openbrain.runtime", "openbrain.event_targets.handler", "openbrain.events.targets.webhook"
    } <= MODULES.keys()
    assert "openbrain.agent.executor" in GRAPH["openbrain.runtime._root"]
    assert "openbrain.events.targets" in GRAPH["openbrain.runtime._root"]


def test_no_cycle_between_packages_or_modules() -> None:
    """At the top (``openbrain``) and inside every package, the graph
    between its direct children (modules and subpackages) has no cycle."""
    for package in [None, *_packages()]:
        edges: dict[str, set[str]] = {}
        for source, targets in GRAPH.items():
            a = _child(package, source)
            for target in targets:
                b = _child(package, target)
                if a is not None and b is not None and a != b:
                    edges.setdefault(a, set()).add(b)
        cycle = _cycle(edges)
        assert cycle is None, f"import cycle in {package or 'the top level'}: " + " -> ".join(
            cycle or []
        )


def test_nothing_else_in_openbrain_imports_event_targets() -> None:
    offenders = sorted(
        module for module, targets in GRAPH.items()
        if not module.startswith(TARGETS) and any(t.startswith(TARGETS) for t in targets)
    )
    assert offenders == []


def test_every_top_level_part_has_a_layer() -> None:
    """A new top-level package or module must be placed in :data:`LAYERS`."""
    assert {_layer(module) for module in MODULES} == set(LAYERS)


def test_layers_point_downward() -> None:
    wrong = sorted(
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if _layer(target) != _layer(module) and _layer(target) not in LAYERS[_layer(module)]
    )
    assert wrong == []


def test_a_violation_would_be_caught() -> None:
    """The checks themselves: a made-up upward edge and a made-up cycle are reported."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}}) is None
    assert _layer("openbrain.store.driver") == STORE
    assert AGENT not in LAYERS[_layer("openbrain.domain.tenant")]
    assert _child("openbrain.events", "openbrain.events.targets.webhook") == (
        "openbrain.events.targets"
    )
    assert _child("openbrain.events", "openbrain.events") == "openbrain.events.__init__"
