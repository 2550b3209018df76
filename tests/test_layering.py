"""DESIGN.md: engine, data, training, app, bench and cli never import Qt (only gui/ may)."""

import subprocess
import sys
from pathlib import Path

import fcn_studio

QT_FREE = ("engine", "data", "training", "app", "bench", "cli")

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
