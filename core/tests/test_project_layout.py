"""How the project's modules depend on each other, read from their imports:
no import cycles, no imports hidden inside functions, and the platform
(`core`) never depends on the apps built on it."""

import ast
import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PLATFORM = "core"
APPS_ON_THE_PLATFORM = ("bookings", "chat")


def _project_apps() -> list[str]:
    """Installed apps whose code is this repository's own (not in a virtualenv)."""
    return sorted(
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT) and Path(config.path).relative_to(ROOT).parts[0] == config.name
    )


def _project_packages() -> list[str]:
    return [*_project_apps(), "project"]


def _modules() -> dict[str, Path]:
    """Module name -> file, for the project's own code (not tests, not migrations)."""
    modules = {}
    for package in _project_packages():
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "tests" in parts or "migrations" in parts:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


def _imports(tree: ast.Module, module: str, is_package: bool) -> list[tuple[str, bool, int]]:
    """(imported module, imported inside a function, line) of each import."""
    found = []
    function_nodes = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for child in ast.walk(node)
    }
    for node in ast.walk(tree):
        inside = id(node) in function_nodes
        if isinstance(node, ast.Import):
            found += [(alias.name, inside, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((base, inside, node.lineno))
            found += [(f"{base}.{alias.name}", inside, node.lineno) for alias in node.names]
    return found


def _graph() -> tuple[dict[str, set[str]], list[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    inside_functions = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        for imported, inside, line in _imports(tree, name, path.name == "__init__.py"):
            if imported not in modules or imported == name:
                continue
            graph[name].add(imported)
            if inside:
                inside_functions.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    return graph, inside_functions


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
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
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_the_project_has_no_import_cycles():
    graph, _ = _graph()

    assert _cycles(graph) == []


def test_no_project_module_is_imported_inside_a_function():
    _, inside_functions = _graph()

    assert inside_functions == []


def test_the_platform_never_imports_the_apps_built_on_it():
    graph, _ = _graph()

    offending = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        if module.split(".")[0] == PLATFORM
        for target in targets
        if target.split(".")[0] in APPS_ON_THE_PLATFORM
    )
    assert offending == []


def test_the_test_run_collects_every_app():
    pytest_options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]

    assert set(_project_apps()) <= set(pytest_options["testpaths"])
