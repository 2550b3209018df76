"""The command line answers `--help` and argument errors without loading PyTorch, ONNX or Qt.

Each case runs in a fresh interpreter (this one has long imported torch) and reports which heavy
modules its `sys.modules` holds after `main` returned: the check looks at what was imported, not
at a time, so a slow machine cannot fail it and a fast one cannot hide an import.
"""

import json
import subprocess
import sys

import pytest

from fcn_studio.cli import COMMANDS

HEAVY = ("torch", "torchvision", "onnx", "onnxruntime", "onnxscript", "openvino", "PySide6", "shiboken6",
         "pyqtgraph", "scipy", "tqdm")

PROBE = """
import contextlib, io, json, sys
from fcn_studio.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()) as err:
    try:
        code = main(sys.argv[1:])
    except SystemExit as stop:  # argparse's --help and usage errors
        code = stop.code
print(json.dumps({"code": code, "out": out.getvalue(), "err": err.getvalue(),
                  "loaded": sorted(m for m in %r if m in sys.modules)}))
"""


def probe(*argv: str, code: str = PROBE) -> dict:
    res = subprocess.run([sys.executable, "-c", code % (HEAVY,), *argv], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout.splitlines()[-1])


def test_the_top_level_help_lists_every_command_and_loads_nothing_heavy():
    found = probe("--help")
    assert found["code"] == 0 and found["loaded"] == []
    for name in COMMANDS:
        assert name.replace("_", "-") in found["out"]


@pytest.mark.parametrize("name", [name.replace("_", "-") for name in COMMANDS])
def test_every_subcommand_help_loads_nothing_heavy(name):
    found = probe(name, "--help")
    assert found["code"] == 0 and found["out"].startswith(f"usage: fcn-studio {name}")
    assert found["loaded"] == []


@pytest.mark.parametrize("argv, complaint", [
    (["segment", "a.png", "--backend", "nope"], "argument --backend: invalid choice: 'nope'"),
    (["segment"], "the following arguments are required: IMAGE"),
    (["train", "--stage", "9s"], "argument --stage: invalid choice: '9s'"),
    (["experiment", "nonsense", "--out", "x"], "argument NAME: invalid choice: 'nonsense'"),
    (["import-weights", "a.pth", "b.safetensors", "--arch", "vgg"], "argument --arch: invalid choice: 'vgg'"),
    (["segmnt", "a.png"], "unknown command 'segmnt'; did you mean segment?"),
    (["--version"], ""),
])
def test_argument_errors_load_nothing_heavy(argv, complaint):
    found = probe(*argv)
    assert found["loaded"] == []
    if complaint:
        assert found["code"] == 2 and complaint in found["err"]
    else:
        assert found["code"] == 0 and found["out"].startswith("fcn-studio ")


def test_the_probe_does_see_a_heavy_import():
    """The package's public names still work, and loading them is what the probe reports."""
    found = probe(code="import fcn_studio, json, sys\nassert fcn_studio.Segmenter.__name__ == 'Segmenter'\n"
                  "print(json.dumps({'loaded': sorted(m for m in %r if m in sys.modules)}))")
    assert "torch" in found["loaded"]


def test_the_lazy_package_names_are_the_modules_own():
    import fcn_studio
    from fcn_studio.engine.predictor import Segmenter
    from fcn_studio.training import evaluate
    from fcn_studio.training.evaluate import evaluate as evaluate_function

    assert fcn_studio.Segmenter is Segmenter and "Segmenter" in dir(fcn_studio)
    # a name shared with its module (training/evaluate.py's evaluate) must stay the function
    assert evaluate is evaluate_function
    with pytest.raises(AttributeError):
        fcn_studio.no_such_name
