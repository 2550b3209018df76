"""The package's modules import each other without a circle.

Layer direction (test_layering.py) allows a circle within one layer; a circle is held together
only by import order or by imports hidden inside functions, and breaks when either changes. Every
import counts here, function-level ones included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx  # a dependency of torch
import fcn_studio

PACKAGE = Path(fcn_studio.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, modules: set[str]) -> set[str]:
    """The package modules `path` imports, anywhere in it: `from . import x` is module `pkg.x`
    where that is a module, else `pkg` itself; relative names are resolved from `path`'s package."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    tree = ast.parse(path.read_text(), str(path))
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If) and _is_type_checking(block.test)
                   for n in ast.walk(block)}  # `if TYPE_CHECKING:` imports never run
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # `import a.b.c` names module a.b.c, or a.b …
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def import_graph() -> nx.DiGraph:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for path in paths:
        graph.add_edges_from((module_name(path), target) for target in imported_modules(path, modules))
    return graph


def test_the_graph_sees_relative_and_function_level_imports():
    graph = import_graph()
    assert graph.has_edge("fcn_studio.engine.predictor", "fcn_studio.engine.backends")  # from .backends import …
    assert graph.has_edge("fcn_studio.engine.backends", "fcn_studio.engine.backends.calibration")  # in a package's __init__
    assert graph.has_edge("fcn_studio.engine.backends.calibration", "fcn_studio.images")  # inside a function
    assert not graph.has_edge("fcn_studio.app.view_settings", "fcn_studio.app.view_model")  # only if TYPE_CHECKING


def test_no_module_imports_itself_through_others():
    graph = import_graph()
    tangles = [graph.subgraph(c) for c in nx.strongly_connected_components(graph)
               if len(c) > 1]
    circles = [" → ".join(a for a, _ in nx.find_cycle(t)) for t in tangles]
    assert not circles, "import circles (one shown per tangle):\n" + "\n".join(sorted(circles))
