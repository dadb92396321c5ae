"""The layers hold: views → services/selectors → gateway; tasks stay thin; only the gateway
imports the SDK; no import cycle between the console's modules; no import hidden inside a
function (the way cycles were hidden before), except where Django or laziness needs one."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ROOT / "apps"

# Function-level imports that are deliberate, each with its reason.
LAZY_IMPORTS = {
    # AppConfig.ready(): Django's place to import the modules that register streams and signals.
    ("apps.py", "ready"),
    # The in-process WSGI transport (tests) builds Django's app only when first asked for.
    ("gateway/transport.py", "_in_process_app"),
}


def _modules() -> dict[str, Path]:
    """``apps.x.y`` → path, for every product module (the sandbox and migrations apart)."""
    found = {}
    for path in APPS.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if "migrations" in rel.parts or rel.parts[1] == "sandbox":
            continue
        name = ".".join(rel.with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def _imports(path: Path, *, top_level: bool) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level else list(ast.walk(tree))
    out = []
    for node in nodes:
        if isinstance(node, ast.Import):
            out.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, node.lineno))
            out.extend((f"{node.module}.{alias.name}", node.lineno) for alias in node.names)
    return out


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def test_only_the_gateway_imports_the_sdk():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for name, path in _modules().items()
        if not name.startswith("apps.gateway")
        for imported, line in _imports(path, top_level=False)
        if imported == "openrouter" or imported.startswith("openrouter.")
    ]
    assert offenders == []


def test_views_and_tasks_never_call_the_gateway_themselves():
    offenders = []
    for name, path in _modules().items():
        parts = name.split(".")
        if not ({"views", "tasks", "templatetags"} & set(parts)):
            continue
        for imported, line in _imports(path, top_level=False):
            if imported.startswith("apps.gateway") and not imported.startswith(
                "apps.gateway.retry"
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert offenders == []


def test_services_and_selectors_do_not_reach_up_into_views():
    offenders = []
    for name, path in _modules().items():
        if ".views" in name or name.endswith("urls"):
            continue
        for imported, line in _imports(path, top_level=False):
            if ".views" in imported and imported.startswith("apps."):
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert offenders == []


def test_no_import_is_hidden_inside_a_function():
    offenders = []
    for path in _modules().values():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            where = (str(path.relative_to(APPS)), node.name)
            if (path.name, node.name) in LAZY_IMPORTS or where in LAZY_IMPORTS:
                continue
            for sub in ast.walk(node):
                if isinstance(sub, ast.Import | ast.ImportFrom):
                    offenders.append(f"{path.relative_to(ROOT)}:{sub.lineno} in {node.name}()")
    assert offenders == []


def test_no_import_cycle_between_the_consoles_modules():
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for imported, _line in _imports(path, top_level=True):
            target = _resolve(imported, modules)
            if target and target != name and not name.startswith(target + "."):
                graph[name].add(target)
    # Tarjan's strongly connected components: any component of two or more is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in graph:
        if node not in index:
            visit(node)
    assert cycles == []
