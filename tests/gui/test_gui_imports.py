"""gui/ stands on fcn_studio.app and the bottom layer only (errors, files, paths, images, palette):
never on engine/, data/ or training/ directly, so those can change beneath an unchanged window."""

import ast
from pathlib import Path

import fcn_studio

ALLOWED = {"app", "errors", "files", "paths", "images", "palette"}


def package_imports(path: Path) -> set[str]:
    """The fcn_studio subpackages/modules a gui module imports (relative `..x` or absolute)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 2 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 0 and node.module and node.module.startswith("fcn_studio."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("fcn_studio.")}
    return found


def test_gui_imports_only_the_app_layer_and_the_bottom_layer():
    gui = Path(fcn_studio.__file__).parent / "gui"
    reached = {p.name: package_imports(p) - ALLOWED for p in sorted(gui.glob("*.py"))}
    assert {name: pkgs for name, pkgs in reached.items() if pkgs} == {}
    assert package_imports(gui / "main_window.py") >= {"app"}  # the check does see imports


def test_the_check_sees_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from ..training import TrainConfig\nimport fcn_studio.engine.fcn\nfrom ..app import jobs\n")
    assert package_imports(bad) == {"training", "engine", "app"}
