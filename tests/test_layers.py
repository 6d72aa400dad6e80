"""The layers hold: the import graph of the application has no cycle and no arrow pointing
up (views -> services -> models, never back; the engine and the forms know no app)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("caseapp", "workflows", "forms", "domain")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of ours it imports (at any depth of the file)."""
    modules = {_module_name(p): p for package in PACKAGES
               for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        targets = set()
        tree = ast.parse(path.read_text())
        typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                       and getattr(block.test, "id", None) == "TYPE_CHECKING"
                       for n in ast.walk(block)}  # annotations only: no arrow at run time
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                found = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[:len(base) - node.level + 1]
                    prefix = ".".join(base + ([node.module] if node.module else []))
                else:
                    prefix = node.module or ""
                # "from package import module" depends on the module, not the package
                found = [f"{prefix}.{alias.name}" if f"{prefix}.{alias.name}" in modules
                         else prefix for alias in node.names]
            else:
                continue
            targets |= {t for t in found if t in modules and t != name}
        graph[name] = targets
    return graph


def _layer(module: str) -> str:
    parts = module.split(".")
    if parts[0] != "caseapp":
        return parts[0]
    return parts[1] if len(parts) > 1 and parts[1] in (
        "views", "web", "services", "models") else "caseapp"


# Which layer may import which (besides itself); "caseapp" is the factory, CLI and config.
ALLOWED = {
    "views": {"web", "services", "forms", "domain", "workflows"},
    "web": {"services", "forms", "domain"},
    "services": {"models", "workflows", "forms", "domain"},
    "models": {"domain"},
    "workflows": set(),
    "forms": {"domain"},
    "domain": set(),
}


# Leaves every layer of caseapp may use: settings, the database connection, migrations.
INFRASTRUCTURE = {"caseapp.config", "caseapp.db", "caseapp.migrate"}


def test_no_arrow_points_up():
    wrong = sorted(f"{module} -> {target}" for module, targets in import_graph().items()
                   for target in targets
                   if _layer(module) in ALLOWED and _layer(target) != _layer(module)
                   and _layer(target) not in ALLOWED[_layer(module)]
                   and target not in INFRASTRUCTURE)
    assert wrong == []


def test_no_import_cycle():
    graph = import_graph()
    state: dict[str, int] = {}  # 1 visiting, 2 done
    cycles = []

    def visit(module, path):
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*path[path.index(target):], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_engine_and_the_forms_know_no_app_and_no_sql():
    for package, refused in (("workflows", ("flask", "sqlalchemy", "caseapp")),
                             ("forms", ("sqlalchemy", "caseapp"))):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                assert not [n for n in names if n.split(".")[0] in refused], path
