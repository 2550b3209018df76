"""DESIGN.md's layers: imports point down only, and only gui/ may import Qt.

    base      allocator, errors, files, paths, images, palette, text, threads, terminal_progress: no fcn_studio import above them
    engine    pure PyTorch; base only
    data      datasets; base and engine
    training  base, engine, data
    app       Qt-free application state; base, engine, data, training
    gui       Qt widgets; base and app only (the app layer is its one door to the rest)
    cli       the top: anything, the package root's __version__ included
    benchmarks  the measurements, beside cli: anything but cli (only cli's `bench` command imports them)

The package root (fcn_studio/__init__.py) re-exports the engine's public names; each __main__ runs cli.
Every import of every module is read with `ast`, lazy ones inside functions included.
"""

import ast
import subprocess
import sys
from pathlib import Path

import fcn_studio

PACKAGE = Path(fcn_studio.__file__).parent
BASE = ("allocator", "boxes", "errors", "files", "paths", "images", "palette", "text", "threads", "terminal_progress")
MAY_IMPORT = {
    "base": {"base"},
    "engine": {"base", "engine"},
    "data": {"base", "engine", "data"},
    "training": {"base", "engine", "data", "training"},
    "app": {"base", "engine", "data", "training", "app"},
    "gui": {"base", "app", "gui"},
    "cli": {"root", "base", "engine", "data", "training", "app", "gui", "cli", "benchmarks"},
    "benchmarks": {"root", "base", "engine", "data", "training", "app", "gui", "benchmarks"},
    "root": {"base", "engine", "root"},
    "__main__": {"cli"},
}

QT_FREE = ("engine", "data", "training", "app", "cli")

BLOCKER = """
import importlib.abc, importlib.util, pkgutil, sys

class NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6"):
            raise ImportError(f"Qt imported: {name}")
        return None

sys.meta_path.insert(0, NoQt())
import fcn_studio
names = [m.name for pkg in %r for m in pkgutil.walk_packages(
    [str(__import__("pathlib").Path(fcn_studio.__file__).parent / pkg)], prefix=f"fcn_studio.{pkg}.")]
names += [f"fcn_studio.{pkg}" for pkg in %r]
for name in names:
    importlib.import_module(name)
print(len(names))
"""


def test_every_module_outside_gui_imports_without_qt():
    res = subprocess.run([sys.executable, "-c", BLOCKER % (QT_FREE, QT_FREE)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    package = Path(fcn_studio.__file__).parent
    modules = [p for pkg in QT_FREE for p in (package / pkg).rglob("*.py") if p.name != "__main__.py"]
    expected = len(modules)  # every package's __init__ counts once, as the subprocess imports it once
    assert int(res.stdout.strip()) == expected >= 20


def test_the_blocker_does_catch_qt():
    code = BLOCKER.split("import fcn_studio")[0] + "import PySide6.QtCore\n"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode != 0 and "Qt imported: PySide6" in res.stderr


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path) -> list[str]:
    """Every fcn_studio name `path` imports, absolute: `from ..training import X` → fcn_studio.training.X."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found += [f"{module}.{alias.name}" for alias in node.names]
    return [n for n in found if n == "fcn_studio" or n.startswith("fcn_studio.")]


def layer_of(name: str) -> str:
    parts = name.split(".")
    if parts[-1] == "__main__":  # `python -m fcn_studio` and `python -m fcn_studio.benchmarks`: they run cli
        return "__main__"
    if len(parts) == 1 or parts[1] == "__version__":
        return "root"
    if parts[1] in BASE:
        return "base"
    return parts[1]


def test_imports_point_down_the_layers():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = module_name(path)
        for name in imported_names(path):
            if layer_of(name) not in MAY_IMPORT[layer_of(importer)]:
                wrong.append(f"{importer} imports {name}")
    assert wrong == []


def test_every_layer_is_known_and_the_reader_resolves_relative_imports():
    layers = {layer_of(module_name(p)) for p in PACKAGE.rglob("*.py")}
    assert layers <= set(MAY_IMPORT) and {"base", "engine", "data", "training", "app", "gui", "cli"} <= layers
    assert "fcn_studio.app.train_job.StepDone" in imported_names(PACKAGE / "gui" / "training_plots.py")
    assert "fcn_studio.errors.DeviceError" in imported_names(PACKAGE / "engine" / "devices.py")
    assert "fcn_studio.__version__" in imported_names(PACKAGE / "cli" / "__init__.py")
    assert layer_of("fcn_studio.palette.VOID_LABEL") == "base" and layer_of("fcn_studio.engine.fcn.FCN") == "engine"
    assert layer_of("fcn_studio.benchmarks.report") == "benchmarks" and layer_of("fcn_studio.benchmarks.__main__") == "__main__"


def test_cli_holds_one_module_per_subcommand_and_nothing_else():
    """Helpers live in the layer they belong to (app/model_choice.resolve_model, training/scores,
    terminal_progress), so a file in cli/ is always a command a user can type."""
    from fcn_studio.cli import COMMANDS

    modules = {p.stem for p in (PACKAGE / "cli").glob("*.py") if p.name != "__init__.py"}
    assert modules == set(COMMANDS) | {"app"}  # app.py: no subcommand, the window
    for name in COMMANDS:
        tree = ast.parse((PACKAGE / "cli" / f"{name}.py").read_text(encoding="utf-8"))
        assert {"register", "run"} <= {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}, name
